"""Read the facts: one DuckDB view per fact format over its active batches."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb

from jili.core.facts import FORMATS
from jili.io.convert import arrow_type

BATCH_ID = "_batch_id"


def _empty_select(fact: str) -> str:
    cols = []
    for col in FORMATS[fact].columns:
        sql_type = {"string": "VARCHAR", "int64": "BIGINT", "bool": "BOOLEAN", "date32[day]": "DATE",
                    "timestamp[us, tz=UTC]": "TIMESTAMPTZ"}.get(str(arrow_type(col)), "VARCHAR")
        if str(arrow_type(col)).startswith("decimal"):
            sql_type = "DECIMAL(18,4)"
        cols.append(f'CAST(NULL AS {sql_type}) AS "{col.name}"')
    return f"SELECT {', '.join(cols)}, CAST(NULL AS BIGINT) AS _row, CAST(NULL AS BIGINT) AS {BATCH_ID} WHERE false"


def connect(batches: Mapping[str, Sequence[tuple[int, Path]]]) -> duckdb.DuckDBPyConnection:
    """A connection with a view per fact (``interactions``, ``evaluations``…).

    ``batches`` maps a fact name to its active batches as (batch id, Parquet path); each
    view adds ``_batch_id`` so any figure can be traced to its batch and ``_row``.
    """
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")  # stdout belongs to the command (--json)
    con.execute("SET TimeZone = 'UTC'")
    for fact in FORMATS:
        files = list(batches.get(fact, ()))
        if not files:
            con.execute(f"CREATE VIEW {fact} AS {_empty_select(fact)}")
            continue
        parts = " UNION ALL ".join(
            f"SELECT *, CAST({bid} AS BIGINT) AS {BATCH_ID} FROM read_parquet('{_quote(path)}')"
            for bid, path in files)
        con.execute(f"CREATE VIEW {fact} AS {parts}")
    return con


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")
