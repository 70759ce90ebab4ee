"""What the QA workflow's pages show — the evaluator's queue and form, an agent's evaluations with their
appeals, the appeal inboxes — as frozen records; and how a submitted form becomes item answers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone as djtz

from jili.autoqa.judgement import Judgement, judge, shipped
from jili.autoqa.transcript import Transcript, Turn
from jili.core.problems import Location, Problem, Severity
from jili.io.factstore.autoqa import CallFinding, findings_of, transcript_of
from jili.io.workspace import Workspace
from jili.qa.scorecard import SCORED, Item, ItemKind, Scorecard, Section
from jili.qa.scoring import Answer, Scored, score
from jili.registry.evaluations import answers_of, card_for, current
from jili.registry.facts import shared_facts
from jili.registry.models import Acknowledgement, Appeal, Assignment, Evaluation

# --- the evaluation form ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FormItem:
    item: Item
    section: Section
    answer: Answer | None
    machine: bool  # pre-filled from an auto-QA finding on the call
    yes_no: bool
    scored: bool
    counted: bool  # deduction or bonus: a number of occurrences
    fatal: bool


@dataclass(frozen=True, slots=True)
class Span:
    text: str
    finding: CallFinding | None


@dataclass(frozen=True, slots=True)
class ShownTurn:
    number: int
    speaker: str
    spans: tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class CallRef:
    """The call a form scores."""

    interaction_id: str
    agent_id: str
    call_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ScoringForm:
    call: CallRef
    card: Scorecard
    items: tuple[FormItem, ...]
    saved: str  # what is saved already ("J0000003 v2"), empty for a first scoring
    comment: str
    turns: tuple[ShownTurn, ...]
    findings: tuple[CallFinding, ...]
    total: Scored | None
    judgement: Judgement | None = None  # the agent's part as people would judge it, when there is a transcript


def _spans(text: str, found: list[CallFinding]) -> tuple[Span, ...]:
    """A turn's text cut at its findings' spans (a finding without a span marks the whole turn)."""
    marks = sorted((f for f in found if f.span_start is not None and f.span_end is not None),
                   key=lambda f: (f.span_start or 0))
    whole = next((f for f in found if f.span_start is None), None)
    if not marks:
        return (Span(text, whole),)
    out, at = [], 0
    for f in marks:
        start, end = max(at, f.span_start or 0), min(len(text), f.span_end or 0)
        if start >= end:
            continue
        if start > at:
            out.append(Span(text[at:start], None))
        out.append(Span(text[start:end], f))
        at = end
    if at < len(text):
        out.append(Span(text[at:], None))
    return tuple(out)


def _shown(turns: tuple[Turn, ...], findings: list[CallFinding]) -> tuple[ShownTurn, ...]:
    return tuple(ShownTurn(i, t.speaker, _spans(t.text, [f for f in findings if f.turn == i]))
                 for i, t in enumerate(turns))


def prefill(card: Scorecard, findings: list[CallFinding]) -> dict[str, Answer]:
    """Answers auto-QA suggests (a pack names items as ``scorecard.item``, or the item alone): an occurrence per
    finding on a deduction item, a fatal flag on a fatal item, "no" on a yes/no item."""
    counts: dict[str, int] = {}
    for f in findings:
        card_id, _, item_id = (f.item or "").rpartition(".")
        if item_id and card_id in ("", card.id):
            counts[item_id] = counts.get(item_id, 0) + 1
    out = {}
    for item_id, n in counts.items():
        item = card.item(item_id)
        if item is not None and item.kind == ItemKind.DEDUCTION:
            out[item_id] = Answer(item_id, occurrences=n)
        elif item is not None and item.kind == ItemKind.FATAL:
            out[item_id] = Answer(item_id, fatal=True)
        elif item is not None and item.kind == ItemKind.YES_NO:
            out[item_id] = Answer(item_id, score=Decimal(0))
    return out


def scoring_form(ws: Workspace, card_id: str, call: CallRef, stored: Sequence[Mapping[str, Any]] | None,
                 saved: str = "", comment: str = "", submitted: list[Answer] | None = None) -> ScoringForm | Problem:
    """The form of ``card_id``'s version in force on the call's day for the agent's desk, filled with what was
    ``stored`` (or, for a first scoring, what auto-QA suggests, marked as machine-filled), or with what was just
    ``submitted`` and refused; the call's transcript with the findings marked; the total as the scorer gives it."""
    card = card_for(ws, card_id, call.agent_id, call.call_at)
    if isinstance(card, Problem):
        return card
    con = shared_facts(ws)
    findings = findings_of(con, call.interaction_id)
    machine = prefill(card, findings) if stored is None else {}
    given = {a.item_id: a for a in (submitted if submitted is not None else answers_of(stored) if stored else [])}
    marked = {a["item"] for a in stored if a.get("machine")} if stored is not None else set(machine)
    items = tuple(FormItem(i, card.section(i.section), given.get(i.id) or machine.get(i.id), i.id in marked,
                           i.kind == ItemKind.YES_NO, i.kind in SCORED,
                           i.kind in (ItemKind.DEDUCTION, ItemKind.BONUS), i.kind == ItemKind.FATAL)
                  for i in card.items)
    answers = [f.answer for f in items if f.answer is not None]
    total, _ = score(card, answers, Location(call.interaction_id)) if answers else (None, [])
    turns = transcript_of(con, call.interaction_id)
    judged = judge(shipped(), Transcript(call.interaction_id, turns, call.agent_id)) if turns else None
    return ScoringForm(call, card, items, saved, comment, _shown(turns, findings), tuple(findings), total, judged)


