"""R15 service-quality bonus: every tier, every edge, worked by hand from the seed text."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from factsets import agent, at, facts
from jili.core.engine import run
from jili.core.periods import parse_period
from jili.io.factstore.metrics import build_inputs
from jili.io.specs.policy import load_policy

TEMPLATE = Path(__file__).resolve().parents[1] / "src" / "jili" / "templates" / "r15-service-quality-bonus.yaml"
MARCH = parse_period("2025-03")


def qa(agent_id: str, internal: str, carrier: str) -> list[dict[str, object]]:
    return [
        {"evaluation_id": f"{agent_id}-i", "agent_id": agent_id, "scorecard": "sq", "source": "internal",
         "call_at": at("2025-03-05"), "evaluated_at": at("2025-03-06"), "score": internal},
        {"evaluation_id": f"{agent_id}-c", "agent_id": agent_id, "scorecard": "sq", "source": "carrier",
         "call_at": at("2025-03-07"), "evaluated_at": at("2025-03-08"), "score": carrier},
    ]


def incident(agent_id: str, n: int, kind: str, source: str = "internal") -> list[dict[str, object]]:
    return [{"incident_id": f"{agent_id}-{kind}-{source}-{i}", "agent_id": agent_id, "occurred_at": at("2025-03-12"),
             "kind": kind, "source": source, "verified": True} for i in range(n)]


def hours(agent_id: str, worked: str) -> dict[str, object]:
    return {"agent_id": agent_id, "date": MARCH.start, "scheduled_hours": "176", "worked_hours": worked}


# agent: (internal QA, carrier QA, incidents, worked hours, hire date) -> expected bonus, tier
CASES = {
    "A01": ("96", "95", [], "176", "2020-01-01", "300.00", "excellent"),        # avg 95.5, clean
    "A02": ("95", "95", [], "176", "2020-01-01", "300.00", "excellent"),        # avg exactly 95.0
    "A03": ("95", "94.8", [], "176", "2020-01-01", "200.00", "good"),           # avg 94.9
    "A04": ("96", "96", [("business_error", 1)], "176", "2020-01-01", "200.00", "good"),  # internal error
    "A05": ("96", "96", [("complaint", 1, "carrier")], "176", "2020-01-01", "0.00", "poor"),  # carrier complaint
    "A06": ("88", "88", [("business_error", 3), ("tariff_error", 1)], "176", "2020-01-01", "100.00", "ordinary"),
    "A07": ("90", "90", [("business_error", 2, "carrier")], "176", "2020-01-01", "100.00", "ordinary"),
    "A08": ("85", "84.8", [], "176", "2020-01-01", "0.00", "poor"),             # avg 84.9
    "A09": ("96", "96", [("business_error", 6)], "176", "2020-01-01", "0.00", "poor"),   # internal sum 6 > 5
    "A10": ("96", "96", [], "160", "2020-01-01", "280.00", "excellent"),        # 16 h short: 2 blocks, −20
    "A11": ("96", "96", [], "169", "2020-01-01", "300.00", "excellent"),        # 7 h short: no full block, no deduction
    "A12": ("96", "96", [], "100", "2020-01-01", "210.00", "excellent"),        # 76 h short: 9 blocks, −90
    "A13": ("96", "96", [], "99.5", "2020-01-01", None, None),                  # under 100 h: no quality bonus
    "A14": ("96", "96", [], "176", "2025-03-10", "300.00", "excellent"),        # joined on the 10th: eligible
    "A15": ("96", "96", [], "176", "2025-03-11", None, None),                   # joined on the 11th: not eligible
    "A16": ("96", "96", [], "120", "2020-01-01", "230.00", "excellent"),        # 56 h short: 7 blocks, −70
    "A17": ("86", "86", [], "110", "2020-01-01", "20.00", "ordinary"),          # 100 − 80 (66 h: 8 blocks)
    "A18": ("84", "84", [], "104", "2020-01-01", "0.00", "poor"),               # 0 − 90 capped at 0
}


@pytest.fixture(scope="module")
def statements(tmp_path_factory):  # type: ignore[no-untyped-def]
    policy, problems = load_policy(TEMPLATE)
    assert policy is not None, [p.render() for p in problems]
    evaluations, incidents, attendance, population = [], [], [], []
    for agent_id, (internal, carrier, events, worked, hire, _, _) in CASES.items():
        evaluations += qa(agent_id, internal, carrier)
        for ev in events:
            incidents += incident(agent_id, ev[1], ev[0], *ev[2:])
        attendance.append(hours(agent_id, worked))
        population.append(agent(agent_id, hire))
    con = facts(tmp_path_factory.mktemp("r15"), evaluations=evaluations, incidents=incidents, attendance=attendance)
    result, run_problems = run(policy, build_inputs(con, policy, MARCH, population))
    assert run_problems == []
    return {s.agent_id: s for s in result}


@pytest.mark.parametrize("agent_id", sorted(CASES))
def test_r15_bonus(statements, agent_id):
    expected, tier = CASES[agent_id][5], CASES[agent_id][6]
    s = statements[agent_id]
    if expected is None:
        assert s.total("bonus") == 0 and not [ln for ln in s.lines if ln.rule_id == "quality_tier"]
        return
    assert s.total("bonus") == Decimal(expected)
    tier_line = next(ln for ln in s.lines if ln.rule_id == "quality_tier")
    assert tier_line.label.en.endswith(tier)


def test_joined_after_the_10th_is_told_why(statements):
    s = statements["A15"]
    assert not s.eligible and s.lines == ()
    assert s.ineligible[0].zh.startswith("当月10日后入职")
    assert "hire_date = 2025-03-11" in s.ineligible[0].en


def test_a_line_explains_itself(statements):
    line = next(ln for ln in statements["A10"].lines if ln.rule_id == "hours_short")
    assert line.amount == Decimal("-20.00")
    assert line.reason_en == ("-10 * floor((176 - worked_hours) / 8) when worked_hours >= 100 and worked_hours < 176"
                              " with worked_hours = 160 → -20.00")
    tier = next(ln for ln in statements["A03"].lines if ln.rule_id == "quality_tier")
    assert "qa_avg = 94.9" in tier.reason_en


def test_cap_keeps_the_bonus_at_zero(statements):
    s = statements["A18"]
    cap = next(ln for ln in s.lines if ln.rule_id == "cap:quality")
    assert cap.amount == Decimal("90.00") and s.total("bonus") == Decimal("0.00")


def test_no_negative_zero_on_a_statement(statements):
    line = next(ln for ln in statements["A11"].lines if ln.rule_id == "hours_short")  # 7 h short: −10 × 0
    assert str(line.amount) == "0.00" and line.reason_en.endswith("→ 0.00")


def test_statement_says_when_the_tier_is_not_statistically_clear(tmp_path):
    # Five internal and five carrier evaluations each. A: mean 95.0 with a wide spread — is it really
    # ≥ 95 (excellent) or < 95 (good)? The sample cannot tell, and the statement says so. B: the same
    # mean, tightly scored: clear.
    policy, _ = load_policy(TEMPLATE)
    assert policy is not None
    wide = ["90", "99", "93", "97", "96"]
    tight = ["95", "95", "95", "95", "95"]
    rows = []
    for agent_id, scores in (("A", wide), ("B", tight)):
        for i, sc in enumerate(scores):
            for source in ("internal", "carrier"):
                rows.append({"evaluation_id": f"{agent_id}{source}{i}", "agent_id": agent_id, "scorecard": "sq",
                             "source": source, "call_at": at(f"2025-03-{i + 3:02d}"),
                             "evaluated_at": at(f"2025-03-{i + 4:02d}"), "score": sc})
    con = facts(tmp_path, evaluations=rows, attendance=[hours("A", "176"), hours("B", "176")])
    result, _ = run(policy, build_inputs(con, policy, MARCH, [agent("A"), agent("B")]))
    a, b = result
    assert a.total("bonus") == Decimal("300.00") and b.total("bonus") == Decimal("300.00")  # both exactly 95.0
    assert len(a.notes) == 1
    # sd of 90, 99, 93, 97, 96 is √12.5; se √2.5 per source; qa_avg's se √(2.5 + 2.5) / 2 = 1.118; ± 1.96 × 1.118
    assert a.notes[0].en.startswith("quality_tier: qa_avg = 95, 95 % interval 92.8–97.2, which contains the threshold 95")
    assert "现有抽样无法判定" in a.notes[0].zh
    assert b.notes == ()
