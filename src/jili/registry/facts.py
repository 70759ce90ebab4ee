"""The facts as the registry holds them: the active batches of each fact, and DuckDB connections over them.

Reading the facts needs none of the importer's readers, so the pages, the ledger and the QA workflow
import this and not ``jili.registry.imports``."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from jili.io.workspace import Workspace
from jili.pipeline.sources import FactBatch, batches_by_fact
from jili.registry.models import ImportBatch

if TYPE_CHECKING:  # the connection is opened by io.factstore.views when a reader asks for it
    import duckdb


def active_batches(fact: str | None = None) -> list[ImportBatch]:
    qs = ImportBatch.objects.filter(status=ImportBatch.Status.ACTIVE)
    if fact is not None:
        qs = qs.filter(fact=fact)
    return list(qs.order_by("id"))


def fact_batches(ws: Workspace) -> tuple[FactBatch, ...]:
    """The active batches of every fact, oldest first."""
    return tuple(FactBatch(b.fact, b.pk, ws.root / b.parquet_path) for b in active_batches())


def facts_connection(ws: Workspace) -> tuple[duckdb.DuckDBPyConnection, list[int]]:
    """DuckDB views over the active batches of every fact, and the ids of those batches."""
    from jili.io.factstore.views import connect

    batches = fact_batches(ws)
    return connect(batches_by_fact(batches)), [b.batch_id for b in batches]


_shared_lock = threading.Lock()
_shared: dict[str, tuple[tuple[int, ...], duckdb.DuckDBPyConnection]] = {}


def shared_facts(ws: Workspace) -> duckdb.DuckDBPyConnection:
    """A cursor on one long-lived facts connection per workspace, rebuilt when the active batches
    change: what the site's pages read, so that a page does not open every batch again. Each
    caller gets its own cursor (DuckDB cursors may be used from different threads)."""
    from jili.io.factstore.views import connect

    batches = fact_batches(ws)
    key = tuple(b.batch_id for b in batches)
    with _shared_lock:
        held = _shared.get(str(ws.root))
        if held is None or held[0] != key:
            held = (key, connect(batches_by_fact(batches)))
            _shared[str(ws.root)] = held
        return held[1].cursor()
