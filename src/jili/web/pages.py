"""What each page shows, built from the registry and the facts as frozen records; the views only pick
which one and render it. Reads go through indexed rows (standings), and a page decodes at most the
one statement it shows."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from django.db.models import Count, Max, Q, Sum

from jili.core.periods import Period, parse_period
from jili.core.policy import Policy
from jili.core.problems import Problem
from jili.core.standing import Standing, TeamStanding
from jili.core.statement import Correction, Line, Statement
from jili.core.whatif import WhatIf, compare
from jili.io.specs.policy import load_policy, load_policy_text
from jili.io.workspace import Workspace, load_workspace
from jili.qa.accuracy import Accuracy
from jili.qa.scoring import Scored
from jili.qa.stats import Interval, mean_interval
from jili.registry import ledger, results
from jili.registry.ladder import StepRecord, history
from jili.registry.models import AgentSpell, Appeal, AuditEvent, ImportBatch, PolicyRun, Posting, StatementRecord, Team
from jili.registry.models import Period as PeriodRow
from jili.registry.models import Standing as StandingRow


def site_workspace() -> Workspace:
    """The served workspace (its jili.toml read once per process, not on every request)."""
    from django.conf import settings

    return _workspace_at(str(settings.JILI_WORKSPACE))


@lru_cache(maxsize=4)
def _workspace_at(root: str) -> Workspace:
    return load_workspace(Path(root)) or Workspace(root=Path(root))


@lru_cache(maxsize=64)
def _policy_text(digest: str, source: str) -> Policy | None:
    policy, _ = load_policy_text(source, "run")
    return policy


def policy_of(run: PolicyRun) -> Policy | None:
    """The policy exactly as the run used it (parsed once per process per version)."""
    return _policy_text(run.policy_digest, run.policy_source)


def ladder_policies(ws: Workspace) -> list[Policy]:
    """The workspace's policies that have points levels (R19's points route reads them)."""
    return [p for _, p, _ in workspace_policies(ws) if p is not None and p.levels is not None]


def workspace_policies(ws: Workspace) -> list[tuple[str, Policy | None, list[Problem]]]:
    """The policy files in the workspace's policies/ folder, each with its problems."""
    out = []
    for path in sorted(ws.policies_dir.glob("*.yaml")):
        policy, problems = load_policy(path)
        out.append((path.stem, policy, problems))
    return out


# --- runs ---------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RunRef:
    run_id: int
    policy_id: str
    policy_version: str
    period: str
    period_start: dt.date
    closed: bool
    agents: int
    started_at: dt.datetime
    started_by: str


def _ref(run: PolicyRun) -> RunRef:
    return RunRef(run.pk, run.policy_id, run.policy_version, run.period.label, run.period.start,
                  run.period.status == PeriodRow.Status.CLOSED, run.agents, run.started_at, run.started_by)


def active_runs() -> list[RunRef]:
    """Every active run, newest period first."""
    runs = PolicyRun.objects.filter(status=PolicyRun.Status.ACTIVE).select_related("period")
    return [_ref(r) for r in runs.order_by("-period__start", "policy_id")]


def run_for(policy_id: str, period_label: str) -> PolicyRun | None:
    return results.active_run(policy_id, period_label)


# --- the agent ----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class AgentLine:
    """One run's figures for the agent: a row of their history."""

    run: RunRef
    standings: tuple[Standing, ...]


@dataclass(frozen=True, slots=True)
class AgentOverview:
    agent_id: str
    name: str
    team: str
    latest: tuple[AgentLine, ...]  # the newest period of each policy
    history: tuple[AgentLine, ...]  # every period, newest first


def agent_overview(agent_id: str) -> AgentOverview:
    rows = (StandingRow.objects.filter(agent_id=agent_id, run__status=PolicyRun.Status.ACTIVE)
            .select_related("run__period").order_by("-run__period__start", "run__policy_id", "account"))
    by_run: dict[int, list[StandingRow]] = defaultdict(list)
    runs: dict[int, PolicyRun] = {}
    for row in rows:
        by_run[row.run_id].append(row)
        runs[row.run_id] = row.run
    history = tuple(AgentLine(_ref(runs[rid]), tuple(results.standing_record(r) for r in by_run[rid])) for rid in by_run)
    latest: dict[str, AgentLine] = {}
    for line in history:
        latest.setdefault(line.run.policy_id, line)
    spell = (AgentSpell.objects.filter(agent__agent_id=agent_id).select_related("team", "agent")
             .order_by("-valid_from").first())
    name = spell.agent.name if spell else next((s.name for ln in history for s in ln.standings), "")
    team = spell.team.code if spell and spell.team else next((s.team for ln in history for s in ln.standings), "")
    return AgentOverview(agent_id, name, team, tuple(latest.values()), history)


