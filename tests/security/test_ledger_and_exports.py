"""The ledger and what leaves it, tried as an attacker and as a careless user would: corrections
that are not money, in the wrong period or of a replaced run; names that are formulas; floats."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

from openpyxl import load_workbook

from test_cli import home, import_text, jili  # noqa: F401 - the fixture

ROSTER = ("工号,姓名,班组,状态,入职日期\n"
          "A001,\"=HYPERLINK(\"\"http://evil.example/\"\",\"\"click\"\")\",T1,正式,2024-03-01\n"
          "A002,=cmd|' /C calc'!A0,T1,正式,2024-03-01\n"
          "A003,@SUM(1+1),T2,正式,2023-01-10\n")
HOURS = "agent_id,date,worked_hours\nA001,2025-03-31,176\nA002,2025-03-31,160\nA003,2025-03-31,170\n"
POLICY = """\
policy: exact
period: month
accounts:
  bonus: {unit: yuan, places: 2}
metrics:
  hours: {fact: attendance, agg: sum, column: worked_hours}
rules:
  - {id: a, kind: formula, account: bonus, amount: "70.15"}
  - {id: b, kind: formula, account: bonus, amount: "hours * 2.51"}
"""


def month(home: Path, tmp_path: Path) -> list[str]:  # noqa: F811
    import_text(home, tmp_path, "roster.csv", ROSTER, "roster")
    import_text(home, tmp_path, "hours.csv", HOURS, "attendance")
    (home / "policies" / "exact.yaml").write_text(POLICY, encoding="utf-8")
    w = ["-w", str(home)]
    ran = jili("run", "-p", "exact", "--period", "2025-03", *w, "--json")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    return w


def postings(home: Path, agent: str) -> list[int]:  # noqa: F811
    import sqlite3

    with sqlite3.connect(home / "jili.sqlite3") as con:
        return [r[0] for r in con.execute("SELECT g.id FROM registry_posting g JOIN registry_policyrun r "
                                          "ON r.id = g.run_id WHERE g.agent_id = ? AND r.status = 'active' "
                                          "ORDER BY g.id", (agent,))]


def test_corrections_that_are_not_money_are_refused_with_a_problem(home: Path, tmp_path: Path) -> None:  # noqa: F811
    w = month(home, tmp_path)
    target = str(postings(home, "A001")[0])
    for amount in ("1e400", "1e23", "10.005", "NaN", "Infinity", "abc", "", "0"):
        out = jili("correct", target, amount, "--period", "2025-04", "--reason", "x", *w, "--json")
        assert out.returncode == 1, (amount, out.stdout, out.stderr)
        assert "Traceback" not in out.stderr
        assert json.loads(out.stdout)["problems"][0]["code"] == "bad_amount", amount
    ok = jili("correct", target, "10.01", "--period", "2025-04", "--reason", "appeal won", *w, "--json")
    assert ok.returncode == 0, ok.stdout
    edge = jili("correct", target, "-999999999999.99", "--period", "2025-04", "--reason", "edge", *w, "--json")
    assert edge.returncode == 0, edge.stdout


def test_a_correction_goes_only_where_it_can_count(home: Path, tmp_path: Path) -> None:  # noqa: F811
    w = month(home, tmp_path)
    target = str(postings(home, "A001")[0])
    for period, code in (("2025-02", "correction_before_posting"), ("2099-01", "correction_in_future")):
        out = jili("correct", target, "10", "--period", period, "--reason", "x", *w, "--json")
        assert out.returncode == 1 and json.loads(out.stdout)["problems"][0]["code"] == code, out.stdout
    assert jili("correct", target, "10", "--period", "2025-03", "--reason", "same month", *w).returncode == 0
    rerun = jili("run", "-p", "exact", "--period", "2025-03", *w, "--json")  # replaces the run the posting was in
    assert rerun.returncode == 0
    out = jili("correct", target, "10", "--period", "2025-04", "--reason", "x", *w, "--json")
    assert out.returncode == 1 and json.loads(out.stdout)["problems"][0]["code"] == "posting_superseded"


def test_corrections_reach_explain_and_every_export_exactly(home: Path, tmp_path: Path) -> None:  # noqa: F811
    w = month(home, tmp_path)
    target = str(postings(home, "A003")[0])
    assert jili("correct", target, "50", "--period", "2025-03", "--reason", "申诉成立 / appeal won", *w).returncode == 0
    explained = jili("explain", "A003", "-p", "exact", "--period", "2025-03", *w, env={"JILI_LANG": "en"}).stdout
    assert "bonus +50.00 — 申诉成立 / appeal won" in explained and "+50.0000" not in explained
    xlsx = tmp_path / "payout.xlsx"
    assert jili("export", "-p", "exact", "--period", "2025-03", "--out", str(xlsx), *w).returncode == 0
    book = load_workbook(xlsx)
    payout = {r[0]: r for r in book["发放表 payout"].iter_rows(min_row=2, values_only=True)}
    # A003: 70.15 + 170 × 2.51 = 496.85, and the correction of 50
    assert payout["A003"][4] == 546.85 and payout["A003"][7] == 1
    fixes = list(book["更正 corrections"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[2], r[5], r[6]) for r in fixes] == [("A003", int(target), 50, "申诉成立 / appeal won")]
    as_csv = tmp_path / "payout.csv"
    assert jili("export", "-p", "exact", "--period", "2025-03", "--out", str(as_csv), *w).returncode == 0
    rows = {r[0]: r for r in csv.reader(as_csv.read_text(encoding="utf-8-sig").splitlines())}
    assert rows["A003"][4] == "546.85"
    as_json = tmp_path / "payout.json"
    assert jili("export", "-p", "exact", "--period", "2025-03", "--out", str(as_json), *w).returncode == 0
    assert json.loads(as_json.read_text(encoding="utf-8"))["corrections"][0]["amount"] == "50.00"


def test_numbers_leave_the_workbook_digit_for_digit(home: Path, tmp_path: Path) -> None:  # noqa: F811
    w = month(home, tmp_path)
    xlsx = tmp_path / "payout.xlsx"
    assert jili("export", "-p", "exact", "--period", "2025-03", "--out", str(xlsx), *w).returncode == 0
    with zipfile.ZipFile(xlsx) as z:
        lines = z.read("xl/worksheets/sheet2.xml").decode()
        payout = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<v>70.15</v>" in lines and "<v>441.76</v>" in lines  # 176 × 2.51
    assert "70.15000000000001" not in lines and "00000000" not in payout
    assert "<v>511.91</v>" in payout  # 70.15 + 441.76


def test_names_that_are_formulas_stay_text(home: Path, tmp_path: Path) -> None:  # noqa: F811
    w = month(home, tmp_path)
    xlsx = tmp_path / "payout.xlsx"
    assert jili("export", "-p", "exact", "--period", "2025-03", "--out", str(xlsx), *w).returncode == 0
    with zipfile.ZipFile(xlsx) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet  # no cell is a formula
    names = {r[0]: r[1] for r in load_workbook(xlsx)["发放表 payout"].iter_rows(min_row=2, values_only=True)}
    assert names["A002"] == "=cmd|' /C calc'!A0" and names["A001"].startswith("=HYPERLINK(")
    as_csv = tmp_path / "payout.csv"
    assert jili("export", "-p", "exact", "--period", "2025-03", "--out", str(as_csv), *w).returncode == 0
    rows = {r[0]: r for r in csv.reader(as_csv.read_text(encoding="utf-8-sig").splitlines())}
    assert rows["A001"][1].startswith("'=HYPERLINK(") and rows["A002"][1] == "'=cmd|' /C calc'!A0"
    assert rows["A003"][1] == "'@SUM(1+1)"
    assert rows["A001"][4] == "511.91"  # numbers are not text: no quote


def test_the_cli_records_who_ran_it_from_the_operating_system(home: Path, tmp_path: Path) -> None:  # noqa: F811
    import getpass
    import sqlite3

    month(home, tmp_path)
    with sqlite3.connect(home / "jili.sqlite3") as con:
        actors = {r[0] for r in con.execute("SELECT DISTINCT actor FROM registry_auditevent")}
    assert actors == {f"os:{getpass.getuser()}"}
    assert "--user" not in jili("run", "--help").stdout


def test_a_centre_name_cannot_write_its_own_settings(tmp_path: Path) -> None:
    from jili.io.workspace import Workspace, create_layout, load_workspace

    hostile = 'Jili"\ndatabase_url = "postgresql://evil@10.0.0.1/x"\n# 中心 \\ "'
    ws = Workspace(root=tmp_path / "ws", name=hostile)
    create_layout(ws)
    loaded = load_workspace(ws.root)
    assert loaded is not None and loaded.name == hostile and loaded.database_url is None


def test_explain_names_each_line_s_posting_and_correct_takes_agent_and_rule(home: Path, tmp_path: Path) -> None:  # noqa: F811
    """A payroll clerk corrects what they can see: explain shows each line's posting number, and
    correct also accepts AGENT:RULE, refusing with the candidates when a rule posted more than once."""
    w = month(home, tmp_path)
    ids = postings(home, "A001")
    shown = json.loads(jili("explain", "A001", "-p", "exact", "--period", "2025-03", *w, "--json").stdout)
    assert shown["postings"] == ids and len(ids) == 2
    text = jili("explain", "A001", "-p", "exact", "--period", "2025-03", *w).stdout
    assert f"记账 #{ids[0]}" in text and f"记账 #{ids[1]}" in text
    by_rule = jili("correct", "A001:b", "-12.55", "--policy", "exact", "--of", "2025-03", "--period", "2025-04",
                   "--reason", "申诉成立", *w, "--json")
    assert by_rule.returncode == 0, by_rule.stdout + by_rule.stderr
    assert json.loads(by_rule.stdout)["corrects"] == ids[1]
    missing = jili("correct", "A001:nope", "5", "--policy", "exact", "--of", "2025-03", "--period", "2025-04",
                   "--reason", "x", *w, "--json")
    assert missing.returncode == 1 and json.loads(missing.stdout)["problems"][0]["code"] == "no_posting"
    vague = jili("correct", "A001", "5", "--period", "2025-04", "--reason", "x", *w, "--json")
    assert vague.returncode == 2 and json.loads(vague.stdout)["problems"][0]["code"] == "bad_posting"
    assert "Traceback" not in missing.stderr + vague.stderr
