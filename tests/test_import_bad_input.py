"""Every bad input of the foundation issue: a clear message with its place, and nothing stored."""

from __future__ import annotations

import pytest

from conftest import snapshot, write
from jili.registry.imports import ImportStatus

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

HEAD = "interaction_id,agent_id,offered_at,talk_seconds,outcome\n"


def rejected(outcome, code: str):  # type: ignore[no-untyped-def]
    assert outcome.status == ImportStatus.REJECTED
    assert outcome.batch_id is None
    found = [p for p in outcome.problems if p.code == code]
    assert found, [p.render() for p in outcome.problems]
    return found[0]


def test_missing_required_column_names_it_and_suggests_the_alias(ws, do, roster, tmp_path):
    before = snapshot(ws)
    path = write(tmp_path / "calls.csv", "interaction_id,agent_id,talk_seconds,outcome\nC1,A001,30,接通\n")
    p = rejected(do(path, "interactions"), "missing_column")
    assert p.message == "Required column 'offered_at' is missing."
    assert p.message_zh.startswith("缺少必需列 'offered_at'")
    assert str(p.location) == "calls.csv:1"
    assert "进线时间" in p.expected
    assert snapshot(ws) == before


def test_unknown_extra_column_is_a_warning_and_kept_out(ws, do, roster, tmp_path):
    import pyarrow.parquet as pq

    path = write(tmp_path / "calls.csv", HEAD.rstrip() + ",备注X\nC1,A001,2026-10-09 09:00:00,30,接通,hello\n")
    outcome = do(path, "interactions")
    assert outcome.status == ImportStatus.IMPORTED
    warn = [p for p in outcome.problems if p.code == "unknown_column"]
    assert len(warn) == 1 and warn[0].location.column == "备注X"
    assert "was not imported" in warn[0].message
    stored = pq.read_table(ws.root / __import__("jili.registry.models", fromlist=["x"])
                           .ImportBatch.objects.get(pk=outcome.batch_id).parquet_path)
    assert "备注X" not in stored.column_names


def test_wrong_type_in_one_cell_gives_line_column_and_value(ws, do, roster, tmp_path):
    before = snapshot(ws)
    path = write(tmp_path / "calls.csv", HEAD + "C1,A001,2026-10-09 09:00:00,30,接通\n"
                 "C2,A001,2026-10-09 09:05:00,3O,接通\n")
    p = rejected(do(path, "interactions"), "bad_value")
    assert str(p.location) == "calls.csv:3 [talk_seconds]"
    assert p.found == "3O"
    assert p.expected.startswith("a whole number")
    assert p.message == "Cannot read this value as a whole number for 'talk_seconds'."
    assert snapshot(ws) == before


def test_bad_choice_lists_the_codes(ws, do, roster, tmp_path):
    path = write(tmp_path / "calls.csv", HEAD + "C1,A001,2026-10-09 09:00:00,30,接通了吗\n")
    p = rejected(do(path, "interactions"), "bad_value")
    assert "answered (接通)" in p.expected and p.found == "接通了吗"
    assert "values:" in p.fix


def test_gbk_file_is_read_and_said_so(ws, do, roster, tmp_path):
    text = ("通话ID,工号,进线时间,通话时长,呼叫结果\n"
            "C1,A001,2026-10-09 09:00:00,30,接通\nC2,A002,2026-10-09 10:00:00,45,放弃\n")
    outcome = do(write(tmp_path / "话单.csv", text, "gbk"), "interactions")
    assert outcome.status == ImportStatus.IMPORTED, [p.render() for p in outcome.problems]
    assert outcome.rows == 2 and outcome.encoding == "gb18030"
    assert any(p.code == "encoding" and "GB18030" in p.message for p in outcome.problems)


def test_utf8_bom_does_not_hide_the_first_header(ws, do, roster, tmp_path):
    outcome = do(write(tmp_path / "bom.csv", "\ufeff" + HEAD + "C1,A001,2026-10-09 09:00:00,30,接通\n"),
                 "interactions")
    assert outcome.status == ImportStatus.IMPORTED
    assert ("interaction_id", "interaction_id") in outcome.columns
    assert outcome.encoding == "utf-8-sig"


