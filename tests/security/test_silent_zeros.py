"""A new user's first month: what used to pay everyone 0.00 without a word now places the facts,
or stops with the reason."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import ROSTER_CSV, write
from test_cli import NOW, home, import_text, jili  # noqa: F401 - the fixture

HOURS = "agent_id,date,worked_hours\nA001,2025-03-31,176\nA003,2025-03-31,160\n"


def test_evaluations_without_their_call_time_are_placed_by_when_they_were_evaluated(home: Path,  # noqa: F811
                                                                                     tmp_path: Path) -> None:
    w = ["-w", str(home)]
    import_text(home, tmp_path, "roster.csv", ROSTER_CSV, "roster")
    import_text(home, tmp_path, "hours.csv", HOURS, "attendance")
    import_text(home, tmp_path, "qa.csv", "evaluation_id,agent_id,scorecard,source,evaluated_at,score\n"
                "E1,A001,sq,internal,2025-03-04 10:00,96\nE2,A001,sq,carrier,2025-03-04 11:00,95\n"
                "E3,A003,sq,internal,2025-03-04 10:00,91\nE4,A003,sq,carrier,2025-03-04 11:00,90\n", "evaluations")
    ran = json.loads(jili("run", "-p", "r15-service-quality-bonus", "--period", "2025-03", *w, "--json").stdout)
    assert ran["totals"] == {"bonus": "480.00"}  # the same as with call times: 300 + 180
    scored = json.loads(jili("qa", "intervals", "--period", "2025-03", *w, "--json").stdout)
    assert scored["ok"]


def test_a_header_close_to_a_missing_known_one_is_an_error_that_names_it(home: Path, tmp_path: Path) -> None:  # noqa: F811
    w = ["-w", str(home)]
    import_text(home, tmp_path, "roster.csv", ROSTER_CSV, "roster")
    hours = write(tmp_path / "考勤.csv", "工号,日期,出勤小时\nA001,2025-03-31,176\n")
    out = jili("import", str(hours), "-f", "attendance", *w, "--now", NOW, "--json")
    assert out.returncode == 1
    problem = json.loads(out.stdout)["imports"][0]["problems"][0]
    assert problem["code"] == "unknown_column_close" and "Did you mean 'worked_hours'?" in problem["message"]
    assert problem["location"].endswith("考勤.csv:1 (出勤小时)") or "考勤.csv:1" in problem["location"]
    calls = write(tmp_path / "calls.csv", "interaction_id,坐席编码,offered_at,outcome\nC1,A001,2025-03-03 10:00,接通\n")
    out = jili("import", str(calls), "-f", "interactions", *w, "--now", NOW, "--json")
    assert out.returncode == 1
    assert json.loads(out.stdout)["imports"][0]["problems"][0]["code"] == "unknown_column_close"
    # said on purpose: it is something else
    kept = jili("import", str(hours), "-f", "attendance", "--ignore-column", "出勤小时", *w, "--now", NOW, "--json")
    assert kept.returncode == 0, kept.stdout


def test_an_unknown_header_far_from_any_known_one_is_only_a_warning(home: Path, tmp_path: Path) -> None:  # noqa: F811
    w = ["-w", str(home)]
    import_text(home, tmp_path, "roster.csv", ROSTER_CSV, "roster")
    hours = write(tmp_path / "hours.csv", "工号,日期,出勤时长,备注X\nA001,2025-03-31,176,hello\n")
    out = jili("import", str(hours), "-f", "attendance", *w, "--now", NOW, "--json")
    assert out.returncode == 0
    assert [p["code"] for p in json.loads(out.stdout)["imports"][0]["problems"]] == ["unknown_column"]
