"""R19 「职业发展通道：见习、初级、中级、高级、主管、经理、总监；通过积分或年度考核晋升（12 月底前完成考核，
次年 1 月 15 日前出结果）」: the ladder, each agent's history, and the promotions the appraisal proposes."""

from __future__ import annotations

import datetime as dt
import textwrap
from decimal import Decimal

import pytest

from conftest import write
from jili.core.label import Label
from jili.core.ladder import (
    APPRAISAL_FAILED,
    APPRAISAL_PROMOTES,
    LADDER,
    STEP_CODES,
    Evidence,
    Route,
    appraisal_dates,
    propose,
    starting_step,
    step,
    step_by_points,
)
from jili.core.problems import Problem

LEVELS = ("bronze", "silver", "gold", "platinum")


def ev(level: str | None = None, appraisal: str | None = None) -> Evidence:
    return Evidence(level, "2026-11", Decimal(appraisal) if appraisal is not None else None, None)


def at(code: str):  # type: ignore[no-untyped-def]
    found = step(code)
    assert found is not None
    return found


def test_the_ladder_has_the_seven_steps_of_the_seed_in_order() -> None:
    assert [s.label.zh for s in LADDER] == ["见习", "初级", "中级", "高级", "主管", "经理", "总监"]
    assert STEP_CODES == ("trainee", "junior", "intermediate", "senior", "supervisor", "manager", "director")


def test_the_appraisal_is_due_at_the_end_of_december_and_its_results_by_15_january() -> None:
    assert appraisal_dates(2026) == (dt.date(2026, 12, 31), dt.date(2027, 1, 15))


@pytest.mark.parametrize(("level", "reached"), [(None, "trainee"), ("bronze", "junior"), ("silver", "intermediate"),
                                                ("gold", "senior"), ("platinum", "senior"), ("unknown", "trainee")])
def test_points_levels_reach_as_far_as_senior(level: str | None, reached: str) -> None:
    assert STEP_CODES[step_by_points(level, LEVELS)] == reached


@pytest.mark.parametrize(("score", "promoted"), [(APPRAISAL_PROMOTES, True), (APPRAISAL_PROMOTES - Decimal("0.1"), False),
                                                 (APPRAISAL_PROMOTES + Decimal("0.1"), True)])
def test_an_appraisal_of_90_or_more_proposes_one_step_up(score: Decimal, promoted: bool) -> None:
    p = propose("A1", at("senior"), ev(appraisal=str(score)), LEVELS)
    assert (p is not None) == promoted
    if p is not None:
        assert (p.proposed.code, p.route) == ("supervisor", Route.APPRAISAL)
        assert p.reason.zh == f"年度考核 {score} 分（不低于 90 分）"


def test_points_propose_one_step_at_a_time_and_never_past_senior() -> None:
    jump = propose("A1", at("trainee"), ev("gold"), LEVELS)
    assert jump is not None and (jump.proposed.code, jump.route) == ("junior", Route.POINTS)
    assert jump.reason.zh == "截至 2026-11 积分达到gold"
    assert propose("A1", at("senior"), ev("platinum"), LEVELS) is None  # supervisor only through the appraisal
    assert propose("A1", at("intermediate"), ev("silver"), LEVELS) is None  # already where points reach


@pytest.mark.parametrize(("score", "held"), [(APPRAISAL_FAILED - Decimal("0.1"), True), (APPRAISAL_FAILED, False),
                                             (APPRAISAL_FAILED + Decimal("0.1"), False)])
def test_a_failed_appraisal_holds_a_points_promotion(score: Decimal, held: bool) -> None:
    assert (propose("A1", at("junior"), ev("gold", str(score)), LEVELS) is None) == held


def test_nobody_is_proposed_past_director() -> None:
    assert propose("A1", at("director"), ev("platinum", "100"), LEVELS) is None
    top = propose("A1", at("manager"), ev(None, "95"), LEVELS)
    assert top is not None and top.proposed.code == "director"


@pytest.mark.parametrize(("status", "role", "days", "first"), [
    ("probation", "", 5000, "trainee"), ("试用", "呼入", 30, "trainee"), ("regular", "组长", 10, "supervisor"),
    ("regular", "", 364, "junior"), ("regular", "", 365, "intermediate"), ("regular", "", 3 * 365 - 1, "intermediate"),
    ("regular", "", 3 * 365, "senior")])