def test_zero_byte_file(ws, do, roster, tmp_path):
    before = snapshot(ws)
    p = rejected(do(write(tmp_path / "empty.csv", ""), "interactions"), "empty_file")
    assert p.message == "The file is empty (0 bytes)."
    assert snapshot(ws) == before


def test_empty_file_with_only_blank_lines(ws, do, roster, tmp_path):
    p = rejected(do(write(tmp_path / "blank.csv", "\n\n"), "interactions"), "no_header")
    assert str(p.location) == "blank.csv:1"


def test_header_only(ws, do, roster, tmp_path):
    before = snapshot(ws)
    p = rejected(do(write(tmp_path / "head.csv", HEAD), "interactions"), "no_rows")
    assert p.message == "The file has headers but no records."
    assert snapshot(ws) == before
    assert not list(ws.staging_dir.iterdir())


def test_truncated_last_line(ws, do, roster, tmp_path):
    before = snapshot(ws)
    path = write(tmp_path / "cut.csv", HEAD + "C1,A001,2026-10-09 09:00:00,30,接通\nC2,A001,2026-10-0")
    p = rejected(do(path, "interactions"), "bad_row")
    assert str(p.location) == "cut.csv:3"
    assert p.message == "Expected 5 fields, found 3."
    assert "truncated" in p.fix
    assert snapshot(ws) == before


def test_line_numbers_stay_exact_after_a_bad_row(ws, do, roster, tmp_path):
    path = write(tmp_path / "two.csv", HEAD + "C1,A001,2026-10-09 09:00:00,30\n"
                 "C2,A001,2026-10-09 09:00:00,x,接通\n")
    outcome = do(path, "interactions")
    assert {str(p.location) for p in outcome.errors} == {"two.csv:2", "two.csv:3 [talk_seconds]"}


def test_duplicate_rows_inside_a_file(ws, do, roster, tmp_path):
    before = snapshot(ws)
    path = write(tmp_path / "dup.csv", HEAD + "C1,A001,2026-10-09 09:00:00,30,接通\n"
                 "C2,A001,2026-10-09 09:01:00,30,接通\nC1,A001,2026-10-09 09:00:00,30,接通\n")
    p = rejected(do(path, "interactions"), "duplicate_key")
    assert str(p.location) == "dup.csv:4"
    assert p.message == "Duplicate record: interaction_id = C1 also on row 2."
    assert snapshot(ws) == before


def test_same_key_in_two_batches_then_supersede(ws, do, roster, tmp_path):
    from jili.registry.models import ImportBatch

    first = do(write(tmp_path / "a.csv", HEAD + "C1,A001,2026-10-09 09:00:00,30,接通\n"), "interactions")
    assert first.status == ImportStatus.IMPORTED
    second_path = write(tmp_path / "b.csv", HEAD + "C1,A001,2026-10-09 09:00:00,35,接通\n")
    before = snapshot(ws)
    p = rejected(do(second_path, "interactions"), "key_in_other_batch")
    assert p.message == f"Record interaction_id = C1 is already imported in batch {first.batch_id} (a.csv row 2)."
    assert f"--supersede {first.batch_id}" in p.fix
    assert snapshot(ws) == before
    fixed = do(second_path, "interactions", supersede=first.batch_id)
    assert fixed.status == ImportStatus.IMPORTED and fixed.superseded == first.batch_id
    assert ImportBatch.objects.get(pk=first.batch_id).status == "superseded"
    assert ImportBatch.objects.get(pk=fixed.batch_id).supersedes_id == first.batch_id


def test_supersede_of_another_format_is_refused(ws, do, roster, tmp_path):
    path = write(tmp_path / "a.csv", HEAD + "C1,A001,2026-10-09 09:00:00,30,接通\n")
    p = rejected(do(path, "interactions", supersede=roster.batch_id), "bad_supersede")
    assert "it holds roster, not interactions" in p.message


