"""Mapping files: adapt a site's own export (headers, time formats, codes) to a fact format.

A mapping is YAML::

    format: interactions
    timezone: Asia/Jerusalem
    delimiter: "\\t"
    unknown_agents: register
    columns:
      interaction_id: {from: [vru+line, call_id], join: "-"}
      offered_at: {from: [date, vru_entry], format: "%y%m%d %H:%M:%S"}
      outcome: {from: outcome, values: {AGENT: answered, HANG: abandoned}}
    ignore: [priority]

Columns not named fall back to the built-in header aliases (工号, 通话时长…).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field

from jili.core.facts import FORMATS, FactFormat, fold
from jili.core.problems import Problem, Severity, suggest
from jili.io.specs.shapes import Shape, Table, Text, check, whole
from jili.io.specs.yamlfile import SpecKind, YamlDocument, load_yaml_mapping


@dataclass(frozen=True, slots=True)
class ColumnRule:
    """How one target column is made from the source."""

    sources: tuple[str, ...]  # source headers, joined with ``join`` when several
    join: str = " "
    formats: tuple[str, ...] = ()  # strptime formats for dates and timestamps
    values: tuple[tuple[str, str], ...] = ()  # source code -> canonical code
    null_values: tuple[str, ...] = ()
    next_day_after: str | None = None  # a timestamp earlier than this column moves a day on
    constant: str | None = None


@dataclass(frozen=True, slots=True)
class Mapping:
    format: FactFormat
    columns: dict[str, ColumnRule] = field(default_factory=dict)
    ignore: tuple[str, ...] = ()
    timezone: str | None = None
    delimiter: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    header_row: int | None = None
    null_values: tuple[str, ...] = ()
    unknown_agents: Literal["reject", "register"] = "reject"
    source: str = ""
    digest: str = ""

    @staticmethod
    def plain(fmt: FactFormat) -> Mapping:
        return Mapping(format=fmt)


class _ColumnSpec(Shape):
    from_: Text | list[Text] | None = Field(default=None, alias="from")
    join: str = " "
    format: Text | list[Text] | None = None
    values: dict[Text, Text] = {}
    null_values: list[Text] = []
    next_day_after: Text | None = None
    constant: Text | bool | None = None


class _MappingSpec(Shape):
    format: Text
    timezone: Text | None = None
    delimiter: str | None = None
    encoding: Text | None = None
    sheet: Text | None = None
    header_row: Annotated[int, whole(1, 1_000_000)] | None = None
    null_values: list[Text] = []
    unknown_agents: Text = "reject"
    columns: Table = {}
    ignore: list[Text] = []
    description: Any = None


MAPPING_FILE = SpecKind("bad_mapping", "mapping", "映射",
                        "A mapping file has 'format' and 'columns': see docs/data-formats.md.",
                        "映射文件须含 format 与 columns：参见 docs/data-formats.md。")


def load_mapping(path: Path) -> tuple[Mapping | None, list[Problem]]:
    doc, problems = load_yaml_mapping(path, MAPPING_FILE)
    if doc is None:
        return None, problems
    spec = check(doc, _MappingSpec, doc.data, (), problems)
    if spec is None:
        return None, problems
    return _build(spec, doc, path)


def _build(spec: _MappingSpec, doc: YamlDocument, path: Path) -> tuple[Mapping | None, list[Problem]]:
    problems: list[Problem] = []
    if spec.format not in FORMATS:
        en, zh = suggest(spec.format, FORMATS)
        return None, [Problem(Severity.ERROR, "bad_mapping", doc.location(("format",)),
                              f"Mapping field 'format': unknown fact format '{spec.format}'.{en}",
                              f"映射字段 format：未知数据格式 '{spec.format}'。{zh}",
                              expected=", ".join(FORMATS), found=spec.format)]
    if spec.unknown_agents not in ("reject", "register"):
        problems.append(Problem(Severity.ERROR, "bad_mapping", doc.location(("unknown_agents",)),
                                f"unknown_agents: '{spec.unknown_agents}' — use reject or register.",
                                "unknown_agents 只能是 reject 或 register。"))
    fmt = FORMATS[spec.format]
    if spec.timezone is not None:
        try:
            ZoneInfo(spec.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(Problem(Severity.ERROR, "bad_timezone", doc.location(("timezone",)),
                                    f"Unknown timezone {spec.timezone!r}.", f"未知时区 {spec.timezone!r}。",
                                    expected="an IANA name such as Asia/Shanghai",
                                    expected_zh="IANA 时区名，如 Asia/Shanghai",
                                    fix="Use an IANA timezone name.", fix_zh="请使用 IANA 时区名，如 Asia/Shanghai。"))
    rules: dict[str, ColumnRule] = {}
    known = set(fmt.column_names)
    for target, raw in spec.columns.items():
        if target not in known:
            en, zh = suggest(str(target), sorted(known))
            problems.append(Problem(
                Severity.ERROR, "unknown_target_column", doc.location(("columns", target)),
                f"'{target}' is not a column of the {fmt.name} format.{en}",
                f"'{target}' 不是 {fmt.name} 格式的列。{zh}",
                expected=", ".join(fmt.column_names), found=target,
                fix="Use a column name from docs/data-formats.md.", fix_zh="请使用 docs/data-formats.md 中的列名。"))
            continue
        if isinstance(raw, str | int | float) and not isinstance(raw, bool):
            rules[target] = ColumnRule(sources=(str(raw),))
            continue
        raw = check(doc, _ColumnSpec, raw, ("columns", target), problems)
        if raw is None:
            continue
        sources = (raw.from_,) if isinstance(raw.from_, str) else tuple(raw.from_ or ())
        if not sources and raw.constant is None:
            problems.append(Problem(Severity.ERROR, "bad_mapping", doc.location(("columns", target)),
                                    f"Column '{target}' needs 'from' or 'constant'.",
                                    f"列 '{target}' 须指定 from 或 constant。"))
            continue
        formats = (raw.format,) if isinstance(raw.format, str) else tuple(raw.format or ())
        if raw.next_day_after is not None and raw.next_day_after not in known:
            problems.append(Problem(Severity.ERROR, "bad_mapping",
                                    doc.location(("columns", target, "next_day_after")),
                                    f"next_day_after names unknown column '{raw.next_day_after}'.",
                                    f"next_day_after 指向未知列 '{raw.next_day_after}'。"))
        rules[target] = ColumnRule(
            sources=sources, join=raw.join, formats=formats,
            values=tuple((fold(k), v) for k, v in raw.values.items()),
            null_values=tuple(raw.null_values), next_day_after=raw.next_day_after,
            constant=None if raw.constant is None else str(raw.constant),
        )
    if problems:
        return None, problems
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    delimiter = spec.delimiter.encode().decode("unicode_escape") if spec.delimiter else None
    return Mapping(
        format=fmt, columns=rules, ignore=tuple(spec.ignore), timezone=spec.timezone,
        delimiter=delimiter, encoding=spec.encoding, sheet=spec.sheet, header_row=spec.header_row,
        null_values=tuple(spec.null_values), unknown_agents="register" if spec.unknown_agents == "register" else "reject",
        source=str(path), digest=digest,
    ), []