def test_a_starting_step_comes_from_status_role_and_tenure(status: str, role: str, days: int, first: str) -> None:
    assert starting_step(status, role, days).code == first


POINTS = """
    policy: points-levels
    period: month
    accounts:
      points: {unit: points, places: 0}
    metrics:
      answered: {fact: interactions, agg: count}
    rules:
      - {id: base, kind: formula, account: points, amount: "70"}
    levels: {account: points, basis: lifetime, thresholds: {"bronze": 60, "silver": 120}}
    """


@pytest.mark.django_db
@pytest.mark.postgres
def test_history_proposals_and_decisions_in_the_registry(ws, do, roster, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from jili.core.periods import parse_period
    from jili.io.specs.policy import load_policy
    from jili.registry.ladder import current_steps, do_promote, do_set_step, do_start_steps, history, proposals
    from jili.registry.ledger import do_run_policy
    from jili.registry.models import AuditEvent

    placed = do_start_steps(dt.date(2026, 10, 1), acting_user="hr")
    assert placed == {"trainee": 1, "intermediate": 1, "senior": 1}  # A002 on probation; A001 2.6 years; A003 3.7
    assert do_start_steps(dt.date(2026, 10, 1), acting_user="hr") == {}  # everyone has a step already
    wrong = do_set_step("A001", "seniro", dt.date(2026, 10, 2), Route.MANUAL, Label("", ""), acting_user="hr")
    assert isinstance(wrong, Problem) and wrong.code == "unknown_step" and "senior" in wrong.message
    again = do_set_step("A001", "senior", dt.date(2026, 10, 1), Route.MANUAL, Label("", ""), acting_user="hr")
    assert isinstance(again, Problem) and again.code == "step_exists"
    # the year's points: 70 a month, so bronze (60) after October; A002's appraisal 95, A003's 55 (failed)
    do(write(tmp_path / "calls.csv", "interaction_id,agent_id,offered_at,outcome\n"
             "C1,A001,2026-10-05 10:00:00,answered\nC2,A002,2026-10-05 10:00:00,answered\n"
             "C3,A003,2026-10-05 10:00:00,answered\n"), "interactions")
    kpis = do(write(tmp_path / "kpis.csv", "agent_id,date,name,value\nA002,2026-11-20,appraisal,95\n"
                    "A003,2026-11-20,appraisal,55\n"), "kpis")
    assert kpis.status.value == "imported", [x.render() for x in kpis.problems]
    policy, problems = load_policy(write(tmp_path / "points.yaml", textwrap.dedent(POINTS)))
    assert policy is not None, problems
    october = parse_period("2026-10")
    assert october is not None and do_run_policy(ws, policy, october, acting_user="payroll").ok
    found, off = proposals(ws, 2026, policy)
    assert off == 0
    assert [(p.agent_id, p.current.code, p.proposed.code, p.route) for p in found] == [
        ("A002", "trainee", "junior", Route.POINTS)]  # A001 already past bronze's reach; A003 failed the appraisal
    assert found[0].evidence == Evidence("bronze", "2026-10", Decimal("95.0"), None)
    done = do_promote(found, 2026, acting_user="qa_manager")
    assert not any(isinstance(d, Problem) for d in done)
    assert [(s.step.code, s.effective, s.route) for s in history("A002")] == [
        ("trainee", dt.date(2026, 10, 1), Route.HIRE), ("junior", dt.date(2027, 1, 15), Route.POINTS)]
    assert proposals(ws, 2026, policy)[0] == []  # decided: not proposed again
    assert current_steps(dt.date(2027, 1, 14))["A002"].step.code == "trainee"  # not before the results are in
    assert current_steps(dt.date(2027, 1, 15))["A002"].step.code == "junior"
    assert AuditEvent.objects.filter(action="set_career_step", target="A002").count() == 2
    assert history("A002")[1].evidence.zh == "截至 2026-10 积分达到bronze"
    assert history("A002")[1].evidence.en == "points reached bronze by 2026-10"
