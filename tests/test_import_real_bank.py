"""The real Anonymous Bank month imports whole, exactly as its README describes it."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from conftest import BANK, BANK_MAPPING
from jili.io.specs.mapping import load_mapping
from jili.registry.imports import ImportStatus

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def bank_batch(ws, do):  # type: ignore[no-untyped-def]
    if not BANK.exists():
        pytest.fail(f"real data missing: {BANK}")
    mapping, problems = load_mapping(BANK_MAPPING)
    assert mapping is not None, problems
    outcome = do(BANK, mapping)
    assert outcome.status == ImportStatus.IMPORTED, [p.render() for p in outcome.problems]
    return outcome


def test_whole_month_with_outcomes_and_agents(ws, bank_batch):
    from jili.registry.models import Agent, ImportBatch

    assert bank_batch.rows == 33_344
    path = ws.root / ImportBatch.objects.get(pk=bank_batch.batch_id).parquet_path
    con = duckdb.connect()
    outcomes = dict(con.execute(f"SELECT outcome, count(*) FROM '{path}' GROUP BY 1").fetchall())
    assert outcomes == {"answered": 27_162, "abandoned": 5_904, "invalid": 278}
    rows = con.execute(f"SELECT DISTINCT agent_id FROM '{path}' WHERE agent_id IS NOT NULL").fetchall()
    agents = {r[0] for r in rows}
    assert "NO_SERVER" not in agents and "DORIT" in agents
    assert set(bank_batch.registered_agents) == agents
    assert Agent.objects.filter(registered_by_id=bank_batch.batch_id).count() == len(agents)
    # no call ends before it is answered: the 16 that cross midnight moved a day on
    assert con.execute(f"SELECT count(*) FROM '{path}' WHERE ended_at < answered_at "
                       "OR answered_at < offered_at").fetchone() == (0,)


def test_first_row_traces_back_to_line_2(ws, bank_batch):
    from jili.registry.models import ImportBatch

    path = ws.root / ImportBatch.objects.get(pk=bank_batch.batch_id).parquet_path
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    row = con.execute(f"SELECT interaction_id, agent_id, offered_at, answered_at, talk_seconds, queue "
                      f"FROM '{path}' WHERE _row = 2").fetchone()
    # AA0101 34536 ... PS 990201 7:02:47 ... AGENT 7:02:55 7:05:41 166 DORIT, in Israel (UTC+2 in February)
    assert row[0] == "AA0101-34536" and row[1] == "DORIT" and row[4] == 166 and row[5] == "PS"
    assert row[2] == dt.datetime(1999, 2, 1, 5, 2, 47, tzinfo=dt.UTC)
    assert row[3] == dt.datetime(1999, 2, 1, 5, 2, 55, tzinfo=dt.UTC)


def test_importing_the_month_again_changes_nothing(ws, do, bank_batch):
    from jili.registry.models import ImportBatch

    mapping, _ = load_mapping(BANK_MAPPING)
    again = do(BANK, mapping)
    assert again.status == ImportStatus.UNCHANGED and again.batch_id == bank_batch.batch_id
    assert again.problems[0].message.startswith(f"This file was already imported as batch {bank_batch.batch_id}")
    assert ImportBatch.objects.count() == 1
