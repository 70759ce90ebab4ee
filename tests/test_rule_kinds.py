"""Every rule kind with a worked example: the policy text, the facts, the amounts by hand."""

from __future__ import annotations

import datetime as dt
import textwrap
from decimal import Decimal
from pathlib import Path

from factsets import agent, at, facts
from jili.core.engine import run
from jili.core.periods import parse_period
from jili.io.factstore.metrics import build_inputs
from jili.io.specs.policy import load_policy

D = Decimal


def policy_from(tmp: Path, text: str):  # type: ignore[no-untyped-def]
    path = tmp / "policy.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    policy, problems = load_policy(path)
    assert policy is not None, [p.render() for p in problems]
    return policy


def statements(policy, con, period, population):  # type: ignore[no-untyped-def]
    result, problems = run(policy, build_inputs(con, policy, parse_period(period), population))
    assert problems == []
    return {s.agent_id: s for s in result}


def kpi(agent_id: str, day: str, name: str, value: object) -> dict[str, object]:
    return {"agent_id": agent_id, "date": dt.date.fromisoformat(day), "name": name, "value": value}


def test_bands_with_explicit_edges_and_a_category_cap(tmp_path):
    # R13 performance: utilisation > 60 % → 5, > 50 % → 2 (meeting target → 0); completion > 200 % → 3,
    # > 150 % → 1; no complaint → 1; discipline kept → 1; category performance capped at 10.
    policy = policy_from(tmp_path, """
        policy: r13-performance
        period: month
        accounts: {points: {unit: points, places: 0}}
        metrics:
          utilisation: {fact: kpis, agg: max, column: value, where: "name = 'utilisation'"}
          completion: {fact: kpis, agg: max, column: value, where: "name = 'completion'"}
          complaints: {fact: incidents, agg: count, where: "kind = 'complaint'"}
        rules:
          - id: utilisation
            kind: bands
            account: points
            category: performance
            value: utilisation
            bands:
              - {label: over 60 %, above: 0.60, amount: 5}
              - {label: over 50 %, above: 0.50, to: 0.60, amount: 2}
              - {label: target, to: 0.50, amount: 0}
          - id: completion
            kind: bands
            account: points
            category: performance
            value: completion
            bands:
              - {above: 2.00, amount: 3}
              - {above: 1.50, to: 2.00, amount: 1}
              - {to: 1.50, amount: 0}
          - {id: no_complaint, kind: formula, account: points, category: performance, when: "complaints = 0", amount: 1}
          - {id: discipline, kind: formula, account: points, category: performance, amount: 1}
          - {id: bonus_points, kind: formula, account: points, category: performance, amount: 4}
        caps:
          performance: {max: 10}
        """)
    rows = [kpi("A", "2025-03-31", "utilisation", "0.6000"), kpi("A", "2025-03-31", "completion", "2.01"),
            kpi("B", "2025-03-31", "utilisation", "0.6001"), kpi("B", "2025-03-31", "completion", "1.50"),
            kpi("C", "2025-03-31", "utilisation", "0.50"), kpi("C", "2025-03-31", "completion", "1.5001")]
    con = facts(tmp_path, kpis=rows, incidents=[{"incident_id": "i1", "agent_id": "C", "occurred_at": at("2025-03-03"),
                                                  "kind": "complaint"}])
    s = statements(policy, con, "2025-03", [agent("A"), agent("B"), agent("C")])
    # A: exactly 60 % is not "over 60 %" → 2; completion 201 % → 3; +1 +1 +4 = 11 → capped at 10
    assert [ln.amount for ln in s["A"].lines][:2] == [D(2), D(3)]
    assert s["A"].total("points") == D(10) and s["A"].lines[-1].rule_id == "cap:performance"
    # B: 60.01 % → 5; exactly 150 % → 0; 5 + 0 + 1 + 1 + 4 = 11 → 10
    assert [ln.amount for ln in s["B"].lines][:2] == [D(5), D(0)]
    assert s["B"].total("points") == D(10)
    # C: exactly 50 % → 0 (meeting target); 150.01 % → 1; complaint → no +1; 0 + 1 + 0 + 1 + 4 = 6
    assert s["C"].total("points") == D(6)
    assert "utilisation = 0.5 is in band 'target'" in s["C"].lines[0].reason_en


