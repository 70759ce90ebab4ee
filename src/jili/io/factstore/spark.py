"""The Spark engine: the same plans, rendered for Spark, over the same facts.

A run gets its own Spark session (``newSession``: its own temporary views, the process's one
SparkContext), with a view per fact like the DuckDB views: the batches' Parquet files, each with its
``_batch_id``. The session reads time in UTC, as the DuckDB connection does, so that a wall-clock
time in the policy's zone is the same value on both engines.

pyspark is an extra (``pip install 'jili[spark]'``); without it, or without Java where no Spark
Connect address is given, the engine says so as a problem instead of failing."""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlglot import exp

from jili.core.facts import FORMATS
from jili.core.problems import Location, Problem, Severity
from jili.core.roster import AgentRow
from jili.io.factstore.engine import POPULATION_COLUMNS, EngineFailed, Rows, population_columns
from jili.io.readers.convert import arrow_type
from jili.io.sql import SPARK, render
from jili.io.workspace import EngineSettings, LakeTable

SESSION_CONF = (("spark.sql.session.timeZone", "UTC"), ("spark.ui.enabled", "false"),
                ("spark.sql.shuffle.partitions", "8"))


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:500] if str(exc).strip() else type(exc).__name__


def _lake_problem(table: LakeTable, exc: Exception) -> Problem:
    return Problem(Severity.ERROR, "lake_unreadable", Location("jili.toml", column=f"engine.tables.{table.fact}"),
                   f"{table.source} cannot be read: {_first_line(exc)}",
                   f"无法读取 {table.source}：{_first_line(exc)}",
                   fix="Check the table's name (catalog.schema.table) or the path and format, and that this session "
                       "may read it.",
                   fix_zh="请核对表名（目录.库.表）或路径与格式，以及本会话是否有读取权限。")


def _unavailable(en: str, zh: str, fix: str, fix_zh: str) -> Problem:
    return Problem(Severity.ERROR, "engine_unavailable", Location("jili.toml", column="engine.kind"), en, zh,
                   fix=fix, fix_zh=fix_zh)


def _empty(fact: str) -> pa.Table:
    """A fact's columns, as its batches' Parquet holds them, and no rows."""
    columns = {c.name: pa.array([], arrow_type(c)) for c in FORMATS[fact].columns}
    return pa.table({**columns, "_row": pa.array([], pa.int64()), "_batch_id": pa.array([], pa.int64())})


