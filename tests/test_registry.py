"""Roster history, mapping files, Parquet and JSON Lines imports."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import write
from jili.io.specs.mapping import load_mapping
from jili.registry.imports import ImportStatus

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_roster_history_keeps_team_moves_and_status(ws, do, roster, tmp_path):
    from jili.registry.models import Agent, AgentSpell

    move = write(tmp_path / "调组.csv", "工号,班组,状态,入职日期,生效日期\nA002,T2,转正,2026-09-15,2026-11-01\n")
    outcome = do(move, "roster")
    assert outcome.status == ImportStatus.IMPORTED
    spells = list(AgentSpell.objects.filter(agent__agent_id="A002").order_by("valid_from"))
    assert [(s.valid_from, s.valid_to, s.team.code, s.status) for s in spells] == [
        (dt.date(2026, 9, 15), dt.date(2026, 11, 1), "T1", "probation"),
        (dt.date(2026, 11, 1), None, "T2", "regular"),
    ]
    assert Agent.objects.get(agent_id="A002").name == "李娜"


def test_mapping_with_unknown_column_says_where_and_did_you_mean(tmp_path):
    path = write(tmp_path / "m.yaml", "format: interactions\ncolumns:\n  agent_id: 坐席\n  talk_second: 通话\n")
    mapping, problems = load_mapping(path)
    assert mapping is None
    assert str(problems[0].location).endswith("/m.yaml:4")
    assert problems[0].message == (
        "'talk_second' is not a column of the interactions format. Did you mean 'talk_seconds'?")


def test_mapping_with_unknown_format(tmp_path):
    mapping, problems = load_mapping(write(tmp_path / "m.yaml", "format: calls\n"))
    assert mapping is None and "unknown fact format 'calls'" in problems[0].message
    assert str(problems[0].location).endswith("/m.yaml:1")


def test_mapping_renames_codes_and_formats(ws, do, roster, tmp_path):
    mapping_path = write(tmp_path / "site.yaml", """
format: interactions
columns:
  interaction_id: 流水
  agent_id: 座席
  offered_at: {from: [日, 时], format: "%d/%m/%Y %H%M"}
  outcome: {from: 状态, values: {"1": answered, "2": abandoned}}
  channel: {constant: chat}