def evaluate_form(ws: Workspace, assignment: Assignment, submitted: list[Answer] | None = None) -> ScoringForm | Problem:
    """The form of an assigned call, with the latest saved version of its evaluation."""
    latest = Evaluation.objects.filter(assignment=assignment).order_by("-version").first()
    call = CallRef(assignment.interaction_id, assignment.agent_id, assignment.call_at)
    return scoring_form(ws, assignment.scorecard, call, latest.answers if latest else None,
                        f"{latest.evaluation_id} v{latest.version}" if latest else "", latest.comment if latest else "",
                        submitted)


def answers_from_form(card: Scorecard, data: Mapping[str, str]) -> tuple[list[Answer], list[Problem]]:
    """The form's fields (``score-ITEM``, ``na-ITEM``, ``count-ITEM``, ``serious-ITEM``, ``fatal-ITEM``) as
    answers; a field that is not a number is a problem naming the item."""
    answers, problems = [], []
    for item in card.items:
        na = data.get(f"na-{item.id}") == "on"
        if item.kind in SCORED:
            text = str(data.get(f"score-{item.id}", "")).strip()
            if na:
                answers.append(Answer(item.id, not_applicable=True))
                continue
            if not text:
                continue  # scoring refuses a missing required item with its own message
            try:
                answers.append(Answer(item.id, score=Decimal(text)))
            except InvalidOperation:
                problems.append(Problem(Severity.ERROR, "bad_value", Location(item.id, column=item.name_en),
                                        f"{item.name_en}: '{text}' is not a number.", f"{item.name_zh}：“{text}”不是数字。",
                                        expected=item.allowed(), found=text))
        elif item.kind in (ItemKind.DEDUCTION, ItemKind.BONUS):
            text = str(data.get(f"count-{item.id}", "") or "0").strip()
            if not text.isdigit():
                problems.append(Problem(Severity.ERROR, "bad_value", Location(item.id, column=item.name_en),
                                        f"{item.name_en}: '{text}' is not a number of occurrences.",
                                        f"{item.name_zh}：“{text}”不是次数。", expected="0, 1, 2 …", found=text))
                continue
            if int(text) or na:
                answers.append(Answer(item.id, occurrences=int(text), not_applicable=na,
                                      serious=data.get(f"serious-{item.id}") == "on"))
        elif data.get(f"fatal-{item.id}") == "on":
            answers.append(Answer(item.id, fatal=True))
    return answers, problems


