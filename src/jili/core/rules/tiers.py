"""tiers: the first tier whose condition holds pays its amount (R15's excellent / good / ordinary)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from jili.core.expr import Expr, thresholds, truth
from jili.core.label import Label
from jili.core.rules.base import LineKind, RuleHead, RuleKind, RuleRun, expr_names, inputs_of, safe, show


@dataclass(frozen=True, slots=True)
class Tier:
    label: Label
    when: Expr | None  # None: otherwise
    amount: Expr


@dataclass(frozen=True, slots=True)
class TiersRule(RuleKind):
    KIND: ClassVar[LineKind] = LineKind.TIERS
    head: RuleHead
    tiers: tuple[Tier, ...]

    def names(self) -> set[str]:
        return expr_names(self.head.when, *(e for t in self.tiers for e in (t.when, t.amount)))

    def thresholds(self) -> list[tuple[str, Decimal]]:
        return [pair for tier in self.tiers if tier.when is not None for pair in thresholds(tier.when.node)]

    def apply(self, run: RuleRun) -> None:
        h = self.head
        for agent in run.active:
            env = run.env(agent)
            for tier in self.tiers:
                if tier.when is None or truth(safe(tier.when, env)):
                    amount = run.amount(h, tier.amount, env) or Decimal(0)
                    ins = inputs_of(env, tier.when, tier.amount)
                    cond = tier.when.text if tier.when else "otherwise"
                    run.line(h, self.KIND, agent, amount, f"tier '{tier.label.en}' ({cond}) with {show(ins)} → {amount}",
                             f"档位“{tier.label.zh}”（{cond if tier.when else '其他情况'}）；{show(ins)} → {amount}",
                             ins, cond, label=Label(f"{h.label.en}: {tier.label.en}", f"{h.label.zh}：{tier.label.zh}"))
                    break
