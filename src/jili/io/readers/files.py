"""Readers: turn a CSV, Excel, Parquet or JSON Lines file into chunks of text columns.

Every reader yields Arrow tables whose columns are named ``c0, c1, …`` (the source
headers are kept apart, so duplicated or empty headers are reported, not lost), plus
``__row``: the line of a text file or the row of a sheet, for error locations.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from jili.core.problems import Location, Problem, Severity

ROW = "__row"
CHUNK_ROWS = 262_144


class FileKind(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    XLS = "xls"
    ODS = "ods"  # LibreOffice / WPS spreadsheets; its bytes begin as a zip, like xlsx
    PARQUET = "parquet"
    JSONL = "jsonl"


EXTENSIONS = {
    ".csv": FileKind.CSV, ".tsv": FileKind.CSV, ".txt": FileKind.CSV,
    ".xlsx": FileKind.XLSX, ".xlsm": FileKind.XLSX, ".xls": FileKind.XLS, ".ods": FileKind.ODS,
    ".parquet": FileKind.PARQUET, ".pq": FileKind.PARQUET,
    ".jsonl": FileKind.JSONL, ".ndjson": FileKind.JSONL, ".json": FileKind.JSONL,
}


def sniff(head: bytes) -> FileKind | None:
    """What the first bytes say the file is (None: text of some kind)."""
    if head.startswith(b"PK\x03\x04"):
        return FileKind.XLSX
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return FileKind.XLS
    if head.startswith(b"PAR1"):
        return FileKind.PARQUET
    return None


@dataclass
class Source:
    """An opened file: its headers, how to locate a row, and its chunks."""

    path: Path
    kind: FileKind
    headers: list[str]
    chunks: Iterator[pa.Table]
    sheet: str | None = None
    header_line: int = 1
    encoding: str | None = None
    problems: list[Problem] = field(default_factory=list)
    nulls_applied: bool = False  # the parser already turned null tokens into nulls (CSV)
    bytes_total: int = 0
    bytes_read: list[int] = field(default_factory=lambda: [0])
    cleanup: list[Path] = field(default_factory=list)
    lines_inexact: bool = False  # set after reading when line breaks inside values were not counted

    def location(self, row: int | None = None, column: int | None = None) -> Location:
        col = None
        if column is not None:
            name = self.headers[column] if column < len(self.headers) else ""
            col = f"{column_letter(column)} {name}".strip() if self.sheet is not None else name
        if self.sheet is not None:
            return Location(self.path.name, sheet=self.sheet, row=row, column=col)
        return Location(self.path.name, line=row, column=col)

    def close(self) -> None:
        for p in self.cleanup:
            p.unlink(missing_ok=True)


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _error(path: Path, code: str, en: str, zh: str, fix: str, fix_zh: str, **kw: Any) -> Problem:
    loc = kw.pop("location", None) or Location(path.name)
    return Problem(Severity.ERROR, code, loc, en, zh, fix=fix, fix_zh=fix_zh, **kw)


def open_source(path: Path, *, delimiter: str | None = None, encoding: str | None = None,
                sheet: str | None = None, header_row: int | None = None,
                staging: Path | None = None, scan: FileScan | None = None,
                exact_lines: bool = False, null_values: tuple[str, ...] = ("",)) -> tuple[Source | None, list[Problem]]:
    """Open ``path`` for reading; problems say why it cannot be read."""
    if not path.exists():
        return None, [_error(path, "file_not_found", "File not found.", "找不到文件。",
                             "Check the path.", "请检查路径。")]
    size = path.stat().st_size
    if size == 0:
        return None, [_error(path, "empty_file", "The file is empty (0 bytes).", "文件为空（0 字节）。",
                             "Export the data again; the export may have failed.",
                             "请重新导出，导出可能失败了。")]
    with path.open("rb") as fh:
        head = fh.read(8)
    by_ext = EXTENSIONS.get(path.suffix.lower())
    by_content = sniff(head)
    if by_ext is None:
        return None, [_error(path, "unknown_extension",
                             f"Unknown file type '{path.suffix}'.", f"未知的文件类型 '{path.suffix}'。",
                             "Use .csv, .tsv, .xlsx, .xls, .ods, .parquet or .jsonl.",
                             "请使用 .csv、.tsv、.xlsx、.xls、.ods、.parquet 或 .jsonl 文件。")]
    if by_content is None and by_ext in (FileKind.XLSX, FileKind.XLS, FileKind.ODS, FileKind.PARQUET):
        return None, [_error(path, "wrong_extension",
                             f"The file is named {path.suffix} but its content is not a {by_ext.value} file "
                             "(it looks like text).",
                             f"文件扩展名为 {path.suffix}，但内容不是 {by_ext.value} 文件（看起来是文本）。",
                             "Export it again as a real workbook, or rename it to .csv if it is CSV text.",
                             "请重新导出为真正的工作簿；若实为 CSV 文本，请改名为 .csv。",
                             expected=by_ext.value, found="text")]
    if by_content is not None and by_content != by_ext:
        # .xls named .xlsx and the reverse are read fine by calamine: only a different family is an error
        excel = {FileKind.XLSX, FileKind.XLS, FileKind.ODS}  # a zip named .ods is a spreadsheet too
        if not (by_content in excel and by_ext in excel):
            return None, [_error(path, "wrong_extension",
                                 f"The file is named {path.suffix} but its content is {by_content.value}.",
                                 f"文件扩展名为 {path.suffix}，但内容是 {by_content.value}。",
                                 f"Rename it to .{by_content.value}.", f"请改名为 .{by_content.value}。",
                                 expected=by_ext.value, found=by_content.value)]
    kind = by_ext if by_ext == FileKind.ODS else by_content or by_ext
    if kind == FileKind.CSV:
        return _open_csv(path, size, delimiter, encoding, staging, scan or scan_file(path), exact_lines,
                         null_values)
    if kind in (FileKind.XLSX, FileKind.XLS, FileKind.ODS):
        return _open_excel(path, kind, size, sheet, header_row)
    if kind == FileKind.PARQUET:
        return _open_parquet(path, size)
    return _open_jsonl(path, size)


# --- CSV ------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class FileScan:
    """One read of a file: its digest, its text encoding and how many lines it has."""

    sha256: str
    encoding: str | None  # None: neither UTF-8 nor GB18030
    lines: int
    bad_line: int | None = None


def scan_file(path: Path) -> FileScan:
    """sha256, encoding (utf-8-sig, utf-8, then gb18030, a superset of GBK) and line count, in
    one pass over the file (a second only for a file that is not UTF-8)."""
    import hashlib

    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    newlines = 0
    utf8_ok = True
    bad_line: int | None = None
    first = b""
    last = b""
    with path.open("rb") as fh:
        while block := fh.read(1 << 22):
            if not first:
                first = block[:3]
            digest.update(block)
            if utf8_ok:
                try:
                    decoder.decode(block)
                except UnicodeDecodeError:
                    utf8_ok = False
                    bad_line = newlines + 1
            newlines += block.count(b"\n")
            last = block[-1:]
    if utf8_ok:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8_ok = False
            bad_line = newlines + 1
    lines = newlines + (1 if last and last != b"\n" else 0)
    encoding: str | None = ("utf-8-sig" if first == codecs.BOM_UTF8 else "utf-8") if utf8_ok else None
    if encoding is None:
        gb = codecs.getincrementaldecoder("gb18030")()
        try:
            with path.open("rb") as fh:
                while block := fh.read(1 << 22):
                    gb.decode(block)
                gb.decode(b"", final=True)
            encoding = "gb18030"
        except UnicodeDecodeError:
            encoding = None
    return FileScan(digest.hexdigest(), encoding, lines, bad_line)


def detect_encoding(path: Path, scan: FileScan | None = None) -> tuple[str | None, Problem | None]:
    scan = scan or scan_file(path)
    if scan.encoding is not None:
        return scan.encoding, None
    return None, _error(path, "bad_encoding",
                        "The file is neither UTF-8 nor GBK/GB18030 text.",
                        "文件既不是 UTF-8 也不是 GBK/GB18030 编码的文本。",
                        "Save it as CSV UTF-8 (Excel: Save As → CSV UTF-8).",
                        "请另存为 CSV UTF-8（Excel：另存为 → CSV UTF-8）。",
                        location=Location(path.name, line=scan.bad_line))


def _transcode(path: Path, encoding: str, staging: Path | None) -> Path:
    out = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, removed by Source.close
        prefix="transcode-", suffix=".csv", dir=staging, delete=False)
    with path.open("r", encoding=encoding, newline="") as src, out:
        while block := src.read(1 << 20):
            out.write(block.encode("utf-8"))
    return Path(out.name)


def _open_csv(path: Path, size: int, delimiter: str | None, encoding: str | None, staging: Path | None,
              scan: FileScan, exact_lines: bool, null_values: tuple[str, ...]) -> tuple[Source | None, list[Problem]]:
    notes: list[Problem] = []
    if encoding is None:
        encoding, problem = detect_encoding(path, scan)
        if problem is not None:
            return None, [problem]
    assert encoding is not None
    read_path = path
    cleanup: list[Path] = []
    if codecs.lookup(encoding).name not in ("utf-8", "utf-8-sig"):
        try:
            read_path = _transcode(path, encoding, staging)
        except UnicodeDecodeError:
            return None, [_error(path, "bad_encoding", f"The file is not valid {encoding}.",
                                 f"文件不是有效的 {encoding} 编码。", "Remove 'encoding' from the mapping "
                                 "to let Jili detect it.", "请删除映射中的 encoding，由系统自动识别。")]
        cleanup.append(read_path)
        notes.append(Problem(Severity.INFO, "encoding", Location(path.name),
                             f"Read as {encoding.upper()} (Chinese GBK family) and converted to UTF-8.",
                             f"按 {encoding.upper()}（GBK 系列）读取并转换为 UTF-8。"))
    with read_path.open("rb") as fh:
        first = fh.readline()
    first_text = first.decode("utf-8-sig", errors="replace").rstrip("\r\n")
    if not first_text.strip():
        for p in cleanup:
            p.unlink(missing_ok=True)
        return None, [_error(path, "no_header", "The first line is empty: no column headers.",
                             "第一行为空：没有列标题。", "Put the column headers on the first line.",
                             "请把列标题放在第一行。", location=Location(path.name, line=1))]
    if delimiter is None:
        delimiter = max(("\t", ",", ";", "|"), key=first_text.count)
    import csv

    headers = next(csv.reader([first_text], delimiter=delimiter))
    width = len(headers)
    names = [f"c{i}" for i in range(width)]
    src = Source(path=path, kind=FileKind.CSV, headers=headers, chunks=iter(()), encoding=encoding,
                 problems=notes, bytes_total=size, cleanup=cleanup, nulls_applied=True)

    def reader_for(invalid: list[tuple[int, str]], threads: bool) -> tuple[Any, BinaryIO]:
        def on_invalid(row: Any) -> str:
            invalid.append((row.number, row.text))
            return "skip"

        read_opts = pacsv.ReadOptions(use_threads=threads, block_size=1 << 24, column_names=names,
                                      skip_rows=1, encoding="utf8")
        parse_opts = pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=on_invalid,
                                        ignore_empty_lines=False, newlines_in_values=False)
        convert_opts = pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                            null_values=list(null_values), strings_can_be_null=True)
        fh: BinaryIO = read_path.open("rb")
        counted = _CountingReader(fh, src.bytes_read)
        return pacsv.open_csv(counted, read_options=read_opts, parse_options=parse_opts,
                              convert_options=convert_opts), fh

    def chunks() -> Iterator[pa.Table]:
        # Fast pass: parsing on both cores. Only a file with bad rows is parsed again serially,
        # because only the serial parser tells the line number of a bad row.
        # A block is parsed whole (bad rows included) before its batch is yielded, so every row
        # yielded before the first bad row is seen has its exact line; the serial pass skips those.
        invalid: list[tuple[int, str]] = []
        blank: list[int] = []
        done_rows = 0
        for threads in (True, False):
            invalid.clear()
            blank.clear()
            src.bytes_read[0] = 0
            try:
                reader, fh = reader_for(invalid, threads)
            except pa.ArrowInvalid as exc:
                src.problems.append(_csv_failure(path, exc))
                return
            next_line = 2
            seen_invalid = 0
            skip = done_rows
            try:
                for batch in reader:
                    if threads and invalid:
                        break
                    n = batch.num_rows
                    extra = _embedded_newlines(batch) if exact_lines else None
                    lines, next_line, seen_invalid = _line_numbers(n, next_line, invalid, seen_invalid, extra)
                    table = pa.Table.from_batches([batch]).append_column(ROW, pa.array(lines, pa.int64()))
                    table = _drop_blank(table, blank)
                    if skip:
                        table, skip = table.slice(min(skip, n)), max(0, skip - n)
                        if table.num_rows == 0:
                            continue
                    done_rows += table.num_rows
                    yield table
            except pa.ArrowInvalid as exc:
                src.problems.append(_csv_failure(path, exc))
                return
            finally:
                fh.close()
            if not (threads and invalid):
                last = max([next_line - 1, *(n for n, _ in invalid)])
                if not exact_lines and last != scan.lines:
                    src.lines_inexact = True  # quoted values span lines: the importer reads again, exactly
                src.problems.extend(_invalid_rows(path, invalid + [(n, "") for n in blank], width, delimiter))
                return

    src.chunks = chunks()
    return src, []


class _CountingReader(io.RawIOBase):
    def __init__(self, fh: BinaryIO, counter: list[int]) -> None:
        self._fh = fh
        self._counter = counter

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._fh.read(len(buffer))
        buffer[: len(data)] = data
        self._counter[0] += len(data)
        return len(data)


def _drop_blank(table: pa.Table, blank: list[int]) -> pa.Table:
    """Rows whose every cell is empty are blank lines (or lines of bare delimiters): noted, not kept."""
    empty = None
    for name in table.column_names:
        if name == ROW:
            continue
        is_empty = pc.fill_null(pc.equal(table.column(name), ""), True)
        empty = is_empty if empty is None else pc.and_(empty, is_empty)
    if empty is None or not pc.any(empty).as_py():
        return table
    blank.extend(table.column(ROW).filter(empty).to_pylist())
    return table.filter(pc.invert(empty))


def _embedded_newlines(batch: pa.RecordBatch) -> np.ndarray | None:
    """Per row, the line breaks inside quoted values (each pushes later rows one line down)."""
    total: np.ndarray | None = None
    for col in batch.columns:
        if not pc.any(pc.match_substring(col, "\n")).as_py():
            continue
        counts = pc.count_substring(col, "\n").to_numpy(zero_copy_only=False).astype(np.int64)
        total = counts if total is None else total + counts
    return total


def _line_numbers(n: int, next_line: int, invalid: list[tuple[int, str]], seen: int,
                  extra: np.ndarray | None = None) -> tuple[np.ndarray, int, int]:
    """First line of each of ``n`` valid rows from ``next_line``, skipping invalid lines and
    counting line breaks inside quoted values."""
    skip = sorted(num for num, _ in invalid[seen:]) if len(invalid) > seen else []
    if extra is None and not skip:
        lines = np.arange(next_line, next_line + n, dtype=np.int64)
        return lines, next_line + n, seen
    spans = np.ones(n, dtype=np.int64) if extra is None else extra + 1
    lines = np.empty(n, dtype=np.int64)
    line = next_line
    pending = iter(skip)
    nxt = next(pending, None)
    consumed = 0
    for i in range(n):
        while nxt is not None and nxt <= line:
            if nxt == line:
                line += 1
            consumed += 1
            nxt = next(pending, None)
        lines[i] = line
        line += int(spans[i])
    return lines, line, seen + consumed


def _invalid_rows(path: Path, invalid: list[tuple[int, str]], width: int,
                  delimiter: str) -> list[Problem]:
    problems: list[Problem] = []
    blank = sorted(num for num, text in invalid if not text.strip())
    if blank:
        problems.append(Problem(Severity.INFO, "blank_lines", Location(path.name, line=blank[0]),
                                f"{len(blank)} blank line(s) skipped.", f"跳过 {len(blank)} 个空行。",
                                count=len(blank), more_rows=tuple(blank[1:20])))
    for num, text in invalid:
        if not text.strip():
            continue
        found = text.count(delimiter) + 1
        quoted = text.count('"') % 2 == 1
        en = f"Expected {width} fields, found {found}."
        zh = f"应有 {width} 个字段，实际 {found} 个。"
        if quoted:
            fix = ("A quoted value seems to continue on the next line; Jili reads one record per "
                   "line. Remove line breaks inside values.")
            fix_zh = "引号内的值似乎跨行；每条记录须在一行内，请删除值中的换行。"
        elif found < width:
            fix = "The line is short: it may be truncated (an interrupted export). Export again."
            fix_zh = "该行字段不足，可能被截断（导出中断），请重新导出。"
        else:
            fix = "A value may contain the delimiter: quote it, or export with another delimiter."
            fix_zh = "某个值可能包含分隔符，请加引号或换用其他分隔符导出。"
        problems.append(Problem(Severity.ERROR, "bad_row", Location(path.name, line=num), en, zh,
                                expected=f"{width} fields", found=text[:120], fix=fix, fix_zh=fix_zh))
    return problems


def _csv_failure(path: Path, exc: Exception) -> Problem:
    return _error(path, "csv_unreadable", f"The CSV file could not be parsed: {exc}",
                  f"无法解析 CSV 文件：{exc}", "Check that it is a delimited text export.",
                  "请确认是带分隔符的文本导出。")


# --- Excel ------------------------------------------------------------------------------

def cell_text(value: Any) -> str:
    """Excel cell -> text as a person would read it (15 significant digits, ISO dates)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(value, ".15g")
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(int(value.total_seconds()))
    return str(value).strip()


