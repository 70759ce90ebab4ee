"""Commands of the incentive pipeline: run, explain, close, correct, export, leaderboard, whatif."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from jili.cli.app import (
    EngineOpt,
    JsonOpt,
    PeriodOpt,
    PolicyOpt,
    WorkspaceOpt,
    _fail,
    acting_user,
    app,
    engine_of,
    find_workspace,
    open_workspace,
    resolve_head,
    resolve_period,
    resolve_policy,
)
from jili.cli.output import console, emit_json, lang, print_problems, t
from jili.core.problems import Location, Problem, Severity
from jili.core.statement import Statement, statement_to_json


@app.command("run")
def run_cmd(policy: PolicyOpt, period: PeriodOpt,
            allow_empty: Annotated[bool, typer.Option("--allow-empty", help="Post even when a paying rule reads a "
                                                      "metric no agent has facts for / 允许无数据指标")] = False,
            engine: EngineOpt = None, workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """Compute a period under a policy, post to the ledger, store statements. / 计算并记账。"""
    ws = open_workspace(workspace, as_json)
    ws = dataclasses.replace(ws, engine=engine_of(ws, engine))
    pol = resolve_policy(ws, policy, as_json)
    per = resolve_period(period, as_json)
    if per.kind != pol.period:
        raise _fail([Problem(Severity.ERROR, "bad_period", Location("--period"),
                             f"{pol.id} settles per {pol.period.value}; {per.label} is a {per.kind.value}.",
                             f"{pol.id} 按{pol.period.value}结算，{per.label} 是{per.kind.value}。")], as_json, code=2)
    from jili.registry.ledger import do_run_policy

    outcome = do_run_policy(ws, pol, per, acting_user=acting_user(), allow_empty=allow_empty)
    if not outcome.ok:
        raise _fail(list(outcome.problems), as_json)
    totals = _totals(outcome.statements)
    eligible = sum(1 for s in outcome.statements if s.eligible)
    if as_json:
        emit_json({"ok": True, "run": outcome.run_id, "replaces": outcome.replaced, "policy": pol.id,
                   "version": pol.version, "period": per.label, "agents": len(outcome.statements),
                   "eligible": eligible, "totals": {k: str(v) for k, v in totals.items()},
                   "flags": sum(len(s.flags) for s in outcome.statements),
                   "problems": [p.as_json() for p in outcome.problems]})
        return
    console.print(t(f"✔ {pol.id} v{pol.version} · {per.label}: {len(outcome.statements)} agents "
                    f"({eligible} eligible), run {outcome.run_id}",
                    f"✔ {pol.id} v{pol.version} · {per.label}：{len(outcome.statements)} 名坐席"
                    f"（{eligible} 名参加），计算批次 {outcome.run_id}"), style="green")
    if outcome.replaced:
        console.print(t(f"  replaces run {outcome.replaced} of this open period",
                        f"  替代本期（未结账）之前的计算 {outcome.replaced}"))
    for account, total in totals.items():
        console.print(f"  {account:<12} {total:>14,}")
    print_problems(outcome.problems, limit=10)


def _totals(statements: Sequence[Statement]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for s in statements:
        for account, v in s.totals:
            totals[account] = totals.get(account, Decimal(0)) + v
    return totals


@app.command()
def explain(agent: Annotated[str, typer.Argument(help="Agent id / 坐席工号")], policy: PolicyOpt, period: PeriodOpt,
            workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """Print one agent's statement with the reason for every amount. / 打印坐席结算单及每项依据。"""
    ws = open_workspace(workspace, as_json)
    per = resolve_period(period, as_json)
    pol = resolve_head(ws, policy, per, as_json)
    from jili.registry.results import active_run, corrections_in, line_postings, stored_statements

    found = stored_statements(pol.id, per, agent)
    if not found:
        raise _fail([Problem(Severity.ERROR, "no_statement", Location(agent),
                             f"No statement for {agent} under {pol.id} in {per.label}.",
                             f"{per.label} 没有 {agent} 在 {pol.id} 下的结算单。",
                             fix=f"Run the period first: jili run --policy {policy} --period {per.label}",
                             fix_zh=f"请先计算：jili run --policy {policy} --period {per.label}")], as_json)
    statement = found[0]
    corrections = corrections_in(pol, per, agent)
    run = active_run(pol.id, per.label)
    postings = line_postings(run.pk, statement) if run is not None else ()
    from jili.registry.ladder import current_steps

    career = current_steps(per.end - dt.timedelta(days=1), [agent]).get(agent)  # R19: the step on the period's last day
    if as_json:
        emit_json({"ok": True, "statement": statement_to_json(statement), "postings": list(postings),
                   "career_step": None if career is None else {"step": career.step.code,
                                                               "since": career.effective.isoformat(),
                                                               "route": career.route.value},
                   "corrections": [{"posting": c.posting, "corrects": c.corrects, "account": c.account,
                                    "amount": str(c.amount), "note": c.reason} for c in corrections]})
        return
    units = {a.name: a.unit for a in pol.accounts.values()}
    from jili.core.explain import render

    console.print(render(statement, lang(), units, postings), markup=False, end="", soft_wrap=True)
    if career is not None:
        from jili.core.ladder import ROUTE_LABELS

        route = ROUTE_LABELS[career.route]
        console.print(t(f"career step: {career.step.label.en} since {career.effective.isoformat()} ({route.en})",
                        f"职级：{career.step.label.zh}（自 {career.effective.isoformat()}，{route.zh}）"),
                      markup=False)
    for c in corrections:
        console.print(t(f"correction #{c.posting} of posting #{c.corrects} ({c.corrects_period}): {c.account} "
                        f"{c.amount:+} — {c.reason}",
                        f"更正 #{c.posting}（更正 {c.corrects_period} 的记账 #{c.corrects}）：{c.account} {c.amount:+}"
                        f" — {c.reason}"), markup=False)


