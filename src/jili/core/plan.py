"""Metric plans: the queries a policy's fact metrics and per-event rules need, as sqlglot trees.

Nothing here is SQL text: the fixed shapes below are parsed once from constants, and every part
a policy supplies (its expressions, names, time zone, dates) goes in as a tree node. The one
place a tree becomes text is ``jili.io.sql.render``, per dialect, with every identifier quoted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlglot import exp

from jili.core.expr import Expr
from jili.core.facts import FORMATS, ColumnType
from jili.core.inputs import ROWS_SUFFIX
from jili.core.periods import PeriodKind
from jili.core.policy import Agg, FactMetric
from jili.core.roster import Level
from jili.core.sqltree import fill, name, shape, tree

AGENT_KEY = "__key"  # the agent or group a row of a metric query is for
LOCAL_TIME = "__t"  # a fact's time in the policy's zone (or its date)
POPULATION = "pop"  # the roster of the run: agent_id and each group level


_LOCAL_DATE = shape("CAST(:time AS TIMESTAMP)")
_FROM = shape("CAST(:day AS TIMESTAMP)")
_INSTANT = shape("CAST(:at AS TIMESTAMPTZ)")
_BETWEEN = shape(":time >= :lo AND :time < :hi")
_METRIC_QUERY = shape(
    "WITH src AS (SELECT f.*, :key AS __key, :local AS __t FROM facts AS f WHERE :within), "
    "b AS (SELECT * FROM src) SELECT __key FROM b")
_EVENT_QUERY = shape(
    "SELECT :bucket AS start, f.agent_id, CAST(:factor AS DECIMAL(18, 4)) AS factor, count(*) AS n, "
    "list(CAST(f._batch_id AS VARCHAR) || ':' || CAST(f._row AS VARCHAR) ORDER BY f._batch_id, f._row)[1:20] AS refs "
    "FROM facts AS f WHERE f.agent_id IS NOT NULL AND :within AND :condition "
    "GROUP BY ALL ORDER BY 1, 2, 3")
_FACTOR = shape("CASE WHEN :matches THEN :factor ELSE 1 END")


def _alias(node: object, name: exp.Identifier) -> exp.Expression:
    return tree(exp.alias_(tree(node), name))


def _col(name: str, table: str | None = None) -> exp.Column:
    return exp.column(name, table=table, quoted=True)


def _facts(fact: str) -> exp.Table:
    """The view of one fact (``jili.io.factstore.views``), as ``f``."""
    return exp.Table(this=name(fact), alias=exp.TableAlias(this=name("f")))


def _checked(e: Expr) -> exp.Expression:
    """A policy expression's tree (checked against the whitelist when the policy was loaded). A division or
    remainder by zero is null, as the expression evaluator has it, on every engine (Spark would raise)."""
    def by_nonzero(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Div | exp.Mod):
            node.set("expression", exp.Nullif(this=node.expression, expression=exp.Literal.number(0)))
        return node

    return tree(e.node.copy().transform(by_nonzero))


def placed_by(fact: str, time_column: str) -> exp.Expression:
    """The column that places a fact in a period. The format's own time column falls back as the
    format says (an evaluation without its call time: when it was evaluated)."""
    fmt = FORMATS[fact]
    placed = fmt.placed_by if time_column == fmt.time_column else (time_column,)
    column: exp.Expression = _col(placed[0], "f")
    if len(placed) > 1:
        column = exp.Coalesce(this=column, expressions=[_col(c, "f") for c in placed[1:]])
    return column


def local_time(fact: str, time_column: str, zone: str, lo: dt.date | None = None,
               hi: dt.date | None = None) -> exp.Expression:
    """A fact's time as the policy's zone sees it; a date column (attendance, KPIs) is a day already. For the facts
    of [lo, hi), where the zone keeps one UTC offset from two days before ``lo`` to two days after ``hi``, the offset
    is added to the stored instant as a number of microseconds: the zone's rules are not looked up for each row,
    which was half of a month's scan of 32 M calls. Elsewhere the engine converts the instant in the zone."""
    column = placed_by(fact, time_column)
    if FORMATS[fact].column(time_column).type == ColumnType.DATE:
        return fill(_LOCAL_DATE, time=column)
    offset = _offset(zone, lo, hi) if lo is not None and hi is not None else None
    if offset is None:
        return exp.AtTimeZone(this=column, zone=exp.Literal.string(zone))  # an instant as a wall-clock time there
    micros = exp.Literal.number(int(offset.total_seconds()) * 1_000_000)
    return exp.UnixToTime(this=exp.Add(this=exp.UnixMicros(this=column), expression=micros),
                          scale=exp.Literal.number(6))


