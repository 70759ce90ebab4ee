"""R18: evaluate a scheme from the workspace — who adopted it (teams or sites, as the roster had them the
day before it took effect), each agent's satisfaction, resolution and QA score before and after, and the
effect with its interval and threats. The command line and the site both ask here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from jili.core.effect import AgentPath, MetricPaths, SchemeEvaluation, estimate_effect
from jili.core.periods import CalendarUnknown, PeriodKind, add_months, holidays_between, period_of
from jili.core.problems import Location, Problem, Severity, suggest
from jili.io.factstore.effect import EFFECT_METRICS, agent_means
from jili.io.workspace import Workspace
from jili.registry.calendar import unknown_year
from jili.registry.facts import shared_facts
from jili.registry.ledger import population


def _unknown(kind: str, kind_zh: str, given: Sequence[str], known: set[str]) -> Problem | None:
    missing = [g for g in given if g not in known]
    if not missing:
        return None
    hint, hint_zh = suggest(missing[0], known)
    return Problem(Severity.ERROR, f"unknown_{kind}", Location(f"--{kind}s"),
                   f"No {kind} {missing[0]!r} in the roster on the day before the scheme.{hint}",
                   f"实施日前一天的花名册中没有{kind_zh}“{missing[0]}”。{hint_zh}",
                   expected=", ".join(sorted(known)[:12]), found=", ".join(missing),
                   fix=f"Name {kind}s as the roster writes them.", fix_zh=f"请按花名册中的写法填写{kind_zh}。")


def evaluate_scheme(ws: Workspace, since: dt.date, *, months: int = 1, teams: Sequence[str] = (),
                    sites: Sequence[str] = (), seed: int = 0) -> SchemeEvaluation | Problem:
    """The scheme that took effect on ``since`` for ``teams`` or ``sites`` (none given: for everybody),
    compared over ``months`` before and after."""
    if months < 1:
        return Problem(Severity.ERROR, "bad_months", Location("--months"), "The window must be at least one month.",
                       "评估窗口至少一个月。", found=str(months), fix="Give --months 1 or more.",
                       fix_zh="请给出 --months 1 或更大的数。")
    start, end = add_months(since, -months), add_months(since, months)
    roster = population(period_of(since - dt.timedelta(days=1), PeriodKind.DAY))
    team_of = {r.agent_id: str(r.get("team") or "") for r in roster}
    site_of = {r.agent_id: str(r.get("site") or "") for r in roster}
    for kind, kind_zh, given, known in (("team", "班组", teams, set(team_of.values()) - {""}),
                                        ("site", "职场", sites, set(site_of.values()) - {""})):
        problem = _unknown(kind, kind_zh, given, known)
        if problem is not None:
            return problem
    everybody = not teams and not sites
    try:
        before_days, after_days = holidays_between(start, since), holidays_between(since, end)
    except CalendarUnknown as exc:
        return unknown_year(exc.day)
    con = shared_facts(ws)
    out = []
    for metric in EFFECT_METRICS:
        means = agent_means(con, metric, start, since, end, ws.timezone)
        paths = tuple(AgentPath(a, team_of.get(a, ""), everybody or team_of.get(a) in teams or site_of.get(a) in sites,
                                b, c) for a, (b, c) in means.items() if a in team_of)  # on the roster
        out.append(MetricPaths(metric, paths, estimate_effect(metric, paths, holidays_before=before_days,
                                                              holidays_after=after_days, seed=seed)))
    return SchemeEvaluation(since, (start, since), (since, end), tuple(teams), tuple(sites), tuple(out))
