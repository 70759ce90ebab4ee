"""The QA workflow in the registry: an evaluator's queue from the sampling plan, an evaluation saved as
versions, R12 appeals (agent → team leader → QA manager) with every permission refused where the issue says,
and the consequences: the rescored evaluation reaches the facts and the statements that read it — run again
in an open month, corrected in the open month when it was closed."""

from __future__ import annotations

import datetime as dt
import textwrap
from decimal import Decimal

import pytest

from conftest import write
from jili.core.periods import parse_period
from jili.core.problems import Problem
from jili.io.specs.policy import load_policy
from jili.qa.sampling import Plan
from jili.qa.scoring import Answer
from jili.registry.imports import ImportStatus

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

OCTOBER = parse_period("2026-10")
POLICY = """
    # a quality bonus on internal QA alone: 100 at an average of 90 or more, else 40
    policy: qa-bonus
    period: month
    accounts:
      bonus: {unit: yuan, places: 2}
    metrics:
      internal_qa: {fact: evaluations, agg: avg, column: score, where: "source = 'internal'"}
    rules:
      - id: quality
        kind: tiers
        account: bonus
        tiers:
          - {label: good, when: "internal_qa >= 90", amount: 100}
          - {label: fair, amount: 40}
    """


@pytest.fixture
def centre(ws, do, roster, tmp_path):  # type: ignore[no-untyped-def]
    from jili.registry.accounts import do_create_account

    calls = "interaction_id,agent_id,offered_at,outcome,talk_seconds\n" + "".join(
        f"C{i},{agent},2026-10-{10 + i:02d} 10:00,answered,120\n" for i, agent in enumerate(["A001"] * 3 + ["A003"] * 3))
    assert do(write(tmp_path / "calls.csv", calls), "interactions").status == ImportStatus.IMPORTED
    for name, role, agent, teams in [("qa1", "evaluator", None, []), ("qa3", "evaluator", "A003", []),
                                     ("a1", "agent", "A001", []), ("a2", "agent", "A002", []),
                                     ("lead1", "leader", None, ["T1"]), ("lead2", "leader", None, ["T2"]),
                                     ("boss", "qa_manager", None, []), ("boss2", "qa_manager", None, [])]:
        assert not isinstance(do_create_account(name, role, acting_user="admin", agent_id=agent, teams=teams), Problem)
    policy, problems = load_policy(write(tmp_path / "qa-bonus.yaml", textwrap.dedent(POLICY)))
    assert policy is not None, problems
    return policy


def _evaluated(ws, deductions: int = 1):  # type: ignore[no-untyped-def]
    """qa1 scores A001's first sampled call on R2: commanding tone, serious (−20), ``deductions`` times."""
    from jili.registry.evaluations import do_assign, do_evaluate, queue
    from jili.registry.models import Evaluation

    made = do_assign(ws, OCTOBER, ["qa1", "qa3"], "r2-service-conduct", acting_user="boss", plan=Plan(per_agent=2),
                     today=dt.date(2026, 11, 2))
    assert not isinstance(made, Problem)
    assert {(a.agent_id, a.evaluator) for a in made} == {("A001", "qa1"), ("A003", "qa1")}  # qa3 is A003: not theirs
    assert all(a.due == dt.date(2026, 11, 9) for a in made)  # Monday 2 Nov + 5 working days
    mine = [e.assignment for e in queue("qa1", today=dt.date(2026, 11, 10)) if e.assignment.agent_id == "A001"]
    assert len(mine) == 2 and all(e.overdue for e in queue("qa1", today=dt.date(2026, 11, 10)))
    ev = do_evaluate(ws, mine[0].pk, [Answer("commanding_tone", occurrences=deductions, serious=True)], "语气生硬",
                     acting_user="qa1")
    assert not isinstance(ev, list), ev
    # the agent was notified on Wednesday 25 November 2026, 10:00 in Shanghai, whatever the clock says now
    Evaluation.objects.filter(pk=ev.pk).update(created_at=dt.datetime(2026, 11, 25, 2, tzinfo=dt.UTC))
    return ev