@dataclass(frozen=True, slots=True)
class Rung:
    name: str
    threshold: Decimal
    reached: bool
    to_go: Decimal  # points still needed; 0 when reached


@dataclass(frozen=True, slots=True)
class StatementPage:
    run: RunRef
    statement: Statement
    corrections: tuple[Correction, ...]
    units: dict[str, str]
    ladder: tuple[Rung, ...]
    ladder_account: str
    ladder_basis: Decimal | None
    evaluations: tuple[tuple[str, str, str, str, Decimal | None, bool], ...]
    qa: Interval | None
    postings: tuple[int | None, ...]  # each line's ledger posting (what a correction names)
    appeals: tuple[Appeal, ...] = ()  # decided appeals that made this run again (why an amount changed)
    career: tuple[StepRecord, ...] = ()  # R19: the agent's steps on the career ladder, a decided promotion included

    @property
    def lines(self) -> tuple[tuple[Line, int | None], ...]:
        return tuple(zip(self.statement.lines, self.postings or (None,) * len(self.statement.lines), strict=True))

    @property
    def totals(self) -> tuple[tuple[str, Decimal, str], ...]:
        """(account, total, unit) of the statement."""
        return tuple((a, v, self.units.get(a, "")) for a, v in self.statement.totals)


def statement_page(ws: Workspace, run: PolicyRun, agent_id: str) -> StatementPage | None:
    record = StatementRecord.objects.filter(run=run, agent_id=agent_id).first()
    if record is None:
        return None
    from jili.core.statement import statement_from_text

    statement = statement_from_text(record.data)
    policy = policy_of(run)
    period = parse_period(run.period.label)
    corrections: list[Correction] = []
    units: dict[str, str] = {}
    ladder: list[Rung] = []
    basis: Decimal | None = None
    ladder_account = ""
    if policy is not None and period is not None:
        corrections = results.corrections_in(policy.head(), period, agent_id)
        units = {a.name: a.unit for a in policy.accounts.values()}
        if policy.levels is not None:
            ladder_account = policy.levels.account
            if policy.levels.basis == "lifetime":
                basis = results.lifetime_earned(policy.id, agent_id, ladder_account, period)
            else:
                basis = dict(statement.balances).get(ladder_account, Decimal(0))
            ladder = [Rung(step.name, step.threshold, basis >= step.threshold, max(Decimal(0), step.threshold - basis))
                      for step in policy.levels.levels]
    evaluations: list[tuple[str, str, str, str, Decimal | None, bool]] = []
    qa: Interval | None = None
    if period is not None:
        from jili.io.factstore.qa import evaluations_of_agent
        from jili.registry.facts import shared_facts

        evaluations = evaluations_of_agent(shared_facts(ws), period, ws.timezone, agent_id)
        scores = [e[4] for e in evaluations if e[4] is not None]
        qa = mean_interval(scores) if scores else None
    reran = tuple(a for a in Appeal.objects.filter(agent_id=agent_id, new_version__isnull=False).order_by("id")
                  if {"run": run.pk} in a.consequences)
    return StatementPage(_ref(run), statement, tuple(corrections), units, tuple(ladder), ladder_account, basis,
                         tuple(evaluations), qa, results.line_postings(run.pk, statement), reran, tuple(history(agent_id)))


# --- the team -----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Member:
    standing: Standing
    qa: Interval | None
    near: bool  # a threshold lies inside the QA interval: the tier decision is not clear
    coaching: bool  # flagged by a rule of the run (e.g. bottom 10 % twice, R12)


@dataclass(frozen=True, slots=True)
class TeamPage:
    team: str
    name: str
    run: RunRef | None
    account: str
    members: tuple[Member, ...]
    rank_of_team: int | None
    teams_ranked: int


QA_THRESHOLDS = (95.0, 90.0, 85.0)  # R15's tiers: where a member's interval makes the tier unclear


