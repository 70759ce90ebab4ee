"""Periods (day, ISO week, month, quarter, year) and Chinese working days.

Working days come from ``chinesecalendar`` (with 调休 make-up days). It knows the years the
State Council has published; for a later year, pass ``overrides`` (date -> is_workday), or
Jili reports the year as unknown instead of guessing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from jili.core.problems import Location, Problem, Severity


class PeriodKind(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


def _label(start: dt.date, kind: PeriodKind) -> str:
    if kind == PeriodKind.DAY:
        return start.isoformat()
    if kind == PeriodKind.WEEK:
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if kind == PeriodKind.MONTH:
        return f"{start:%Y-%m}"
    if kind == PeriodKind.QUARTER:
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


ORDER = [PeriodKind.DAY, PeriodKind.WEEK, PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR]


@dataclass(frozen=True, slots=True, order=True)
class Period:
    start: dt.date
    end: dt.date  # exclusive
    kind: PeriodKind

    label: str = field(init=False, compare=False, repr=False)  # read for every agent and metric of a run: made once

    def __post_init__(self) -> None:
        object.__setattr__(self, "label", _label(self.start, self.kind))

    def days(self) -> Iterator[dt.date]:
        d = self.start
        while d < self.end:
            yield d
            d += dt.timedelta(days=1)

    @property
    def length(self) -> int:
        return (self.end - self.start).days

    def previous(self, n: int = 1) -> Period:
        p = self
        for _ in range(n):
            p = period_of(p.start - dt.timedelta(days=1), p.kind)
        return p

    def split(self, kind: PeriodKind) -> list[Period]:
        """The periods of ``kind`` that start inside this one (a week straddling months counts
        for the month it starts in)."""
        out: list[Period] = []
        p = period_of(self.start, kind)
        if p.start < self.start:
            p = period_of(p.end, kind)
        while p.start < self.end:
            out.append(p)
            p = period_of(p.end, kind)
        return out


def period_of(day: dt.date, kind: PeriodKind) -> Period:
    if kind == PeriodKind.DAY:
        return Period(day, day + dt.timedelta(days=1), kind)
    if kind == PeriodKind.WEEK:
        start = day - dt.timedelta(days=day.weekday())
        return Period(start, start + dt.timedelta(days=7), kind)
    if kind == PeriodKind.MONTH:
        start = day.replace(day=1)
        nxt = (start + dt.timedelta(days=32)).replace(day=1)
        return Period(start, nxt, kind)
    if kind == PeriodKind.QUARTER:
        start = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        month = start.month + 3
        nxt = dt.date(start.year + (month > 12), (month - 1) % 12 + 1, 1)
        return Period(start, nxt, kind)
    return Period(dt.date(day.year, 1, 1), dt.date(day.year + 1, 1, 1), kind)


_LABELS = [
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"), PeriodKind.DAY),
    (re.compile(r"^(\d{4})-W(\d{2})$"), PeriodKind.WEEK),
    (re.compile(r"^(\d{4})-(\d{2})$"), PeriodKind.MONTH),
    (re.compile(r"^(\d{4})-Q([1-4])$"), PeriodKind.QUARTER),
    (re.compile(r"^(\d{4})$"), PeriodKind.YEAR),
]


def parse_period(label: str) -> Period | None:
    """'2025-03' (month), '2025-W09', '2025-Q1', '2025', '2025-03-14'; None if not a period."""
    label = label.strip()
    for pattern, kind in _LABELS:
        m = pattern.match(label)
        if not m:
            continue
        try:
            if kind == PeriodKind.DAY:
                return period_of(dt.date.fromisoformat(label), kind)
            year = int(m.group(1))
            if kind == PeriodKind.WEEK:
                return period_of(dt.date.fromisocalendar(year, int(m.group(2)), 1), kind)
            if kind == PeriodKind.MONTH:
                return period_of(dt.date(year, int(m.group(2)), 1), kind)
            if kind == PeriodKind.QUARTER:
                return period_of(dt.date(year, 3 * (int(m.group(2)) - 1) + 1, 1), kind)
            return period_of(dt.date(year, 1, 1), kind)
        except ValueError:
            return None
    return None


class CalendarUnknown(Exception):
    def __init__(self, day: dt.date) -> None:
        super().__init__(day)
        self.day = day


def is_workday(day: dt.date, overrides: Mapping[dt.date, bool] | None = None) -> bool:
    if overrides and day in overrides:
        return overrides[day]
    import chinese_calendar

    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError as exc:  # a year the package does not know yet
        raise CalendarUnknown(day) from exc


def working_days(period: Period, overrides: Mapping[dt.date, bool] | None = None) -> int:
    return sum(1 for d in period.days() if is_workday(d, overrides))


def add_working_days(day: dt.date, n: int, overrides: Mapping[dt.date, bool] | None = None) -> dt.date:
    """The n-th working day after ``day`` (R12: appeals within 5 working days)."""
    d = day
    while n > 0:
        d += dt.timedelta(days=1)
        if is_workday(d, overrides):
            n -= 1
    return d


# the statutory holidays by the name chinese_calendar gives them, in both languages
HOLIDAY_NAMES: dict[str, tuple[str, str]] = {
    "New Year's Day": ("New Year's Day", "元旦"), "Spring Festival": ("Spring Festival", "春节"),
    "Tomb-sweeping Day": ("Qingming", "清明节"), "Labour Day": ("Labour Day", "劳动节"),
    "Dragon Boat Festival": ("Dragon Boat Festival", "端午节"), "National Day": ("National Day", "国庆节"),
    "Mid-autumn Festival": ("Mid-Autumn Festival", "中秋节"), "Anti-Fascist 70th Day": ("Victory Day", "抗战胜利纪念日"),
}


def holidays_between(start: dt.date, end: dt.date) -> tuple[tuple[str, int], ...]:
    """The statutory holidays in [start, end) as (name as chinese_calendar gives it, days), in order of first day;
    a year the calendar does not know yet raises ``CalendarUnknown``."""
    import chinese_calendar

    days: dict[str, int] = {}
    d = start
    while d < end:
        try:
            on, name = chinese_calendar.get_holiday_detail(d)
        except NotImplementedError as exc:
            raise CalendarUnknown(d) from exc
        if on and name:
            days[str(name)] = days.get(str(name), 0) + 1
        d += dt.timedelta(days=1)
    return tuple(days.items())


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (or earlier), at the month's end when it has no such day."""
    import calendar

    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def parse_day(text: str, where: str | None = None) -> dt.date | Problem:
    """A date a person typed (2026-09-01), or the problem at ``where`` (the field, else the text)."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return Problem(Severity.ERROR, "bad_date", Location(where or text), f"'{text}' is not a date.",
                       f"“{text}”不是日期。", expected="YYYY-MM-DD", found=text,
                       fix="Write the date as 2026-09-01.", fix_zh="请写成 2026-09-01 这样的日期。")
