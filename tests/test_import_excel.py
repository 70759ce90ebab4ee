"""Workbooks: several sheets, merged header cells, .xls, typed cells."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import Workbook

from conftest import snapshot
from jili.registry.imports import ImportStatus

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

HEADERS = ["通话ID", "工号", "进线时间", "通话时长", "呼叫结果"]


def book(path, sheets):  # type: ignore[no-untyped-def]
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def test_xlsx_with_typed_cells(ws, do, roster, tmp_path):
    path = book(tmp_path / "话单.xlsx", {"话单": [HEADERS, ["C1", "A001", dt.datetime(2026, 10, 9, 9, 30), 125, "接通"],
                                              ["C2", "A002", dt.datetime(2026, 10, 9, 9, 31), 61.0, "放弃"]]})
    outcome = do(path, "interactions")
    assert outcome.status == ImportStatus.IMPORTED, [p.render() for p in outcome.problems]
    assert outcome.rows == 2 and outcome.sheet == "话单"


def test_several_sheets_ask_which_one(ws, do, roster, tmp_path):
    path = book(tmp_path / "m.xlsx", {"说明": [["本表为十月话单"]],
                                      "话单": [HEADERS, ["C1", "A001", "2026-10-09 09:30:00", 125, "接通"]]})
    before = snapshot(ws)
    outcome = do(path, "interactions")
    assert outcome.status == ImportStatus.REJECTED
    p = outcome.errors[0]
    assert p.code == "several_sheets"
    assert p.message == "The workbook has 2 sheets with data: 说明, 话单. Which one holds the records?"
    assert "--sheet" in p.fix
    assert snapshot(ws) == before
    chosen = do(path, "interactions", sheet="话单")
    assert chosen.status == ImportStatus.IMPORTED and chosen.rows == 1


def test_merged_header_cells(ws, do, roster, tmp_path):
    wb = Workbook()
    sheet = wb.active
    sheet.title = "话单"
    sheet.append(["通话ID", "工号", "时间", None, "呼叫结果"])
    sheet.merge_cells("C1:D1")
    sheet.append(["C1", "A001", "2026-10-09 09:30:00", 125, "接通"])
    path = tmp_path / "merged.xlsx"
    wb.save(path)
    before = snapshot(ws)
    outcome = do(path, "interactions")
    assert outcome.status == ImportStatus.REJECTED
    p = next(p for p in outcome.errors if p.code == "empty_header")
    assert str(p.location) == "merged.xlsx:话单:1 [D]"
    assert "merged" in p.message and "Unmerge" in p.fix
    assert snapshot(ws) == before


def test_errors_in_a_sheet_name_sheet_row_and_column(ws, do, roster, tmp_path):
    path = book(tmp_path / "bad.xlsx", {"话单": [HEADERS, ["C1", "A001", "2026-10-09 09:30:00", "abc", "接通"]]})
    p = do(path, "interactions").errors[0]
    assert str(p.location) == "bad.xlsx:话单:2 [D 通话时长]"


def test_xls_is_read(ws, do, roster, tmp_path):
    import xlwt

    wb = xlwt.Workbook()
    sheet = wb.add_sheet("Sheet1")
    for c, h in enumerate(HEADERS):
        sheet.write(0, c, h)
    for c, v in enumerate(["C9", "A003", "2026-10-10 10:00:00", 88, "转接"]):
        sheet.write(1, c, v)
    path = tmp_path / "old.xls"
    wb.save(str(path))
    outcome = do(path, "interactions")
    assert outcome.status == ImportStatus.IMPORTED, [p.render() for p in outcome.problems]
    assert outcome.rows == 1


def ods(path, rows):  # type: ignore[no-untyped-def]
    """A real OpenDocument spreadsheet (what LibreOffice and WPS save): a zip of its XML parts."""
    import zipfile
    from xml.sax.saxutils import escape

    def cell(v):  # type: ignore[no-untyped-def]
        if isinstance(v, int | float):
            return f'<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}</text:p></table:table-cell>'
        return f'<table:table-cell office:value-type="string"><text:p>{escape(str(v))}</text:p></table:table-cell>'

    body = "".join("<table:table-row>" + "".join(cell(v) for v in r) + "</table:table-row>" for r in rows)
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               f'<office:body><office:spreadsheet><table:table table:name="花名册">{body}</table:table>'
               '</office:spreadsheet></office:body></office:document-content>')
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                '</manifest:manifest>')
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return path


def test_an_ods_roster_from_libreoffice_or_wps_imports(ws, do, tmp_path):
    path = ods(tmp_path / "花名册.ods", [["工号", "姓名", "班组", "状态", "入职日期"],
                                         ["A001", "王芳", "T1", "正式", "2024-03-01"],
                                         ["A002", "李娜", "T1", "试用", "2026-09-15"]])
    outcome = do(path, "roster")
    assert outcome.status == ImportStatus.IMPORTED, [p.render() for p in outcome.problems]
    assert outcome.rows == 2
    bad = ods(tmp_path / "坏.ods", [["工号", "姓名", "班组", "状态", "入职日期"], ["A003", "张伟", "T2", "正式", "2025-02-30"]])
    refused = do(bad, "roster")
    assert refused.status == ImportStatus.REJECTED
    assert str(next(p for p in refused.problems if p.code == "bad_value").location).startswith("坏.ods")
