"""bands: a value falls in one band, which pays its amount (R13's answer-rate bands)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from jili.core.expr import Expr
from jili.core.label import Label
from jili.core.rules.base import LineKind, RuleHead, RuleKind, RuleRun, expr_names, fmt, inputs_of, safe


@dataclass(frozen=True, slots=True)
class Band:
    label: Label
    lower: Decimal | None
    lower_inclusive: bool
    upper: Decimal | None
    upper_inclusive: bool
    amount: Expr

    def contains(self, v: Decimal) -> bool:
        if self.lower is not None and (v < self.lower or (v == self.lower and not self.lower_inclusive)):
            return False
        return not (self.upper is not None and (v > self.upper or (v == self.upper and not self.upper_inclusive)))

    def describe(self) -> str:
        low = "" if self.lower is None else f"{'≥' if self.lower_inclusive else '>'} {self.lower}"
        high = "" if self.upper is None else f"{'≤' if self.upper_inclusive else '<'} {self.upper}"
        return " and ".join(x for x in (low, high) if x) or "any value"


@dataclass(frozen=True, slots=True)
class BandsRule(RuleKind):
    KIND: ClassVar[LineKind] = LineKind.BANDS
    head: RuleHead
    value: Expr
    bands: tuple[Band, ...]

    def names(self) -> set[str]:
        return expr_names(self.head.when, self.value, *(b.amount for b in self.bands))

    def thresholds(self) -> list[tuple[str, Decimal]]:
        return [(name, edge) for name in self.value.names for b in self.bands
                for edge in (b.lower, b.upper) if edge is not None]

    def apply(self, run: RuleRun) -> None:
        h = self.head
        for agent in run.active:
            env = run.env(agent)
            v = safe(self.value, env)
            if not isinstance(v, Decimal):
                continue
            band = next((b for b in self.bands if b.contains(v)), None)
            if band is None:
                continue
            amount = run.amount(h, band.amount, env) or Decimal(0)
            ins = ((self.value.text, v), *inputs_of(env, band.amount))
            run.line(h, self.KIND, agent, amount,
                     f"{self.value.text} = {fmt(v)} is in band '{band.label.en}' ({band.describe()}) → {amount}",
                     f"{self.value.text} = {fmt(v)}，落在“{band.label.zh}”（{band.describe()}）→ {amount}", ins,
                     band.describe(), label=Label(f"{h.label.en}: {band.label.en}", f"{h.label.zh}：{band.label.zh}"))
