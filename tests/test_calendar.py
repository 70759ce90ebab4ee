"""R12's deadlines on the centre's calendar: worked examples computed by hand from the State Council's
published schedules (National Day 2025: 1–8 October off, Sunday 28 September and Saturday 11 October worked;
Spring Festival 2026: 15–23 February off, Saturdays 14 and 28 February worked), the overrides an admin
enters, and a deadline that falls in a year nobody has published yet."""

from __future__ import annotations

import datetime as dt

import pytest

from jili.core.problems import Problem

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

d = dt.date


@pytest.mark.parametrize(("notice", "n", "due"), [
    (d(2025, 9, 26), 5, d(2025, 10, 10)),  # Sun 28 Sep (make-up), 29, 30 Sep, Thu 9, Fri 10 Oct
    (d(2025, 9, 30), 5, d(2025, 10, 14)),  # 9, 10, Sat 11 Oct (make-up), 13, 14 Oct
    (d(2025, 9, 30), 15, d(2025, 10, 28)),  # the review: 9, 10, 11, 13–17, 20–24, 27, 28 Oct
    (d(2025, 10, 1), 1, d(2025, 10, 9)),  # a notice on a holiday counts from the first day back
    (d(2026, 2, 12), 5, d(2026, 2, 26)),  # Fri 13, Sat 14 (make-up), then 24, 25, 26 Feb
    (d(2026, 2, 25), 5, d(2026, 3, 3)),  # 26, 27, Sat 28 Feb (make-up), Mon 2, Tue 3 Mar
    (d(2026, 2, 13), 1, d(2026, 2, 14)),  # a make-up Saturday is a working day
    (d(2026, 2, 14), 1, d(2026, 2, 24)),  # and the holiday is not
])
def test_appeal_and_review_deadlines_on_the_published_calendar(ws, notice, n, due):
    from jili.registry.calendar import deadline

    assert deadline(notice, n) == due


def test_a_deadline_in_a_year_nobody_published_is_refused_until_an_admin_enters_it(ws):
    from jili.registry.calendar import deadline, do_set_calendar_day
    from jili.registry.models import AuditEvent

    assert deadline(d(2026, 12, 28), 3) == d(2026, 12, 31)  # still inside 2026
    refused = deadline(d(2026, 12, 28), 4)
    assert isinstance(refused, Problem) and refused.code == "calendar_unknown"
    assert "2027" in refused.message_zh and "jili calendar set" in refused.fix_zh
    for day in (d(2027, 1, 1), d(2027, 1, 2), d(2027, 1, 3)):
        do_set_calendar_day(day, False, "元旦", acting_user="admin")
    assert isinstance(deadline(d(2026, 12, 28), 4), Problem)  # 4 January is still unknown: not guessed
    do_set_calendar_day(d(2027, 1, 4), True, "", acting_user="admin")
    assert deadline(d(2026, 12, 28), 4) == d(2027, 1, 4)
    assert AuditEvent.objects.filter(action="set_calendar_day").count() == 4


def test_an_override_wins_over_the_package(ws):
    from jili.core.periods import parse_period
    from jili.registry.calendar import deadline, do_set_calendar_day, month

    do_set_calendar_day(d(2025, 10, 11), False, "本中心不调休", acting_user="admin")  # the centre skips the make-up day
    assert deadline(d(2025, 9, 30), 5) == d(2025, 10, 15)
    do_set_calendar_day(d(2025, 10, 11), True, "恢复", acting_user="admin")  # set again: replaced, not added
    assert deadline(d(2025, 9, 30), 5) == d(2025, 10, 14)
    october = parse_period("2025-10")
    days = month(october)
    assert not isinstance(days, Problem)
    assert sum(x.workday for x in days) == 18
    assert [(x.day, x.note) for x in days if x.overridden] == [(d(2025, 10, 11), "恢复")]
