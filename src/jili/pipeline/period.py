"""Run one period under one policy: sources in, statements and problems out; nothing stored."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from jili.core.coverage import Gap, gaps
from jili.core.engine import run
from jili.core.facts import FORMATS
from jili.core.label import Label
from jili.core.policy import FactMetric, PerEventRule, Policy
from jili.core.problems import Location, Problem, Severity
from jili.core.statement import Statement
from jili.io.factstore.engine import EngineFailed, FactEngine
from jili.io.factstore.metrics import Census, build_inputs, fact_census
from jili.io.factstore.views import DuckDBEngine, connect
from jili.io.workspace import EngineKind, EngineSettings
from jili.pipeline.sources import PeriodSources


@dataclass(frozen=True, slots=True)
class PeriodResult:
    statements: tuple[Statement, ...]
    problems: tuple[Problem, ...]
    batch_ids: tuple[int, ...]  # the fact batches the run read

    @property
    def empty(self) -> bool:
        """A paying rule reads a metric no eligible agent has facts for (see ``jili run --allow-empty``)."""
        return any(p.code == "metric_empty" for p in self.problems)


def open_engine(settings: EngineSettings, batches: Mapping[str, Sequence[tuple[int, Path]]]) -> FactEngine | Problem:
    """The engine a workspace's runs use, over these batches (the caller closes it), or why it cannot start."""
    if settings.kind == EngineKind.SPARK:
        from jili.io.factstore.spark import SparkEngine  # pyspark is an extra: imported only when chosen

        return SparkEngine.open(settings, batches)
    if settings.tables:
        facts = ", ".join(t.fact for t in settings.tables)
        return Problem(Severity.ERROR, "lake_needs_spark", Location("jili.toml", column="engine.tables"),
                       f"Facts on the lake ({facts}) are read by the Spark engine only, and this run is on DuckDB.",
                       f"数据湖中的事实（{facts}）只能由 Spark 引擎读取，而本次计算使用 DuckDB。",
                       fix='Set kind = "spark" under [engine], or remove the [engine.tables] sections and import the facts.',
                       fix_zh='请在 [engine] 中设 kind = "spark"，或删除 [engine.tables] 并导入这些事实。')
    return DuckDBEngine(connect(batches))


def run_period(policy: Policy, sources: PeriodSources, allow_empty: bool = False,
               engine: EngineSettings = EngineSettings()) -> PeriodResult:
    """``allow_empty``: a metric no eligible agent has facts for is a warning, not an error (it was said on purpose).
    ``engine``: where the metric queries run (the workspace's [engine]); the result is the same on each."""
    opened = open_engine(engine, sources.fact_batches())
    if isinstance(opened, Problem):
        return PeriodResult((), (opened,), ())
    try:
        return _run(policy, sources, allow_empty, opened)
    except EngineFailed as failed:
        return PeriodResult((), (failed.problem,), ())
    finally:
        opened.close()


def _run(policy: Policy, sources: PeriodSources, allow_empty: bool, engine: FactEngine) -> PeriodResult:
    ledger = sources.ledger(policy.id)
    inputs = build_inputs(engine, policy, sources.period, sources.population, dict(ledger.balance), dict(ledger.lifetime))
    statements, run_problems = run(policy, inputs)
    problems = [Problem(Severity.WARNING, "no_value", Location(policy.source),
                        f"rule {p.rule_id}, agent {p.agent_id}: {p.message}",
                        f"规则 {p.rule_id}，坐席 {p.agent_id}：{p.message_zh}") for p in run_problems]
    home = sources.home_zone or policy.timezone
    found = gaps(policy, inputs, statements)
    # a census scans a whole fact: only for facts behind a gap, or for every one when the zones differ
    facts = {m.fact for m in policy.metrics if isinstance(m, FactMetric) and FORMATS[m.fact].time_column}
    asked = facts if home != policy.timezone else {g.fact for g in found}
    census = {fact: fact_census(engine, fact, policy.timezone, home, sources.period) for fact in sorted(asked)}
    problems += [_gap_problem(policy, g, census[g.fact], sources, allow_empty) for g in found]
    problems += [_zone_problem(policy, c, home, sources) for c in census.values() if c.in_period != c.in_period_home]
    notes: dict[str, list[Label]] = {}
    for g in found:
        if not g.everyone:
            for agent in g.missing:
                notes.setdefault(agent, []).append(_gap_note(g, sources))
    read = {m.fact for m in policy.metrics if isinstance(m, FactMetric)} | {
        r.fact for r in policy.rules if isinstance(r, PerEventRule)}
    unlined = [(fact, where) for fact, where in engine.unlined if fact in read]
    problems += [_unlined_problem(policy, fact, where) for fact, where in unlined]
    everyone = tuple(_unlined_note(fact, where) for fact, where in unlined)
    statements = [replace(s, notes=(*s.notes, *notes.get(s.agent_id, ()), *everyone))
                  if s.agent_id in notes or everyone else s for s in statements]
    return PeriodResult(tuple(statements), tuple(problems), tuple(sources.batch_ids))


