"""Every policy file that used to end in a traceback or was silently accepted: now a problem at
its file:line, or a refusal with its limit."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from jili.core.periods import parse_period
from jili.core.roster import AgentRow
from jili.io.specs.policy import load_policy
from jili.pipeline.period import run_period
from jili.pipeline.sources import PeriodSources

HEAD = "policy: p\nperiod: month\naccounts:\n  bonus: {unit: yuan}\n"
METRICS = "metrics:\n  hours: {fact: attendance, agg: sum, column: worked_hours}\n"
FORMULA = "rules:\n  - {id: r, kind: formula, account: bonus, amount: hours}\n"


def problems(tmp_path: Path, text: str | bytes) -> list[tuple[str, int | None]]:
    path = tmp_path / "p.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    policy, found = load_policy(path)
    assert policy is None, "accepted"
    assert found and all(p.location.file == str(path) for p in found)
    return [(p.code, p.location.line) for p in found]


CASES = [
    ("a NUL byte", HEAD.replace("yuan", "yu\0an") + FORMULA, ("control_character", 4)),
    ("100k-deep nesting", "policy: " + "[" * 100_000 + "]" * 100_000, ("too_deep", None)),
    ("from: 9999-99-99", HEAD + "effective: {from: 9999-99-99}\n" + METRICS + FORMULA, ("bad_date", 5)),
    ("factor 1e400", HEAD + METRICS + "rules:\n  - {id: r, kind: per_event, account: bonus, fact: incidents, amount: 1,"
     " multipliers: [{when: \"kind = 'complaint'\", factor: \"1e400\"}]}\n", ("not_a_number", 8)),
    ("factor .nan", HEAD + METRICS + "rules:\n  - {id: r, kind: per_event, account: bonus, fact: incidents, amount: 1,"
     " multipliers: [{when: \"kind = 'complaint'\", factor: .nan}]}\n", ("not_a_number", 8)),
    ("places: 100000000", HEAD.replace("{unit: yuan}", "{unit: yuan, places: 100000000}") + FORMULA, ("bad_integer", 4)),
    ("places: -5", HEAD.replace("{unit: yuan}", "{unit: yuan, places: -5}") + FORMULA, ("bad_integer", 4)),
    ("top_percent: 1e308", HEAD + METRICS + "rules:\n  - {id: r, kind: ranking, account: bonus, value: hours,"
     " top_percent: 1e308, amount: 1}\n", ("not_a_number", 8)),
    ("top_percent: 0", HEAD + METRICS + "rules:\n  - {id: r, kind: ranking, account: bonus, value: hours,"
     " top_percent: 0, amount: 1}\n", ("bad_percent", 8)),
    ("back: 100000000", HEAD + METRICS + "  before: {previous: hours, back: 100000000}\n" + FORMULA, ("bad_integer", 7)),
    ("back: -3", HEAD + METRICS + "  before: {previous: hours, back: -3}\n" + FORMULA, ("bad_integer", 7)),
    ("back: abc", HEAD + METRICS + "  before: {previous: hours, back: abc}\n" + FORMULA, ("bad_integer", 7)),
    ("streak length: 100000000", HEAD + METRICS + "rules:\n  - {id: r, kind: streak, account: bonus,"
     " condition: hours > 1, length: 100000000, amount: 1}\n", ("bad_integer", 8)),
    ("winners: -5", HEAD + METRICS + "rules:\n  - {id: r, kind: award, account: bonus, value: hours, winners: -5,"
     " amount: 1}\n", ("bad_integer", 8)),
    ("percentile: 7", HEAD + "metrics:\n  p90: {fact: interactions, agg: percentile, column: talk_seconds,"
     " percentile: 7}\n" + FORMULA.replace("hours", "p90"), ("missing_field", 6)),
    ("sum(agent_id)", HEAD + "metrics:\n  hours: {fact: attendance, agg: sum, column: agent_id}\n" + FORMULA,
     ("type_mismatch", 6)),
    ("a duplicate key", HEAD + METRICS + FORMULA + "period: week\n", ("yaml_syntax", 9)),
]


@pytest.mark.parametrize(("name", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_is_a_problem_at_its_line(tmp_path: Path, name: str, text: str, expected: tuple[str, int | None]) -> None:
    assert expected in problems(tmp_path, text), name


def test_a_4_mb_policy_with_60k_rules_is_refused_at_once(tmp_path: Path) -> None:
    import time

    rules = "".join(f"  - {{id: r{i}, kind: formula, account: bonus, amount: hours}}\n" for i in range(60_000))
    started = time.perf_counter()
    found = problems(tmp_path, HEAD + METRICS + "rules:\n" + rules)
    assert found == [("file_too_large", None)]
    assert time.perf_counter() - started < 5


def test_2000_rules_is_the_most_a_policy_holds(tmp_path: Path) -> None:
    def with_rules(n: int) -> str:
        return HEAD + METRICS + "rules:\n" + "".join(f"  - {{id: r{i}, kind: formula, account: bonus, amount: 1}}\n"
                                                     for i in range(n))
    path = tmp_path / "ok.yaml"
    path.write_text(with_rules(2000), encoding="utf-8")
    policy, found = load_policy(path)
    assert policy is not None and len(policy.rules) == 2000, found[:3]
    assert problems(tmp_path, with_rules(2001))[0][0] == "too_many"


def test_an_amount_no_ledger_can_hold_is_a_run_problem_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text(HEAD + METRICS + "rules:\n  - {id: r, kind: formula, account: bonus, amount: "
                    "\"999999999999 * 999999999999 * 999999999999\"}\n", encoding="utf-8")
    policy, found = load_policy(path)
    assert policy is not None, found
    period = parse_period("2025-03")
    assert period is not None
    agent = AgentRow("A001", (("agent_id", "A001"), ("hire_date", dt.date(2020, 1, 1))))
    result = run_period(policy, PeriodSources(period, (), (agent,), {}))
    assert result.statements[0].lines == ()
    assert [p.code for p in result.problems] == ["no_value"]
