"""flag: an agent for whom the condition holds is flagged for action (R12: coaching after a bad month)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from jili.core.label import Label
from jili.core.rules.base import LineKind, RuleHead, RuleKind, RuleRun, expr_names, inputs_of, show
from jili.core.statement import Flag


@dataclass(frozen=True, slots=True)
class FlagRule(RuleKind):
    KIND: ClassVar[LineKind] = LineKind.FLAG
    head: RuleHead
    severity: str
    action: Label

    def names(self) -> set[str]:
        return expr_names(self.head.when)

    def apply(self, run: RuleRun) -> None:
        h = self.head
        for agent in run.active:
            ins = inputs_of(run.env(agent), h.when)
            run.flags[agent].append(Flag(h.id, run.sub.label, self.severity, self.action,
                                         f"{h.when.text if h.when else ''} with {show(ins)}",
                                         f"{h.when.text if h.when else ''}；{show(ins)}", ins))
