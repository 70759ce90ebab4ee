"""Standings: each agent's total per account in a run, and its place among the eligible.

Places are competition ranks: equal totals share a place and the next place skips (1, 1, 3),
so a leaderboard shows a tie as a tie. Agents who do not take part have no place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from jili.core.statement import Statement


@dataclass(frozen=True, slots=True)
class Standing:
    account: str
    agent_id: str
    name: str
    team: str
    total: Decimal
    places: int  # decimal places of the total, as its account keeps it
    place: int | None
    eligible: bool
    level: str
    flags: int


@dataclass(frozen=True, slots=True)
class TeamStanding:
    place: int  # competition place among the teams (ties share it)
    team: str
    total: Decimal
    agents: int  # eligible agents of the team in the run


def competition_places(totals: Sequence[tuple[str, Decimal]]) -> dict[str, int]:
    """Place of each key by total, highest first; equal totals share the place (1, 1, 3)."""
    ordered = sorted(totals, key=lambda kv: -kv[1])
    places: dict[str, int] = {}
    previous: Decimal | None = None
    place = 0
    for i, (key, total) in enumerate(ordered, start=1):
        if previous is None or total != previous:
            place = i
            previous = total
        places[key] = place
    return places


def standings(statements: Sequence[Statement], accounts: Sequence[str]) -> list[Standing]:
    """One standing per agent and account, in the order of ``accounts`` then agent id."""
    out = []
    for account in accounts:
        places = competition_places([(s.agent_id, s.total(account)) for s in statements if s.eligible])
        for s in sorted(statements, key=lambda s: s.agent_id):
            total = s.total(account)
            exponent = total.as_tuple().exponent
            out.append(Standing(account, s.agent_id, s.name, s.team, total,
                                -exponent if isinstance(exponent, int) and exponent < 0 else 0,
                                places.get(s.agent_id), s.eligible, s.level or "", len(s.flags)))
    return out
