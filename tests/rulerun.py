"""One rule applied directly to values set by hand: no facts, no engine — the pure rule kinds as functions
of their inputs, for tests that read every line and reason word for word."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from jili.core.expr import Expr, Value, parse
from jili.core.inputs import EventCount, Inputs, RunProblem
from jili.core.periods import Period, parse_period
from jili.core.problems import Location
from jili.core.rules.base import RuleRun
from jili.core.statement import Flag, Line, Rank

MARCH = parse_period("2025-03")
assert MARCH is not None
KNOWN = {"v": "metric", "w": "metric", "rate": "metric", "team": "text", "wage": "metric", "late": "metric",
         "kind": "text", "serious": "boolean"}


def expr(text: str) -> Expr:
    e, problems = parse(text, KNOWN, Location("policy.yaml"))
    assert e is not None, problems
    return e


@dataclass
class Ran:
    lines: dict[str, list[Line]]
    flags: dict[str, list[Flag]]
    ranks: dict[str, list[Rank]]
    problems: list[RunProblem]

    def paid(self) -> dict[str, list[Decimal]]:
        return {a: [ln.amount for ln in lines] for a, lines in sorted(self.lines.items()) if lines}

    def reasons(self, agent: str) -> list[tuple[str, str]]:
        return [(ln.reason_en, ln.reason_zh) for ln in self.lines[agent]]


PLACES = {"yuan": 2}


def round_to_account(account: str, amount: Decimal) -> Decimal:
    """As the engine rounds: to the account's places, half-up; an account the policy does not have is a bug."""
    return amount.quantize(Decimal(1).scaleb(-PLACES[account]), rounding=ROUND_HALF_UP)


def apply(rule: object, envs: dict[str, dict[str, Value]], *, period: Period = MARCH, also: tuple[str, ...] = (),
          before: dict[str, dict[str, dict[str, Value]]] | None = None, fed: dict[str, set[str]] | None = None,
          sources: dict[str, frozenset[str]] | None = None,
          events: dict[tuple[str, str], dict[str, list[EventCount]]] | None = None) -> Ran:
    """``rule`` on ``period`` for the agents of ``envs``; ``before`` holds earlier periods' values by label;
    ``fed`` the agents with facts behind each fact metric in ``period`` (and, keyed 'label|metric', earlier);
    ``also`` agents who are active but have no values at all."""
    agents = [*envs, *also]
    values = {period.label: envs, **(before or {})}
    fed_keys: dict[tuple[str, str], set[str]] = {}
    for key, who in (fed or {}).items():
        label, _, metric = key.rpartition("|")
        fed_keys[(label or period.label, metric)] = who
    inputs = Inputs(period, agents, values, {period.label: period}, events=events or {}, fed=fed_keys,
                    sources=sources or {})
    run = RuleRun(period, agents, envs, inputs, round_to_account, defaultdict(list), defaultdict(list), defaultdict(list))
    rule.apply(run)  # type: ignore[attr-defined]
    return Ran(run.lines, run.flags, run.ranks, run.problems)
