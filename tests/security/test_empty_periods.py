"""Periods and agents without facts: a streak never counts an empty month, an empty day ranks
nobody, a metric nobody has stops the run, one some lack says so on their statements, and a
policy read in another zone says how many facts moved across the period's edge."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from factsets import agent, at, fact_batches
from jili.core.periods import parse_period
from jili.io.specs.policy import load_policy
from jili.pipeline.period import run_period
from jili.pipeline.sources import PeriodSources

HEAD = "policy: p\nperiod: month\naccounts:\n  points: {unit: points}\n"


def policy(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "p.yaml"
    path.write_text(HEAD + text, encoding="utf-8")
    loaded, problems = load_policy(path)
    assert loaded is not None, problems
    return loaded


def call(agent_id: str, day: str, time: str = "10:00", n: int = 1) -> list[dict[str, object]]:
    return [{"interaction_id": f"{agent_id}-{day}-{time}-{i}", "agent_id": agent_id, "offered_at": at(day, time),
             "outcome": "answered", "talk_seconds": 60} for i in range(n)]


def evaluation(agent_id: str, day: str, score: int) -> dict[str, object]:
    return {"evaluation_id": f"E-{agent_id}-{day}", "agent_id": agent_id, "scorecard": "sq", "source": "internal",
            "call_at": at(day), "evaluated_at": at(day), "score": score}


def run(tmp_path: Path, pol, month: str, people, **tables):  # type: ignore[no-untyped-def]
    period = parse_period(month)
    assert period is not None
    return run_period(pol, PeriodSources(period, fact_batches(tmp_path, **tables), tuple(people), {}, "Asia/Shanghai"))


STREAK = """\
metrics:
  answered: {fact: interactions, agg: count, where: "outcome = 'answered'"}
  answer_rank: {rank: answered}
rules:
  - {id: quarter, kind: streak, account: points, condition: "answer_rank <= 0.5", length: 3, amount: 100}
"""


def test_a_streak_never_counts_a_month_without_facts(tmp_path: Path) -> None:
    pol = policy(tmp_path, STREAK)
    people = [agent("A1"), agent("A2")]
    only_two_months = [*call("A1", "2026-08-05", n=5), *call("A2", "2026-08-05"),
                       *call("A1", "2026-09-05", n=5), *call("A2", "2026-09-05")]
    result = run(tmp_path, pol, "2026-09", people, interactions=only_two_months)
    assert [s.total("points") for s in result.statements] == [0, 0]  # July had nothing: no quarter
    three = [*only_two_months, *call("A1", "2026-07-05", n=5), *call("A2", "2026-07-05")]
    result = run(tmp_path, pol, "2026-09", people, interactions=three)
    assert {s.agent_id: s.total("points") for s in result.statements} == {"A1": 100, "A2": 0}


def test_an_empty_day_ranks_nobody(tmp_path: Path) -> None:
    pol = policy(tmp_path, """\
metrics:
  answered: {fact: interactions, agg: count, where: "outcome = 'answered'"}
rules:
  - {id: daily, kind: ranking, account: points, period: day, value: answered, order: asc, amounts: [10]}
""")
    people = [agent("A1"), agent("A2")]
    # only 2 September has calls: the fewest-calls ranking (asc) must not crown both agents on the 29 empty days
    result = run(tmp_path, pol, "2026-09", people, interactions=[*call("A1", "2026-09-02", n=3),
                                                                   *call("A2", "2026-09-02", n=1)])
    totals = {s.agent_id: s.total("points") for s in result.statements}
    assert totals == {"A1": 0, "A2": 10}


QA = """\
metrics:
  qa_avg: {fact: evaluations, agg: avg, column: score}
  hours: {fact: attendance, agg: sum, column: worked_hours}
rules:
  - {id: quality, kind: tiers, account: points, tiers: [{when: "qa_avg >= 90", amount: 100}, {amount: 0}]}
