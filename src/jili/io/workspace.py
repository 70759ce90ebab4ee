"""The workspace: a folder with a config file, policies, fact batches and the database."""

from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jili.core.facts import FORMATS
from jili.core.problems import Location, Problem, Severity

CONFIG_NAME = "jili.toml"
TEMPLATES = Path(__file__).resolve().parents[1] / "templates"  # shipped policies, scorecards, rule packs
DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_DIR = "jili-workspace"


@dataclass(frozen=True, slots=True)
class AppealSettings:
    """R12 as this centre runs it (the ``[appeals]`` section of jili.toml)."""

    window_days: int = 5  # working days from notice in which an agent may appeal
    review_days: int = 15  # working days from filing in which the review is finished
    leader_first: bool = True  # the team leader reviews first; False: straight to the QA manager


class EngineKind(StrEnum):
    DUCKDB = "duckdb"
    SPARK = "spark"


LAKE_FORMATS = ("parquet", "orc", "delta", "json")


@dataclass(frozen=True, slots=True)
class LakeTable:
    """A fact the Spark engine reads where the centre's data lake keeps it, not from imported batches
    (``[engine.tables.<fact>]`` in jili.toml)."""

    fact: str
    table: str = ""  # a table the Spark session's catalog knows: lake.cc_calls
    path: str = ""  # or files: s3a://bucket/calls/, hdfs:///…, /mnt/lake/calls
    format: str = "parquet"  # of the files at path: parquet, orc, delta, json
    columns: tuple[tuple[str, str], ...] = ()  # (Jili's column, the table's column); a column not named: same name
    timezone: str = ""  # the zone of times stored without one (empty: they are instants already)

    @property
    def source(self) -> str:
        return self.table or self.path


@dataclass(frozen=True, slots=True)
class EngineSettings:
    """Where policy runs compute their metrics (the ``[engine]`` section of jili.toml)."""

    kind: EngineKind = EngineKind.DUCKDB  # duckdb: embedded, over the workspace's Parquet; spark: a Spark session
    master: str = "local[2]"  # Spark's master when no remote is given: local[N], spark://host:7077, yarn, k8s://…
    remote: str = ""  # Spark Connect, sc://host:15002: Jili then needs no Java
    conf: tuple[tuple[str, str], ...] = ()  # [engine.spark_conf]: settings passed to the session as they are
    tables: tuple[LakeTable, ...] = ()  # [engine.tables.<fact>]: facts the Spark engine reads from the lake


@dataclass(frozen=True, slots=True)
class Workspace:
    root: Path
    name: str = "Jili"
    timezone: str = DEFAULT_TIMEZONE
    database_url: str | None = None  # None: the embedded SQLite file
    language: str = "zh-hans"
    appeals: AppealSettings = field(default_factory=lambda: AppealSettings())
    engine: EngineSettings = field(default_factory=lambda: EngineSettings())
    problems: tuple[Problem, ...] = ()  # settings in jili.toml that could not be read (their defaults are used)

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def facts_dir(self) -> Path:
        return self.root / "facts"

    @property
    def staging_dir(self) -> Path:
        return self.facts_dir / ".staging"

    @property
    def policies_dir(self) -> Path:
        return self.root / "policies"

    @property
    def scorecards_dir(self) -> Path:
        return self.root / "scorecards"

    @property
    def sqlite_path(self) -> Path:
        return self.root / "jili.sqlite3"

    @property
    def effective_database_url(self) -> str:
        return os.environ.get("DATABASE_URL") or self.database_url or f"sqlite:///{self.sqlite_path}"

    @property
    def secret_key_path(self) -> Path:
        return self.root / "secret_key"

    def secret_key(self) -> str:
        """The site's signing key: made once per workspace, kept beside the config, readable by its owner only."""
        path = self.secret_key_path
        if not path.exists():
            import secrets

            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(secrets.token_urlsafe(50))
        return path.read_text(encoding="utf-8").strip()

    def batch_path(self, fact: str, uid: str) -> Path:
        return self.facts_dir / fact / f"{uid}.parquet"


def default_root() -> Path:
    return Path(os.environ.get("JILI_HOME") or DEFAULT_DIR)


