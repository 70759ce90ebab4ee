"""Policy expressions: SQL syntax, parsed by sqlglot, checked against a whitelist, and
evaluated exactly with Decimal (never Python ``eval``).

``qa_avg >= 95 and complaints = 0``, ``floor(greatest(176 - worked_hours, 0) / 8)``,
``case when stars = 4 then 10 when stars = 3 then 8 else 0 end``. Names are metrics,
roster fields or period values; anything else is reported with a "did you mean".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from difflib import get_close_matches
from typing import cast

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from jili.core.problems import Location, Problem, Severity

Value = Decimal | bool | str | dt.date | None

_ALLOWED = (
    exp.Column, exp.Identifier, exp.Literal, exp.Boolean, exp.Null, exp.Paren, exp.Neg, exp.Not,
    exp.And, exp.Or, exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Add, exp.Sub, exp.Mul,
    exp.Div, exp.Mod, exp.Case, exp.If, exp.Coalesce, exp.Least, exp.Greatest, exp.Abs, exp.Round,
    exp.Floor, exp.Ceil, exp.Between, exp.In, exp.Is, exp.Nullif, exp.Day, exp.Month, exp.Year, exp.Tuple,
)
MAX_LENGTH = 2000
MAX_DEPTH = 32  # brackets open at once; sqlglot recurses once per level
FUNCTIONS = "abs, round, floor, ceil, least, greatest, coalesce, nullif, if, day, month, year"


@dataclass(frozen=True, slots=True, eq=False)
class Expr:
    """A checked expression and the names it reads."""

    text: str
    node: exp.Expression = field(repr=False)
    names: tuple[str, ...]
    fn: Callable[[Mapping[str, Value]], Value] = field(repr=False, compare=False, default=lambda env: None)

    def sql(self, rename: Mapping[str, str] | None = None) -> str:
        """DuckDB SQL, with names optionally renamed (quoted)."""
        node = self.node.copy()
        for col in node.find_all(exp.Column):
            new = (rename or {}).get(col.name, col.name)
            col.replace(exp.column(new, quoted=True))
        return node.sql(dialect="duckdb")


def _unknown_fix(guess: str | None, known: Mapping[str, str], columns_of: str | None) -> tuple[str, str]:
    """What to do about an unknown name, fitting what it most likely meant: a column of the fact, a metric, or a
    roster or period field."""
    if columns_of is not None:
        if guess is not None:
            return f"Write '{guess}': {columns_of} has that column.", f"请写 '{guess}'：{columns_of} 有该列。"
        return (f"Name a column of {columns_of}; 'jili formats {columns_of}' lists them.",
                f"请使用 {columns_of} 的列名；“jili formats {columns_of}”可列出全部列。")
    if guess is not None and known.get(guess) == "metric":
        return f"Write '{guess}', the metric of that name.", f"请写指标 '{guess}'。"
    if guess is not None:
        return f"Write '{guess}' (a roster field or period value).", f"请写 '{guess}'（花名册字段或周期值）。"
    return ("Define it under metrics:, or use a roster field or period value (see docs/policy-reference.md, 'Names').",
            "请在 metrics 下定义它，或使用花名册字段、周期值（见 docs/policy-reference.md「名称」）。")


def parse(text: str | int | float, known: Mapping[str, str], where: Location,
          what: str = "expression", columns_of: str | None = None) -> tuple[Expr | None, list[Problem]]:
    """Parse and check ``text``; ``known`` maps each usable name to a short description; ``columns_of`` names the
    fact when the names are its columns (a metric's column or filter)."""
    try:
        return _parse(str(text).strip(), known, where, what, columns_of)
    except RecursionError:  # sqlglot, the checks and the compiler each recurse once per level of the tree
        return None, [_problem(where, "expression_too_complex", f"The {what} is nested too deeply.",
                               f"{what}嵌套过深。", "Split it into named metrics.", "请拆成若干命名指标。")]


def _parse(source: str, known: Mapping[str, str], where: Location, what: str,
           columns_of: str | None) -> tuple[Expr | None, list[Problem]]:
    if not source:
        return None, [_problem(where, "empty_expression", f"The {what} is empty.", f"{what} 为空。",
                               "Write a condition or a formula, e.g. qa_avg >= 95.", "请写条件或公式，例如 qa_avg >= 95。")]
    if len(source) > MAX_LENGTH or _nesting(source) > MAX_DEPTH:
        return None, [_problem(where, "expression_too_complex",
                               f"The {what} is too long or too deeply nested (at most {MAX_LENGTH} characters and "
                               f"{MAX_DEPTH} brackets open at once).", f"{what}过长或括号嵌套过深（最多 {MAX_LENGTH} 个字符、"
                               f"{MAX_DEPTH} 层括号）。",
                               "Split it into named metrics, each a step of the calculation.",
                               "请拆成若干命名指标，每个指标算一步。")]
    try:
        node = sqlglot.parse_one(source, read="duckdb")
    except (SqlglotError, ValueError) as exc:
        first = str(exc).splitlines()[0]
        return None, [_problem(where, "expression_syntax", f"Cannot read the {what} {source!r}: {first}",
                               f"无法解析{what} {source!r}：{first}",
                               "Check brackets, quotes and operators (and, or, =, <>, >=).",
                               "请检查括号、引号与运算符（and、or、=、<>、>=）。")]
    problems: list[Problem] = []
    for sub in node.walk():
        if not isinstance(sub, _ALLOWED):
            name = type(sub).__name__.upper()
            problems.append(_problem(
                where, "forbidden_construct",
                f"The {what} {source!r} uses {name}, which policies do not allow.",
                f"{what} {source!r} 使用了不允许的 {name}。",
                f"Use arithmetic, comparisons, and/or/not, case, between, in, and the functions {FUNCTIONS}.",
                f"可用四则运算、比较、and/or/not、case、between、in 以及函数 {FUNCTIONS}。"))
            return None, problems
    if any(required and sub.args.get(arg) is None for sub in node.walk() for arg, required in sub.arg_types.items()):
        # DuckDB reads a lone "@" as abs of nothing: an operator without its operand
        return None, [_problem(where, "expression_syntax",
                               f"Cannot read the {what} {source!r}: an operator has nothing to work on.",
                               f"无法解析{what} {source!r}：有运算符缺少运算对象。",
                               "Check brackets, quotes and operators (and, or, =, <>, >=).",
                               "请检查括号、引号与运算符（and、or、=、<>、>=）。")]
    names: list[str] = []
    for col in node.find_all(exp.Column):
        if col.table:
            problems.append(_problem(where, "unknown_name", f"'{col.sql()}': names have no dots in policies.",
                                     f"'{col.sql()}'：策略中的名称不含点号。", "Define a metric with that value.",
                                     "请为该值定义一个指标。"))
            continue
        if col.name not in known:
            guess = get_close_matches(col.name, list(known), n=1)
            fix, fix_zh = _unknown_fix(guess[0] if guess else None, known, columns_of)
            problems.append(_problem(
                where, "unknown_name",
                f"Unknown name '{col.name}' in {source!r}." + (f" Did you mean '{guess[0]}'?" if guess else ""),
                f"{source!r} 中的名称 '{col.name}' 未定义。" + (f"是否应为 '{guess[0]}'？" if guess else ""),
                fix, fix_zh, found=col.name))
        elif col.name not in names:
            names.append(col.name)
    if problems:
        return None, problems
    checked = cast(exp.Expression, node)
    problems.extend(_type_problems(checked, known, where, source))
    for tup in checked.find_all(exp.Tuple):
        if not isinstance(tup.parent, exp.In):
            problems.append(_problem(where, "forbidden_construct", f"The {what} {source!r} has a list where a value is "
                                     "expected; lists belong after 'in'.", f"{what} {source!r} 中的列表只能用在 in 之后。",
                                     "Write a single value, or x in (a, b).", "请写单个值，或 x in (a, b)。"))
            break
    if problems:
        return None, problems
    return Expr(source, checked, tuple(names), compile_node(checked)), []  # the whitelist leaves nothing it cannot compile


def _nesting(source: str) -> int:
    """The most brackets open at once: how deep sqlglot will have to recurse."""
    depth = deepest = 0
    for char in source:
        if char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth -= 1
    return deepest


_TEXT = {"text", "choice"}
_NUMBER = {"number", "metric", "integer", "decimal"}


def kind_of(node: exp.Expression, known: Mapping[str, str]) -> str | None:
    """number, text, date, bool or None (unknown: no check)."""
    if isinstance(node, exp.Paren):
        return kind_of(node.this, known)
    if isinstance(node, exp.Column):
        declared = known.get(node.name, "").split(" ")[0]
        if declared in _TEXT:
            return "text"
        if declared in _NUMBER:
            return "number"
        if declared in ("date", "timestamp"):
            return "date"
        return "bool" if declared == "boolean" else None
    if isinstance(node, exp.Literal):
        return "text" if node.is_string else "number"
    if isinstance(node, exp.Add | exp.Sub | exp.Mul | exp.Div | exp.Mod | exp.Neg | exp.Abs | exp.Floor | exp.Ceil
                  | exp.Round | exp.Least | exp.Greatest | exp.Day | exp.Month | exp.Year):
        return "number"
    if isinstance(node, exp.EQ | exp.NEQ | exp.GT | exp.GTE | exp.LT | exp.LTE | exp.And | exp.Or | exp.Not
                  | exp.Between | exp.In | exp.Is | exp.Boolean):
        return "bool"
    return None


def _type_problems(node: exp.Expression, known: Mapping[str, str], where: Location, source: str) -> list[Problem]:
    problems = []
    for sub in node.walk():
        pairs: list[tuple[exp.Expression, exp.Expression]] = []
        if isinstance(sub, exp.EQ | exp.NEQ | exp.GT | exp.GTE | exp.LT | exp.LTE):
            pairs.append((sub.this, sub.expression))
        elif isinstance(sub, exp.In):
            pairs.extend((sub.this, item) for item in sub.expressions)
        elif isinstance(sub, exp.Between):
            pairs.extend([(sub.this, sub.args["low"]), (sub.this, sub.args["high"])])
        elif isinstance(sub, exp.Add | exp.Sub | exp.Mul | exp.Div | exp.Mod):
            for side in (sub.this, sub.expression):
                if kind_of(side, known) in ("text", "date"):
                    problems.append(_problem(where, "type_mismatch",
                                             f"In {source!r}, '{side.sql()}' is {kind_of(side, known)}, not a number.",
                                             f"{source!r} 中 '{side.sql()}' 不是数字。",
                                             "Arithmetic needs numbers: use a metric, not a text or date field.",
                                             "运算需要数值：请用指标，而非文字或日期字段。"))
        for left, right in pairs:
            a, b = kind_of(left, known), kind_of(right, known)
            if a is None or b is None or a == b or ("bool" in (a, b) and "number" in (a, b)):
                continue
            if {a, b} == {"date", "text"}:  # '2025-03-01' compared with a date
                continue
            problems.append(_problem(where, "type_mismatch",
                                     f"In {source!r}, '{left.sql()}' ({a}) is compared with '{right.sql()}' ({b}).",
                                     f"{source!r} 中 '{left.sql()}'（{a}）与 '{right.sql()}'（{b}）类型不同，无法比较。",
                                     "Compare a field with a value of its own kind: status = 'regular', score >= 90.",
                                     "请与同类值比较：status = 'regular'、score >= 90。"))
    return problems


def _problem(where: Location, code: str, en: str, zh: str, fix: str, fix_zh: str, found: str = "") -> Problem:
    return Problem(Severity.ERROR, code, where, en, zh, fix=fix, fix_zh=fix_zh, found=found)


class EvalError(Exception):
    """A value of the wrong kind met an operator (e.g. text + number)."""


def _num(v: Value) -> Decimal | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return Decimal(int(v))
    if isinstance(v, Decimal):
        return v
    raise EvalError(f"{v!r} is not a number")


def evaluate(e: Expr, env: Mapping[str, Value]) -> Value:
    return e.fn(env)


def truth(value: Value) -> bool:
    """SQL truth: NULL is not true."""
    return value is True or (isinstance(value, Decimal) and value != 0)


Fn = Callable[[Mapping[str, Value]], Value]


def compile_node(node: exp.Expression) -> Fn:
    """Turn a checked tree into nested closures once, so that evaluating for 10,000 agents
    does not walk the tree 10,000 times. SQL semantics: NULL in, NULL out; x / 0 is NULL."""
    if isinstance(node, exp.Paren):
        return compile_node(node.this)
    if isinstance(node, exp.Column):
        name = node.name
        return lambda env: env.get(name)
    if isinstance(node, exp.Literal):
        const: Value = str(node.this) if node.is_string else Decimal(str(node.this))
        return lambda env: const
    if isinstance(node, exp.Boolean):
        flag = bool(node.this)
        return lambda env: flag
    if isinstance(node, exp.Null):
        return lambda env: None
    if isinstance(node, exp.Neg):
        inner = compile_node(node.this)

        def neg(env: Mapping[str, Value]) -> Value:
            n = _num(inner(env))
            return None if n is None else -n
        return neg
    if isinstance(node, exp.Not):
        inner = compile_node(node.this)

        def not_(env: Mapping[str, Value]) -> Value:
            v = inner(env)
            return None if v is None else not truth(v)
        return not_
    if isinstance(node, exp.And):
        left, right = compile_node(node.this), compile_node(node.expression)

        def and_(env: Mapping[str, Value]) -> Value:
            a = left(env)
            if a is not None and not truth(a):
                return False
            b = right(env)
            if b is not None and not truth(b):
                return False
            return None if a is None or b is None else True
        return and_
    if isinstance(node, exp.Or):
        left, right = compile_node(node.this), compile_node(node.expression)

        def or_(env: Mapping[str, Value]) -> Value:
            a = left(env)
            if truth(a):
                return True
            b = right(env)
            if truth(b):
                return True
            return None if a is None or b is None else False
        return or_
    if isinstance(node, exp.EQ | exp.NEQ | exp.GT | exp.GTE | exp.LT | exp.LTE):
        left, right = compile_node(node.this), compile_node(node.expression)
        op = type(node)
        return lambda env: _compare(op, left(env), right(env))
    if isinstance(node, exp.Add | exp.Sub | exp.Mul | exp.Div | exp.Mod):
        left, right = compile_node(node.this), compile_node(node.expression)
        arith = _ARITH[type(node)]

        def arithmetic(env: Mapping[str, Value]) -> Value:
            x, y = _num(left(env)), _num(right(env))
            if x is None or y is None:
                return None
            return arith(x, y)
        return arithmetic
    if isinstance(node, exp.Case):
        branches = [(compile_node(b.this), compile_node(b.args["true"])) for b in node.args.get("ifs") or []]
        default = node.args.get("default")
        otherwise = compile_node(default) if default is not None else None

        def case(env: Mapping[str, Value]) -> Value:
            for cond, then in branches:
                if truth(cond(env)):
                    return then(env)
            return None if otherwise is None else otherwise(env)
        return case
    if isinstance(node, exp.If):
        cond, then = compile_node(node.this), compile_node(node.args["true"])
        false = node.args.get("false")
        other = compile_node(false) if false is not None else None
        return lambda env: then(env) if truth(cond(env)) else (None if other is None else other(env))
    if isinstance(node, exp.Coalesce):
        parts = [compile_node(a) for a in [node.this, *node.expressions]]

        def coalesce(env: Mapping[str, Value]) -> Value:
            for part in parts:
                v = part(env)
                if v is not None:
                    return v
            return None
        return coalesce
    if isinstance(node, exp.Least | exp.Greatest):
        parts = [compile_node(a) for a in [node.this, *node.expressions]]
        pick = min if isinstance(node, exp.Least) else max

        def extreme(env: Mapping[str, Value]) -> Value:
            present = [n for part in parts if (n := _num(part(env))) is not None]
            return pick(present) if present else None
        return extreme
    if isinstance(node, exp.Abs | exp.Floor | exp.Ceil):
        inner = compile_node(node.this)
        mode = None if isinstance(node, exp.Abs) else ROUND_FLOOR if isinstance(node, exp.Floor) else ROUND_CEILING

        def unary(env: Mapping[str, Value]) -> Value:
            n = _num(inner(env))
            if n is None:
                return None
            return abs(n) if mode is None else n.to_integral_value(rounding=mode)
        return unary
    if isinstance(node, exp.Round):
        inner = compile_node(node.this)
        places = node.args.get("decimals")
        digits_fn = compile_node(places) if places is not None else None

        def round_(env: Mapping[str, Value]) -> Value:
            n = _num(inner(env))
            digits = int(_num(digits_fn(env)) or 0) if digits_fn is not None else 0
            return None if n is None else n.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
        return round_
    if isinstance(node, exp.Between):
        value, low, high = compile_node(node.this), compile_node(node.args["low"]), compile_node(node.args["high"])

        def between(env: Mapping[str, Value]) -> Value:
            v = value(env)
            lo, hi = _compare(exp.GTE, v, low(env)), _compare(exp.LTE, v, high(env))
            if lo is False or hi is False:  # SQL: false and null is false
                return False
            return None if lo is None or hi is None else True
        return between
    if isinstance(node, exp.In):
        value = compile_node(node.this)
        items = [compile_node(i) for i in node.expressions]

        def in_(env: Mapping[str, Value]) -> Value:
            v = value(env)
            if v is None:
                return None
            return any(_compare(exp.EQ, v, item(env)) for item in items)
        return in_
    if isinstance(node, exp.Is):
        value = compile_node(node.this)
        if isinstance(node.expression, exp.Null):
            return lambda env: value(env) is None
        other_fn = compile_node(node.expression)
        return lambda env: value(env) is other_fn(env)
    if isinstance(node, exp.Nullif):
        left, right = compile_node(node.this), compile_node(node.expression)

        def nullif(env: Mapping[str, Value]) -> Value:
            a = left(env)
            return None if _compare(exp.EQ, a, right(env)) else a
        return nullif
    if isinstance(node, exp.Day | exp.Month | exp.Year):
        inner = compile_node(node.this)
        pick_part: Callable[[dt.date], int] = (
            (lambda d: d.day) if isinstance(node, exp.Day) else
            (lambda d: d.month) if isinstance(node, exp.Month) else (lambda d: d.year))

        def date_part(env: Mapping[str, Value]) -> Value:
            d = inner(env)
            if d is None:
                return None
            if not isinstance(d, dt.date):
                raise EvalError(f"{d!r} is not a date")
            return Decimal(pick_part(d))
        return date_part
    raise EvalError(f"cannot evaluate {type(node).__name__}")  # the whitelist makes this a bug


def _div(x: Decimal, y: Decimal) -> Decimal | None:
    return None if y == 0 else x / y  # as in SQL engines that return NULL for x / 0


def _mod(x: Decimal, y: Decimal) -> Decimal | None:
    return None if y == 0 else x % y


_ARITH: dict[type, Callable[[Decimal, Decimal], Decimal | None]] = {
    exp.Add: lambda x, y: x + y, exp.Sub: lambda x, y: x - y, exp.Mul: lambda x, y: x * y,
    exp.Div: _div, exp.Mod: _mod,
}


def _compare(op: type, a: Value, b: Value) -> bool | None:
    if a is None or b is None:
        return None
    if isinstance(a, bool) or isinstance(b, bool):
        a, b = _num(a), _num(b)
    if type(a) is not type(b) and not (isinstance(a, Decimal) and isinstance(b, Decimal)):
        if isinstance(a, dt.date) and isinstance(b, str):
            b = dt.date.fromisoformat(b)
        elif isinstance(b, dt.date) and isinstance(a, str):
            a = dt.date.fromisoformat(a)
        else:
            raise EvalError(f"cannot compare {a!r} with {b!r}")
    try:
        if op is exp.EQ:
            return a == b
        if op is exp.NEQ:
            return a != b
        if op is exp.GT:
            return a > b  # type: ignore[operator]
        if op is exp.GTE:
            return a >= b  # type: ignore[operator]
        if op is exp.LT:
            return a < b  # type: ignore[operator]
        return a <= b  # type: ignore[operator]
    except (TypeError, InvalidOperation) as exc:
        raise EvalError(str(exc)) from exc


def standard_error(node: exp.Expression, env: Mapping[str, Value], suffix: str) -> Decimal | None:
    """Standard error of a linear expression of sampled metrics (a + b, (a + b) / 2, 0.6 * a …):
    errors add in quadrature; names without one are exact. None when the expression is not linear."""
    if isinstance(node, exp.Paren):
        return standard_error(node.this, env, suffix)
    if isinstance(node, exp.Column):
        se = env.get(node.name + suffix)
        return se if isinstance(se, Decimal) else Decimal(0)
    if isinstance(node, exp.Literal | exp.Boolean | exp.Null):
        return Decimal(0)
    if isinstance(node, exp.Neg):
        return standard_error(node.this, env, suffix)
    if isinstance(node, exp.Add | exp.Sub):
        a, b = standard_error(node.this, env, suffix), standard_error(node.expression, env, suffix)
        return None if a is None or b is None else (a * a + b * b).sqrt()
    if isinstance(node, exp.Mul | exp.Div):
        for side, other in ((node.this, node.expression), (node.expression, node.this)):
            if isinstance(side, exp.Literal) and not side.is_string and (isinstance(node, exp.Mul) or side is node.expression):
                inner = standard_error(other, env, suffix)
                k = Decimal(str(side.this))
                if inner is None or k == 0:
                    return None
                return inner * abs(k) if isinstance(node, exp.Mul) else inner / abs(k)
        return None
    return None


def thresholds(node: exp.Expression) -> list[tuple[str, Decimal]]:
    """(name, number) of every comparison of a name with a number: qa_avg >= 95 → (qa_avg, 95)."""
    out = []
    for sub in node.find_all(exp.GT, exp.GTE, exp.LT, exp.LTE):
        left, right = sub.this, sub.expression
        if isinstance(left, exp.Column) and isinstance(right, exp.Literal) and not right.is_string:
            out.append((left.name, Decimal(str(right.this))))
        elif isinstance(right, exp.Column) and isinstance(left, exp.Literal) and not left.is_string:
            out.append((right.name, Decimal(str(left.this))))
    return out
