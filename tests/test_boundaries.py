"""The boundaries where money and quality are decided, each at, just below and just above its
threshold, named for the behaviour it protects (issue: tests that catch every wrong cent)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import NOW, write
from factsets import agent, facts
from jili.core.problems import Location
from jili.io.specs.scorecard import load_scorecard
from jili.io.workspace import TEMPLATES
from jili.qa.accuracy import Accuracy
from jili.qa.calibration import EvaluatorBias
from jili.qa.sampling import Call, Plan, sample
from jili.qa.scoring import Answer, score
from jili.qa.stats import Interval
from test_rule_kinds import kpi, policy_from, statements

D = Decimal


# --- R4: fatal and non-fatal accuracy targets ---------------------------------------------------

@pytest.mark.parametrize(("fatal_calls", "calls", "meets"), [(15, 1000, True), (16, 1000, False), (14, 1000, True)])
def test_fatal_error_rate_exactly_at_r4_s_1_5_percent_meets_the_target(fatal_calls: int, calls: int,
                                                                       meets: bool) -> None:
    assert Accuracy(calls, fatal_calls, errors=0, opportunities=100).meets_targets is meets


@pytest.mark.parametrize(("errors", "meets"), [(15, True), (16, False), (14, True)])
def test_non_fatal_error_rate_exactly_at_r4_s_15_percent_meets_the_target(errors: int, meets: bool) -> None:
    assert Accuracy(10, 0, errors=errors, opportunities=100).meets_targets is meets


def test_accuracy_without_calls_is_unknown_not_met() -> None:
    assert Accuracy(0, 0, 0, 0).meets_targets is None


def test_accuracy_counts_every_fatal_call_and_sums_the_errors() -> None:
    from jili.qa.accuracy import accuracy
    from jili.qa.scoring import Scored

    def call(fatal: bool, errors: int) -> Scored:
        return Scored("r2", "1", Decimal(90), Decimal(100), fatal, errors, 10, ())

    assert accuracy([call(True, 1), call(True, 0), call(False, 2)]) == Accuracy(3, 2, 3, 30)


# --- scoring: a fatal item fails the call however it is answered ---------------------------------

@pytest.fixture(scope="module")
def r2_card():  # type: ignore[no-untyped-def]
    card, problems = load_scorecard(TEMPLATES / "scorecards" / "r2-service-conduct.yaml")
    assert card is not None, problems
    return card


@pytest.mark.parametrize("answer", [Answer("harmful_complaint", None, None, False, True),
                                    Answer("harmful_complaint", None, 1, False, False),
                                    Answer("harmful_complaint", D(1), None, False, False)],
                         ids=["flag", "occurrence", "score"])
def test_a_fatal_item_fails_the_call_whether_flagged_counted_or_scored(r2_card, answer: Answer) -> None:  # type: ignore[no-untyped-def]
    result, problems = score(r2_card, [answer], Location("t"))
    assert problems == [] and result is not None and result.fatal


@pytest.mark.parametrize("answer", [Answer("harmful_complaint", None, 0, False, False),
                                    Answer("harmful_complaint", D(0), None, False, False)], ids=["zero", "score 0"])
def test_a_fatal_item_answered_zero_does_not_fail_the_call(r2_card, answer: Answer) -> None:  # type: ignore[no-untyped-def]
    result, _ = score(r2_card, [answer], Location("t"))
    assert result is not None and not result.fatal and result.total == D(100)


# --- sampling: the minimum call length ----------------------------------------------------------

@pytest.mark.parametrize(("seconds", "kept"), [(29, False), (30, True), (31, True)])
def test_a_call_of_exactly_the_minimum_length_can_be_sampled(seconds: int, kept: bool) -> None:
    call = Call("C1", "A1", dt.datetime(2025, 3, 3, 10), seconds)
    [result] = sample([call], Plan(per_agent=15, min_seconds=30))
    assert (len(result.picks) == 1) is kept
    assert result.excluded == ({} if kept else {"under 30 s": 1})


# --- calibration: lenient only when the interval says so ---------------------------------------

@pytest.mark.parametrize(("mean", "low", "high", "verdict"), [
    (3.0, -0.1, 6.1, "in line"),  # the interval crosses zero: not shown to be lenient
    (3.0, 0.01, 5.99, "lenient"),
    (2.0, 0.5, 3.5, "lenient"),  # exactly the 2-point gap worth a talk
    (1.99, 0.5, 3.48, "in line"),
    (-3.0, -6.1, 0.1, "in line"),
    (-3.0, -5.99, -0.01, "severe"),
    (-2.0, -3.5, -0.5, "severe"),
    (-1.99, -3.48, -0.5, "in line")])
def test_an_evaluator_is_lenient_or_severe_only_when_the_interval_excludes_zero(mean: float, low: float, high: float,
                                                                                verdict: str) -> None:
    assert EvaluatorBias("QA1", 20, Interval(20, mean, low, high, 0.95)).verdict == verdict


# --- imports: "now" is not the future -----------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize(("offset", "accepted"), [(dt.timedelta(0), True), (dt.timedelta(seconds=-1), True),
                                                  (dt.timedelta(minutes=1), False)])
def test_rows_stamped_exactly_now_are_not_in_the_future(do, roster, tmp_path: Path, offset: dt.timedelta,  # type: ignore[no-untyped-def]
                                                        accepted: bool) -> None:
    stamp = (NOW + offset).strftime("%Y-%m-%d %H:%M:%S")
    csv = write(tmp_path / "calls.csv", f"interaction_id,agent_id,offered_at,talk_seconds,outcome\nX1,A001,{stamp},60,接通\n")
    outcome = do(csv, "interactions")
    assert (outcome.status.value == "imported") is accepted, [p.render() for p in outcome.problems]
    if not accepted:
        assert [p.code for p in outcome.problems if p.is_error] == ["future_date"]


# --- ranking: a top share of a small team -------------------------------------------------------

TOP_TEN = """
    policy: top-ten
    period: month
    accounts: {bonus: {unit: yuan, places: 2}}
    metrics:
      sales: {fact: kpis, agg: max, column: value, where: "name = 'sales'"}
    rules:
      - {id: top_ten_percent, kind: ranking, account: bonus, value: sales, top_percent: 10, amount: 500}
    """


@pytest.mark.parametrize(("agents", "winners"), [(1, 1), (5, 1), (9, 1), (10, 1), (14, 1), (15, 2), (25, 3)])
def test_top_ten_percent_of_fewer_than_ten_agents_still_rewards_the_best(tmp_path: Path, agents: int,
                                                                         winners: int) -> None:
    """R12: "the top 10 %" of 5 agents is the best one, not nobody; 15 × 10 % = 1.5 rounds half-up to 2."""
    policy = policy_from(tmp_path, TOP_TEN)
    ids = [f"A{i:02d}" for i in range(agents)]
    con = facts(tmp_path, kpis=[kpi(a, "2025-03-31", "sales", str(100 + i)) for i, a in enumerate(ids)])
    result = statements(policy, con, "2025-03", [agent(a) for a in ids])
    paid = sorted(a for a, s in result.items() if s.total("bonus") == D(500))
    assert paid == ids[-winners:]  # the highest sales


# --- redemption: quarterly means at the quarter's end -------------------------------------------

QUARTERLY = """
    policy: quarterly-points
    period: month
    accounts: {points: {unit: points, places: 0}, cash: {unit: yuan, places: 2}}
    metrics:
      sales: {fact: kpis, agg: max, column: value, where: "name = 'sales'"}
    rules:
      - {id: monthly, kind: formula, account: points, amount: 10}
    redemption: {account: points, to: cash, share: 1, rate: 2, every: quarter}
    """


@pytest.mark.parametrize(("month", "redeemed"), [("2025-01", False), ("2025-02", False), ("2025-03", True),
                                                 ("2025-04", False), ("2025-06", True), ("2025-12", True)])
def test_quarterly_redemption_happens_in_the_last_month_of_the_quarter(tmp_path: Path, month: str,
                                                                       redeemed: bool) -> None:
    policy = policy_from(tmp_path, QUARTERLY)
    con = facts(tmp_path, kpis=[kpi("A", f"{month}-01", "sales", "1")])
    s = statements(policy, con, month, [agent("A")])["A"]
    assert any(ln.rule_id == "redemption" for ln in s.lines) is redeemed
    assert s.total("cash") == (D("20.00") if redeemed else D(0))
