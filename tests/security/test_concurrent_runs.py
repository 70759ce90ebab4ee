"""Runs and closes from many real processes at once: one active run per (policy, period), and
nothing posts into a closed period. On SQLite, and on PostgreSQL in the PostgreSQL pass."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import ROSTER_CSV, write

pytestmark = pytest.mark.postgres  # run in both passes: SQLite without DATABASE_URL, PostgreSQL with it

EVALUATIONS = ("evaluation_id,agent_id,scorecard,source,call_at,evaluated_at,score\n"
               "E1,A001,sq,internal,2025-03-03 10:00,2025-03-04 10:00,96\n"
               "E2,A001,sq,carrier,2025-03-03 11:00,2025-03-04 11:00,95\n"
               "E3,A003,sq,internal,2025-03-03 10:00,2025-03-04 10:00,91\n"
               "E4,A003,sq,carrier,2025-03-03 11:00,2025-03-04 11:00,90\n")
HOURS = "agent_id,date,worked_hours\nA001,2025-03-31,176\nA003,2025-03-31,160\nA002,2025-03-31,176\n"
POLICY = "r15-service-quality-bonus"


class Centre:
    """A workspace on SQLite or on a database of its own on the PostgreSQL server."""

    def __init__(self, root: Path, database_url: str | None) -> None:
        self.root = root
        self.database_url = database_url

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "JILI_DATABASE_URL")}
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        env.update(extra)
        return env

    def start(self, *args: str, **extra: str) -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-m", "jili", *args, "-w", str(self.root)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=self.env(**extra))

    def jili(self, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "jili", *args, "-w", str(self.root)], capture_output=True,
                              text=True, env=self.env(**extra), timeout=180)

    def query(self, sql: str) -> list[tuple[object, ...]]:
        if self.database_url:
            import psycopg

            with psycopg.connect(self.database_url) as con:
                return list(con.execute(sql).fetchall())
        with sqlite3.connect(self.root / "jili.sqlite3") as con:
            return list(con.execute(sql).fetchall())


@pytest.fixture
def centre(tmp_path: Path) -> Iterator[Centre]:
    server = os.environ.get("DATABASE_URL")
    url = None
    if server:
        import psycopg

        name = f"jili_conc_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(server, autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}"')  # test set-up: a name made here, not user text
        url = server.rsplit("/", 1)[0] + "/" + name
    c = Centre(tmp_path / "centre", url)
    assert c.jili("init", str(c.root), "--json").returncode == 0
    for name, text, fmt in (("roster.csv", ROSTER_CSV, "roster"), ("qa.csv", EVALUATIONS, "evaluations"),
                            ("hours.csv", HOURS, "attendance")):
        out = c.jili("import", str(write(tmp_path / name, text)), "-f", fmt, "--now", "2026-11-23T12:00:00+08:00")
        assert out.returncode == 0, out.stdout + out.stderr
    yield c
    if url and server:
        import psycopg

        with psycopg.connect(server, autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def active_runs(c: Centre) -> list[tuple[object, ...]]:
    return c.query("SELECT r.id FROM registry_policyrun r JOIN registry_period p ON p.id = r.period_id "
                   "WHERE r.policy_id = 'r15-service-quality-bonus' AND p.label = '2025-03' AND r.status = 'active'")


def counted_total(c: Centre) -> str:
    """What balances, redemption and levels would count: postings of active runs and corrections."""
    rows = c.query("SELECT sum(g.amount) FROM registry_posting g LEFT JOIN registry_policyrun r ON r.id = g.run_id "
                   "WHERE r.status IS NULL OR r.status = 'active'")
    return f"{rows[0][0]:.2f}"


def test_eight_runs_at_once_leave_one_active_run_and_the_same_total(centre: Centre) -> None:
    runs = [centre.start("run", "-p", POLICY, "--period", "2025-03", "--json") for _ in range(8)]
    outcomes = [(p.wait(timeout=180), p.stdout.read() if p.stdout else "", p.stderr.read() if p.stderr else "")
                for p in runs]
    for code, out, err in outcomes:
        assert code == 0, out + err
    assert len(active_runs(centre)) == 1
    assert counted_total(centre) == "480.00"  # A001 300 + A003 180, once
    assert centre.query("SELECT count(*) FROM registry_policyrun")[0][0] == 8


def test_a_close_while_a_run_computes_keeps_the_run_out_of_the_closed_month(centre: Centre) -> None:
    first = centre.jili("run", "-p", POLICY, "--period", "2025-03", "--json")
    assert first.returncode == 0, first.stdout
    slow = centre.start("run", "-p", POLICY, "--period", "2025-03", "--json", JILI_TEST_PAUSE_AT="before_post:4")
    time.sleep(1.5)  # the run has computed and waits before writing
    closed = centre.jili("close", "--period", "2025-03", "--json")
    assert closed.returncode == 0, closed.stdout + closed.stderr
    code = slow.wait(timeout=120)
    out = slow.stdout.read() if slow.stdout else ""
    assert code == 1, out
    assert json.loads(out)["problems"][0]["code"] == "period_closed"
    assert len(active_runs(centre)) == 1
    assert counted_total(centre) == "480.00"