def within(fact: str, time_column: str, zone: str, lo: dt.date, hi: dt.date) -> exp.Expression:
    """The facts whose local time falls in [lo, hi): the one test of a period, for metrics, events and the census.
    Where the zone keeps one UTC offset for two days either side of a bound, the bound is an instant and the stored
    time is compared as it is (no conversion per row: a third of a month's scan); near a change of the clocks, and
    for a date column (a day already), the local time is compared, as the period is defined."""
    if FORMATS[fact].column(time_column).type != ColumnType.DATE and _steady(zone, lo) and _steady(zone, hi):
        return fill(_BETWEEN, time=placed_by(fact, time_column), lo=_instant(zone, lo), hi=_instant(zone, hi))
    return fill(_BETWEEN, time=local_time(fact, time_column, zone), lo=_day(lo), hi=_day(hi))


_MARGIN = dt.timedelta(days=2)
_STEP = dt.timedelta(minutes=30)  # no zone has changed its clocks twice within half an hour


def _offset(zone: str, lo: dt.date, hi: dt.date) -> dt.timedelta | None:
    """The one UTC offset ``zone`` keeps from two days before ``lo``'s midnight to two days after ``hi``'s; None
    where it changes in between, or for a zone only the engine knows (the engine's conversion is always right)."""
    try:
        place = ZoneInfo(zone)
    except (ValueError, ZoneInfoNotFoundError):
        return None
    at = dt.datetime.combine(lo, dt.time(), tzinfo=dt.UTC) - _MARGIN
    end = dt.datetime.combine(hi, dt.time(), tzinfo=dt.UTC) + _MARGIN
    seen = at.astimezone(place).utcoffset()
    while at < end:
        at += _STEP
        if at.astimezone(place).utcoffset() != seen:
            return None
    return seen


def _steady(zone: str, day: dt.date) -> bool:
    """Whether ``zone`` keeps one UTC offset from two days before ``day``'s midnight to two days after."""
    return _offset(zone, day, day) is not None


def _instant(zone: str, day: dt.date) -> exp.Expression:
    """The instant ``day`` begins in ``zone``, written in UTC."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)
    return fill(_INSTANT, at=exp.Literal.string(start.isoformat()))


def bucket(kind: PeriodKind, time: exp.Expression) -> exp.Expression:
    """The start of the period of ``kind`` a local time falls in (ISO weeks start on Monday)."""
    return exp.cast(exp.TimestampTrunc(this=time, unit=exp.var(kind.value.upper())), "DATE")


def _day(day: dt.date) -> exp.Expression:
    return fill(_FROM, day=exp.Literal.string(day.isoformat()))


def _filtered(agg: object, where: Expr | None) -> exp.Expression:
    return exp.Filter(this=agg, expression=exp.Where(this=_checked(where))) if where is not None else tree(agg)


def aggregates(metric: FactMetric) -> list[exp.Expression]:
    """The select items of one fact metric; an average keeps its sum, count and variance apart, so
    that it is divided exactly in Decimal and carries its standard error."""
    column = _checked(metric.column) if metric.column is not None else exp.Star()
    called, where = metric.name, metric.where
    rows = _alias(_filtered(exp.Count(this=exp.Star()), where), name(f"{called}{ROWS_SUFFIX}"))  # facts that fed it
    return [*_values(metric, column, called, where), rows]


def _values(metric: FactMetric, column: exp.Expression, called: str, where: Expr | None) -> list[exp.Expression]:
    if metric.agg == Agg.COUNT:
        return [_alias(_filtered(exp.Count(this=column), where), name(called))]
    if metric.agg == Agg.DISTINCT:
        return [_alias(_filtered(exp.Count(this=exp.Distinct(expressions=[column])), where), name(called))]
    if metric.agg == Agg.AVG:
        return [_alias(exp.cast(_filtered(exp.Sum(this=column), where), "DECIMAL(38, 4)"), name(f"{called}__sum")),
                _alias(_filtered(exp.Count(this=column.copy()), where), name(f"{called}__n")),
                _alias(_filtered(exp.Variance(this=exp.cast(column.copy(), "DOUBLE")), where),
                           name(f"{called}__var"))]
    if metric.agg == Agg.PERCENTILE:
        fraction = exp.Literal.number(str(metric.percentile))
        # interpolated in floating point on every engine (Spark's exact percentile has no Decimal form)
        return [_alias(_filtered(exp.PercentileCont(this=exp.cast(column, "DOUBLE"), expression=fraction), where),
                           name(called))]
    agg = {Agg.SUM: exp.Sum, Agg.MIN: exp.Min, Agg.MAX: exp.Max}[metric.agg]
    return [_alias(exp.cast(_filtered(agg(this=column), where), "DECIMAL(38, 4)"), name(called))]


@dataclass(frozen=True, slots=True)
class MetricQuery:
    """One scan of one fact for metrics at one level: a row per (period bucket, agent or group)."""

    fact: str
    level: Level
    kinds: tuple[PeriodKind, ...]  # the bucket columns b_<kind>, in this order
    metrics: tuple[FactMetric, ...]
    tree: exp.Expression


def metric_query(fact: str, time_column: str, zone: str, level: Level, kinds: Sequence[PeriodKind],
                 lo: dt.date, hi: dt.date, metrics: Sequence[FactMetric]) -> MetricQuery:
    """GROUPING SETS give every period kind's buckets in the one scan."""
    local = local_time(fact, time_column, zone, lo, hi)
    key: exp.Expression = (_col("agent_id", "f") if level == Level.AGENT
                           else exp.Literal.string("") if level == Level.ALL else _col(level.value, POPULATION))
    tree = fill(_METRIC_QUERY, key=key, local=local, within=within(fact, time_column, zone, lo, hi))
    src, buckets = (cte.this for cte in tree.find_all(exp.CTE))  # the two of the shape above
    inner = src
    inner.from_(_facts(fact), copy=False)
    if level not in (Level.AGENT, Level.ALL):
        inner.join(exp.Table(this=name(POPULATION)),
                   on=exp.EQ(this=_col("agent_id", POPULATION), expression=_col("agent_id", "f")), copy=False)
    buckets.select(*(_alias(bucket(k, _col(LOCAL_TIME)), name(f"b_{k.value}")) for k in kinds), copy=False)
    tree.set("expressions", [*(_col(f"b_{k.value}") for k in kinds), _col(AGENT_KEY),
                             *(item for m in metrics for item in aggregates(m))])
    tree.set("group", exp.Group(expressions=[exp.GroupingSets(expressions=[
        exp.Tuple(expressions=[_col(f"b_{k.value}"), _col(AGENT_KEY)]) for k in kinds])]))
    return MetricQuery(fact, level, tuple(kinds), tuple(metrics), tree)


