"""The period filter of the metric and event plans: bounds as instants where the zone's clock is steady, the
wall-clock time near a change of the clocks; both select exactly the facts whose local time is in the period."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from jili.core.plan import _instant, _steady, local_time, within
from jili.io.sql import render

D = dt.date


@pytest.mark.parametrize(("day", "steady"), [
    (D(2026, 3, 27), True),  # Berlin moves its clocks at 01:00 UTC on 29 March: 2 days after midnight is before it
    (D(2026, 3, 28), False),
    (D(2026, 3, 31), False),
    (D(2026, 4, 1), True),  # two days before midnight is after it
])
def test_a_zone_is_steady_two_days_either_side_of_a_bound(day: dt.date, steady: bool) -> None:
    assert _steady("Europe/Berlin", day) is steady


def test_shanghai_has_no_clock_changes_and_an_unknown_zone_is_never_steady() -> None:
    assert _steady("Asia/Shanghai", D(2026, 10, 1)) and _steady("UTC", D(2026, 3, 29))
    assert not _steady("Not/AZone", D(2026, 10, 1))


def test_the_form_of_the_filter() -> None:
    month = render(within("interactions", "offered_at", "Asia/Shanghai", D(2026, 10, 1), D(2026, 11, 1)))
    assert month == ('"f"."offered_at" >= CAST(\'2026-09-30T16:00:00+00:00\' AS TIMESTAMPTZ) AND '
                     '"f"."offered_at" < CAST(\'2026-10-31T16:00:00+00:00\' AS TIMESTAMPTZ)')
    march = render(within("interactions", "offered_at", "Europe/Berlin", D(2026, 3, 1), D(2026, 3, 30)))
    assert "AT TIME ZONE 'Europe/Berlin'" in march  # the upper bound is a day after the change
    kpis = render(within("kpis", "date", "Asia/Shanghai", D(2026, 10, 1), D(2026, 11, 1)))
    assert "TIMESTAMPTZ" not in kpis and kpis.startswith('CAST("f"."date" AS TIMESTAMP) >= ')


# every 7 minutes over days where the clocks change at or near midnight
CHANGES = [("Asia/Shanghai", D(2026, 9, 28)), ("Europe/Berlin", D(2026, 3, 26)), ("Europe/Berlin", D(2026, 10, 22)),
           ("America/Sao_Paulo", D(2018, 2, 14)), ("America/Sao_Paulo", D(2018, 11, 1)),
           ("America/St_Johns", D(2006, 10, 26))]  # back from 00:01 to 23:01 on the 29th: midnight came twice


def _days(con: duckdb.DuckDBPyConnection, zone: str, first: dt.date, form: object) -> list[list[dt.datetime]]:
    """The instants each day of a week selects, with the filter ``form(day, next day)``."""
    picked = []
    for i in range(7):
        lo, hi = first + dt.timedelta(days=i), first + dt.timedelta(days=i + 1)
        sql = f"SELECT offered_at FROM facts AS f WHERE {render(form(lo, hi))} ORDER BY 1"  # type: ignore[operator]
        picked.append([r[0] for r in con.execute(sql).fetchall()])
    return picked


@pytest.mark.parametrize(("zone", "first"), CHANGES)
def test_each_day_selects_what_the_wall_clock_selects(zone: str, first: dt.date) -> None:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    start = dt.datetime.combine(first - dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    con.execute("CREATE TABLE facts AS SELECT range AS offered_at FROM range(?, ?, INTERVAL 7 MINUTE)",
                [start, start + dt.timedelta(days=9)])
    wall = _days(con, zone, first, lambda lo, hi: _wall(zone, lo, hi))
    made = _days(con, zone, first, lambda lo, hi: within("interactions", "offered_at", zone, lo, hi))
    assert made == wall and sum(map(len, made)) > 1000
    naive = _days(con, zone, first, lambda lo, hi: _instants(lo, hi, zone))
    if zone == "America/St_Johns":  # 23:01–00:01 twice: the second 23:30 is the 28th's, after the 29th began
        assert naive != wall  # instants alone would be wrong there: why the wall-clock form stays
    else:  # elsewhere the zone's midnights are single instants (or skipped: São Paulo's spring): both forms agree
        assert naive == wall


def _wall(zone: str, lo: dt.date, hi: dt.date) -> object:
    from jili.core.plan import _BETWEEN, _day
    from jili.core.sqltree import fill
    return fill(_BETWEEN, time=local_time("interactions", "offered_at", zone), lo=_day(lo), hi=_day(hi))


def _instants(lo: dt.date, hi: dt.date, zone: str) -> object:
    from jili.core.plan import _BETWEEN, placed_by
    from jili.core.sqltree import fill
    return fill(_BETWEEN, time=placed_by("interactions", "offered_at"), lo=_instant(zone, lo), hi=_instant(zone, hi))


@pytest.mark.parametrize(("zone", "lo", "hi", "shifted"), [
    ("Asia/Shanghai", D(2026, 10, 1), D(2026, 11, 1), True),
    ("Asia/Kolkata", D(2026, 10, 1), D(2026, 11, 1), True),  # +05:30
    ("Europe/Berlin", D(2026, 11, 1), D(2026, 12, 1), True),  # the clocks went back on 25 October
    ("Europe/Berlin", D(2026, 10, 1), D(2026, 11, 1), False),
    ("Europe/Berlin", D(2026, 10, 28), D(2026, 10, 29), True),  # three days after the change
    ("Europe/Berlin", D(2026, 10, 27), D(2026, 10, 28), False),  # two days before 27 October's midnight: the change
    ("America/St_Johns", D(2006, 10, 1), D(2006, 11, 1), False),
])
def test_local_time_adds_the_zone_s_offset_where_it_is_steady_and_equals_the_zone_s_conversion(
        zone: str, lo: dt.date, hi: dt.date, shifted: bool) -> None:
    local = local_time("interactions", "offered_at", zone, lo, hi)
    assert (render(local).startswith("MAKE_TIMESTAMP(EPOCH_US(")) is shifted
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    start = dt.datetime.combine(lo, dt.time(), tzinfo=dt.UTC) - dt.timedelta(hours=15)
    con.execute("CREATE TABLE facts AS SELECT range AS offered_at FROM range(?, ?, INTERVAL 7 MINUTE)",
                [start, start + (hi - lo) + dt.timedelta(hours=30)])
    zoned = local_time("interactions", "offered_at", zone)  # the zone's own conversion, row by row
    sql = (f"SELECT count(*), count(*) FILTER (WHERE {render(local)} = {render(zoned)}) "
           f"FROM facts AS f WHERE {render(within('interactions', 'offered_at', zone, lo, hi))}")
    total, same = con.execute(sql).fetchone()  # type: ignore[misc]
    assert total >= (hi - lo).days * 200 and same == total
