"""A streaming XLSX writer for exports: sheets of text and exact numbers, written straight to the zip.

A payout workbook of 10,000 agents holds some 80,000 rows; openpyxl builds a Python object per cell
and took about 10 s to save one. This writes each row as its XML as it comes. What it writes:

- text as an inline string, so no cell is ever a formula; characters XML cannot hold are written as
  Excel's ``_xHHHH_`` escapes (and a literal ``_xHHHH_`` is escaped in turn), never dropped;
- a ``Decimal`` digit for digit (``70.15``, never ``70.15000000000001``), an ``int`` as it is;
- a number format per column where asked (``#,##0.00`` for money).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

Value = str | int | Decimal
MONEY = "#,##0.00"

_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def _text(value: str) -> str:
    """XML text of a cell: escaped, with what XML 1.0 cannot hold as Excel's _xHHHH_ escape."""
    return escape(_NOT_XML.sub(lambda m: f"_x{ord(m.group()):04X}_", value))


def column_name(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


@dataclass(frozen=True, slots=True)
class Sheet:
    """A sheet: its name, its header row, its rows, and the columns (0-based) shown in a number format."""

    name: str
    head: Sequence[str]
    rows: Iterable[Sequence[Value]]
    formats: dict[int, str] = field(default_factory=dict)


def _cell(ref: str, value: Value, style: int) -> str:
    if value == "":
        return ""  # an empty text is no cell, as a person leaves it
    if isinstance(value, str):
        space = ' xml:space="preserve"' if value != value.strip() else ""
        return f'<c r="{ref}" t="inlineStr"><is><t{space}>{_text(value)}</t></is></c>'
    shown = format(value, "f") if isinstance(value, Decimal) else str(int(value))
    styled = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{styled}><v>{shown}</v></c>'


def _sheet_xml(sheet: Sheet, styles: dict[int, int]) -> Iterable[str]:
    yield f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}"><sheetData>'
    columns: list[str] = []
    for r, values in enumerate(_with_head(sheet), start=1):
        while len(columns) < len(values):
            columns.append(column_name(len(columns)))
        cells = "".join(_cell(f"{columns[c]}{r}", v, styles.get(c, 0) if r > 1 else 0)
                        for c, v in enumerate(values))
        yield f'<row r="{r}">{cells}</row>'
    yield "</sheetData></worksheet>"


def _with_head(sheet: Sheet) -> Iterable[Sequence[Value]]:
    yield sheet.head
    yield from sheet.rows


def write_xlsx(out: Path, sheets: Sequence[Sheet]) -> None:
    """Write ``sheets`` to ``out`` as one workbook, each sheet's rows streamed as they come."""
    formats = sorted({f for s in sheets for f in s.formats.values()})
    format_id = {f: 164 + i for i, f in enumerate(formats)}  # 164 and up: a workbook's own number formats
    style_of = {f: 1 + i for i, f in enumerate(formats)}  # cellXfs 0 is the default
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _content_types(len(sheets)))
        z.writestr("_rels/.rels", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_PKG}">'
                   f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{_MAIN}" '
                   f'xmlns:r="{_REL}"><sheets>' + "".join(
                       f'<sheet name={quoteattr(s.name)} sheetId="{i}" r:id="rId{i}"/>'
                       for i, s in enumerate(sheets, start=1)) + "</sheets></workbook>")
        z.writestr("xl/_rels/workbook.xml.rels", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                   f'<Relationships xmlns="{_PKG}">' + "".join(
                       f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                       for i in range(1, len(sheets) + 1))
                   + f'<Relationship Id="rId{len(sheets) + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
                   + "</Relationships>")
        z.writestr("xl/styles.xml", _styles(formats, format_id))
        for i, sheet in enumerate(sheets, start=1):
            styles = {c: style_of[f] for c, f in sheet.formats.items()}
            with z.open(f"xl/worksheets/sheet{i}.xml", "w") as fh:
                buffer: list[str] = []
                for part in _sheet_xml(sheet, styles):
                    buffer.append(part)
                    if len(buffer) >= 1000:
                        fh.write("".join(buffer).encode("utf-8"))
                        buffer.clear()
                fh.write("".join(buffer).encode("utf-8"))


def _content_types(sheets: int) -> str:
    parts = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
                    f'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for i in range(1, sheets + 1))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{parts}</Types>")


def _styles(formats: list[str], format_id: dict[str, int]) -> str:
    num_fmts = "".join(f'<numFmt numFmtId="{format_id[f]}" formatCode={quoteattr(f)}/>' for f in formats)
    xfs = "".join(f'<xf numFmtId="{format_id[f]}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
                  for f in formats)
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<styleSheet xmlns="{_MAIN}">'
            + (f'<numFmts count="{len(formats)}">{num_fmts}</numFmts>' if formats else "")
            + '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            f'<cellXfs count="{1 + len(formats)}"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            f"{xfs}</cellXfs>"
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            "</styleSheet>")