def test_timestamps_without_timezone_are_read_in_the_workspace_zone(ws, do, roster, tmp_path):
    import datetime as dt

    import pyarrow.parquet as pq

    from jili.registry.models import ImportBatch

    path = write(tmp_path / "tz.csv", HEAD + "C1,A001,2026-10-09 08:00:00,30,接通\n"
                 "C2,A001,2026-10-09T08:00:00+00:00,30,接通\n")
    outcome = do(path, "interactions")
    # read in the workspace's own zone: the expected default, not worth a note on every import
    assert [p for p in outcome.problems if p.code == "timezone_assumed"] == []
    table = pq.read_table(ws.root / ImportBatch.objects.get(pk=outcome.batch_id).parquet_path)
    offered = table.column("offered_at").to_pylist()
    assert offered[0] == dt.datetime(2026, 10, 9, 0, 0, tzinfo=dt.UTC)
    assert offered[1] == dt.datetime(2026, 10, 9, 8, 0, tzinfo=dt.UTC)
    from jili.core.facts import FORMATS
    from jili.io.specs.mapping import Mapping

    other = write(tmp_path / "tz2.csv", HEAD + "C3,A001,2026-10-09 08:00:00,30,接通\n")
    israel = do(other, Mapping(format=FORMATS["interactions"], timezone="Asia/Jerusalem"))
    note = [p for p in israel.problems if p.code == "timezone_assumed"]
    assert [n.message for n in note] == ["1 timestamps had no timezone; read as Asia/Jerusalem."]


def test_dates_in_the_future(ws, do, roster, tmp_path):
    before = snapshot(ws)
    path = write(tmp_path / "f.csv", HEAD + "C1,A001,2026-12-01 09:00:00,30,接通\n")
    p = rejected(do(path, "interactions"), "future_date")
    assert str(p.location) == "f.csv:2 [offered_at]"
    assert "lies in the future" in p.message and "two-digit year" in p.fix
    assert snapshot(ws) == before


def test_agent_not_in_the_roster(ws, do, roster, tmp_path):
    before = snapshot(ws)
    path = write(tmp_path / "x.csv", HEAD + "C1,A001,2026-10-09 09:00:00,30,接通\n"
                 "C2,Z999,2026-10-09 09:00:00,30,接通\n")
    p = rejected(do(path, "interactions"), "unknown_agent")
    assert p.message == "Agent 'Z999' is not in the roster."
    assert str(p.location) == "x.csv:3 [agent_id]"
    assert "unknown_agents: register" in p.fix
    assert snapshot(ws) == before


def test_file_that_is_not_what_its_extension_says(ws, do, roster, tmp_path):
    path = write(tmp_path / "calls.xlsx", HEAD + "C1,A001,2026-10-09 09:00:00,30,接通\n")
    p = rejected(do(path, "interactions"), "wrong_extension")
    assert "rename it to .csv" in p.fix


