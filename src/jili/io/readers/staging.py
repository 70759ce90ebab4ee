"""Stage an import: read, map, validate and write one Parquet file, or report why not.

Staging touches nothing the workspace reads: the file lands in ``facts/.staging``. The
registry (``jili.registry.imports.do_import``) then commits it atomically, or deletes it.
"""

from __future__ import annotations

import datetime as dt
import queue
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlglot import exp

from jili.core.facts import Column, ColumnType, FactFormat, fold
from jili.core.problems import Location, Problem, Severity
from jili.core.sqltree import fill, shape
from jili.io.hooks import crash_point
from jili.io.readers.convert import DEFAULT_NULLS, arrow_type, clean_text, convert, today_in
from jili.io.readers.files import ROW, FileScan, Source, open_source
from jili.io.specs.mapping import ColumnRule, Mapping
from jili.io.sql import render

SOURCE_ROW = "_row"
BATCH_COLUMN = "_batch"
MAX_EXAMPLES = 20
MAX_UNKNOWN_AGENTS = 20

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class ExistingBatch:
    batch_id: int
    path: Path
    source_name: str


@dataclass(frozen=True, slots=True)
class ImportRequest:
    path: Path
    mapping: Mapping
    timezone: str
    now: dt.datetime
    staging_dir: Path
    known_agents: frozenset[str] | None = None  # None: no roster check (the roster itself)
    existing: tuple[ExistingBatch, ...] = ()
    sheet: str | None = None
    scan: FileScan | None = None  # from scan_file, when the caller has already read the file once


@dataclass(frozen=True, slots=True)
class Staged:
    """The result of staging: a Parquet file ready to commit, or problems."""

    fact: FactFormat
    batch_uid: str
    staged_path: Path | None
    rows_read: int
    rows: int
    problems: tuple[Problem, ...]
    columns: tuple[tuple[str, str], ...]  # (fact column, source header or rule)
    new_agents: tuple[str, ...] = ()
    sheet: str | None = None
    encoding: str | None = None

    @property
    def ok(self) -> bool:
        return self.staged_path is not None and not any(p.is_error for p in self.problems)


@dataclass
class _Entry:
    """One problem kind in one column: where it first occurred, how often, a few more rows."""

    severity: Severity
    code: str
    column_index: int | None
    first_row: int
    found: str
    en: str
    zh: str
    expected: str
    fix: str
    fix_zh: str
    count: int = 0
    more_rows: list[int] = field(default_factory=list)
    expected_zh: str = ""


@dataclass
class _Tally:
    """Collects one problem kind per column: first place, count and some more rows."""

    source: Source
    items: dict[tuple[str, str], _Entry] = field(default_factory=dict)

    def add(self, code: str, column: str, col_index: int | None, rows: np.ndarray,
            found: list[str], en: str, zh: str, expected: str | tuple[str, str], fix: str, fix_zh: str,
            severity: Severity = Severity.ERROR) -> None:
        expected, expected_zh = expected if isinstance(expected, tuple) else (expected, "")
        if len(rows) == 0:
            return
        entry = self.items.setdefault((code, column), _Entry(
            severity, code, col_index, int(rows[0]), found[0] if found else "", en, zh, expected, fix, fix_zh,
            expected_zh=expected_zh))
        entry.count += len(rows)
        room = MAX_EXAMPLES - len(entry.more_rows)
        if room > 0:
            entry.more_rows.extend(int(r) for r in rows[:room] if int(r) != entry.first_row)

    def finish(self) -> list[Problem]:
        return [Problem(e.severity, e.code, self.source.location(e.first_row, e.column_index), e.en, e.zh,
                        expected=e.expected, found=e.found, fix=e.fix, fix_zh=e.fix_zh, count=e.count,
                        more_rows=tuple(e.more_rows), expected_zh=e.expected_zh) for e in self.items.values()]


@dataclass(frozen=True, slots=True)
class _Plan:
    target: str
    indices: tuple[int, ...]
    rule: ColumnRule
    label: str


