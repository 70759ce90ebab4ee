"""Check an evaluation against its scorecard version and score it (total, fatal flag,
non-fatal errors and opportunities for R4)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from jili.core.problems import Location, Problem, Severity, suggest
from jili.qa.scorecard import SCORED, FatalPolicy, Item, ItemKind, NaPolicy, Scorecard

CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Answer:
    """One item of one evaluation, as exported (evaluation_items)."""

    item_id: str
    score: Decimal | None = None
    occurrences: int | None = None
    not_applicable: bool = False
    fatal: bool = False
    serious: bool = False
    where: Location | None = None


@dataclass(frozen=True, slots=True)
class ItemScore:
    item_id: str
    kind: ItemKind
    points: Decimal  # what the item adds (negative for deductions)
    maximum: Decimal
    not_applicable: bool
    error: bool  # a non-fatal error (R4): not full marks, or a deduction that occurred
    band: str = ""


@dataclass(frozen=True, slots=True)
class Scored:
    scorecard: str
    version: str
    total: Decimal  # rounded half-up to 0.01
    maximum: Decimal
    fatal: bool
    nonfatal_errors: int
    opportunities: int
    items: tuple[ItemScore, ...]


def _err(where: Location, code: str, en: str, zh: str, expected: str = "", found: str = "", fix: str = "",
         fix_zh: str = "") -> Problem:
    return Problem(Severity.ERROR, code, where, en, zh, expected=expected, found=found, fix=fix, fix_zh=fix_zh)


def score(card: Scorecard, answers: Sequence[Answer], where: Location) -> tuple[Scored | None, list[Problem]]:
    """Score one evaluation. Any problem means the evaluation is not scored (and not stored)."""
    problems: list[Problem] = []
    by_item: dict[str, Answer] = {}
    for a in answers:
        loc = a.where or where
        item = card.item(a.item_id)
        if item is None:
            en, zh = suggest(a.item_id, [i.id for i in card.items])
            problems.append(_err(loc, "unknown_item", f"Item '{a.item_id}' is not on scorecard {card.id} v{card.version}.{en}",
                                 f"评分表 {card.id} v{card.version} 中没有评分项 '{a.item_id}'。{zh}",
                                 expected=", ".join(i.id for i in card.items), found=a.item_id))
            continue
        if a.item_id in by_item:
            problems.append(_err(loc, "duplicate_item", f"Item '{a.item_id}' is answered twice.", f"评分项 '{a.item_id}' 重复。"))
            continue
        by_item[a.item_id] = a
        problems.extend(_check_value(card, item, a, loc))
    for item in card.items:
        if item.kind in SCORED and item.id not in by_item:
            problems.append(_err(where, "missing_item", f"Required item '{item.id}' ({item.name_en}) has no answer.",
                                 f"必填评分项 '{item.id}'（{item.name_zh}）没有评分。",
                                 expected=item.allowed(), fix="Give a score, or mark it N/A if the call did not call for it.",
                                 fix_zh="请打分；该通话不涉及此项时标为不适用。"))
    if problems:
        return None, problems
    scores: list[ItemScore] = []
    earned = Decimal(0)
    applicable_max = Decimal(0)
    adjust = Decimal(0)
    fatal = False
    for item in card.items:
        got = by_item.get(item.id)
        if item.kind in SCORED:
            assert got is not None
            if got.not_applicable:
                full = card.na == NaPolicy.FULL_MARKS
                if full:
                    earned += item.maximum
                    applicable_max += item.maximum
                scores.append(ItemScore(item.id, item.kind, item.maximum if full else Decimal(0), item.maximum, True, False))
                continue
            value = got.score
            assert value is not None  # _check_value refuses a scored item without a score
            earned += value
            applicable_max += item.maximum
            band = next((b.label_zh for b in item.bands if b.low <= value <= b.high), "")
            scores.append(ItemScore(item.id, item.kind, value, item.maximum, False, value < item.maximum, band))
        elif item.kind in (ItemKind.DEDUCTION, ItemKind.BONUS):
            n = _occurrences(got)
            if got is not None and got.not_applicable:
                scores.append(ItemScore(item.id, item.kind, Decimal(0), Decimal(0), True, False))
                continue
            factor = item.serious_factor if got is not None and got.serious else Decimal(1)
            points = item.points * n * factor * (-1 if item.kind == ItemKind.DEDUCTION else 1)
            adjust += points
            scores.append(ItemScore(item.id, item.kind, points, Decimal(0), False,
                                    item.kind == ItemKind.DEDUCTION and n > 0))
        else:  # fatal
            hit = got is not None and (got.fatal or _occurrences(got) > 0)  # flagged, counted, or any score but 0
            fatal = fatal or hit
            scores.append(ItemScore(item.id, item.kind, Decimal(0), Decimal(0), False, False))
    scored_max = sum((i.maximum for i in card.items), Decimal(0))
    if card.na == NaPolicy.RESCALE and applicable_max and applicable_max != scored_max:
        earned = earned * scored_max / applicable_max
    total = max(Decimal(0), card.base + earned + adjust)
    if fatal and card.fatal == FatalPolicy.ZERO:
        total = Decimal(0)
    opportunities = sum(1 for s in scores if s.kind not in (ItemKind.FATAL, ItemKind.BONUS) and not s.not_applicable)
    errors = sum(1 for s in scores if s.error)
    return Scored(card.id, card.version, total.quantize(CENT, rounding=ROUND_HALF_UP), card.maximum, fatal, errors,
                  opportunities, tuple(scores)), []


def _occurrences(a: Answer | None) -> int:
    if a is None:
        return 0
    if a.occurrences is not None:
        return a.occurrences
    return 1 if a.score is not None and a.score != 0 else 0


def _check_value(card: Scorecard, item: Item, a: Answer, loc: Location) -> list[Problem]:
    if a.not_applicable:
        if not item.na_allowed:
            return [_err(loc, "na_not_allowed", f"Item '{item.id}' cannot be N/A.", f"评分项 '{item.id}' 不允许“不适用”。",
                         expected=item.allowed())]
        return []
    if item.kind == ItemKind.FATAL:
        return []
    if a.fatal:
        return [_err(loc, "fatal_on_non_fatal", f"Item '{item.id}' is marked fatal, but it is not a fatal item"
                     + ("" if card.has_fatal else f" and scorecard {card.id} has no fatal items") + ".",
                     f"评分项 '{item.id}' 被标为致命错误，但它不是致命项。",
                     fix="Record fatal errors on the scorecard's fatal items.",
                        fix_zh="致命错误请记在评分表的致命项上。")]
    if item.kind in (ItemKind.DEDUCTION, ItemKind.BONUS):
        n = _occurrences(a)
        if n < 0 or (item.max_occurrences is not None and n > item.max_occurrences):
            return [_err(loc, "out_of_range", f"Item '{item.id}' occurred {n} times; allowed 0 to "
                         f"{item.max_occurrences if item.max_occurrences is not None else 'any'}.",
                         f"评分项 '{item.id}' 次数 {n} 超出范围。", expected=item.allowed(), found=str(n))]
        return []
    v = a.score
    if v is None:
        return [_err(loc, "missing_score", f"Item '{item.id}' has no score.", f"评分项 '{item.id}' 没有分数。",
                     expected=item.allowed(), fix="Give a score or mark it N/A.", fix_zh="请打分，或标为不适用。")]
    ok = {
        ItemKind.BANDED: any(b.low <= v <= b.high for b in item.bands),
        ItemKind.YES_NO: v in (Decimal(0), item.points),
        ItemKind.SCALE: (v in item.levels) if item.levels else Decimal(0) <= v <= item.points,
    }[item.kind]
    if ok:
        return []
    shown = _plain(v)
    return [_err(loc, "out_of_range", f"Score {shown} is not allowed for item '{item.id}' ({item.name_en}).",
                 f"评分项 '{item.id}'（{item.name_zh}）的分数 {shown} 不在允许范围内。", expected=item.allowed(), found=shown)]


def _plain(v: Decimal) -> str:
    """16.0000 -> 16, 0.5000 -> 0.5: numbers as a person writes them."""
    return format(v.normalize(), "f")