def _gap_problem(policy: Policy, g: Gap, c: Census, sources: PeriodSources, allow_empty: bool) -> Problem:
    fmt = FORMATS[g.fact]
    label, rules = sources.period.label, ", ".join(g.rules)
    why = (f"The workspace holds {c.total:,} {g.fact} rows: {c.in_period:,} fall in {label} ({policy.timezone}), "
           f"{c.no_time:,} have no {' or '.join(fmt.placed_by)}, {c.no_agent:,} have no agent.")
    why_zh = (f"工作区共有 {c.total:,} 行{fmt.title_zh}：{c.in_period:,} 行落在 {label}（{policy.timezone}），"
              f"{c.no_time:,} 行没有时间，{c.no_agent:,} 行没有坐席。")
    if g.everyone:
        return Problem(
            Severity.WARNING if allow_empty else Severity.ERROR, "metric_empty", Location(policy.source),
            f"No eligible agent has {g.fact} behind '{g.metric}' in {label}, which rule {rules} reads: all "
            f"{g.eligible} would be paid as if they had none. {why}",
            f"{label} 没有任何参加计算的坐席有支撑 '{g.metric}' 的{fmt.title_zh}，而规则 {rules} 读取它："
            f"全部 {g.eligible} 人将按无数据计发。{why_zh}",
            fix=f"Import the period's {g.fact}, or map its time and agent columns; if truly no one had any, "
                "run again with --allow-empty.",
            fix_zh=f"请导入该周期的{fmt.title_zh}，或在映射中指定其时间列和坐席列；若确实无人有此数据，"
                   "请加 --allow-empty 重新计算。")
    shown = ", ".join(g.missing[:10]) + ("…" if len(g.missing) > 10 else "")
    return Problem(
        Severity.WARNING, "metric_partly_empty", Location(policy.source),
        f"{len(g.missing)} of {g.eligible} eligible agents have no {g.fact} behind '{g.metric}' in {label} "
        f"({shown}); their statements say so. {why}",
        f"{g.eligible} 名参加计算的坐席中有 {len(g.missing)} 人在 {label} 没有支撑 '{g.metric}' 的{fmt.title_zh}"
        f"（{shown}），其结算单已注明。{why_zh}")


def _gap_note(g: Gap, sources: PeriodSources) -> Label:
    fmt = FORMATS[g.fact]
    return Label(f"No {g.fact} in {sources.period.label}: '{g.metric}' has no value for rule {', '.join(g.rules)}.",
                 f"{sources.period.label} 没有{fmt.title_zh}数据：规则 {', '.join(g.rules)} 读取的 '{g.metric}' 无值。")


def _unlined_note(fact: str, where: str) -> Label:
    return Label(f"The {fact} behind this statement are read from {where} on the lake, whose rows name no batch or "
                 "row: its figures cannot be traced to the rows behind them.",
                 f"本结算单所用的{FORMATS[fact].title_zh}读自数据湖 {where}，其行没有批次与行号：数字无法追溯到具体数据行。")


def _unlined_problem(policy: Policy, fact: str, where: str) -> Problem:
    return Problem(Severity.WARNING, "no_lineage", Location(policy.source),
                   f"{fact} are read from {where}, which has no _batch_id and _row: statements say that their figures "
                   "cannot be traced to rows.",
                   f"{FORMATS[fact].title_zh}读自 {where}，该表没有 _batch_id 与 _row：结算单将注明数字无法追溯到数据行。",
                   fix=f"Give the table load and row numbers and name them under [engine.tables.{fact}.columns] "
                       "(_batch_id = \"…\", _row = \"…\").",
                   fix_zh=f"请为该表提供批次号与行号，并在 [engine.tables.{fact}.columns] 中写出（_batch_id、_row）。")


def _zone_problem(policy: Policy, c: Census, home: str, sources: PeriodSources) -> Problem:
    label, diff = sources.period.label, c.in_period - c.in_period_home
    moved = (f"{abs(diff):,} more" if diff > 0 else f"{abs(diff):,} fewer")
    return Problem(
        Severity.WARNING, "zone_edge", Location(policy.source),
        f"{moved} {c.fact} rows fall in {label} than the workspace's own zone ({home}) would place there, only "
        f"because this policy reads time in {policy.timezone}: facts at the edges of the period move.",
        f"由于本策略按 {policy.timezone} 读取时间，{label} 的{FORMATS[c.fact].title_zh}比按工作区时区（{home}）"
        f"{'多' if diff > 0 else '少'} {abs(diff):,} 行：周期边界附近的数据发生了移动。",
        fix="Give the policy the zone the centre works in (timezone:), or check that the data's zone is right.",
        fix_zh="请为策略设置中心所在时区（timezone:），或核对数据的时区。")
