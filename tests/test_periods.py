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


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_working_days_of_every_month_agree_with_the_calendar_s_own_count(year: int) -> None:
    import chinese_calendar

    for month in range(1, 13):
        period = period_of(d(year, month, 1), PeriodKind.MONTH)
        listed = chinese_calendar.get_workdays(period.start, period.end - dt.timedelta(days=1), include_weekends=True)
        assert working_days(period) == len(listed), period.label


@pytest.mark.parametrize(("label", "expected"), [
    ("2025-03-01", "2025-03-01"), ("2025-W01", "2025-W01"), ("2025-03", "2025-03"), ("2025-Q1", "2025-Q1"),
    ("2025-Q2", "2025-Q2"), ("2025-Q3", "2025-Q3"), ("2025-Q4", "2025-Q4"), ("2025", "2025"), (" 2025-03 ", "2025-03"),
    ("2025-13", None), ("2025-00", None), ("2025-W54", None), ("2025-W00", None), ("2025-Q5", None), ("2025-Q0", None),
    ("2025-3", None), ("25-03", None), ("2025-02-30", None), ("2025-03-1", None), ("march", None), ("", None),
    ("2025-03x", None), ("x2025", None), ("2026-W53", "2026-W53"), ("2025-W53", None)])
def test_period_labels_read_back_and_anything_else_is_refused(label: str, expected: str | None) -> None:
    period = parse_period(label)
    assert (period.label if period else None) == expected
    if expected is not None:
        kind = (PeriodKind.QUARTER if "Q" in expected else PeriodKind.WEEK if "W" in expected else
                {10: PeriodKind.DAY, 7: PeriodKind.MONTH, 4: PeriodKind.YEAR}[len(expected)])
        assert period is not None and period.kind == kind and period == period_of(period.start, kind)


@pytest.mark.parametrize(("label", "start", "end"), [
    ("2025-Q1", d(2025, 1, 1), d(2025, 4, 1)), ("2025-Q2", d(2025, 4, 1), d(2025, 7, 1)),
    ("2025-Q3", d(2025, 7, 1), d(2025, 10, 1)), ("2025-Q4", d(2025, 10, 1), d(2026, 1, 1)),
    ("2025-12", d(2025, 12, 1), d(2026, 1, 1)), ("2025-W01", d(2024, 12, 30), d(2025, 1, 6))])
def test_each_period_kind_has_its_start_and_exclusive_end(label: str, start: dt.date, end: dt.date) -> None:
    period = parse_period(label)
    assert period is not None and (period.start, period.end) == (start, end)
    for day in (start, end - dt.timedelta(days=1)):  # every day inside is in the same period
        assert period_of(day, period.kind) == period
    assert period_of(start, PeriodKind.YEAR).kind == PeriodKind.YEAR
    assert period_of(end, period.kind).start == end


@pytest.mark.parametrize(("label", "n", "expected"), [
    ("2025-03", 1, "2025-02"), ("2025-01", 1, "2024-12"), ("2025-03", 3, "2024-12"), ("2025-Q1", 1, "2024-Q4"),
    ("2025-W01", 1, "2024-W52"), ("2025-03-01", 1, "2025-02-28"), ("2025", 2, "2023"), ("2025-03", 0, "2025-03")])
def test_previous_periods_step_back_across_year_ends(label: str, n: int, expected: str) -> None:
    period = parse_period(label)
    assert period is not None and period.previous(n).label == expected
    if n == 1:
        assert period.previous().label == expected


def test_splits_into_each_kind() -> None:
    year = parse_period("2025")
    assert year is not None
    assert [q.label for q in year.split(PeriodKind.QUARTER)] == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    assert len(year.split(PeriodKind.MONTH)) == 12 and len(year.split(PeriodKind.DAY)) == 365
    # 2025 has ISO weeks W02…W52 starting inside it and W01 of 2026 starting on 29 December
    weeks = year.split(PeriodKind.WEEK)
    assert (weeks[0].label, weeks[-1].label, len(weeks)) == ("2025-W02", "2026-W01", 52)
    week = parse_period("2025-W10")
    assert week is not None and [p.label for p in week.split(PeriodKind.DAY)][::6] == ["2025-03-03", "2025-03-09"]
    assert week.split(PeriodKind.MONTH) == []  # a week holds no month's start
    june = parse_period("2025-06")
    assert june is not None and june.split(PeriodKind.WEEK)[0].label == "2025-W23"  # Monday 2 June


@pytest.mark.parametrize(("day", "months", "expected"), [
    (d(2025, 1, 31), 1, d(2025, 2, 28)), (d(2024, 1, 31), 1, d(2024, 2, 29)), (d(2025, 3, 31), -1, d(2025, 2, 28)),
    (d(2025, 11, 15), 2, d(2026, 1, 15)), (d(2025, 1, 15), -1, d(2024, 12, 15)), (d(2025, 5, 31), 12, d(2026, 5, 31)),
    (d(2025, 12, 31), 0, d(2025, 12, 31))])
def test_add_months_keeps_the_day_or_takes_the_month_s_end(day: dt.date, months: int, expected: dt.date) -> None:
    from jili.core.periods import add_months

    assert add_months(day, months) == expected


def test_a_typed_date_or_its_problem() -> None:
    from jili.core.periods import parse_day
    from jili.core.problems import Location, Problem

    assert parse_day(" 2026-09-01 ") == d(2026, 9, 1)
    p = parse_day("2026-9-1", where="effective")
    assert isinstance(p, Problem) and p.is_error
    assert (p.code, p.location, p.message, p.message_zh) == ("bad_date", Location("effective"),
                                                             "'2026-9-1' is not a date.", "“2026-9-1”不是日期。")
    assert (p.expected, p.found, p.fix, p.fix_zh) == ("YYYY-MM-DD", "2026-9-1", "Write the date as 2026-09-01.",
                                                      "请写成 2026-09-01 这样的日期。")
    other = parse_day("soon")
    assert isinstance(other, Problem) and other.location == Location("soon")


def test_holidays_between_are_named_and_counted_in_order() -> None:
    from jili.core.periods import HOLIDAY_NAMES, holidays_between

    # 1–8 October 2025: National Day with Mid-Autumn (6 October) inside it
    assert holidays_between(d(2025, 9, 1), d(2025, 10, 9)) == (("National Day", 7), ("Mid-autumn Festival", 1))
    assert all(name in HOLIDAY_NAMES for name, _ in holidays_between(d(2025, 9, 1), d(2025, 10, 9)))
    got = holidays_between(d(2025, 1, 1), d(2025, 2, 10))
    assert [name for name, _ in got] == ["New Year's Day", "Spring Festival"] and got[0][1] == 1
    assert holidays_between(d(2025, 3, 1), d(2025, 4, 1)) == ()
    assert holidays_between(d(2025, 10, 1), d(2025, 10, 1)) == ()


def test_a_year_the_calendar_does_not_know_is_said_not_guessed() -> None:
    from jili.core.periods import CalendarUnknown, holidays_between

    far = d(2099, 3, 2)
    with pytest.raises(CalendarUnknown) as info:
        is_workday(far)
    assert info.value.day == far and info.value.args == (far,)
    with pytest.raises(CalendarUnknown) as again:
        holidays_between(far, far + dt.timedelta(days=1))
    assert again.value.day == far
    assert is_workday(far, {far: True}) and not is_workday(far, {far: False})
    assert working_days(period_of(far, PeriodKind.DAY), {far: True}) == 1
