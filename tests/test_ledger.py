"""The ledger over two months: R14's 80/20 redemption with its exchange rate, levels, re-runs,
close and a correction after close. Worked by hand from the seed."""

from __future__ import annotations

import textwrap
from decimal import Decimal

import pytest

from conftest import write
from jili.core.periods import parse_period
from jili.io.specs.policy import load_policy
from jili.registry.imports import ImportStatus

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
D = Decimal

POLICY = """
    # R14: monthly redemption, 80 % redeemed and 20 % carried; 1 point = 1 yuan × this month's partner
    # bookings ÷ last month's (a first month with no history redeems at 1); levels 60/80/100/150.
    policy: r14-redemption
    period: month
    accounts:
      points: {unit: points, places: 2}
      yuan: {unit: yuan, places: 2}
    metrics:
      points_earned: {fact: kpis, agg: sum, column: value, where: "name = 'points'"}
      bookings: {fact: kpis, agg: sum, column: value, where: "name = 'bookings'", level: all}
      bookings_prev: {previous: bookings}
    rules:
      - {id: earned, kind: formula, account: points, amount: points_earned}
    redemption: {account: points, to: yuan, share: 0.8, rate: "coalesce(bookings / bookings_prev, 1)", every: month}
    levels: {account: points, basis: BASIS, thresholds: {"1": 60, "2": 80, "3": 100, special: 150}}
    """


@pytest.fixture
def months(ws, do, roster, tmp_path):  # type: ignore[no-untyped-def]
    kpis = write(tmp_path / "kpis.csv", "agent_id,date,name,value\n"
                 "A001,2025-02-28,points,100\nA001,2025-02-28,bookings,1000\n"
                 "A001,2025-03-31,points,50\nA001,2025-03-31,bookings,1100\n")
    assert do(kpis, "kpis").status == ImportStatus.IMPORTED

    def load(basis: str = "lifetime"):  # type: ignore[no-untyped-def]
        path = write(tmp_path / f"r14-{basis}.yaml", textwrap.dedent(POLICY).replace("BASIS", basis))
        policy, problems = load_policy(path)
        assert policy is not None, problems
        return policy

    return load


def run_month(ws, policy, label, allow_empty=False):  # type: ignore[no-untyped-def]
    from jili.registry.ledger import do_run_policy

    outcome = do_run_policy(ws, policy, parse_period(label), acting_user="tester", allow_empty=allow_empty)
    assert outcome.ok, [p.render() for p in outcome.problems]
    return {s.agent_id: s for s in outcome.statements}, outcome


def test_redemption_over_two_months_with_levels(ws, months):
    policy = months("lifetime")
    feb, _ = run_month(ws, policy, "2025-02")
    a = feb["A001"]
    # February: earned 100; 80 redeemed at rate 1 → 80.00 yuan; 20 carried; lifetime 100 → level 3
    assert a.total("points") == D("20.00") and a.total("yuan") == D("80.00")
    assert dict(a.balances) == {"points": D("20.00"), "yuan": D("80.00")}
    assert a.level == "3"
    mar, _ = run_month(ws, policy, "2025-03")
    a = mar["A001"]
    # March: 20 carried + 50 earned = 70; 56 redeemed at 1100 ÷ 1000 = 1.1 → 61.60 yuan; 14 carried
    redeemed = [ln for ln in a.lines if ln.rule_id == "redemption"]
    assert [ln.amount for ln in redeemed] == [D("-56.00"), D("61.60")]
    assert dict(a.balances) == {"points": D("14.00"), "yuan": D("141.60")}
    assert a.level == "special"  # lifetime 100 + 50 = 150
    # the other reading of R14: levels on the balance after redemption (one line in the policy)
    balance_based, _ = run_month(ws, months("balance"), "2025-03")
    assert balance_based["A001"].level is None  # a balance of 14 reaches no level


def test_rerun_gives_the_same_result_and_closed_periods_refuse(ws, months):
    from jili.registry.ledger import do_close_period, do_correct, do_run_policy
    from jili.registry.models import PolicyRun, Posting

    policy = months()
    first, out1 = run_month(ws, policy, "2025-02")
    again, out2 = run_month(ws, policy, "2025-02")
    assert out2.replaced == out1.run_id
    assert [s.totals for s in first.values()] == [s.totals for s in again.values()]
    assert PolicyRun.objects.get(pk=out1.run_id).status == "superseded"
    assert do_close_period(parse_period("2025-02"), acting_user="manager") is None
    refused = do_run_policy(ws, policy, parse_period("2025-02"), acting_user="tester")
    assert not refused.ok and refused.problems[0].code == "period_closed"
    assert "cannot be run again" in refused.problems[0].message
    # an appeal won after the close: +10 points, posted in March, naming the February posting
    earned = Posting.objects.get(run_id=out2.run_id, rule_id="earned")
    closed = do_correct(earned.pk, D(10), parse_period("2025-02"), acting_user="manager", reason="appeal won")
    assert not isinstance(closed, Posting) and closed.code == "period_closed"
    fix = do_correct(earned.pk, D(10), parse_period("2025-03"), acting_user="manager", reason="appeal won")
    assert isinstance(fix, Posting) and fix.corrects_id == earned.pk and fix.period.label == "2025-03"
    # the correction counts from April on: March starts from Feb's 20 carried only (the correction is in March)
    mar, _ = run_month(ws, policy, "2025-03")
    assert dict(mar["A001"].balances)["points"] == D("14.00")
    apr, _ = run_month(ws, policy, "2025-04", allow_empty=True)  # April has no KPIs: only carry-over and redemption
    assert dict(apr["A001"].balances)["points"] == D("4.80")  # 14 carried + 10 corrected = 24; 80 % redeemed


def test_statement_round_trips_through_the_database(ws, months):
    from jili.registry.results import stored_statements

    policy = months()
    feb, _ = run_month(ws, policy, "2025-02")
    stored = stored_statements(policy.id, parse_period("2025-02"), "A001")
    assert stored == [feb["A001"]]