def _plan_columns(src: Source, mapping: Mapping) -> tuple[list[_Plan], list[Problem]]:
    fmt = mapping.format
    problems: list[Problem] = []
    folded = [fold(h) for h in src.headers]
    by_exact = {h: i for i, h in enumerate(src.headers)}
    by_fold: dict[str, int] = {}
    for i, f in enumerate(folded):
        by_fold.setdefault(f, i)
    used: set[int] = set()
    plans: list[_Plan] = []

    def header_loc(i: int) -> Location:
        return src.location(src.header_line or None, i)

    for target, rule in mapping.columns.items():
        indices = []
        for name in rule.sources:
            found_at = by_exact.get(name, by_fold.get(fold(name)))
            if found_at is None:
                guess = get_close_matches(name, src.headers, n=1)
                problems.append(Problem(
                    Severity.ERROR, "missing_column", Location(src.path.name, line=src.header_line or None),
                    f"The mapping reads column '{name}' for {target}, but the file has no such header."
                    + (f" Did you mean '{guess[0]}'?" if guess else ""),
                    f"映射要求列 '{name}'（用于 {target}），但文件中没有该列。"
                    + (f"是否应为 '{guess[0]}'？" if guess else ""),
                    expected=name, found=", ".join(src.headers)[:200],
                    fix="Fix the header in the file or the name in the mapping.",
                    fix_zh="请修改文件表头或映射中的列名。"))
            else:
                indices.append(found_at)
                used.add(found_at)
        if len(indices) == len(rule.sources):
            label = "+".join(rule.sources) if rule.sources else f"constant {rule.constant!r}"
            plans.append(_Plan(target, tuple(indices), rule, label))
    aliases = fmt.header_lookup()
    mapped = {p.target for p in plans} | set(mapping.columns)
    for i, f in enumerate(folded):
        if i in used:
            continue
        alias_target = aliases.get(f)
        if alias_target is None or (alias_target in mapped and alias_target not in {p.target for p in plans}):
            continue
        target = alias_target
        if target in {p.target for p in plans}:
            if any(p.target == target and p.indices == (i,) for p in plans):
                continue
            other = next(p for p in plans if p.target == target)
            problems.append(Problem(
                Severity.ERROR, "duplicate_column", header_loc(i),
                f"Both '{other.label}' and '{src.headers[i]}' would fill {target}.",
                f"'{other.label}' 和 '{src.headers[i]}' 都对应 {target}。",
                fix="Delete one of the two columns, or name the right one in a mapping file.",
                fix_zh="请删除其中一列，或在映射文件中指定应使用的列。"))
            used.add(i)
            continue
        plans.append(_Plan(target, (i,), ColumnRule(sources=(src.headers[i],)), src.headers[i]))
        used.add(i)
    have = {p.target for p in plans}
    ignored = {fold(x) for x in mapping.ignore}
    unused = [i for i in range(len(src.headers)) if i not in used and src.headers[i].strip()]
    for col in fmt.columns:
        if col.required and col.name not in have and col.name not in mapping.columns:
            guess = get_close_matches(col.name, [src.headers[i] for i in unused], n=1, cutoff=0.5)
            aka = "、".join(col.aliases[:4])
            problems.append(Problem(
                Severity.ERROR, "missing_column", Location(src.path.name, line=src.header_line or None),
                f"Required column '{col.name}' is missing." + (f" Did you mean '{guess[0]}'?" if guess else ""),
                f"缺少必需列 '{col.name}'（{col.description_zh.rstrip('。')}）。"
                + (f"是否应为 '{guess[0]}'？" if guess else ""),
                expected=f"a header '{col.name}'"
                + (f" or one of: {', '.join(col.aliases[:6])}" if col.aliases else ""),
                found="headers: " + ", ".join(src.headers)[:200],
                expected_zh=f"表头 '{col.name}'" + (f"，或其一：{'、'.join(col.aliases[:6])}" if col.aliases else ""),
                found_zh="表头：" + "、".join(src.headers)[:200],
                fix=f"Rename the header to '{col.name}' or map it in a mapping file "
                    f"(columns: {col.name}: YOUR_HEADER).",
                fix_zh=f"请将表头改为 '{col.name}'" + (f"（或 {aka}）" if aka else "") + "，或在映射文件中指定。"))
    for i in unused:
        if fold(src.headers[i]) in ignored:
            continue
        close = _close_header(fold(src.headers[i]), list(aliases))
        meant = aliases[close] if close is not None and aliases[close] not in have else None
        if meant is not None:  # close to a column the file lacks: importing without it would count zeros
            problems.append(Problem(
                Severity.ERROR, "unknown_column_close", header_loc(i),
                f"Column '{src.headers[i]}' is not part of the {fmt.name} format, and the file has no '{meant}'. "
                f"Did you mean '{meant}'?",
                f"列 '{src.headers[i]}' 不属于 {fmt.name} 格式，而文件中没有 '{meant}'。是否应为 '{meant}'？",
                expected=f"'{meant}' or one of its Chinese headers", found=src.headers[i],
                fix=f"Rename the header to '{meant}' (or map it in a mapping file); if it is something else, "
                    f"import with --ignore-column '{src.headers[i]}'.",
                fix_zh=f"请将表头改为 '{meant}'（或在映射文件中指定）；若确为其他内容，"
                       f"请加 --ignore-column '{src.headers[i]}' 导入。"))
            continue
        problems.append(Problem(
            Severity.WARNING, "unknown_column", header_loc(i),
            f"Column '{src.headers[i]}' is not part of the {fmt.name} format and was not imported.",
            f"列 '{src.headers[i]}' 不属于 {fmt.name} 格式，未导入。",
            fix="If it holds a known field, map it in a mapping file; otherwise list it under 'ignore:'.",
            fix_zh="若是已知字段，请在映射文件中指定；否则可列入 ignore: 以消除此提示。"))
    for i, h in enumerate(src.headers):
        if not h.strip() and i not in used:
            problems.append(Problem(Severity.WARNING, "unknown_column", header_loc(i),
                                    "A column has no header and was not imported.", "某列没有列标题，未导入。",
                                    fix="Give it a header or delete it.", fix_zh="请为该列填写标题或删除。"))
    return plans, problems


