"""R18 and R19 on the demo, through the command line: the planted pilot found by ``jili evaluate``, and the
career ladder with the appraisal's proposals, decided and shown on the statement."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import BANK
from test_cli import jili

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("r18r19") / "demo"
    made = jili("demo", "run", "-w", str(root), "--agents", "84", "--bank", str(BANK), "--json")
    assert made.returncode == 0, made.stdout[-2000:]
    return root, json.loads(made.stdout)


def english_words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z]{2,}", text)


def test_jili_evaluate_on_the_demo_finds_the_pilot_and_speaks_one_language(demo: tuple[Path, dict], tmp_path: Path) -> None:
    root, summary = demo
    pilot = summary["pilot"]
    assert pilot["teams"] == ["T001", "T003", "T005"] and pilot["from"] == "2026-09-01"
    res = jili("evaluate", "--since", "2026-09-01", "--teams", ",".join(pilot["teams"]), "-w", str(root), "--json",
               "--out", str(tmp_path / "paths.csv"))
    assert res.returncode == 0, res.stdout
    out = json.loads(res.stdout)
    rate = next(m for m in out["metrics"] if m["metric"] == "resolution")
    assert rate["method"] == "did" and rate["low"] <= pilot["planted_resolution"] <= rate["high"] and rate["clear"]
    assert {x["code"] for x in rate["threats"]} >= {"seasonality", "few_teams"}  # 中秋节 in September; 3 teams v 3
    lines = (tmp_path / "paths.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "metric,agent_id,team,adopted,before,after" and len(lines) > 3 * 80
    zh = jili("evaluate", "--since", "2026-09-01", "--teams", "T001，T003,T005", "-w", str(root),
              env={"JILI_LANG": "zh", "COLUMNS": "200"})
    assert zh.returncode == 0, zh.stdout
    assert "解决率 +" in zh.stdout and "可保留方案" in zh.stdout
    english = english_words(zh.stdout)
    assert english == [], english
    everybody = jili("evaluate", "--since", "2026-09-01", "-w", str(root), "--json")
    assert {m["method"] for m in json.loads(everybody.stdout)["metrics"]} == {"before_after"}
    unknown = jili("evaluate", "--since", "2026-09-01", "--teams", "T01", "-w", str(root), "--json")
    assert unknown.returncode == 1 and json.loads(unknown.stdout)["problems"][0]["code"] == "unknown_team"
    no_day = jili("evaluate", "-w", str(root), "--json")
    assert no_day.returncode == 2 and json.loads(no_day.stdout)["problems"][0]["code"] == "no_since"


def test_the_demo_puts_everyone_on_the_ladder_and_the_appraisal_proposes_promotions(demo: tuple[Path, dict]) -> None:
    root, summary = demo
    started = summary["run"]["ladder"]["started"]
    assert sum(started.values()) == 84 and started["supervisor"] == 6  # the six team leaders (组长)
    out = jili("ladder", "propose", "--year", "2026", "-p", "r13-monthly-points", "-w", str(root), "--json")
    assert out.returncode == 0, out.stdout
    data = json.loads(out.stdout)
    assert (data["due"], data["results_in"]) == ("2026-12-31", "2027-01-15")
    found = data["proposals"]
    assert found and [p["agent"] for p in found] == summary["run"]["ladder"]["proposals"]
    assert all(p["route"] == "appraisal" and float(p["appraisal"]) >= 90 for p in found)
    first = found[0]["agent"]
    decided = jili("ladder", "propose", "--year", "2026", "-p", "r13-monthly-points", "--approve", first,
                   "-w", str(root), "--json")
    assert json.loads(decided.stdout)["approved"] == [first]
    shown = json.loads(jili("ladder", "show", first, "-w", str(root), "--json").stdout)["steps"]
    assert [(s["effective"], s["route"]) for s in shown] == [("2026-08-01", "hire"), ("2027-01-15", "appraisal")]
    explained = json.loads(jili("explain", "A00007", "-p", "r15-service-quality-bonus", "--period", "2026-09",
                                "-w", str(root), "--json").stdout)
    assert explained["career_step"]["since"] == "2026-08-01" and explained["career_step"]["route"] == "hire"
    zh = jili("ladder", "propose", "--year", "2026", "-p", "r13-monthly-points", "-w", str(root),
              env={"JILI_LANG": "zh", "COLUMNS": "200"})
    assert "年度考核晋升" in zh.stdout and english_words(zh.stdout.replace("jili ladder start", "")) == []
    text = jili("explain", "A00007", "-p", "r15-service-quality-bonus", "--period", "2026-09", "-w", str(root),
                env={"JILI_LANG": "zh", "COLUMNS": "200"}).stdout
    assert "职级：" in text and "（自 2026-08-01，起始职级）" in text
