"""The engine: metric values in, statements out. Pure: no database, no files, no clock.

The caller (``jili.io.compute``) computes fact metrics with DuckDB for every period the
policy needs; this module derives the other metrics, applies eligibility and every rule in
order, caps categories, redeems, and explains each amount.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from jili.core.expr import EvalError, Expr, Value, evaluate, standard_error, thresholds, truth
from jili.core.periods import Period, period_of
from jili.core.policy import (
    BandsRule,
    DerivedMetric,
    FlagRule,
    FormulaRule,
    Label,
    Level,
    PerEventRule,
    Policy,
    PreviousMetric,
    RankingRule,
    RankMetric,
    Rule,
    StreakRule,
    TiersRule,
    TieRule,
    metrics_for,
)
from jili.core.statement import Flag, Line, Rank, Statement

Env = dict[str, Value]
SE_SUFFIX = "__se"  # a metric's standard error, when it is the mean of a sample (QA scores)
Z95 = Decimal("1.96")


@dataclass(frozen=True, slots=True)
class EventCount:
    factor: Decimal
    count: int
    refs: tuple[str, ...] = ()


@dataclass
class Inputs:
    """Everything a run reads. ``values[period_label][agent_id]`` holds roster fields, period
    fields and fact metrics; ``events[(rule_id, period_label)][agent_id]`` per-event counts;
    ``balance``/``lifetime`` the ledger before this period (redemption, levels)."""

    period: Period
    agents: list[str]
    values: dict[str, dict[str, Env]]
    periods: dict[str, Period]
    events: dict[tuple[str, str], dict[str, list[EventCount]]] = field(default_factory=dict)
    balance: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    lifetime: dict[tuple[str, str], Decimal] = field(default_factory=dict)


@dataclass
class RunProblem:
    rule_id: str
    agent_id: str
    message: str


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
        if isinstance(rule, StreakRule):
            for sub in subs:
                q = sub
                for _ in range(rule.length - 1):
                    q = q.previous()
                    wanted.add(q)
    return sorted(wanted)


def derive(policy: Policy, values: dict[str, Env], previous: Mapping[int, dict[str, Env]],
           group_of: Mapping[Level, Mapping[str, str]], only: set[str] | None = None) -> None:
    """Fill derived, previous-period and rank metrics into each agent's env, in order
    (``only``: just these, for a finer period whose rules read a few)."""
    for metric in policy.metrics:
        if only is not None and metric.name not in only:
            continue
        if isinstance(metric, DerivedMetric):
            for env in values.values():
                env[metric.name] = _safe(metric.expr, env)
                se = standard_error(metric.expr.node, env, SE_SUFFIX)
                if se:
                    env[metric.name + SE_SUFFIX] = se
        elif isinstance(metric, PreviousMetric):
            prev = previous.get(metric.back, {})
            for agent, env in values.items():
                env[metric.name] = prev.get(agent, {}).get(metric.of)
        elif isinstance(metric, RankMetric):
            groups: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
            for agent, env in values.items():
                v = env.get(metric.of)
                if isinstance(v, Decimal):
                    groups[group_of.get(metric.within, {}).get(agent, "")].append((agent, v))
            for members in groups.values():
                members.sort(key=lambda x: x[1], reverse=metric.descending)
                n = len(members)
                for agent, v in members:
                    first = next(j for j, (_, w) in enumerate(members) if w == v)
                    values[agent][metric.name] = Decimal(first) / Decimal(n - 1) if n > 1 else Decimal(0)


def _safe(e: Expr, env: Env) -> Value:
    try:
        return evaluate(e, env)
    except EvalError:
        return None


def _inputs(env: Env, *exprs: Expr | None) -> tuple[tuple[str, Value], ...]:
    names: list[str] = []
    for e in exprs:
        if e is not None:
            names.extend(n for n in e.names if n not in names)
    return tuple((n, env.get(n)) for n in names)


def _show(inputs: Iterable[tuple[str, Value]]) -> str:
    return ", ".join(f"{k} = {_fmt(v)}" for k, v in inputs)


def _fmt(v: Value) -> str:
    if isinstance(v, Decimal):
        q = v.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP).normalize()
        return format(q, "f")
    return "—" if v is None else str(v)


def run(policy: Policy, inputs: Inputs) -> tuple[list[Statement], list[RunProblem]]:
    problems: list[RunProblem] = []
    period = inputs.period
    label = period.label
    group_of = _groups(inputs.values.get(label, {}))
    # derive metrics for every period, oldest first so that 'previous' can read them
    ordered = sorted(inputs.periods.values())
    for p in ordered:
        prev = {}
        q = p
        for back in range(1, 4):
            q = q.previous()
            if q.label in inputs.values:
                prev[back] = inputs.values[q.label]
        derive(policy, inputs.values.setdefault(p.label, {}), prev, group_of,
               None if p.kind == policy.period else metrics_for(policy, p.kind))
    envs = inputs.values.get(label, {})
    lines: dict[str, list[Line]] = defaultdict(list)
    flags: dict[str, list[Flag]] = defaultdict(list)
    ranks: dict[str, list[Rank]] = defaultdict(list)
    ineligible: dict[str, list[Label]] = defaultdict(list)
    for agent in inputs.agents:
        env = envs.get(agent, {})
        for check in policy.eligibility:
            if not truth(_safe(check.when, env)):
                seen = _show(_inputs(env, check.when))
                ineligible[agent].append(Label(f"{check.reason.en} ({check.when.text}: {seen})",
                                               f"{check.reason.zh}（{check.when.text}：{seen}）"))
    eligible = [a for a in inputs.agents if a not in ineligible]
    for rule in policy.rules:
        kind = rule.head.period or policy.period
        subs = period.split(kind) if kind != policy.period else [period]
        for sub in subs:
            sub_envs = inputs.values.get(sub.label, {})
            active = [a for a in eligible
                      if rule.head.when is None or truth(_safe(rule.head.when, sub_envs.get(a, {})))]
            _apply(policy, rule, sub, active, sub_envs, inputs, lines, flags, ranks, problems)
    statements = []
    for agent in inputs.agents:
        env = envs.get(agent, {})
        agent_lines = _capped(policy, agent, label, lines.get(agent, []))
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for line in agent_lines:
            totals[line.account] += line.amount
        agent_lines, balances, level = _ledger(policy, agent, label, env, agent_lines, totals, inputs)
        notes = _uncertain(policy, env, agent_lines)
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
    out: dict[Level, dict[str, str]] = {lvl: {} for lvl in Level}
    for agent, env in envs.items():
        out[Level.AGENT][agent] = agent
        out[Level.TEAM][agent] = str(env.get("team") or "")
        out[Level.DEPARTMENT][agent] = str(env.get("department") or "")
        out[Level.SITE][agent] = str(env.get("site") or "")
        out[Level.ALL][agent] = ""
    return out


def _amount(policy: Policy, account: str | None, e: Expr, env: Env) -> Decimal | None:
    v = _safe(e, env)
    if isinstance(v, bool):
        v = Decimal(int(v))
    if not isinstance(v, Decimal) or account is None:
        return None
    return policy.accounts[account].round(v)


def _apply(policy: Policy, rule: Rule, sub: Period, active: list[str], envs: Mapping[str, Env],
           inputs: Inputs, lines: dict[str, list[Line]], flags: dict[str, list[Flag]],
           ranks: dict[str, list[Rank]], problems: list[RunProblem]) -> None:
    h = rule.head
    acct = h.account or ""

    def line(agent: str, amount: Decimal, en: str, zh: str, inputs_: tuple[tuple[str, Value], ...] = (),
             expression: str = "", refs: tuple[str, ...] = (), label: Label | None = None) -> None:
        lines[agent].append(Line(h.id, type(rule).__name__, acct, h.category, sub.label, amount, label or h.label,
                                 en, zh, inputs_, expression, refs))

    if isinstance(rule, FormulaRule):
        for agent in active:
            env = envs.get(agent, {})
            amount = _amount(policy, h.account, rule.amount, env)
            if amount is None:
                problems.append(RunProblem(h.id, agent, f"amount {rule.amount.text!r} has no value: "
                                                        f"{_show(_inputs(env, rule.amount))}"))
                continue
            ins = _inputs(env, h.when, rule.amount)
            line(agent, amount, f"{rule.amount.text}{' when ' + h.when.text if h.when else ''} with {_show(ins)} → {amount}",
                 f"{rule.amount.text}{'，条件 ' + h.when.text if h.when else ''}；{_show(ins)} → {amount}", ins,
                 rule.amount.text)
    elif isinstance(rule, TiersRule):
        for agent in active:
            env = envs.get(agent, {})
            for tier in rule.tiers:
                if tier.when is None or truth(_safe(tier.when, env)):
                    amount = _amount(policy, h.account, tier.amount, env) or Decimal(0)
                    ins = _inputs(env, tier.when, tier.amount)
                    cond = tier.when.text if tier.when else "otherwise"
                    line(agent, amount, f"tier '{tier.label.en}' ({cond}) with {_show(ins)} → {amount}",
                         f"档位“{tier.label.zh}”（{cond if tier.when else '其他情况'}）；{_show(ins)} → {amount}",
                         ins, cond, label=Label(f"{h.label.en}: {tier.label.en}", f"{h.label.zh}：{tier.label.zh}"))
                    break
    elif isinstance(rule, BandsRule):
        for agent in active:
            env = envs.get(agent, {})
            v = _safe(rule.value, env)
            if not isinstance(v, Decimal):
                continue
            band = next((b for b in rule.bands if b.contains(v)), None)
            if band is None:
                continue
            amount = _amount(policy, h.account, band.amount, env) or Decimal(0)
            ins = ((rule.value.text, v), *_inputs(env, band.amount))
            line(agent, amount, f"{rule.value.text} = {_fmt(v)} is in band '{band.label.en}' ({band.describe()}) → {amount}",
                 f"{rule.value.text} = {_fmt(v)}，落在“{band.label.zh}”（{band.describe()}）→ {amount}", ins,
                 band.describe(), label=Label(f"{h.label.en}: {band.label.en}", f"{h.label.zh}：{band.label.zh}"))
    elif isinstance(rule, PerEventRule):
        counts = inputs.events.get((h.id, sub.label), {})
        for agent in active:
            events = counts.get(agent, [])
            if not events:
                continue
            n = sum(e.count for e in events)
            total = sum((rule.amount * e.factor * e.count for e in events), Decimal(0))
            amount = policy.accounts[acct].round(total)
            parts = " + ".join(f"{e.count} × {rule.amount}" + (f" × {e.factor}" if e.factor != 1 else "") for e in events)
            refs = tuple(r for e in events for r in e.refs)[:20]
            line(agent, amount, f"{n} {rule.fact} where {rule.where_text or 'any'}: {parts} → {amount}",
                 f"{n} 条 {rule.fact}（{rule.where_text or '全部'}）：{parts} → {amount}",
                 (("events", Decimal(n)),), rule.where_text, refs)
    elif isinstance(rule, RankingRule):
        _ranking(policy, rule, sub, active, envs, line, ranks)
    elif isinstance(rule, StreakRule):
        for agent in active:
            chain = [sub]
            for _ in range(rule.length - 1):
                chain.append(chain[-1].previous())
            results = [truth(_safe(rule.condition, inputs.values.get(p.label, {}).get(agent, {}))) for p in chain]
            if not all(results):
                continue
            env = envs.get(agent, {})
            span = f"{chain[-1].label}…{chain[0].label}"
            if rule.amount is not None and h.account:
                amount = _amount(policy, h.account, rule.amount, env) or Decimal(0)
                line(agent, amount, f"{rule.condition.text} held {rule.length} periods in a row ({span}) → {amount}",
                     f"连续 {rule.length} 期满足 {rule.condition.text}（{span}）→ {amount}", _inputs(env, rule.condition),
                     rule.condition.text)
            if rule.action is not None:
                flags[agent].append(Flag(h.id, sub.label, rule.severity or "normal", rule.action,
                                         f"{rule.condition.text} held {rule.length} periods in a row ({span})",
                                         f"连续 {rule.length} 期满足 {rule.condition.text}（{span}）",
                                         _inputs(env, rule.condition)))
    elif isinstance(rule, FlagRule):
        for agent in active:
            env = envs.get(agent, {})
            ins = _inputs(env, h.when)
            flags[agent].append(Flag(h.id, sub.label, rule.severity, rule.action,
                                     f"{h.when.text if h.when else ''} with {_show(ins)}",
                                     f"{h.when.text if h.when else ''}；{_show(ins)}", ins))


def _ranking(policy: Policy, rule: RankingRule, sub: Period, active: list[str], envs: Mapping[str, Env],
             line: Callable[..., None], ranks: dict[str, list[Rank]]) -> None:
    h = rule.head
    acct = policy.accounts[h.account or ""]
    eligible = [a for a in active if rule.eligible is None or truth(_safe(rule.eligible, envs.get(a, {})))]
    groups: dict[str, list[str]] = defaultdict(list)
    for a in eligible:
        env = envs.get(a, {})
        key = "" if rule.within == Level.ALL else str(env.get(rule.within.value) or "")
        groups[key].append(a)

    def places(members: list[str], metric: str) -> dict[str, tuple[int, int]]:
        """agent -> (place, how many share it), 1-based; agents without a value are not ranked."""
        scored = [(a, v) for a in members if isinstance(v := envs.get(a, {}).get(metric), Decimal)
                  and (v != 0 or rule.include_zero or not rule.descending)]
        sign = -1 if rule.descending else 1

        def key(item: tuple[str, Value]) -> tuple[Decimal, Decimal]:
            v = item[1]
            tb = envs[item[0]].get(rule.tie_break) if rule.ties == TieRule.BREAK and rule.tie_break else None
            assert isinstance(v, Decimal)
            return (sign * v, sign * tb if isinstance(tb, Decimal) else Decimal(0))

        scored.sort(key=key)
        out: dict[str, tuple[int, int]] = {}
        i = 0
        while i < len(scored):
            j = i
            while j + 1 < len(scored) and key(scored[j + 1]) == key(scored[i]):
                j += 1
            for k in range(i, j + 1):
                out[scored[k][0]] = (i + 1, j - i + 1)
            i = j + 1
        return out

    def prize(place: int, shared: int, table: tuple[Decimal, ...]) -> Decimal:
        if rule.ties == TieRule.SPLIT:
            covered = [table[p - 1] if p - 1 < len(table) else Decimal(0) for p in range(place, place + shared)]
            return acct.round(sum(covered, Decimal(0)) / shared)
        return table[place - 1] if place - 1 < len(table) else Decimal(0)

    for group, members in groups.items():
        n = len(members)
        first = places(members, rule.value)
        second = places(members, rule.also) if rule.also else {}
        cutoff_top = _share_count(n, rule.top_percent)
        cutoff_bottom = _share_count(n, rule.bottom_percent)
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
                        tie = (f" (tied with {p[1] - 1} other{'s' if p[1] > 2 else ''}, {rule.ties.value})"
                               if p[1] > 1 else "")
                        tie_zh = f"（与 {p[1] - 1} 人并列，{rule.ties.value}）" if p[1] > 1 else ""
                        if amount:
                            line(agent, amount, f"place {p[0]} of {len(first if metric == rule.value else second)} "
                                 f"by {metric} = {_fmt(env.get(metric))}{tie} → {amount}",
                                 f"按 {metric} = {_fmt(env.get(metric))} 排第 {p[0]} 名{tie_zh} → {amount}",
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
                    and (rule.others_when is None or truth(_safe(rule.others_when, env)))):
                ins = _inputs(env, rule.others_when)
                line(agent, rule.others, f"every other agent{' when ' + rule.others_when.text if rule.others_when else ''}"
                     f" ({_show(ins)}) → {rule.others}", f"其他坐席（{_show(ins)}）→ {rule.others}", ins)


def _share_count(n: int, pct: Decimal | None) -> int | None:
    """How many places a top/bottom share covers: n × pct %, rounded half-up, at least 1."""
    if pct is None or n == 0:
        return None
    return max(1, int((Decimal(n) * pct / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)))


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
            out.append(Line(f"cap:{cap.category}", "Cap", cap.account, cap.category, period, adjust,
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
            rate = _safe(r.rate, env)
            if isinstance(rate, Decimal):
                money = policy.accounts[r.to_account].round(points * rate)
                ins = ((f"{r.account} balance", base), *_inputs(env, r.rate))
                lines.append(Line("redemption", "Redemption", r.account, "redemption", period, -points,
                                  Label("redeemed", "兑换"), f"{r.share:%} of balance {base} redeemed: −{points}",
                                  f"余额 {base} 的 {r.share:%} 兑换：−{points}", ins))
                lines.append(Line("redemption", "Redemption", r.to_account, "redemption", period, money,
                                  Label("redemption payout", "积分兑换"),
                                  f"{points} points × rate {r.rate.text} = {_fmt(rate)} → {money}",
                                  f"{points} 分 × 兑换率 {r.rate.text} = {_fmt(rate)} → {money}", ins, r.rate.text))
                balances[r.account] -= points
                balances[r.to_account] = balances.get(r.to_account, Decimal(0)) + money
                totals[r.account] = totals.get(r.account, Decimal(0)) - points
                totals[r.to_account] = totals.get(r.to_account, Decimal(0)) + money
    level = None
    lv = policy.levels
    if lv is not None:
        if lv.basis == "lifetime":
            earned = sum((ln.amount for ln in lines if ln.account == lv.account and ln.kind != "Redemption"), Decimal(0))
            basis = inputs.lifetime.get((agent, lv.account), Decimal(0)) + earned
        else:
            basis = balances.get(lv.account, Decimal(0))
        for step in lv.levels:
            if basis >= step.threshold:
                level = step.name
    return lines, tuple(sorted(balances.items())), level



def _uncertain(policy: Policy, env: Env, lines: list[Line]) -> tuple[Label, ...]:
    """Where a tier or band decision compares a sampled metric with a threshold that lies inside
    the metric's 95 % interval, the sample cannot tell which side the agent is on: say so."""
    fired = {ln.rule_id for ln in lines}
    notes: list[Label] = []
    seen: set[tuple[str, Decimal]] = set()
    for rule in policy.rules:
        if rule.head.id not in fired or not isinstance(rule, TiersRule | BandsRule):
            continue
        pairs: list[tuple[str, Decimal]] = []
        if isinstance(rule, TiersRule):
            for tier in rule.tiers:
                if tier.when is not None:
                    pairs += thresholds(tier.when.node)
        else:
            for name in rule.value.names:
                pairs += [(name, edge) for b in rule.bands for edge in (b.lower, b.upper) if edge is not None]
        for name, limit in pairs:
            value, se = env.get(name), env.get(name + SE_SUFFIX)
            if (name, limit) in seen or not isinstance(value, Decimal) or not isinstance(se, Decimal) or se == 0:
                continue
            seen.add((name, limit))
            low, high = value - Z95 * se, value + Z95 * se
            if low < limit < high:
                v, lo, hi = (_fmt(x.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)) for x in (value, low, high))
                notes.append(Label(
                    f"{rule.head.id}: {name} = {v}, 95 % interval {lo}–{hi}, which contains the threshold {_fmt(limit)}: "
                    "the sample cannot tell on which side of it the agent is. More evaluations would settle it.",
                    f"{rule.head.id}：{name} = {v}，95% 置信区间 {lo}–{hi} 包含阈值 {_fmt(limit)}，"
                    "现有抽样无法判定坐席位于阈值哪一侧，增加质检量可以确定。"))
    return tuple(notes)
