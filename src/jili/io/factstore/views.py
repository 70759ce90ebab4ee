"""Read the facts: one DuckDB view per fact format over its active batches; the DuckDB engine over them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
from sqlglot import exp

from jili.core.facts import FORMATS, Column
from jili.core.periods import Period
from jili.core.roster import AgentRow
from jili.core.sqltree import fill, name, shape, tree
from jili.io.factstore.engine import Rows, population_columns
from jili.io.readers.convert import arrow_type
from jili.io.sql import DUCKDB, render

BATCH_ID = "_batch_id"


_BATCH = shape("SELECT *, CAST(:batch AS BIGINT) AS _batch_id FROM read_parquet(:path)")
_EMPTY = shape("SELECT CAST(NULL AS BIGINT) AS _row, CAST(NULL AS BIGINT) AS _batch_id WHERE FALSE")


def _sql_type(col: Column) -> str:
    arrow = str(arrow_type(col))
    if arrow.startswith("decimal"):
        return "DECIMAL(18,4)"
    return {"string": "VARCHAR", "int64": "BIGINT", "bool": "BOOLEAN", "date32[day]": "DATE",
            "timestamp[us, tz=UTC]": "TIMESTAMPTZ"}.get(arrow, "VARCHAR")


def _empty_select(fact: str) -> exp.Expression:
    """The fact's columns and no rows: a view a policy can read before anything is imported."""
    tree = _EMPTY.copy()
    assert isinstance(tree, exp.Select)
    columns = [exp.alias_(exp.cast(exp.null(), _sql_type(col)), name(col.name))
               for col in FORMATS[fact].columns]
    tree.set("expressions", [*columns, *tree.expressions])
    return tree


def _batches_select(files: Sequence[tuple[int, Path]]) -> exp.Expression:
    parts = [fill(_BATCH, batch=exp.Literal.number(bid), path=exp.Literal.string(str(path))) for bid, path in files]
    query = parts[0]
    for part in parts[1:]:
        query = tree(exp.union(query, part, distinct=False))
    return query


def period_parameters(period: Period, tz: str) -> dict[str, object]:
    """A period as a query's parameters ($tz, $lo, $hi): the zone, and its first and first-after local instants."""
    return {"tz": tz, "lo": dt.datetime.combine(period.start, dt.time()), "hi": dt.datetime.combine(period.end, dt.time())}


def connect(batches: Mapping[str, Sequence[tuple[int, Path]]], readable: Sequence[Path] = ()) -> duckdb.DuckDBPyConnection:
    """A connection with a view per fact (``interactions``, ``evaluations``…), sandboxed.

    ``batches`` maps a fact name to its active batches as (batch id, Parquet path); each view
    adds ``_batch_id`` so any figure can be traced to its batch and ``_row``. The connection may
    open those files (and ``readable``) and nothing else: no other file, no extension, no
    attached database, no network, and its configuration is locked, so that even SQL a policy
    should never have been able to write cannot read or write outside the workspace's facts.
    """
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")  # stdout belongs to the command (--json)
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    paths = [str(path) for files in batches.values() for _, path in files] + [str(p) for p in readable]
    con.execute("SET allowed_paths = $paths", {"paths": paths})
    con.execute("SET enable_external_access = false")
    for fact in FORMATS:
        files = list(batches.get(fact, ()))
        query = _batches_select(files) if files else _empty_select(fact)
        view = exp.Create(this=exp.Table(this=name(fact)), kind="VIEW", expression=query)
        con.execute(render(view))
    con.execute("SET lock_configuration = true")
    return con


@dataclass
class DuckDBEngine:
    """The embedded engine (``jili.io.factstore.engine``) over a sandboxed connection (``connect``)."""

    con: duckdb.DuckDBPyConnection
    dialect: str = DUCKDB
    unlined: tuple[tuple[str, str], ...] = ()  # every batch names its rows

    def rows(self, tree: exp.Expression) -> Rows:
        cur = self.con.execute(render(tree, self.dialect))
        return [d[0] for d in cur.description], cur.fetchall()

    def use_population(self, population: Sequence[AgentRow]) -> None:
        self.con.execute("CREATE OR REPLACE TEMP TABLE pop "
                         "(agent_id VARCHAR, team VARCHAR, department VARCHAR, site VARCHAR)")
        if population:
            self.con.register("pop_rows", pa.table(population_columns(population)))
            self.con.execute("INSERT INTO pop SELECT * FROM pop_rows")
            self.con.unregister("pop_rows")

    def close(self) -> None:
        self.con.close()
