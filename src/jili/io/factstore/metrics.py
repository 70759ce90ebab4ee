"""Compute a policy's fact metrics and event counts on a fact engine, for every period a run needs."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlglot import exp

from jili.core.engine import needed_periods
from jili.core.expr import Value
from jili.core.inputs import ROWS_SUFFIX, SE_SUFFIX, EventCount, Inputs
from jili.core.periods import CalendarUnknown, Period, PeriodKind, working_days
from jili.core.plan import AGENT_KEY, census_query, event_query, metric_query
from jili.core.policy import (
    Agg,
    FactMetric,
    Level,
    PerEventRule,
    Policy,
    fact_sources,
    metrics_for,
)
from jili.core.roster import GROUP_LEVELS, AgentRow, group_of
from jili.io.factstore.engine import FactEngine

Env = dict[str, Value]


def _to_decimal(v: object) -> Value:
    if v is None or isinstance(v, Decimal | bool | str | dt.date):
        return v
    if isinstance(v, int):
        return Decimal(v)
    if isinstance(v, float):
        return Decimal(repr(round(v, 10)))
    return Decimal(str(v))


def fact_metrics(engine: FactEngine, policy: Policy, periods: Sequence[Period],
                 population: Sequence[AgentRow]) -> tuple[dict[str, dict[str, Env]], dict[tuple[str, str], set[str]]]:
    """values[period][agent][metric] for every fact metric (agent level and group levels), and which
    agents had facts for each (period, agent-level metric). One query per fact and period kind,
    bucketed with date_trunc (no range join)."""
    out: dict[str, dict[str, Env]] = {p.label: defaultdict(dict) for p in periods}
    fed: dict[tuple[str, str], set[str]] = defaultdict(set)
    metrics = [m for m in policy.metrics if isinstance(m, FactMetric)]
    if not metrics:
        return out, fed
    engine.use_population(population)
    kinds: dict[PeriodKind, list[Period]] = defaultdict(list)
    for p in periods:
        kinds[p.kind].append(p)
    members: dict[Level, dict[str, list[str]]] = {lvl: defaultdict(list) for lvl in Level}
    for a in population:
        for lvl in GROUP_LEVELS:
            members[lvl][group_of(lvl, a.agent_id, a)].append(a.agent_id)
        members[Level.ALL][""].append(a.agent_id)
    wanted = {kind: metrics_for(policy, kind) for kind in kinds}
    label_of = {kind: {p.start: p.label for p in ps} for kind, ps in kinds.items()}
    by_source: dict[tuple[str, str, Level], list[FactMetric]] = defaultdict(list)
    for m in metrics:
        if any(m.name in names for names in wanted.values()):
            by_source[(m.fact, m.time_column, m.level)].append(m)
    for (fact, time_col, level), group in by_source.items():
        # one scan per fact: GROUPING SETS give every period kind's buckets at once
        source_kinds = [k for k in kinds if any(m.name in wanted[k] for m in group)]
        lo = min(p.start for k in source_kinds for p in kinds[k])
        hi = max(p.end for k in source_kinds for p in kinds[k])
        query = metric_query(fact, time_col, policy.timezone, level, source_kinds, lo, hi,
                             group)
        names, rows = engine.rows(query.tree)
        for row in rows:
            rec = dict(zip(names, row, strict=True))
            kind = next(k for k in source_kinds if rec[f"b_{k.value}"] is not None)
            label = label_of[kind].get(rec[f"b_{kind.value}"])
            if label is None:  # a bucket inside the range that is not a needed period
                continue
            targets = [rec[AGENT_KEY]] if level == Level.AGENT else members[level].get(rec[AGENT_KEY], [])
            env_names = wanted[kind]
            for m in group:
                if m.name not in env_names:
                    continue
                se: Value = None
                if m.agg == Agg.AVG:
                    n = rec[f"{m.name}__n"]
                    value: Value = (Decimal(rec[f"{m.name}__sum"]) / Decimal(n)) if n else None
                    var = rec[f"{m.name}__var"]
                    if n and n > 1 and var is not None:
                        se = Decimal(repr(round((var / n) ** 0.5, 6)))
                else:
                    value = _to_decimal(rec[m.name])
                if rec[m.name + ROWS_SUFFIX]:  # at a group level, every member of a group that had facts
                    fed[(label, m.name)].update(targets)
                for agent in targets:
                    out[label][agent][m.name] = value
                    if se is not None:
                        out[label][agent][m.name + SE_SUFFIX] = se
    return out, fed


def event_counts(engine: FactEngine, policy: Policy, rule: PerEventRule,
                 periods: Sequence[Period]) -> dict[str, dict[str, list[EventCount]]]:
    out: dict[str, dict[str, list[EventCount]]] = defaultdict(lambda: defaultdict(list))
    kind = rule.head.period or policy.period
    wanted = [p for p in periods if p.kind == kind]
    if not wanted:
        return out
    label_of = {p.start: p.label for p in wanted}
    lo, hi = min(p.start for p in wanted), max(p.end for p in wanted)
    tree = event_query(rule.fact, rule.time_column, policy.timezone, kind,
                       lo, hi, rule.where, [(m.when, exp.Literal.number(str(m.factor))) for m in rule.multipliers])
    for start, agent, fac, n, refs in engine.rows(tree)[1]:
        label = label_of.get(start)
        if label is not None:
            out[label][agent].append(EventCount(Decimal(fac), int(n), tuple(r for r in refs or () if r is not None)))
    return out


def build_inputs(engine: FactEngine, policy: Policy, period: Period, population: Sequence[AgentRow],
                 balance: dict[tuple[str, str], Decimal] | None = None,
                 lifetime: dict[tuple[str, str], Decimal] | None = None) -> Inputs:
    periods = needed_periods(policy, period)
    values, fed = fact_metrics(engine, policy, periods, population)
    zero_aggs = {m.name for m in policy.metrics if isinstance(m, FactMetric)
                 and m.agg in (Agg.COUNT, Agg.DISTINCT, Agg.SUM)}
    for p in periods:
        try:
            wd: Value = Decimal(working_days(p))
        except CalendarUnknown:  # a year the Chinese calendar does not know: only rules that read it lack it
            wd = None
        for a in population:
            env = values[p.label].setdefault(a.agent_id, {})
            for name in zero_aggs:
                env.setdefault(name, Decimal(0))
            env.update(a.fields)
            env.update({"period_start": p.start, "period_end": p.end - dt.timedelta(days=1),
                        "period_days": Decimal(p.length), "working_days": wd})
    events: dict[tuple[str, str], dict[str, list[EventCount]]] = {}
    for rule in policy.rules:
        if isinstance(rule, PerEventRule):
            for label, per_agent in event_counts(engine, policy, rule, periods).items():
                events[(rule.head.id, label)] = dict(per_agent)
    return Inputs(period=period, agents=[a.agent_id for a in population],
                  values={k: dict(v) for k, v in values.items()}, periods={p.label: p for p in periods},
                  events=events, balance=balance or {}, lifetime=lifetime or {}, fed=dict(fed),
                  sources=fact_sources(policy))


@dataclass(frozen=True, slots=True)
class Census:
    """How one fact's rows stand to a period (for saying why a metric has no value)."""

    fact: str
    total: int
    no_time: int
    no_agent: int
    in_period: int
    in_period_home: int  # in the period as the workspace's own zone reads time


def fact_census(engine: FactEngine, fact: str, zone: str, home_zone: str, period: Period) -> Census:
    (row,) = engine.rows(census_query(fact, zone, home_zone, period.start, period.end))[1]  # an aggregate: one row
    return Census(fact, *(int(x or 0) for x in row))