R14 = """
    policy: r14-daily
    period: month
    accounts: {points: {unit: points, places: 0}}
    metrics:
      orders: {fact: kpis, agg: sum, column: value, where: "name = 'orders'"}
      bookings: {fact: kpis, agg: sum, column: value, where: "name = 'bookings'"}
      attempts: {fact: kpis, agg: sum, column: value, where: "name = 'attempts'"}
      success_rate: "orders / attempts"
      dept_answered: {fact: interactions, agg: count, where: "outcome = 'answered'", level: department}
      dept_offered: {fact: interactions, agg: count, level: department}
      dept_answer_rate: "dept_answered / dept_offered"
    rules:
      - id: daily_top
        kind: ranking
        account: points
        period: day
        value: orders
        also: bookings
        amounts: [3, 2]
        amounts_both: [4, 3]
        eligible: "success_rate >= 0.5"
        others: 1
        others_when: "dept_answer_rate >= 0.95"
    """


def test_daily_ranking_both_rankings_ties_and_the_others(tmp_path):
    policy = policy_from(tmp_path, R14)
    day = "2025-03-03"
    data = {  # agent: (orders, bookings, attempts)
        "A": (30, 9, 40),   # 1st by orders and 1st by bookings → 4 (not 3 + 3)
        "B": (20, 5, 30),   # 2nd by orders (tied with C) → 2; 3rd by bookings → nothing
        "C": (20, 6, 30),   # 2nd by orders (tied, shared) and 2nd by bookings: second in both → 3
        "D": (10, 2, 15),   # nothing placed → every other agent: 1 (department answers 95 %)
        "E": (50, 50, 200),  # success 25 % < 50 %: takes no part
    }
    rows = [kpi(a, day, n, v) for a, (o, b, t) in data.items()
            for n, v in (("orders", o), ("bookings", b), ("attempts", t))]
    calls = [{"interaction_id": f"c{i}", "agent_id": "A", "offered_at": at(day), "outcome":
              "answered" if i < 19 else "abandoned"} for i in range(20)]
    con = facts(tmp_path, kpis=rows, interactions=calls)
    s = statements(policy, con, "2025-03", [agent(a) for a in data])
    total = {a: s[a].total("points") for a in data}
    assert total == {"A": D(4), "B": D(2), "C": D(3), "D": D(1), "E": D(0)}
    assert "tied with 1 other, shared" in next(ln.reason_en for ln in s["B"].lines)
    assert [ln.period for ln in s["A"].lines] == ["2025-03-03"]


def test_tie_rules_split_and_break(tmp_path):
    base = """
        policy: monthly-ranking
        period: month
        accounts: {yuan: {unit: yuan, places: 2}}
        metrics:
          rate: {fact: kpis, agg: max, column: value, where: "name = 'rate'"}
          csat: {fact: kpis, agg: max, column: value, where: "name = 'csat'"}
        rules:
          - {id: monthly, kind: ranking, account: yuan, value: rate, amounts: [10, 5, 2], ties: TIES}
        """
    rows = [kpi("A", "2025-03-31", "rate", "0.9"), kpi("B", "2025-03-31", "rate", "0.9"),
            kpi("C", "2025-03-31", "rate", "0.8"), kpi("A", "2025-03-31", "csat", "4.1"),
            kpi("B", "2025-03-31", "csat", "4.6")]
    con = facts(tmp_path, kpis=rows)
    people = [agent("A"), agent("B"), agent("C")]
    split = statements(policy_from(tmp_path, base.replace("TIES", "split")), con, "2025-03", people)
    # A and B cover places 1 and 2: (10 + 5) / 2 = 7.50 each; C is 3rd → 2
    assert [split[a].total("yuan") for a in "ABC"] == [D("7.50"), D("7.50"), D("2.00")]
    shared = statements(policy_from(tmp_path, base.replace("TIES", "shared")), con, "2025-03", people)
    assert [shared[a].total("yuan") for a in "ABC"] == [D("10.00"), D("10.00"), D("2.00")]  # 1, 1, 3
    broken = statements(policy_from(tmp_path, base.replace("TIES", "break, tie_break: csat")), con, "2025-03", people)
    assert [broken[a].total("yuan") for a in "ABC"] == [D("5.00"), D("10.00"), D("2.00")]  # B's CSAT decides


