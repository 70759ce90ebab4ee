"""formula: one amount per agent from an expression (R16: 20 % of the monthly wage)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from jili.core.expr import Expr
from jili.core.inputs import RunProblem
from jili.core.rules.base import LineKind, RuleHead, RuleKind, RuleRun, expr_names, inputs_of, show


@dataclass(frozen=True, slots=True)
class FormulaRule(RuleKind):
    KIND: ClassVar[LineKind] = LineKind.FORMULA
    head: RuleHead
    amount: Expr

    def names(self) -> set[str]:
        return expr_names(self.head.when, self.amount)

    def apply(self, run: RuleRun) -> None:
        h = self.head
        for agent in run.active:
            env = run.env(agent)
            amount = run.amount(h, self.amount, env)
            if amount is None:
                seen = show(inputs_of(env, self.amount))
                run.problems.append(RunProblem(h.id, agent, f"amount '{self.amount.text}' has no value: {seen}",
                                               f"金额“{self.amount.text}”无法计算：{seen}"))
                continue
            ins = inputs_of(env, h.when, self.amount)
            run.line(h, self.KIND, agent, amount,
                     f"{self.amount.text}{' when ' + h.when.text if h.when else ''} with {show(ins)} → {amount}",
                     f"{self.amount.text}{'，条件 ' + h.when.text if h.when else ''}；{show(ins)} → {amount}", ins,
                     self.amount.text)
