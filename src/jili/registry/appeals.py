"""R12 appeals and acknowledgements of evaluations made in Jili.

An agent acknowledges an evaluation or appeals it (whole or some items) in writing within the appeal window
(5 working days from notice on the centre's calendar). The team leader reviews first (agree: on to the QA
manager; disagree: closed with the reason); the QA manager decides (uphold, partly, overturn), never the
evaluator who made the evaluation. A decision that changes the evaluation makes a new version, publishes it
to the facts and recomputes what read it: an open period is run again, a closed one gets corrections in the
open period, their note naming the appeal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone as djtz

from jili.core.problems import Location, Problem, Severity
from jili.io.workspace import Workspace
from jili.qa.scorecard import SCORED, ItemKind
from jili.qa.scoring import Answer
from jili.registry.accounts import account_named, agent_of, leads
from jili.registry.calendar import deadline
from jili.registry.evaluations import answers_of, card_for, current, do_publish, new_version
from jili.registry.ledger import RunOutcome, do_recompute, runs_reading
from jili.registry.models import Acknowledgement, Appeal, AuditEvent, Evaluation, Role

# R12: 「在收到质检结果后 5 个工作日内提出申诉」, the review within 15 working days — the defaults of each
# centre's [appeals] settings in jili.toml (window_days, review_days, leader_first)


STATUS_LABELS = {  # (en, zh): what the agent, the leader and the QA manager read at each step
    Appeal.Status.LEADER: ("with the team leader", "组长审核中"),
    Appeal.Status.QA: ("with the QA manager", "质检主管审核中"),
    Appeal.Status.CLOSED_BY_LEADER: ("closed by the team leader", "组长驳回"),
    Appeal.Status.UPHELD: ("evaluation upheld", "维持原评分"),
    Appeal.Status.PARTLY: ("partly accepted", "部分采纳"),
    Appeal.Status.OVERTURNED: ("appeal accepted: finding removed", "申诉成立"),
}
DECISIONS = (Appeal.Status.UPHELD, Appeal.Status.PARTLY, Appeal.Status.OVERTURNED)


def _refuse(code: str, where: str, en: str, zh: str, fix: str = "", fix_zh: str = "") -> Problem:
    return Problem(Severity.ERROR, code, Location(where), en, zh, fix=fix, fix_zh=fix_zh)


def notice_date(ws: Workspace, evaluation_id: str) -> dt.date:
    """The agent is notified when the first version is saved (the site shows it at once)."""
    first = Evaluation.objects.filter(evaluation_id=evaluation_id).order_by("version").first()
    assert first is not None
    return djtz.localtime(first.created_at, ZoneInfo(ws.timezone)).date()


def _own(username: str, ev: Evaluation) -> bool:
    return agent_of(username) == ev.agent_id


def do_acknowledge(evaluation_id: str, *, acting_user: str) -> Problem | None:
    ev = current(evaluation_id)
    if ev is None or not _own(acting_user, ev):
        return _refuse("not_yours", evaluation_id, "This is not one of your evaluations.", "这不是您的质检记录。")
    if Appeal.objects.filter(evaluation_id=evaluation_id, status__in=[Appeal.Status.LEADER, Appeal.Status.QA]).exists():
        return _refuse("appeal_open", evaluation_id, "Your appeal of this evaluation is still under review.",
                       "您对该质检的申诉仍在处理中。")
    now = djtz.now()
    with transaction.atomic():
        _, made = Acknowledgement.objects.get_or_create(evaluation_id=evaluation_id, defaults={"at": now, "by": acting_user})
        if made:
            AuditEvent.objects.create(at=now, actor=acting_user, action="acknowledge", target=evaluation_id, detail={})
    return None


def do_appeal(ws: Workspace, evaluation_id: str, items: Sequence[str], reason: str, *, acting_user: str,
              today: dt.date | None = None) -> Appeal | Problem:
    """An agent's appeal of their own evaluation, whole (no items) or some items, within the window."""
    today = today or djtz.localdate()
    ev = current(evaluation_id)
    if ev is None or not _own(acting_user, ev):
        return _refuse("not_yours", evaluation_id, "This is not one of your evaluations.", "这不是您的质检记录。")
    if not reason.strip():
        return _refuse("reason_needed", evaluation_id, "An appeal needs a written reason.", "申诉须写明理由。",
                       fix="Say what the evaluation got wrong.", fix_zh="请写明评分哪里有误。")
    if Acknowledgement.objects.filter(evaluation_id=evaluation_id).exists():
        return _refuse("acknowledged", evaluation_id, "You acknowledged this evaluation; it can no longer be appealed.",
                       "您已确认该质检结果，不能再申诉。")
    if Appeal.objects.filter(evaluation_id=evaluation_id, status__in=[Appeal.Status.LEADER, Appeal.Status.QA]).exists():
        return _refuse("appeal_open", evaluation_id, "This evaluation already has an appeal under review.",
                       "该质检已有申诉在处理中。")
    known = {a["item"] for a in ev.answers}
    unknown = [i for i in items if i not in known]
    if unknown:
        return _refuse("unknown_item", ", ".join(unknown), f"Items {', '.join(unknown)} are not on this evaluation.",
                       f"评分项 {'、'.join(unknown)} 不在该质检中。")
    notice = notice_date(ws, evaluation_id)
    window_end = deadline(notice, ws.appeals.window_days)
    if isinstance(window_end, Problem):
        return window_end
    if today > window_end:
        return _refuse("window_closed", evaluation_id,
                       f"The appeal window closed on {window_end} ({ws.appeals.window_days} working days after the "
                       f"notice of {notice}).",
                       f"申诉期已于 {window_end} 截止（通知日 {notice} 后 {ws.appeals.window_days} 个工作日）。")
    review_due = deadline(today, ws.appeals.review_days)
    if isinstance(review_due, Problem):
        return review_due
    now = djtz.now()
    with transaction.atomic():
        appeal = Appeal.objects.create(evaluation_id=evaluation_id, version=ev.version, agent_id=ev.agent_id,
                                       items=list(items), reason=reason.strip(), filed_at=now, filed_by=acting_user,
                                       notice_date=notice, window_end=window_end, review_due=review_due,
                                       status=Appeal.Status.LEADER if ws.appeals.leader_first else Appeal.Status.QA)
        AuditEvent.objects.create(at=now, actor=acting_user, action="appeal", target=evaluation_id,
                                  detail={"appeal": appeal.pk, "items": list(items)})
    return appeal


