"""ranking (and award): places by a metric within a group, paid by place, by share, or to the others
(R11's top-N awards, R13's daily/weekly rankings, R14's "tops both rankings")."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from itertools import groupby
from operator import itemgetter
from typing import ClassVar

from jili.core.expr import Expr, Value, truth
from jili.core.roster import Level, group_of
from jili.core.rules.base import LineKind, RuleHead, RuleKind, RuleRun, expr_names, fmt, inputs_of, safe, show
from jili.core.statement import Rank


class TieRule(StrEnum):
    SHARED = "shared"  # equal values share the better rank and each takes its amount
    SPLIT = "split"  # equal values share the amounts of the places they cover, split evenly
    BREAK = "break"  # a second metric decides; still equal: shared


@dataclass(frozen=True, slots=True)
class RankingRule(RuleKind):
    KIND: ClassVar[LineKind] = LineKind.RANKING
    head: RuleHead
    value: str
    also: str | None  # R14: a second ranking; the same agent on the same place in both gets amounts_both
    descending: bool
    within: Level
    amounts: tuple[Decimal, ...]  # by place: 1st, 2nd…
    amounts_both: tuple[Decimal, ...]
    top_percent: Decimal | None  # everyone in the top (or bottom) share takes `share_amount`
    bottom_percent: Decimal | None
    share_amount: Decimal | None
    eligible: Expr | None
    ties: TieRule
    tie_break: str | None
    others: Decimal | None  # every other eligible agent (R14: answer rate >= 95 % → 1)
    others_when: Expr | None
    include_zero: bool = False  # a descending ranking gives no place to a value of 0 (nothing achieved)

    def names(self) -> set[str]:
        return expr_names(self.head.when, self.eligible, self.others_when) | {
            n for n in (self.value, self.also, self.tie_break) if n}

    def apply(self, run: RuleRun) -> None:
        _ranking(self, run)


def _ranking(rule: RankingRule, run: RuleRun) -> None:
    h = rule.head
    sub, active, envs, ranks = run.sub, run.active, run.envs, run.ranks

    def line(agent: str, amount: Decimal, en: str, zh: str, inputs: tuple[tuple[str, Value], ...] = ()) -> None:
        run.line(h, rule.KIND, agent, amount, en, zh, inputs)

    eligible = [a for a in active if rule.eligible is None or truth(safe(rule.eligible, envs.get(a, {})))]
    groups: dict[str, list[str]] = defaultdict(list)
    for a in eligible:
        env = envs.get(a, {})
        key = "" if rule.within == Level.AGENT else group_of(rule.within, a, env)
        groups[key].append(a)

    def places(members: list[str], metric: str) -> dict[str, tuple[int, int]]:
        """agent -> (place, how many share it), 1-based; agents without a value are not ranked."""
        # an agent without facts for the metric in this period has no place (an empty day ranks nobody)
        fed = run.inputs.agents_with_facts(sub.label, run.inputs.facts_behind((metric,)))
        scored = [(a, v) for a in members if isinstance(v := envs.get(a, {}).get(metric), Decimal)
                  and (v != 0 or rule.include_zero or not rule.descending) and (fed is None or a in fed)]
        sign = -1 if rule.descending else 1

        def key(agent: str, v: Decimal) -> tuple[Decimal, Decimal]:
            tb = envs[agent].get(rule.tie_break) if rule.ties == TieRule.BREAK and rule.tie_break else None
            return (sign * v, sign * tb if isinstance(tb, Decimal) else Decimal(0))

        ordered = sorted(((key(a, v), a) for a, v in scored), key=itemgetter(0))
        out: dict[str, tuple[int, int]] = {}
        place = 1
        for _, tied in groupby(ordered, key=itemgetter(0)):
            agents = [a for _, a in tied]
            for a in agents:
                out[a] = (place, len(agents))
            place += len(agents)
        return out

    def prize(place: int, shared: int, table: tuple[Decimal, ...]) -> Decimal:
        if place > len(table):  # below the last paid place, shared or not
            return Decimal(0)
        if rule.ties == TieRule.SPLIT:
            covered = [table[p - 1] if p - 1 < len(table) else Decimal(0) for p in range(place, place + shared)]
            return run.round(h.account or "", sum(covered, Decimal(0)) / shared)
        return table[place - 1]

    for group, members in groups.items():
        first = places(members, rule.value)
        second = places(members, rule.also) if rule.also else {}
        cutoff_top = _share_count(len(first), rule.top_percent)
        cutoff_bottom = _share_count(len(first), rule.bottom_percent)
        for agent in members:
            env = envs.get(agent, {})
            paid = False
            for metric, table in ((rule.value, first), (rule.also, second)):
                if metric is None or agent not in table:
                    continue
                place = table[agent][0]
                ranks[agent].append(Rank(h.id, sub.label, metric, env.get(metric), place, len(table), group))
            if agent in first or agent in second:
                p1 = first.get(agent)
                p2 = second.get(agent)
                if p1 and p2 and p1[0] == p2[0] and rule.amounts_both:
                    amount = prize(p1[0], max(p1[1], p2[1]), rule.amounts_both)
                    if amount:
                        line(agent, amount, f"place {p1[0]} by both {rule.value} and {rule.also} → {amount}",
                             f"{rule.value} 与 {rule.also} 均排第 {p1[0]} 名 → {amount}",
                             ((rule.value, env.get(rule.value)), (rule.also or "", env.get(rule.also or ""))))
                        paid = True
                else:
                    for metric, p in ((rule.value, p1), (rule.also, p2)):
                        if p is None or metric is None:
                            continue
                        amount = prize(p[0], p[1], rule.amounts)
                        if amount:
                            tie = (f" (tied with {p[1] - 1} other{'s' if p[1] > 2 else ''}, {rule.ties.value})"
                                   if p[1] > 1 else "")
                            tie_zh = f"（与 {p[1] - 1} 人并列，{rule.ties.value}）" if p[1] > 1 else ""
                            line(agent, amount, f"place {p[0]} of {len(first if metric == rule.value else second)} "
                                 f"by {metric} = {fmt(env.get(metric))}{tie} → {amount}",
                                 f"按 {metric} = {fmt(env.get(metric))} 排第 {p[0]} 名{tie_zh} → {amount}",
                                 ((metric, env.get(metric)),))
                            paid = True
                if p1 and rule.share_amount is not None:
                    in_top = cutoff_top is not None and p1[0] <= cutoff_top
                    in_bottom = cutoff_bottom is not None and p1[0] > len(first) - cutoff_bottom
                    if in_top or in_bottom:
                        which = "top" if in_top else "bottom"
                        pct = rule.top_percent if in_top else rule.bottom_percent
                        line(agent, rule.share_amount, f"place {p1[0]} of {len(first)} by {rule.value} is in the "
                             f"{which} {pct} % → {rule.share_amount}",
                             f"按 {rule.value} 排第 {p1[0]}/{len(first)} 名，属{'前' if in_top else '后'} {pct}% → "
                             f"{rule.share_amount}", ((rule.value, env.get(rule.value)),))
                        paid = True
            ranking_day = bool(first or second)  # a day on which nobody places is not a ranking day
            if (not paid and ranking_day and rule.others is not None
                    and (rule.others_when is None or truth(safe(rule.others_when, env)))):
                ins = inputs_of(env, rule.others_when)
                line(agent, rule.others, f"every other agent{' when ' + rule.others_when.text if rule.others_when else ''}"
                     f" ({show(ins)}) → {rule.others}", f"其他坐席（{show(ins)}）→ {rule.others}", ins)


def _share_count(n: int, pct: Decimal | None) -> int | None:
    """How many places a top/bottom share covers: n × pct %, rounded half-up, at least 1."""
    if pct is None or n == 0:
        return None
    return max(1, int((Decimal(n) * pct / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)))


