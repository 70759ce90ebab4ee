"""The Spark engine gives what the DuckDB engine gives: the same inputs and the same statements, to the fen.

Spark runs for real here (pyspark from the package registry, Debian's Java, ``local[2]``). The tests are
skipped, with the reason printed, only when Java or pyspark is not installed (``make test`` installs both)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import shutil
import statistics
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import BANK
from factsets import agent, at, fact_batches
from jili.core.engine import run
from jili.core.periods import Period, parse_period
from jili.core.statement import statement_to_json
from jili.io.factstore.engine import FactEngine
from jili.io.factstore.metrics import build_inputs
from jili.io.factstore.views import DuckDBEngine, connect
from jili.io.specs.policy import load_policy, load_policy_text
from jili.io.sql import SPARK, render
from jili.io.workspace import TEMPLATES, EngineKind, EngineSettings
from jili.pipeline.period import open_engine, run_period
from jili.pipeline.sources import batches_by_fact, read_snapshot
from test_cli import jili

NO_SPARK = ("pyspark is not installed (pip install 'jili[spark]')" if importlib.util.find_spec("pyspark") is None
            else "no java on the PATH (Debian: apt install openjdk-17-jre-headless)" if shutil.which("java") is None
            else "")
pytestmark = [pytest.mark.spark, pytest.mark.skipif(bool(NO_SPARK), reason=NO_SPARK)]
SPARK_LOCAL = EngineSettings(EngineKind.SPARK, "local[2]")


def spark(batches: dict[str, list[tuple[int, Path]]]) -> FactEngine:
    engine = open_engine(SPARK_LOCAL, batches)
    assert not hasattr(engine, "code"), engine  # a Problem would say why Spark did not start
    return engine  # type: ignore[return-value]


def canonical(value: object) -> object:
    """Values as text with their type, so that Decimal('1.0') and Decimal('1.00') differ, as they would on a statement."""
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, list | tuple | set | frozenset):
        items = [canonical(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    return f"{type(value).__name__}:{value}"


def inputs_of(engine: FactEngine, policy, period: Period, population) -> object:  # type: ignore[no-untyped-def]
    i = build_inputs(engine, policy, period, population)
    events = {f"{rule}@{label}": {a: [(str(e.factor), e.count, e.refs) for e in counts] for a, counts in per.items()}
              for (rule, label), per in i.events.items()}
    return canonical({"values": i.values, "events": events, "fed": {f"{p}/{m}": s for (p, m), s in i.fed.items()}})


# -- the constructs that differ between the dialects, one by one, on a small fact set -------------------------

CONSTRUCTS = """
policy: constructs
name: 构造 / constructs
version: "1"
period: month
timezone: Asia/Shanghai
accounts:
  points: {unit: points, places: 0, label: 积分 / points}
metrics:
  calls: {fact: interactions, agg: count}
  median_talk: {fact: interactions, agg: percentile, percentile: 0.5, column: talk_seconds}
  p90_talk: {fact: interactions, agg: percentile, percentile: 0.9, column: talk_seconds}
  per_hold: {fact: interactions, agg: avg, column: "talk_seconds / hold_seconds"}
  most_per_hold: {fact: interactions, agg: max, column: "talk_seconds % hold_seconds"}
  not_resolved: {fact: interactions, agg: count, where: "not (outcome = 'resolved')"}
rules:
  - {id: per_call, kind: per_event, account: points, fact: interactions, where: "talk_seconds > 0", amount: 1,
     label: 通话 / call}
  - {id: weekly, kind: ranking, account: points, period: week, value: calls, amounts: [2, 1], label: 周 / week}
