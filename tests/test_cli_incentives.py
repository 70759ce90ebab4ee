"""run → explain → leaderboard → export → close → whatif, as a user types them."""

from __future__ import annotations

import json
import re

from openpyxl import load_workbook

from conftest import ROSTER_CSV
from test_cli import home, import_text, jili  # noqa: F401 - the fixture

CSV = ("evaluation_id,agent_id,scorecard,source,call_at,evaluated_at,score\n"
       "E1,A001,sq,internal,2025-03-03 10:00,2025-03-04 10:00,96\nE2,A001,sq,carrier,2025-03-03 11:00,2025-03-04 11:00,95\n"
       "E3,A003,sq,internal,2025-03-03 10:00,2025-03-04 10:00,91\nE4,A003,sq,carrier,2025-03-03 11:00,2025-03-04 11:00,90\n")
HOURS = "agent_id,date,worked_hours\nA001,2025-03-31,176\nA003,2025-03-31,160\nA002,2025-03-31,176\n"


def test_month_close_from_the_command_line(home, tmp_path):  # noqa: F811
    w = ["-w", str(home)]
    for name, text, fmt in (("roster.csv", ROSTER_CSV, "roster"), ("qa.csv", CSV, "evaluations"),
                            ("hours.csv", HOURS, "attendance")):
        import_text(home, tmp_path, name, text, fmt)
    ran = jili("run", "-p", "r15-service-quality-bonus", "--period", "2025-03", *w, "--json")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    report = json.loads(ran.stdout)
    # A001: avg 95.5, 176 h → 300; A003: avg 90.5 → 200, 16 h short → −20 = 180; A002 joined 2026-09-15: not yet hired
    assert report["totals"] == {"bonus": "480.00"} and report["agents"] == 2
    zh = jili("explain", "A003", "-p", "r15-service-quality-bonus", "--period", "2025-03", *w)
    assert "服务质量奖：良好" in zh.stdout and "worked_hours = 160 → -20.00" in zh.stdout
    en = jili("explain", "A003", "-p", "r15-service-quality-bonus", "--period", "2025-03", *w, env={"JILI_LANG": "en"})
    assert "quality bonus: good" in en.stdout and re.search(r"bonus\s+180\.00 yuan", en.stdout)
    board = json.loads(jili("leaderboard", "-p", "r15-service-quality-bonus", "--period", "2025-03", *w,
                            "--json").stdout)
    assert [(r["agent_id"], r["total"]) for r in board["board"]] == [("A001", "300.00"), ("A003", "180.00")]
    xlsx = tmp_path / "payout.xlsx"
    assert jili("export", "-p", "r15-service-quality-bonus", "--period", "2025-03", "--out", str(xlsx), *w).returncode == 0
    book = load_workbook(xlsx)
    assert book.sheetnames == ["发放表 payout", "明细 lines", "标记 flags", "更正 corrections"]
    rows = list(book["发放表 payout"].iter_rows(values_only=True))
    assert rows[1][0] == "A001" and rows[1][4] == 300.0 and rows[2][4] == 180.0
    # what if the excellent tier paid 350?
    draft = tmp_path / "draft.yaml"
    from jili.io.workspace import TEMPLATES

    draft.write_text((TEMPLATES / "r15-service-quality-bonus.yaml").read_text(encoding="utf-8")
                     .replace("amount: 300", "amount: 350").replace('version: "1"', 'version: "2-draft"'),
                     encoding="utf-8")
    what = json.loads(jili("whatif", "-p", str(draft), "--base", "r15-service-quality-bonus", "--period", "2025-03",
                           *w, "--json").stdout)
    assert (what["total_before"], what["total_after"], what["gain"], what["lose"]) == ("480.00", "530.00", 1, 0)
    assert jili("close", "--period", "2025-03", *w).returncode == 0
    again = jili("run", "-p", "r15-service-quality-bonus", "--period", "2025-03", *w, "--json")
    assert again.returncode == 1 and json.loads(again.stdout)["problems"][0]["code"] == "period_closed"


NO_DJANGO = ("import sys; sys.modules['django'] = None; sys.argv = ['jili', *sys.argv[1:]]; "
             "from jili.cli.main import run; run()")


