"""per_event: an amount for every fact that matches (R14: −2 per complaint, doubled when serious)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from jili.core.expr import Expr
from jili.core.rules.base import LineKind, RuleHead, RuleKind, RuleRun, expr_names


@dataclass(frozen=True, slots=True)
class Multiplier:
    when: Expr  # checked, over the fact's columns
    factor: Decimal


@dataclass(frozen=True, slots=True)
class PerEventRule(RuleKind):
    KIND: ClassVar[LineKind] = LineKind.PER_EVENT
    head: RuleHead
    fact: str
    where: Expr | None  # checked, over the fact's columns
    where_text: str
    amount: Decimal
    multipliers: tuple[Multiplier, ...]
    time_column: str

    def names(self) -> set[str]:
        return expr_names(self.head.when)

    def apply(self, run: RuleRun) -> None:
        h = self.head
        counts = run.inputs.events.get((h.id, run.sub.label), {})
        for agent in run.active:
            events = counts.get(agent, [])
            if not events:
                continue
            n = sum(e.count for e in events)
            total = sum((self.amount * e.factor * e.count for e in events), Decimal(0))
            amount = run.round(h.account or "", total)
            parts = " + ".join(f"{e.count} × {self.amount}" + (f" × {e.factor}" if e.factor != 1 else "") for e in events)
            refs = tuple(r for e in events for r in e.refs)[:20]
            run.line(h, self.KIND, agent, amount, f"{n} {self.fact} where {self.where_text or 'any'}: {parts} → {amount}",
                     f"{n} 条 {self.fact}（{self.where_text or '全部'}）：{parts} → {amount}",
                     (("events", Decimal(n)),), self.where_text, refs)