def test_parquet_named_csv(ws, do, roster, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "calls.csv"
    pq.write_table(pa.table({"a": [1]}), path)
    p = rejected(do(path, "interactions"), "wrong_extension")
    assert p.fix == "Rename it to .parquet."


def test_quoted_value_spanning_lines_is_kept_and_later_lines_stay_exact(ws, do, roster, tmp_path):
    head = "incident_id,agent_id,occurred_at,kind,description\n"
    good = write(tmp_path / "nl.csv", head + 'I1,A001,2026-10-09 09:00,投诉,"line one\nline two"\n'
                 "I2,A001,2026-10-09 09:00,表扬,ok\n")
    assert do(good, "incidents").status == ImportStatus.IMPORTED
    bad = write(tmp_path / "nl2.csv", head + 'I3,A001,2026-10-09 09:00,投诉,"a\nb\nc"\n'
                "I4,A001,2026-10-09 09:00,表扬了,ok\n")
    p = rejected(do(bad, "incidents"), "bad_value")
    assert str(p.location) == "nl2.csv:5 [kind]"


def test_blank_lines_are_skipped_without_losing_or_doubling_rows(ws, do, roster, tmp_path):
    import pyarrow.parquet as pq

    from jili.registry.models import ImportBatch

    body = "".join(f"C{i},A001,2026-10-09 09:00:00,{i},接通\n" for i in range(1, 6))
    path = write(tmp_path / "gaps.csv", HEAD + body + "\n" + "C6,A001,2026-10-09 09:00:00,6,接通\n\n")
    outcome = do(path, "interactions")
    assert outcome.status == ImportStatus.IMPORTED
    assert any(p.code == "blank_lines" and p.count == 2 for p in outcome.problems)
    table = pq.read_table(ws.root / ImportBatch.objects.get(pk=outcome.batch_id).parquet_path)
    assert table.column("interaction_id").to_pylist() == [f"C{i}" for i in range(1, 7)]
    assert table.column("_row").to_pylist() == [2, 3, 4, 5, 6, 8]


def test_many_unreadable_cells_are_not_also_reported_missing(ws, do, roster, tmp_path):
    rows = "".join(f"C{i},A001,not a time,{i},接通\n" for i in range(25))  # offered_at is required
    p = rejected(do(write(tmp_path / "bad.csv", HEAD + rows), "interactions"), "bad_value")
    assert p.count == 25
    assert not [q for q in do(write(tmp_path / "bad.csv", HEAD + rows), "interactions").problems
                if q.code == "missing_value"]


def test_a_time_cell_that_misses_the_mapping_s_format_names_that_format_and_one_that_reads_it(ws, do, roster, tmp_path):
    """The message names the mapping's own format (not a generic YYYY-MM-DD) and offers the format
    that would read the cell, so that a person sees what differs."""
    from jili.core.facts import FORMATS
    from jili.io.specs.mapping import ColumnRule, Mapping

    mapping = Mapping(format=FORMATS["interactions"],
                      columns={"offered_at": ColumnRule(sources=("offered_at",), formats=("%d/%m/%Y %H:%M",))})
    path = write(tmp_path / "calls.csv", HEAD + "C1,A001,09/10/2026 08:00,30,接通\nC2,A001,2026-10-09 08:00:00,30,接通\n")
    p = rejected(do(path, mapping), "bad_value")
    assert p.location.line == 3 and p.found == "2026-10-09 08:00:00"
    assert p.expected == 'the mapping\'s format "%d/%m/%Y %H:%M"'
    assert 'format: "%Y-%m-%d %H:%M:%S" would read it' in p.fix and 'format: "%Y-%m-%d %H:%M:%S" 可以读取它' in p.fix_zh


def test_a_time_cell_in_another_common_format_gets_the_format_that_reads_it(ws, do, roster, tmp_path):
    path = write(tmp_path / "calls.csv", HEAD + "C1,A001,31/10/2026 08:00,30,接通\n")
    p = rejected(do(path, "interactions"), "bad_value")
    assert p.expected == "YYYY-MM-DD HH:MM:SS, optionally +08:00"
    assert 'format: "%d/%m/%Y %H:%M" reads this cell' in p.fix


def test_in_chinese_what_was_expected_and_found_is_chinese_too(ws, do, roster, tmp_path):
    """One language at a time: a zh reader sees no 'a header … or one of' nor 'headers:' (issue 16)."""
    import re

    path = write(tmp_path / "calls.csv", "id,agent,t\nC1,A001,2026-10-09 09:00:00\n")
    missing = rejected(do(path, "interactions"), "missing_column").render("zh")
    assert "期望: 表头 'interaction_id'，或其一：通话ID" in missing and "实际: 表头：id、agent、t" in missing
    cell = write(tmp_path / "cell.csv", HEAD + "C1,A001,2026-10-09 09:00:00,3O,接通\n")
    bad = rejected(do(cell, "interactions"), "bad_value").render("zh")
    assert "期望: 整数，如 125" in bad
    for text in (missing, bad):
        prose = re.findall(r"\b(?:a|an|the|or|one|of|headers?|number|whole)\b", re.sub(r"'[^']*'", "", text))
        assert prose == [], text
    english = rejected(do(path, "interactions"), "missing_column").render("en")
    assert "expected: a header 'interaction_id' or one of:" in english and "found:    headers: id, agent, t" in english
