"""Standings: competition places (ties share a place, the next place skips) and what they carry."""

from __future__ import annotations

from decimal import Decimal

from jili.core.label import Label
from jili.core.standing import competition_places, standings
from jili.core.statement import Flag, Statement

D = Decimal


def test_ties_share_a_place_and_the_next_place_skips() -> None:
    places = competition_places([("a", D(300)), ("b", D(200)), ("c", D(300)), ("d", D(100)), ("e", D(200))])
    assert places == {"a": 1, "c": 1, "b": 3, "e": 3, "d": 5}


def test_a_cent_apart_is_not_a_tie() -> None:
    assert competition_places([("a", D("100.00")), ("b", D("100.01"))]) == {"b": 1, "a": 2}


def test_equal_amounts_at_different_scales_tie() -> None:
    assert competition_places([("a", D("100")), ("b", D("100.00"))]) == {"a": 1, "b": 1}


def test_nobody_and_one() -> None:
    assert competition_places([]) == {}
    assert competition_places([("a", D(-5))]) == {"a": 1}


def statement(agent: str, bonus: str, eligible: bool = True, flags: int = 0) -> Statement:
    return Statement(agent, f"name {agent}", "T1", "2025-03", "p", "1", eligible,
                     totals=(("bonus", D(bonus)), ("points", D(1))),
                     flags=tuple(Flag("r", "2025-03", "warn", Label("coach", "辅导"), "", "") for _ in range(flags)),
                     level="gold" if agent == "A2" else None)


def test_standings_place_the_eligible_only_and_keep_the_accounts_places() -> None:
    rows = standings([statement("A2", "100.50", flags=2), statement("A1", "200.00"), statement("A3", "999.00", False)],
                     ["bonus"])
    assert [(r.agent_id, r.place, r.eligible, r.total, r.places, r.level, r.flags) for r in rows] == [
        ("A1", 1, True, D("200.00"), 2, "", 0),
        ("A2", 2, True, D("100.50"), 2, "gold", 2),
        ("A3", None, False, D("999.00"), 2, "", 0)]


def test_one_standing_per_agent_and_account_in_the_accounts_order() -> None:
    rows = standings([statement("A1", "5")], ["points", "bonus"])
    assert [(r.account, r.total, r.places) for r in rows] == [("points", D(1), 0), ("bonus", D(5), 0)]


def test_a_standing_carries_the_agent_s_name_and_team() -> None:
    row = standings([Statement("A1", "王芳", "T7", "2025-03", "p", "1", True, totals=(("bonus", D("1.00")),))],
                    ["bonus"])[0]
    assert (row.name, row.team) == ("王芳", "T7")


def test_a_total_written_with_a_positive_exponent_has_no_decimal_places() -> None:
    """1E+2 is a hundred, shown with no decimals (never -2 places)."""
    (row,) = standings([statement("A1", "1E+2")], ["bonus"])
    assert (row.total, row.places) == (D(100), 0)
