"""Evaluations made in Jili: the evaluator's queue from the sampling plan, saving a scored evaluation
(a new version, never an edit), and publishing the versions in force to the facts so that policies,
statements and the quality page read them like any imported evaluation.

Every write is a ``do_*`` action with an audit row; a refused action returns its problems."""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone as djtz

from jili.core.periods import Period, PeriodKind, parse_period, period_of
from jili.core.problems import Location, Problem, Severity
from jili.io.factstore.qa import calls_for_sampling
from jili.io.specs.mapping import Mapping as ColumnMapping
from jili.io.specs.scorecard import workspace_scorecards
from jili.io.workspace import Workspace
from jili.qa.sampling import Plan, sample
from jili.qa.scorecard import Scorecard, version_for
from jili.qa.scoring import Answer, score
from jili.registry.accounts import agent_of
from jili.registry.calendar import deadline
from jili.registry.coaching import close_by_follow_up
from jili.registry.facts import shared_facts
from jili.registry.imports import ImportStatus, do_import
from jili.registry.models import Account, AgentSpell, Assignment, AuditEvent, Evaluation, ImportBatch, Role

SOURCE = "internal"  # what Jili's own evaluators are, in the facts (R15 reads internal and carrier QA)
PUBLISHED = {"evaluations": "jili-site-evaluations", "evaluation_items": "jili-site-evaluation-items"}


def _problem(code: str, where: str, en: str, zh: str, fix: str = "", fix_zh: str = "") -> Problem:
    return Problem(Severity.ERROR, code, Location(where), en, zh, fix=fix, fix_zh=fix_zh)


def scorecards(ws: Workspace) -> list[Scorecard]:
    cards, _ = workspace_scorecards(ws.scorecards_dir)
    return cards


def do_assign(ws: Workspace, period: Period, evaluators: Sequence[str], scorecard: str, *, acting_user: str,
              plan: Plan = Plan(), due_in: int = 5, today: dt.date | None = None) -> list[Assignment] | Problem:
    """Sample the period's calls (R3: 15 per agent) and share the picks among ``evaluators``, an agent's
    calls with one evaluator each, never with the evaluator who is that agent; due ``due_in`` working days on."""
    known = set(Account.objects.filter(user__username__in=list(evaluators),
                                       role__in=[Role.EVALUATOR, Role.QA_MANAGER]).values_list("user__username", flat=True))
    missing = [e for e in evaluators if e not in known]
    if missing or not evaluators:
        return _problem("unknown_evaluator", ", ".join(missing) or "-", "These are not evaluators' accounts: "
                        + (", ".join(missing) or "none given") + ".",
                        "以下不是质检员账号：" + ("、".join(missing) or "未指定") + "。",
                        fix="Create them with jili user add NAME --role evaluator.",
                        fix_zh="请用 jili user add 名称 --role evaluator 创建。")
    due = deadline(today or djtz.localdate(), due_in)
    if isinstance(due, Problem):
        return due
    taken = set(Assignment.objects.values_list("interaction_id", flat=True))
    own = {e: agent_of(e) for e in evaluators}
    tz = ZoneInfo(ws.timezone)
    now = djtz.now()
    rows = []
    for i, picked in enumerate(sample(calls_for_sampling(shared_facts(ws), period, ws.timezone), plan)):
        allowed = [e for e in evaluators if own[e] != picked.agent_id]
        if not allowed:
            continue
        evaluator = allowed[i % len(allowed)]
        for pick in picked.picks:
            if pick.call.interaction_id in taken:
                continue
            rows.append(Assignment(period=period.label, interaction_id=pick.call.interaction_id,
                                   agent_id=pick.call.agent_id, call_at=pick.call.local_start.replace(tzinfo=tz),
                                   evaluator=evaluator, scorecard=scorecard, due=due, reason_en=pick.reason_en[:200],
                                   reason_zh=pick.reason_zh[:200], assigned_at=now, assigned_by=acting_user))
    with transaction.atomic():
        Assignment.objects.bulk_create(rows, batch_size=2000)
        AuditEvent.objects.create(at=now, actor=acting_user, action="assign_sample", target=period.label,
                                  detail={"calls": len(rows), "evaluators": list(evaluators), "scorecard": scorecard,
                                          "due": due.isoformat()})
    return rows


@dataclass(frozen=True, slots=True)
class QueueEntry:
    assignment: Assignment
    done: bool
    overdue: bool


