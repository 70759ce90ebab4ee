"""Vectorised conversion of text columns to the types of a fact format.

Each converter returns the typed array and a mask of the cells that could not be read,
so that the importer can say exactly which rows are wrong, without a Python loop per row.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jili.core.facts import (
    BOOLEAN_FALSE,
    BOOLEAN_TRUE,
    CONTROL_PATTERN,
    DECIMAL_SCALE,
    TURN_SPEAKERS,
    Column,
    ColumnType,
    fold,
)

DECIMAL_TYPE = pa.decimal128(18, DECIMAL_SCALE)
TIMESTAMP_TYPE = pa.timestamp("us", tz="UTC")
TURN_TYPE = pa.struct([("speaker", pa.string()), ("text", pa.string()),
                       ("start_ms", pa.int64()), ("end_ms", pa.int64())])
DEFAULT_NULLS = ("", "null", "NULL", "None", "NaN", "nan", "\\N", "#N/A")

NAIVE_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d",
    "%Y%m%d %H:%M:%S", "%Y%m%d%H%M%S", "%Y%m%d",
    "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H时%M分%S秒", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日",
)
DATE_FORMATS = ("%Y-%m-%d", "%Y%m%d", "%Y年%m月%d日", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")


FIRST_YEAR, LAST_YEAR = 1900, 2999  # the years a call centre's records can be in


def arrow_type(column: Column) -> pa.DataType:
    return {
        ColumnType.TEXT: pa.string(),
        ColumnType.CHOICE: pa.string(),
        ColumnType.INTEGER: pa.int64(),
        ColumnType.DECIMAL: DECIMAL_TYPE,
        ColumnType.BOOLEAN: pa.bool_(),
        ColumnType.DATE: pa.date32(),
        ColumnType.TIMESTAMP: TIMESTAMP_TYPE,
        ColumnType.TURNS: pa.list_(TURN_TYPE),
    }[column.type]


@dataclass(frozen=True, slots=True)
class Converted:
    array: pa.Array
    bad: np.ndarray  # bool mask: cell had a value that could not be read
    naive: int = 0  # timestamps read in the default timezone
    rounded: int = 0  # decimals rounded to DECIMAL_SCALE places
    out_of_range: np.ndarray | None = None


def _mask(arr: pa.Array) -> np.ndarray:
    return np.asarray(arr.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def clean_text(arr: pa.Array, nulls: tuple[str, ...]) -> pa.Array:
    """Strip, and turn the null tokens into nulls."""
    if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
        arr = pc.cast(arr, pa.string())
    arr = pc.utf8_trim_whitespace(arr)
    is_null = pc.is_in(arr, value_set=pa.array(sorted(set(nulls)), pa.string()))
    if not pc.any(is_null).as_py():
        return arr
    return pc.if_else(is_null, pa.scalar(None, pa.string()), arr)


def convert(arr: pa.Array, column: Column, *, tz: str, formats: tuple[str, ...] = (),
            values: dict[str, str] | None = None) -> Converted:
    """Convert a cleaned text array (nulls already applied) to the column's type."""
    kind = column.type
    if kind == ColumnType.TEXT:  # a control character (NUL, bell…) is no part of a name or a note
        return Converted(arr, _mask(pc.match_substring_regex(arr, CONTROL_PATTERN)))
    if kind == ColumnType.CHOICE:
        return _choice(arr, column, values or {})
    if kind == ColumnType.BOOLEAN:
        return _boolean(arr)
    if kind == ColumnType.INTEGER:
        return _integer(arr, column)
    if kind == ColumnType.DECIMAL:
        return _decimal(arr)
    if kind == ColumnType.DATE:
        return _date(arr, formats)
    if kind == ColumnType.TIMESTAMP:
        return _timestamp(arr, tz, formats)
    return _turns(arr)


def _by_dictionary(arr: pa.Array, table: dict[str, Any], out_type: pa.DataType) -> Converted:
    encoded = pc.dictionary_encode(arr)
    words = encoded.dictionary.to_pylist()
    mapped = [table.get(fold(w)) if w is not None else None for w in words]
    lookup = pa.array(mapped, out_type)
    result = lookup.take(encoded.indices)
    bad = _mask(pc.and_(pc.is_valid(arr), pc.is_null(result)))
    return Converted(result, bad)