def test_per_event_with_multipliers(tmp_path):
    # R2 / R14: −8 per attitude complaint, doubled when it is serious (加倍扣罚); −10 per falsified record
    policy = policy_from(tmp_path, """
        policy: deductions
        period: month
        accounts: {points: {unit: points}}
        rules:
          - id: attitude
            kind: per_event
            account: points
            fact: incidents
            where: "kind = 'attitude_complaint' and coalesce(verified, true)"
            amount: -8
            multipliers: [{when: "severity in ('serious', 'critical')", factor: 2}]
          - {id: falsified, kind: per_event, account: points, fact: incidents, where: "kind = 'falsified_record'",
             amount: -10}
        """)
    ev = [("i1", "attitude_complaint", "normal", True), ("i2", "attitude_complaint", "serious", True),
          ("i3", "attitude_complaint", "normal", False), ("i4", "falsified_record", None, None)]
    con = facts(tmp_path, incidents=[{"incident_id": i, "agent_id": "A", "occurred_at": at("2025-03-04"), "kind": k,
                                      "severity": sev, "verified": v} for i, k, sev, v in ev])
    s = statements(policy, con, "2025-03", [agent("A")])["A"]
    attitude = next(ln for ln in s.lines if ln.rule_id == "attitude")
    assert attitude.amount == D(-24)  # −8 + (−8 × 2); the unverified one does not count
    assert attitude.refs == ("1:2", "1:3")  # batch 1, rows 2 and 3 of the incidents file
    assert s.total("points") == D(-34)


def test_streak_three_months_and_a_broken_streak(tmp_path):
    # R12: full attendance for 3 consecutive months → attendance award
    policy = policy_from(tmp_path, """
        policy: r12-attendance
        period: month
        accounts: {yuan: {unit: yuan}}
        metrics:
          late: {fact: attendance, agg: sum, column: late_minutes}
          absent: {fact: attendance, agg: sum, column: absence_days}
          days: {fact: attendance, agg: count}
        rules:
          - {id: full_attendance, kind: streak, account: yuan, condition: "days > 0 and late = 0 and absent = 0",
             length: 3, amount: 200}
        """)
    rows = []
    for month, late_b in (("2025-01", 0), ("2025-02", 5), ("2025-03", 0)):
        for a, late in (("A", 0), ("B", late_b)):
            rows.append({"agent_id": a, "date": dt.date.fromisoformat(f"{month}-10"), "worked_hours": 8,
                         "late_minutes": late, "absence_days": 0})
    con = facts(tmp_path, attendance=rows)
    s = statements(policy, con, "2025-03", [agent("A"), agent("B")])
    assert s["A"].total("yuan") == D(200)
    assert "2025-01…2025-03" in s["A"].lines[0].reason_en
    assert s["B"].total("yuan") == D(0)  # late in February: the streak broke


def test_bottom_ten_percent_twice_is_flagged_for_coaching(tmp_path):
    # R12: bottom 10 % two months in a row → coaching (a flag: no money, an action)
    policy = policy_from(tmp_path, """
        policy: r12-coaching
        period: month
        accounts: {yuan: {unit: yuan}}
        metrics:
          performance: {fact: kpis, agg: max, column: value, where: "name = 'performance'"}
          performance_rank: {rank: performance, order: desc}
        rules:
          - id: coaching
            kind: streak
            condition: "performance_rank >= 0.9"
            length: 2
            severity: high
            action: 辅导 / coaching, then pay cut or transfer if no improvement
        """)
    rows = []
    for month, worst in (("2025-02", "J"), ("2025-03", "J")):
        for i, a in enumerate("ABCDEFGHIJ"):
            score = 1 if a == worst else 100 - i
            rows.append(kpi(a, f"{month}-28", "performance", score))
    con = facts(tmp_path, kpis=rows)
    s = statements(policy, con, "2025-03", [agent(a) for a in "ABCDEFGHIJ"])
    assert [f.action.en for f in s["J"].flags] == ["coaching, then pay cut or transfer if no improvement"]
    assert s["J"].flags[0].severity == "high"
    assert all(not s[a].flags for a in "ABCDEFGHI")