def queue(evaluator: str, today: dt.date | None = None) -> list[QueueEntry]:
    """An evaluator's assignments, open ones first, with what is overdue."""
    today = today or djtz.localdate()
    done = set(Evaluation.objects.filter(assignment__evaluator=evaluator).values_list("assignment_id", flat=True))
    entries = [QueueEntry(a, a.pk in done, a.pk not in done and a.due < today)
               for a in Assignment.objects.filter(evaluator=evaluator).order_by("due", "id")]
    return sorted(entries, key=lambda e: (e.done, e.assignment.due, e.assignment.pk))


def desk_of(agent_id: str, day: dt.date) -> str | None:
    spell = (AgentSpell.objects.filter(agent__agent_id=agent_id, valid_from__lte=day)
             .order_by("-valid_from").first())
    return spell.desk or None if spell is not None else None


def card_for(ws: Workspace, card_id: str, agent_id: str, call_at: dt.datetime,
             cards: Sequence[Scorecard] | None = None) -> Scorecard | Problem:
    """The scorecard version in force on the call's day, for the agent's desk that day (R3). ``cards``: the
    workspace's scorecards when the caller has read them already (for many calls at once)."""
    day = djtz.localtime(call_at, ZoneInfo(ws.timezone)).date()
    card = version_for(scorecards(ws) if cards is None else cards, card_id, day, desk_of(agent_id, day))
    if card is None:
        return _problem("unknown_scorecard", card_id, f"No version of scorecard '{card_id}' is in force on {day}.",
                        f"{day} 没有生效的评分表“{card_id}”。",
                        fix="Put the scorecard file in the workspace's scorecards/ folder.",
                        fix_zh="请把评分表文件放入工作区的 scorecards/ 目录。")
    return card


def current(evaluation_id: str) -> Evaluation | None:
    return Evaluation.objects.filter(evaluation_id=evaluation_id).order_by("-version").first()


def answers_of(stored: Sequence[Mapping[str, Any]]) -> list[Answer]:
    """Item answers as an evaluation (or a calibration score) stores them."""
    return [Answer(a["item"], Decimal(a["score"]) if a.get("score") not in (None, "") else None,
                   a.get("occurrences"), bool(a.get("not_applicable")), bool(a.get("fatal")), bool(a.get("serious")))
            for a in stored]


def answers_json(answers: Sequence[Answer], machine: Sequence[str]) -> list[dict[str, object]]:
    return [{"item": a.item_id, "score": str(a.score) if a.score is not None else None, "occurrences": a.occurrences,
             "not_applicable": a.not_applicable, "fatal": a.fatal, "serious": a.serious,
             "machine": a.item_id in machine} for a in answers]


def new_version(ws: Workspace, *, evaluation_id: str | None, assignment: Assignment | None, card: Scorecard,
                answers: Sequence[Answer], comment: str, why: str, acting_user: str,
                machine: Sequence[str] = ()) -> Evaluation | list[Problem]:
    """Score ``answers`` on ``card`` and store them as the next version (the first when ``evaluation_id`` is
    None). Called inside the actions below, which check who may do it."""
    scored, problems = score(card, answers, Location(evaluation_id or "new evaluation"))
    if scored is None:
        return problems
    before = current(evaluation_id) if evaluation_id is not None else None
    head = before if before is not None else assignment
    assert head is not None
    now = djtz.now()
    with transaction.atomic():
        ev = Evaluation.objects.create(
            evaluation_id=evaluation_id or "", version=(before.version + 1) if before is not None else 1,
            assignment=assignment if before is None else before.assignment, interaction_id=head.interaction_id,
            agent_id=head.agent_id, evaluator=before.evaluator if before is not None else acting_user,
            scorecard=card.id, scorecard_version=card.version, call_at=head.call_at,
            answers=answers_json(answers, machine), score=scored.total, fatal=scored.fatal, comment=comment,
            why=why, created_at=now, created_by=acting_user)
        if evaluation_id is None:
            ev.evaluation_id = f"J{ev.pk:07d}"
            ev.save(update_fields=["evaluation_id"])
        AuditEvent.objects.create(at=now, actor=acting_user, action="evaluate", target=ev.evaluation_id,
                                  detail={"version": ev.version, "score": str(scored.total), "fatal": scored.fatal,
                                          "why": why})
        if ev.version == 1:
            close_by_follow_up(ev.agent_id, ev.evaluation_id, now, acting_user)  # R5: the follow-up closes the loop
    return ev