# --- an agent's evaluations and appeals ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EvaluationRow:
    evaluation: Evaluation
    acknowledged: bool
    appeal: Appeal | None  # the latest appeal
    window_end: dt.date | None


def evaluations_of(agent_id: str) -> list[EvaluationRow]:
    """An agent's evaluations made in Jili, the version in force of each, newest call first."""
    latest: dict[str, Evaluation] = {}
    for ev in Evaluation.objects.filter(agent_id=agent_id).order_by("evaluation_id", "version"):
        latest[ev.evaluation_id] = ev
    acked = set(Acknowledgement.objects.filter(evaluation_id__in=list(latest)).values_list("evaluation_id", flat=True))
    appeals: dict[str, Appeal] = {}
    for a in Appeal.objects.filter(evaluation_id__in=list(latest)).order_by("id"):
        appeals[a.evaluation_id] = a
    return sorted((EvaluationRow(ev, ev.evaluation_id in acked, appeals.get(ev.evaluation_id), None)
                   for ev in latest.values()), key=lambda r: r.evaluation.call_at, reverse=True)


@dataclass(frozen=True, slots=True)
class ItemLine:
    item: Item | None
    item_id: str
    answer: Answer
    points: Decimal | None
    machine: bool
    appealed: bool


@dataclass(frozen=True, slots=True)
class EvaluationDetail:
    evaluation: Evaluation
    versions: tuple[Evaluation, ...]
    card: Scorecard | None
    lines: tuple[ItemLine, ...]
    acknowledged: Acknowledgement | None
    appeals: tuple[Appeal, ...]
    open_appeal: Appeal | None
    window_end: dt.date | Problem
    window_days: int
    can_appeal: bool


def evaluation_detail(ws: Workspace, evaluation_id: str, today: dt.date | None = None) -> EvaluationDetail | None:
    from jili.registry.appeals import notice_date
    from jili.registry.calendar import deadline

    ev = current(evaluation_id)
    if ev is None:
        return None
    found = card_for(ws, ev.scorecard, ev.agent_id, ev.call_at)
    card = found if not isinstance(found, Problem) else None
    scored, _ = score(card, answers_of(ev.answers), Location(evaluation_id)) if card is not None else (None, [])
    points = {s.item_id: s.points for s in scored.items} if scored is not None else {}
    appeals = tuple(Appeal.objects.filter(evaluation_id=evaluation_id).order_by("id"))
    open_appeal = next((a for a in appeals if a.status in (Appeal.Status.LEADER, Appeal.Status.QA)), None)
    appealed = set(open_appeal.items) if open_appeal is not None else set()
    lines = tuple(ItemLine(card.item(a.item_id) if card else None, a.item_id, a, points.get(a.item_id),
                           any(x["item"] == a.item_id and x.get("machine") for x in ev.answers), a.item_id in appealed)
                  for a in answers_of(ev.answers))
    ack = Acknowledgement.objects.filter(evaluation_id=evaluation_id).first()
    window = deadline(notice_date(ws, evaluation_id), ws.appeals.window_days)
    today = today or djtz.localdate()
    can = (ack is None and open_appeal is None and not isinstance(window, Problem) and today <= window)
    versions = tuple(Evaluation.objects.filter(evaluation_id=evaluation_id).order_by("version"))
    return EvaluationDetail(ev, versions, card, lines, ack, appeals, open_appeal, window, ws.appeals.window_days, can)


# --- appeal inboxes -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AppealRow:
    appeal: Appeal
    overdue: bool
    score: Decimal | None


def appeal_rows(appeals: list[Appeal], today: dt.date | None = None) -> list[AppealRow]:
    today = today or djtz.localdate()
    scores = {e.evaluation_id: e.score for e in Evaluation.objects.filter(
        evaluation_id__in=[a.evaluation_id for a in appeals]).order_by("version")}
    return [AppealRow(a, a.status in (Appeal.Status.LEADER, Appeal.Status.QA) and a.review_due < today,
                      scores.get(a.evaluation_id)) for a in appeals]