def load_workspace(root: Path) -> Workspace | None:
    """The workspace at ``root``, or None when there is none (no jili.toml)."""
    path = root / CONFIG_NAME
    if not path.exists():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        at = re.search(r"line (\d+)", str(exc))
        line = int(at.group(1)) if at else None
        return Workspace(root=root.resolve(), problems=(Problem(
            Severity.ERROR, "bad_config", Location(str(path), line=line),
            f"{CONFIG_NAME} cannot be read: {exc}.",
            f"{CONFIG_NAME}{f' 第 {line} 行' if line else ''}无法读取：不是有效的 TOML。",
            fix="Quote text values (\"...\"), write numbers as digits, and true/false in lower case.",
            fix_zh="文字值请加引号（\"...\"），数字用阿拉伯数字，true/false 用小写。"),))
    section = data.get("workspace", {})
    appeals, problems = _appeal_settings(data.get("appeals", {}), path)
    engine, engine_problems = engine_settings(data.get("engine", {}), path)
    return Workspace(
        root=root.resolve(),
        name=str(section.get("name", "Jili")),
        timezone=str(section.get("timezone", DEFAULT_TIMEZONE)),
        database_url=section.get("database_url") or None,
        language=str(section.get("language", "zh-hans")),
        appeals=appeals,
        engine=engine,
        problems=(*problems, *engine_problems),
    )


def _appeal_settings(section: object, path: Path) -> tuple[AppealSettings, list[Problem]]:
    defaults = AppealSettings()
    problems: list[Problem] = []
    if not isinstance(section, dict):
        section = {}

    def days(key: str, default: int) -> int:
        value = section.get(key, default)
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 60:
            return value
        problems.append(Problem(Severity.ERROR, "bad_setting", Location(str(path), column=f"appeals.{key}"),
                                f"appeals.{key} must be a whole number of working days from 1 to 60.",
                                f"appeals.{key} 须为 1 到 60 之间的整数（工作日）。", expected="1 … 60", found=str(value),
                                fix=f"Write e.g. {key} = {default}.", fix_zh=f"例如：{key} = {default}"))
        return default

    leader = section.get("leader_first", defaults.leader_first)
    if not isinstance(leader, bool):
        problems.append(Problem(Severity.ERROR, "bad_setting", Location(str(path), column="appeals.leader_first"),
                                "appeals.leader_first must be true or false.", "appeals.leader_first 须为 true 或 false。",
                                expected="true / false", found=str(leader)))
        leader = defaults.leader_first
    return AppealSettings(days("window_days", defaults.window_days), days("review_days", defaults.review_days),
                          leader), problems


def engine_settings(section: object, path: Path) -> tuple[EngineSettings, list[Problem]]:
    """The ``[engine]`` section; a bad value is named with its key and the default is used."""
    problems: list[Problem] = []
    if not isinstance(section, dict):
        section = {}
    defaults = EngineSettings()

    def text(key: str, default: str) -> str:
        value = section.get(key, default)
        if isinstance(value, str):
            return value.strip()
        problems.append(Problem(Severity.ERROR, "bad_setting", Location(str(path), column=f"engine.{key}"),
                                f"engine.{key} must be text in quotes.", f"engine.{key} 须为带引号的文字。",
                                expected="\"…\"", found=str(value)))
        return default

    kind = text("kind", defaults.kind)
    engines = [e.value for e in EngineKind]
    if kind not in engines:
        problems.append(Problem(Severity.ERROR, "bad_setting", Location(str(path), column="engine.kind"),
                                f"engine.kind must be one of {', '.join(engines)}.",
                                f"engine.kind 须为 {'、'.join(engines)} 之一。", expected=" / ".join(engines), found=kind,
                                fix='Write kind = "duckdb" (embedded) or kind = "spark".',
                                fix_zh='请写 kind = "duckdb"（内置）或 kind = "spark"。'))
        kind = defaults.kind
    remote = text("remote", defaults.remote)
    if remote and not remote.startswith("sc://"):
        problems.append(Problem(Severity.ERROR, "bad_setting", Location(str(path), column="engine.remote"),
                                "engine.remote is a Spark Connect address, sc://host:port.",
                                "engine.remote 须为 Spark Connect 地址，形如 sc://主机:端口。",
                                expected="sc://host:15002", found=remote))
        remote = defaults.remote
    conf = section.get("spark_conf", {})
    pairs: list[tuple[str, str]] = []
    if isinstance(conf, dict):
        pairs = sorted((str(k), str(v).lower() if isinstance(v, bool) else str(v)) for k, v in conf.items())
    tables, table_problems = _lake_tables(section.get("tables", {}), path)
    return (EngineSettings(EngineKind(kind), text("master", defaults.master), remote, tuple(pairs), tables),
            [*problems, *table_problems])


