"""``jili qa``: sample, score, intervals, calibrate."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from jili.cli.app import JsonOpt, PeriodOpt, WorkspaceOpt, _fail, app, open_workspace, resolve_period
from jili.cli.output import console, emit_json, print_problems, t
from jili.core.problems import Location, Problem, Severity
from jili.io.workspace import Workspace

if TYPE_CHECKING:
    import duckdb

qa_app = typer.Typer(help="Quality monitoring: sampling, scoring, intervals, calibration / 质检", no_args_is_help=True)
app.add_typer(qa_app, name="qa")
TzOpt = Annotated[str | None, typer.Option(help="Local timezone of the calls (default: the workspace's) / 时区")]


def _facts(ws: Workspace) -> duckdb.DuckDBPyConnection:
    from jili.registry.facts import facts_connection

    return facts_connection(ws)[0]


def _excluded(reason: str) -> str:
    """Why calls were left out of the sample, in the reader's language ("test call", "under 30 s")."""
    if reason == "test call":
        return t(reason, "测试通话")
    if reason.startswith("under ") and reason.endswith(" s"):
        return t(reason, f"短于 {reason[6:-2]} 秒")
    return reason


@qa_app.command("sample")
def qa_sample(period: PeriodOpt,
              per_agent: Annotated[int, typer.Option(help="Calls per agent (R3: 15) / 每人抽取数")] = 15,
              seed: Annotated[int, typer.Option(help="Random seed: same seed, same sample / 随机种子")] = 1,
              long_calls: Annotated[int, typer.Option(help="Quota of the longest calls / 超长通话配额")] = 1,
              repeat_callers: Annotated[int, typer.Option(help="Quota of repeat callers / 重复来电配额")] = 1,
              low_csat: Annotated[int, typer.Option(help="Quota of low-CSAT calls / 低满意度配额")] = 1,
              complaints: Annotated[int, typer.Option(help="Quota of calls with a complaint / 投诉配额")] = 1,
              autoqa: Annotated[int, typer.Option(help="Quota of calls auto-QA flagged / 智能质检命中配额")] = 1,
              timezone: TzOpt = None,
              out: Annotated[Path | None, typer.Option(help="Write the picks as CSV / 输出抽样清单")] = None,
              agent: Annotated[str | None, typer.Option(help="Show one agent's picks with their reasons / "
                                                             "显示某坐席的抽样明细")] = None,
              workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """Draw the period's sample: stratified, targeted, reproducible, every pick with its reason. / 抽样。"""
    ws = open_workspace(workspace, as_json)
    per = resolve_period(period, as_json)
    from jili.io.factstore.qa import calls_for_sampling
    from jili.qa.sampling import Plan, Target, sample

    targets = tuple(Target(r, q) for r, q in (("complaint", complaints), ("autoqa", autoqa), ("low_csat", low_csat),
                                               ("repeat_caller", repeat_callers), ("long", long_calls)) if q > 0)
    result = sample(calls_for_sampling(_facts(ws), per, timezone or ws.timezone),
                    Plan(per_agent=per_agent, targets=targets, seed=seed))
    rows = [(r.agent_id, p.call.interaction_id, p.call.local_start, p.call.seconds, p.stratum, p.reason_en, p.reason_zh)
            for r in result for p in r.picks]
    if out is not None:
        with out.open("w", newline="", encoding="utf-8-sig") as fh:
            w = csv.writer(fh)
            w.writerow(["agent_id", "interaction_id", "local_start", "seconds", "stratum", "reason", "原因"])
            w.writerows(rows)
    if as_json:
        emit_json({"ok": True, "period": per.label, "seed": seed, "agents": [
            {"agent_id": r.agent_id, "eligible": r.eligible, "excluded": r.excluded,
             "picks": [{"interaction_id": p.call.interaction_id, "stratum": p.stratum, "reason": p.reason_en,
                        "reason_zh": p.reason_zh} for p in r.picks]} for r in result]})
        return
    if agent is not None:
        mine = next((r for r in result if r.agent_id == agent), None)
        if mine is None:
            raise _fail([Problem(Severity.ERROR, "no_calls", Location(agent),
                                 f"Agent {agent} has no answered call in {per.label}.",
                                 f"坐席 {agent} 在 {per.label} 没有接通的通话。")], as_json)
        picks = Table(title=t(f"{agent}: {len(mine.picks)} of {mine.eligible} calls, {per.label} (seed {seed})",
                              f"{agent}：从 {mine.eligible} 通中抽取 {len(mine.picks)} 通，{per.label}（种子 {seed}）"))
        for head in (t("call", "通话"), t("time", "时间"), t("seconds", "秒"), t("why", "原因")):
            picks.add_column(head, overflow="fold")
        for p in mine.picks:
            picks.add_row(p.call.interaction_id, f"{p.call.local_start:%Y-%m-%d %H:%M}", str(p.call.seconds),
                          t(p.reason_en, p.reason_zh))
        console.print(picks)
        return
    table = Table(title=t(f"Sample for {per.label} (seed {seed})", f"{per.label} 抽样（种子 {seed}）"))
    for head in (t("agent", "坐席"), t("eligible", "可抽"), t("picked", "抽取"), t("targeted", "定向"),
                 t("excluded", "排除"), t("strata", "覆盖层")):
        table.add_column(head, justify="right")
    for r in result:
        targeted = sum(1 for p in r.picks if p.reason_en.startswith("targeted"))
        table.add_row(r.agent_id, str(r.eligible), str(len(r.picks)), str(targeted),
                      ", ".join(f"{_excluded(k)} {v}" for k, v in r.excluded.items()), str(len({p.stratum for p in r.picks})))
    console.print(table)
    if out is None:
        console.print(t("Each pick's reason: --agent AGENT, or every pick as CSV: --out FILE",
                        "查看每通的抽取原因：--agent 工号；导出全部清单：--out 文件"), markup=False)
    if out is not None:
        console.print(t(f"Picks with their reasons: {out}", f"抽样清单及原因：{out}"))


def _score_all(ws: Workspace, period: str, as_json: bool, timezone: str | None):
    from jili.io.factstore.qa import score_evaluations
    from jili.io.specs.scorecard import workspace_scorecards

    per = resolve_period(period, as_json)
    cards, problems = workspace_scorecards(ws.scorecards_dir)
    result = score_evaluations(_facts(ws), cards, per, timezone or ws.timezone)
    return per, list(result.scored), [*problems, *result.problems]


@qa_app.command("score")
def qa_score(period: PeriodOpt, timezone: TzOpt = None,
             out: Annotated[Path | None, typer.Option(help="Scored evaluations as CSV (import with "
                                                         "--format evaluations --supersede) / 输出")] = None,
             workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """Check and score evaluations against their scorecard versions; R4 accuracy per agent. / 评分与准确率。"""
    ws = open_workspace(workspace, as_json)
    from jili.qa.accuracy import accuracy

    per, scored, problems = _score_all(ws, period, as_json, timezone)
    by_agent: dict[str, list] = defaultdict(list)
    for ev, s in scored:
        by_agent[ev.agent_id].append(s)
    if out is not None:
        with out.open("w", newline="", encoding="utf-8-sig") as fh:
            w = csv.writer(fh)
            w.writerow(["evaluation_id", "interaction_id", "agent_id", "scorecard", "scorecard_version", "source",
                        "evaluator", "call_at", "evaluated_at", "score", "fatal", "nonfatal_errors", "opportunities"])
            for ev, s in scored:
                w.writerow([ev.evaluation_id, ev.interaction_id or "", ev.agent_id, s.scorecard, s.version,
                            ev.source, ev.evaluator or "", ev.day, ev.day, s.total, s.fatal,
                            s.nonfatal_errors, s.opportunities])
    acc = {a: accuracy(v) for a, v in by_agent.items()}
    if as_json:
        emit_json({"ok": not any(p.is_error for p in problems), "period": per.label, "scored": len(scored),
                   "problems": [p.as_json() for p in problems],
                   "agents": [{"agent_id": a, "calls": x.calls, "fatal_accuracy": str(x.fatal_accuracy),
                               "nonfatal_accuracy": str(x.nonfatal_accuracy), "meets_targets": x.meets_targets}
                              for a, x in sorted(acc.items())]})
        return
    console.print(t(f"{len(scored)} evaluations scored; {sum(p.is_error for p in problems)} refused",
                    f"已评分 {len(scored)} 份；{sum(p.is_error for p in problems)} 份被拒"))
    print_problems(problems, limit=20)
    table = Table(title=t("R4 accuracy", "R4 准确率"))
    for head in (t("agent", "坐席"), t("calls", "通话"), t("fatal acc.", "致命准确率"), t("non-fatal acc.", "非致命准确率"),
                 t("targets", "达标")):
        table.add_column(head, justify="right")
    for a, x in sorted(acc.items()):
        table.add_row(a, str(x.calls), f"{x.fatal_accuracy:.1%}" if x.fatal_accuracy is not None else "—",
                      f"{x.nonfatal_accuracy:.1%}" if x.nonfatal_accuracy is not None else "—",
                      {True: "✔", False: "✘", None: "—"}[x.meets_targets])
    console.print(table)


@qa_app.command("intervals")
def qa_intervals(period: PeriodOpt,
                 thresholds: Annotated[str, typer.Option(help="Tier thresholds, e.g. R15's 95,90,85 / 档位阈值")] = "95,90,85",
                 source: Annotated[str | None, typer.Option(help="Only this QA source / 仅此来源")] = None,
                 timezone: TzOpt = None, workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """Each agent's QA score with its 95 % interval; says when a tier decision is not clear. / 置信区间。"""
    ws = open_workspace(workspace, as_json)
    per = resolve_period(period, as_json)
    from jili.io.factstore.qa import scores_by_agent
    from jili.qa.stats import mean_interval

    limits = [float(x) for x in thresholds.split(",") if x.strip()]
    report = []
    for agent, scores in scores_by_agent(_facts(ws), per, timezone or ws.timezone, source):
        interval = mean_interval(scores)
        if interval is None:
            continue
        report.append((agent, interval, interval.unclear_thresholds(limits)))
    if as_json:
        emit_json({"ok": True, "period": per.label, "thresholds": limits, "agents": [
            {"agent_id": a, "n": i.n, "mean": round(i.mean, 2), "low": round(i.low, 2), "high": round(i.high, 2),
             "unclear": u} for a, i, u in report]})
        return
    unclear = [r for r in report if r[2]]
    console.print(t(f"{len(unclear)} of {len(report)} agents have a tier decision that the sample cannot settle "
                    f"(the 95 % interval contains a threshold)",
                    f"{len(report)} 名坐席中 {len(unclear)} 名的档位判定在统计上不明确（95% 置信区间跨越阈值）"))
    table = Table()
    for head in (t("agent", "坐席"), "n", t("mean", "均分"), t("95 % interval", "95% 区间"), t("unclear at", "不明确的阈值")):
        table.add_column(head, justify="right")
    for a, i, u in report:
        table.add_row(a, str(i.n), f"{i.mean:.1f}", f"{i.low:.1f} – {i.high:.1f}", ", ".join(f"{x:g}" for x in u))
    console.print(table)


@qa_app.command("calibrate")
def qa_calibrate(period: PeriodOpt, timezone: TzOpt = None, workspace: WorkspaceOpt = None,
                 as_json: JsonOpt = False) -> None:
    """Agreement between evaluators on calls they all scored; who is lenient or severe. / 校准。"""
    ws = open_workspace(workspace, as_json)
    per = resolve_period(period, as_json)
    from jili.io.factstore.qa import ratings_for_calibration
    from jili.qa.calibration import calibrate

    ratings = ratings_for_calibration(_facts(ws), per, timezone or ws.timezone)
    report = calibrate(ratings)
    if as_json:
        emit_json({"ok": True, "calls": report.calls, "evaluators": report.evaluators, "alpha": report.alpha,
                   "icc": report.icc, "within_5": report.within_5, "reliable": report.reliable,
                   "bias": [{"evaluator": b.evaluator, "calls": b.calls, "mean": b.bias.mean, "low": b.bias.low,
                             "high": b.bias.high, "verdict": b.verdict} for b in report.evaluators_bias],
                   "items": [{"item": i.item, "alpha": i.alpha, "mean_spread": i.mean_abs_diff} for i in report.items]})
        return
    alpha = "—" if report.alpha is None else f"{report.alpha:.3f}"
    icc = "—" if report.icc is None else f"{report.icc:.3f}"
    console.print(t(f"{report.calls} calls scored by {report.evaluators} evaluators: Krippendorff's alpha {alpha} "
                    f"({'reliable' if report.reliable else 'below 0.8'}), ICC(2,1) {icc}, {report.within_5:.0%} within ±5",
                    f"{report.calls} 通电话、{report.evaluators} 名质检员：Krippendorff α = {alpha}"
                    f"（{'可靠' if report.reliable else '低于 0.8'}），ICC(2,1) = {icc}，±5 分以内 {report.within_5:.0%}"))
    words = {"lenient": t("lenient", "偏宽"), "severe": t("severe", "偏严"), "in line": t("in line", "一致")}
    for b in report.evaluators_bias:
        console.print(f"  {b.evaluator:<10} {b.bias.mean:+.2f} ({b.bias.low:+.2f} … {b.bias.high:+.2f})  {words[b.verdict]}")
