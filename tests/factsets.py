"""Small fact sets for worked examples: rows in, the DuckDB engine over real Parquet files out."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq

from jili.core.facts import FORMATS
from jili.core.roster import AgentRow
from jili.io.factstore.views import DuckDBEngine, connect
from jili.io.readers.convert import arrow_type
from jili.pipeline.sources import FactBatch, batches_by_fact

SH = ZoneInfo("Asia/Shanghai")


def at(day: str, time: str = "10:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day} {time}").replace(tzinfo=SH).astimezone(dt.UTC)


def facts(tmp: Path, **tables: list[dict[str, Any]]) -> DuckDBEngine:
    return DuckDBEngine(connect(batches_by_fact(fact_batches(tmp, **tables))))


def fact_batches(tmp: Path, **tables: list[dict[str, Any]]) -> tuple[FactBatch, ...]:
    """Each table as one batch of real Parquet (for the pipeline's sources)."""
    out = []
    for i, (fact, rows) in enumerate(tables.items(), start=1):
        fmt = FORMATS[fact]
        cols = {}
        for c in fmt.columns:
            values = [r.get(c.name) for r in rows]
            if arrow_type(c) == pa.decimal128(18, 4):
                values = [None if v is None else Decimal(str(v)) for v in values]
            cols[c.name] = pa.array(values, arrow_type(c))
        cols["_row"] = pa.array(range(2, len(rows) + 2), pa.int64())
        path = tmp / f"{fact}.parquet"
        pq.write_table(pa.table(cols), path)
        out.append(FactBatch(fact, i, path))
    return tuple(out)


def agent(agent_id: str, hire: str = "2020-01-01", **fields: Any) -> AgentRow:
    base: dict[str, Any] = {"agent_id": agent_id, "name": agent_id, "team": "T1", "department": "D1", "site": "S1",
                            "desk": None, "role": "inbound", "status": "regular",
                            "hire_date": dt.date.fromisoformat(hire), "confirmed_date": None, "leave_date": None,
                            "monthly_wage": None}
    base.update(fields)
    return AgentRow(agent_id, tuple(base.items()))