def team_page(ws: Workspace, team: Team, run: PolicyRun | None, account: str | None) -> TeamPage:
    if run is None:
        return TeamPage(team.code, team.name, None, "", (), None, 0)
    policy = policy_of(run)
    account = account or (next(iter(policy.accounts)) if policy else "")
    rows = list(StandingRow.objects.filter(run=run, account=account, team=team.code).order_by("place", "agent_id"))
    period = parse_period(run.period.label)
    scores: dict[str, list[Decimal]] = {}
    if period is not None:
        from jili.io.factstore.qa import scores_by_agent
        from jili.registry.facts import shared_facts

        scores = dict(scores_by_agent(shared_facts(ws), period, ws.timezone, agents=[r.agent_id for r in rows]))
    members = []
    for row in rows:
        interval = mean_interval(scores[row.agent_id]) if scores.get(row.agent_id) else None
        near = interval is not None and bool(interval.unclear_thresholds(QA_THRESHOLDS))
        members.append(Member(results.standing_record(row), interval, near, row.flags > 0))
    ranked = results.team_standings(run.pk, account)
    place = next((t.place for t in ranked if t.team == team.code), None)
    return TeamPage(team.code, team.name, _ref(run), account, tuple(members), place, len(ranked))


def teams_with_members(codes: Sequence[str] | None) -> list[tuple[str, str, int]]:
    """(code, name, agents now in it) of the teams, all when ``codes`` is None."""
    qs = Team.objects.all() if codes is None else Team.objects.filter(code__in=list(codes))
    counts = qs.annotate(n=Count("agentspell__agent", filter=Q(agentspell__valid_to__isnull=True), distinct=True))
    return [(t.code, t.name, t.n) for t in counts.order_by("code")]


# --- leaderboards -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Board:
    run: RunRef
    account: str
    accounts: tuple[str, ...]
    rows: tuple[Standing, ...]
    teams: tuple[TeamStanding, ...]  # the top ones
    teams_in_all: int


TOP_TEAMS = 20


def board(run: PolicyRun, account: str | None, top: int = 50) -> Board:
    policy = policy_of(run)
    accounts = tuple(policy.accounts) if policy else ()
    account = account if account in accounts else (accounts[0] if accounts else "")
    rows = results.leaderboard(run.pk, account, top)
    teams = results.team_standings(run.pk, account)
    return Board(_ref(run), account, accounts, tuple(rows), tuple(teams[:TOP_TEAMS]), len(teams))


# --- quality ------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class QualityPage:
    period: str
    evaluations: int
    histogram: tuple[tuple[int, int], ...]
    weekly: tuple[tuple[str, int, float], ...]
    teams: tuple[tuple[str, Interval], ...]
    calibration_calls: int
    calibration_evaluators: int
    alpha: float | None
    icc: float | None
    within_5: float
    leniency: tuple[tuple[str, int, float, float, float, str], ...]  # evaluator, calls, gap, low, high, verdict
    months: tuple[str, ...]
    accuracy: Accuracy | None  # R4, over the evaluations scored item by item
    agents_scored: int
    agents_missing_targets: int
    scoring_problems: int
    agent_part: tuple[tuple[str, Interval], ...] = ()  # per team: auto-QA's agent score over every checked call


def quality_page(ws: Workspace, period: Period) -> QualityPage:
    from jili.io.factstore.qa import ratings_for_calibration, score_histogram, scores_by_agent, weekly_scores
    from jili.qa.calibration import calibrate
    from jili.registry.facts import shared_facts

    con = shared_facts(ws)
    histogram = score_histogram(con, period, ws.timezone)
    weekly = weekly_scores(con, period, ws.timezone)
    by_agent = dict(scores_by_agent(con, period, ws.timezone))
    team_of = _teams_on(period.end - dt.timedelta(days=1))
    teams = _team_intervals(by_agent, team_of)
    from jili.io.factstore.autoqa import agent_scores_by_agent

    agent_part = _team_intervals(dict(agent_scores_by_agent(con, period, ws.timezone)), team_of)
    ratings = ratings_for_calibration(con, period, ws.timezone)
    report = calibrate(ratings) if ratings else None
    leniency = tuple((b.evaluator, b.calls, b.bias.mean, b.bias.low, b.bias.high, b.verdict)
                     for b in report.evaluators_bias) if report else ()
    months = tuple(p.label for p in PeriodRow.objects.filter(kind="month").order_by("-start"))
    from jili.io.factstore.qa import score_evaluations
    from jili.io.specs.scorecard import workspace_scorecards
    from jili.qa.accuracy import accuracy

    cards, card_problems = workspace_scorecards(ws.scorecards_dir)
    scored = score_evaluations(con, cards, period, ws.timezone)
    by_agent_scored: dict[str, list[Scored]] = defaultdict(list)
    for ev, result in scored.scored:
        by_agent_scored[ev.agent_id].append(result)
    overall = accuracy([r for _, r in scored.scored]) if scored.scored else None
    missing = sum(1 for results in by_agent_scored.values() if accuracy(results).meets_targets is False)
    return QualityPage(period.label, sum(n for _, n in histogram), tuple(histogram), tuple(weekly), teams,
                       report.calls if report else 0, report.evaluators if report else 0,
                       report.alpha if report else None, report.icc if report else None,
                       report.within_5 if report else 0.0, leniency, months, overall, len(by_agent_scored), missing,
                       len(card_problems) + len(scored.problems), agent_part)