def _choice(arr: pa.Array, column: Column, values: dict[str, str]) -> Converted:
    table = column.choice_lookup()
    table.update(values)
    return _by_dictionary(arr, table, pa.string())


def _boolean(arr: pa.Array) -> Converted:
    if pa.types.is_boolean(arr.type):
        return Converted(arr, np.zeros(len(arr), bool))
    table: dict[str, bool] = {fold(w): True for w in BOOLEAN_TRUE}
    table.update({fold(w): False for w in BOOLEAN_FALSE})
    return _by_dictionary(arr, table, pa.bool_())


def _try_cast(arr: pa.Array, to: pa.DataType) -> pa.Array | None:
    """A plain cast when every cell reads cleanly (the usual case); None sends it the slow way."""
    try:
        return pc.cast(arr, to)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _integer(arr: pa.Array, column: Column) -> Converted:
    fast = _try_cast(arr, pa.int64())
    if fast is None and not pa.types.is_string(arr.type):
        arr = pc.cast(arr, pa.string())
    if fast is not None:
        out = _mask(pc.less(fast, column.minimum)) if column.minimum is not None else None
        return Converted(fast, np.zeros(len(arr), bool), out_of_range=out)
    arr = clean_text(arr, DEFAULT_NULLS)
    ok = pc.match_substring_regex(arr, r"^[+-]?\d{1,18}(\.0*)?$")
    digits = pc.replace_substring_regex(arr, r"\.0*$", "")
    usable = pc.if_else(ok, digits, pa.scalar(None, pa.string()))
    result = pc.cast(usable, pa.int64())
    bad = _mask(pc.and_(pc.is_valid(arr), pc.invert(ok.fill_null(False))))
    out = None
    if column.minimum is not None:
        out = _mask(pc.less(result, column.minimum))
    return Converted(result, bad, out_of_range=out)


def _decimal(arr: pa.Array) -> Converted:
    fast = _try_cast(arr, DECIMAL_TYPE)
    if fast is None and not pa.types.is_string(arr.type):
        arr = pc.cast(arr, pa.string())
        fast = _try_cast(arr, DECIMAL_TYPE)
    if fast is not None:
        return Converted(fast, np.zeros(len(arr), bool))
    arr = clean_text(arr, DEFAULT_NULLS)
    text = pc.replace_substring(arr, ",", "")
    ok = pc.match_substring_regex(text, r"^[+-]?(\d{1,14}(\.\d{0,10})?|\.\d{1,10})$")
    usable = pc.if_else(ok, text, pa.scalar(None, pa.string()))
    wide = pc.cast(usable, pa.decimal128(28, 10))
    rounded = pc.round(wide, ndigits=DECIMAL_SCALE, round_mode="half_up")
    changed = int(pc.sum(pc.not_equal(wide, rounded).fill_null(False).cast(pa.int64())).as_py() or 0)
    result = pc.cast(rounded, DECIMAL_TYPE)
    bad = _mask(pc.and_(pc.is_valid(arr), pc.invert(ok.fill_null(False))))
    return Converted(result, bad, rounded=changed)


def _unpadded(text: pa.Array) -> pa.Array:
    return pc.replace_substring_regex(text, r"(^|\D)0+(\d)", r"\1\2")


def _strict(parsed: pa.Array, text: pa.Array, fmt: str) -> pa.Array:
    """Arrow's strptime rolls 2025-02-30 over to 2 March and reads year 0: keep a time only when it
    reads back as it was written (leading zeros aside) and its year is from 1900 to 2999."""
    back = pc.strftime(pc.cast(parsed, pa.timestamp("s"), safe=False), format=fmt)
    year = pc.year(parsed)
    ok = pc.and_(pc.equal(_unpadded(back), _unpadded(text)),
                 pc.and_(pc.greater_equal(year, FIRST_YEAR), pc.less_equal(year, LAST_YEAR)))
    return pc.if_else(pc.fill_null(ok, False), parsed, pa.scalar(None, parsed.type))