"""


def test_a_metric_no_agent_has_stops_with_the_reason(tmp_path: Path) -> None:
    pol = policy(tmp_path, QA)
    result = run(tmp_path, pol, "2026-09", [agent("A1"), agent("A2")],
                 evaluations=[evaluation("A1", "2026-08-20", 95)])  # August's only: none in September
    assert result.empty
    problem = next(p for p in result.problems if p.code == "metric_empty")
    assert "qa_avg" in problem.message and "1 evaluations rows: 0 fall in 2026-09" in problem.message


def test_a_metric_some_agents_lack_is_a_note_on_their_statements(tmp_path: Path) -> None:
    pol = policy(tmp_path, QA)
    result = run(tmp_path, pol, "2026-09", [agent("A1"), agent("A2")], evaluations=[evaluation("A1", "2026-09-20", 95)])
    assert not result.empty
    notes = {s.agent_id: [n.en for n in s.notes] for s in result.statements}
    assert notes == {"A1": [], "A2": ["No evaluations in 2026-09: 'qa_avg' has no value for rule quality."]}
    assert [p.code for p in result.problems] == ["metric_partly_empty"]


def test_a_sum_some_agents_lack_is_a_true_zero_and_says_nothing(tmp_path: Path) -> None:
    pol = policy(tmp_path, QA.replace("qa_avg >= 90", "hours >= 100"))
    hours = [{"agent_id": "A1", "date": dt.date(2026, 9, 30), "worked_hours": 176}]
    result = run(tmp_path, pol, "2026-09", [agent("A1"), agent("A2")], attendance=hours)
    assert result.problems == () and all(s.notes == () for s in result.statements)


def test_a_policy_read_in_another_zone_says_how_many_facts_moved(tmp_path: Path) -> None:
    pol = policy(tmp_path, "timezone: Asia/Jerusalem\n" + STREAK.split("rules:")[0] + """rules:
  - {id: per_call, kind: formula, account: points, amount: answered}
""")
    # 03:00 on 1 September in Shanghai is still 31 August in Jerusalem
    calls = [*call("A1", "2026-09-01", "03:00", n=2), *call("A1", "2026-09-15", n=3)]
    result = run(tmp_path, pol, "2026-09", [agent("A1")], interactions=calls)
    zone = [p for p in result.problems if p.code == "zone_edge"]
    assert len(zone) == 1 and zone[0].message.startswith("2 fewer interactions rows fall in 2026-09")
    assert result.statements[0].total("points") == 3


TOP = """\
metrics:
  answered: {fact: interactions, agg: count, where: "outcome = 'answered'"}
  answer_rank: {rank: answered}
rules:
  - {id: top, kind: ranking, account: points, value: answered, top_percent: 10, amount: 1}
  - {id: bottom, kind: ranking, account: points, value: answered, bottom_percent: 10, amount: 1000}
  - {id: top_by_rank, kind: formula, account: points, when: "answer_rank <= 0.1", amount: 10}
  - {id: bottom_by_rank, kind: formula, account: points, when: "answer_rank >= 0.9", amount: 100}
"""


def test_top_and_bottom_x_percent_mean_the_same_in_every_rule_kind(tmp_path: Path) -> None:
    """Top 10 % is place <= max(1, n × 10 % rounded half up), by a ranking rule or by a rank metric,
    at, just below and just above the rounding edge (n × 10 % = 3.5, 3.4, 3.6; and 4 agents: 0.4 → 1)."""
    pol = policy(tmp_path, TOP)
    for n, covered in ((35, 4), (34, 3), (36, 4), (31, 3), (4, 1)):
        people = [agent(f"A{i:02d}") for i in range(1, n + 1)]
        calls = [c for i in range(1, n + 1) for c in call(f"A{i:02d}", "2026-09-10", n=n + 1 - i)]  # A01 answers most
        (tmp_path / str(n)).mkdir()
        result = run(tmp_path / str(n), pol, "2026-09", people, interactions=calls)
        totals = {s.agent_id: s.total("points") for s in result.statements}
        for a, t in totals.items():
            place = int(a[1:])
            in_top, in_bottom = place <= covered, place > n - covered
            # the rule pays 1 and the rank metric 10 at the top; 1000 and 100 at the bottom: always both or neither
            assert t == (11 if in_top else 0) + (1100 if in_bottom else 0), (n, a, t)
