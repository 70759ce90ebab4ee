"""Periods, read as worked examples: ISO weeks across every year end 2020–2027, splits, working days
on the Chinese calendar (holidays and 调休 make-up days), and the working-day arithmetic of appeals."""

from __future__ import annotations

import datetime as dt

import pytest

from jili.core.periods import PeriodKind, add_working_days, is_workday, parse_period, period_of, working_days

d = dt.date


@pytest.mark.parametrize(("day", "week"), [
    (d(2020, 12, 31), "2020-W53"), (d(2021, 1, 3), "2020-W53"), (d(2021, 1, 4), "2021-W01"),
    (d(2022, 1, 2), "2021-W52"), (d(2022, 1, 3), "2022-W01"), (d(2023, 1, 1), "2022-W52"),
    (d(2023, 12, 31), "2023-W52"), (d(2024, 1, 1), "2024-W01"),
    (d(2024, 12, 29), "2024-W52"), (d(2024, 12, 30), "2025-W01"), (d(2025, 1, 1), "2025-W01"),
    (d(2025, 12, 28), "2025-W52"), (d(2025, 12, 29), "2026-W01"),
    (d(2026, 12, 31), "2026-W53"), (d(2027, 1, 3), "2026-W53"), (d(2027, 1, 4), "2027-W01")])
def test_iso_week_labels_at_the_year_boundary(day: dt.date, week: str) -> None:
    """The week of Monday 2024-12-30 is 2025-W01: a weekly ranking of that week is 2025's first."""
    period = period_of(day, PeriodKind.WEEK)
    assert period.label == week
    assert period.start.weekday() == 0 and period.length == 7 and period.start <= day < period.end
    assert parse_period(week) == period


@pytest.mark.parametrize(("label", "start", "end", "days"), [
    ("2025-03", d(2025, 3, 1), d(2025, 4, 1), 31), ("2024-02", d(2024, 2, 1), d(2024, 3, 1), 29),
    ("2025-02", d(2025, 2, 1), d(2025, 3, 1), 28), ("2025-Q4", d(2025, 10, 1), d(2026, 1, 1), 92),
    ("2024", d(2024, 1, 1), d(2025, 1, 1), 366), ("2025-03-14", d(2025, 3, 14), d(2025, 3, 15), 1)])
def test_a_period_ends_before_its_exclusive_end(label: str, start: dt.date, end: dt.date, days: int) -> None:
    period = parse_period(label)
    assert period is not None and (period.start, period.end, period.length) == (start, end, days)
    assert list(period.days())[-1] == end - dt.timedelta(days=1) and len(list(period.days())) == days


def test_splits_cover_the_period_exactly() -> None:
    quarter = parse_period("2025-Q1")
    assert quarter is not None
    months = quarter.split(PeriodKind.MONTH)
    assert [m.label for m in months] == ["2025-01", "2025-02", "2025-03"]
    month = parse_period("2025-03")
    assert month is not None
    weeks = month.split(PeriodKind.WEEK)
    # a week counts for the month it starts in: W09 (from Monday 24 Feb) is February's, W14 (from 31 Mar) March's
    assert [w.label for w in weeks] == ["2025-W10", "2025-W11", "2025-W12", "2025-W13", "2025-W14"]
    assert sum(1 for _ in month.split(PeriodKind.DAY)) == 31


@pytest.mark.parametrize(("label", "expected"), [
    ("2025-03", 21),  # no holiday: 21 weekdays (22 would count 1 April, the exclusive end)
    ("2026-09", 22),  # R15's 176 hours = 22 × 8
    ("2024-02", 18),  # Spring Festival 10–17 Feb; make-up Sundays 4 and 18 Feb
    ("2025-10", 18),  # National Day and Mid-Autumn 1–8 Oct; make-up Saturday 11 Oct
    ("2025-01", 19),  # New Year 1 Jan; Spring Festival from 28 Jan; make-up Sunday 26 Jan
])
def test_working_days_of_a_month_on_the_chinese_calendar(label: str, expected: int) -> None:
    period = parse_period(label)
    assert period is not None and working_days(period) == expected


def test_make_up_days_are_working_days_and_holidays_are_not() -> None:
    assert is_workday(d(2025, 9, 28))  # a Sunday worked for National Day
    assert not is_workday(d(2025, 10, 1)) and not is_workday(d(2025, 10, 6))  # Wednesday, Monday: holidays
    assert is_workday(d(2025, 10, 11))  # a Saturday worked
    assert not is_workday(d(2025, 3, 15)) and is_workday(d(2025, 3, 14))
    assert is_workday(d(2025, 3, 15), {d(2025, 3, 15): True})  # a centre's own override


@pytest.mark.parametrize(("start", "n", "expected"), [
    (d(2025, 3, 10), 5, d(2025, 3, 17)),  # Monday + 5 working days: the next Monday
    (d(2025, 3, 14), 1, d(2025, 3, 17)),  # Friday + 1: Monday
    (d(2025, 9, 26), 5, d(2025, 10, 10)),  # over the make-up Sunday 28 Sep and the 1–8 Oct holiday
    (d(2025, 9, 30), 1, d(2025, 10, 9)),
    (d(2025, 3, 10), 0, d(2025, 3, 10)),
    (d(2025, 3, 10), 15, d(2025, 3, 31)),  # R12: a review is due within 15 working days
])
def test_add_working_days_for_appeal_deadlines(start: dt.date, n: int, expected: dt.date) -> None:
    assert add_working_days(start, n) == expected


def test_working_days_are_counted_with_the_centre_s_overrides() -> None:
    # Thursday 9 Oct 2025; Friday 10 declared off by the centre: the make-up Saturday 11 and Monday 13 count
    assert add_working_days(d(2025, 10, 9), 2, {d(2025, 10, 10): False}) == d(2025, 10, 13)
    assert add_working_days(d(2025, 10, 9), 2) == d(2025, 10, 11)
