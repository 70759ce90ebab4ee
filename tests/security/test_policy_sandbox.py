"""A policy file is data: whatever text it holds, it cannot read or write outside the
workspace's facts. Names are identifiers, SQL comes from trees, and the engine's DuckDB is
sandboxed underneath, as a second wall."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest

from jili.core.periods import parse_period
from jili.core.roster import AgentRow
from jili.io.factstore.views import connect
from jili.io.specs.policy import load_policy
from jili.pipeline.period import run_period
from jili.pipeline.sources import PeriodSources

PAYLOADS = [
    "z\", (SELECT content FROM read_text('/etc/hostname')) AS \"q",
    "(SELECT content FROM read_text('/etc/passwd'))",
    "read_text('/etc/passwd')",
    "1; COPY (SELECT 1) TO '/tmp/jili-pwned.csv'",
    "1) TO '/tmp/jili-pwned.csv' --",
    "x' || (SELECT 1) || '",
    "\"; ATTACH '/tmp/jili-pwned.db' AS p; --",
    "INSTALL httpfs",
    "getvariable('x')",
    "current_setting('enable_external_access')",
]

TEMPLATE = """\
policy: p
period: month
accounts:
  ACCOUNT: {unit: yuan}
metrics:
  METRIC: {fact: FACT, agg: sum, column: COLUMN, where: WHERE}
  derived: DERIVED
rules:
  - id: RULE
    kind: formula
    account: ACCOUNT
    label: LABEL
    when: WHEN
    amount: AMOUNT
"""
DEFAULTS = {"ACCOUNT": "bonus", "METRIC": "hours", "FACT": "attendance", "COLUMN": "worked_hours",
            "WHERE": "worked_hours > 0", "DERIVED": "hours * 2", "RULE": "r", "LABEL": "奖金", "WHEN": "hours > 0",
            "AMOUNT": "derived"}


def policy_with(tmp_path: Path, place: str, payload: str) -> Path:
    import json

    values = {**DEFAULTS, place: payload}
    if place == "METRIC":
        values["DERIVED"] = json.dumps(f"{payload} * 2")  # the name used where names are read
    text = TEMPLATE
    for key, value in values.items():
        text = text.replace(key, json.dumps(value) if key != "DERIVED" or place != "METRIC" else value)
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("place", "payload"), list(itertools.product(DEFAULTS, PAYLOADS)))
def test_no_text_in_a_policy_reaches_outside_the_facts(tmp_path: Path, place: str, payload: str) -> None:
    marker = Path("/tmp/jili-pwned.csv")
    marker.unlink(missing_ok=True)
    policy, problems = load_policy(policy_with(tmp_path, place, payload))
    if policy is None:  # refused, with where and why
        assert problems and all(p.location.line for p in problems), problems
        assert all("root:" not in p.message for p in problems)
        return
    period = parse_period("2025-03")
    assert period is not None
    agent = AgentRow("A001", (("agent_id", "A001"), ("hire_date", dt.date(2020, 1, 1))))
    result = run_period(policy, PeriodSources(period, (), (agent,), {}))
    text = repr(result)
    assert "root:" not in text and "localhost" not in text.lower()
    assert not marker.exists() and not Path("/tmp/jili-pwned.db").exists()


def test_a_hostile_metric_name_is_a_problem_at_its_line(tmp_path: Path) -> None:
    policy, problems = load_policy(policy_with(tmp_path, "METRIC", PAYLOADS[0]))
    assert policy is None
    assert ("bad_name", 6) in {(p.code, p.location.line) for p in problems}


@pytest.mark.parametrize("sql", [
    "SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM read_csv('/etc/passwd')",
    "COPY (SELECT 1) TO '/tmp/jili-pwned.csv'",
    "ATTACH '/tmp/jili-pwned.db' AS p",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "SET lock_configuration = false",
])
def test_the_engines_duckdb_refuses_everything_but_the_facts(sql: str) -> None:
    import duckdb

    con = connect({})
    with pytest.raises(duckdb.Error):
        con.execute(sql)
    assert con.execute("SELECT count(*) FROM interactions").fetchone() == (0,)
