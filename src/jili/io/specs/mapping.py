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
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from jili.core.facts import FORMATS, FactFormat, fold
from jili.core.problems import Problem, Severity
from jili.io.specs.yamlfile import YamlDocument, load_yaml


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


class _ColumnSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    from_: str | list[str] | None = Field(default=None, alias="from")
    join: str = " "
    format: str | list[str] | None = None
    values: dict[str, str] = {}
    null_values: list[str] = []
    next_day_after: str | None = None
    constant: str | int | float | bool | None = None


class _MappingSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format: str
    timezone: str | None = None
    delimiter: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    header_row: int | None = Field(default=None, ge=1)
    null_values: list[str] = []
    unknown_agents: Literal["reject", "register"] = "reject"
    columns: dict[str, str | _ColumnSpec] = {}
    ignore: list[str] = []
    description: str | None = None

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        if value not in FORMATS:
            raise ValueError(f"unknown fact format {value!r}; known: {', '.join(FORMATS)}")
        return value


def load_mapping(path: Path) -> tuple[Mapping | None, list[Problem]]:
    doc, problems = load_yaml(path)
    if doc is None:
        return None, problems
    if not isinstance(doc.data, dict):
        return None, [Problem(Severity.ERROR, "bad_mapping", doc.location(),
                              "A mapping file must be a YAML mapping with 'format' and 'columns'.",
                              "映射文件须为包含 format 与 columns 的 YAML 映射。")]
    try:
        spec = _MappingSpec.model_validate(dict(doc.data))
    except ValidationError as exc:
        return None, [_pydantic_problem(doc, err) for err in exc.errors()]
    return _build(spec, doc, path)


def _pydantic_problem(doc: YamlDocument, err: Any) -> Problem:
    keys = tuple(k for k in err["loc"] if isinstance(k, str | int) and k not in ("str", "_ColumnSpec"))
    where = ".".join(str(k) for k in keys)
    return Problem(Severity.ERROR, "bad_mapping", doc.location(keys),
                   f"Mapping field '{where}': {err['msg']}.", f"映射字段 '{where}'：{err['msg']}。",
                   found=repr(err.get("input"))[:80],
                   fix="See docs/data-formats.md, section 'Mapping files'.",
                   fix_zh="参见 docs/data-formats.md 的“映射文件”一节。")


def _build(spec: _MappingSpec, doc: YamlDocument, path: Path) -> tuple[Mapping | None, list[Problem]]:
    fmt = FORMATS[spec.format]
    problems: list[Problem] = []
    if spec.timezone is not None:
        try:
            ZoneInfo(spec.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(Problem(Severity.ERROR, "bad_timezone", doc.location(("timezone",)),
                                    f"Unknown timezone {spec.timezone!r}.", f"未知时区 {spec.timezone!r}。",
                                    expected="an IANA name such as Asia/Shanghai",
                                    fix="Use an IANA timezone name.", fix_zh="请使用 IANA 时区名，如 Asia/Shanghai。"))
    rules: dict[str, ColumnRule] = {}
    known = set(fmt.column_names)
    for target, raw in spec.columns.items():
        if target not in known:
            from difflib import get_close_matches

            guess = get_close_matches(target, sorted(known), n=1)
            hint = f" Did you mean '{guess[0]}'?" if guess else ""
            problems.append(Problem(
                Severity.ERROR, "unknown_target_column", doc.location(("columns", target)),
                f"'{target}' is not a column of the {fmt.name} format.{hint}",
                f"'{target}' 不是 {fmt.name} 格式的列。" + (f"是否应为 '{guess[0]}'？" if guess else ""),
                expected=", ".join(fmt.column_names), found=target,
                fix="Use a column name from docs/data-formats.md.", fix_zh="请使用 docs/data-formats.md 中的列名。"))
            continue
        if isinstance(raw, str):
            rules[target] = ColumnRule(sources=(raw,))
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
        null_values=tuple(spec.null_values), unknown_agents=spec.unknown_agents,
        source=str(path), digest=digest,
    ), []
