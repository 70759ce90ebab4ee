"""Coverage: before a run posts, which metrics that paying rules read have no facts behind them,
and for whom. A metric with nothing behind it for every eligible agent would pay everyone as if
they had done nothing — a silent zero; for some agents it is worth a line on their statement."""

from __future__ import annotations

from dataclasses import dataclass

from jili.core.inputs import Inputs
from jili.core.policy import Agg, FactMetric, Policy
from jili.core.statement import Statement


@dataclass(frozen=True, slots=True)
class Gap:
    metric: str
    fact: str
    rules: tuple[str, ...]  # the paying rules that read it
    missing: tuple[str, ...]  # eligible agents with no facts behind it this period
    eligible: int

    @property
    def everyone(self) -> bool:
        return len(self.missing) == self.eligible


def gaps(policy: Policy, inputs: Inputs, statements: list[Statement]) -> list[Gap]:
    """Fact metrics of the statement period that paying rules read, where eligible agents have no facts.
    A count has a true zero (no complaints), so counts are never gaps; a sum is one only when no
    eligible agent has any facts behind it; an average, minimum, maximum or percentile has no value
    without facts, so every agent without them is a gap."""
    label = inputs.period.label
    eligible = [s.agent_id for s in statements if s.eligible]
    read: dict[str, list[str]] = {}
    for rule in policy.rules:
        if rule.head.account is None or (rule.head.period not in (None, policy.period)):
            continue
        for name in sorted(rule.names()):
            for fact_metric in sorted(inputs.sources.get(name, ())):
                read.setdefault(fact_metric, []).append(rule.head.id)
    out = []
    for m in policy.metrics:
        if not isinstance(m, FactMetric) or m.name not in read or m.agg in (Agg.COUNT, Agg.DISTINCT):
            continue
        fed = inputs.fed.get((label, m.name), set())
        missing = tuple(a for a in eligible if a not in fed)
        if missing and len(missing) < len(eligible) and m.agg == Agg.SUM:
            continue  # a sum over no facts is often a true zero (no fines this month): only nobody at all is a gap
        if missing:
            out.append(Gap(m.name, m.fact, tuple(dict.fromkeys(read[m.name])), missing, len(eligible)))
    return out