def _plausible(ts: pa.Array) -> pa.Array:
    """A time whose year is from 1900 to 2999, else nothing (year 0 is a mistake, not 1 BC)."""
    year = pc.year(ts)
    ok = pc.and_(pc.greater_equal(year, FIRST_YEAR), pc.less_equal(year, LAST_YEAR))
    return pc.if_else(pc.fill_null(ok, False), ts, pa.scalar(None, ts.type))


def _parse_naive(text: pa.Array, formats: tuple[str, ...]) -> pa.Array:
    """Try each format on the cells still unparsed; fractional seconds are taken apart."""
    frac = pc.extract_regex(text, r"^(?P<base>.*?\d)(?P<frac>\.\d{1,6})?$")
    base = pc.struct_field(frac, "base")
    micros_text = pc.struct_field(frac, "frac")
    result = pa.nulls(len(text), pa.timestamp("us"))
    for fmt in formats:
        missing = pc.is_null(result)
        if not pc.any(missing).as_py():
            break
        parsed = _strict(pc.strptime(base, format=fmt, unit="us", error_is_null=True), base, fmt)
        result = pc.if_else(missing, parsed, result)
    has_frac = pc.and_(pc.is_valid(micros_text), pc.not_equal(micros_text, ""))
    if pc.any(has_frac).as_py():
        padded = pc.utf8_rpad(pc.utf8_slice_codeunits(micros_text, 1), 6, "0")
        micros = pc.cast(pc.if_else(has_frac, padded, "0"), pa.int64())
        result = pc.add(result, pc.cast(micros, pa.duration("us")))
    return result


def _timestamp(arr: pa.Array, tz: str, formats: tuple[str, ...]) -> Converted:
    """Fast path: the first format, straight; only cells it cannot read take the general parser."""
    if pa.types.is_timestamp(arr.type):
        return _timestamp_general(arr, tz, formats)
    if formats:
        arr = clean_text(arr, DEFAULT_NULLS)
    fast = _try_cast(arr, pa.timestamp("us")) if not formats else None
    if fast is None:
        fmt = (formats or NAIVE_FORMATS)[0]
        fast = _strict(pc.strptime(arr, format=fmt, unit="us", error_is_null=True), arr, fmt)
    else:
        fast = _plausible(fast)
    todo = pc.and_(pc.is_valid(arr), pc.is_null(fast))
    local = pc.cast(pc.assume_timezone(fast, tz, ambiguous="earliest", nonexistent="earliest"), TIMESTAMP_TYPE)
    naive = int(pc.count(fast).as_py())
    if not pc.any(todo).as_py():
        return Converted(local, np.zeros(len(arr), bool), naive=naive)
    mask = _mask(todo)
    slow = _timestamp_general(clean_text(arr.filter(todo), DEFAULT_NULLS), tz, formats)
    bad = np.zeros(len(arr), bool)
    bad[np.flatnonzero(mask)] = slow.bad
    return Converted(pc.replace_with_mask(local, todo, slow.array), bad, naive=naive + slow.naive)