def _open_excel(path: Path, kind: FileKind, size: int, sheet: str | None,
                header_row: int | None) -> tuple[Source | None, list[Problem]]:
    import python_calamine as cal

    try:
        book = cal.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for damaged files
        return None, [_error(path, "excel_unreadable", f"The workbook cannot be read: {exc}",
                             f"无法读取工作簿：{exc}", "Open it in Excel and save it again.",
                             "请用 Excel 打开后重新保存。")]
    names = list(book.sheet_names)
    if sheet is None:
        with_data = [n for n in names if book.get_sheet_by_name(n).to_python(nrows=2)]
        if len(with_data) > 1:
            return None, [_error(path, "several_sheets",
                                 f"The workbook has {len(with_data)} sheets with data: "
                                 f"{', '.join(with_data)}. Which one holds the records?",
                                 f"工作簿有 {len(with_data)} 个含数据的工作表：{'、'.join(with_data)}，"
                                 "请指定要导入的工作表。",
                                 f"Choose one with --sheet \"{with_data[0]}\" (or 'sheet:' in the mapping).",
                                 f"请用 --sheet \"{with_data[0]}\"（或映射中的 sheet:）指定。",
                                 expected="one sheet", found=", ".join(with_data),
                                 expected_zh="一个工作表", found_zh="、".join(with_data))]
        sheet = with_data[0] if with_data else names[0]
    if sheet not in names:
        return None, [_error(path, "unknown_sheet", f"No sheet named {sheet!r}.",
                             f"没有名为 {sheet!r} 的工作表。", f"Sheets are: {', '.join(names)}.",
                             f"现有工作表：{'、'.join(names)}。", found=sheet, expected=", ".join(names))]
    ws = book.get_sheet_by_name(sheet)
    rows = ws.to_python(skip_empty_area=False)
    first_row = header_row or next((i + 1 for i, r in enumerate(rows) if any(cell_text(v) for v in r)), 1)
    if first_row > len(rows):
        return None, [_error(path, "empty_sheet", f"Sheet {sheet!r} has no data.",
                             f"工作表 {sheet!r} 没有数据。", "Choose the sheet that holds the records.",
                             "请选择包含记录的工作表。", location=Location(path.name, sheet=sheet))]
    headers = [cell_text(v) for v in rows[first_row - 1]]
    while headers and not headers[-1]:
        headers.pop()
    problems: list[Problem] = []
    merged = _merged_in_row(ws, first_row)
    for col in range(len(headers)):
        if headers[col]:
            continue
        is_merged = col in merged
        loc = Location(path.name, sheet=sheet, row=first_row, column=column_letter(col))
        problems.append(Problem(
            Severity.ERROR, "empty_header", loc,
            "Header cell is part of a merged cell: each column needs its own header." if is_merged
            else "Header cell is empty: each column needs a header.",
            "表头单元格是合并单元格的一部分：每列须有独立的列标题。" if is_merged
            else "表头单元格为空：每列须有列标题。",
            fix="Unmerge the header cells and give each column its own name (one header row)."
            if is_merged else "Type a column name in this cell, or delete the column.",
            fix_zh="请取消合并表头单元格，每列一个名称（仅一行表头）。" if is_merged
            else "请在该单元格填写列名，或删除该列。"))
    if merged and not problems:
        problems.append(Problem(
            Severity.ERROR, "merged_header", Location(path.name, sheet=sheet, row=first_row),
            "The header row has merged cells: each column needs its own header.",
            "表头行含合并单元格：每列须有独立的列标题。",
            fix="Unmerge the header cells (one header row, one name per column).",
            fix_zh="请取消合并表头单元格（一行表头，每列一个名称）。"))
    if problems:
        return None, problems
    width = len(headers)
    body = rows[first_row:]

    def chunks() -> Iterator[pa.Table]:
        for start in range(0, len(body), CHUNK_ROWS):
            part = body[start:start + CHUNK_ROWS]
            cols = [[cell_text(r[i]) if i < len(r) else "" for r in part] for i in range(width)]
            keep = [j for j, r in enumerate(part) if any(cell_text(v) for v in r)]
            arrays = {f"c{i}": pa.array([cols[i][j] for j in keep], pa.string()) for i in range(width)}
            arrays[ROW] = pa.array([first_row + 1 + start + j for j in keep], pa.int64())
            yield pa.table(arrays)

    return Source(path=path, kind=kind, headers=headers, chunks=chunks(), sheet=sheet,
                  header_line=first_row, bytes_total=size), []


