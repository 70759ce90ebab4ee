"""Run one period under one policy: sources in, statements and problems out; nothing stored."""

from __future__ import annotations

from dataclasses import dataclass

from jili.core.engine import run
from jili.core.policy import Policy
from jili.core.problems import Location, Problem, Severity
from jili.core.statement import Statement
from jili.io.factstore.metrics import build_inputs
from jili.io.factstore.views import connect
from jili.pipeline.sources import PeriodSources


@dataclass(frozen=True, slots=True)
class PeriodResult:
    statements: tuple[Statement, ...]
    problems: tuple[Problem, ...]
    batch_ids: tuple[int, ...]  # the fact batches the run read


def run_period(policy: Policy, sources: PeriodSources) -> PeriodResult:
    con = connect(sources.fact_batches())
    ledger = sources.ledger(policy.id)
    inputs = build_inputs(con, policy, sources.period, sources.population, dict(ledger.balance), dict(ledger.lifetime))
    statements, run_problems = run(policy, inputs)
    problems = tuple(Problem(Severity.WARNING, "no_value", Location(policy.source),
                             f"rule {p.rule_id}, agent {p.agent_id}: {p.message}",
                             f"规则 {p.rule_id}，坐席 {p.agent_id}：{p.message}") for p in run_problems)
    return PeriodResult(tuple(statements), problems, tuple(sources.batch_ids))
