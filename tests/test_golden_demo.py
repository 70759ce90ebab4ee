"""The demo's statements, leaderboards and payout workbooks are the same, byte for byte, as the
golden files in tests/golden/demo/ (regenerate on purpose with JILI_UPDATE_GOLDEN=1)."""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import pytest

from conftest import BANK
from test_cli import jili

GOLDEN = Path(__file__).parent / "golden" / "demo"
RUNS = [("r15-service-quality-bonus", "2026-09"), ("r13-monthly-points", "2026-08"), ("r13-monthly-points", "2026-09"),
        ("r11-yto-awards", "2026-09"), ("r12-outbound-rewards", "2026-08"), ("r12-outbound-rewards", "2026-09"),
        ("r12-outbound-rewards-bank", "1999-02")]


def workbook_parts(path: Path) -> str:
    """Every part of an XLSX with its sha256, except docProps/core.xml (it holds the time of writing)."""
    with zipfile.ZipFile(path) as z:
        return "".join(f"{n} {hashlib.sha256(z.read(n)).hexdigest()}\n" for n in sorted(z.namelist())
                       if n != "docProps/core.xml")


def check(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("JILI_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text, f"{name} differs from its golden file"


@pytest.mark.skipif(not BANK.exists(), reason="needs ../shared/data")
def test_demo_outputs_match_the_golden_files(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    out = jili("demo", "run", "-w", str(root), "--agents", "40", "--bank", str(BANK), "--json")
    assert out.returncode == 0, out.stdout + out.stderr
    check("payout-demo-2026-09.xlsx.parts", workbook_parts(root / "payout-2026-09.xlsx"))
    for policy, period in RUNS:
        stem = f"{policy}-{period}"
        exported = tmp_path / f"{stem}.json"
        res = jili("export", "-p", policy, "--period", period, "--out", str(exported), "-w", str(root), "--json")
        assert res.returncode == 0, res.stdout
        check(f"{stem}.statements.json", exported.read_text(encoding="utf-8"))
        board = jili("leaderboard", "-p", policy, "--period", period, "--top", "100", "-w", str(root), "--json")
        assert board.returncode == 0, board.stdout
        check(f"{stem}.leaderboard.json", board.stdout)
        workbook = tmp_path / f"{stem}.xlsx"
        res = jili("export", "-p", policy, "--period", period, "--out", str(workbook), "-w", str(root), "--json")
        assert res.returncode == 0, res.stdout
        check(f"{stem}.xlsx.parts", workbook_parts(workbook))
    explained = jili("explain", "A00007", "-p", "r15-service-quality-bonus", "--period", "2026-09", "-w", str(root),
                     env={"JILI_LANG": "zh", "COLUMNS": "120"})
    assert explained.returncode == 0, explained.stdout
    check("explain-A00007-r15-2026-09.zh.txt", explained.stdout)
