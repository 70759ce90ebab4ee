"""Policy expressions: SQL syntax, parsed by sqlglot, checked against a whitelist, and
evaluated exactly with Decimal (never Python ``eval``).

``qa_avg >= 95 and complaints = 0``, ``floor(greatest(176 - worked_hours, 0) / 8)``,
``case when stars = 4 then 10 when stars = 3 then 8 else 0 end``. Names are metrics,
roster fields or period values; anything else is reported with a "did you mean".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
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
MAX_DEPTH = 64
FUNCTIONS = "abs, round, floor, ceil, least, greatest, coalesce, nullif, if, day, month, year"


@dataclass(frozen=True, slots=True, eq=False)
class Expr:
    """A checked expression and the names it reads."""

    text: str
    node: exp.Expression = field(repr=False)
    names: tuple[str, ...]

    def sql(self, rename: Mapping[str, str] | None = None) -> str:
        """DuckDB SQL, with names optionally renamed (quoted)."""
        node = self.node.copy()
        for col in node.find_all(exp.Column):
            new = (rename or {}).get(col.name, col.name)
            col.replace(exp.column(new, quoted=True))
        return node.sql(dialect="duckdb")


def parse(text: str | int | float, known: Mapping[str, str], where: Location,
          what: str = "expression") -> tuple[Expr | None, list[Problem]]:
    """Parse and check ``text``; ``known`` maps each usable name to a short description."""
    source = str(text).strip()
    if not source:
        return None, [_problem(where, "empty_expression", f"The {what} is empty.", f"{what} 为空。",
                               "Write a condition or a formula, e.g. qa_avg >= 95.")]
    if len(source) > MAX_LENGTH or source.count("(") > MAX_DEPTH:
        return None, [_problem(where, "expression_too_complex",
                               f"The {what} is too long or too deeply nested (at most {MAX_LENGTH} characters and "
                               f"{MAX_DEPTH} brackets).", f"{what}过长或括号嵌套过深。",
                               "Split it into named metrics, each a step of the calculation.")]
    try:
        node = sqlglot.parse_one(source, read="duckdb")
    except RecursionError:
        return None, [_problem(where, "expression_too_complex", f"The {what} is nested too deeply.",
                               f"{what}嵌套过深。", "Split it into named metrics.")]
    except (SqlglotError, ValueError) as exc:
        first = str(exc).splitlines()[0]
        return None, [_problem(where, "expression_syntax", f"Cannot read the {what} {source!r}: {first}",
                               f"无法解析{what} {source!r}：{first}",
                               "Check brackets, quotes and operators (and, or, =, <>, >=).")]
    problems: list[Problem] = []
    for sub in node.walk():
        if not isinstance(sub, _ALLOWED):
            name = type(sub).__name__.upper()
            problems.append(_problem(
                where, "forbidden_construct",
                f"The {what} {source!r} uses {name}, which policies do not allow.",
                f"{what} {source!r} 使用了不允许的 {name}。",
                f"Use arithmetic, comparisons, and/or/not, case, between, in, and the functions {FUNCTIONS}."))
            return None, problems
    names: list[str] = []
    for col in node.find_all(exp.Column):
        if col.table:
            problems.append(_problem(where, "unknown_name", f"'{col.sql()}': names have no dots in policies.",
                                     f"'{col.sql()}'：策略中的名称不含点号。", "Define a metric with that value."))
            continue
        if col.name not in known:
            guess = get_close_matches(col.name, list(known), n=1)
            problems.append(_problem(
                where, "unknown_name",
                f"Unknown name '{col.name}' in {source!r}." + (f" Did you mean '{guess[0]}'?" if guess else ""),
                f"{source!r} 中的名称 '{col.name}' 未定义。" + (f"是否应为 '{guess[0]}'？" if guess else ""),
                "Define it under metrics:, or use a roster field or period value "
                "(see docs/policy-reference.md, 'Names').", found=col.name))
        elif col.name not in names:
            names.append(col.name)
    if problems:
        return None, problems
    checked = cast(exp.Expression, node)
    problems.extend(_type_problems(checked, known, where, source))
    if problems:
        return None, problems
    return Expr(source, checked, tuple(names)), []


_TEXT = {"text", "choice"}
_NUMBER = {"number", "metric", "integer", "decimal"}


def _kind(node: exp.Expression, known: Mapping[str, str]) -> str | None:
    """number, text, date, bool or None (unknown: no check)."""
    if isinstance(node, exp.Paren):
        return _kind(node.this, known)
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
                if _kind(side, known) in ("text", "date"):
                    problems.append(_problem(where, "type_mismatch",
                                             f"In {source!r}, '{side.sql()}' is {_kind(side, known)}, not a number.",
                                             f"{source!r} 中 '{side.sql()}' 不是数字。",
                                             "Arithmetic needs numbers: use a metric, not a text or date field."))
        for left, right in pairs:
            a, b = _kind(left, known), _kind(right, known)
            if a is None or b is None or a == b or ("bool" in (a, b) and "number" in (a, b)):
                continue
            if {a, b} == {"date", "text"}:  # '2025-03-01' compared with a date
                continue
            problems.append(_problem(where, "type_mismatch",
                                     f"In {source!r}, '{left.sql()}' ({a}) is compared with '{right.sql()}' ({b}).",
                                     f"{source!r} 中 '{left.sql()}'（{a}）与 '{right.sql()}'（{b}）类型不同，无法比较。",
                                     "Compare a field with a value of its own kind: status = 'regular', score >= 90."))
    return problems


def _problem(where: Location, code: str, en: str, zh: str, fix: str, found: str = "") -> Problem:
    return Problem(Severity.ERROR, code, where, en, zh, fix=fix, found=found)


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
    return _eval(e.node, env)


def truth(value: Value) -> bool:
    """SQL truth: NULL is not true."""
    return value is True or (isinstance(value, Decimal) and value != 0)


def _eval(node: exp.Expression, env: Mapping[str, Value]) -> Value:
    if isinstance(node, exp.Paren):
        return _eval(node.this, env)
    if isinstance(node, exp.Column):
        return env.get(node.name)
    if isinstance(node, exp.Literal):
        if node.is_string:
            return str(node.this)
        return Decimal(str(node.this))
    if isinstance(node, exp.Boolean):
        return bool(node.this)
    if isinstance(node, exp.Null):
        return None
    if isinstance(node, exp.Neg):
        n = _num(_eval(node.this, env))
        return None if n is None else -n
    if isinstance(node, exp.Not):
        v = _eval(node.this, env)
        return None if v is None else not truth(v)
    if isinstance(node, exp.And):
        left, right = _eval(node.this, env), _eval(node.expression, env)
        if left is False or right is False or (left is not None and not truth(left)) or (
                right is not None and not truth(right)):
            return False
        return None if left is None or right is None else True
    if isinstance(node, exp.Or):
        left, right = _eval(node.this, env), _eval(node.expression, env)
        if truth(left) or truth(right):
            return True
        return None if left is None or right is None else False
    if isinstance(node, exp.EQ | exp.NEQ | exp.GT | exp.GTE | exp.LT | exp.LTE):
        return _compare(node, _eval(node.this, env), _eval(node.expression, env))
    if isinstance(node, exp.Add | exp.Sub | exp.Mul | exp.Div | exp.Mod):
        x, y = _num(_eval(node.this, env)), _num(_eval(node.expression, env))
        if x is None or y is None:
            return None
        if isinstance(node, exp.Add):
            return x + y
        if isinstance(node, exp.Sub):
            return x - y
        if isinstance(node, exp.Mul):
            return x * y
        if y == 0:
            return None  # as in SQL engines that return NULL for x / 0
        return x / y if isinstance(node, exp.Div) else x % y
    if isinstance(node, exp.Case):
        for branch in node.args.get("ifs") or []:
            if truth(_eval(branch.this, env)):
                return _eval(branch.args["true"], env)
        default = node.args.get("default")
        return None if default is None else _eval(default, env)
    if isinstance(node, exp.If):
        if truth(_eval(node.this, env)):
            return _eval(node.args["true"], env)
        false = node.args.get("false")
        return None if false is None else _eval(false, env)
    if isinstance(node, exp.Coalesce):
        for arg in [node.this, *node.expressions]:
            v = _eval(arg, env)
            if v is not None:
                return v
        return None
    if isinstance(node, exp.Least | exp.Greatest):
        values = [_num(_eval(a, env)) for a in [node.this, *node.expressions]]
        present = [v for v in values if v is not None]
        if not present:
            return None
        return min(present) if isinstance(node, exp.Least) else max(present)
    if isinstance(node, exp.Abs):
        n = _num(_eval(node.this, env))
        return None if n is None else abs(n)
    if isinstance(node, exp.Floor | exp.Ceil):
        n = _num(_eval(node.this, env))
        if n is None:
            return None
        return n.to_integral_value(rounding=ROUND_FLOOR if isinstance(node, exp.Floor) else ROUND_CEILING)
    if isinstance(node, exp.Round):
        n = _num(_eval(node.this, env))
        places = node.args.get("decimals")
        digits = int(_num(_eval(places, env)) or 0) if places is not None else 0
        return None if n is None else n.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    if isinstance(node, exp.Between):
        v = _eval(node.this, env)
        low, high = _eval(node.args["low"], env), _eval(node.args["high"], env)
        lo, hi = _compare(exp.GTE(), v, low), _compare(exp.LTE(), v, high)
        return None if lo is None or hi is None else bool(lo and hi)
    if isinstance(node, exp.In):
        v = _eval(node.this, env)
        if v is None:
            return None
        return any(_compare(exp.EQ(), v, _eval(item, env)) for item in node.expressions)
    if isinstance(node, exp.Is):
        v = _eval(node.this, env)
        return v is None if isinstance(node.expression, exp.Null) else v is _eval(node.expression, env)
    if isinstance(node, exp.Nullif):
        a, b = _eval(node.this, env), _eval(node.expression, env)
        return None if _compare(exp.EQ(), a, b) else a
    if isinstance(node, exp.Day | exp.Month | exp.Year):
        d = _eval(node.this, env)
        if d is None:
            return None
        if not isinstance(d, dt.date):
            raise EvalError(f"{d!r} is not a date")
        part = d.day if isinstance(node, exp.Day) else d.month if isinstance(node, exp.Month) else d.year
        return Decimal(part)
    raise EvalError(f"cannot evaluate {type(node).__name__}")  # the whitelist makes this a bug


def _compare(node: exp.Expression, a: Value, b: Value) -> bool | None:
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
        if isinstance(node, exp.EQ):
            return a == b
        if isinstance(node, exp.NEQ):
            return a != b
        if isinstance(node, exp.GT):
            return a > b  # type: ignore[operator]
        if isinstance(node, exp.GTE):
            return a >= b  # type: ignore[operator]
        if isinstance(node, exp.LT):
            return a < b  # type: ignore[operator]
        return a <= b  # type: ignore[operator]
    except (TypeError, InvalidOperation) as exc:
        raise EvalError(str(exc)) from exc