"""


def test_the_constructs_that_differ_between_dialects_give_the_same_answer(tmp_path: Path) -> None:
    """A wall-clock time in the zone (a call at 23:30 in Shanghai on 31 March is March's, though it is 15:30 UTC),
    a continuous percentile, division and remainder by zero (null, not an error as Spark would have it), null
    logic in a filter, ISO weeks, and the first 20 batch:row references in numeric order (row 11 after row 9,
    where text order would put it first)."""
    path = tmp_path / "constructs.yaml"
    path.write_text(CONSTRUCTS, encoding="utf-8")
    policy, problems = load_policy(path)
    assert policy is not None, problems
    rows = [{"interaction_id": f"c{i}", "agent_id": "B" if i % 3 == 0 else "A",
             "offered_at": at(f"2025-03-{1 + i % 28:02d}", f"{8 + i % 10:02d}:00"),
             "talk_seconds": 60 + 7 * i, "hold_seconds": i % 4, "outcome": None if i % 5 == 0 else "resolved"}
            for i in range(1, 31)]
    rows.append({"interaction_id": "late", "agent_id": "A", "offered_at": at("2025-03-31", "23:30"), "talk_seconds": 5,
                 "hold_seconds": 0, "outcome": "resolved"})
    rows.append({"interaction_id": "april", "agent_id": "A", "offered_at": at("2025-04-01", "00:30"), "talk_seconds": 9,
                 "hold_seconds": 1, "outcome": "resolved"})
    batches = batches_by_fact(fact_batches(tmp_path, interactions=rows))
    population = [agent("A"), agent("B")]
    march = parse_period("2025-03")
    duck, sparked = DuckDBEngine(connect(batches)), spark(batches)
    try:
        assert inputs_of(sparked, policy, march, population) == inputs_of(duck, policy, march, population)
        i = build_inputs(sparked, policy, march, population)
        a = i.values["2025-03"]["A"]
        talks = [r["talk_seconds"] for r in rows if r["agent_id"] == "A" and r["interaction_id"] != "april"]
        assert a["calls"] == len(talks) == 21  # the call at 23:30 local on the 31st is March's; 00:30 on 1 April is not
        assert a["median_talk"] == Decimal(statistics.median(talks))
        assert a["not_resolved"] == 0  # every call with an outcome was resolved; a null outcome is not "not resolved"
        refs = i.events[("per_call", "2025-03")]["A"][0].refs
        assert refs[:6] == ("1:2", "1:3", "1:5", "1:6", "1:8", "1:9") and refs[6] == "1:11" and len(refs) == 20
        assert len(i.periods) > 4  # the weekly ranking read ISO weeks
        statements_duck, _ = run(policy, build_inputs(duck, policy, march, population))
        statements_spark, _ = run(policy, build_inputs(sparked, policy, march, population))
        assert [statement_to_json(s) for s in statements_spark] == [statement_to_json(s) for s in statements_duck]
    finally:
        duck.close()
        sparked.close()


def test_a_division_by_zero_is_null_on_spark_not_an_error(tmp_path: Path) -> None:
    """Spark (ANSI) raises on x / 0; the plans divide by NULLIF(…, 0), so an agent whose only call had no hold
    time has no value for the ratio, as in the expression evaluator, and the run goes on."""
    path = tmp_path / "constructs.yaml"
    path.write_text(CONSTRUCTS, encoding="utf-8")
    policy, problems = load_policy(path)
    assert policy is not None, problems
    batches = batches_by_fact(fact_batches(tmp_path, interactions=[{
        "interaction_id": "c1", "agent_id": "A", "offered_at": at("2025-03-03"), "talk_seconds": 60, "hold_seconds": 0}]))
    duck, sparked = DuckDBEngine(connect(batches)), spark(batches)
    try:
        for engine in (duck, sparked):
            env = build_inputs(engine, policy, parse_period("2025-03"), [agent("A")]).values["2025-03"]["A"]
            assert env["per_hold"] is None and env["most_per_hold"] is None and env["calls"] == 1
    finally:
        duck.close()
        sparked.close()


def test_the_spark_rendering_of_an_ordered_list_keeps_its_order() -> None:
    """The tree is rewritten, not the text: collect_list alone would lose the order and Spark rejects [1:20]."""
    from jili.core.periods import PeriodKind
    from jili.core.plan import event_query

    sql = render(event_query("interactions", "offered_at", "Asia/Shanghai", PeriodKind.MONTH, dt.date(2025, 3, 1),
                             dt.date(2025, 4, 1), None, []), SPARK)
    assert "ARRAY_SORT(COLLECT_LIST(NAMED_STRUCT('k0', `f`.`_batch_id`, 'k1', `f`.`_row`" in sql
    assert "SLICE(" in sql and ", 1, 20)" in sql and "[1:20]" not in sql
    assert "TIMESTAMP_MICROS(UNIX_MICROS(`f`.`offered_at`) + 28800000000)" in sql  # Shanghai: one offset all year
    berlin = render(event_query("interactions", "offered_at", "Europe/Berlin", PeriodKind.MONTH, dt.date(2025, 3, 1),
                                dt.date(2025, 4, 1), None, []), SPARK)
    assert "FROM_UTC_TIMESTAMP(`f`.`offered_at`, 'Europe/Berlin')" in berlin  # its clocks moved on 30 March


# -- every shipped template over the demo workspace --------------------------------------------------------

@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    if not BANK.exists():
        pytest.skip("needs ../shared/data")
    root = tmp_path_factory.mktemp("spark") / "demo"
    out = jili("demo", "run", "-w", str(root), "--agents", "40", "--bank", str(BANK), "--json")
    assert out.returncode == 0, out.stdout + out.stderr
    yield root


def snapshot(root: Path, period: str) -> Path:
    path = root.parent / f"{period}.json"
    if not path.exists():
        res = jili("snapshot", "--period", period, "-p", "r13-monthly-points", "--out", str(path), "-w", str(root), "--json")
        assert res.returncode == 0, res.stdout + res.stderr
    return path


def runs(root: Path) -> list[tuple[Path, str]]:
    shipped = sorted(TEMPLATES.glob("*.yaml"))
    out = []
    for path in shipped:
        policy, _ = load_policy(path)
        assert policy is not None
        out.append((path, "2026" if policy.period.value == "year" else "2026-09"))
    return [*out, (root / "policies" / "r12-outbound-rewards-bank.yaml", "1999-02")]


@pytest.mark.slow
def test_every_shipped_template_gives_the_same_inputs_and_statements_on_both_engines(demo: Path) -> None:
    checked = []
    for path, label in runs(demo):
        policy, problems = load_policy_text(path.read_text(encoding="utf-8"), str(path))
        assert policy is not None, problems
        sources, problems = read_snapshot(snapshot(demo, label))
        assert sources is not None, problems
        period = sources.period
        batches = sources.fact_batches()
        duck, sparked = DuckDBEngine(connect(batches)), spark(batches)
        try:
            population = list(sources.population)
            assert inputs_of(sparked, policy, period, population) == inputs_of(duck, policy, period, population), path.name
        finally:
            duck.close()
            sparked.close()
        on_duck = run_period(policy, sources)
        on_spark = run_period(policy, sources, engine=SPARK_LOCAL)
        assert [p.as_json() for p in on_spark.problems] == [p.as_json() for p in on_duck.problems], path.name
        as_text = [json.dumps(statement_to_json(s), ensure_ascii=False, sort_keys=True) for s in on_spark.statements]
        assert as_text == [json.dumps(statement_to_json(s), ensure_ascii=False, sort_keys=True)
                           for s in on_duck.statements], path.name
        checked.append((path.stem, label, len(on_duck.statements), sum(len(s.lines) for s in on_duck.statements)))
    assert len(checked) == len(list(TEMPLATES.glob("*.yaml"))) + 1
    paying = [c for c in checked if c[3] > 0]
    assert len(paying) >= 5, checked  # the comparison is not of empty statements


# -- facts that stay on the lake ----------------------------------------------------------------------------

LAKE_COLUMNS = (("agent_id", "staff_no"), ("interaction_id", "call_id"), ("offered_at", "call_start"),
                ("outcome", "result"), ("talk_seconds", "talk"), ("hold_seconds", "hold"))


def lake_rows(rows: list[dict[str, object]]):  # type: ignore[no-untyped-def]
    """The same calls as the lake keeps them: its own names, and Shanghai's wall-clock time with no zone."""
    import pyarrow as pa

    local = [r["offered_at"].astimezone(dt.timezone(dt.timedelta(hours=8))).replace(tzinfo=None) for r in rows]  # type: ignore[union-attr]
    return pa.table({"staff_no": [r["agent_id"] for r in rows], "call_id": [r["interaction_id"] for r in rows],
                     "call_start": pa.array(local, pa.timestamp("us")), "result": [r.get("outcome") for r in rows],
                     "talk": [r["talk_seconds"] for r in rows], "hold": [r["hold_seconds"] for r in rows]})


def calls() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = [
        {"interaction_id": f"c{i}", "agent_id": "B" if i % 3 == 0 else "A",
         "offered_at": at(f"2025-03-{1 + i % 28:02d}", f"{8 + i % 10:02d}:00"), "talk_seconds": 60 + 7 * i,
         "hold_seconds": i % 4, "outcome": "resolved" if i % 5 else "abandoned"} for i in range(1, 31)]
    rows.append({"interaction_id": "late", "agent_id": "A", "offered_at": at("2025-03-31", "23:30"), "talk_seconds": 5,
                 "hold_seconds": 0, "outcome": "resolved"})
    rows.append({"interaction_id": "april", "agent_id": "A", "offered_at": at("2025-04-01", "00:30"), "talk_seconds": 9,
                 "hold_seconds": 1, "outcome": "resolved"})
    return rows


def constructs(tmp_path: Path):  # type: ignore[no-untyped-def]
    path = tmp_path / "constructs.yaml"
    path.write_text(CONSTRUCTS, encoding="utf-8")
    policy, problems = load_policy(path)
    assert policy is not None, problems
    return policy


def test_a_fact_on_the_lake_is_read_where_it_is_and_pays_what_the_imported_fact_pays(tmp_path: Path) -> None:
    """A centre's calls stay in its lake (files at a path, or a table by name) under its own column names, with
    local times stored without a zone; Spark reads them there, and the statements pay what the same calls
    imported into the workspace pay. The lake's rows name no batch or row, and every statement says so."""
    import pyarrow.parquet as pq

    from jili.io.workspace import LakeTable
    from jili.pipeline.sources import PeriodSources

    policy, rows, population = constructs(tmp_path), calls(), (agent("A"), agent("B"))
    lake = tmp_path / "lake" / "calls"
    lake.mkdir(parents=True)
    pq.write_table(lake_rows(rows), lake / "part-0.parquet")
    march = parse_period("2025-03")
    imported = run_period(policy, PeriodSources(march, fact_batches(tmp_path, interactions=rows), population))
    at_path = LakeTable("interactions", path=str(lake), columns=LAKE_COLUMNS, timezone="Asia/Shanghai")
    on_lake = run_period(policy, PeriodSources(march, (), population),
                         engine=EngineSettings(EngineKind.SPARK, "local[2]", tables=(at_path,)))
    assert not any(p.is_error for p in on_lake.problems), [p.render() for p in on_lake.problems]

    def paid(result):  # type: ignore[no-untyped-def]
        return [(s.agent_id, s.totals, [(ln.rule_id, ln.amount) for ln in s.lines]) for s in result.statements]

    assert paid(on_lake) == paid(imported)
    per_call = next(ln for ln in imported.statements[0].lines if ln.rule_id == "per_call")
    assert per_call.amount == 21  # A's calls in March, Shanghai time: the one at 23:30 on the 31st, not 00:30 on 1 April
    assert per_call.refs[:2] == ("1:2", "1:3")  # imported: every line points to its rows …
    assert all(not ln.refs for s in on_lake.statements for ln in s.lines)  # … the lake's cannot, and says so
    assert [p.code for p in on_lake.problems if p.code == "no_lineage"] == ["no_lineage"]
    assert all(any(str(lake) in n.zh and "无法追溯" in n.zh for n in s.notes) for s in on_lake.statements)

    # the same rows as a table the session's catalog knows, by name
    sparked = spark({})
    try:
        sparked.session.read.parquet(str(lake)).createOrReplaceGlobalTempView("cc_calls")
    finally:
        sparked.close()
    by_name = LakeTable("interactions", table="global_temp.cc_calls", columns=LAKE_COLUMNS, timezone="Asia/Shanghai")
    on_table = run_period(policy, PeriodSources(march, (), population),
                          engine=EngineSettings(EngineKind.SPARK, "local[2]", tables=(by_name,)))
    assert paid(on_table) == paid(imported)


def test_a_lake_table_that_lacks_a_column_or_a_value_that_does_not_fit_is_a_problem(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from jili.io.workspace import LakeTable
    from jili.pipeline.sources import PeriodSources

    policy, population, march = constructs(tmp_path), (agent("A"),), parse_period("2025-03")
    lake = tmp_path / "lake"
    lake.mkdir()
    pq.write_table(lake_rows(calls()), lake / "part-0.parquet")

    def on(table: LakeTable):  # type: ignore[no-untyped-def]
        return run_period(policy, PeriodSources(march, (), population),
                          engine=EngineSettings(EngineKind.SPARK, "local[2]", tables=(table,)))

    unnamed = on(LakeTable("interactions", path=str(lake), columns=LAKE_COLUMNS[:2]))  # offered_at is call_start there
    (problem,) = unnamed.problems
    assert problem.code == "lake_columns" and "offered_at" in problem.message and "call_start" in (problem.found or "")
    assert problem.location.column == "engine.tables.interactions" and not unnamed.statements
    missing = on(LakeTable("interactions", path=str(tmp_path / "nowhere"), columns=LAKE_COLUMNS))
    assert [p.code for p in missing.problems] == ["lake_unreadable"] and "nowhere" in missing.problems[0].message
    bad = tmp_path / "bad"
    bad.mkdir()
    table = lake_rows(calls()).set_column(4, "talk", pa.array(["sixty"] * 32))
    pq.write_table(table, bad / "part-0.parquet")
    failed = on(LakeTable("interactions", path=str(bad), columns=LAKE_COLUMNS))
    assert [p.code for p in failed.problems] == ["engine_failed"] and not failed.statements
    assert "Traceback" not in failed.problems[0].message


def test_facts_on_the_lake_need_the_spark_engine(tmp_path: Path) -> None:
    from jili.io.workspace import LakeTable
    from jili.pipeline.sources import PeriodSources

    result = run_period(constructs(tmp_path), PeriodSources(parse_period("2025-03"), (), (agent("A"),)),
                        engine=EngineSettings(tables=(LakeTable("interactions", path="/lake/calls"),)))
    assert [p.code for p in result.problems] == ["lake_needs_spark"] and not result.statements


@pytest.mark.slow
def test_jili_run_on_spark_posts_what_the_duckdb_run_posted(demo: Path) -> None:
    """``jili run --engine spark`` replaces the stored run with one computed on Spark: the same totals, flags and
    eligible agents; the site and corrections use the workspace's [engine] the same way."""
    args = ("run", "-p", "r15-service-quality-bonus", "--period", "2026-09", "-w", str(demo), "--json")
    on_duck = jili(*args)
    on_spark = jili(*args, "--engine", "spark")
    assert on_duck.returncode == 0 and on_spark.returncode == 0, on_spark.stdout + on_spark.stderr[-2000:]
    duck, sparked = json.loads(on_duck.stdout), json.loads(on_spark.stdout)
    assert sparked["replaces"] == duck["run"]
    assert {k: sparked[k] for k in ("agents", "eligible", "totals", "flags", "problems")} == {
        k: duck[k] for k in ("agents", "eligible", "totals", "flags", "problems")}
    assert Decimal(duck["totals"]["bonus"]) > 0
