"""The engine: metric values in, statements out. Pure: no database, no files, no clock.

The caller (``jili.io.factstore.metrics``) computes fact metrics with DuckDB for every period the
policy needs; this module derives the other metrics, applies eligibility and every rule in
order, caps categories, redeems, and explains each amount.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal

from jili.core.expr import standard_error, truth
from jili.core.inputs import SE_SUFFIX, Env, Inputs, RunProblem
from jili.core.label import Label
from jili.core.periods import Period, period_of
from jili.core.policy import DerivedMetric, Policy, PreviousMetric, RankMetric, StatementScopeMetric, metrics_for
from jili.core.roster import Level, group_of
from jili.core.rules.base import RuleRun, fmt, inputs_of, safe, show
from jili.core.statement import Flag, Line, LineKind, Rank, Statement

Z95 = Decimal("1.96")


def needed_periods(policy: Policy, period: Period) -> list[Period]:
    """Every period whose metrics a run of ``period`` reads."""
    wanted: set[Period] = {period}
    back = max([m.back for m in policy.metrics if isinstance(m, PreviousMetric)] or [0])
    p = period
    for _ in range(back):
        p = p.previous()
        wanted.add(p)
    for rule in policy.rules:
        kind = rule.head.period or policy.period
        subs = period.split(kind) if kind != policy.period else [period]
        wanted.update(subs)
        for sub in subs:
            q = sub
            for _ in range(rule.lookback()):
                q = q.previous()
                wanted.add(q)
    return sorted(wanted)


def share_of_place(place: int, n: int) -> Decimal:
    """A place as a share of the ranked, so that one definition of "top x %" holds for every rule kind:
    place <= max(1, n × x / 100 rounded half up) — which is ``share <= x / 100`` — and bottom x %
    likewise from the other end (``share >= 1 - x / 100``). The first place is 0, the last 1."""
    if place == 1:
        return Decimal(0)
    if place == n:
        return Decimal(1)
    return (Decimal(place) - Decimal("0.5")) / Decimal(n)


def _fed(inputs: Inputs, label: str) -> Callable[[str], set[str] | None]:
    def with_facts(metric: str) -> set[str] | None:
        return inputs.agents_with_facts(label, inputs.facts_behind((metric,)))

    return with_facts


def derive(policy: Policy, values: dict[str, Env], previous: Mapping[int, dict[str, Env]],
           group_of: Mapping[Level, Mapping[str, str]], only: set[str] | None = None,
           with_facts: Callable[[str], set[str] | None] = lambda metric: None,
           statement: Mapping[str, Env] | None = None) -> None:
    """Fill derived, previous-period, rank and statement-scope metrics into each agent's env, in order
    (``only``: just these, for a finer period whose rules read a few; ``statement``: the statement
    period's envs, which a statement-scope metric reads; None when ``values`` are the statement period's)."""
    for metric in policy.metrics:
        if only is not None and metric.name not in only:
            continue
        if isinstance(metric, StatementScopeMetric):
            for agent, env in values.items():
                env[metric.name] = env.get(metric.of) if statement is None else statement.get(agent, {}).get(metric.of)
        elif isinstance(metric, DerivedMetric):
            for env in values.values():
                env[metric.name] = safe(metric.expr, env)
                se = standard_error(metric.expr.node, env, SE_SUFFIX)
                if se:
                    env[metric.name + SE_SUFFIX] = se
        elif isinstance(metric, PreviousMetric):
            prev = previous.get(metric.back, {})
            for agent, env in values.items():
                env[metric.name] = prev.get(agent, {}).get(metric.of)
        elif isinstance(metric, RankMetric):
            groups: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
            fed = with_facts(metric.of)
            for agent, env in values.items():
                v = env.get(metric.of)
                # ranked like a ranking rule ranks: facts behind the value, and (descending) more than nothing
                if (isinstance(v, Decimal) and (fed is None or agent in fed)
                        and (v != 0 or not metric.descending)):
                    groups[group_of.get(metric.within, {}).get(agent, "")].append((agent, v))
            for members in groups.values():
                members.sort(key=lambda x: x[1], reverse=metric.descending)
                for agent, v in members:
                    place = next(j for j, (_, w) in enumerate(members) if w == v) + 1
                    values[agent][metric.name] = share_of_place(place, len(members))


def run(policy: Policy, inputs: Inputs) -> tuple[list[Statement], list[RunProblem]]:
    problems: list[RunProblem] = []
    period = inputs.period
    label = period.label
    group_of = _groups(inputs.values.get(label, {}))
    # derive metrics for every period, oldest first so that 'previous' can read them, and the statement
    # period before the periods inside it, whose statement-scope metrics read it
    ordered = sorted(inputs.periods.values(), key=lambda p: (p != period and p.start >= period.start, p.start, p.end))
    for p in ordered:
        prev = {}
        q = p
        for back in range(1, 4):
            q = q.previous()
            if q.label in inputs.values:
                prev[back] = inputs.values[q.label]
        inside = p != period and period.start <= p.start < period.end
        derive(policy, inputs.values.setdefault(p.label, {}), prev, group_of,
               None if p.kind == policy.period else metrics_for(policy, p.kind),
               _fed(inputs, p.label), inputs.values.get(label) if inside else None)
    envs = inputs.values.get(label, {})

    def rounder(account: str, value: Decimal) -> Decimal:
        return policy.accounts[account].round(value)

    lines: dict[str, list[Line]] = defaultdict(list)
    flags: dict[str, list[Flag]] = defaultdict(list)
    ranks: dict[str, list[Rank]] = defaultdict(list)
    ineligible: dict[str, list[Label]] = defaultdict(list)
    for agent in inputs.agents:
        env = envs.get(agent, {})
        for check in policy.eligibility:
            if not truth(safe(check.when, env)):
                seen = show(inputs_of(env, check.when))
                ineligible[agent].append(Label(f"{check.reason.en} ({check.when.text}: {seen})",
                                               f"{check.reason.zh}（{check.when.text}：{seen}）"))
    eligible = [a for a in inputs.agents if a not in ineligible]
    for rule in policy.rules:
        kind = rule.head.period or policy.period
        subs = period.split(kind) if kind != policy.period else [period]
        for sub in subs:
            sub_envs = inputs.values.get(sub.label, {})
            active = [a for a in eligible
                      if rule.head.when is None or truth(safe(rule.head.when, sub_envs.get(a, {})))]
            rule.apply(RuleRun(sub, active, sub_envs, inputs, rounder, lines, flags, ranks, problems))
    statements = []
    unpaid: dict[str, list[Label]] = defaultdict(list)  # said on the statement, not only in the run's report
    for problem in problems:
        unpaid[problem.agent_id].append(Label(f"Rule {problem.rule_id} paid nothing: {problem.message}.",
                                              f"规则 {problem.rule_id} 未计发：{problem.message_zh}。"))
    limits = [(rule.head.id, rule.thresholds()) for rule in policy.rules]  # the same for every agent
    for agent in inputs.agents:
        env = envs.get(agent, {})
        agent_lines = _capped(policy, agent, label, lines.get(agent, []))
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for line in agent_lines:
            totals[line.account] += line.amount
        agent_lines, balances, level = _ledger(policy, agent, label, env, agent_lines, totals, inputs)
        notes = (*_uncertain(limits, env, agent_lines), *unpaid.get(agent, ()))
        statements.append(Statement(
            agent_id=agent, name=str(env.get("name") or ""), team=str(env.get("team") or ""), period=label,
            policy_id=policy.id, policy_version=policy.version, eligible=agent not in ineligible,
            ineligible=tuple(ineligible.get(agent, ())), lines=tuple(agent_lines), flags=tuple(flags.get(agent, ())),
            ranks=tuple(ranks.get(agent, ())),
            totals=tuple(sorted((a, policy.accounts[a].round(v)) for a, v in totals.items())),
            level=level, balances=balances,
            metrics=tuple((m.name, env.get(m.name)) for m in policy.metrics), notes=notes))
    return statements, problems


def _groups(envs: Mapping[str, Env]) -> dict[Level, dict[str, str]]:
    return {lvl: {agent: group_of(lvl, agent, env) for agent, env in envs.items()} for lvl in Level}


def _capped(policy: Policy, agent: str, period: str, lines: list[Line]) -> list[Line]:
    out = list(lines)
    for cap in policy.caps:
        total = sum((ln.amount for ln in lines if ln.category == cap.category), Decimal(0))
        adjust = Decimal(0)
        if cap.maximum is not None and total > cap.maximum:
            adjust = cap.maximum - total
        elif cap.minimum is not None and total < cap.minimum:
            adjust = cap.minimum - total
        if adjust:
            bound = cap.maximum if adjust < 0 else cap.minimum
            out.append(Line(f"cap:{cap.category}", LineKind.CAP, cap.account, cap.category, period, adjust,
                            Label(f"cap on {cap.category}", f"{cap.category} 上限"),
                            f"{cap.category} totals {total}; capped at {bound} → {adjust}",
                            f"{cap.category} 合计 {total}，按{'上' if adjust < 0 else '下'}限 {bound} 调整 → {adjust}",
                            (("total", total),)))
    return out


def _ledger(policy: Policy, agent: str, period: str, env: Env, lines: list[Line], totals: dict[str, Decimal],
            inputs: Inputs) -> tuple[list[Line], tuple[tuple[str, Decimal], ...], str | None]:
    balances: dict[str, Decimal] = {}
    for account in policy.accounts:
        balances[account] = inputs.balance.get((agent, account), Decimal(0)) + totals.get(account, Decimal(0))
    r = policy.redemption
    # redeemed when this statement period closes a redemption period (R13: the last month of a quarter)
    if r is not None and inputs.period.end == period_of(inputs.period.start, r.every).end:
        base = balances.get(r.account, Decimal(0))
        if base > 0:
            points = policy.accounts[r.account].round(base * r.share)
            rate = safe(r.rate, env)
            if isinstance(rate, Decimal):
                money = policy.accounts[r.to_account].round(points * rate)
                ins = ((f"{r.account} balance", base), *inputs_of(env, r.rate))
                lines.append(Line("redemption", LineKind.REDEMPTION, r.account, "redemption", period, -points,
                                  Label("redeemed", "兑换"), f"{r.share:%} of balance {base} redeemed: −{points}",
                                  f"余额 {base} 的 {r.share:%} 兑换：−{points}", ins))
                lines.append(Line("redemption", LineKind.REDEMPTION, r.to_account, "redemption", period, money,
                                  Label("redemption payout", "积分兑换"),
                                  f"{points} points × rate {r.rate.text} = {fmt(rate)} → {money}",
                                  f"{points} 分 × 兑换率 {r.rate.text} = {fmt(rate)} → {money}", ins, r.rate.text))
                balances[r.account] -= points
                balances[r.to_account] = balances.get(r.to_account, Decimal(0)) + money
                totals[r.account] = totals.get(r.account, Decimal(0)) - points
                totals[r.to_account] = totals.get(r.to_account, Decimal(0)) + money
    level = None
    lv = policy.levels
    if lv is not None:
        if lv.basis == "lifetime":
            earned = sum((ln.amount for ln in lines if ln.account == lv.account and ln.kind != LineKind.REDEMPTION), Decimal(0))
            basis = inputs.lifetime.get((agent, lv.account), Decimal(0)) + earned
        else:
            basis = balances.get(lv.account, Decimal(0))
        for step in lv.levels:
            if basis >= step.threshold:
                level = step.name
    return lines, tuple(sorted(balances.items())), level



def _uncertain(limits: list[tuple[str, list[tuple[str, Decimal]]]], env: Env, lines: list[Line]) -> tuple[Label, ...]:
    """Where a tier or band decision compares a sampled metric with a threshold that lies inside
    the metric's 95 % interval, the sample cannot tell which side the agent is on: say so. ``limits``: each rule's
    id and its (metric, threshold) comparisons, in the policy's order."""
    fired = {ln.rule_id for ln in lines}
    notes: list[Label] = []
    seen: set[tuple[str, Decimal]] = set()
    for rule_id, pairs in limits:
        if rule_id not in fired:
            continue
        for name, limit in pairs:
            value, se = env.get(name), env.get(name + SE_SUFFIX)
            if (name, limit) in seen or not isinstance(value, Decimal) or not isinstance(se, Decimal) or se == 0:
                continue
            seen.add((name, limit))
            low, high = value - Z95 * se, value + Z95 * se
            if low < limit < high:
                v, lo, hi = (fmt(x.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)) for x in (value, low, high))
                notes.append(Label(
                    f"{rule_id}: {name} = {v}, 95 % interval {lo}–{hi}, which contains the threshold {fmt(limit)}: "
                    "the sample cannot tell on which side of it the agent is. More evaluations would settle it.",
                    f"{rule_id}：{name} = {v}，95% 置信区间 {lo}–{hi} 包含阈值 {fmt(limit)}，"
                    "现有抽样无法判定坐席位于阈值哪一侧，增加质检量可以确定。"))
    return tuple(notes)
