"""R19 in the registry: each agent's steps on the career ladder (history, never edited), the promotions
the yearly appraisal proposes with their evidence, and deciding them (``do_*`` with an audit row)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone as djtz

from jili.core.label import Label
from jili.core.ladder import ROUTE_LABELS, STEP_CODES, Evidence, Proposal, Route, Step, appraisal_dates, propose, step
from jili.core.problems import Location, Problem, Severity, suggest
from jili.io.workspace import Workspace
from jili.registry.facts import shared_facts
from jili.registry.models import AuditEvent, CareerStep, PolicyRun
from jili.registry.models import Standing as StandingRow

if TYPE_CHECKING:  # reading career steps (jili explain) needs no policy checker
    from jili.core.policy import Policy


@dataclass(frozen=True, slots=True)
class StepRecord:
    agent_id: str
    step: Step
    effective: dt.date
    route: Route
    evidence: Label  # empty for a starting step
    decided_by: str

    @property
    def route_label(self) -> Label:
        return ROUTE_LABELS[self.route]


def _record(row: CareerStep) -> StepRecord:
    found = step(row.step)
    assert found is not None, row.step  # written only through do_set_step, which checks the code
    said = row.evidence if isinstance(row.evidence, dict) else {}
    return StepRecord(row.agent_id, found, row.effective, Route(row.route),
                      Label(str(said.get("en", "")), str(said.get("zh", ""))), row.decided_by)


def history(agent_id: str) -> list[StepRecord]:
    """Every step the agent has held, oldest first (a promotion decided ahead of its day is included)."""
    return [_record(r) for r in CareerStep.objects.filter(agent_id=agent_id).order_by("effective", "id")]


def current_steps(day: dt.date, agent_ids: Sequence[str] | None = None) -> dict[str, StepRecord]:
    """Each agent's step in force on ``day`` (agents never put on the ladder are absent)."""
    qs = CareerStep.objects.filter(effective__lte=day)
    if agent_ids is not None:
        qs = qs.filter(agent_id__in=list(agent_ids))
    out: dict[str, StepRecord] = {}
    for row in qs.order_by("agent_id", "effective", "id"):
        out[row.agent_id] = _record(row)  # the latest that has taken effect
    return out


def do_set_step(agent_id: str, code: str, effective: dt.date, route: Route, evidence: Label, *,
                acting_user: str) -> StepRecord | Problem:
    """Put an agent on a step from ``effective`` (a starting step, or a promotion decided), with an audit row."""
    found = step(code)
    if found is None:
        hint, hint_zh = suggest(code, STEP_CODES)
        return Problem(Severity.ERROR, "unknown_step", Location(code), f"No step {code!r} on the ladder.{hint}",
                       f"职级体系中没有“{code}”。{hint_zh}", expected=", ".join(STEP_CODES), found=code,
                       fix="Name one of the seven steps.", fix_zh="请填写七个职级之一。")
    now = djtz.now()
    try:
        with transaction.atomic():
            said = {"en": evidence.en, "zh": evidence.zh}
            row = CareerStep.objects.create(agent_id=agent_id, step=code, effective=effective, route=route.value,
                                            evidence=said, decided_by=acting_user, decided_at=now)
            AuditEvent.objects.create(at=now, actor=acting_user, action="set_career_step", target=agent_id,
                                      detail={"step": code, "effective": effective.isoformat(), "route": route.value,
                                              "evidence": said})
    except IntegrityError:
        return Problem(Severity.ERROR, "step_exists", Location(agent_id),
                       f"{agent_id} already has a step from {effective.isoformat()}.",
                       f"{agent_id} 在 {effective.isoformat()} 已有职级记录。",
                       fix="History is never edited: give a later day.", fix_zh="职级历史不可修改，请给出更晚的日期。")
    return _record(row)