def stage(request: ImportRequest, progress: Progress | None = None) -> Staged:
    mapping = request.mapping
    fmt = mapping.format
    uid = uuid.uuid4().hex
    request.staging_dir.mkdir(parents=True, exist_ok=True)
    for exact_lines in (False, True):
        src, problems = open_source(request.path, delimiter=mapping.delimiter, encoding=mapping.encoding,
                                    sheet=request.sheet or mapping.sheet, header_row=mapping.header_row,
                                    staging=request.staging_dir, scan=request.scan, exact_lines=exact_lines,
                                    null_values=DEFAULT_NULLS + mapping.null_values)
        if src is None:
            return Staged(fmt, uid, None, 0, 0, tuple(problems), ())
        try:
            staged = _stage_source(request, src, uid, progress)
        finally:
            src.close()
        if not src.lines_inexact:
            return staged
        # values with line breaks moved later rows down: read again, counting them
        if staged.staged_path is not None:
            staged.staged_path.unlink(missing_ok=True)
    return staged


def _stage_source(request: ImportRequest, src: Source, uid: str, progress: Progress | None) -> Staged:
    mapping = request.mapping
    fmt = mapping.format
    tz = mapping.timezone or request.timezone
    plans, problems = _plan_columns(src, mapping)
    columns = tuple((p.target, p.label) for p in plans)
    if any(p.is_error for p in problems):
        return Staged(fmt, uid, None, 0, 0, tuple(src.problems + problems), columns, sheet=src.sheet,
                      encoding=src.encoding)
    tally = _Tally(src)
    schema = pa.schema([pa.field(c.name, arrow_type(c)) for c in fmt.columns]
                       + [pa.field(SOURCE_ROW, pa.int64())])
    staged = request.staging_dir / f"{uid}.parquet"
    writer = _BackgroundWriter(staged, schema)
    rows_read = 0
    naive = rounded = 0
    unknown_agents: dict[str, int] = {}
    new_agents: dict[str, int] = {}
    key_parts: list[pa.Table] = []
    today = today_in(tz, request.now)
    now_utc = pa.scalar(request.now.astimezone(dt.UTC), pa.timestamp("us", tz="UTC"))
    plan_of = {p.target: p for p in plans}
    base_nulls = DEFAULT_NULLS + mapping.null_values
    try:
        for chunk in src.chunks:
            n = chunk.num_rows
            rows_read += n
            row_numbers = chunk.column(ROW).to_numpy()
            out: dict[str, pa.Array] = {}
            unreadable: dict[str, np.ndarray] = {}  # cells reported as bad values, not also as missing
            for col in fmt.columns:
                plan = plan_of.get(col.name)
                if plan is None:
                    out[col.name] = pa.nulls(n, arrow_type(col))
                    continue
                text = _source_text(chunk, plan, base_nulls, trim=col.type == ColumnType.TEXT or not src.nulls_applied,
                                    target=col)
                values = dict(plan.rule.values)
                conv = convert(text, col, tz=tz, formats=plan.rule.formats, values=values)
                naive += conv.naive
                rounded += conv.rounded
                first_index = plan.indices[0] if plan.indices else None
                unreadable[col.name] = conv.bad
                if conv.bad.any():
                    bad_rows = row_numbers[conv.bad]
                    found = [_visible(str(v)) for v in text.filter(pa.array(conv.bad)).slice(0, 1).to_pylist()]
                    tally.add("bad_value", col.name, first_index, bad_rows, found,
                              f"Cannot read this value as {_type_words(col)} for '{col.name}'.",
                              f"无法把该值读作 {col.name} 所需的{_type_words_zh(col)}。",
                              _expected(col, plan.rule.formats), *_fix(col, plan.rule.formats, found[0] if found else ""))
                if conv.out_of_range is not None and conv.out_of_range.any():
                    tally.add("out_of_range", col.name, first_index, row_numbers[conv.out_of_range],
                              [str(v) for v in text.filter(pa.array(conv.out_of_range)).slice(0, 1).to_pylist()],
                              f"'{col.name}' must be at least {col.minimum}.",
                              f"'{col.name}' 不得小于 {col.minimum}。", f">= {col.minimum}",
                              "Correct the value in the source system and export again.",
                              "请在源系统中更正后重新导出。")
                out[col.name] = conv.array
            for col in fmt.columns:
                plan = plan_of.get(col.name)
                if plan is not None and plan.rule.next_day_after and plan.rule.next_day_after in out:
                    ref = out[plan.rule.next_day_after]
                    earlier = pc.less(out[col.name], ref).fill_null(False)
                    out[col.name] = pc.if_else(earlier, pc.add(out[col.name], pa.scalar(dt.timedelta(days=1))),
                                               out[col.name])
                if col.required and plan is not None:
                    missing = _mask_np(pc.is_null(out[col.name]))
                    if col.name in unreadable:
                        missing &= ~unreadable[col.name]
                    if missing.any():
                        tally.add("missing_value", col.name, plan.indices[0] if plan.indices else None,
                                  row_numbers[missing], [""],
                                  f"Required value '{col.name}' is empty.", f"必填项 '{col.name}' 为空。",
                                  _expected(col), "Fill in the value, or remove the row if it is not a record.",
                                  "请填写该值；若该行不是记录，请删除。")
                if col.type in (ColumnType.TIMESTAMP, ColumnType.DATE) and plan is not None and not col.future_ok:
                    is_time = col.type == ColumnType.TIMESTAMP
                    limit = now_utc if is_time else pa.scalar(today, pa.date32())
                    future = _mask_np(pc.greater(out[col.name], limit))
                    if future.any():
                        after = f"{request.now:%Y-%m-%d %H:%M}" if is_time else str(today)
                        tally.add("future_date", col.name, plan.indices[0] if plan.indices else None,
                                  row_numbers[future],
                                  [str(v) for v in out[col.name].filter(pa.array(future)).slice(0, 1).to_pylist()],
                                  f"'{col.name}' lies in the future (after {after}).",
                                  f"'{col.name}' 晚于{'当前时间' if is_time else '今天'}（{after}）。",
                                  "a time not after now" if is_time else "a date not after today",
                                  "Check the date format (day/month order, two-digit year)"
                                  + (" and the timezone." if is_time else "."),
                                  "请检查日期格式（年月日顺序、两位年份）" + ("及时区。" if is_time else "。"))
            if fmt.name == "roster" and "effective_from" in out:
                out["effective_from"] = pc.coalesce(out["effective_from"], out["hire_date"])
            if fmt.agent_column and request.known_agents is not None and fmt.agent_column in out:
                _check_agents(out[fmt.agent_column], row_numbers, request.known_agents, mapping,
                              unknown_agents, new_agents)
            table = pa.table({**out, SOURCE_ROW: chunk.column(ROW)}, schema=schema)
            writer.write_table(table)
            key_parts.append(table.select([*fmt.natural_key, SOURCE_ROW]))
            if progress is not None:
                progress(src.bytes_read[0] if src.bytes_read[0] else src.bytes_total, src.bytes_total)
    finally:
        writer.close()
    problems.extend(src.problems)
    problems.extend(tally.finish())
    agent_plan = plan_of.get(fmt.agent_column or "")
    for agent, row in list(unknown_agents.items())[:MAX_UNKNOWN_AGENTS]:
        problems.append(Problem(
            Severity.ERROR, "unknown_agent", src.location(row, agent_plan.indices[0] if agent_plan else None),
            f"Agent '{agent}' is not in the roster.", f"坐席 '{agent}' 不在花名册中。",
            expected="an agent_id from the roster", found=agent,
            expected_zh="花名册中的工号",
            fix="Import the roster first (jili import roster.xlsx --format roster), "
                "or set 'unknown_agents: register' in the mapping.",
            fix_zh="请先导入花名册（jili import 花名册.xlsx --format roster），"
                   "或在映射中设置 unknown_agents: register。"))
    if len(unknown_agents) > MAX_UNKNOWN_AGENTS:
        problems.append(Problem(Severity.ERROR, "unknown_agent", Location(src.path.name),
                                f"{len(unknown_agents) - MAX_UNKNOWN_AGENTS} more agents are not in the roster.",
                                f"另有 {len(unknown_agents) - MAX_UNKNOWN_AGENTS} 名坐席不在花名册中。"))
    if naive and tz != request.timezone:  # read in the workspace's own zone, as everyone expects: nothing to say
        problems.append(Problem(Severity.INFO, "timezone_assumed", Location(src.path.name),
                                f"{naive} timestamps had no timezone; read as {tz}.",
                                f"{naive} 个时间没有时区，按 {tz} 读取。",
                                fix="Set 'timezone:' in the mapping if the export uses another zone.",
                                fix_zh="若导出使用其他时区，请在映射中设置 timezone:。"))
    if rounded:
        problems.append(Problem(Severity.INFO, "decimal_rounded", Location(src.path.name),
                                f"{rounded} decimal values had more than 4 decimal places; rounded half-up to 4.",
                                f"{rounded} 个小数超过 4 位，已按四舍五入保留 4 位。"))
    if rows_read == 0 and not any(p.is_error for p in problems):
        problems.append(Problem(Severity.ERROR, "no_rows", Location(src.path.name),
                                "The file has headers but no records.", "文件只有表头，没有记录。",
                                fix="Export again with data, or check the date range of the export.",
                                fix_zh="请重新导出含数据的文件，或检查导出的日期范围。"))
    if not any(p.is_error for p in problems) and not src.lines_inexact:
        problems.extend(_key_problems(pa.concat_tables(key_parts), fmt, src.location, src.path.name, request.existing))
    if any(p.is_error for p in problems):
        staged.unlink(missing_ok=True)
        return Staged(fmt, uid, None, rows_read, 0, tuple(problems), columns, sheet=src.sheet,
                      encoding=src.encoding)
    crash_point("after_stage")
    return Staged(fmt, uid, staged, rows_read, rows_read, tuple(problems), columns,
                  new_agents=tuple(new_agents), sheet=src.sheet, encoding=src.encoding)