def test_an_evaluation_is_versions_scored_as_qa_score_scores_them(ws, centre):
    from jili.registry.evaluations import do_evaluate
    from jili.registry.models import AuditEvent, Evaluation

    ev = _evaluated(ws)
    assert (ev.score, ev.fatal, ev.version) == (Decimal("80.00"), False, 1)
    refused = do_evaluate(ws, ev.assignment_id, [Answer("no_such_item", occurrences=1)], "", acting_user="qa1")
    assert isinstance(refused, list) and refused[0].code == "unknown_item"
    assert do_evaluate(ws, ev.assignment_id, [], "", acting_user="qa3")[0].code == "not_assigned"  # type: ignore[index]
    edit = do_evaluate(ws, ev.assignment_id, [Answer("commanding_tone", occurrences=1)], "", acting_user="qa1")
    assert not isinstance(edit, list)
    assert (edit.evaluation_id, edit.version, edit.score) == (ev.evaluation_id, 2, Decimal("90.00"))
    assert Evaluation.objects.get(evaluation_id=ev.evaluation_id, version=1).score == Decimal("80.00")  # kept
    assert AuditEvent.objects.filter(action="evaluate").count() == 2


def test_appeal_permissions_and_window(ws, centre):
    from jili.registry.appeals import do_acknowledge, do_appeal, do_decide, do_leader_review

    ev = _evaluated(ws)
    today = dt.date(2026, 11, 25)
    assert do_appeal(ws, ev.evaluation_id, [], "不是我", acting_user="a2").code == "not_yours"  # type: ignore[union-attr]
    assert do_appeal(ws, ev.evaluation_id, [], "  ", acting_user="a1").code == "reason_needed"  # type: ignore[union-attr]
    assert do_appeal(ws, ev.evaluation_id, ["nope"], "x", acting_user="a1").code == "unknown_item"  # type: ignore[union-attr]
    # notice today (Wednesday 25 Nov 2026): the window ends five working days on, Wednesday 2 December
    late = do_appeal(ws, ev.evaluation_id, [], "晚了", acting_user="a1", today=dt.date(2026, 12, 3))
    assert isinstance(late, Problem) and late.code == "window_closed" and "2026-12-02" in late.message
    appeal = do_appeal(ws, ev.evaluation_id, ["commanding_tone"], "客户先骂人", acting_user="a1",
                       today=dt.date(2026, 12, 2))
    assert not isinstance(appeal, Problem)
    assert (appeal.window_end, appeal.review_due) == (dt.date(2026, 12, 2), dt.date(2026, 12, 23))
    assert do_appeal(ws, ev.evaluation_id, [], "again", acting_user="a1", today=today).code == "appeal_open"  # type: ignore[union-attr]
    assert do_acknowledge(ev.evaluation_id, acting_user="a1").code == "appeal_open"  # type: ignore[union-attr]
    assert do_decide(ws, appeal.pk, "overturned", "ok", acting_user="boss").code == "not_with_qa"  # type: ignore[union-attr]
    assert do_leader_review(appeal.pk, True, "", acting_user="lead2").code == "not_your_team"  # type: ignore[union-attr]
    assert do_leader_review(appeal.pk, True, "", acting_user="a1").code == "not_your_team"  # type: ignore[union-attr]
    assert do_leader_review(appeal.pk, False, "", acting_user="lead1").code == "reason_needed"  # type: ignore[union-attr]
    assert do_leader_review(appeal.pk, True, "录音里客户先骂人", acting_user="lead1").status == "qa"  # type: ignore[union-attr]
    assert do_leader_review(appeal.pk, True, "", acting_user="lead1").code == "not_with_leader"  # type: ignore[union-attr]
    assert do_decide(ws, appeal.pk, "overturned", "ok", acting_user="lead1").code == "not_qa_manager"  # type: ignore[union-attr]
    assert do_decide(ws, appeal.pk, "maybe", "ok", acting_user="boss").code == "bad_outcome"  # type: ignore[union-attr]
    assert do_decide(ws, appeal.pk, "overturned", " ", acting_user="boss").code == "reason_needed"  # type: ignore[union-attr]


def test_a_qa_manager_never_decides_an_appeal_against_their_own_evaluation(ws, centre):
    from jili.registry.appeals import do_appeal, do_decide, do_leader_review
    from jili.registry.evaluations import do_assign, do_evaluate

    made = do_assign(ws, OCTOBER, ["boss"], "r2-service-conduct", acting_user="boss", plan=Plan(per_agent=1))
    assert not isinstance(made, Problem)
    mine = next(a for a in made if a.agent_id == "A001")
    ev = do_evaluate(ws, mine.pk, [Answer("misleading", occurrences=1)], "", acting_user="boss")
    assert not isinstance(ev, list)
    appeal = do_appeal(ws, ev.evaluation_id, [], "没有误导", acting_user="a1", today=dt.date(2026, 11, 26))
    assert not isinstance(appeal, Problem)
    do_leader_review(appeal.pk, True, "", acting_user="lead1")
    assert do_decide(ws, appeal.pk, "overturned", "ok", acting_user="boss").code == "own_evaluation"  # type: ignore[union-attr]
    decided = do_decide(ws, appeal.pk, "upheld", "录音属实", acting_user="boss2")
    assert not isinstance(decided, Problem) and decided.evaluation is None and decided.appeal.status == "upheld"