def _points_levels(policy: Policy, year: int) -> tuple[dict[str, str], str]:
    """Each agent's points level at the year's last run of ``policy``, and that run's period."""
    run = (PolicyRun.objects.filter(policy_id=policy.id, status=PolicyRun.Status.ACTIVE, period__start__year=year)
           .select_related("period").order_by("-period__start").first())
    if run is None or policy.levels is None:
        return {}, ""
    rows = StandingRow.objects.filter(run=run, account=policy.levels.account).exclude(level="")
    return {r.agent_id: r.level for r in rows}, run.period.label


_APPRAISALS = """SELECT agent_id, arg_max(value, date) FROM kpis
    WHERE name = 'appraisal' AND date >= $lo AND date < $hi AND agent_id IS NOT NULL GROUP BY 1"""
_QA_MEANS = """SELECT agent_id, avg(score) FROM evaluations
    WHERE score IS NOT NULL AND timezone($tz, coalesce(call_at, evaluated_at)) >= $lo
      AND timezone($tz, coalesce(call_at, evaluated_at)) < $hi AND agent_id IS NOT NULL GROUP BY 1"""


def proposals(ws: Workspace, year: int, policy: Policy) -> tuple[list[Proposal], int]:
    """The promotions the appraisal of ``year`` proposes — by ``policy``'s points levels or the appraisal score
    (kpis named ``appraisal``) — for agents on the ladder at the due date; and how many agents are not on it."""
    due, results_in = appraisal_dates(year)
    decided = set(CareerStep.objects.filter(effective__gt=due, effective__lte=results_in)
                  .values_list("agent_id", flat=True))  # promoted at this appraisal already
    on_ladder = current_steps(due)
    steps = {a: s for a, s in on_ladder.items() if a not in decided}
    levels, through = _points_levels(policy, year)
    con = shared_facts(ws)
    lo, hi = dt.datetime(year, 1, 1), dt.datetime(year + 1, 1, 1)
    appraisal = {str(a): Decimal(str(v)).quantize(Decimal("0.1"))
                 for a, v in con.execute(_APPRAISALS, {"lo": lo.date(), "hi": hi.date()}).fetchall()}
    qa = {str(a): Decimal(str(v)).quantize(Decimal("0.1"))
          for a, v in con.execute(_QA_MEANS, {"tz": ws.timezone, "lo": lo, "hi": hi}).fetchall()}
    names = tuple(lv.name for lv in policy.levels.levels) if policy.levels else ()
    out = []
    for agent_id, held in sorted(steps.items()):
        evidence = Evidence(levels.get(agent_id), through, appraisal.get(agent_id), qa.get(agent_id))
        proposal = propose(agent_id, held.step, evidence, names)
        if proposal is not None:
            out.append(proposal)
    known = set(levels) | set(appraisal)
    return out, len(known - set(on_ladder))


def do_promote(chosen: Sequence[Proposal], year: int, *, acting_user: str) -> list[StepRecord | Problem]:
    """Decide the chosen proposals: each agent goes one step up on the day the appraisal's results are in."""
    _, results_in = appraisal_dates(year)
    return [do_set_step(p.agent_id, p.proposed.code, results_in, p.route,
                        Label(p.explained("en"), p.explained("zh")), acting_user=acting_user) for p in chosen]



def do_start_steps(day: dt.date, *, acting_user: str) -> dict[str, int]:
    """Put every agent on the roster on ``day`` who has no step yet on a starting step (from status, role and
    tenure); how many went on each step."""
    from jili.core.ladder import starting_step
    from jili.core.periods import PeriodKind, period_of
    from jili.registry.ledger import population

    held = current_steps(day)
    placed: dict[str, int] = {}
    for row in population(period_of(day, PeriodKind.DAY)):
        if row.agent_id in held:
            continue
        hire = row.get("hire_date")
        tenure = (day - hire).days if isinstance(hire, dt.date) else 0
        first = starting_step(str(row.get("status") or ""), str(row.get("role") or ""), tenure)
        if not isinstance(do_set_step(row.agent_id, first.code, day, Route.HIRE, Label("", ""), acting_user=acting_user),
                          Problem):
            placed[first.code] = placed.get(first.code, 0) + 1
    return placed
