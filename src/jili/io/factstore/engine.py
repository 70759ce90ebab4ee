"""Where a policy's metric queries run: the narrow interface between the plans and an engine.

An engine is given the fact batches (or, on Spark, the lake's tables) and the run's population, and
answers a plan's tree with rows. Two engines answer the same trees with the same rows:

- DuckDB (``duckdb``), embedded, the default: one sandboxed connection per run over the workspace's
  Parquet batches (``jili.io.factstore.views.DuckDBEngine``);
- Spark (``spark``): a local ``SparkSession`` (``local[2]``), a cluster's master, or Spark Connect
  (``sc://host``); see ``jili.io.factstore.spark``.

Which one a workspace uses is its ``[engine]`` setting in jili.toml; ``jili run --engine`` overrides it, and
``jili.pipeline.period.open_engine`` opens it. This module is the interface both implement."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from sqlglot import exp

from jili.core.problems import Problem
from jili.core.roster import AgentRow

Rows = tuple[list[str], list[tuple[Any, ...]]]  # column names, then the rows in that order (typed by the query)
POPULATION_COLUMNS = ("agent_id", "team", "department", "site")


def population_columns(population: Sequence[AgentRow]) -> dict[str, list[str]]:
    """The run's roster as the ``pop`` table the plans join: the agent and each group level, '' for none."""
    return {"agent_id": [a.agent_id for a in population],
            **{c: [str(a.get(c) or "") for a in population] for c in POPULATION_COLUMNS[1:]}}


class EngineFailed(Exception):
    """An engine could not answer a plan (a lake's value that does not fit its column, a cluster gone away):
    the problem says what, and the run stores nothing."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


class FactEngine(Protocol):
    dialect: str
    unlined: tuple[tuple[str, str], ...]  # (fact, where it is read) for facts whose rows name no batch or row

    def rows(self, tree: exp.Expression) -> Rows:
        """A plan's answer, every value as Python has it (Decimal, int, float, date, str, list, None)."""

    def use_population(self, population: Sequence[AgentRow]) -> None:
        """Make ``pop`` the roster of this run."""

    def close(self) -> None: ...