def event_query(fact: str, time_column: str, zone: str, kind: PeriodKind, lo: dt.date, hi: dt.date,
                where: Expr | None, multipliers: Sequence[tuple[Expr, exp.Expression]]) -> exp.Expression:
    """Matching facts per (period, agent, factor), with up to 20 batch:row references each.
    Multipliers combine by product ("doubled when it caused a complaint" × "doubled when serious")."""
    local = local_time(fact, time_column, zone, lo, hi)
    factor: exp.Expression = exp.Literal.number(1)
    for when, value in multipliers:
        case = fill(_FACTOR, matches=_checked(when), factor=value)
        factor = case if isinstance(factor, exp.Literal) else exp.Mul(this=factor, expression=case)
    condition: exp.Expression = exp.Paren(this=_checked(where)) if where is not None else exp.true()
    tree = fill(_EVENT_QUERY, bucket=bucket(kind, local), factor=factor,
                within=within(fact, time_column, zone, lo, hi), condition=condition)
    assert isinstance(tree, exp.Select)  # the shape above is one
    tree.from_(_facts(fact), copy=False)
    return tree


_CENSUS = shape(
    "SELECT count(*) AS total, count(*) FILTER (WHERE :placed IS NULL) AS no_time, "
    "count(*) FILTER (WHERE :agent IS NULL) AS no_agent, "
    "count(*) FILTER (WHERE :in_period) AS in_period, "
    "count(*) FILTER (WHERE :in_period_home) AS in_period_home FROM facts AS f")


def census_query(fact: str, zone: str, home_zone: str, lo: dt.date, hi: dt.date) -> exp.Expression:
    """How a fact's rows stand to a period: all of them, without a time, without an agent, inside the
    period in the policy's zone, and inside it in the workspace's zone."""
    fmt = FORMATS[fact]
    assert fmt.time_column is not None  # only facts that have a period are counted
    agent = _col(fmt.agent_column, "f") if fmt.agent_column else exp.null()
    tree = fill(_CENSUS, placed=placed_by(fact, fmt.time_column), agent=agent,
                in_period=within(fact, fmt.time_column, zone, lo, hi),
                in_period_home=within(fact, fmt.time_column, home_zone, lo, hi))
    assert isinstance(tree, exp.Select)  # the shape above is one
    tree.from_(_facts(fact), copy=False)
    return tree