def do_leader_review(appeal_id: int, agree: bool, reason: str, *, acting_user: str) -> Appeal | Problem:
    """The team leader's view: agree (on to the QA manager) or disagree (closed, with the reason)."""
    appeal = Appeal.objects.filter(pk=appeal_id).first()
    if appeal is None or not leads(account_named(acting_user), appeal.agent_id):
        return _refuse("not_your_team", str(appeal_id), "This appeal is not from your team.", "该申诉不属于您的班组。")
    if appeal.status != Appeal.Status.LEADER:
        return _refuse("not_with_leader", str(appeal_id), "This appeal is no longer with the team leader.",
                       "该申诉已不在组长审核环节。")
    if not agree and not reason.strip():
        return _refuse("reason_needed", str(appeal_id), "Closing an appeal needs the reason, for the agent.",
                       "驳回申诉须写明理由，告知坐席。")
    now = djtz.now()
    with transaction.atomic():
        appeal.status = Appeal.Status.QA if agree else Appeal.Status.CLOSED_BY_LEADER
        appeal.leader, appeal.leader_at, appeal.leader_reason = acting_user, now, reason.strip()
        appeal.save()
        AuditEvent.objects.create(at=now, actor=acting_user, action="appeal_leader", target=appeal.evaluation_id,
                                  detail={"appeal": appeal.pk, "agree": agree})
    return appeal


def cleared(answer: Answer, kind: ItemKind, maximum: Decimal) -> Answer:
    """An item as if the finding appealed against were not there: full marks, no occurrence, not fatal."""
    if kind in SCORED:
        return replace(answer, score=maximum, not_applicable=False)
    if kind == ItemKind.BONUS:
        return answer
    return replace(answer, occurrences=0, score=None, fatal=False, serious=False)


@dataclass(frozen=True, slots=True)
class Decision:
    appeal: Appeal
    evaluation: Evaluation | None  # the new version, when the decision changed the evaluation
    runs: tuple[int, ...]  # runs made again (open periods)
    corrections: tuple[int, ...]  # postings made (closed periods)
    problems: tuple[Problem, ...]


