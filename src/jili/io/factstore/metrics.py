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
from jili.core.inputs import ROWS_SUFFIX, SE_SUFFIX, Env, EventCount, Inputs
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
        at = {n: i for i, n in enumerate(names)}
        buckets = [(k, at[f"b_{k.value}"]) for k in source_kinds]
        key_at = at[AGENT_KEY]
        # per period kind, each metric it wants: (name, average?, value or sum column, count, variance, rows column)
        plans = {k: [(m.name, m.agg == Agg.AVG, at[f"{m.name}__sum" if m.agg == Agg.AVG else m.name],
                      at.get(f"{m.name}__n", -1), at.get(f"{m.name}__var", -1), at[m.name + ROWS_SUFFIX])
                     for m in group if m.name in wanted[k]] for k in source_kinds}
        for row in rows:
            kind, start = next((k, row[i]) for k, i in buckets if row[i] is not None)
            label = label_of[kind].get(start)
            if label is None:  # a bucket inside the range that is not a needed period
                continue
            targets = [row[key_at]] if level == Level.AGENT else members[level].get(row[key_at], [])
            envs = out[label]
            for name, average, at_value, at_n, at_var, at_rows in plans[kind]:
                se: Value = None
                if average:
                    n, var = row[at_n], row[at_var]
                    value: Value = (Decimal(row[at_value]) / Decimal(n)) if n else None
                    if n and n > 1 and var is not None:
                        se = Decimal(repr(round((var / n) ** 0.5, 6)))
                else:
                    value = _to_decimal(row[at_value])
                if row[at_rows]:  # at a group level, every member of a group that had facts
                    fed[(label, name)].update(targets)
                for agent in targets:
                    env = envs[agent]
                    env[name] = value
                    if se is not None:
                        env[name + SE_SUFFIX] = se
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
    zeros: Env = {m.name: Decimal(0) for m in policy.metrics if isinstance(m, FactMetric)
                  and m.agg in (Agg.COUNT, Agg.DISTINCT, Agg.SUM)}
    fields = {a.agent_id: dict(a.fields) for a in population}
    for p in periods:
        try:
            wd: Value = Decimal(working_days(p))
        except CalendarUnknown:  # a year the Chinese calendar does not know: only rules that read it lack it
            wd = None
        about: Env = {"period_start": p.start, "period_end": p.end - dt.timedelta(days=1),
                      "period_days": Decimal(p.length), "working_days": wd}
        envs = values[p.label]
        for a in population:  # a metric without facts is 0; the roster's fields, then the period's, over the metrics
            envs[a.agent_id] = zeros | envs.get(a.agent_id, {}) | fields[a.agent_id] | about
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