def _team_intervals(by_agent: dict[str, list[Decimal]], team_of: dict[str, str]) -> tuple[tuple[str, Interval], ...]:
    """Each team's mean of its agents' scores with its 95 % interval (agents without a team left out)."""
    by_team: dict[str, list[Decimal]] = defaultdict(list)
    for agent, scores in by_agent.items():
        by_team[team_of.get(agent, "")].extend(scores)
    out = []
    for code in sorted(by_team):
        interval = mean_interval(by_team[code])
        if interval is not None and code:
            out.append((code, interval))
    return tuple(out)


def _teams_on(day: dt.date) -> dict[str, str]:
    """Each agent's team on ``day`` (their latest spell that has started)."""
    out: dict[str, str] = {}
    for agent_id, team in (AgentSpell.objects.filter(valid_from__lte=day).order_by("agent__agent_id", "valid_from")
                           .values_list("agent__agent_id", "team__code")):
        out[agent_id] = team or ""
    return out


# --- payroll ------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PeriodLine:
    label: str
    kind: str
    closed: bool
    closed_at: dt.datetime | None
    closed_by: str
    runs: tuple[RunRef, ...]


def periods_page() -> list[PeriodLine]:
    runs: dict[int, list[RunRef]] = defaultdict(list)
    for r in PolicyRun.objects.filter(status=PolicyRun.Status.ACTIVE).select_related("period"):
        runs[r.period_id].append(_ref(r))
    return [PeriodLine(p.label, p.kind, p.status == PeriodRow.Status.CLOSED, p.closed_at, p.closed_by,
                       tuple(sorted(runs.get(p.pk, []), key=lambda r: r.policy_id)))
            for p in PeriodRow.objects.order_by("-start", "kind")]


@dataclass(frozen=True, slots=True)
class RunTotals:
    run: RunRef
    totals: tuple[tuple[str, Decimal], ...]
    corrections: int
    problems: tuple[str, ...]


def period_runs(row: PeriodRow, zh: bool) -> list[RunTotals]:
    out = []
    runs = PolicyRun.objects.filter(period=row, status=PolicyRun.Status.ACTIVE).select_related("period")
    sums = {(r["run_id"], r["account"]): r["total"] for r in
            StandingRow.objects.filter(run__in=runs).values("run_id", "account").annotate(total=Sum("total"))}
    corrections = dict(Posting.objects.filter(period=row, kind=Posting.Kind.CORRECTION).values("policy_id")
                       .annotate(n=Count("id")).values_list("policy_id", "n"))
    for run in runs.order_by("policy_id"):
        policy = policy_of(run)
        accounts = list(policy.accounts.values()) if policy else []
        totals = tuple((a.name, sums.get((run.pk, a.name), Decimal(0)).quantize(Decimal(1).scaleb(-a.places)))
                       for a in accounts)
        problems = tuple(str(p.get("message_zh" if zh else "message", "")) for p in run.problems)
        out.append(RunTotals(_ref(run), totals, corrections.get(run.policy_id, 0), problems))
    return out


def what_if(ws: Workspace, draft: Policy, run: PolicyRun, period: Period) -> WhatIf | None:
    """The draft run on the same facts beside the stored run; nothing is stored."""
    from jili.pipeline.period import run_period

    base = policy_of(run)
    if base is None:
        return None
    account = next(iter(base.accounts))
    sources = ledger.period_sources(ws, period, [draft.id, base.id])
    after = {s.agent_id: s.total(account) for s in run_period(draft, sources, engine=ws.engine).statements}
    before = {s.agent_id: s.total for s in results.standings_of(run.pk, account)}
    return compare(draft.id, base.id, account, before, after, largest=20)


def batches() -> list[ImportBatch]:
    return list(ImportBatch.objects.order_by("-id")[:200])


def audit(limit: int = 200) -> list[AuditEvent]:
    return list(AuditEvent.objects.order_by("-at", "-id")[:limit])


def latest_month() -> str | None:
    row = PeriodRow.objects.filter(kind="month").aggregate(m=Max("start"))["m"]
    return f"{row:%Y-%m}" if row else None
