"""The one place SQL text is made: a sqlglot tree rendered for a dialect, every identifier quoted."""

from __future__ import annotations

from sqlglot import exp

DUCKDB = "duckdb"
SPARK = "spark"


def render(tree: exp.Expression, dialect: str = DUCKDB) -> str:
    return tree.sql(dialect=dialect, identify=True)
