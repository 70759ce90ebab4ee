"""``jili evaluate``: was a scheme worth it (R18)? Satisfaction, resolution and QA score before and after."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from jili.cli.app import JsonOpt, WorkspaceOpt, _fail, app, open_workspace, parse_day, resolve_policy
from jili.cli.output import console, emit_json, t
from jili.core.problems import Location, Problem, Severity

if TYPE_CHECKING:  # numpy comes with the estimate, when the command runs
    from jili.core.effect import SchemeEvaluation


def _since(since: str | None, policy: str | None, workspace: Path | None, as_json: bool) -> dt.date:
    if since:
        return parse_day(since, as_json, "--since")
    if policy:
        from jili.io.workspace import load_workspace

        found = resolve_policy(load_workspace(workspace) if workspace else None, policy, as_json)
        if found.effective_from is not None:
            return found.effective_from
        raise _fail([Problem(Severity.ERROR, "no_effective_date", Location(policy),
                             f"Policy {found.id} has no effective_from: nothing says when it took effect.",
                             f"策略 {found.id} 没有 effective_from，无从知道何时生效。",
                             fix="Give the day with --since, or add effective_from to the policy.",
                             fix_zh="请用 --since 指定生效日，或在策略中写明 effective_from。")], as_json)
    raise _fail([Problem(Severity.ERROR, "no_since", Location("--since"), "When did the scheme take effect?",
                         "方案何时生效？", fix="Give --since 2026-09-01, or --policy with an effective_from.",
                         fix_zh="请给出 --since 2026-09-01，或带 effective_from 的 --policy。")], as_json, code=2)


def _names(text: str | None) -> tuple[str, ...]:
    return tuple(x.strip() for x in (text or "").replace("，", ",").split(",") if x.strip())


def _write_paths(result: SchemeEvaluation, out: Path) -> None:
    with out.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["metric", "agent_id", "team", "adopted", "before", "after"])
        for m in result.metrics:
            for p in m.paths:
                w.writerow([m.metric.name, p.agent_id, p.team, "yes" if p.adopted else "no",
                            "" if p.before is None else f"{p.before:.2f}", "" if p.after is None else f"{p.after:.2f}"])


def _json(result: SchemeEvaluation) -> dict[str, object]:
    from jili.core.effect import Effect

    metrics = []
    for m in result.metrics:
        r = m.result
        entry: dict[str, object] = {"metric": m.metric.name, "agents": len(m.paths)}
        if isinstance(r, Effect):
            entry.update({"method": r.method.value, "estimate": round(r.estimate, 3), "low": round(r.low, 3),
                          "high": round(r.high, 3), "confidence": r.confidence, "clear": r.clear,
                          "adopted": {"agents": r.adopted.agents, "teams": r.adopted.teams,
                                      "before": round(r.adopted.before, 3), "after": round(r.adopted.after, 3)},
                          "others": None if r.others is None else {
                              "agents": r.others.agents, "teams": r.others.teams,
                              "before": round(r.others.before, 3), "after": round(r.others.after, 3)},
                          "threats": [{"code": x.code, "message": x.message.en, "message_zh": x.message.zh}
                                      for x in r.threats],
                          "verdict": r.verdict("en"), "verdict_zh": r.verdict("zh")})
        else:
            entry.update({"method": None, "message": r.message.en, "message_zh": r.message.zh})
        metrics.append(entry)
    return {"ok": True, "since": result.since.isoformat(),
            "before": [d.isoformat() for d in result.before], "after": [d.isoformat() for d in result.after],
            "adopted_teams": list(result.adopted_teams), "adopted_sites": list(result.adopted_sites),
            "metrics": metrics, "verdict": result.verdict("en"), "verdict_zh": result.verdict("zh")}


@app.command()
def evaluate(since: Annotated[str | None, typer.Option(help="Day the scheme took effect / 方案生效日")] = None,
             policy: Annotated[str | None, typer.Option("--policy", "-p", help="Take the day from this policy's "
                                                        "effective_from / 取该策略的生效日")] = None,
             teams: Annotated[str | None, typer.Option(help="Teams that adopted it, T001,T003 (default: everybody) / "
                                                       "采用方案的班组")] = None,
             sites: Annotated[str | None, typer.Option(help="Sites that adopted it / 采用方案的职场")] = None,
             months: Annotated[int, typer.Option(help="Months compared on each side / 前后各比较几个月")] = 1,
             out: Annotated[Path | None, typer.Option(help="Write each agent's path as CSV / 输出每名坐席的前后数据")] = None,
             workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """Was the scheme worth it (R18)? Satisfaction, resolution and QA score before and after, against the teams
    that did not adopt it. / 评估方案效果。"""
    day = _since(since, policy, workspace, as_json)
    ws = open_workspace(workspace, as_json)
    from jili.core.effect import Effect
    from jili.registry.effect import evaluate_scheme

    result = evaluate_scheme(ws, day, months=months, teams=_names(teams), sites=_names(sites))
    if isinstance(result, Problem):
        raise _fail([result], as_json)
    if out is not None:
        _write_paths(result, out)
    if as_json:
        emit_json(_json(result))
        return
    who = ", ".join(result.adopted_teams + result.adopted_sites) or t("everybody", "全体")
    console.print(t(f"Scheme from {day.isoformat()}, adopted by {who}; {result.before[0]} to {result.before[1]} "
                    f"against {result.after[0]} to {result.after[1]} (end dates not included)",
                    f"方案自 {day.isoformat()} 起实施，采用者：{who}；比较 {result.before[0]} 至 {result.before[1]} "
                    f"与 {result.after[0]} 至 {result.after[1]}（不含结束日）"), markup=False)
    table = Table()
    for head in (t("metric", "指标"), t("adopters before → after", "试点组 前 → 后"),
                 t("others before → after", "对照组 前 → 后"), t("effect", "效果"), t("95 % interval", "95% 区间")):
        table.add_column(head, justify="right")
    for m in result.metrics:
        r = m.result
        if not isinstance(r, Effect):
            table.add_row(m.metric.label.get(t("en", "zh")), "—", "—", "—", "—")
            continue
        others = "—" if r.others is None else f"{r.others.before:.1f} → {r.others.after:.1f} ({r.others.agents})"
        table.add_row(m.metric.label.get(t("en", "zh")), f"{r.adopted.before:.1f} → {r.adopted.after:.1f} "
                      f"({r.adopted.agents})", others, f"{r.estimate:+.1f}", f"{r.low:+.1f} … {r.high:+.1f}")
    console.print(table)
    console.print(result.verdict(t("en", "zh")), markup=False)
    for m in result.metrics:
        if not isinstance(m.result, Effect):
            console.print(m.result.message.get(t("en", "zh")), markup=False, style="yellow")
    for threat in result.threats:
        console.print("  " + t("Threat: ", "注意：") + threat.message.get(t("en", "zh")), markup=False, style="dim")
    if out is not None:
        console.print(t(f"Each agent's path: {out}", f"每名坐席的前后数据：{out}"), markup=False)
