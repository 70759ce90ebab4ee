"""What a run reads, computed: metric values per period and agent, event counts, the ledger before."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from jili.core.expr import Value
from jili.core.periods import Period

Env = dict[str, Value]
SE_SUFFIX = "__se"  # a metric's standard error, when it is the mean of a sample (QA scores)


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


@dataclass
class RunProblem:
    rule_id: str
    agent_id: str
    message: str
