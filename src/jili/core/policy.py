"""A policy as the engine sees it: typed, checked, immutable. (The YAML spec and its
validation live in ``jili.io.specs.policy``.)"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from jili.core.expr import Expr
from jili.core.label import Label
from jili.core.periods import PeriodKind
from jili.core.policy_head import Account, PolicyHead
from jili.core.roster import Level
from jili.core.rules.bands import BandsRule
from jili.core.rules.flag import FlagRule
from jili.core.rules.formula import FormulaRule
from jili.core.rules.per_event import PerEventRule
from jili.core.rules.ranking import RankingRule
from jili.core.rules.streak import StreakRule
from jili.core.rules.tiers import TiersRule

PERIOD_FIELDS = {"period_start": "date", "period_end": "date (last day)", "period_days": "number",
                 "working_days": "number"}

class Agg(StrEnum):
    COUNT = "count"
    SUM = "sum"
    AVG = "avg"
    MIN = "min"
    MAX = "max"
    DISTINCT = "distinct"
    PERCENTILE = "percentile"


@dataclass(frozen=True, slots=True)
class FactMetric:
    name: str
    fact: str
    agg: Agg
    column: Expr | None  # checked expression over the fact's columns; None for count(*)
    where: Expr | None
    time_column: str
    level: Level = Level.AGENT
    percentile: Decimal | None = None
    text: str = ""  # how the policy wrote it, for explanations


@dataclass(frozen=True, slots=True)
class DerivedMetric:
    name: str
    expr: Expr


@dataclass(frozen=True, slots=True)
class PreviousMetric:
    name: str
    of: str
    back: int = 1


@dataclass(frozen=True, slots=True)
class RankMetric:
    """Percent rank of a metric within a group: 0 for the best, 1 for the worst."""

    name: str
    of: str
    descending: bool = True
    within: Level = Level.ALL


@dataclass(frozen=True, slots=True)
class StatementScopeMetric:
    """The statement period's value of a metric, read as it is from a finer-grained rule (R14: "if the
    department's answer rate this month is ≥ 95 %, every other agent gets 1 point" on each day)."""

    name: str
    of: str


Metric = FactMetric | DerivedMetric | PreviousMetric | RankMetric | StatementScopeMetric


@dataclass(frozen=True, slots=True)
class Eligibility:
    id: str
    when: Expr
    reason: Label


Rule = FormulaRule | TiersRule | BandsRule | PerEventRule | RankingRule | StreakRule | FlagRule


@dataclass(frozen=True, slots=True)
class Cap:
    category: str
    account: str
    maximum: Decimal | None
    minimum: Decimal | None


@dataclass(frozen=True, slots=True)
class Redemption:
    """At the end of each period, ``share`` of the balance of ``account`` is paid out into
    ``to_account`` at ``rate`` per point (R14: 80 %, 1 point = 1 yuan × bookings ÷ last month's)."""

    account: str
    to_account: str
    share: Decimal
    rate: Expr
    every: PeriodKind


@dataclass(frozen=True, slots=True)
class Level_:
    name: str
    threshold: Decimal


@dataclass(frozen=True, slots=True)
class Levels:
    account: str
    basis: str  # "lifetime": all points earned; "balance": after redemption
    levels: tuple[Level_, ...]


@dataclass(frozen=True, slots=True)
class Policy:
    id: str
    name: Label
    version: str
    effective_from: dt.date | None
    effective_to: dt.date | None
    period: PeriodKind
    timezone: str
    accounts: dict[str, Account]
    eligibility: tuple[Eligibility, ...]
    metrics: tuple[Metric, ...]  # in dependency order
    rules: tuple[Rule, ...]
    caps: tuple[Cap, ...]
    redemption: Redemption | None
    levels: Levels | None
    source: str
    digest: str

    def metric(self, name: str) -> Metric | None:
        return next((m for m in self.metrics if m.name == name), None)

    def head(self) -> PolicyHead:
        """What reading this policy's results needs (a run stores it)."""
        return PolicyHead(self.id, self.name, self.version, self.digest, self.accounts)


def metrics_for(policy: Policy, kind: PeriodKind) -> set[str]:
    """Fact metrics a run needs at ``kind``: all of them for the statement period; for a finer
    period only those its rules read, followed through derived, previous and rank metrics."""
    if kind == policy.period:
        return {m.name for m in policy.metrics}
    wanted: set[str] = set()
    for rule in policy.rules:
        if rule.head.period != kind:
            continue
        wanted.update(rule.names())
    by_name = {m.name: m for m in policy.metrics}
    todo = list(wanted)
    while todo:
        m = by_name.get(todo.pop())
        if m is None:
            continue
        deps: tuple[str, ...] = ()
        if isinstance(m, DerivedMetric):
            deps = m.expr.names
        elif isinstance(m, PreviousMetric | RankMetric):
            deps = (m.of,)
        # a StatementScopeMetric reads the statement period, where every metric is computed: no deps here
        for d in deps:
            if d not in wanted:
                wanted.add(d)
                todo.append(d)
    return wanted


def fact_sources(policy: Policy) -> dict[str, frozenset[str]]:
    """Each metric's fact metrics: itself for a fact metric, followed through derived, previous and rank."""
    out: dict[str, frozenset[str]] = {}
    for m in policy.metrics:  # in dependency order
        if isinstance(m, FactMetric):
            out[m.name] = frozenset({m.name})
        elif isinstance(m, DerivedMetric):
            out[m.name] = frozenset(f for n in m.expr.names for f in out.get(n, ()))
        else:
            out[m.name] = out.get(m.of, frozenset())
    return out