def do_decide(ws: Workspace, appeal_id: int, outcome: str, reason: str, *, acting_user: str,
              answers: Mapping[str, Answer] | None = None, today: dt.date | None = None) -> Decision | Problem:
    """The QA manager's decision. Overturned: the appealed items (all, for a whole appeal) are cleared;
    partly: ``answers`` give the appealed items' new answers; upheld: nothing changes."""
    account = account_named(acting_user)
    appeal = Appeal.objects.filter(pk=appeal_id).first()
    if appeal is None or account is None or account.role != Role.QA_MANAGER:
        return _refuse("not_qa_manager", str(appeal_id), "Only a QA manager decides an appeal.", "申诉由质检主管裁定。")
    ev = current(appeal.evaluation_id)
    assert ev is not None
    if ev.evaluator == acting_user:  # the original evaluator (every version carries them), never the reviewer
        return _refuse("own_evaluation", appeal.evaluation_id,
                       "You made this evaluation; another QA manager reviews the appeal against it.",
                       "该质检由您评分，申诉须由其他质检主管裁定。")
    if appeal.status != Appeal.Status.QA:
        return _refuse("not_with_qa", str(appeal_id), "This appeal is not waiting for a QA decision.",
                       "该申诉不在质检主管裁定环节。")
    if outcome not in DECISIONS:
        return _refuse("bad_outcome", outcome, f"'{outcome}' is not a decision.", f"“{outcome}”不是有效的裁定。",
                       fix="upheld, partly or overturned", fix_zh="可选：upheld（维持）、partly（部分采纳）、overturned（成立）")
    if not reason.strip():
        return _refuse("reason_needed", str(appeal_id), "A decision needs its reason, for the agent.",
                       "裁定须写明理由，告知坐席。")
    card = card_for(ws, ev.scorecard, ev.agent_id, ev.call_at)
    if isinstance(card, Problem):
        return card
    appealed = set(appeal.items) or {a["item"] for a in ev.answers}
    new_answers: list[Answer] = []
    for a in answers_of(ev.answers):
        item = card.item(a.item_id)
        if a.item_id not in appealed or item is None or outcome == Appeal.Status.UPHELD:
            new_answers.append(a)
        elif outcome == Appeal.Status.OVERTURNED:
            new_answers.append(cleared(a, item.kind, item.maximum))
        else:
            new_answers.append((answers or {}).get(a.item_id, a))
    changed = outcome != Appeal.Status.UPHELD and new_answers != answers_of(ev.answers)
    made: Evaluation | None = None
    runs: list[int] = []
    postings: list[int] = []
    problems: list[Problem] = []
    label = f"appeal {appeal.pk} ({appeal.evaluation_id})"
    if changed:
        version = new_version(ws, evaluation_id=ev.evaluation_id, assignment=None, card=card, answers=new_answers,
                              comment=ev.comment, why=f"appeal {appeal.pk}: {outcome}", acting_user=acting_user)
        if isinstance(version, list):
            return version[0]
        made = version
    now = djtz.now()
    with transaction.atomic():
        appeal.status = outcome
        appeal.decided_by, appeal.decided_at, appeal.decision_reason = acting_user, now, reason.strip()
        appeal.new_version = made.version if made is not None else None
        appeal.save()
        AuditEvent.objects.create(at=now, actor=acting_user, action="appeal_decide", target=appeal.evaluation_id,
                                  detail={"appeal": appeal.pk, "outcome": outcome,
                                          "version": made.version if made is not None else None})
    if made is not None:
        local = djtz.localtime(made.call_at, ZoneInfo(ws.timezone))
        problems.extend(do_publish(ws, [f"{local:%Y-%m}"], acting_user=acting_user))
        why = (f"申诉 {appeal.pk}（{appeal.evaluation_id}）改判：{made.score} 分 / "
               f"{label} changed the score to {made.score}")
        for run_row in runs_reading("evaluations", local.date()):
            result = do_recompute(ws, run_row, appeal.agent_id, acting_user=acting_user, reason=why, today=today)
            if isinstance(result, Problem):
                problems.append(result)
            elif isinstance(result, RunOutcome):
                if result.run_id is not None:
                    runs.append(result.run_id)
                problems.extend(p for p in result.problems if p.is_error)
            else:
                postings.extend(p.pk for p in result)
        appeal.consequences = [{"run": r} for r in runs] + [{"posting": p} for p in postings]
        appeal.save(update_fields=["consequences"])
    return Decision(appeal, made, tuple(runs), tuple(postings), tuple(problems))
