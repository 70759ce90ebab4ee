"""R5's coaching loop: what opens a task (a rule's flag such as bottom 10 % twice, a fatal error, a critical
auto-QA finding), the team leader's session, the agent's acknowledgement, and the follow-up evaluation that
closes it. Every write is a ``do_*`` action with an audit row."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone as djtz

from jili.core.periods import Period
from jili.core.problems import Location, Problem, Severity
from jili.core.statement import statement_from_text
from jili.io.factstore.autoqa import severe_findings
from jili.io.factstore.qa import fatal_evaluations
from jili.io.workspace import Workspace
from jili.registry.accounts import account_named, agent_of, current_team, led_teams
from jili.registry.calendar import deadline
from jili.registry.facts import shared_facts
from jili.registry.models import AuditEvent, CoachingTask, PolicyRun, Role, StatementRecord
from jili.registry.models import Standing as StandingRow

DUE_DAYS = 5  # working days to hold the session
REASON_LABELS = {"flagged": ("flagged by a rule", "规则标记"), "fatal": ("a fatal error", "致命错误"),
                 "autoqa": ("a critical auto-QA finding", "严重智能质检发现")}  # (en, zh), what the site shows
STATUS_LABELS = {"open": ("open", "待辅导"), "held": ("session held, awaiting a follow-up evaluation", "已辅导，待复检"),
                 "closed": ("closed by a follow-up evaluation", "已闭环")}
FLAGGED, FATAL, AUTOQA = (str(r) for r in (CoachingTask.Reason.FLAGGED, CoachingTask.Reason.FATAL,
                                           CoachingTask.Reason.AUTOQA))


def _refuse(code: str, where: str, en: str, zh: str) -> Problem:
    return Problem(Severity.ERROR, code, Location(where), en, zh)


def findings(ws: Workspace, period: Period) -> list[tuple[str, str, str]]:
    """(agent, reason, evidence) of everything in ``period`` that calls for coaching."""
    out: list[tuple[str, str, str]] = []
    for run in PolicyRun.objects.filter(status=PolicyRun.Status.ACTIVE, period__label=period.label):
        flagged = StandingRow.objects.filter(run=run, flags__gt=0).values_list("agent_id", flat=True).distinct()
        for record in StatementRecord.objects.filter(run=run, agent_id__in=list(flagged)):
            for flag in statement_from_text(record.data).flags:
                out.append((record.agent_id, FLAGGED, f"{run.policy_id} {period.label} {flag.rule_id}"))
    con = shared_facts(ws)
    out += [(agent, FATAL, evaluation) for agent, evaluation in fatal_evaluations(con, period, ws.timezone)]
    out += [(agent, AUTOQA, f"{rule} {call}")
            for agent, rule, call in severe_findings(con, period, ws.timezone)]
    return out


def do_open_coaching(ws: Workspace, period: Period, *, acting_user: str,
                     today: dt.date | None = None) -> list[CoachingTask] | Problem:
    """A task for each finding of the period not already opened, due in 5 working days."""
    due = deadline(today or djtz.localdate(), DUE_DAYS)
    if isinstance(due, Problem):
        return due
    now = djtz.now()
    made = []
    for agent, reason, evidence in dict.fromkeys(findings(ws, period)):
        try:
            with transaction.atomic():
                made.append(CoachingTask.objects.create(agent_id=agent, team=current_team(agent) or "", reason=reason,
                                                        evidence=evidence[:300], period=period.label, opened_at=now,
                                                        opened_by=acting_user, due=due))
        except IntegrityError:
            continue  # opened before
    AuditEvent.objects.create(at=now, actor=acting_user, action="open_coaching", target=period.label,
                              detail={"tasks": len(made)})
    return made


def do_hold_session(task_id: int, notes: str, *, acting_user: str) -> CoachingTask | Problem:
    task = CoachingTask.objects.filter(pk=task_id).first()
    account = account_named(acting_user)
    if (task is None or account is None or account.role != Role.LEADER or not task.team
            or task.team not in led_teams(account)):
        return _refuse("not_your_team", str(task_id), "This coaching task is not for your team.", "该辅导任务不属于您的班组。")
    if task.status != CoachingTask.Status.OPEN:
        return _refuse("not_open", str(task_id), "The session was already held.", "该辅导已完成。")
    if not notes.strip():
        return _refuse("notes_needed", str(task_id), "Write what was discussed and agreed.", "请记录辅导内容与改进约定。")
    with transaction.atomic():
        task.status, task.session_at, task.session_by, task.session_notes = (
            CoachingTask.Status.HELD, djtz.now(), acting_user, notes.strip())
        task.save()
        AuditEvent.objects.create(at=task.session_at, actor=acting_user, action="coaching_session",
                                  target=task.agent_id, detail={"task": task.pk})
    return task


def do_acknowledge_coaching(task_id: int, *, acting_user: str) -> Problem | None:
    task = CoachingTask.objects.filter(pk=task_id).first()
    if task is None or agent_of(acting_user) != task.agent_id:
        return _refuse("not_yours", str(task_id), "This coaching task is not yours.", "这不是您的辅导任务。")
    if task.session_at is None:
        return _refuse("not_held", str(task_id), "The session has not been held yet.", "辅导尚未进行。")
    if task.acknowledged_at is None:
        with transaction.atomic():
            task.acknowledged_at = djtz.now()
            task.save(update_fields=["acknowledged_at"])
            AuditEvent.objects.create(at=task.acknowledged_at, actor=acting_user, action="coaching_acknowledge",
                                      target=task.agent_id, detail={"task": task.pk})
    return None


def close_by_follow_up(agent_id: str, evaluation_id: str, at: dt.datetime, acting_user: str) -> int:
    """A new evaluation of the agent after a held session closes the loop; how many tasks it closed."""
    tasks = list(CoachingTask.objects.filter(agent_id=agent_id, status=CoachingTask.Status.HELD, session_at__lt=at))
    for task in tasks:
        task.status, task.follow_up, task.closed_at = CoachingTask.Status.CLOSED, evaluation_id, at
        task.save(update_fields=["status", "follow_up", "closed_at"])
        AuditEvent.objects.create(at=at, actor=acting_user, action="coaching_closed", target=agent_id,
                                  detail={"task": task.pk, "evaluation": evaluation_id})
    return len(tasks)


@dataclass(frozen=True, slots=True)
class TaskRow:
    task: CoachingTask
    overdue: bool


def task_rows(tasks: list[CoachingTask], today: dt.date | None = None) -> list[TaskRow]:
    today = today or djtz.localdate()
    return [TaskRow(t, t.status == CoachingTask.Status.OPEN and t.due < today) for t in tasks]
