"""What every rule kind shares: its head, the kinds of line it writes, and the run it applies to.

A rule kind is one module in this package holding its record (a frozen dataclass) with
``names()`` (what it reads), ``lookback()`` (how many periods before each of its periods it
reads), ``thresholds()`` (edges a sampled metric is compared with) and ``apply(run)``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from jili.core.expr import EvalError, Expr, Value, evaluate
from jili.core.inputs import Env, Inputs, RunProblem
from jili.core.label import Label
from jili.core.periods import Period, PeriodKind
from jili.core.statement import Flag, Line, LineKind, Rank


@dataclass(frozen=True, slots=True)
class RuleHead:
    id: str
    account: str | None
    category: str
    label: Label
    when: Expr | None
    period: PeriodKind | None  # run on finer periods inside the statement (R14 daily/weekly)
    line: int | None  # where the policy file defines it


MAX_AMOUNT = Decimal(10) ** 15  # an amount past this is a mistake in the policy or the facts, not pay


class RuleKind:
    """What most rule kinds answer alike: they read only their own period and compare no sampled
    metric with a threshold. A kind that does otherwise says so by overriding."""

    __slots__ = ()

    def lookback(self) -> int:
        return 0

    def thresholds(self) -> list[tuple[str, Decimal]]:
        return []


@dataclass
class RuleRun:
    """One rule on one (sub-)period: the agents it applies to, their values, and where it writes."""

    sub: Period
    active: list[str]
    envs: Mapping[str, Env]
    inputs: Inputs
    round: Callable[[str, Decimal], Decimal]  # an amount rounded to an account's places
    lines: dict[str, list[Line]]
    flags: dict[str, list[Flag]]
    ranks: dict[str, list[Rank]]
    problems: list[RunProblem] = field(default_factory=list)

    def env(self, agent: str) -> Env:
        return self.envs.get(agent, {})

    def line(self, head: RuleHead, kind: LineKind, agent: str, amount: Decimal, en: str, zh: str,
             inputs: tuple[tuple[str, Value], ...] = (), expression: str = "", refs: tuple[str, ...] = (),
             label: Label | None = None) -> None:
        self.lines[agent].append(Line(head.id, kind, head.account or "", head.category, self.sub.label, amount,
                                      label or head.label, en, zh, inputs, expression, refs))

    def amount(self, head: RuleHead, e: Expr, env: Env) -> Decimal | None:
        """An amount expression's value, rounded to the rule's account; None when it has none."""
        v = safe(e, env)
        if isinstance(v, bool):
            v = Decimal(int(v))
        if not isinstance(v, Decimal) or head.account is None or not v.is_finite() or abs(v) > MAX_AMOUNT:
            return None  # no value, or none a ledger can hold: the rule says so as a problem
        return self.round(head.account, v)


def safe(e: Expr, env: Env) -> Value:
    try:
        return evaluate(e, env)
    except EvalError:
        return None


def inputs_of(env: Env, *exprs: Expr | None) -> tuple[tuple[str, Value], ...]:
    names: list[str] = []
    for e in exprs:
        if e is not None:
            names.extend(n for n in e.names if n not in names)
    return tuple((n, env.get(n)) for n in names)


def show(inputs: Iterable[tuple[str, Value]]) -> str:
    return ", ".join(f"{k} = {fmt(v)}" for k, v in inputs)


def fmt(v: Value) -> str:
    if isinstance(v, Decimal) and not v.is_finite():
        return str(v)  # Infinity or NaN from a fact: shown, never a crash
    if isinstance(v, Decimal):
        q = v.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP).normalize()
        return format(q, "f")
    return "—" if v is None else str(v)


def expr_names(*exprs: Expr | None) -> set[str]:
    return {n for e in exprs if e is not None for n in e.names}