def _merged_in_row(ws: Any, row: int) -> set[int]:
    cols: set[int] = set()
    try:
        ranges = ws.merged_cell_ranges or []
    except Exception:  # .xls and some writers do not expose merged ranges
        return cols
    for (r0, c0), (r1, c1) in ranges:
        if r0 + 1 <= row <= r1 + 1:
            cols.update(range(c0, c1 + 1))
    return cols


# --- Parquet -----------------------------------------------------------------------------

def _open_parquet(path: Path, size: int) -> tuple[Source | None, list[Problem]]:
    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid/OSError for damaged files
        return None, [_error(path, "parquet_unreadable", f"The Parquet file cannot be read: {exc}",
                             f"无法读取 Parquet 文件：{exc}", "Write the file again.", "请重新生成该文件。")]
    headers = list(pf.schema_arrow.names)

    def chunks() -> Iterator[pa.Table]:
        start = 1
        for batch in pf.iter_batches(batch_size=CHUNK_ROWS):
            table = pa.Table.from_batches([batch]).rename_columns([f"c{i}" for i in range(len(headers))])
            rows = pa.array(np.arange(start, start + batch.num_rows, dtype=np.int64))
            start += batch.num_rows
            yield table.append_column(ROW, rows)

    return Source(path=path, kind=FileKind.PARQUET, headers=headers, chunks=chunks(),
                  bytes_total=size, header_line=0), []