@app.command()
def close(period: PeriodOpt,
          workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """Close (lock) a period: it can no longer be run. / 结账：周期锁定，不可重算。"""
    open_workspace(workspace, as_json)
    per = resolve_period(period, as_json)
    from jili.registry.ledger import do_close_period

    problem = do_close_period(per, acting_user=acting_user())
    if problem is not None:
        raise _fail([problem], as_json)
    if as_json:
        emit_json({"ok": True, "closed": per.label})
    else:
        console.print(t(f"✔ {per.label} closed", f"✔ {per.label} 已结账"), style="green")


@app.command(context_settings={"ignore_unknown_options": True})  # a negative amount (-50) is an argument
def correct(posting: Annotated[str, typer.Argument(help="Posting to correct (jili explain shows it), or AGENT:RULE "
                                                        "with --policy / 被更正的记账号，或 工号:规则")],
            amount: Annotated[str, typer.Argument(help="Amount to post, e.g. 100 or -50 / 更正金额")],
            period: PeriodOpt, reason: Annotated[str, typer.Option(help="Why / 原因")],
            policy: Annotated[str | None, typer.Option("--policy", "-p", help="The policy of AGENT:RULE / 策略")] = None,
            of: Annotated[str | None, typer.Option("--of", help="The period AGENT:RULE was posted in (default "
                                                                "--period) / 原记账周期")] = None,
            workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """Post a correction in an open period (e.g. an appeal won after close). / 在未结账周期中记更正。"""
    ws = open_workspace(workspace, as_json)
    per = resolve_period(period, as_json)
    from jili.registry.ledger import do_correct, posting_of_rule

    if posting.isdigit():
        posting_id = int(posting)
    else:
        agent, _, rule = posting.partition(":")
        if not agent or not rule or policy is None:
            raise _fail([Problem(Severity.ERROR, "bad_posting", Location(posting),
                                 f"'{posting}' is neither a posting number nor AGENT:RULE with --policy.",
                                 f"“{posting}”既不是记账号，也不是带 --policy 的 工号:规则。",
                                 expected="1234, or A001:quality_tier --policy r15-service-quality-bonus")],
                        as_json, code=2)
        original = resolve_period(of or period, as_json)
        found = posting_of_rule(resolve_policy(ws, policy, as_json).id, original.label, agent, rule)
        if isinstance(found, Problem):
            raise _fail([found], as_json)
        posting_id = found
    result = do_correct(posting_id, amount, per, acting_user=acting_user(), reason=reason)
    if isinstance(result, Problem):
        raise _fail([result], as_json)
    if as_json:
        emit_json({"ok": True, "posting": result.pk, "corrects": posting_id})
    else:
        console.print(t(f"✔ correction of posting #{posting_id} posted as #{result.pk}",
                        f"✔ 已更正记账 #{posting_id}，更正记账号 #{result.pk}"), style="green")


@app.command()
def export(policy: PolicyOpt, period: PeriodOpt,
           out: Annotated[Path, typer.Option(help="payout.xlsx, .csv or .json / 输出文件")] = Path("payout.xlsx"),
           workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """Write the payout sheet: one row per agent, with the lines and flags behind it. / 导出发放表。"""
    ws = open_workspace(workspace, as_json)
    per = resolve_period(period, as_json)
    pol = resolve_head(ws, policy, per, as_json)
    from jili.registry.results import corrections_in, stored_statements

    statements = stored_statements(pol.id, per)
    if not statements:
        raise _fail([Problem(Severity.ERROR, "no_run", Location(per.label), f"{pol.id} has no run for {per.label}.",
                             f"{pol.id} 在 {per.label} 没有计算结果。", fix="jili run first.",
                                                                        fix_zh="请先运行 jili run。")], as_json)
    from jili.io.outputs.payout import write_payout

    write_payout(out, pol, statements, corrections_in(pol, per))
    if as_json:
        emit_json({"ok": True, "file": str(out), "agents": len(statements)})
    else:
        console.print(t(f"✔ {out}: {len(statements)} agents", f"✔ {out}：{len(statements)} 名坐席"), style="green")


@app.command()
def leaderboard(policy: PolicyOpt, period: PeriodOpt,
                account: Annotated[str | None, typer.Option(help="Account to rank by / 排名账户")] = None,
                top: Annotated[int, typer.Option(help="How many / 显示人数")] = 10,
                workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """The period's leaderboard by an account. / 排行榜。"""
    ws = open_workspace(workspace, as_json)
    per = resolve_period(period, as_json)
    pol = resolve_head(ws, policy, per, as_json)
    from jili.registry.results import active_run
    from jili.registry.results import leaderboard as board_of

    acct = account or next(iter(pol.accounts))
    run = active_run(pol.id, per.label)
    rows = board_of(run.pk, acct, top) if run is not None else []
    if as_json:
        emit_json({"ok": True, "account": acct, "board": [
            {"place": s.place, "agent_id": s.agent_id, "name": s.name, "team": s.team, "total": str(s.total),
             "level": s.level or None} for s in rows]})
        return
    table = Table(title=t(f"{pol.name.en} · {per.label} · {acct}", f"{pol.name.zh} · {per.label} · {acct}"))
    for head in ("#", t("agent", "坐席"), t("name", "姓名"), t("team", "班组"), acct, t("level", "等级")):
        table.add_column(head)
    for s in rows:
        table.add_row(str(s.place), s.agent_id, s.name, s.team, f"{s.total:,}", s.level)
    console.print(table)


@app.command()
def snapshot(period: PeriodOpt,
             policies: Annotated[list[str], typer.Option("--policy", "-p", help="Policies whose ledger to include "
                                                                               "/ 包含其账目的策略")],
             out: Annotated[Path, typer.Option(help="Snapshot file (JSON) / 快照文件")],
             workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """Write what a run of the period reads (facts, roster, ledger) to a file, for what-if anywhere. / 导出快照。"""
    ws = open_workspace(workspace, as_json)
    per = resolve_period(period, as_json)
    ids = [resolve_policy(ws, p, as_json).id for p in policies]
    from jili.registry.ledger import period_sources

    sources = period_sources(ws, per, ids)
    from jili.pipeline.sources import write_snapshot

    write_snapshot(sources, out)
    if as_json:
        emit_json({"ok": True, "file": str(out), "period": per.label, "agents": len(sources.population),
                   "batches": len(sources.facts)})
    else:
        console.print(t(f"✔ {out}: {per.label}, {len(sources.population)} agents, {len(sources.facts)} batches",
                        f"✔ {out}：{per.label}，{len(sources.population)} 名坐席，{len(sources.facts)} 个批次"),
                      style="green")


@app.command()
def whatif(policy: PolicyOpt, period: PeriodOpt,
           base: Annotated[str, typer.Option(help="The policy in force to compare with / 对比的现行策略")],
           account: Annotated[str | None, typer.Option(help="Account to compare / 对比账户")] = None,
           snapshot: Annotated[Path | None, typer.Option(help="Read the facts, roster and ledger from a snapshot "
                                                               "file instead of the registry / 从快照文件读取")] = None,
           engine: EngineOpt = None, workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """Run a draft policy beside the one in force on the same facts; nothing is stored. / 模拟新方案。"""
    ws = find_workspace(workspace, as_json) if snapshot is not None else open_workspace(workspace, as_json)
    draft = resolve_policy(ws, policy, as_json)
    current = resolve_policy(ws, base, as_json)
    per = resolve_period(period, as_json)
    if snapshot is not None:
        from jili.pipeline.sources import read_snapshot

        sources, problems = read_snapshot(snapshot)
        if sources is None:
            raise _fail(problems, as_json)
        if sources.period != per:
            raise _fail([Problem(Severity.ERROR, "bad_period", Location(str(snapshot)),
                                 f"The snapshot is of {sources.period.label}, not {per.label}.",
                                 f"快照为 {sources.period.label}，不是 {per.label}。",
                                 fix=f"jili snapshot --period {per.label} --policy {policy} --policy {base} --out FILE",
                fix_zh=f"jili snapshot --period {per.label} --policy {policy} --policy {base} --out 文件")],
                        as_json, code=2)
    else:
        from jili.registry.ledger import period_sources

        sources = period_sources(ws, per, [draft.id, current.id])
    acct = account or next(iter(current.accounts))
    settings = engine_of(ws, engine)
    from jili.core.whatif import compare
    from jili.pipeline.period import run_period

    before, after = run_period(current, sources, engine=settings), run_period(draft, sources, engine=settings)
    if any(p.code == "engine_unavailable" for p in before.problems):
        raise _fail(list(before.problems), as_json)
    result = compare(draft.id, current.id, acct, {s.agent_id: s.total(acct) for s in before.statements},
                     {s.agent_id: s.total(acct) for s in after.statements})
    if as_json:
        emit_json({"ok": True, "account": acct, "total_before": str(result.total_before),
                   "total_after": str(result.total_after), "change": str(result.total_after - result.total_before),
                   "gain": result.gain, "lose": result.lose, "same": result.same,
                   "largest": [{"agent_id": c.agent_id, "before": str(c.before), "after": str(c.after),
                                "change": str(c.change)} for c in result.largest]})
        return
    total_before, total_after = result.total_before, result.total_after
    console.print(t(f"What if {draft.id} v{draft.version} replaced {current.id} v{current.version} in {per.label}?",
                    f"若 {per.label} 用 {draft.id} v{draft.version} 替代 {current.id} v{current.version}："))
    console.print(t(f"  total {acct}: {total_before:,} → {total_after:,} ({total_after - total_before:+,})",
                    f"  {acct} 总额：{total_before:,} → {total_after:,}（{total_after - total_before:+,}）"))
    console.print(t(f"  {result.gain} agents gain, {result.lose} lose, {result.same} unchanged",
                    f"  {result.gain} 人增加，{result.lose} 人减少，{result.same} 人不变"))
    table = Table(title=t("Largest changes", "变化最大"))
    for head in (t("agent", "坐席"), t("before", "现行"), t("after", "新方案"), t("change", "变化")):
        table.add_column(head, justify="right")
    for c in result.largest:
        table.add_row(c.agent_id, f"{c.before:,}", f"{c.after:,}", f"{c.change:+,}")
    console.print(table)
