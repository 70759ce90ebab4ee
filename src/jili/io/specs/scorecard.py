"""Load scorecard files (YAML); every problem with file:line, all at once. See docs/scorecards.md.

The shape of each mapping (the card, a section, an item, a band) is checked by its model; what
it means (kinds, bands that overlap or run backwards, duplicate items) is checked after."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field

from jili.core.problems import Location, Problem, Severity, suggest
from jili.io.specs.shapes import Items, Keys, Number, Shape, Table, Text, check, effective_dates, shown, whole
from jili.io.specs.yamlfile import SpecKind, YamlDocument, bilingual, load_yaml_mapping
from jili.qa.scorecard import FatalPolicy, Item, ItemKind, NaPolicy, ScoreBand, Scorecard, Section

CARD_FILE = SpecKind("bad_scorecard", "scorecard", "评分表",
                     "Start from a template in src/jili/templates/scorecards/.",
                     "可从 src/jili/templates/scorecards/ 中的模板开始。")


class CardShape(Shape):
    scorecard: Text
    name: Any = None
    version: Text = "1"
    effective: Table = {}
    desk: Text | None = None
    base: Number = Decimal(0)
    na: Text = "rescale"
    fatal: Text = "zero"
    sections: Items = []
    notes: Any = None


class SectionShape(Shape):
    id: Text | None = None
    name: Any = None
    items: Items = []


class ItemShape(Shape):
    id: Text
    kind: Text
    name: Any = None
    points: Number = Decimal(1)
    max: Number | None = None
    bands: Items = []
    levels: Any = None  # the allowed scores of a scale: a list, or a mapping of score to its meaning
    serious_factor: Number = Decimal(1)
    max_occurrences: Annotated[int, whole(1, 1000)] | None = None
    na_allowed: bool = True


class BandShape(Shape):
    from_: Number = Field(alias="from")
    to: Number
    label: Any = None


def load_scorecard(path: Path) -> tuple[Scorecard | None, list[Problem]]:
    doc, problems = load_yaml_mapping(path, CARD_FILE)
    if doc is None:
        return None, problems
    card = check(doc, CardShape, doc.data, (), problems)
    if card is None:
        return None, problems

    def err(keys: Keys, code: str, en: str, zh: str, fix: str = "", fix_zh: str = "") -> None:
        problems.append(Problem(Severity.ERROR, code, doc.location(keys), en, zh, fix=fix, fix_zh=fix_zh))

    try:
        na = NaPolicy(card.na)
    except ValueError:
        err(("na",), "bad_value", f"na: '{card.na}' — use rescale or full_marks.", "na 只能是 rescale 或 full_marks。")
        na = NaPolicy.RESCALE
    try:
        fatal = FatalPolicy(card.fatal)
    except ValueError:
        err(("fatal",), "bad_value", f"fatal: '{card.fatal}' — use zero or fail_call.", "fatal 只能是 zero 或 fail_call。")
        fatal = FatalPolicy.ZERO
    effective = effective_dates(doc, card.effective, problems)
    items: list[Item] = []
    sections: list[Section] = []
    seen: set[str] = set()
    for si, raw_section in enumerate(card.sections):
        section = check(doc, SectionShape, raw_section, ("sections", si), problems)
        if section is None:
            continue
        sid = section.id or f"section{si + 1}"
        sections.append(Section(sid, *bilingual(section.name, sid)))
        for ii, raw in enumerate(section.items):
            keys: Keys = ("sections", si, "items", ii)
            item = _item(doc, raw, sid, keys, problems)
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
    name_en, name_zh = bilingual(card.name, card.scorecard)
    return Scorecard(
        id=card.scorecard, version=card.version, name_en=name_en, name_zh=name_zh,
        effective_from=effective[0], effective_to=effective[1], desk=card.desk, base=card.base, na=na, fatal=fatal,
        items=tuple(items), source=str(path), sections=tuple(sections)), []


def _item(doc: YamlDocument, raw: Any, section: str, keys: Keys, problems: list[Problem]) -> Item | None:
    def err(at: Keys, code: str, en: str, zh: str, fix: str = "", fix_zh: str = "") -> None:
        problems.append(Problem(Severity.ERROR, code, doc.location(at), en, zh, fix=fix, fix_zh=fix_zh))

    if not isinstance(raw, dict) or "id" not in raw:
        err(keys, "bad_item", "An item needs an id and a kind.", "评分项须有 id 与 kind。")
        return None
    spec = check(doc, ItemShape, raw, keys, problems)
    if spec is None:
        return None
    try:
        kind = ItemKind(spec.kind)
    except ValueError:
        en, zh = suggest(spec.kind, [k.value for k in ItemKind])
        err((*keys, "kind"), "bad_item_kind", f"Unknown item kind '{spec.kind}'.{en}", f"未知评分项类型 '{spec.kind}'。{zh}",
            fix=f"Kinds: {', '.join(k.value for k in ItemKind)}.",
            fix_zh=f"可用类型：{'、'.join(k.value for k in ItemKind)}。")
        return None
    name_en, name_zh = bilingual(spec.name, spec.id)
    bands: list[ScoreBand] = []
    for bi, raw_band in enumerate(spec.bands):
        edges = check(doc, BandShape, raw_band, (*keys, "bands", bi), problems)
        if edges is None:
            continue
        if edges.from_ > edges.to:
            err((*keys, "bands", bi), "bad_band", f"Band {edges.from_}–{edges.to} runs backwards.",
                f"分段 {edges.from_}–{edges.to} 上下限颠倒。")
        en, zh = bilingual(edges.label, f"{edges.from_}–{edges.to}")
        bands.append(ScoreBand(edges.from_, edges.to, en, zh))
    ordered = sorted(bands, key=lambda b: b.low)
    for a, b in pairwise(ordered):
        if b.low <= a.high:
            err((*keys, "bands"), "overlapping_bands", f"Bands {a.low}–{a.high} and {b.low}–{b.high} overlap.",
                f"分段 {a.low}–{a.high} 与 {b.low}–{b.high} 重叠。")
    levels = []
    written = list(spec.levels) if isinstance(spec.levels, dict | list) else []
    if spec.levels is not None and not isinstance(spec.levels, dict | list):
        err((*keys, "levels"), "not_a_list", f"Expected a list of scores here, found {shown(spec.levels)}.",
            f"此处应为分值列表，实际为 {shown(spec.levels)}。")
    for li, level in enumerate(written):
        one = check(doc, _Level, {"level": level}, (*keys, "levels", li), problems)
        if one is not None:
            levels.append(one.level)
    if kind == ItemKind.BANDED:
        if not bands:
            err(keys, "missing_field", f"Banded item '{spec.id}' needs bands.", f"分段项 '{spec.id}' 需要 bands。")
            return None
        points = max(b.high for b in bands)
    elif kind in (ItemKind.YES_NO, ItemKind.DEDUCTION, ItemKind.BONUS):
        points = spec.points
    elif kind == ItemKind.SCALE:
        points = spec.max if spec.max is not None else (max(levels) if levels else Decimal(5))
    else:
        points = Decimal(0)
    return Item(spec.id, section, kind, name_en, name_zh, points, tuple(ordered), tuple(sorted(levels)),
                spec.serious_factor, spec.max_occurrences, spec.na_allowed)


class _Level(Shape):
    level: Number


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