def _lake_tables(section: object, path: Path) -> tuple[tuple[LakeTable, ...], list[Problem]]:
    """``[engine.tables.<fact>]``: each a table or a path, with Jili's columns named to the table's."""
    problems: list[Problem] = []
    if not isinstance(section, dict):
        return (), problems

    def bad(key: str, en: str, zh: str, expected: str, found: object, fix: str = "", fix_zh: str = "") -> None:
        problems.append(Problem(Severity.ERROR, "bad_setting", Location(str(path), column=f"engine.tables.{key}"),
                                en, zh, expected=expected, found=str(found), fix=fix, fix_zh=fix_zh))

    out = []
    for fact, spec in section.items():
        if fact not in FORMATS or not isinstance(spec, dict):
            bad(fact, f"engine.tables.{fact}: there is no fact called {fact}.", f"engine.tables.{fact}：没有名为 {fact} 的事实。",
                ", ".join(FORMATS), fact, "Name the section after a fact format: [engine.tables.interactions].",
                "请以事实格式命名该节，例如 [engine.tables.interactions]。")
            continue
        table, where, fmt, zone = (str(spec.get(k, d)).strip() for k, d in
                                   (("table", ""), ("path", ""), ("format", "parquet"), ("timezone", "")))
        if bool(table) == bool(where):
            bad(f"{fact}", f"engine.tables.{fact} needs exactly one of table (a catalog table) or path (files).",
                f"engine.tables.{fact} 须且只须填写 table（目录中的表）或 path（文件路径）之一。",
                'table = "lake.cc_calls" or path = "s3a://bucket/calls/"', f"table={table!s} path={where!s}")
            continue
        if fmt not in LAKE_FORMATS:
            bad(f"{fact}.format", f"engine.tables.{fact}.format must be one of {', '.join(LAKE_FORMATS)}.",
                f"engine.tables.{fact}.format 须为 {'、'.join(LAKE_FORMATS)} 之一。", " / ".join(LAKE_FORMATS), fmt)
            continue
        if zone:
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError):
                bad(f"{fact}.timezone", f"engine.tables.{fact}.timezone: unknown time zone.",
                    f"engine.tables.{fact}.timezone：未知时区。", "Asia/Shanghai", zone)
                continue
        named = spec.get("columns", {})
        known = set(FORMATS[fact].column_names) | {"_batch_id", "_row"}
        pairs, before = [], len(problems)
        for jili, theirs in (named.items() if isinstance(named, dict) else ()):
            if jili not in known or not isinstance(theirs, str) or not theirs:
                bad(f"{fact}.columns.{jili}", f"engine.tables.{fact}.columns: {jili} is not a column of {fact}, "
                    "or the table's column is not named.",
                    f"engine.tables.{fact}.columns：{jili} 不是 {fact} 的列，或未写出表中的列名。",
                    ", ".join(sorted(known)), jili)
                continue
            pairs.append((jili, theirs))
        if len(problems) == before:  # a table with a column it cannot name is not read at all
            out.append(LakeTable(fact, table, where, fmt, tuple(sorted(pairs)), zone))
    return tuple(out), problems


def _toml(text: str) -> str:
    """A TOML basic string: JSON's escapes are a subset of TOML's, so a name with quotes,
    backslashes or line breaks stays one value and cannot add keys to the file."""
    return json.dumps(text, ensure_ascii=False)


def write_config(ws: Workspace) -> None:
    lines = [
        "# Jili workspace / 激励工作区",
        "[workspace]",
        f"name = {_toml(ws.name)}",
        "# Timestamps without a timezone are read in this zone / 无时区的时间按此时区读取",
        f"timezone = {_toml(ws.timezone)}",
        "# Empty: the embedded SQLite file jili.sqlite3. Or postgresql://user@host:5432/db",
        "# 为空时使用内置 SQLite；也可填 PostgreSQL 连接串。环境变量 DATABASE_URL 优先。",
        f"database_url = {_toml(ws.database_url or '')}",
        f"language = {_toml(ws.language)}",
        "",
        "[appeals]",
        "# R12: an agent appeals within window_days working days of notice; the review ends within review_days",
        "# 申诉期（通知后工作日数）与审核期（提交后工作日数）；leader_first = false 时直接由质检主管审核",
        f"window_days = {ws.appeals.window_days}",
        f"review_days = {ws.appeals.review_days}",
        f"leader_first = {'true' if ws.appeals.leader_first else 'false'}",
        "",
        "[engine]",
        "# Where policy runs compute: duckdb (embedded) or spark (pip install 'jili[spark]'; docs/engines.md)",
        "# 策略计算引擎：duckdb（内置）或 spark（需安装 jili[spark]，见 docs/engines.md）",
        f"kind = {_toml(ws.engine.kind)}",
        f"master = {_toml(ws.engine.master)}",
        f"remote = {_toml(ws.engine.remote)}",
        *(["[engine.spark_conf]"] + [f"{_toml(k)} = {_toml(v)}" for k, v in ws.engine.conf] if ws.engine.conf else []),
        "",
    ]
    ws.config_path.write_text("\n".join(lines), encoding="utf-8")


def create_layout(ws: Workspace) -> None:
    ws.root.mkdir(parents=True, exist_ok=True)
    ws.policies_dir.mkdir(exist_ok=True)
    ws.facts_dir.mkdir(exist_ok=True)
    ws.staging_dir.mkdir(exist_ok=True)
    if not ws.config_path.exists():
        write_config(ws)
    ws.secret_key()
