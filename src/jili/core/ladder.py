"""R19's career ladder: 见习 → 初级 → 中级 → 高级 → 主管 → 经理 → 总监, climbed through points (R14's
levels) or the yearly appraisal (due by the end of December, results in by 15 January).

Promotions are proposed at the appraisal, one step at a time, each with its evidence, and decided by a
person; the ladder never moves by itself. Points reach as far as senior (their levels set the pay
ladder); supervisor and above are reached through the appraisal only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from jili.core.label import Label


@dataclass(frozen=True, slots=True)
class Step:
    code: str
    label: Label


LADDER: tuple[Step, ...] = (
    Step("trainee", Label("Trainee", "见习")), Step("junior", Label("Junior", "初级")),
    Step("intermediate", Label("Intermediate", "中级")), Step("senior", Label("Senior", "高级")),
    Step("supervisor", Label("Supervisor", "主管")), Step("manager", Label("Manager", "经理")),
    Step("director", Label("Director", "总监")),
)
STEP_CODES: tuple[str, ...] = tuple(s.code for s in LADDER)
# the highest step points alone can reach: senior
POINTS_REACH = STEP_CODES.index("senior")
# an appraisal score (0-100) at or above this proposes one step up; below FAILED, no promotion this year
APPRAISAL_PROMOTES = Decimal(90)
APPRAISAL_FAILED = Decimal(60)


class Route(StrEnum):
    HIRE = "hire"  # the step an agent starts on
    POINTS = "points"
    APPRAISAL = "appraisal"
    MANUAL = "manual"  # entered by a person outside the appraisal


ROUTE_LABELS: dict[Route, Label] = {
    Route.HIRE: Label("starting step", "起始职级"), Route.POINTS: Label("through points", "积分晋升"),
    Route.APPRAISAL: Label("through the appraisal", "年度考核晋升"), Route.MANUAL: Label("entered by hand", "人工调整"),
}


def step(code: str) -> Step | None:
    return next((s for s in LADDER if s.code == code), None)


def appraisal_dates(year: int) -> tuple[dt.date, dt.date]:
    """(due, results in): the appraisal of ``year`` is due by 31 December; results are in by 15 January,
    the day a promotion it proposes takes effect."""
    return dt.date(year, 12, 31), dt.date(year + 1, 1, 15)


def step_by_points(level: str | None, levels: tuple[str, ...]) -> int:
    """The ladder step a points level reaches: the policy's first level junior, the second intermediate,
    the third and any above senior; no level, trainee."""
    if level is None or level not in levels:
        return 0
    return min(levels.index(level) + 1, POINTS_REACH)


@dataclass(frozen=True, slots=True)
class Evidence:
    points_level: str | None  # the level the agent's points reached by the year's last statement
    through: str  # the last period the points evidence covers, 2026-09
    appraisal: Decimal | None  # the yearly appraisal score, 0-100
    qa_mean: Decimal | None  # the year's mean QA score, for the reader (it decides nothing)


@dataclass(frozen=True, slots=True)
class Proposal:
    agent_id: str
    current: Step
    proposed: Step
    route: Route
    evidence: Evidence
    reason: Label

    def explained(self, lang: str) -> str:
        """The reason, with the year's QA mean when there is one (for the reader; it decides nothing)."""
        zh = lang.startswith("zh")
        parts = [self.reason.get(lang)]
        if self.evidence.qa_mean is not None:
            parts.append(f"质检均分 {self.evidence.qa_mean}" if zh else f"QA mean {self.evidence.qa_mean}")
        return ("；" if zh else "; ").join(parts)


def propose(agent_id: str, current: Step, evidence: Evidence, levels: tuple[str, ...]) -> Proposal | None:
    """One step up, or nothing: by points when the points level reaches beyond the current step (up to
    senior), else by an appraisal of at least ``APPRAISAL_PROMOTES``; a failed appraisal holds everything."""
    at = STEP_CODES.index(current.code)
    if at + 1 >= len(LADDER):
        return None
    if evidence.appraisal is not None and evidence.appraisal < APPRAISAL_FAILED:
        return None
    up = LADDER[at + 1]
    if step_by_points(evidence.points_level, levels) > at:
        level = evidence.points_level or ""
        return Proposal(agent_id, current, up, Route.POINTS, evidence, Label(
            f"points reached {level} by {evidence.through}", f"截至 {evidence.through} 积分达到{level}"))
    if evidence.appraisal is not None and evidence.appraisal >= APPRAISAL_PROMOTES:
        return Proposal(agent_id, current, up, Route.APPRAISAL, evidence, Label(
            f"yearly appraisal {evidence.appraisal} (at least {APPRAISAL_PROMOTES})",
            f"年度考核 {evidence.appraisal} 分（不低于 {APPRAISAL_PROMOTES} 分）"))
    return None


def starting_step(status: str, role: str, tenure_days: int) -> Step:
    """A first step for an agent with no history, from the roster: a probationer is a trainee, a team leader a
    supervisor, others by tenure (under a year junior, under three intermediate, else senior)."""
    if role in ("组长", "leader", "team_leader"):
        return LADDER[4]
    if status in ("probation", "试用"):
        return LADDER[0]
    return LADDER[1] if tenure_days < 365 else LADDER[2] if tenure_days < 3 * 365 else LADDER[3]
