"""Compute a policy's fact metrics and event counts with DuckDB, for every period a run needs."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

import duckdb

from jili.core.engine import SE_SUFFIX, EventCount, Inputs, needed_periods
from jili.core.expr import Value
from jili.core.periods import CalendarUnknown, Period, PeriodKind, working_days
from jili.core.policy import (
    Agg,
    FactMetric,
    Level,
    PerEventRule,
    Policy,
    metrics_for,
)
from jili.core.roster import AgentRow

Env = dict[str, Value]


def _to_decimal(v: object) -> Value:
    if v is None or isinstance(v, Decimal | bool | str | dt.date):
        return v
    if isinstance(v, int):
        return Decimal(v)
    if isinstance(v, float):
        return Decimal(repr(round(v, 10)))
    return Decimal(str(v))


def _local(policy: Policy, fact: str, time_col: str) -> str:
    if fact in ("attendance", "kpis") or time_col == "date":
        return f"CAST({time_col} AS TIMESTAMP)"
    return f"timezone('{policy.timezone}', {time_col})"


def _bucket(kind: PeriodKind, local: str) -> str:
    """The start of the period of ``kind`` a local time falls in (ISO weeks start on Monday)."""
    return f"CAST(date_trunc('{kind.value}', {local}) AS DATE)"


def fact_metrics(con: duckdb.DuckDBPyConnection, policy: Policy, periods: Sequence[Period],
                 population: Sequence[AgentRow]) -> dict[str, dict[str, Env]]:
    """values[period][agent][metric] for every fact metric (agent level and group levels).
    One query per fact and period kind, bucketed with date_trunc (no range join)."""
    out: dict[str, dict[str, Env]] = {p.label: defaultdict(dict) for p in periods}
    metrics = [m for m in policy.metrics if isinstance(m, FactMetric)]
    if not metrics:
        return out
    con.execute("CREATE OR REPLACE TEMP TABLE pop (agent_id VARCHAR, team VARCHAR, department VARCHAR, site VARCHAR)")
    if population:
        import pyarrow as pa

        con.register("pop_rows", pa.table({
            "agent_id": [a.agent_id for a in population],
            "team": [str(a.get("team") or "") for a in population],
            "department": [str(a.get("department") or "") for a in population],
            "site": [str(a.get("site") or "") for a in population]}))
        con.execute("INSERT INTO pop SELECT * FROM pop_rows")
    kinds: dict[PeriodKind, list[Period]] = defaultdict(list)
    for p in periods:
        kinds[p.kind].append(p)
    members: dict[Level, dict[str, list[str]]] = {lvl: defaultdict(list) for lvl in Level}
    for a in population:
        for lvl in (Level.TEAM, Level.DEPARTMENT, Level.SITE):
            members[lvl][str(a.get(lvl.value) or "")].append(a.agent_id)
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
        local = _local(policy, fact, time_col)
        key = {"agent": "f.agent_id", "team": "pop.team", "department": "pop.department", "site": "pop.site",
               "all": "''"}[level.value]
        join_pop = "" if level == Level.AGENT else "JOIN pop ON pop.agent_id = f.agent_id"
        buckets = ", ".join(f"{_bucket(k, '__t')} AS b_{k.value}" for k in source_kinds)
        sets = ", ".join(f"(b_{k.value}, __key)" for k in source_kinds)
        sql = (f"WITH src AS (SELECT f.*, {key} AS __key, {local} AS __t FROM {fact} f {join_pop} "
               f"WHERE {local} >= TIMESTAMP '{lo}' AND {local} < TIMESTAMP '{hi}'), "
               f"b AS (SELECT *, {buckets} FROM src) "
               f"SELECT {', '.join(f'b_{k.value}' for k in source_kinds)}, __key, {', '.join(_aggregates(group))} "
               f"FROM b GROUP BY GROUPING SETS ({sets})")
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        for row in cur.fetchall():
            rec = dict(zip(names, row, strict=True))
            kind = next(k for k in source_kinds if rec[f"b_{k.value}"] is not None)
            label = label_of[kind].get(rec[f"b_{kind.value}"])
            if label is None:  # a bucket inside the range that is not a needed period
                continue
            targets = [rec["__key"]] if level == Level.AGENT else members[level].get(rec["__key"], [])
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
                for agent in targets:
                    out[label][agent][m.name] = value
                    if se is not None:
                        out[label][agent][m.name + SE_SUFFIX] = se
    return out


def _aggregates(group: Sequence[FactMetric]) -> list[str]:
    selects = []
    for m in group:
        cond = f" FILTER (WHERE {m.where_sql})" if m.where_sql else ""
        col = m.column_sql or "*"
        if m.agg == Agg.COUNT:
            selects.append(f'count({col}){cond} AS "{m.name}"')
        elif m.agg == Agg.DISTINCT:
            selects.append(f'count(DISTINCT {col}){cond} AS "{m.name}"')
        elif m.agg == Agg.AVG:  # sum and count: divided exactly in Decimal; the variance gives its standard error
            selects.append(f'CAST(sum({col}){cond} AS DECIMAL(38, 4)) AS "{m.name}__sum"')
            selects.append(f'count({col}){cond} AS "{m.name}__n"')
            selects.append(f'var_samp(CAST({col} AS DOUBLE)){cond} AS "{m.name}__var"')
        elif m.agg == Agg.PERCENTILE:
            selects.append(f'quantile_cont({col}, {m.percentile}){cond} AS "{m.name}"')
        else:
            selects.append(f'CAST({m.agg.value}({col}){cond} AS DECIMAL(38, 4)) AS "{m.name}"')
    return selects


def event_counts(con: duckdb.DuckDBPyConnection, policy: Policy, rule: PerEventRule,
                 periods: Sequence[Period]) -> dict[str, dict[str, list[EventCount]]]:
    factor = "1"
    if rule.multipliers:
        # multipliers combine by product: "doubled when it caused a complaint" × "doubled when serious"
        factor = " * ".join(f"(CASE WHEN {m.when_sql} THEN {m.factor} ELSE 1 END)" for m in rule.multipliers)
    where = f"AND ({rule.where_sql})" if rule.where_sql else ""
    local = _local(policy, rule.fact, rule.time_column)
    out: dict[str, dict[str, list[EventCount]]] = defaultdict(lambda: defaultdict(list))
    kind = rule.head.period or policy.period
    wanted = [p for p in periods if p.kind == kind]
    if not wanted:
        return out
    label_of = {p.start: p.label for p in wanted}
    lo, hi = min(p.start for p in wanted), max(p.end for p in wanted)
    sql = (f"SELECT {_bucket(kind, local)} AS start, f.agent_id, CAST({factor} AS DECIMAL(18, 4)) AS factor, "
           f"count(*) AS n, list(f._batch_id || ':' || f._row ORDER BY f._batch_id, f._row)[1:20] AS refs "
           f"FROM {rule.fact} f WHERE f.agent_id IS NOT NULL AND {local} >= TIMESTAMP '{lo}' "
           f"AND {local} < TIMESTAMP '{hi}' {where} GROUP BY ALL ORDER BY 1, 2, 3")
    for start, agent, fac, n, refs in con.execute(sql).fetchall():
        label = label_of.get(start)
        if label is not None:
            out[label][agent].append(EventCount(Decimal(fac), int(n), tuple(refs or ())))
    return out


def build_inputs(con: duckdb.DuckDBPyConnection, policy: Policy, period: Period, population: Sequence[AgentRow],
                 balance: dict[tuple[str, str], Decimal] | None = None,
                 lifetime: dict[tuple[str, str], Decimal] | None = None) -> Inputs:
    periods = needed_periods(policy, period)
    values = fact_metrics(con, policy, periods, population)
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
            for label, per_agent in event_counts(con, policy, rule, periods).items():
                events[(rule.head.id, label)] = dict(per_agent)
    return Inputs(period=period, agents=[a.agent_id for a in population],
                  values={k: dict(v) for k, v in values.items()}, periods={p.label: p for p in periods},
                  events=events, balance=balance or {}, lifetime=lifetime or {})


def _q(text: str) -> str:
    return text.replace("'", "''")