def test_leader_closes_an_appeal_with_the_reason(ws, centre):
    from jili.registry.appeals import do_appeal, do_leader_review

    ev = _evaluated(ws)
    appeal = do_appeal(ws, ev.evaluation_id, [], "不服", acting_user="a1", today=dt.date(2026, 11, 26))
    assert not isinstance(appeal, Problem)
    closed = do_leader_review(appeal.pk, False, "录音清楚", acting_user="lead1")
    assert not isinstance(closed, Problem) and closed.status == "closed_by_leader" and closed.leader_reason == "录音清楚"


def _overturn(ws, ev):  # type: ignore[no-untyped-def]
    from jili.registry.appeals import do_appeal, do_decide, do_leader_review

    appeal = do_appeal(ws, ev.evaluation_id, ["commanding_tone"], "客户先骂人", acting_user="a1",
                       today=dt.date(2026, 11, 26))
    assert not isinstance(appeal, Problem)
    do_leader_review(appeal.pk, True, "同意", acting_user="lead1")
    decided = do_decide(ws, appeal.pk, "overturned", "录音显示语气正常", acting_user="boss",
                        today=dt.date(2026, 11, 27))  # whatever the clock says: a correction goes to November
    assert not isinstance(decided, Problem)
    assert decided.problems == ()
    return decided


def test_an_overturned_appeal_reruns_an_open_month(ws, centre):
    from jili.registry.evaluations import do_publish
    from jili.registry.ledger import do_run_policy
    from jili.registry.results import stored_statements

    ev = _evaluated(ws, deductions=1)  # 80 points
    assert do_publish(ws, ["2026-10"], acting_user="boss") == []
    assert do_run_policy(ws, centre, OCTOBER, acting_user="payroll", allow_empty=True).ok
    before = stored_statements("qa-bonus", OCTOBER, "A001")[0]
    assert before.total("bonus") == Decimal("40.00")
    decided = _overturn(ws, ev)
    assert decided.evaluation is not None and decided.evaluation.score == Decimal("100.00")
    assert decided.evaluation.version == 2 and len(decided.runs) == 1
    after = stored_statements("qa-bonus", OCTOBER, "A001")[0]
    assert after.total("bonus") == Decimal("100.00") and dict(after.metrics)["internal_qa"] == Decimal("100")


def test_an_overturned_appeal_in_a_closed_month_is_a_correction_in_the_open_one(ws, centre):
    from jili.registry.evaluations import do_publish
    from jili.registry.ledger import do_close_period, do_run_policy
    from jili.registry.results import corrections_in

    ev = _evaluated(ws, deductions=1)
    do_publish(ws, ["2026-10"], acting_user="boss")
    assert do_run_policy(ws, centre, OCTOBER, acting_user="payroll", allow_empty=True).ok
    assert do_close_period(OCTOBER, acting_user="payroll") is None
    decided = _overturn(ws, ev)
    assert decided.runs == () and len(decided.corrections) == 1
    november = parse_period("2026-11")
    found = corrections_in(centre.head(), november, "A001")
    assert [(c.amount, c.corrects_period) for c in found] == [(Decimal("60.00"), "2026-10")]
    assert f"申诉 {decided.appeal.pk}" in found[0].reason
    again = _decide_nothing_new(ws, centre)
    assert again == []


def _decide_nothing_new(ws, policy):  # type: ignore[no-untyped-def]
    """Recomputing once more posts nothing: the corrections already booked are counted."""
    from jili.registry.ledger import do_recompute, runs_reading

    out = []
    for run_row in runs_reading("evaluations", dt.date(2026, 10, 11)):
        result = do_recompute(ws, run_row, "A001", acting_user="boss", reason="again", today=dt.date(2026, 11, 27))
        assert isinstance(result, list)
        out.extend(result)
    return out


