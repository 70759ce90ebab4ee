"""A policy as the engine sees it: typed, checked, immutable. (The YAML spec and its
validation live in ``jili.io.policyfile``.)"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal
from enum import StrEnum

from jili.core.expr import Expr
from jili.core.periods import PeriodKind

ROUNDING_MODES = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "down": ROUND_DOWN, "up": ROUND_UP}

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


class Level(StrEnum):
    AGENT = "agent"
    TEAM = "team"
    DEPARTMENT = "department"
    SITE = "site"
    ALL = "all"


@dataclass(frozen=True, slots=True)
class Label:
    en: str
    zh: str

    def get(self, lang: str) -> str:
        return self.zh if lang.startswith("zh") else self.en


@dataclass(frozen=True, slots=True)
class FactMetric:
    name: str
    fact: str
    agg: Agg
    column_sql: str | None  # checked SQL over the fact's columns; None for count(*)
    where_sql: str | None
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


Metric = FactMetric | DerivedMetric | PreviousMetric | RankMetric


@dataclass(frozen=True, slots=True)
class Account:
    name: str
    unit: str
    places: int
    rounding: str  # a key of ROUNDING_MODES
    label: Label

    def round(self, value: Decimal) -> Decimal:
        rounded = value.quantize(Decimal(1).scaleb(-self.places), rounding=ROUNDING_MODES[self.rounding])
        return rounded.copy_abs() if rounded == 0 else rounded  # no "-0.00" on a statement


@dataclass(frozen=True, slots=True)
class Eligibility:
    id: str
    when: Expr
    reason: Label


@dataclass(frozen=True, slots=True)
class RuleHead:
    id: str
    account: str | None
    category: str
    label: Label
    when: Expr | None
    period: PeriodKind | None  # run on finer periods inside the statement (R14 daily/weekly)
    line: int | None


@dataclass(frozen=True, slots=True)
class FormulaRule:
    head: RuleHead
    amount: Expr


@dataclass(frozen=True, slots=True)
class Tier:
    label: Label
    when: Expr | None  # None: otherwise
    amount: Expr


@dataclass(frozen=True, slots=True)
class TiersRule:
    head: RuleHead
    tiers: tuple[Tier, ...]


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
class BandsRule:
    head: RuleHead
    value: Expr
    bands: tuple[Band, ...]


@dataclass(frozen=True, slots=True)
class Multiplier:
    when_sql: str
    when_text: str
    factor: Decimal


@dataclass(frozen=True, slots=True)
class PerEventRule:
    head: RuleHead
    fact: str
    where_sql: str | None
    where_text: str
    amount: Decimal
    multipliers: tuple[Multiplier, ...]
    time_column: str


class TieRule(StrEnum):
    SHARED = "shared"  # equal values share the better rank and each takes its amount
    SPLIT = "split"  # equal values share the amounts of the places they cover, split evenly
    BREAK = "break"  # a second metric decides; still equal: shared


@dataclass(frozen=True, slots=True)
class RankingRule:
    head: RuleHead
    value: str
    also: str | None  # R14: a second ranking; the same agent on the same place in both gets amounts_both
    descending: bool
    within: Level
    amounts: tuple[Decimal, ...]  # by place: 1st, 2nd…
    amounts_both: tuple[Decimal, ...]
    top_percent: Decimal | None  # everyone in the top (or bottom) share takes `share_amount`
    bottom_percent: Decimal | None
    share_amount: Decimal | None
    eligible: Expr | None
    ties: TieRule
    tie_break: str | None
    others: Decimal | None  # every other eligible agent (R14: answer rate >= 95 % → 1)
    others_when: Expr | None
    include_zero: bool = False  # a descending ranking gives no place to a value of 0 (nothing achieved)


@dataclass(frozen=True, slots=True)
class StreakRule:
    head: RuleHead
    condition: Expr
    length: int
    amount: Expr | None
    severity: str | None
    action: Label | None


@dataclass(frozen=True, slots=True)
class FlagRule:
    head: RuleHead
    severity: str
    action: Label


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


def rule_names(rule: Rule) -> set[str]:
    """Every metric or field name a rule reads."""
    exprs: list[Expr | None] = [rule.head.when]
    names: set[str] = set()
    if isinstance(rule, FormulaRule):
        exprs.append(rule.amount)
    elif isinstance(rule, TiersRule):
        for tier in rule.tiers:
            exprs += [tier.when, tier.amount]
    elif isinstance(rule, BandsRule):
        exprs.append(rule.value)
        exprs += [b.amount for b in rule.bands]
    elif isinstance(rule, RankingRule):
        exprs += [rule.eligible, rule.others_when]
        names.update(n for n in (rule.value, rule.also, rule.tie_break) if n)
    elif isinstance(rule, StreakRule):
        exprs += [rule.condition, rule.amount]
    for e in exprs:
        if e is not None:
            names.update(e.names)
    return names


def metrics_for(policy: Policy, kind: PeriodKind) -> set[str]:
    """Fact metrics a run needs at ``kind``: all of them for the statement period; for a finer
    period only those its rules read, followed through derived, previous and rank metrics."""
    if kind == policy.period:
        return {m.name for m in policy.metrics}
    wanted: set[str] = set()
    for rule in policy.rules:
        if rule.head.period != kind:
            continue
        wanted.update(rule_names(rule))
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
        for d in deps:
            if d not in wanted:
                wanted.add(d)
                todo.append(d)
    return wanted
