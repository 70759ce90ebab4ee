"""The centre's working-day calendar: the Chinese calendar (``chinesecalendar``, with 调休 make-up days) and
the overrides an admin enters. Deadlines counted in working days (R12: appeal within 5, review within 15)
are refused, not guessed, in a year neither knows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone as djtz

from jili.core.periods import CalendarUnknown, Period, add_working_days, is_workday
from jili.core.problems import Location, Problem, Severity
from jili.registry.models import AuditEvent, CalendarDay


@dataclass(frozen=True, slots=True)
class DayOfCalendar:
    day: dt.date
    workday: bool
    overridden: bool
    note: str


def overrides() -> dict[dt.date, bool]:
    return dict(CalendarDay.objects.values_list("day", "workday"))


def unknown_year(day: dt.date) -> Problem:
    return Problem(Severity.ERROR, "calendar_unknown", Location(f"calendar {day.year}"),
                   f"The working-day calendar does not know {day.year} yet, so no deadline is counted into it.",
                   f"工作日历尚不包含 {day.year} 年，不能计算落在该年的期限。",
                   fix=f"Enter {day.year}'s published holidays and make-up days with `jili calendar set`, "
                       "or upgrade chinesecalendar once it knows the year.",
                   fix_zh=f"请用 `jili calendar set` 录入国务院公布的 {day.year} 年放假与调休安排，"
                          "或在 chinesecalendar 收录该年后升级。")


def deadline(day: dt.date, n: int, days: dict[dt.date, bool] | None = None) -> dt.date | Problem:
    """The n-th working day after ``day`` on the centre's calendar, or why it cannot be counted."""
    try:
        return add_working_days(day, n, overrides() if days is None else days)
    except CalendarUnknown as exc:
        return unknown_year(exc.day)


def month(period: Period) -> list[DayOfCalendar] | Problem:
    """Every day of ``period`` with whether it is worked and whether the centre overrode it."""
    rows = {c.day: c for c in CalendarDay.objects.filter(day__gte=period.start, day__lt=period.end)}
    out = []
    for day in period.days():
        row = rows.get(day)
        try:
            worked = row.workday if row is not None else is_workday(day)
        except CalendarUnknown:
            return unknown_year(day)
        out.append(DayOfCalendar(day, worked, row is not None, row.note if row is not None else ""))
    return out


def do_set_calendar_day(day: dt.date, workday: bool, note: str, *, acting_user: str) -> None:
    """Declare ``day`` worked or not (replacing an earlier override of it), with an audit row."""
    now = djtz.now()
    with transaction.atomic():
        CalendarDay.objects.update_or_create(day=day, defaults={"workday": workday, "note": note, "set_at": now,
                                                                "set_by": acting_user})
        AuditEvent.objects.create(at=now, actor=acting_user, action="set_calendar_day", target=day.isoformat(),
                                  detail={"workday": workday, "note": note})