def do_evaluate(ws: Workspace, assignment_id: int, answers: Sequence[Answer], comment: str, *, acting_user: str,
                machine: Sequence[str] = ()) -> Evaluation | list[Problem]:
    """Save an evaluator's scoring of an assigned call: a first version, or a new version of their own."""
    assignment = Assignment.objects.filter(pk=assignment_id).first()
    if assignment is None or assignment.evaluator != acting_user:
        return [_problem("not_assigned", str(assignment_id), "This call is not in your queue.", "该通话不在您的质检队列中。")]
    if agent_of(acting_user) == assignment.agent_id:
        return [_problem("own_call", assignment.interaction_id, "An evaluator never evaluates their own calls.",
                         "质检员不能评自己的通话。")]
    card = card_for(ws, assignment.scorecard, assignment.agent_id, assignment.call_at)
    if isinstance(card, Problem):
        return [card]
    earlier = Evaluation.objects.filter(assignment=assignment).order_by("-version").first()
    return new_version(ws, evaluation_id=earlier.evaluation_id if earlier else None, assignment=assignment, card=card,
                       answers=answers, comment=comment, why="edit" if earlier else "first", acting_user=acting_user,
                       machine=machine)


def _month_rows(ws: Workspace, month: str) -> tuple[list[list[str]], list[list[str]]]:
    """The versions in force of the evaluations of calls in ``month`` (local time), as rows of the two formats."""
    tz = ZoneInfo(ws.timezone)
    period = parse_period(month)
    assert period is not None
    lo = dt.datetime.combine(period.start, dt.time(), tz)
    hi = dt.datetime.combine(period.end, dt.time(), tz)
    latest: dict[str, Evaluation] = {}
    for ev in Evaluation.objects.filter(call_at__gte=lo, call_at__lt=hi).order_by("evaluation_id", "version"):
        latest[ev.evaluation_id] = ev
    heads, items = [], []
    for ev in latest.values():
        local = djtz.localtime(ev.call_at, tz)
        heads.append([ev.evaluation_id, ev.interaction_id, ev.agent_id, ev.scorecard, ev.scorecard_version, SOURCE,
                      ev.evaluator, local.isoformat(), djtz.localtime(ev.created_at, tz).isoformat(), str(ev.score),
                      "true" if ev.fatal else "false"])
        for a in ev.answers:
            items.append([ev.evaluation_id, str(a["item"]), "" if a.get("score") is None else str(a["score"]),
                          "" if a.get("occurrences") is None else str(a["occurrences"]),
                          "true" if a.get("not_applicable") else "false", "true" if a.get("fatal") else "false",
                          "true" if a.get("serious") else "false"])
    return heads, items


def months_of(period: Period) -> list[str]:
    """The months a period touches (a week may straddle two)."""
    first = period_of(period.start, PeriodKind.MONTH)
    last = period_of(period.end - dt.timedelta(days=1), PeriodKind.MONTH)
    out = [first.label]
    while first.start < last.start:
        first = period_of(first.end, PeriodKind.MONTH)
        out.append(first.label)
    return out


_HEADS = ["evaluation_id", "interaction_id", "agent_id", "scorecard", "scorecard_version", "source", "evaluator",
          "call_at", "evaluated_at", "score", "fatal"]
_ITEMS = ["evaluation_id", "item_id", "score", "occurrences", "not_applicable", "fatal", "serious"]


def do_publish(ws: Workspace, months: Sequence[str], *, acting_user: str) -> list[Problem]:
    """Write the versions in force of the evaluations of calls in ``months`` to the facts, one batch per month
    and format superseding the month's previous one (unchanged content is not imported again)."""
    from jili.core.facts import FORMATS

    problems: list[Problem] = []
    for month in sorted(set(months)):
        heads, items = _month_rows(ws, month)
        for fact, header, rows in (("evaluations", _HEADS, heads), ("evaluation_items", _ITEMS, items)):
            name = f"{PUBLISHED[fact]}-{month}.csv"
            previous = ImportBatch.objects.filter(fact=fact, source_name=name, status=ImportBatch.Status.ACTIVE).first()
            with tempfile.TemporaryDirectory(dir=ws.staging_dir) as tmp:
                path = Path(tmp) / name
                with path.open("w", newline="", encoding="utf-8") as f:
                    writer = csv.writer(f)
                    writer.writerow(header)
                    writer.writerows(rows)
                if not rows:
                    continue
                outcome = do_import(ws, path, ColumnMapping.plain(FORMATS[fact]), acting_user=acting_user,
                                    supersede=previous.pk if previous is not None else None)
            if outcome.status == ImportStatus.REJECTED:
                problems.extend(outcome.problems)
    return problems
