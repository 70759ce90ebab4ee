"""Values that cannot be true are refused where they stand, not moved: impossible dates, offsets
and years, and control characters that would later break the month's workbook."""

from __future__ import annotations

import pytest

from conftest import snapshot, write
from jili.registry.imports import ImportStatus

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

HEAD = "interaction_id,agent_id,offered_at,talk_seconds,outcome\n"


def refused(outcome, code: str = "bad_value"):  # type: ignore[no-untyped-def]
    assert outcome.status == ImportStatus.REJECTED, [p.render() for p in outcome.problems]
    found = [p for p in outcome.problems if p.code == code]
    assert found, [p.render() for p in outcome.problems]
    return found[0]


@pytest.mark.parametrize(("cell", "why"), [
    ("2025-02-30 10:00", "February has no 30th"),
    ("2025-02-29 10:00:00", "2025 is not a leap year"),
    ("2025-13-01 10:00", "no 13th month"),
    ("2025-04-31T09:00:00+08:00", "April has 30 days"),
    ("2025-03-01 10:00:00+99:00", "no such offset"),
    ("2025-03-01 10:00:00+08:75", "no such offset"),
    ("0000-03-01 10:00:00", "year 0"),
    ("1899-12-31 10:00:00", "before the years a centre's records can be in"),
])
def test_an_impossible_time_is_refused_with_its_line_and_column(ws, do, roster, tmp_path, cell, why):
    before = snapshot(ws)
    path = write(tmp_path / "calls.csv", HEAD + f"C1,A001,2025-03-01 09:00:00,30,接通\nC2,A001,{cell},30,接通\n")
    p = refused(do(path, "interactions"))
    assert str(p.location) == "calls.csv:3 (offered_at)" or str(p.location).startswith("calls.csv:3"), why
    assert snapshot(ws) == before


@pytest.mark.parametrize("cell", ["2024-02-29 10:00", "2025-03-01 10:00:00+14:00", "1900-01-01 00:00:00",
                                  "2025-3-1 9:05", "2025-03-01T10:00:00Z"])
def test_a_possible_time_at_the_edge_is_read(ws, do, roster, tmp_path, cell):
    path = write(tmp_path / "calls.csv", HEAD + f"C1,A001,{cell},30,接通\n")
    outcome = do(path, "interactions")
    assert outcome.status == ImportStatus.IMPORTED, [p.render() for p in outcome.problems]


def test_an_attendance_day_that_does_not_exist_is_refused_not_counted_in_march(ws, do, roster, tmp_path):
    path = write(tmp_path / "hours.csv", "agent_id,date,worked_hours\nA001,2025-02-28,8\nA001,2025-02-30,8\n")
    p = refused(do(path, "attendance"))
    assert str(p.location).startswith("hours.csv:3")


def test_a_control_character_in_a_name_is_refused_and_shown_by_its_code(ws, do, tmp_path):
    path = write(tmp_path / "roster.csv", "工号,姓名,班组,状态,入职日期\nA001,王\x00芳,T1,正式,2024-03-01\n"
                                          "A002,李\x07娜,T1,正式,2024-03-01\n")
    p = refused(do(path, "roster"))
    assert str(p.location).startswith("roster.csv:2")
    assert "<U+0000>" in p.found and "\x00" not in p.render("zh") and "\x00" not in p.render("en")


def test_tabs_and_line_breaks_in_a_note_are_text(ws, do, roster, tmp_path):
    path = write(tmp_path / "incidents.csv", "incident_id,agent_id,occurred_at,kind,note\n"
                                             "I1,A001,2025-03-01 10:00,complaint,\"two\nlines\tand a tab\"\n")
    assert do(path, "incidents").status == ImportStatus.IMPORTED