class _BackgroundWriter:
    """Writes Parquet on a second thread (pyarrow releases the GIL), overlapping the next chunk's work."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        # snappy: Parquet's default; about a third faster to write than zstd here, files ~45 % larger
        self._writer = pq.ParquetWriter(path, schema, compression="snappy")
        self._queue: queue.Queue[pa.Table | None] = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="jili-parquet-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (table := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._writer.write_table(table)
                except BaseException as exc:  # re-raised in the importing thread by close()
                    self._error = exc

    def write_table(self, table: pa.Table) -> None:
        self._queue.put(table)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        self._writer.close()
        if self._error is not None:
            raise self._error


def _mask_np(arr: pa.Array) -> np.ndarray:
    return np.asarray(arr.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def _as_source(arr: pa.Array, target: Column) -> pa.Array:
    """Typed columns (Parquet) stay typed where the target takes them as they are; others become text."""
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        return arr
    native = {
        ColumnType.TIMESTAMP: pa.types.is_timestamp, ColumnType.DATE: pa.types.is_date,
        ColumnType.INTEGER: pa.types.is_integer, ColumnType.BOOLEAN: pa.types.is_boolean,
        ColumnType.DECIMAL: lambda t: pa.types.is_integer(t) or pa.types.is_decimal(t),
    }.get(target.type)
    if native is not None and native(arr.type):
        return arr
    return pc.cast(arr, pa.string())


def _source_text(chunk: pa.Table, plan: _Plan, nulls: tuple[str, ...], trim: bool,
                 target: Column) -> pa.Array:
    """The source cells of one column, nulls applied. Untrimmed cells are fine for the other types:
    a padded number or time fails the plain cast and takes the general parser, which trims."""
    rule = plan.rule
    n = chunk.num_rows
    if rule.constant is not None and not plan.indices:
        return pa.array([rule.constant] * n, pa.string())
    all_nulls = nulls + rule.null_values
    columns = [_as_source(chunk.column(f"c{i}").combine_chunks(), target) for i in plan.indices]
    if trim or rule.null_values:
        columns = [clean_text(c, all_nulls) if pa.types.is_string(c.type) else c for c in columns]
    parts = columns
    if len(parts) == 1:
        return parts[0]
    return pc.binary_join_element_wise(*parts, rule.join, null_handling="emit_null")


def _check_agents(agents: pa.Array, rows: np.ndarray, known: frozenset[str], mapping: Mapping,
                  unknown: dict[str, int], new: dict[str, int]) -> None:
    present = pc.is_valid(agents)
    missing = pc.and_(present, pc.invert(pc.is_in(agents, value_set=pa.array(sorted(known), pa.string()))))
    mask = _mask_np(missing)
    if not mask.any():
        return
    names = agents.filter(pa.array(mask)).to_pylist()
    for name, row in zip(names, rows[mask], strict=True):
        target = new if mapping.unknown_agents == "register" else unknown
        target.setdefault(str(name), int(row))


def keys_against(staged: Path, fmt: FactFormat, sheet: str | None, source: Path,
                 batches: tuple[ExistingBatch, ...]) -> tuple[Problem, ...]:
    """Keys of a staged file already in ``batches`` (committed while it was staged)."""
    keys = pq.read_table(staged, columns=[*fmt.natural_key, SOURCE_ROW])

    def locate(row: int) -> Location:
        return Location(source.name, sheet=sheet, row=row) if sheet else Location(source.name, line=row)

    return tuple(p for p in _key_problems(keys, fmt, locate, source.name, batches) if p.is_error)


_DUPLICATES = shape("CREATE TEMP TABLE dup AS SELECT :keys AS k, list(_row ORDER BY _row) AS r, "
                                "min(_row) AS first FROM new_keys GROUP BY k HAVING count(*) > 1")
_CLASHES = shape("WITH new AS (SELECT :keys AS k, _row AS r FROM new_keys), old AS (SELECT :keys AS k, "
                             "_row AS r, filename FROM read_parquet(?, filename = TRUE)) SELECT new.k, new.r, "
                             "old.filename, old.r FROM new JOIN old USING (k) ORDER BY new.r LIMIT 21")


def _key_problems(new_keys: pa.Table, fmt: FactFormat, locate: Callable[[int], Location], file_name: str,
                  existing: tuple[ExistingBatch, ...]) -> list[Problem]:
    """Duplicate natural keys inside the file and against earlier active batches."""
    parts = [exp.Coalesce(this=exp.cast(exp.column(k, quoted=True), "VARCHAR"), expressions=[exp.Literal.string("")])
             for k in fmt.natural_key]
    keys: exp.Expression = parts[0] if len(parts) == 1 else exp.Array(expressions=parts)
    key_names = ", ".join(fmt.natural_key)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    problems: list[Problem] = []
    try:
        con.register("new_keys", new_keys)
        con.execute(render(fill(_DUPLICATES, keys=keys)))
        dups = con.execute("SELECT k, r FROM dup ORDER BY first LIMIT 50").fetchall()
        total = con.execute("SELECT count(*) FROM dup").fetchone()
        for key, rows in dups[:MAX_EXAMPLES]:
            problems.append(Problem(
                Severity.ERROR, "duplicate_key", locate(rows[1]),
                f"Duplicate record: {key_names} = {_key_text(key)} also on row {rows[0]}.",
                f"重复记录：{key_names} = {_key_text(key)} 与第 {rows[0]} 行重复。",
                expected=f"each ({key_names}) once", found=f"rows {', '.join(map(str, rows[:5]))}",
                expected_zh=f"每个（{key_names}）只出现一次", found_zh=f"第 {'、'.join(map(str, rows[:5]))} 行",
                fix="Remove the duplicate rows (Excel: Data → Remove Duplicates) and import again.",
                fix_zh="请删除重复行（Excel：数据 → 删除重复值）后重新导入。"))
        if total and total[0] > MAX_EXAMPLES:
            problems.append(Problem(Severity.ERROR, "duplicate_key", Location(file_name),
                                    f"{total[0] - MAX_EXAMPLES} more duplicated keys.",
                                    f"另有 {total[0] - MAX_EXAMPLES} 个重复键。"))
        if existing and not problems:
            paths = [str(b.path) for b in existing]
            ids = {str(b.path): b for b in existing}
            clash = con.execute(render(fill(_CLASHES, keys=keys)), [paths]).fetchall()
            for key, row, fname, old_row in clash[:MAX_EXAMPLES]:
                old = ids.get(fname)
                where = f"batch {old.batch_id} ({old.source_name} row {old_row})" if old else fname
                where_zh = f"批次 {old.batch_id}（{old.source_name} 第 {old_row} 行）" if old else fname
                problems.append(Problem(
                    Severity.ERROR, "key_in_other_batch", locate(row),
                    f"Record {key_names} = {_key_text(key)} is already imported in {where}.",
                    f"记录 {key_names} = {_key_text(key)} 已在{where_zh}中导入。",
                    fix=f"If this file corrects that batch, import it with --supersede {old.batch_id if old else 'N'}; "
                        "otherwise remove the rows already imported.",
                    fix_zh=f"若本文件是对该批次的更正，请使用 --supersede {old.batch_id if old else 'N'} 导入；"
                           "否则请删除已导入的行。"))
    finally:
        con.close()
    return problems


def _key_text(key: str | list[str]) -> str:
    return key if isinstance(key, str) else " / ".join(key)


def _type_words(col: Column) -> str:
    return {ColumnType.INTEGER: "a whole number", ColumnType.DECIMAL: "a number",
            ColumnType.BOOLEAN: "yes/no", ColumnType.DATE: "a date", ColumnType.TIMESTAMP: "a date and time",
            ColumnType.CHOICE: "one of the allowed codes", ColumnType.TURNS: "a list of turns",
            ColumnType.TEXT: "text"}[col.type]


def _type_words_zh(col: Column) -> str:
    return {ColumnType.INTEGER: "整数", ColumnType.DECIMAL: "数值", ColumnType.BOOLEAN: "是/否",
            ColumnType.DATE: "日期", ColumnType.TIMESTAMP: "日期时间", ColumnType.CHOICE: "允许的代码",
            ColumnType.TURNS: "话轮列表", ColumnType.TEXT: "文本"}[col.type]


def _close_header(header: str, known: list[str]) -> str | None:
    """A known header this one is probably a typo or a local variant of. Chinese headers are short,
    so difflib's ratio undersells them: there, the same first two characters and half the rest do."""
    close = get_close_matches(header, known, n=3, cutoff=0.5)
    if close and get_close_matches(header, close[:1], n=1, cutoff=0.75):
        return close[0]
    if any("\u4e00" <= ch <= "\u9fff" for ch in header[:2]):
        return next((c for c in close if c[:2] == header[:2]), None)
    return None