def _timestamp_general(arr: pa.Array, tz: str, formats: tuple[str, ...]) -> Converted:
    if pa.types.is_timestamp(arr.type):
        if arr.type.tz is None:
            local = pc.assume_timezone(pc.cast(arr, pa.timestamp("us")), tz, ambiguous="earliest",
                                       nonexistent="earliest")
            return Converted(pc.cast(local, TIMESTAMP_TYPE), np.zeros(len(arr), bool),
                             naive=int(pc.count(arr).as_py()))
        return Converted(pc.cast(arr, TIMESTAMP_TYPE), np.zeros(len(arr), bool))
    text = pc.replace_substring_regex(arr, r"^(\d{4})/(\d{1,2})/(\d{1,2})", r"\1-\2-\3")
    text = pc.replace_substring_regex(text, r"^(\d{4}-\d{1,2}-\d{1,2})T", r"\1 ")
    parts = pc.extract_regex(text, r"^(?P<body>.*?)(?P<zone>Z|[+-]\d{2}:?\d{2})?$")
    body = pc.struct_field(parts, "body")
    zone = pc.struct_field(parts, "zone")
    aware = pc.and_(pc.is_valid(zone), pc.not_equal(zone, ""))
    naive_ts = _parse_naive(body, formats or NAIVE_FORMATS)
    # offset minutes: +08:00 -> 480; Z -> 0
    zone_clean = pc.replace_substring(pc.if_else(aware, zone, "+00:00"), ":", "")
    zone_clean = pc.if_else(pc.equal(zone_clean, "Z"), "+0000", zone_clean)
    sign = pc.if_else(pc.starts_with(zone_clean, "-"), -1, 1)
    hours = pc.cast(pc.utf8_slice_codeunits(zone_clean, 1, 3), pa.int64())
    minutes = pc.cast(pc.utf8_slice_codeunits(zone_clean, 3, 5), pa.int64())
    offset_us = pc.multiply(pc.multiply(sign, pc.add(pc.multiply(hours, 60), minutes)), 60_000_000)
    # a real offset is at most 14 hours (UTC+14, Kiribati) with minutes under 60: +99:00 is a mistake
    real_zone = pc.and_(pc.less_equal(hours, 14), pc.less(minutes, 60))
    naive_ts = pc.if_else(pc.or_(pc.invert(aware), real_zone), naive_ts, pa.scalar(None, naive_ts.type))
    as_utc = pc.subtract(naive_ts, pc.cast(offset_us, pa.duration("us")))
    local = pc.assume_timezone(naive_ts, tz, ambiguous="earliest", nonexistent="earliest")
    result = pc.if_else(aware, pc.cast(pc.assume_timezone(as_utc, "UTC"), TIMESTAMP_TYPE),
                        pc.cast(local, TIMESTAMP_TYPE))
    bad = _mask(pc.and_(pc.is_valid(arr), pc.is_null(result)))
    naive = int(pc.sum(pc.and_(pc.is_valid(result), pc.invert(aware)).cast(pa.int64())).as_py() or 0)
    return Converted(result, bad, naive=naive)


def _date(arr: pa.Array, formats: tuple[str, ...]) -> Converted:
    if pa.types.is_date(arr.type):
        dates = pc.cast(arr, pa.date32())
        year = pc.year(dates)
        ok = pc.fill_null(pc.and_(pc.greater_equal(year, FIRST_YEAR), pc.less_equal(year, LAST_YEAR)), False)
        result = pc.if_else(ok, dates, pa.scalar(None, pa.date32()))
        return Converted(result, _mask(pc.and_(pc.is_valid(arr), pc.is_null(result))))
    arr = clean_text(arr, DEFAULT_NULLS)
    text = pc.replace_substring_regex(arr, r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})", r"\1-\2-\3")
    parsed = _parse_naive(text, formats or DATE_FORMATS)
    result = pc.cast(parsed, pa.date32())
    bad = _mask(pc.and_(pc.is_valid(arr), pc.is_null(result)))
    return Converted(result, bad)


def _turns(arr: pa.Array) -> Converted:
    values = arr.to_pylist()
    out: list[list[dict[str, Any]] | None] = []
    bad = np.zeros(len(values), bool)
    for i, text in enumerate(values):
        if text is None:
            out.append(None)
            continue
        try:
            turns = json.loads(text)
            out.append([_turn(t) for t in turns])
        except (ValueError, TypeError, KeyError):
            out.append(None)
            bad[i] = True
    return Converted(pa.array(out, pa.list_(TURN_TYPE)), bad)


def _turn(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise TypeError("turn is not an object")
    speaker = str(raw["speaker"]).strip().lower()
    speaker = {"坐席": "agent", "客服": "agent", "客户": "customer", "用户": "customer",
               "helpdesk": "agent", "waiter": "agent", "系统": "system"}.get(speaker, speaker)
    if speaker not in TURN_SPEAKERS:
        raise ValueError(speaker)
    start, end = raw.get("start_ms"), raw.get("end_ms")
    return {"speaker": speaker, "text": str(raw.get("text", "")),
            "start_ms": None if start is None else int(start),
            "end_ms": None if end is None else int(end)}


def today_in(tz: str, now: dt.datetime) -> dt.date:
    from zoneinfo import ZoneInfo

    return now.astimezone(ZoneInfo(tz)).date()