# --- JSON Lines --------------------------------------------------------------------------

def _open_jsonl(path: Path, size: int) -> tuple[Source | None, list[Problem]]:
    encoding, problem = detect_encoding(path)
    if problem is not None:
        return None, [problem]
    records: list[tuple[int, dict[str, Any]]] = []
    problems: list[Problem] = []
    headers: list[str] = []
    seen: set[str] = set()
    with path.open("r", encoding=encoding or "utf-8") as fh:
        for number, text in enumerate(fh, start=1):
            if not text.strip():
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                problems.append(Problem(
                    Severity.ERROR, "bad_json", Location(path.name, line=number),
                    f"Not valid JSON: {exc.msg} (character {exc.colno}).",
                    f"不是有效的 JSON：{exc.msg}（第 {exc.colno} 个字符）。",
                    found=text.strip()[:120],
                    fix="Each line must be one complete JSON object; the line may be truncated.",
                    fix_zh="每行须是一个完整的 JSON 对象；该行可能被截断。"))
                continue
            if not isinstance(obj, dict):
                problems.append(Problem(Severity.ERROR, "bad_json", Location(path.name, line=number),
                                        "Each line must be a JSON object ({…}).", "每行须是一个 JSON 对象。",
                                        found=text.strip()[:80]))
                continue
            for key in obj:
                if key not in seen:
                    seen.add(key)
                    headers.append(key)
            records.append((number, obj))
    if problems:
        return None, problems

    def chunks() -> Iterator[pa.Table]:
        for start in range(0, len(records), CHUNK_ROWS):
            part = records[start:start + CHUNK_ROWS]
            arrays: dict[str, pa.Array] = {}
            for i, key in enumerate(headers):
                values = [obj.get(key) for _, obj in part]
                if any(isinstance(v, list | dict) for v in values):
                    arrays[f"c{i}"] = pa.array([json.dumps(v, ensure_ascii=False) if v is not None
                                                else "" for v in values], pa.string())
                else:
                    arrays[f"c{i}"] = pa.array([_json_scalar(v) for v in values], pa.string())
            arrays[ROW] = pa.array([n for n, _ in part], pa.int64())
            yield pa.table(arrays)

    return Source(path=path, kind=FileKind.JSONL, headers=headers, chunks=chunks(),
                  bytes_total=size, encoding=encoding, header_line=0), []


def _json_scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