def _visible(text: str) -> str:
    """A cell as a message can show it: control characters named by their code."""
    return "".join(f"<U+{ord(c):04X}>" if (ord(c) < 32 and c not in "\t\n\r") or ord(c) == 127 else c for c in text)


def _expected(col: Column, formats: tuple[str, ...] = ()) -> tuple[str, str]:
    """What a cell of ``col`` should hold, in English and Chinese."""
    if formats and col.type in (ColumnType.DATE, ColumnType.TIMESTAMP):
        return ("the mapping's format " + " or ".join(f'"{f}"' for f in formats),
                "映射文件中的格式 " + " 或 ".join(f'"{f}"' for f in formats))
    if col.type == ColumnType.CHOICE:
        return (" | ".join(f"{c.code} ({c.label_zh})" for c in col.choices),) * 2
    return {ColumnType.INTEGER: ("a whole number, e.g. 125", "整数，如 125"),
            ColumnType.DECIMAL: ("a number, e.g. 92.5", "数字，如 92.5"),
            ColumnType.BOOLEAN: ("yes/no, 是/否, 1/0", "是/否、1/0"),
            ColumnType.DATE: ("YYYY-MM-DD, e.g. 2025-03-01", "YYYY-MM-DD，如 2025-03-01"),
            ColumnType.TIMESTAMP: ("YYYY-MM-DD HH:MM:SS, optionally +08:00", "YYYY-MM-DD HH:MM:SS，可带 +08:00"),
            ColumnType.TURNS: ('[{"speaker": "agent", "text": "…"}]',) * 2,
            ColumnType.TEXT: ("text without control characters (NUL, bell…)", "不含控制字符（NUL、响铃等）的文字")}[col.type]


