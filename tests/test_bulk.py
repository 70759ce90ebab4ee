"""insert_rows stores exactly what Django's bulk_create stores, on SQLite and PostgreSQL, across chunk edges."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from jili.registry import bulk
from jili.registry.bulk import insert_rows
from jili.registry.models import Period, Posting

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

AT = dt.datetime(2026, 10, 31, 23, 30, tzinfo=ZoneInfo("Asia/Shanghai"))  # 15:30 UTC: another day in UTC
COLUMNS = ("period", "policy_id", "rule_id", "agent_id", "account", "amount", "kind", "note", "created_at",
           "created_by")
AMOUNTS = [Decimal("1.5"), Decimal("1.50"), Decimal("-0.0001"), Decimal("1234567890.1234"), Decimal("0"),
           Decimal("200")]
NOTES = ["积分 +1.5（R13）", "it's \"quoted\" %s %(x)s ?", "", "x" * 500]


def _rows(period: Period, prefix: str) -> list[tuple[object, ...]]:
    return [(period.pk, "r13", f"rule-{i % 3}", f"{prefix}{i:03d}", "points" if i % 2 else "yuan", AMOUNTS[i % len(AMOUNTS)],
             Posting.Kind.REDEMPTION if i % 5 == 0 else Posting.Kind.RULE, NOTES[i % len(NOTES)], AT, "经理")
            for i in range(17)]


def _stored(prefix: str) -> list[tuple[object, ...]]:
    rows = Posting.objects.filter(agent_id__startswith=prefix).order_by("agent_id").values_list(
        "run_id", "period_id", "policy_id", "rule_id", "agent_id", "account", "amount", "kind", "corrects_id", "note",
        "created_at", "created_by")
    return [(*r[:4], r[4][len(prefix):], *r[5:]) for r in rows]


@pytest.fixture
def period() -> Period:
    return Period.objects.create(label="2026-10", kind="month", start=dt.date(2026, 10, 1), end=dt.date(2026, 11, 1))


@pytest.mark.parametrize("chunk", [16, 17, 18])  # the last chunk one row short, exactly full, one row over
def test_insert_rows_stores_what_bulk_create_stores(period: Period, chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "CHUNK", chunk)
    Posting.objects.bulk_create([Posting(**dict(zip(("period_id", *COLUMNS[1:]), row, strict=True)))
                                 for row in _rows(period, "b-")])
    assert insert_rows(Posting, COLUMNS, _rows(period, "i-")) == 17
    made, expected = _stored("i-"), _stored("b-")
    assert len(made) == 17
    assert made == expected
    assert made[3][6] == Decimal("1234567890.1234") and made[0][10] == AT  # the values, not only equal to each other


def test_no_rows_write_nothing(period: Period) -> None:
    assert insert_rows(Posting, COLUMNS, []) == 0
    assert Posting.objects.count() == 0
