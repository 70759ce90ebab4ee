"""Each shipped template computes what its seed says: small fact sets, amounts by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from factsets import agent, at, facts
from jili.core.engine import run
from jili.core.periods import parse_period
from jili.io.factstore.metrics import build_inputs
from jili.io.specs.policy import load_policy

TEMPLATES = Path(__file__).resolve().parents[1] / "src" / "jili" / "templates"
D = Decimal


def template(name: str):  # type: ignore[no-untyped-def]
    policy, problems = load_policy(TEMPLATES / f"{name}.yaml")
    assert policy is not None, [p.render() for p in problems]
    return policy


def statements(policy, con, period, people, **kw):  # type: ignore[no-untyped-def]
    result, problems = run(policy, build_inputs(con, policy, parse_period(period), people, **kw))
    assert problems == [], problems
    return {s.agent_id: s for s in result}


def kpi(agent_id: str, day: str, name: str, value: object) -> dict[str, object]:
    return {"agent_id": agent_id, "date": dt.date.fromisoformat(day), "name": name, "value": value}


def test_every_template_loads():
    names = sorted(p.stem for p in TEMPLATES.glob("*.yaml"))
    assert len(names) >= 13
    for name in names:
        template(name)


def test_r13_35_points(tmp_path):
    p = template("r13-monthly-points")
    k = [
        # A: full attendance 5; utilisation exactly 60 % → 2 (not "over 60 %"); completion exactly 200 % → 1;
        #    no complaint 1; discipline 1; 4 stars 10; reward 12 → capped 10. 5 + 5 + 10 + 10 = 30
        kpi("A", "2025-03-31", "utilisation", "0.60"), kpi("A", "2025-03-31", "task_completion", "2.00"),
        kpi("A", "2025-03-31", "star", 4), kpi("A", "2025-03-31", "reward_points", 12),
        # B: utilisation 61 % → 5, completion 201 % → 3, +1 +1 = 10; 1 day sick → 1; 准星 0; no reward: 11
        kpi("B", "2025-03-31", "utilisation", "0.61"), kpi("B", "2025-03-31", "task_completion", "2.01"),
        kpi("B", "2025-03-31", "star", 0),
        # C: 3 stars 8; a personal-leave day → attendance 0; complaint → no +1
        kpi("C", "2025-03-31", "star", 3),
    ]
    att = [{"agent_id": "B", "date": dt.date(2025, 3, 5), "absence": "sick", "absence_days": 1},
           {"agent_id": "C", "date": dt.date(2025, 3, 5), "absence": "personal", "absence_days": 1}]
    att += [{"agent_id": "E", "date": dt.date(2025, 3, d), "absence": "sick", "absence_days": 1} for d in range(1, 11)]
    inc = [{"incident_id": "i1", "agent_id": "C", "occurred_at": at("2025-03-05"), "kind": "complaint"}]
    con = facts(tmp_path, kpis=k, attendance=att, incidents=inc)
    s = statements(p, con, "2025-03", [agent("A"), agent("B"), agent("C"), agent("D", status="probation"), agent("E")])
    assert s["A"].total("points") == D(30)
    assert [ln.rule_id for ln in s["A"].lines if ln.rule_id.startswith("cap:")] == ["cap:reward"]
    assert s["B"].total("points") == D(11)
    assert s["C"].total("points") == D(9)  # attendance 0 + discipline 1 + star 8
    assert not s["D"].eligible and not s["E"].eligible  # probation; 10 days of leave


def test_r14_month_with_deductions_and_exchange_rate(tmp_path):
    p = template("r14-meal-ordering-points")
    k = [kpi("A", "2025-03-03", "orders", 30), kpi("A", "2025-03-03", "order_attempts", 40),
         kpi("A", "2025-03-03", "partner_bookings", 10),
         kpi("B", "2025-03-03", "orders", 20), kpi("B", "2025-03-03", "order_attempts", 30),
         kpi("B", "2025-03-03", "partner_bookings", 12),
         kpi("C", "2025-03-03", "orders", 5), kpi("C", "2025-03-03", "order_attempts", 20),
         kpi("A", "2025-02-27", "partner_bookings", 20)]  # last month the centre booked 20; this month 22
    ev = [{"evaluation_id": "e1", "agent_id": "B", "scorecard": "x", "source": "internal", "call_at": at("2025-03-03"),
           "evaluated_at": at("2025-03-04"), "score": "55"}]
    inc = [{"incident_id": "i1", "agent_id": "A", "occurred_at": at("2025-03-04"), "kind": "attitude_complaint"}]
    con = facts(tmp_path, kpis=k, evaluations=ev, incidents=inc)
    s = statements(p, con, "2025-03", [agent("A"), agent("B"), agent("C")])
    # C: success 25 % < 50 %: no points at all
    assert not s["C"].eligible
    # A: daily 1st by orders (3), 2nd by bookings (2) → 5; weekly 1st orders (5), 2nd bookings (4) → 9;
    #    monthly success 75 % 1st → 10; attitude complaint −8. 5 + 9 + 10 − 8 = 16
    # B: daily 2nd orders (2) + 1st bookings (3) = 5; weekly 4 + 5 = 9; monthly 66.7 % 2nd → 5;
    #    a non-compliant recording −5. 5 + 9 + 5 − 5 = 14
    earned = {a: sum((ln.amount for ln in s[a].lines if ln.rule_id != "redemption"), D(0)) for a in "AB"}
    assert earned == {"A": D(16), "B": D(14)}
    # redemption: 80 % of 16 = 12.80 points at 22 ÷ 20 = 1.1 → 14.08 yuan; 3.20 carried
    assert dict(s["A"].balances) == {"cash": D("14.08"), "points": D("3.20")}
    assert dict(s["B"].balances) == {"cash": D("12.32"), "points": D("2.80")}


def test_r14_daily_others_point_reads_the_month_s_answer_rate(tmp_path):
    """「部门当月接通率≥95%时，其余坐席每人每天1分」: on 3 March the department answered only half its calls,
    but the month's rate is 205 of 210 (97.6 %): every other agent still gets the day's point."""
    p = template("r14-meal-ordering-points")
    k = []
    for day, orders in (("2025-03-03", {"A": 30, "B": 20, "C": 10}), ("2025-03-10", {"A": 5, "B": 4, "C": 3})):
        for a, n in orders.items():
            k += [kpi(a, day, "orders", n), kpi(a, day, "order_attempts", n)]
    calls = [{"interaction_id": f"d3-{i}", "agent_id": "A", "offered_at": at("2025-03-03"),
              "outcome": "answered" if i < 5 else "abandoned"} for i in range(10)]
    calls += [{"interaction_id": f"d10-{i}", "agent_id": "B", "offered_at": at("2025-03-10"), "outcome": "answered"}
              for i in range(200)]
    s = statements(p, facts(tmp_path, kpis=k, interactions=calls), "2025-03", [agent("A"), agent("B"), agent("C")])
    daily = {ln.period: ln.amount for ln in s["C"].lines if ln.rule_id == "daily"}
    assert daily == {"2025-03-03": D(1), "2025-03-10": D(1)}  # the day's own rate (50 %) does not take it away
    assert sum((ln.amount for ln in s["A"].lines if ln.rule_id == "daily"), D(0)) == D(6)  # first on both days


def test_r14_daily_others_point_is_not_given_in_a_month_below_95_percent(tmp_path):
    p = template("r14-meal-ordering-points")
    k = [kpi(a, "2025-03-10", name, n) for a, n in (("A", 5), ("B", 4), ("C", 3))
         for name in ("orders", "order_attempts")]
    calls = [{"interaction_id": f"c{i}", "agent_id": "B", "offered_at": at("2025-03-10"),
              "outcome": "answered" if i < 94 else "abandoned"} for i in range(100)]  # 94 %: just below
    s = statements(p, facts(tmp_path, kpis=k, interactions=calls), "2025-03", [agent("A"), agent("B"), agent("C")])
    assert [ln for ln in s["C"].lines if ln.rule_id == "daily"] == []


def test_a_statement_scope_metric_must_name_a_metric_and_the_statement(tmp_path):
    text = (TEMPLATES / "r14-meal-ordering-points.yaml").read_text(encoding="utf-8")
    for bad, code in (("{of: dept_answer_rate, over: week}", "bad_scope"), ("{of: nothing, over: statement}",
                                                                              "unknown_name")):
        path = tmp_path / "bad.yaml"
        path.write_text(text.replace("{of: dept_answer_rate, over: statement}", bad), encoding="utf-8")
        policy, problems = load_policy(path)
        assert policy is None and code in [p.code for p in problems], [p.render() for p in problems]


def test_r14_catering_centre(tmp_path):
    p = template("r14-catering-centre-points")
    k = [kpi("A", "2025-03-03", "collections", 900), kpi("B", "2025-03-03", "collections", 500),
         kpi("B", "2025-03-04", "collections", 800), kpi("A", "2025-03-31", "contracts_a", 1),
         kpi("B", "2025-03-31", "contracts_c", 2)]
    att = [{"agent_id": "A", "date": dt.date(2025, 3, 3), "missed_meeting": True, "late_minutes": 5}]
    con = facts(tmp_path, kpis=k, attendance=att)
    s = statements(p, con, "2025-03", [agent("A"), agent("B")])
    # A: day 3 first (2); day 4 nothing but "others" 1 → 3; meeting −2, late −1; week 10 (A 900, B 1300): 2nd → 3;
    #    month 2nd → 3; contract A 20.  3 − 3 + 3 + 3 + 20 = 26
    # B: day 3 others 1, day 4 first 2 → 3; week 1st 5; month 1st 8 + top 5; two C contracts 10. 3 + 5 + 13 + 10 = 31
    assert (s["A"].total("points"), s["B"].total("points")) == (D(26), D(31))


def test_r11_weekly_award_quota_and_misconduct_flags(tmp_path):
    p = template("r11-yto-awards")
    ev = [{"evaluation_id": f"e{i}", "agent_id": f"A{i:02d}", "scorecard": "rec", "source": "internal",
           "call_at": at("2014-04-08"), "evaluated_at": at("2014-04-09"), "score": str(100 - i)} for i in range(25)]
    inc = [{"incident_id": "m1", "agent_id": "A24", "occurred_at": at("2014-04-10"), "kind": "misconduct"},
           {"incident_id": "m0", "agent_id": "A24", "occurred_at": at("2014-03-10"), "kind": "misconduct"}]
    con = facts(tmp_path, evaluations=ev, incidents=inc)
    s = statements(p, con, "2014-04", [agent(f"A{i:02d}") for i in range(25)])
    winners = [a for a, st in s.items() if st.total("award") == D(100)]
    assert len(winners) == 20 and "A19" in winners and "A20" not in winners  # week of 7 April: 20 × 100
    assert [f.rule_id for f in s["A24"].flags] == ["rectification", "repeat_misconduct"]  # again, after March
    trial = template("r11-yto-awards-trial")
    assert trial.effective_to == dt.date(2014, 3, 31) and p.effective_from == dt.date(2014, 4, 1)


def test_r12_top_ten_percent_and_bottom_twice(tmp_path):
    p = template("r12-outbound-rewards")
    calls = []
    for month in ("2025-02", "2025-03"):
        for i in range(10):  # agent Ai answers 10 + i calls a month: A9 top, A0 bottom, both months
            calls += [{"interaction_id": f"{month}-{i}-{n}", "agent_id": f"A{i}", "offered_at": at(f"{month}-10"),
                       "outcome": "answered"} for n in range(10 + i)]
    con = facts(tmp_path, interactions=calls)
    s = statements(p, con, "2025-03", [agent(f"A{i}") for i in range(10)])
    assert s["A9"].total("bonus") == D("500.00") and s["A8"].total("bonus") == D("0.00")  # top 10 % of 10 = 1 agent
    assert [f.rule_id for f in s["A0"].flags] == ["bottom_twice"]  # bottom 10 % in February and March


def test_r16_percent_of_wage(tmp_path):
    p = template("r16-percent-of-wage")
    calls = []
    for a, resolved in (("A", 9), ("B", 8)):
        calls += [{"interaction_id": f"{a}{n}", "agent_id": a, "offered_at": at("2025-03-05"), "outcome": "answered",
                   "resolution": "resolved" if n < resolved else "unresolved"} for n in range(10)]
    con = facts(tmp_path, interactions=calls)
    s = statements(p, con, "2025-03", [agent("A", monthly_wage=D("6000")), agent("B", monthly_wage=D("5000"))])
    # department resolves 17 of 20 = 85 % → 1 % of wage each; A the best → + 0.5 % of 6000
    assert s["A"].total("bonus") == D("90.00")  # 60 + 30
    assert s["B"].total("bonus") == D("50.00")


def test_r17_admin_score_times_base(tmp_path):
    p = template("r17-admin-score")
    k = [kpi("A", "2025-03-31", "front_office", 96), kpi("A", "2025-03-31", "back_office", 90),
         kpi("A", "2025-03-31", "performance_score", 80), kpi("A", "2025-03-31", "bonus_base", 2000)]
    inc = [{"incident_id": "p1", "agent_id": "A", "occurred_at": at("2025-03-05"), "kind": "praise"}]
    con = facts(tmp_path, kpis=k, incidents=inc)
    s = statements(p, con, "2025-03", [agent("A")])["A"]
    # the seed: 「評定分數總分為186分，即186÷200×獎金基數=該月行政獎金」: 186 ÷ 200 × 2000 = 1860;
    # the performance part 80 ÷ 100 × 2000 = 1600; written praise +50
    assert [ln.amount for ln in s.lines] == [D("1860.00"), D("1600.00"), D("50.00")]
    assert s.notes == ()


def test_r17_other_reading_is_one_line(tmp_path):
    text = (TEMPLATES / "r17-admin-score.yaml").read_text(encoding="utf-8")
    assert text.count('part_weight: "1"') == 1
    path = tmp_path / "r17-halves.yaml"
    path.write_text(text.replace('part_weight: "1"', 'part_weight: "0.5"'), encoding="utf-8")
    from jili.io.specs.policy import load_policy

    p, problems = load_policy(path)
    assert p is not None, problems
    k = [kpi("A", "2025-03-31", "front_office", 96), kpi("A", "2025-03-31", "back_office", 90),
         kpi("A", "2025-03-31", "performance_score", 80), kpi("A", "2025-03-31", "bonus_base", 2000)]
    s = statements(p, facts(tmp_path, kpis=k), "2025-03", [agent("A")])["A"]
    assert [ln.amount for ln in s.lines] == [D("930.00"), D("800.00")]  # 186/200 × 2000 × 50 %, 80/100 × 2000 × 50 %


def test_r17_a_missing_performance_score_is_said_on_the_statement(tmp_path):
    p = template("r17-admin-score")
    k = [kpi("A", "2025-03-31", "front_office", 96), kpi("A", "2025-03-31", "back_office", 90),
         kpi("A", "2025-03-31", "bonus_base", 2000), kpi("B", "2025-03-31", "performance_score", 70)]
    from jili.core.engine import run
    from jili.io.factstore.metrics import build_inputs

    result, problems = run(p, build_inputs(facts(tmp_path, kpis=k), p, parse_period("2025-03"), [agent("A"), agent("B")]))
    a = next(s for s in result if s.agent_id == "A")
    assert [ln.rule_id for ln in a.lines] == ["admin_half"]
    assert [n.zh for n in a.notes] == ["规则 performance_half 未计发：金额“performance_score / 100 * bonus_base * "
                                       "part_weight”无法计算：part_weight = 1, bonus_base = 2000, performance_score = —。"]
    assert {(p.rule_id, p.agent_id) for p in problems} >= {("performance_half", "A")}


def test_r07_role_targets(tmp_path):
    p = template("r07-role-targets")
    k = [kpi("A", "2025-03-10", "typing_speed", 72), kpi("A", "2025-03-11", "typing_speed", 66),  # avg 69 < 70
         kpi("A", "2025-03-10", "productivity", "0.85"), kpi("B", "2025-03-10", "typing_speed", 61),
         kpi("B", "2025-03-10", "productivity", "0.75")]
    con = facts(tmp_path, kpis=k)
    s = statements(p, con, "2025-03", [agent("A", role="data_entry"), agent("B", role="inbound")])
    assert s["B"].total("targets") == D(2) and s["B"].flags == ()
    assert s["A"].total("targets") == D(2)  # productivity and no complaints; typing 69 and the rest missed
    assert s["A"].flags[0].rule_id == "target_missed"


def test_r08_question_ratings(tmp_path):
    p = template("r08-question-rating")
    rows = [{"survey_id": f"s{i}", "agent_id": "A", "answered_at": at("2025-03-05"), "kind": "question",
             "question": f"q{i}", "rating": r} for i, r in enumerate([3, 2, 1, -1, -3])]
    con = facts(tmp_path, surveys=rows)
    assert statements(p, con, "2025-03", [agent("A")])["A"].total("points") == D(2)  # 3 + 2 + 1 − 1 − 3


def test_r09_promises(tmp_path):
    p = template("r09-sla-promises")
    items = [  # restart promised in 10 min and done in 8; reinstall promised 2 h, done in 2 h 5 min; one never done
        {"work_item_id": "w1", "agent_id": "A", "kind": "request", "created_at": at("2025-03-05", "10:00"),
         "due_at": at("2025-03-05", "10:10"), "done_at": at("2025-03-05", "10:08")},
        {"work_item_id": "w2", "agent_id": "A", "kind": "request", "created_at": at("2025-03-05", "11:00"),
         "due_at": at("2025-03-05", "13:00"), "done_at": at("2025-03-05", "13:05")},
        {"work_item_id": "w3", "agent_id": "A", "kind": "request", "created_at": at("2025-03-06", "09:00"),
         "due_at": at("2025-03-06", "13:00")},
    ]
    con = facts(tmp_path, work_items=items)
    s = statements(p, con, "2025-03", [agent("A")])["A"]
    assert s.total("points") == D(-4)  # two promises missed × −2; kept 1 of 3 → band 0


def test_r10_follow_up_completion_edges(tmp_path):
    p = template("r10-follow-up-cadence")
    items = []
    for a, done in (("A", 10), ("B", 9), ("C", 8)):
        for n in range(10):
            item = {"work_item_id": f"{a}{n}", "agent_id": a, "kind": "follow_up", "customer_tier": "A" if n == 9 else "B",
                    "created_at": at("2025-03-01"), "due_at": at("2025-03-10")}
            if n < done:
                item["done_at"] = at("2025-03-09")
            items.append(item)
    con = facts(tmp_path, work_items=items)
    s = statements(p, con, "2025-03", [agent("A"), agent("B"), agent("C")])
    assert [s[a].total("points") for a in "ABC"] == [D(5), D(2), D(0)]  # 100 %, exactly 90 %, 80 %
    assert [f.rule_id for f in s["B"].flags] == ["a_tier_missed"]


@pytest.mark.parametrize("name", ["r11-yto-yearly"])
def test_yearly_policy_runs_on_a_year(tmp_path, name):
    p = template(name)
    ev = [{"evaluation_id": f"e{i}", "agent_id": a, "scorecard": "x", "source": "internal", "call_at": at("2014-06-01"),
           "evaluated_at": at("2014-06-02"), "score": sc} for i, (a, sc) in enumerate([("L1", "90"), ("L2", "95"),
                                                                                       ("M1", "99"), ("M2", "80")])]
    con = facts(tmp_path, evaluations=ev)
    people = [agent("L1", team="T1", role="team_leader"), agent("M1", team="T1"), agent("L2", team="T2", role="team_leader"),
              agent("M2", team="T2")]
    s = statements(p, con, "2014", people)
    # team T1 averages 94.5, T2 87.5: T1's leader takes 5000, T2's 3000; sunflower: all four (10 winners)
    assert s["L1"].total("award") == D("8000.00") and s["L2"].total("award") == D("6000.00")


def test_r12_consistently_excellent_for_a_quarter_is_decided_once_a_quarter_and_waits_for_a_mid_quarter_joiner(tmp_path):
    """R12 「连续一季度优秀：旅游或培训」: top 10 % in each month of a calendar quarter, raised at the quarter's
    last month; J joined on 10 February and tops February and March, but has no January: next quarter."""
    p = template("r12-outbound-rewards")
    calls = []
    for month in ("2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"):
        for i in range(10):  # Ai answers 10 + i calls: A9 top every month
            calls += [{"interaction_id": f"{month}-{i}-{n}", "agent_id": f"A{i}", "offered_at": at(f"{month}-12"),
                       "outcome": "answered"} for n in range(10 + i)]
        if month >= "2025-02":  # J answers more than anyone from February
            calls += [{"interaction_id": f"{month}-J-{n}", "agent_id": "J", "offered_at": at(f"{month}-12"),
                       "outcome": "answered"} for n in range(40)]
    con = facts(tmp_path, interactions=calls)
    people = [agent(f"A{i}") for i in range(10)] + [agent("J", hire="2025-02-10")]

    def excellent(period: str) -> set[str]:
        return {a for a, s in statements(p, con, period, people).items()
                if any(f.rule_id == "quarter_excellent" for f in s.flags)}

    # 11 agents: the top 10 % is the first 1.1 places — J from February, A9 in January
    assert excellent("2025-02") == set()  # not the quarter's last month
    assert excellent("2025-03") == set()  # A9 second in Feb and March; J had no January
    assert excellent("2025-04") == set() and excellent("2025-05") == set()
    assert excellent("2025-06") == {"J"}  # the whole second quarter on top: once, at its last month


def test_r12_full_attendance_for_three_months_pays_once_a_quarter(tmp_path):
    """R12 「连续3个月全勤（无迟到、早退、缺勤）：全勤奖」: the three months of a calendar quarter, 200 at its last
    month; late once in February loses the quarter; a mid-quarter joiner has no January and waits."""
    p = template("r12-outbound-rewards")
    rows = []
    day = dt.date(2025, 1, 2)
    while day < dt.date(2025, 7, 1):
        if day.weekday() < 5:
            for a in ("A", "B", "C"):
                if a == "C" and day < dt.date(2025, 2, 17):
                    continue  # C joined on 17 February
                late = 15 if (a == "B" and day == dt.date(2025, 2, 5)) else 0
                rows.append({"agent_id": a, "date": day, "scheduled_hours": 8, "worked_hours": 8,
                             "late_minutes": late, "absence": "none", "absence_days": 0})
        day += dt.timedelta(days=1)
    con = facts(tmp_path, attendance=rows)
    people = [agent("A"), agent("B"), agent("C", hire="2025-02-17")]

    def paid(period: str) -> dict[str, D]:
        return {a: sum((ln.amount for ln in s.lines if ln.rule_id == "full_attendance"), D(0))
                for a, s in statements(p, con, period, people).items()}

    assert paid("2025-03") == {"A": D("200.00"), "B": D(0), "C": D(0)}
    assert paid("2025-04") == {"A": D(0), "B": D(0), "C": D(0)}  # three months in a row, but not a quarter's end
    assert paid("2025-05") == {"A": D(0), "B": D(0), "C": D(0)}
    assert paid("2025-06") == {"A": D("200.00"), "B": D("200.00"), "C": D("200.00")}  # the second quarter, whole


def test_r12_rolling_attendance_is_the_one_line_change(tmp_path):
    text = (TEMPLATES / "r12-outbound-rewards.yaml").read_text(encoding="utf-8")
    rolling = text.replace("length: 3, each: quarter, amount: 200", "length: 3, amount: 200")
    assert rolling != text
    path = tmp_path / "r12-rolling.yaml"
    path.write_text(rolling, encoding="utf-8")
    p, problems = load_policy(path)
    assert p is not None, problems
    rows = [{"agent_id": "A", "date": dt.date(2025, m, d), "scheduled_hours": 8, "worked_hours": 8, "late_minutes": 0,
             "absence": "none", "absence_days": 0} for m in (2, 3, 4, 5) for d in (3, 4, 5)]
    con = facts(tmp_path, attendance=rows)
    assert statements(p, con, "2025-04", [agent("A")])["A"].total("bonus") == D("200.00")  # Feb–Apr
    assert statements(p, con, "2025-05", [agent("A")])["A"].total("bonus") == D("200.00")  # Mar–May again


def test_r12_service_star_is_the_highest_satisfaction_among_agents_with_five_surveys(tmp_path):
    """R12 「客户满意度最高：月度服务之星」: the highest average survey score of the month; one survey is not a
    month's satisfaction, so an agent needs at least 5 (SET); equal averages share the star."""
    p = template("r12-outbound-rewards")

    def surveys(agent_id: str, ratings: list[int]) -> list[dict[str, object]]:
        return [{"survey_id": f"{agent_id}{n}", "agent_id": agent_id, "answered_at": at("2025-03-10"),
                 "kind": "csat", "rating": r, "scale_min": 1, "scale_max": 5} for n, r in enumerate(ratings)]

    rows = surveys("A", [5, 5, 5, 5, 4]) + surveys("B", [5, 5, 5, 4, 4, 4]) + surveys("C", [5])
    con = facts(tmp_path, surveys=rows)
    star = statements(p, con, "2025-03", [agent("A"), agent("B"), agent("C")])
    assert {a: s.total("bonus") for a, s in star.items()} == {"A": D("300.00"), "B": D("0.00"), "C": D("0.00")}
    (tmp_path / "tie").mkdir()
    (tmp_path / "four").mkdir()
    tie = facts(tmp_path / "tie", surveys=surveys("A", [5, 5, 5, 5, 4]) + surveys("B", [4, 5, 5, 5, 5]))
    both = statements(p, tie, "2025-03", [agent("A"), agent("B")])
    assert both["A"].total("bonus") == both["B"].total("bonus") == D("300.00")
    four = facts(tmp_path / "four", surveys=surveys("A", [5, 5, 5, 5]) + surveys("B", [4, 4, 4, 4, 4]))
    assert statements(p, four, "2025-03", [agent("A"), agent("B")])["B"].total("bonus") == D("300.00")
