"""streak: a condition held for ``length`` periods in a row pays, flags, or both (R12's quarter).

Without ``each`` the streak rolls: it holds again each period the last ``length`` periods held (a
flag such as "bottom 10 % two months in a row" is raised every month it stays true). With
``each: quarter`` only the periods of one calendar quarter count and it holds at the quarter's last
period: "full attendance for a quarter" pays once a quarter, not every month after the third; an agent
who joined mid-quarter has no facts for its first months and waits for the next quarter."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from jili.core.expr import Expr, truth
from jili.core.label import Label
from jili.core.periods import PeriodKind, period_of
from jili.core.rules.base import LineKind, RuleHead, RuleKind, RuleRun, expr_names, inputs_of, safe
from jili.core.statement import Flag


@dataclass(frozen=True, slots=True)
class StreakRule(RuleKind):
    KIND: ClassVar[LineKind] = LineKind.STREAK
    head: RuleHead
    condition: Expr
    length: int
    amount: Expr | None
    severity: str | None
    action: Label | None
    each: PeriodKind | None = None  # only the periods inside one such enclosing period count

    def names(self) -> set[str]:
        return expr_names(self.head.when, self.condition, self.amount)

    def lookback(self) -> int:
        return self.length - 1

    def apply(self, run: RuleRun) -> None:
        h = self.head
        if self.each is not None:
            enclosing = period_of(run.sub.start, self.each)
            if run.sub.end != enclosing.end or run.sub.previous(self.length - 1).start < enclosing.start:
                return  # not the enclosing period's last, or the streak would reach into the one before
        facts = run.inputs.facts_behind(self.condition.names)
        fed: dict[str, set[str] | None] = {}  # period -> agents with facts behind the condition
        for agent in run.active:
            chain = [run.sub]
            for _ in range(self.length - 1):
                chain.append(chain[-1].previous())
            # a period without facts for what the condition reads never counts toward a streak
            for p in chain:
                if p.label not in fed:
                    fed[p.label] = run.inputs.agents_with_facts(p.label, facts)
            if not all((with_facts := fed[p.label]) is None or agent in with_facts for p in chain):
                continue
            results = [truth(safe(self.condition, run.inputs.values.get(p.label, {}).get(agent, {}))) for p in chain]
            if not all(results):
                continue
            env = run.env(agent)
            span = f"{chain[-1].label}…{chain[0].label}"
            if self.amount is not None and h.account:
                amount = run.amount(h, self.amount, env) or Decimal(0)
                run.line(h, self.KIND, agent, amount,
                         f"{self.condition.text} held {self.length} periods in a row ({span}) → {amount}",
                         f"连续 {self.length} 期满足 {self.condition.text}（{span}）→ {amount}",
                         inputs_of(env, self.condition), self.condition.text)
            if self.action is not None:
                run.flags[agent].append(Flag(h.id, run.sub.label, self.severity or "normal", self.action,
                                             f"{self.condition.text} held {self.length} periods in a row ({span})",
                                             f"连续 {self.length} 期满足 {self.condition.text}（{span}）",
                                             inputs_of(env, self.condition)))
