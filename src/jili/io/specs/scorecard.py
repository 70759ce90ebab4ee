"""Load scorecard files (YAML); every problem with file:line, all at once. See docs/scorecards.md."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from pathlib import Path
from typing import Any

from jili.core.problems import Location, Problem, Severity, suggest
from jili.io.specs.yamlfile import YamlDocument, bilingual, load_yaml
from jili.qa.scorecard import FatalPolicy, Item, ItemKind, NaPolicy, ScoreBand, Scorecard

Keys = tuple[str | int, ...]


def load_scorecard(path: Path) -> tuple[Scorecard | None, list[Problem]]:
    doc, problems = load_yaml(path)
    if doc is None:
        return None, problems
    problems = []

    def err(keys: Keys, code: str, en: str, zh: str, fix: str = "") -> None:
        problems.append(Problem(Severity.ERROR, code, doc.location(keys), en, zh, fix=fix))

    def num(value: Any, keys: Keys) -> Decimal:
        try:
            if isinstance(value, bool | dict | list) or value is None:
                raise InvalidOperation
            n = Decimal(str(value))
            if not n.is_finite() or abs(n) > 10**9:
                raise InvalidOperation
            return n
        except InvalidOperation:
            err(keys, "not_a_number", f"Expected a number, found {value!r}.", f"应为数字，实际为 {value!r}。")
            return Decimal(0)

    def table(value: Any, keys: Keys) -> dict[Any, Any]:
        if value is None:
            return {}
        if isinstance(value, dict):
            return value
        err(keys, "not_a_mapping", "Expected a mapping (key: value) here.", "此处应为映射（键: 值）。")
        return {}

    def items_of(value: Any, keys: Keys) -> list[Any]:
        if value is None:
            return []
        if isinstance(value, list):
            return value
        err(keys, "not_a_list", "Expected a list (- item) here.", "此处应为列表（- 项）。")
        return []

    if not isinstance(doc.data, dict):
        return None, [Problem(Severity.ERROR, "bad_scorecard", doc.location(), "A scorecard file must be a YAML mapping.",
                              "评分表文件须为 YAML 映射。", fix="Start from a template: jili qa templates.")]
    data = doc.data
    allowed = {"scorecard", "name", "version", "effective", "desk", "base", "na", "fatal", "sections", "notes"}
    for key in data:
        if key not in allowed:
            en, zh = suggest(str(key), allowed)
            err((key,), "unknown_field", f"Unknown field '{key}'.{en}", f"未知字段 '{key}'。{zh}")
    if "scorecard" not in data:
        err((), "missing_field", "A scorecard needs 'scorecard' (its id).", "评分表缺少 scorecard（编号）。")
    try:
        na = NaPolicy(str(data.get("na", "rescale")))
    except ValueError:
        err(("na",), "bad_value", f"na: {data.get('na')!r} — use rescale or full_marks.", "na 只能是 rescale 或 full_marks。")
        na = NaPolicy.RESCALE
    try:
        fatal = FatalPolicy(str(data.get("fatal", "zero")))
    except ValueError:
        err(("fatal",), "bad_value", f"fatal: {data.get('fatal')!r} — use zero or fail_call.",
            "fatal 只能是 zero 或 fail_call。")
        fatal = FatalPolicy.ZERO
    eff = table(data.get("effective"), ("effective",))
    effective: list[dt.date | None] = []
    for edge in ("from", "to"):
        try:
            effective.append(_date(eff.get(edge)))
        except ValueError:
            err(("effective", edge), "bad_date", f"Expected a date YYYY-MM-DD, found '{eff.get(edge)}'.",
                f"应为日期 YYYY-MM-DD，实际为 '{eff.get(edge)}'。")
    base = num(data.get("base", 0), ("base",))
    items: list[Item] = []
    seen: set[str] = set()
    for si, raw_section in enumerate(items_of(data.get("sections"), ("sections",))):
        section = table(raw_section, ("sections", si))
        sid = str(section.get("id", f"section{si + 1}"))
        for ii, raw in enumerate(items_of(section.get("items"), ("sections", si, "items"))):
            keys: Keys = ("sections", si, "items", ii)
            item = _item(raw, sid, keys, err, num, table, items_of)
            if item is None:
                continue
            if item.id in seen:
                err((*keys, "id"), "duplicate_item", f"Item id '{item.id}' is used twice.", f"评分项编号 '{item.id}' 重复。")
            seen.add(item.id)
            items.append(item)
    if not items:
        err(("sections",), "no_items", "The scorecard has no items.", "评分表没有评分项。")
    if problems:
        return None, problems
    name_en, name_zh = bilingual(data.get("name"), str(data["scorecard"]))
    return Scorecard(
        id=str(data["scorecard"]), version=str(data.get("version", "1")), name_en=name_en, name_zh=name_zh,
        effective_from=effective[0], effective_to=effective[1],
        desk=str(data["desk"]) if data.get("desk") is not None else None,
        base=base, na=na, fatal=fatal, items=tuple(items), source=str(path)), []


def _occurrences(value: Any, keys: Keys, err: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 1000:
        return value
    err(keys, "bad_integer", f"Expected a whole number from 1 to 1000, found '{value}'.",
        f"应为 1 到 1000 之间的整数，实际为 '{value}'。")
    return None


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _item(raw: Any, section: str, keys: Keys, err: Any, num: Any, table: Any, items_of: Any) -> Item | None:
    if not isinstance(raw, dict) or "id" not in raw:
        err(keys, "bad_item", "An item needs an id and a kind.", "评分项须有 id 与 kind。")
        return None
    try:
        kind = ItemKind(str(raw.get("kind", "")))
    except ValueError:
        en, zh = suggest(str(raw.get("kind")), [k.value for k in ItemKind])
        err((*keys, "kind"), "bad_item_kind", f"Unknown item kind {raw.get('kind')!r}.{en}", f"未知评分项类型。{zh}",
            fix=f"Kinds: {', '.join(k.value for k in ItemKind)}.")
        return None
    allowed = {"id", "kind", "name", "points", "max", "bands", "levels", "serious_factor", "max_occurrences", "na_allowed"}
    for key in raw:
        if key not in allowed:
            en, zh = suggest(str(key), allowed)
            err((*keys, key), "unknown_field", f"Unknown field '{key}'.{en}", f"未知字段 '{key}'。{zh}")
    name_en, name_zh = bilingual(raw.get("name"), str(raw["id"]))
    bands: list[ScoreBand] = []
    for bi, raw_band in enumerate(items_of(raw.get("bands"), (*keys, "bands"))):
        b = table(raw_band, (*keys, "bands", bi))
        low, high = num(b.get("from"), (*keys, "bands", bi)), num(b.get("to"), (*keys, "bands", bi))
        if low > high:
            err((*keys, "bands", bi), "bad_band", f"Band {low}–{high} runs backwards.", f"分段 {low}–{high} 上下限颠倒。")
        en, zh = bilingual(b.get("label"), f"{low}–{high}")
        bands.append(ScoreBand(low, high, en, zh))
    ordered = sorted(bands, key=lambda b: b.low)
    for a, b in pairwise(ordered):
        if b.low <= a.high:
            err((*keys, "bands"), "overlapping_bands", f"Bands {a.low}–{a.high} and {b.low}–{b.high} overlap.",
                f"分段 {a.low}–{a.high} 与 {b.low}–{b.high} 重叠。")
    levels = tuple(sorted(num(k, (*keys, "levels")) for k in table(raw.get("levels"), (*keys, "levels"))))
    if kind == ItemKind.BANDED:
        if not bands:
            err(keys, "missing_field", f"Banded item '{raw['id']}' needs bands.", f"分段项 '{raw['id']}' 需要 bands。")
            return None
        points = max(b.high for b in bands)
    elif kind in (ItemKind.YES_NO, ItemKind.DEDUCTION, ItemKind.BONUS):
        points = num(raw.get("points", 1), (*keys, "points"))
    elif kind == ItemKind.SCALE:
        points = num(raw.get("max", max(levels) if levels else 5), (*keys, "max"))
    else:
        points = Decimal(0)
    return Item(str(raw["id"]), section, kind, name_en, name_zh, points, tuple(ordered), levels,
                num(raw.get("serious_factor", 1), (*keys, "serious_factor")),
                _occurrences(raw.get("max_occurrences"), (*keys, "max_occurrences"), err),
                bool(raw.get("na_allowed", True)))


def load_scorecards(folders: list[Path]) -> tuple[list[Scorecard], list[Problem]]:
    cards: list[Scorecard] = []
    problems: list[Problem] = []
    for folder in folders:
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
            card, found = load_scorecard(path)
            problems.extend(found)
            if card is not None:
                cards.append(card)
    return cards, problems


def workspace_scorecards(scorecards_dir: Path) -> tuple[list[Scorecard], list[Problem]]:
    """The shipped scorecards and the workspace's own (scorecards/)."""
    from jili.io.workspace import TEMPLATES

    return load_scorecards([TEMPLATES / "scorecards", scorecards_dir])


__all__ = ["Location", "YamlDocument", "load_scorecard", "load_scorecards", "workspace_scorecards"]