""")
    mapping, problems = load_mapping(mapping_path)
    assert mapping is not None, problems
    data = write(tmp_path / "site.csv", "流水,座席,日,时,状态\nX1,A001,09/10/2026,0930,1\nX2,,09/10/2026,0931,2\n")
    outcome = do(data, mapping)
    assert outcome.status == ImportStatus.IMPORTED, [p.render() for p in outcome.problems]
    from jili.registry.models import ImportBatch

    table = pq.read_table(ws.root / ImportBatch.objects.get(pk=outcome.batch_id).parquet_path)
    assert table.column("outcome").to_pylist() == ["answered", "abandoned"]
    assert table.column("channel").to_pylist() == ["chat", "chat"]
    assert table.column("offered_at").to_pylist()[0] == dt.datetime(2026, 10, 9, 1, 30, tzinfo=dt.UTC)


def test_parquet_with_typed_columns(ws, do, roster, tmp_path):
    path = tmp_path / "kpi.parquet"
    pq.write_table(pa.table({"agent_id": ["A001", "A003"], "date": [dt.date(2026, 10, 31)] * 2,
                             "name": ["typing_speed", "typing_speed"], "value": [72.5, 61.0]}), path)
    outcome = do(path, "kpis")
    assert outcome.status == ImportStatus.IMPORTED, [p.render() for p in outcome.problems]
    from decimal import Decimal

    from jili.registry.models import ImportBatch

    table = pq.read_table(ws.root / ImportBatch.objects.get(pk=outcome.batch_id).parquet_path)
    assert table.column("value").to_pylist() == [Decimal("72.5000"), Decimal("61.0000")]


def test_transcripts_as_json_lines(ws, do, roster, tmp_path):
    lines = [
        {"interaction_id": "C1", "agent_id": "A001", "turns": [
            {"speaker": "agent", "text": "您好，很高兴为您服务", "start_ms": 0, "end_ms": 1800},
            {"speaker": "客户", "text": "我的快递到哪了"}]},
        {"interaction_id": "C2", "turns": [{"speaker": "robot", "text": "?"}]},
    ]
    path = write(tmp_path / "t.jsonl", "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n")
    outcome = do(path, "transcripts")
    assert outcome.status == ImportStatus.REJECTED
    p = outcome.errors[0]
    assert str(p.location) == "t.jsonl:2 [turns]"
    lines[1]["turns"][0]["speaker"] = "customer"  # type: ignore[index]
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
    outcome = do(path, "transcripts")
    assert outcome.status == ImportStatus.IMPORTED, [p.render() for p in outcome.problems]
    from jili.registry.models import ImportBatch

    table = pq.read_table(ws.root / ImportBatch.objects.get(pk=outcome.batch_id).parquet_path)
    turns = table.column("turns").to_pylist()[0]
    assert turns[1] == {"speaker": "customer", "text": "我的快递到哪了", "start_ms": None, "end_ms": None}


def test_broken_json_line(ws, do, roster, tmp_path):
    path = write(tmp_path / "t.jsonl", '{"interaction_id": "C1", "turns": []}\n{"interaction_id": "C2", "tu\n')
    p = do(path, "transcripts").errors[0]
    assert p.code == "bad_json" and str(p.location) == "t.jsonl:2"


def test_evaluation_items_are_checked_against_their_scorecard_at_import(ws, do, roster, tmp_path):
    from conftest import snapshot

    evaluations = write(tmp_path / "ev.csv", "evaluation_id,agent_id,scorecard,source,call_at,evaluated_at\n"
                        "E1,A001,r1-agent-assessment,internal,2026-10-09 10:00,2026-10-10 10:00\n")
    assert do(evaluations, "evaluations").status == ImportStatus.IMPORTED
    before = snapshot(ws)
    bad = write(tmp_path / "items.csv", "evaluation_id,item_id,score\nE1,expression,16\nE1,greeting,1\n"
                "E1,closing,2\nE1,hangup,2\nE9,greeting,1\n")
    outcome = do(bad, "evaluation_items")
    assert outcome.status == ImportStatus.REJECTED
    messages = {(p.code, str(p.location)) for p in outcome.errors}
    assert ("out_of_range", "items.csv:2") in messages  # 16 is above the 13–15 band: the line of the item
    assert ("unknown_evaluation", "items.csv:6") in messages  # E9 was never imported
    assert snapshot(ws) == before  # nothing stored
    good = write(tmp_path / "items2.csv", "evaluation_id,item_id,score\nE1,expression,14\nE1,greeting,1\n"
                 "E1,closing,2\nE1,hangup,2\n")
    assert do(good, "evaluation_items").status == ImportStatus.IMPORTED


def test_a_command_migrates_only_when_a_migration_is_not_applied() -> None:
    """Every command starts the registry; the migration graph is loaded only when a shipped migration is missing from
    the database (a new workspace, an upgrade), not on every command."""
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    from jili.registry import migrations
    from jili.registry.bootstrap import _pending

    newest = max(p.stem for p in Path(migrations.__file__).parent.glob("[0-9]*.py"))
    assert _pending() is False
    recorder = MigrationRecorder(connection)
    recorder.record_unapplied("registry", newest)
    try:
        assert _pending() is True
    finally:
        recorder.record_applied("registry", newest)
    assert _pending() is False


def test_the_shipped_migrations_match_the_models() -> None:
    """A model changed without its migration would leave every existing workspace without the column."""
    from django.core.management import call_command

    call_command("makemigrations", "registry", "--check", "--dry-run", verbosity=0)  # exits 1 when one is missing


@pytest.mark.django_db(transaction=True)
def test_statements_stored_as_json_before_the_upgrade_read_back_after_it() -> None:
    """0014 keeps a statement's JSON as text (read by orjson): a workspace upgraded from 0013, where the column was a
    JSON column, reads its statements as they were."""
    import datetime as dt

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.utils import timezone as djtz

    from jili.core.label import Label
    from jili.core.periods import parse_period
    from jili.core.statement import Line, LineKind, Statement, statement_to_json
    from jili.registry.results import stored_statements

    before, after = [("registry", "0013_run_policy_head")], [("registry", "0014_statement_text")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    statement = Statement("A001", "王芳", "T1", "2026-10", "p", "1", True,
                          lines=(Line("r", LineKind.FORMULA, "yuan", "c", "2026-10", Decimal("12.50"), Label("r", "规则"),
                                      "why", "原因", (("x", Decimal("1.5")), ("d", dt.date(2026, 10, 1))), "x * 2", ()),),
                          totals=(("yuan", Decimal("12.50")),))
    period = old.get_model("registry", "Period").objects.create(
        label="2026-10", kind="month", start=dt.date(2026, 10, 1), end=dt.date(2026, 11, 1))
    run = old.get_model("registry", "PolicyRun").objects.create(
        policy_id="p", policy_version="1", policy_digest="0" * 64, policy_source="", period=period,
        started_at=djtz.now(), started_by="test")
    old.get_model("registry", "StatementRecord").objects.create(run=run, agent_id="A001",
                                                                data=statement_to_json(statement))
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    assert stored_statements("p", parse_period("2026-10")) == [statement]