def test_whatif_runs_from_a_snapshot_with_django_not_importable(home, tmp_path):  # noqa: F811
    import subprocess
    import sys

    w = ["-w", str(home)]
    for name, text, fmt in (("roster.csv", ROSTER_CSV, "roster"), ("qa.csv", CSV, "evaluations"),
                            ("hours.csv", HOURS, "attendance")):
        import_text(home, tmp_path, name, text, fmt)
    draft = tmp_path / "draft.yaml"
    from jili.io.workspace import TEMPLATES

    draft.write_text((TEMPLATES / "r15-service-quality-bonus.yaml").read_text(encoding="utf-8")
                     .replace("amount: 300", "amount: 350"), encoding="utf-8")
    args = ["whatif", "-p", str(draft), "--base", "r15-service-quality-bonus", "--period", "2025-03", *w, "--json"]
    from_registry = jili(*args)
    assert from_registry.returncode == 0, from_registry.stdout
    snap = tmp_path / "2025-03.snapshot.json"
    made = jili("snapshot", "--period", "2025-03", "-p", "r15-service-quality-bonus", "--out", str(snap), *w, "--json")
    assert made.returncode == 0 and json.loads(made.stdout)["agents"] == 2, made.stdout
    bare = subprocess.run([sys.executable, "-c", NO_DJANGO, *args, "--snapshot", str(snap)],
                          capture_output=True, text=True, timeout=120)
    assert bare.returncode == 0, bare.stdout + bare.stderr
    assert json.loads(bare.stdout) == json.loads(from_registry.stdout)
    assert json.loads(bare.stdout)["total_after"] == "530.00"
    # the registry itself cannot be reached that way: a command that needs it fails, and says why
    blocked = subprocess.run([sys.executable, "-c", NO_DJANGO, *args], capture_output=True, text=True, timeout=120)
    assert blocked.returncode != 0
    # a snapshot of another period is refused with a problem, not a traceback
    other = subprocess.run([sys.executable, "-c", NO_DJANGO, *args[:-5], "--period", "2025-04", *w, "--json",
                            "--snapshot", str(snap)], capture_output=True, text=True, timeout=120)
    assert other.returncode == 2 and json.loads(other.stdout)["problems"][0]["code"] == "bad_period"


NO_CHECKER = ("import sys; sys.modules['sqlglot'] = None; sys.modules['pydantic'] = None; "
              "sys.argv = ['jili', *sys.argv[1:]]; from jili.cli.main import run; run()")


def test_reading_a_run_needs_its_stored_head_not_the_policy_checker(home, tmp_path):  # noqa: F811
    """explain, leaderboard and export of a run made from this very file read the policy head the run stored:
    the policy checker (sqlglot, pydantic) is never imported. An edited file is read and checked in full."""
    import subprocess
    import sys

    w = ["-w", str(home)]
    for name, text, fmt in (("roster.csv", ROSTER_CSV, "roster"), ("qa.csv", CSV, "evaluations"),
                            ("hours.csv", HOURS, "attendance")):
        import_text(home, tmp_path, name, text, fmt)
    from jili.io.workspace import TEMPLATES

    policy = home / "policies" / "bonus.yaml"
    policy.write_text((TEMPLATES / "r15-service-quality-bonus.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    assert jili("run", "-p", "bonus", "--period", "2025-03", *w).returncode == 0

    def bare(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", NO_CHECKER, *args, *w], capture_output=True, text=True,
                              timeout=120)

    explained = bare("explain", "A003", "-p", "bonus", "--period", "2025-03", "--json")
    assert explained.returncode == 0, explained.stdout + explained.stderr
    assert json.loads(explained.stdout)["statement"]["agent_id"] == "A003"
    board = bare("leaderboard", "-p", "bonus", "--period", "2025-03", "--json")
    assert [(r["agent_id"], r["total"]) for r in json.loads(board.stdout)["board"]] == [("A001", "300.00"),
                                                                                     ("A003", "180.00")]
    xlsx = tmp_path / "payout.xlsx"
    assert bare("export", "-p", "bonus", "--period", "2025-03", "--out", str(xlsx)).returncode == 0
    assert list(load_workbook(xlsx)["发放表 payout"].iter_rows(values_only=True))[1][:5] == ("A001", "王芳", "T1", "是 yes",
                                                                                           300.0)
    # the same figures as the full reading of the policy
    assert json.loads(jili("explain", "A003", "-p", "bonus", "--period", "2025-03", *w, "--json").stdout) == \
        json.loads(explained.stdout)
    # a period with no run from this file, and an edited file, are read in full: without the checker, they fail
    assert bare("leaderboard", "-p", "bonus", "--period", "2025-04", "--json").returncode != 0
    policy.write_text(policy.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert bare("explain", "A003", "-p", "bonus", "--period", "2025-03", "--json").returncode != 0
    full = jili("explain", "A003", "-p", "bonus", "--period", "2025-03", *w, "--json")
    assert full.returncode == 0 and json.loads(full.stdout)["statement"] == json.loads(explained.stdout)["statement"]
