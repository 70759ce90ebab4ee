"""Reading what runs stored: statements, standings, postings and corrections, for the pages and the commands
that show them. Nothing here parses a policy: a run stores the policy's head (its accounts), and
``run_head`` finds it for an unchanged policy file."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from django.db.models import Count, Sum

from jili.core.periods import Period
from jili.core.policy_head import PolicyHead, head_from_json
from jili.core.standing import Standing, TeamStanding, competition_places
from jili.core.statement import Correction, Statement, statement_from_text
from jili.registry.models import PolicyRun, Posting, StatementRecord
from jili.registry.models import Standing as StandingRow


def run_head(policy_file: Path, period_label: str) -> PolicyHead | None:
    """The head stored by the period's active run of exactly this policy file (the same bytes), or None: no
    such run, the file changed since, or a run made before heads were stored. The caller then reads the file."""
    digest = hashlib.sha256(policy_file.read_bytes()).hexdigest()
    return head_from_json(PolicyRun.objects.filter(period__label=period_label, status=PolicyRun.Status.ACTIVE,
                                                   policy_digest=digest).values_list("policy_head", flat=True).first())


def stored_statements(policy_id: str, period: Period, agent_id: str | None = None) -> list[Statement]:
    run_row = (PolicyRun.objects.filter(policy_id=policy_id, period__label=period.label,
                                        status=PolicyRun.Status.ACTIVE).first())
    if run_row is None:
        return []
    qs = StatementRecord.objects.filter(run=run_row)
    if agent_id is not None:
        qs = qs.filter(agent_id=agent_id)
    return [statement_from_text(text) for text in qs.order_by("agent_id").values_list("data", flat=True)]


def active_run(policy_id: str, period_label: str) -> PolicyRun | None:
    return PolicyRun.objects.filter(policy_id=policy_id, period__label=period_label,
                                    status=PolicyRun.Status.ACTIVE).select_related("period").first()


def standing_record(row: StandingRow) -> Standing:
    total = row.total.quantize(Decimal(1).scaleb(-row.places))
    return Standing(row.account, row.agent_id, row.name, row.team, total, row.places, row.place, row.eligible, row.level,
                    row.flags)


def leaderboard(run_id: int, account: str, top: int | None = None, team: str | None = None) -> list[Standing]:
    """The eligible agents of a run by place on ``account`` (ties share a place), read from the index."""
    qs = StandingRow.objects.filter(run_id=run_id, account=account, eligible=True)
    if team is not None:
        qs = qs.filter(team=team)
    qs = qs.order_by("place", "agent_id")
    return [standing_record(r) for r in (qs[:top] if top is not None else qs)]


def team_standings(run_id: int, account: str) -> list[TeamStanding]:
    """Teams of a run by their eligible agents' total on ``account``, highest first (ties share a place)."""
    totals = list(StandingRow.objects.filter(run_id=run_id, account=account, eligible=True).exclude(team="")
                  .values("team").annotate(total=Sum("total"), n=Count("id")).order_by("-total", "team"))
    places = competition_places([(r["team"], r["total"]) for r in totals])
    return [TeamStanding(places[r["team"]], r["team"], r["total"], r["n"]) for r in totals]


def standings_of(run_id: int, account: str, agent_ids: Sequence[str] | None = None) -> list[Standing]:
    """Every agent's standing on ``account`` in a run (eligible or not), by agent id."""
    qs = StandingRow.objects.filter(run_id=run_id, account=account)
    if agent_ids is not None:
        qs = qs.filter(agent_id__in=list(agent_ids))
    return [standing_record(r) for r in qs.order_by("agent_id")]


def line_postings(run_id: int, statement: Statement) -> tuple[int | None, ...]:
    """Each line's posting in the run, aligned with the statement's lines (None for a line of 0, which
    posts nothing): the run wrote one posting per non-zero line, in the lines' order."""
    ids = iter(Posting.objects.filter(run_id=run_id, agent_id=statement.agent_id).order_by("id")
               .values_list("id", flat=True))
    return tuple(None if line.amount == 0 else next(ids, None) for line in statement.lines)


def lifetime_earned(policy_id: str, agent_id: str, account: str, through: Period) -> Decimal:
    """Points earned on ``account`` up to the end of ``through`` (rule postings and corrections of active
    runs; redemptions do not lower it): the basis of a lifetime level ladder."""
    total = (Posting.objects.filter(policy_id=policy_id, agent_id=agent_id, account=account,
                                    period__start__lte=through.start)
             .exclude(run__status=PolicyRun.Status.SUPERSEDED).exclude(kind=Posting.Kind.REDEMPTION)
             .aggregate(total=Sum("amount"))["total"])
    return total if total is not None else Decimal(0)


def corrections_in(policy: PolicyHead, period: Period, agent_id: str | None = None) -> list[Correction]:
    """Corrections posted in ``period`` under ``policy``, at their accounts' places."""
    # corrections are few: look them up by (kind, agent) first, the index SQLite would otherwise pass over
    qs = Posting.objects.filter(kind=Posting.Kind.CORRECTION)
    qs = qs.filter(agent_id=agent_id) if agent_id is not None else qs.filter(period__label=period.label)
    out = []
    for c in qs.select_related("period", "corrects__period").order_by("agent_id", "id"):
        if c.policy_id != policy.id or c.period.label != period.label:
            continue
        account = policy.accounts.get(c.account)
        amount = account.round(c.amount) if account is not None else c.amount
        corrected = c.corrects.period.label if c.corrects is not None else ""
        out.append(Correction(c.pk, c.corrects_id or 0, corrected, c.agent_id, c.account, amount, period.label, c.note,
                              c.created_by))
    return out