# formats a date or time cell may be written in, tried on a cell that could not be read to say which
# one would read it
FORMAT_GUESSES = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d",
                  "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y",
                  "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%Y%m%d%H%M%S", "%Y%m%d",
                  "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日")


def format_that_reads(cell: str) -> str | None:
    """The first common format that reads ``cell`` as a date or time, if any."""
    import datetime as dt

    for fmt in FORMAT_GUESSES:
        try:
            dt.datetime.strptime(cell.strip(), fmt)
        except ValueError:
            continue
        return fmt
    return None


def _fix(col: Column, formats: tuple[str, ...] = (), cell: str = "") -> tuple[str, str]:
    if col.type in (ColumnType.DATE, ColumnType.TIMESTAMP):
        guess = format_that_reads(cell) if cell else None
        if formats and guess is not None and guess not in formats:
            return (f'The cell does not match the mapping\'s format; format: "{guess}" would read it. Correct the cell, '
                    "or change 'format:' in the mapping if the export changed.",
                    f"该单元格与映射文件中的时间格式不符；format: \"{guess}\" 可以读取它。请更正该单元格，"
                    "或在导出格式改变时修改映射中的 format:。")
        if formats:
            return ("The cell does not match the mapping's format: correct the cell in the source and export again.",
                    "该单元格与映射文件中的时间格式不符，请在源系统中更正后重新导出。")
        if guess is not None:
            return (f'Give the export\'s format in a mapping file: format: "{guess}" reads this cell.',
                    f"请在映射文件中给出导出的时间格式：format: \"{guess}\" 可以读取该单元格。")
        return ("Correct the cell, or give the export's format in a mapping file (format: \"%d/%m/%Y %H:%M\").",
                "请更正该单元格，或在映射文件中给出导出的时间格式（format: \"%d/%m/%Y %H:%M\"）。")
    if col.type == ColumnType.CHOICE:
        return ("Use one of the codes, or translate the site's codes in a mapping file (values: {…}).",
                "请使用允许的代码，或在映射文件中用 values: 对照本地代码。")
    return ("Correct the cell in the source and import the file again.", "请更正该单元格后重新导入。")
