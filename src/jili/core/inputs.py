"""What a run reads, computed: metric values per period and agent, event counts, the ledger before."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from jili.core.expr import Value
from jili.core.periods import Period

Env = dict[str, Value]
SE_SUFFIX = "__se"  # a metric's standard error, when it is the mean of a sample (QA scores)
ROWS_SUFFIX = "__rows"  # how many facts fed a metric


@dataclass(frozen=True, slots=True)
class EventCount:
    factor: Decimal
    count: int
    refs: tuple[str, ...] = ()


@dataclass
class Inputs:
    """Everything a run reads. ``values[period_label][agent_id]`` holds roster fields, period
    fields and fact metrics; ``events[(rule_id, period_label)][agent_id]`` per-event counts;
    ``balance``/``lifetime`` the ledger before this period (redemption, levels)."""

    period: Period
    agents: list[str]
    values: dict[str, dict[str, Env]]
    periods: dict[str, Period]
    events: dict[tuple[str, str], dict[str, list[EventCount]]] = field(default_factory=dict)
    balance: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    lifetime: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    fed: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # (period, fact metric) -> agents with facts
    sources: dict[str, frozenset[str]] = field(default_factory=dict)  # metric -> the fact metrics it rests on

    def facts_behind(self, names: Iterable[str]) -> frozenset[str]:
        """The fact metrics that ``names`` rest on (roster and period fields rest on none)."""
        return frozenset(f for n in names for f in self.sources.get(n, ()))

    def agents_with_facts(self, period: str, facts: frozenset[str]) -> set[str] | None:
        """Agents with any fact behind ``facts`` in the period; None when they rest on no facts (ask nothing)."""
        if not facts:
            return None
        out: set[str] = set()
        for f in facts:
            out |= self.fed.get((period, f), set())
        return out


@dataclass(frozen=True, slots=True)
class RunProblem:
    """A rule that could not decide an amount for an agent (a value it reads is missing)."""

    rule_id: str
    agent_id: str
    message: str
    message_zh: str
