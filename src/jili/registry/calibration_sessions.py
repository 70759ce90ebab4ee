"""Calibration sessions: the QA manager picks calls and evaluators; each evaluator scores every call blind (no
one sees another's scores until the report); the report is Krippendorff's alpha, ICC, the share within ±5
points, each evaluator's leniency with its interval and the items people disagree on; the manager may set a
consensus score per call. Scores of a session are about the evaluators, not the agents: they do not reach the
facts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone as djtz

from jili.core.problems import Location, Problem, Severity
from jili.io.factstore.qa import calls_by_id
from jili.io.workspace import Workspace
from jili.qa.calibration import Calibration, ItemAgreement, Rating, calibrate
from jili.qa.scorecard import Scorecard
from jili.qa.scoring import Answer, score
from jili.registry.evaluations import answers_json, answers_of, card_for, scorecards
from jili.registry.facts import shared_facts
from jili.registry.models import Account, AuditEvent, CalibrationCall, CalibrationScore, CalibrationSession, Role


def _refuse(code: str, where: str, en: str, zh: str) -> Problem:
    return Problem(Severity.ERROR, code, Location(where), en, zh)


def do_open_session(ws: Workspace, name: str, scorecard: str, interaction_ids: Sequence[str], evaluators: Sequence[str],
                    *, acting_user: str) -> CalibrationSession | Problem:
    ids = list(dict.fromkeys(i.strip() for i in interaction_ids if i.strip()))
    if not name.strip():
        return _refuse("name_needed", "-", "A session needs a name.", "校准会须有名称。")
    if scorecard not in {c.id for c in scorecards(ws)}:
        return _refuse("unknown_scorecard", scorecard, f"No scorecard '{scorecard}'.", f"没有评分表“{scorecard}”。")
    known = set(Account.objects.filter(user__username__in=list(evaluators), role__in=[Role.EVALUATOR, Role.QA_MANAGER])
                .values_list("user__username", flat=True))
    if len(known) < 2 or known != set(evaluators):
        return _refuse("evaluators_needed", ", ".join(evaluators) or "-",
                       "A calibration needs two or more evaluators' accounts.", "校准须至少两名质检员账号。")
    calls = calls_by_id(shared_facts(ws), ids, ws.timezone)
    missing = sorted(set(ids) - {c.interaction_id for c in calls})
    if missing or not ids:
        return _refuse("unknown_call", ", ".join(missing) or "-", f"No answered call {', '.join(missing) or 'given'}.",
                       f"没有这些通话：{'、'.join(missing) or '未指定'}。")
    tz = ZoneInfo(ws.timezone)
    now = djtz.now()
    with transaction.atomic():
        session = CalibrationSession.objects.create(name=name.strip(), scorecard=scorecard, evaluators=sorted(known),
                                                    created_at=now, created_by=acting_user)
        CalibrationCall.objects.bulk_create([CalibrationCall(session=session, interaction_id=c.interaction_id,
                                                             agent_id=c.agent_id, call_at=c.local_start.replace(tzinfo=tz))
                                             for c in calls])
        AuditEvent.objects.create(at=now, actor=acting_user, action="open_calibration", target=session.name,
                                  detail={"session": session.pk, "calls": ids, "evaluators": sorted(known)})
    return session


def do_calibration_score(ws: Workspace, call_id: int, answers: Sequence[Answer], *, acting_user: str
                         ) -> CalibrationScore | list[Problem]:
    call = CalibrationCall.objects.filter(pk=call_id).select_related("session").first()
    if call is None or acting_user not in call.session.evaluators:
        return [_refuse("not_in_session", str(call_id), "You are not an evaluator of this session.",
                        "您不是该校准会的质检员。")]
    if call.session.closed_at is not None:
        return [_refuse("session_closed", call.session.name, "The session is closed.", "该校准会已结束。")]
    card = card_for(ws, call.session.scorecard, call.agent_id, call.call_at)
    if isinstance(card, Problem):
        return [card]
    scored, problems = score(card, answers, Location(call.interaction_id))
    if scored is None:
        return problems
    now = djtz.now()
    with transaction.atomic():
        row, _ = CalibrationScore.objects.update_or_create(
            call=call, evaluator=acting_user, defaults={"answers": answers_json(answers, ()), "score": scored.total,
                                                        "fatal": scored.fatal, "saved_at": now})
        AuditEvent.objects.create(at=now, actor=acting_user, action="calibration_score", target=call.interaction_id,
                                  detail={"session": call.session_id, "score": str(scored.total)})
    return row


def do_close_session(session_id: int, *, acting_user: str) -> Problem | None:
    session = CalibrationSession.objects.filter(pk=session_id).first()
    if session is None or session.closed_at is not None:
        return _refuse("session_closed", str(session_id), "The session is already closed.", "该校准会已结束。")
    with transaction.atomic():
        session.closed_at = djtz.now()
        session.save(update_fields=["closed_at"])
        AuditEvent.objects.create(at=session.closed_at, actor=acting_user, action="close_calibration",
                                  target=session.name, detail={"session": session.pk})
    return None


def do_set_consensus(call_id: int, text: str, *, acting_user: str) -> Problem | None:
    call = CalibrationCall.objects.filter(pk=call_id).first()
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return _refuse("bad_value", text, f"'{text}' is not a score.", f"“{text}”不是分数。")
    if call is None or not value.is_finite() or value < 0 or value > 1000:
        return _refuse("bad_value", text, f"'{text}' is not a score.", f"“{text}”不是分数。")
    with transaction.atomic():
        call.consensus, call.consensus_by = value.quantize(Decimal("0.01")), acting_user
        call.save(update_fields=["consensus", "consensus_by"])
        AuditEvent.objects.create(at=djtz.now(), actor=acting_user, action="calibration_consensus",
                                  target=call.interaction_id, detail={"session": call.session_id, "score": str(value)})
    return None


@dataclass(frozen=True, slots=True)
class CallScores:
    call: CalibrationCall
    scores: tuple[CalibrationScore, ...]


@dataclass(frozen=True, slots=True)
class SessionReport:
    session: CalibrationSession
    calls: tuple[CallScores, ...]
    missing: tuple[tuple[str, int], ...]  # evaluator, calls not scored yet
    agreement: Calibration | None  # None until two evaluators have scored a call
    disagreements: tuple[tuple[ItemAgreement, str, str], ...]  # items scored differently, with their names (en, zh)


def _item_points(card: Scorecard | Problem, call: CalibrationCall,
                 stored: CalibrationScore) -> tuple[tuple[str, float], ...]:
    """What each item of the scorecard gave or took on this scoring (0 for an item not marked), so that items
    are compared between evaluators even where one of them marked nothing."""
    if isinstance(card, Problem):
        return ()
    scored, _ = score(card, answers_of(stored.answers), Location(call.interaction_id))
    return tuple((i.item_id, float(i.points)) for i in scored.items) if scored is not None else ()


def session_report(ws: Workspace, session: CalibrationSession) -> SessionReport:
    calls = list(session.calls.select_related("session"))
    scores = list(CalibrationScore.objects.filter(call__session=session).order_by("call_id", "evaluator"))
    by_call = {c.pk: tuple(s for s in scores if s.call_id == c.pk) for c in calls}
    call_of = {c.pk: c for c in calls}
    all_cards = scorecards(ws)  # read once; each call's version is chosen from them
    card_of = {c.pk: card_for(ws, session.scorecard, c.agent_id, c.call_at, all_cards) for c in calls}
    ratings = [Rating(call_of[s.call_id].interaction_id, s.evaluator, float(s.score),
                      _item_points(card_of[s.call_id], call_of[s.call_id], s)) for s in scores]
    done = {e: sum(1 for s in scores if s.evaluator == e) for e in session.evaluators}
    shared = any(len(v) >= 2 for v in by_call.values())
    agreement = calibrate(ratings) if shared else None
    names = {i.id: (i.name_en, i.name_zh) for card in card_of.values() if not isinstance(card, Problem)
             for i in card.items}
    disagreements = tuple((i, *names.get(i.item, (i.item, i.item))) for i in (agreement.items if agreement else ())
                          if i.mean_abs_diff > 0)
    return SessionReport(session, tuple(CallScores(c, by_call[c.pk]) for c in calls),
                         tuple((e, len(calls) - n) for e, n in done.items() if n < len(calls)), agreement, disagreements)