def test_a_calibration_session_scores_blind_and_reports_agreement(ws, centre):
    from jili.registry.calibration_sessions import (
        do_calibration_score,
        do_close_session,
        do_open_session,
        do_set_consensus,
        session_report,
    )
    from jili.registry.models import CalibrationCall

    calls = ["C0", "C1", "C3"]
    alone = do_open_session(ws, "x", "r2-service-conduct", calls, ["qa1"], acting_user="boss")
    assert isinstance(alone, Problem) and alone.code == "evaluators_needed"
    assert do_open_session(ws, "x", "r2-service-conduct", ["C0", "C99"], ["qa1", "qa3"],
                           acting_user="boss").code == "unknown_call"  # type: ignore[union-attr]
    no_card = do_open_session(ws, "x", "no-card", calls, ["qa1", "qa3"], acting_user="boss")
    assert isinstance(no_card, Problem) and no_card.code == "unknown_scorecard"
    session = do_open_session(ws, "十月校准", "r2-service-conduct", calls, ["qa1", "qa3", "boss"], acting_user="boss")
    assert not isinstance(session, Problem)
    rows = list(CalibrationCall.objects.filter(session=session).order_by("id"))
    assert [(c.interaction_id, c.agent_id) for c in rows] == [("C0", "A001"), ("C1", "A001"), ("C3", "A003")]
    assert do_calibration_score(ws, rows[0].pk, [], acting_user="lead1")[0].code == "not_in_session"  # type: ignore[index]
    marked = {"qa1": [1, 0, 2], "qa3": [1, 0, 2], "boss": [2, 0, 2]}  # commanding_tone occurrences per call
    for who, counts in marked.items():
        for row, n in zip(rows, counts, strict=True):
            assert not isinstance(do_calibration_score(ws, row.pk, [Answer("commanding_tone", occurrences=n)],
                                                       acting_user=who), list)
    report = session_report(ws, session)
    assert report.missing == () and report.agreement is not None
    assert [[str(s.score) for s in c.scores] for c in report.calls] == [
        ["80.00", "90.00", "90.00"], ["100.00", "100.00", "100.00"], ["80.00", "80.00", "80.00"]]  # boss, qa1, qa3
    # 8 of 9 scores within 5 points of their call's mean (boss's 80 is 6.7 below 86.7)
    assert abs(report.agreement.within_5 - 8 / 9) < 1e-9
    assert [en for _, en, _ in report.disagreements] == ["commanding tone, impatience"]
    assert do_set_consensus(rows[0].pk, "90", acting_user="boss") is None
    assert do_set_consensus(rows[0].pk, "abc", acting_user="boss").code == "bad_value"  # type: ignore[union-attr]
    assert do_close_session(session.pk, acting_user="boss") is None
    assert do_calibration_score(ws, rows[0].pk, [], acting_user="qa1")[0].code == "session_closed"  # type: ignore[index]


def test_the_coaching_loop_from_a_fatal_error_to_the_follow_up(ws, centre):
    from jili.registry.coaching import do_acknowledge_coaching, do_hold_session, do_open_coaching, task_rows
    from jili.registry.evaluations import do_assign, do_evaluate, do_publish
    from jili.registry.models import CoachingTask

    made = do_assign(ws, OCTOBER, ["qa1"], "r2-service-conduct", acting_user="boss", plan=Plan(per_agent=2))
    assert not isinstance(made, Problem)
    first, second = [a for a in made if a.agent_id == "A001"]
    fatal = do_evaluate(ws, first.pk, [Answer("harmful_complaint", fatal=True)], "", acting_user="qa1")
    assert not isinstance(fatal, list) and fatal.fatal
    do_publish(ws, ["2026-10"], acting_user="boss")
    opened = do_open_coaching(ws, OCTOBER, acting_user="boss", today=dt.date(2026, 11, 2))
    assert isinstance(opened, list) and [(t.agent_id, t.team, t.reason, t.evidence, t.due) for t in opened] == [
        ("A001", "T1", "fatal", fatal.evaluation_id, dt.date(2026, 11, 9))]
    assert do_open_coaching(ws, OCTOBER, acting_user="boss") == []  # the same finding opens nothing twice
    task = opened[0]
    assert [r.overdue for r in task_rows([task], today=dt.date(2026, 11, 9))] == [False]  # due that day
    assert [r.overdue for r in task_rows([task], today=dt.date(2026, 11, 10))] == [True]
    assert do_acknowledge_coaching(task.pk, acting_user="a1").code == "not_held"  # type: ignore[union-attr]
    assert do_hold_session(task.pk, "talked", acting_user="lead2").code == "not_your_team"  # type: ignore[union-attr]
    assert do_hold_session(task.pk, " ", acting_user="lead1").code == "notes_needed"  # type: ignore[union-attr]
    held = do_hold_session(task.pk, "复盘投诉录音，约定先道歉再解释", acting_user="lead1")
    assert not isinstance(held, Problem) and held.status == "held"
    assert do_acknowledge_coaching(task.pk, acting_user="a2").code == "not_yours"  # type: ignore[union-attr]
    assert do_acknowledge_coaching(task.pk, acting_user="a1") is None
    follow = do_evaluate(ws, second.pk, [], "", acting_user="qa1")  # the next evaluation of the agent
    assert not isinstance(follow, list)
    closed = CoachingTask.objects.get(pk=task.pk)
    assert (closed.status, closed.follow_up) == ("closed", follow.evaluation_id) and closed.acknowledged_at is not None


