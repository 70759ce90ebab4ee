"""The jili command, run as a user runs it: a real process on a real workspace."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROSTER_CSV, write

JILI = [sys.executable, "-m", "jili"]
NOW = "2026-11-23T12:00:00+08:00"


def jili(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "JILI_DATABASE_URL")}
    full_env.update(env or {})
    return subprocess.run([*JILI, *args], capture_output=True, text=True, env=full_env, timeout=120)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    root = tmp_path / "centre"
    result = jili("init", str(root), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["workspace"] == str(root)
    assert (root / "jili.toml").exists() and (root / "policies").is_dir() and (root / "jili.sqlite3").exists()
    return root


def import_text(home: Path, tmp_path: Path, name: str, text: str, fmt: str) -> None:
    """Write ``text`` to a file and import it into the workspace at ``home``; it must succeed."""
    out = jili("import", str(write(tmp_path / name, text)), "-f", fmt, "-w", str(home), "--now", NOW)
    assert out.returncode == 0, out.stdout


def batches(home: Path) -> list[dict[str, object]]:
    out = jili("batches", "-w", str(home), "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)["batches"]  # type: ignore[no-any-return]


def test_import_json_and_exit_codes(home, tmp_path):
    roster = write(tmp_path / "roster.csv", ROSTER_CSV)
    ok = jili("import", str(roster), "-f", "roster", "-w", str(home), "--json", "--now", NOW)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    report = json.loads(ok.stdout)
    assert report["imports"][0]["status"] == "imported" and report["imports"][0]["rows"] == 3
    again = jili("import", str(roster), "-f", "roster", "-w", str(home), "--json", "--now", NOW)
    assert again.returncode == 0 and json.loads(again.stdout)["imports"][0]["status"] == "unchanged"
    bad = write(tmp_path / "calls.csv", "interaction_id,agent_id,offered_at,outcome\nC1,A001,2026-10-09 09:00,接通吧\n")
    rejected = jili("import", str(bad), "-f", "interactions", "-w", str(home), "--json", "--now", NOW)
    assert rejected.returncode == 1
    problem = json.loads(rejected.stdout)["imports"][0]["problems"][0]
    assert problem["location"] == "calls.csv:2 [outcome]" and problem["found"] == "接通吧"
    assert len(batches(home)) == 1


def test_human_output_is_chinese_by_default_and_english_on_request(home, tmp_path):
    bad = write(tmp_path / "calls.csv", "agent_id\nA1\n")
    zh = jili("import", str(bad), "-f", "interactions", "-w", str(home))
    assert zh.returncode == 1 and "缺少必需列 'interaction_id'" in zh.stdout and "未导入任何数据" in zh.stdout
    en = jili("import", str(bad), "-f", "interactions", "-w", str(home), env={"JILI_LANG": "en"})
    assert "Required column 'interaction_id' is missing." in en.stdout and "nothing imported" in en.stdout


def test_no_workspace_is_a_clear_error(tmp_path):
    out = jili("batches", "-w", str(tmp_path / "nowhere"), "--json")
    assert out.returncode == 1
    assert json.loads(out.stdout)["problems"][0]["fix"] == f"Create one with: jili init {tmp_path / 'nowhere'}"


def test_unknown_format_suggests(home, tmp_path):
    out = jili("import", str(write(tmp_path / "a.csv", "x\n1\n")), "-f", "interaction", "-w", str(home), "--json")
    assert out.returncode == 2
    assert "Did you mean 'interactions'?" in json.loads(out.stdout)["problems"][0]["message"]


@pytest.mark.parametrize("crash_at", ["after_stage", "after_move"])
def test_killed_import_leaves_the_workspace_unchanged(home, tmp_path, crash_at):
    roster = write(tmp_path / "roster.csv", ROSTER_CSV)
    killed = jili("import", str(roster), "-f", "roster", "-w", str(home), "--now", NOW,
                  env={"JILI_TEST_CRASH_AT": crash_at})
    assert killed.returncode == -9  # SIGKILL, as a power cut or an OOM kill
    assert batches(home) == []
    gc = jili("batches", "-w", str(home), "--gc", "--json")
    assert json.loads(gc.stdout)["batches"] == []
    leftovers = [p for p in (home / "facts").rglob("*.parquet")]
    assert leftovers == []
    retry = jili("import", str(roster), "-f", "roster", "-w", str(home), "--json", "--now", NOW)
    assert retry.returncode == 0 and json.loads(retry.stdout)["imports"][0]["rows"] == 3


def test_formats_json_lists_every_format():
    out = jili("formats", "--json")
    names = [f["name"] for f in json.loads(out.stdout)["formats"]]
    assert names == ["roster", "interactions", "evaluations", "evaluation_items", "surveys", "attendance",
                     "incidents", "work_items", "kpis", "transcripts", "autoqa_findings", "autoqa_scores"]


def test_two_imports_at_once_cannot_both_store_a_key(home, tmp_path):
    """Both stage against an empty workspace at the same moment; the second to commit sees the
    first's batch under the format's lock and is refused."""
    roster = write(tmp_path / "roster.csv", ROSTER_CSV)
    assert jili("import", str(roster), "-f", "roster", "-w", str(home), "--now", NOW).returncode == 0
    head = "interaction_id,agent_id,offered_at,outcome\n"
    a = write(tmp_path / "a.csv", head + "C1,A001,2026-10-09 09:00,接通\nC2,A001,2026-10-09 09:05,接通\n")
    b = write(tmp_path / "b.csv", head + "C2,A001,2026-10-09 09:05,接通\nC3,A001,2026-10-09 09:10,接通\n")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "JILI_DATABASE_URL")}
    env["JILI_TEST_PAUSE_AT"] = "after_stage:1.5"
    procs = [subprocess.Popen([*JILI, "import", str(p), "-f", "interactions", "-w", str(home), "--json", "--now", NOW],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for p in (a, b)]
    results = [json.loads(p.communicate(timeout=120)[0])["imports"][0] for p in procs]
    assert sorted(r["status"] for r in results) == ["imported", "rejected"]
    refused = next(r for r in results if r["status"] == "rejected")
    assert refused["problems"][0]["code"] == "key_in_other_batch"
    assert "interaction_id = C2 is already imported in batch" in refused["problems"][0]["message"]
    assert len([b for b in batches(home) if b["fact"] == "interactions"]) == 1


def test_calendar_commands_count_deadlines_and_refuse_an_unknown_year(home):
    due = jili("calendar", "deadline", "2026-02-12", "5", "-w", str(home), "--json")
    assert due.returncode == 0 and json.loads(due.stdout)["deadline"] == "2026-02-26"
    unknown = jili("calendar", "deadline", "2026-12-28", "5", "-w", str(home), "--json")
    assert unknown.returncode == 1 and json.loads(unknown.stdout)["problems"][0]["code"] == "calendar_unknown"
    february = json.loads(jili("calendar", "show", "2026-02", "-w", str(home), "--json").stdout)
    # 20 weekdays, 6 of them inside the 15–23 February holiday, and the make-up Saturdays 14 and 28
    assert february["working_days"] == 16
    assert [x["date"] for x in february["days"] if x["workday"] and x["date"] in ("2026-02-14", "2026-02-28")] == [
        "2026-02-14", "2026-02-28"]
    assert jili("calendar", "set", "2027-01-04", "--workday", "-w", str(home)).returncode == 0
    shown = jili("calendar", "show", "2026-13", "-w", str(home))
    assert shown.returncode == 1 and "2026-13" in shown.stdout and "Traceback" not in shown.stdout + shown.stderr
    assert jili("calendar", "deadline", "2026-02-30", "5", "-w", str(home)).returncode == 1


@pytest.mark.parametrize(("value", "said"), [("\"五\"", "appeals.window_days"), ("五", "jili.toml:14")])
def test_a_bad_setting_in_jili_toml_stops_the_command_with_its_place(home, value, said):
    config = home / "jili.toml"
    text = config.read_text(encoding="utf-8")
    assert text.splitlines()[13] == "window_days = 5"
    config.write_text(text.replace("window_days = 5", f"window_days = {value}"), encoding="utf-8")
    out = jili("calendar", "deadline", "2026-02-12", "5", "-w", str(home))
    assert out.returncode == 1, out.stdout + out.stderr
    assert said in out.stdout.replace("\n", "") and "Traceback" not in out.stdout + out.stderr


def test_help_names_flags_without_a_type():
    out = jili("calendar", "set", "--help")
    assert out.returncode == 0 and "--holiday" in out.stdout and "<bool>" not in out.stdout


def test_formats_in_the_terminal_is_a_table_in_one_language():
    zh = jili("formats", "surveys").stdout
    assert "满意度调查（surveys）" in zh and "可识别的表头" in zh and "|---" not in zh and "Customer surveys" not in zh
    en = jili("formats", "surveys", env={"JILI_LANG": "en"}).stdout
    assert "Customer surveys (surveys)" in en and "Key: survey_id, question" in en and "满意度调查" not in en.split("\n")[0]
    listing = jili("formats", env={"JILI_LANG": "en"}).stdout
    assert "roster             Roster\n" in listing and "花名册" not in listing


@pytest.mark.parametrize(("text", "key", "found"), [
    ('kind = "sparkk"', "engine.kind", "sparkk"),
    ('remote = "http://spark:15002"', "engine.remote", "http://spark:15002"),
    ('[engine.tables.calls]\npath = "/lake/calls"', "engine.tables.calls", "calls"),
    ('[engine.tables.interactions]\npath = "/lake/calls"\ntable = "lake.calls"', "engine.tables.interactions",
     "table=lake.calls path=/lake/calls"),
    ('[engine.tables.interactions]\npath = "/lake/calls"\nformat = "xlsx"', "engine.tables.interactions.format", "xlsx"),
    ('[engine.tables.interactions]\npath = "/lake/calls"\ntimezone = "Asia/Beijing"', "engine.tables.interactions.timezone",
     "Asia/Beijing"),
    ('[engine.tables.interactions]\npath = "/lake/calls"\ncolumns = {agent = "staff_no"}',
     "engine.tables.interactions.columns.agent", "agent")])
def test_a_bad_engine_setting_is_named_with_its_key(tmp_path, text, key, found):
    from jili.io.workspace import EngineSettings, load_workspace

    (tmp_path / "jili.toml").write_text(f"[workspace]\nname = \"x\"\n[engine]\n{text}\n", encoding="utf-8")
    loaded = load_workspace(tmp_path)
    assert loaded is not None and loaded.engine.kind == EngineSettings().kind and not loaded.engine.tables
    assert [(p.code, p.location.column, p.found) for p in loaded.problems] == [("bad_setting", key, found)]


def test_engine_settings_are_read_with_the_lake_s_tables(tmp_path):
    from jili.io.workspace import EngineKind, LakeTable, load_workspace, write_config

    (tmp_path / "jili.toml").write_text(
        '[workspace]\nname = "x"\n[engine]\nkind = "spark"\nmaster = "yarn"\n'
        '[engine.spark_conf]\n"spark.executor.memory" = "8g"\n'
        '[engine.tables.interactions]\ntable = "lake.cc_calls"\ntimezone = "Asia/Shanghai"\n'
        'columns = {agent_id = "staff_no", offered_at = "call_start"}\n', encoding="utf-8")
    loaded = load_workspace(tmp_path)
    assert loaded is not None and not loaded.problems
    assert (loaded.engine.kind, loaded.engine.master, loaded.engine.conf) == (
        EngineKind.SPARK, "yarn", (("spark.executor.memory", "8g"),))
    assert loaded.engine.tables == (LakeTable("interactions", table="lake.cc_calls", timezone="Asia/Shanghai",
                                              columns=(("agent_id", "staff_no"), ("offered_at", "call_start"))),)
    write_config(loaded)  # a new config keeps the engine, the lake's tables aside (they are written by hand)
    again = load_workspace(tmp_path)
    assert again is not None and (again.engine.kind, again.engine.conf) == (EngineKind.SPARK, loaded.engine.conf)


PROBE = """
import sys
from pathlib import Path
from jili.cli.app import open_workspace
open_workspace(Path(sys.argv[1]), False, site=sys.argv[2] == "site")
from django.apps import apps
from django.db import connection
print(" ".join(str(apps.is_installed(a)) for a in ("jili.registry", "django.contrib.auth", "django.contrib.sessions",
                                                    "jili.web")), "django_session" in connection.introspection.table_names())
"""


def test_a_command_starts_without_the_site_and_init_makes_every_table(home):
    def probe(kind: str) -> str:
        out = subprocess.run([sys.executable, "-c", PROBE, str(home), kind], capture_output=True, text=True,
                             env={k: v for k, v in os.environ.items() if k != "DATABASE_URL"}, timeout=60)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()

    assert probe("command") == "True True False False True"  # the site's tables are there: init made them
    assert probe("site") == "True True True True True"
