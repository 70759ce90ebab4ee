"""The shape of what people write, checked by pydantic at the YAML boundary.

Each mapping in a spec file (a policy, an account, a rule, a tier, a scorecard item, a rule
pack's rule) has a small model here or beside its loader: which fields it takes, of what type,
within which bounds. ``check`` validates one mapping and turns every mistake into a Problem at
its file:line, in both languages; what the fields *mean* is checked by the loader after."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

from jili.core.problems import Problem, Severity, suggest
from jili.io.specs.yamlfile import YamlDocument

Keys = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)
MAX_NUMBER = Decimal(10) ** 12  # no amount, edge or factor a spec writes is larger


class Shape(BaseModel):
    """A mapping in a spec file: unknown fields are mistakes."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


def shown(value: Any) -> str:
    """A YAML value as a person wrote it, short."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    text = str(value)
    return f"'{text[:40]}…'" if len(text) > 40 else f"'{text}'"


def _number(value: Any) -> Decimal:
    n = None
    if not isinstance(value, bool | dict | list) and value is not None:
        try:
            n = Decimal(str(value))
        except InvalidOperation:
            n = None
    if n is None or not n.is_finite() or abs(n) > MAX_NUMBER:
        raise PydanticCustomError("not_a_number", "not a number", {"found": shown(value)})
    return n


def _text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise PydanticCustomError("not_text", "not text", {"found": shown(value)})
    return str(value)


def whole(low: int, high: int) -> BeforeValidator:
    def check(value: Any) -> int:
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            return value
        raise PydanticCustomError("bad_integer", "not a whole number", {"low": low, "high": high, "found": shown(value)})

    return BeforeValidator(check)


def _table(value: Any) -> dict[Any, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PydanticCustomError("not_a_mapping", "not a mapping", {"found": shown(value)})
    return value


def _items(value: Any) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise PydanticCustomError("not_a_list", "not a list", {"found": shown(value)})
    return value


Number = Annotated[Decimal, BeforeValidator(_number)]
Text = Annotated[str, BeforeValidator(_text)]
Table = Annotated[dict[Any, Any], BeforeValidator(_table)]  # a mapping whose entries the loader checks one by one
Items = Annotated[list[Any], BeforeValidator(_items)]  # a list whose items the loader checks one by one

_MESSAGES = {
    "not_a_number": (f"Expected a finite number up to {MAX_NUMBER:,}, found {{found}}.",
                     f"应为不超过 {MAX_NUMBER:,} 的有限数字，实际为 {{found}}。"),
    "not_text": ("Expected text or a number, found {found}.", "应为文字或数字，实际为 {found}。"),
    "bad_integer": ("Expected a whole number from {low} to {high}, found {found}.",
                    "应为 {low} 到 {high} 之间的整数，实际为 {found}。"),
    "not_a_mapping": ("Expected a mapping (key: value) here, found {found}.", "此处应为映射（键: 值），实际为 {found}。"),
    "not_a_list": ("Expected a list (- item) here, found {found}.", "此处应为列表（- 项），实际为 {found}。"),
    "not_yes_no": ("Expected true or false, found {found}.", "应为 true 或 false，实际为 {found}。"),
    "bad_number": ("Expected a number in the allowed range{bounds}, found {found}.",
                   "应为允许范围内的数字{bounds_zh}，实际为 {found}。"),
    "too_many": ("At most {max_length} items are allowed here.", "此处最多允许 {max_length} 项。"),
    "bad_value": ("This field does not take {found}.", "该字段不接受 {found}。"),
}


def _code(kind: str) -> str:
    """Our code for a pydantic error type."""
    if kind in _MESSAGES:
        return kind
    if kind.startswith("bool"):
        return "not_yes_no"
    if kind.startswith(("float", "int", "decimal", "greater", "less", "finite")):
        return "bad_number"
    if kind == "too_long":
        return "too_many"
    if kind.startswith("string"):
        return "not_text"
    return "bad_value"


def _bounds(ctx: dict[str, Any]) -> dict[str, str]:
    low = next((ctx[k] for k in ("ge", "gt") if k in ctx), None)
    high = next((ctx[k] for k in ("le", "lt") if k in ctx), None)
    if low is None and high is None:
        return {"bounds": "", "bounds_zh": ""}
    if low is not None and high is not None:
        return {"bounds": f" ({low} to {high})", "bounds_zh": f"（{low} 至 {high}）"}
    return ({"bounds": f" (at least {low})", "bounds_zh": f"（不小于 {low}）"} if low is not None
            else {"bounds": f" (at most {high})", "bounds_zh": f"（不大于 {high}）"})


class EffectiveShape(Shape):
    """When a versioned spec (a policy, a scorecard) is in force."""

    from_: Any = Field(default=None, alias="from")
    to: Any = None


def effective_dates(doc: YamlDocument, raw: Any, problems: list[Problem]) -> tuple[dt.date | None, dt.date | None]:
    """The ``effective: {from, to}`` of a spec; a date that is not one is a problem at its line."""
    eff = check(doc, EffectiveShape, raw, ("effective",), problems)

    def day(value: Any, edge: str) -> dt.date | None:
        if value is None or isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            problems.append(Problem(Severity.ERROR, "bad_date", doc.location(("effective", edge)),
                                    f"Expected a date YYYY-MM-DD, found {shown(value)}.",
                                    f"应为日期 YYYY-MM-DD，实际为 {shown(value)}。"))
            return None

    return (day(eff.from_, "from"), day(eff.to, "to")) if eff is not None else (None, None)


def check(doc: YamlDocument, model: type[M], raw: Any, keys: Keys, problems: list[Problem]) -> M | None:
    """``raw`` validated as ``model``; every mistake goes to ``problems`` (at its line) and gives None."""
    if not isinstance(raw, dict):
        problems.append(_problem(doc, keys, "not_a_mapping", {"found": shown(raw)}))
        return None
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            field = (*keys, *(k for k in err["loc"] if isinstance(k, str | int)))
            kind = err["type"]
            if kind == "extra_forbidden":
                allowed = sorted(f.alias or n for n, f in model.model_fields.items())
                en, zh = suggest(str(field[-1]), allowed)
                problems.append(Problem(Severity.ERROR, "unknown_field", doc.location(field),
                                        f"Unknown field '{field[-1]}'.{en}", f"未知字段 '{field[-1]}'。{zh}",
                                        fix=f"Allowed here: {', '.join(allowed)}.",
                                        fix_zh=f"此处可用：{'、'.join(allowed)}。"))
            elif kind == "missing":
                where = ".".join(map(str, keys))
                problems.append(Problem(Severity.ERROR, "missing_field", doc.location(keys),
                                        f"'{where}' needs '{field[-1]}'.", f"'{where}' 缺少 '{field[-1]}'。",
                                        fix="See docs/policy-reference.md for an example.",
                                        fix_zh="示例见 docs/policy-reference.md。"))
            else:
                ctx = dict(err.get("ctx") or {})
                problems.append(_problem(doc, field, _code(kind), {**ctx, **_bounds(ctx), "found": shown(err.get("input"))}))
        return None


def _problem(doc: YamlDocument, keys: Keys, code: str, ctx: dict[str, Any]) -> Problem:
    en, zh = _MESSAGES[code]
    return Problem(Severity.ERROR, code, doc.location(keys), en.format(**ctx), zh.format(**ctx))
