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
from jili.io.factstore.engine import POPULATION_COLUMNS, Rows, population_columns
from jili.io.readers.convert import arrow_type
from jili.io.sql import SPARK, render
from jili.io.workspace import EngineSettings

SESSION_CONF = (("spark.sql.session.timeZone", "UTC"), ("spark.ui.enabled", "false"),
                ("spark.sql.shuffle.partitions", "8"))


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
        session = base if settings.remote else base.newSession()  # a run's views are its own
        for key, value in (*SESSION_CONF, *settings.conf):
            if key.startswith("spark.sql."):
                session.conf.set(key, value)
        engine = cls(session)
        engine._facts(batches)
        return engine

    def _facts(self, batches: Mapping[str, Sequence[tuple[int, Path]]]) -> None:
        from pyspark.sql import functions as F

        for fact in FORMATS:
            frame = None
            for batch_id, path in batches.get(fact, ()):
                part = self.session.read.parquet(str(path)).withColumn("_batch_id", F.lit(batch_id).cast("bigint"))
                frame = part if frame is None else frame.unionByName(part, allowMissingColumns=True)
            (self.session.createDataFrame(_empty(fact)) if frame is None else frame).createOrReplaceTempView(fact)

    def rows(self, tree: exp.Expression) -> Rows:
        frame = self.session.sql(render(tree, self.dialect))
        return list(frame.columns), [tuple(row) for row in frame.collect()]

    def use_population(self, population: Sequence[AgentRow]) -> None:
        columns = population_columns(population)
        records = list(zip(*(columns[c] for c in POPULATION_COLUMNS), strict=True))
        schema = ", ".join(f"`{c}` STRING" for c in POPULATION_COLUMNS)
        self.session.createDataFrame(records, schema).createOrReplaceTempView("pop")

    def close(self) -> None:
        for fact in (*FORMATS, "pop"):
            self.session.catalog.dropTempView(fact)
