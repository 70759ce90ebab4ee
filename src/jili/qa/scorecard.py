"""Scorecards: sections and items, how an evaluation is scored (R1–R4).

Item kinds: banded (score ranges with their descriptions, R1), yes_no, scale, deduction per
occurrence with a multiplier when serious (R2), bonus per occurrence (R3), fatal (R4).
A scorecard says whether N/A answers are left out and the score rescaled, or count as full
marks; and whether a fatal error zeroes the score or only fails the call.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class ItemKind(StrEnum):
    BANDED = "banded"
    YES_NO = "yes_no"
    SCALE = "scale"
    DEDUCTION = "deduction"
    BONUS = "bonus"
    FATAL = "fatal"


SCORED = (ItemKind.BANDED, ItemKind.YES_NO, ItemKind.SCALE)


class NaPolicy(StrEnum):
    RESCALE = "rescale"  # N/A items are left out and the score is scaled back to the full maximum
    FULL_MARKS = "full_marks"  # N/A items count as full marks


class FatalPolicy(StrEnum):
    ZERO = "zero"  # a fatal error makes the call's score 0
    FAIL_CALL = "fail_call"  # the score stands; the call counts as failed (R4 fatal accuracy)


@dataclass(frozen=True, slots=True)
class ScoreBand:
    low: Decimal
    high: Decimal
    label_en: str
    label_zh: str


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    section: str
    kind: ItemKind
    name_en: str
    name_zh: str
    points: Decimal  # max for scored items; per occurrence for deduction and bonus
    bands: tuple[ScoreBand, ...] = ()
    levels: tuple[Decimal, ...] = ()  # allowed scores of a scale, when listed
    serious_factor: Decimal = Decimal(1)
    max_occurrences: int | None = None
    na_allowed: bool = True

    @property
    def maximum(self) -> Decimal:
        return self.points if self.kind in SCORED else Decimal(0)

    def allowed(self) -> str:
        if self.kind == ItemKind.BANDED:
            return ", ".join(f"{b.low}–{b.high} ({b.label_zh})" for b in self.bands)
        if self.kind == ItemKind.YES_NO:
            return f"0 or {self.points}"
        if self.kind == ItemKind.SCALE:
            return ", ".join(str(v) for v in self.levels) if self.levels else f"0 to {self.points}"
        return "a number of occurrences ≥ 0"


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    name_en: str
    name_zh: str


@dataclass(frozen=True, slots=True)
class Scorecard:
    id: str
    version: str
    name_en: str
    name_zh: str
    effective_from: dt.date | None
    effective_to: dt.date | None
    desk: str | None  # R3: one scorecard per desk (GSM, CDMA, VIP)
    base: Decimal  # 0: items add up; 100: deductions from a base (R2)
    na: NaPolicy
    fatal: FatalPolicy
    items: tuple[Item, ...]
    source: str = ""
    sections: tuple[Section, ...] = ()

    def section(self, section_id: str) -> Section:
        return next((s for s in self.sections if s.id == section_id), Section(section_id, section_id, section_id))

    def item(self, item_id: str) -> Item | None:
        return next((i for i in self.items if i.id == item_id), None)

    @property
    def maximum(self) -> Decimal:
        return self.base + sum((i.maximum for i in self.items), Decimal(0))

    @property
    def has_fatal(self) -> bool:
        return any(i.kind == ItemKind.FATAL for i in self.items)

    def in_force(self, day: dt.date) -> bool:
        return (self.effective_from is None or day >= self.effective_from) and (
            self.effective_to is None or day <= self.effective_to)


def version_for(cards: Iterable[Scorecard], card_id: str, day: dt.date, desk: str | None = None) -> Scorecard | None:
    """The version of ``card_id`` in force on ``day`` (the call's date), for ``desk`` if it has its own."""
    candidates = [c for c in cards if c.id == card_id and c.in_force(day)]
    own = [c for c in candidates if desk is not None and c.desk == desk]
    pool = own or [c for c in candidates if c.desk is None] or candidates
    return max(pool, key=lambda c: c.effective_from or dt.date.min, default=None)
