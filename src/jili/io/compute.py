"""Compute a policy's fact metrics and event counts with DuckDB, for every period a run needs."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import duckdb

from jili.core.engine import EventCount, Inputs, needed_periods
from jili.core.expr import Value
from jili.core.periods import Period, working_days
from jili.core.policy import Agg, FactMetric, Level, PerEventRule, Policy

Env = dict[str, Value]


@dataclass(frozen=True, slots=True)
class AgentRow:
    """An agent as the roster says on the last day of the period."""

    agent_id: str
    fields: tuple[tuple[str, Value], ...]

    def get(self, name: str) -> Value:
        return dict(self.fields).get(name)


def _periods_sql(periods: Sequence[Period]) -> str:
    rows = ", ".join(f"('{p.label}', TIMESTAMP '{p.start}', TIMESTAMP '{p.end}')" for p in periods)
    return f"SELECT * FROM (VALUES {rows}) AS t(label, ps, pe)"


def _to_decimal(v: object) -> Value:
    if v is None or isinstance(v, Decimal | bool | str | dt.date):
        return v
    if isinstance(v, int):
        return Decimal(v)
    if isinstance(v, float):
        return Decimal(repr(round(v, 10)))
    return Decimal(str(v))


def fact_metrics(con: duckdb.DuckDBPyConnection, policy: Policy, periods: Sequence[Period],
                 population: Sequence[AgentRow]) -> dict[str, dict[str, Env]]:
    """values[period][agent][metric] for every fact metric (agent level and group levels)."""
    out: dict[str, dict[str, Env]] = {p.label: defaultdict(dict) for p in periods}
    metrics = [m for m in policy.metrics if isinstance(m, FactMetric)]
    if not metrics:
        return out
    con.execute("CREATE OR REPLACE TEMP TABLE pop AS SELECT * FROM (VALUES "
                + ", ".join(f"('{_q(a.agent_id)}', '{_q(str(a.get('team') or ''))}', "
                            f"'{_q(str(a.get('department') or ''))}', '{_q(str(a.get('site') or ''))}')"
                            for a in population) + ") AS t(agent_id, team, department, site)"
                if population else "CREATE OR REPLACE TEMP TABLE pop (agent_id VARCHAR, team VARCHAR, "
                "department VARCHAR, site VARCHAR)")
    by_source: dict[tuple[str, str, Level], list[FactMetric]] = defaultdict(list)
    for m in metrics:
        by_source[(m.fact, m.time_column, m.level)].append(m)
    for (fact, time_col, level), group in by_source.items():
        selects = []
        for m in group:
            cond = f" FILTER (WHERE {m.where_sql})" if m.where_sql else ""
            col = m.column_sql or "*"
            if m.agg == Agg.COUNT:
                selects.append(f'count({col}){cond} AS "{m.name}"')
            elif m.agg == Agg.DISTINCT:
                selects.append(f'count(DISTINCT {col}){cond} AS "{m.name}"')
            elif m.agg == Agg.AVG:  # sum and count: divided exactly in Decimal below
                selects.append(f'CAST(sum({col}){cond} AS DECIMAL(38, 4)) AS "{m.name}__sum"')
                selects.append(f'count({col}){cond} AS "{m.name}__n"')
            elif m.agg == Agg.PERCENTILE:
                selects.append(f"quantile_cont({col}, {m.percentile}){cond} AS \"{m.name}\"")
            else:
                selects.append(f'CAST({m.agg.value}({col}){cond} AS DECIMAL(38, 4)) AS "{m.name}"')
        is_date = time_col in ("date",) or fact in ("attendance", "kpis")
        local = f"CAST({time_col} AS TIMESTAMP)" if is_date else f"timezone('{policy.timezone}', {time_col})"
        key = {"agent": "f.agent_id", "team": "pop.team", "department": "pop.department", "site": "pop.site",
               "all": "''"}[level.value]
        join_pop = "" if level == Level.AGENT else "JOIN pop ON pop.agent_id = f.agent_id"
        sql = (f"WITH periods AS ({_periods_sql(periods)}) "
               f"SELECT p.label AS __period, {key} AS __key, {', '.join(selects)} "
               f"FROM {fact} f {join_pop} JOIN periods p ON {local} >= p.ps AND {local} < p.pe "
               f"GROUP BY ALL")
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        rows = cur.fetchall()
        members: dict[str, list[str]] = defaultdict(list)
        if level != Level.AGENT:
            for a in population:
                members["" if level == Level.ALL else str(a.get(level.value) or "")].append(a.agent_id)
        for row in rows:
            rec = dict(zip(names, row, strict=True))
            targets = [rec["__key"]] if level == Level.AGENT else members.get(rec["__key"], [])
            for m in group:
                if m.agg == Agg.AVG:
                    n = rec[f"{m.name}__n"]
                    value: Value = (Decimal(rec[f"{m.name}__sum"]) / Decimal(n)) if n else None
                else:
                    value = _to_decimal(rec[m.name])
                for agent in targets:
                    out[rec["__period"]][agent][m.name] = value
    return out


def event_counts(con: duckdb.DuckDBPyConnection, policy: Policy, rule: PerEventRule,
                 periods: Sequence[Period]) -> dict[str, dict[str, list[EventCount]]]:
    factor = "1"
    if rule.multipliers:
        # multipliers combine by product: "doubled when it caused a complaint" × "doubled when serious"
        factor = " * ".join(f"(CASE WHEN {m.when_sql} THEN {m.factor} ELSE 1 END)" for m in rule.multipliers)
    where = f"AND ({rule.where_sql})" if rule.where_sql else ""
    is_date = rule.fact in ("attendance", "kpis")
    local = f"CAST({rule.time_column} AS TIMESTAMP)" if is_date else f"timezone('{policy.timezone}', {rule.time_column})"
    sql = (f"WITH periods AS ({_periods_sql(periods)}) "
           f"SELECT p.label, f.agent_id, CAST({factor} AS DECIMAL(18, 4)) AS factor, count(*) AS n, "
           f"list(f._batch_id || ':' || f._row ORDER BY f._batch_id, f._row)[1:20] AS refs "
           f"FROM {rule.fact} f JOIN periods p ON {local} >= p.ps AND {local} < p.pe "
           f"WHERE f.agent_id IS NOT NULL {where} GROUP BY ALL ORDER BY 1, 2, 3")
    out: dict[str, dict[str, list[EventCount]]] = defaultdict(lambda: defaultdict(list))
    for label, agent, fac, n, refs in con.execute(sql).fetchall():
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
        wd = Decimal(working_days(p))
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