@dataclass
class SparkEngine:
    session: Any  # pyspark.sql.SparkSession (pyspark is optional, so not named in the type)
    dialect: str = SPARK
    unlined: tuple[tuple[str, str], ...] = ()  # (fact, lake table) whose rows name no batch or row

    @classmethod
    def open(cls, settings: EngineSettings, batches: Mapping[str, Sequence[tuple[int, Path]]]) -> SparkEngine | Problem:
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            return _unavailable("The Spark engine needs pyspark, which is not installed.",
                                "Spark 引擎需要 pyspark，当前未安装。",
                                "pip install 'jili[spark]', or set kind = \"duckdb\" under [engine] in jili.toml.",
                                "请执行 pip install 'jili[spark]'，或在 jili.toml 的 [engine] 中设 kind = \"duckdb\"。")
        if not settings.remote and shutil.which("java") is None:
            return _unavailable("The Spark engine runs on Java here, and no java is on the PATH.",
                                "本机运行 Spark 引擎需要 Java，但 PATH 中没有 java。",
                                "Install a Java 17 or 21 runtime (Debian: apt install openjdk-17-jre-headless), or "
                                "give a Spark Connect address: remote = \"sc://host:15002\" under [engine].",
                                "请安装 Java 17 或 21（Debian：apt install openjdk-17-jre-headless），"
                                "或在 [engine] 中填写 Spark Connect 地址 remote = \"sc://主机:15002\"。")
        builder = SparkSession.builder.appName("jili")
        builder = builder.remote(settings.remote) if settings.remote else builder.master(settings.master)
        for key, value in (*SESSION_CONF, *settings.conf):
            builder = builder.config(key, value)
        base = builder.getOrCreate()
        if not settings.remote:
            base.sparkContext.setLogLevel("ERROR")  # the command's output is the run's, not Spark's progress
        session = base if settings.remote else base.newSession()  # a run's views are its own
        for key, value in (*SESSION_CONF, *settings.conf):
            if key.startswith("spark.sql."):
                session.conf.set(key, value)
        engine = cls(session)
        return engine._facts(batches, settings.tables) or engine

    def _facts(self, batches: Mapping[str, Sequence[tuple[int, Path]]], tables: Sequence[LakeTable]) -> Problem | None:
        from pyspark.errors import PySparkException
        from pyspark.sql import functions as F

        lake = {t.fact: t for t in tables}
        unlined = []
        for fact in FORMATS:
            if fact in lake:
                try:
                    read = self._lake(lake[fact])
                except PySparkException as exc:
                    return _lake_problem(lake[fact], exc)
                if isinstance(read, Problem):
                    return read
                frame, lined = read
                frame.createOrReplaceTempView(fact)
                if not lined:
                    unlined.append((fact, lake[fact].source))
                continue
            frame = None
            for batch_id, path in batches.get(fact, ()):
                part = self.session.read.parquet(str(path)).withColumn("_batch_id", F.lit(batch_id).cast("bigint"))
                frame = part if frame is None else frame.unionByName(part, allowMissingColumns=True)
            (self.session.createDataFrame(_empty(fact)) if frame is None else frame).createOrReplaceTempView(fact)
        self.unlined = tuple(unlined)
        return None

    def _lake(self, table: LakeTable) -> tuple[Any, bool] | Problem:
        """The lake's table as the fact's view: its columns renamed and cast to Jili's, a column it lacks as null,
        times stored without a zone read in ``table.timezone``; and whether its rows carry _batch_id and _row."""
        from pyspark.sql import functions as F
        from pyspark.sql.types import TimestampType

        source = (self.session.table(table.table) if table.table
                  else self.session.read.format(table.format).load(table.path))
        have = set(source.columns)
        named = dict(table.columns)
        fmt = FORMATS[table.fact]
        wanted = [*(c.name for c in fmt.columns if c.required or c.name in named), *(n for n in named if n.startswith("_"))]
        missing = sorted({named.get(n, n) for n in wanted if named.get(n, n) not in have})
        if missing:
            return Problem(Severity.ERROR, "lake_columns", Location("jili.toml", column=f"engine.tables.{table.fact}"),
                           f"{table.source} has no column {', '.join(missing)}, which {table.fact} needs.",
                           f"{table.source} 中没有 {table.fact} 所需的列 {'、'.join(missing)}。",
                           expected=", ".join(missing), found=", ".join(sorted(have)),
                           fix=f"Name the table's column under [engine.tables.{table.fact}.columns], e.g. "
                               f"{missing[0]} = \"its_name\".",
                           fix_zh=f"请在 [engine.tables.{table.fact}.columns] 中写出对应的列名，"
                                  f"例如 {missing[0]} = \"表中列名\"。")
        columns = []
        for field in self.session.createDataFrame(_empty(table.fact)).schema.fields:
            theirs = named.get(field.name, field.name)
            if theirs not in have:
                columns.append(F.lit(None).cast(field.dataType).alias(field.name))
                continue
            column = F.col("`" + theirs.replace("`", "``") + "`")  # a name, quoted: never parsed as an expression
            if isinstance(field.dataType, TimestampType) and table.timezone:
                column = F.to_utc_timestamp(column.cast("timestamp_ntz").cast("timestamp"), table.timezone)
            columns.append(column.cast(field.dataType).alias(field.name))
        lined = all(named.get(n, n) in have for n in ("_batch_id", "_row"))
        return source.select(*columns), lined

    def rows(self, tree: exp.Expression) -> Rows:
        from pyspark.errors import PySparkException

        try:
            frame = self.session.sql(render(tree, self.dialect))
            return list(frame.columns), [tuple(row) for row in frame.collect()]
        except PySparkException as exc:  # a lake's value that does not fit its column, a cluster gone away
            raise EngineFailed(Problem(
                Severity.ERROR, "engine_failed", Location("jili.toml", column="engine"),
                f"Spark could not compute the run: {_first_line(exc)}",
                f"Spark 未能完成计算：{_first_line(exc)}",
                fix="Check the lake tables' values and the cluster; the run stored nothing.",
                fix_zh="请检查数据湖表中的值与集群状态；本次计算未保存任何结果。")) from exc

    def use_population(self, population: Sequence[AgentRow]) -> None:
        columns = population_columns(population)
        records = list(zip(*(columns[c] for c in POPULATION_COLUMNS), strict=True))
        schema = ", ".join(f"`{c}` STRING" for c in POPULATION_COLUMNS)
        self.session.createDataFrame(records, schema).createOrReplaceTempView("pop")

    def close(self) -> None:
        for fact in (*FORMATS, "pop"):
            self.session.catalog.dropTempView(fact)