def test_partly_takes_the_manager_s_answer_and_a_whole_appeal_clears_every_finding(ws, centre):
    from jili.registry.appeals import do_appeal, do_decide, do_leader_review
    from jili.registry.evaluations import current

    ev = _evaluated(ws, deductions=3)  # commanding tone x3, serious: 100 - 60 = 40
    assert ev.score == Decimal("40.00")
    appeal = do_appeal(ws, ev.evaluation_id, ["commanding_tone"], "只有一次", acting_user="a1", today=dt.date(2026, 11, 26))
    assert not isinstance(appeal, Problem)
    do_leader_review(appeal.pk, True, "", acting_user="lead1")
    partly = do_decide(ws, appeal.pk, "partly", "录音中有一次", acting_user="boss",
                       answers={"commanding_tone": Answer("commanding_tone", occurrences=1, serious=True)})
    assert not isinstance(partly, Problem) and partly.evaluation is not None
    assert (partly.evaluation.version, partly.evaluation.score, partly.appeal.status) == (2, Decimal("80.00"), "partly")
    again = do_appeal(ws, ev.evaluation_id, [], "整单有误", acting_user="a1", today=dt.date(2026, 11, 26))
    assert not isinstance(again, Problem) and again.version == 2  # an appeal names the version it is against
    do_leader_review(again.pk, True, "", acting_user="lead1")
    whole = do_decide(ws, again.pk, "overturned", "整单撤销", acting_user="boss")
    assert not isinstance(whole, Problem) and whole.evaluation is not None
    assert (whole.evaluation.version, whole.evaluation.score) == (3, Decimal("100.00"))
    latest = current(ev.evaluation_id)
    assert latest is not None and latest.why.startswith(f"appeal {again.pk}")


def test_a_centre_sets_its_own_window_and_sends_appeals_straight_to_qa(ws, centre):
    from dataclasses import replace

    from jili.io.workspace import AppealSettings
    from jili.registry.appeals import do_appeal

    ev = _evaluated(ws)  # notified Wednesday 25 November 2026
    mine = replace(ws, appeals=AppealSettings(window_days=3, review_days=10, leader_first=False))
    late = do_appeal(mine, ev.evaluation_id, [], "x", acting_user="a1", today=dt.date(2026, 12, 1))
    assert isinstance(late, Problem) and "2026-11-30" in late.message  # Thu 26, Fri 27, Mon 30
    appeal = do_appeal(mine, ev.evaluation_id, [], "x", acting_user="a1", today=dt.date(2026, 11, 30))
    assert not isinstance(appeal, Problem)
    assert (appeal.status, appeal.review_due) == ("qa", dt.date(2026, 12, 14))  # no leader step; 10 working days


@pytest.mark.parametrize(("text", "found"), [
    ("[appeals]\nwindow_days = \"five\"\n", "five"), ("[appeals]\nreview_days = 0\n", "0"),
    ("[appeals]\nleader_first = \"yes\"\n", "yes")])
def test_a_bad_appeal_setting_is_named_with_its_place(tmp_path, text, found):
    from jili.io.workspace import AppealSettings, load_workspace

    (tmp_path / "jili.toml").write_text("[workspace]\nname = \"x\"\n" + text, encoding="utf-8")
    loaded = load_workspace(tmp_path)
    assert loaded is not None and loaded.appeals == AppealSettings()  # defaults kept, and the problem said
    assert [(p.code, p.found) for p in loaded.problems] == [("bad_setting", found)]
    where = loaded.problems[0].location
    assert where.file.endswith("jili.toml") and (where.column or "").startswith("appeals.")


def test_an_evaluator_never_evaluates_their_own_calls(ws, centre):
    from jili.registry.evaluations import do_evaluate
    from jili.registry.models import Assignment

    own = Assignment.objects.create(period="2026-10", interaction_id="C3", agent_id="A003",  # qa3 is agent A003
                                    call_at=dt.datetime(2026, 10, 13, 2, tzinfo=dt.UTC), evaluator="qa3",
                                    scorecard="r2-service-conduct", due=dt.date(2026, 11, 9), reason_en="x", reason_zh="x",
                                    assigned_at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC), assigned_by="someone")
    refused = do_evaluate(ws, own.pk, [], "", acting_user="qa3")
    assert isinstance(refused, list) and refused[0].code == "own_call"