def test_award_quota_and_percent_of_wage(tmp_path):
    # R11: weekly best recording, N winners × 100; R16: best agent 0.5 % of the agent's monthly wage
    policy = policy_from(tmp_path, """
        policy: awards
        period: week
        accounts: {yuan: {unit: yuan, places: 2}}
        metrics:
          recording_score: {fact: evaluations, agg: max, column: score}
        rules:
          - {id: best_recording, kind: award, account: yuan, value: recording_score, winners: 2, amount: 100}
          - {id: best_agent_share, kind: formula, account: yuan, when: "recording_score >= 99",
             amount: "monthly_wage * 0.005"}
        """)
    ev = [("A", "99.5"), ("B", "98"), ("C", "97"), ("D", "96")]
    con = facts(tmp_path, evaluations=[{"evaluation_id": a, "agent_id": a, "scorecard": "x", "source": "internal",
                                        "call_at": at("2025-03-04"), "evaluated_at": at("2025-03-05"), "score": sc}
                                       for a, sc in ev])
    people = [agent(a, monthly_wage=D("6123")) for a in "ABCD"]
    s = statements(policy, con, "2025-W10", people)
    assert s["A"].total("yuan") == D("130.62")  # 100 + 6123 × 0.5 % = 30.615 → 30.62 (half up)
    assert s["B"].total("yuan") == D("100.00") and s["C"].total("yuan") == D("0.00")


def test_ineligible_agents_get_no_line_and_a_reason(tmp_path):
    # R13: not confirmed, on standby, or on leave 10 days or more: not eligible
    policy = policy_from(tmp_path, """
        policy: r13-eligibility
        period: month
        accounts: {points: {unit: points}}
        metrics:
          leave_days: {fact: attendance, agg: sum, column: absence_days}
        eligibility:
          - {id: confirmed, when: "status not in ('probation', 'standby')", reason: 未转正或待岗 / on probation or standby}
          - {id: leave, when: "leave_days < 10", reason: 请假10天及以上 / on leave 10 days or more}
        rules:
          - {id: base, kind: formula, account: points, amount: 5}
        """)
    att = [{"agent_id": "C", "date": dt.date(2025, 3, d), "absence_days": 1, "absence": "sick"} for d in range(1, 11)]
    con = facts(tmp_path, attendance=att)
    s = statements(policy, con, "2025-03", [agent("A"), agent("B", status="probation"), agent("C")])
    assert s["A"].total("points") == D(5)
    assert not s["B"].eligible and s["B"].ineligible[0].zh.startswith("未转正或待岗")
    assert not s["C"].eligible and "leave_days = 10" in s["C"].ineligible[0].en


def test_nobody_tops_a_day_on_which_nothing_happened(tmp_path):
    # a holiday: no calls at all. Nobody is "top by orders" with 0 orders (include_zero: true says otherwise)
    policy = policy_from(tmp_path, """
        policy: holiday
        period: month
        accounts: {points: {unit: points}}
        metrics:
          answered: {fact: interactions, agg: count, where: "outcome = 'answered'"}
        rules:
          - {id: daily, kind: ranking, account: points, period: day, value: answered, amounts: [3, 2]}
        """)
    calls = [{"interaction_id": "c1", "agent_id": "A", "offered_at": at("2025-03-03"), "outcome": "answered"}]
    con = facts(tmp_path, interactions=calls)
    s = statements(policy, con, "2025-03", [agent("A"), agent("B")])
    assert s["A"].total("points") == D(3)  # one day with a call: A first; B (0) takes no place
    assert s["B"].total("points") == D(0)
