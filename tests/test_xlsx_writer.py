"""The streaming XLSX writer read back by openpyxl and as its XML: text stays text (never a formula), numbers leave
digit for digit, what XML cannot hold is escaped not dropped, and a number format where asked."""

from __future__ import annotations

import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from jili.io.outputs.xlsx import MONEY, Sheet, column_name, write_xlsx


@pytest.mark.parametrize(("index", "name"), [(0, "A"), (25, "Z"), (26, "AA"), (51, "AZ"), (52, "BA"), (701, "ZZ"),
                                             (702, "AAA")])
def test_column_names(index: int, name: str) -> None:
    assert column_name(index) == name


def test_a_workbook_reads_back_cell_for_cell(tmp_path: Path) -> None:
    out = tmp_path / "book.xlsx"
    rows = [["A001", "=cmd|' /C calc'!A0", Decimal("1234.50"), 3, ""], ["A002", " 张三 ", Decimal("-0.05"), 0, "x<&>y"]]
    write_xlsx(out, [Sheet("发放表 payout", ["工号", "姓名", "金额", "n", "备注"], rows, {2: MONEY}),
                     Sheet("明细 & \"lines\"", ["a"], ([str(i)] for i in range(3)))])
    book = load_workbook(out)
    assert book.sheetnames == ["发放表 payout", "明细 & \"lines\""]
    sheet = book["发放表 payout"]
    got = [[(c.value, c.number_format) for c in row] for row in sheet.iter_rows()]
    assert got[0] == [("工号", "General"), ("姓名", "General"), ("金额", "General"), ("n", "General"), ("备注", "General")]
    assert got[1] == [("A001", "General"), ("=cmd|' /C calc'!A0", "General"), (1234.5, MONEY), (3, "General"),
                      (None, "General")]
    assert got[2] == [("A002", "General"), (" 张三 ", "General"), (-0.05, MONEY), (0, "General"), ("x<&>y", "General")]
    assert [r[0] for r in book.worksheets[1].iter_rows(values_only=True)] == ["a", "0", "1", "2"]
    with zipfile.ZipFile(out) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
        assert z.testzip() is None
    assert "<f>" not in xml and "<v>1234.50</v>" in xml and "<v>-0.05</v>" in xml  # digit for digit, no formula
    assert '<t xml:space="preserve"> 张三 </t>' in xml and "x&lt;&amp;&gt;y" in xml


def test_characters_xml_cannot_hold_are_escaped_not_dropped(tmp_path: Path) -> None:
    out = tmp_path / "book.xlsx"
    write_xlsx(out, [Sheet("s", ["h"], [["a\x0bb\x00c"], ["_x0041_ stays"], ["tab\there\nline"]])])
    with zipfile.ZipFile(out) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert "a_x000B_b_x0000_c" in xml and "_x005F_x0041_ stays" in xml and "tab\there\nline" in xml
    values = [r[0] for r in load_workbook(out).active.iter_rows(min_row=2, values_only=True)]  # type: ignore[union-attr]
    assert values[2] == "tab\there\nline"


def test_a_large_decimal_and_an_exponent_are_written_in_full(tmp_path: Path) -> None:
    out = tmp_path / "book.xlsx"
    write_xlsx(out, [Sheet("s", ["v"], [[Decimal("1E+2")], [Decimal("123456789012.34")], [Decimal("0E-8")]])])
    with zipfile.ZipFile(out) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<v>100</v>" in xml and "<v>123456789012.34</v>" in xml and "<v>0.00000000</v>" in xml
    assert "E" not in xml.split("<sheetData>")[1]


def test_a_workbook_without_formats_or_rows(tmp_path: Path) -> None:
    out = tmp_path / "book.xlsx"
    write_xlsx(out, [Sheet("empty", ["only", "a", "header"], [])])
    book = load_workbook(out)
    assert [list(r) for r in book.active.iter_rows(values_only=True)] == [["only", "a", "header"]]  # type: ignore[union-attr]
