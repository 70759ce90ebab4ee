"""``jili ladder``: R19's career ladder — each agent's steps, starting steps, and the promotions the yearly
appraisal proposes with their evidence."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from jili.cli.app import (
    JsonOpt,
    PolicyOpt,
    WorkspaceOpt,
    _fail,
    acting_user,
    app,
    open_workspace,
    parse_day,
    resolve_policy,
)
from jili.cli.output import console, emit_json, lang, print_problems, t
from jili.core.label import Label
from jili.core.ladder import LADDER, ROUTE_LABELS, Route, appraisal_dates
from jili.core.problems import Problem

ladder_app = typer.Typer(help="Career ladder (R19): 见习 → 初级 → 中级 → 高级 → 主管 → 经理 → 总监 / 职级",
                         no_args_is_help=True)
app.add_typer(ladder_app, name="ladder")


@ladder_app.command("show")
def ladder_show(agent: Annotated[str, typer.Argument(help="Agent id / 坐席工号")],
                workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """An agent's steps on the ladder, oldest first. / 坐席的职级历史。"""
    open_workspace(workspace, as_json)
    from jili.registry.ladder import history

    steps = history(agent)
    if as_json:
        emit_json({"ok": True, "agent": agent, "steps": [
            {"step": s.step.code, "effective": s.effective.isoformat(), "route": s.route.value,
             "evidence": s.evidence.en, "evidence_zh": s.evidence.zh, "decided_by": s.decided_by} for s in steps]})
        return
    if not steps:
        console.print(t(f"{agent} is not on the ladder yet (jili ladder start).",
                        f"{agent} 尚无职级记录（可用 jili ladder start 设定起始职级）。"), markup=False)
        return
    for s in steps:
        console.print(f"{s.effective.isoformat()}  {s.step.label.get(lang())}  {ROUTE_LABELS[s.route].get(lang())}"
                      + (f"  {s.evidence.get(lang())}" if s.evidence.get(lang()) else ""), markup=False)


@ladder_app.command("set")
def ladder_set(agent: Annotated[str, typer.Argument(help="Agent id / 坐席工号")],
               step_code: Annotated[str, typer.Argument(metavar="STEP", help="trainee, junior, intermediate, senior, "
                                                        "supervisor, manager, director")],
               since: Annotated[str, typer.Option(help="From this day / 生效日")],
               note: Annotated[str, typer.Option(help="Why / 原因")] = "",
               workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """Put an agent on a step from a day, by hand (history is kept, never edited). / 人工设定职级。"""
    day = parse_day(since, as_json, "--since")
    open_workspace(workspace, as_json)
    from jili.registry.ladder import do_set_step

    done = do_set_step(agent, step_code, day, Route.MANUAL, Label(note, note), acting_user=acting_user())
    if isinstance(done, Problem):
        raise _fail([done], as_json)
    if as_json:
        emit_json({"ok": True, "agent": agent, "step": done.step.code, "effective": day.isoformat()})
        return
    console.print(t(f"{agent}: {done.step.label.en} from {day.isoformat()}",
                    f"{agent}：自 {day.isoformat()} 起为{done.step.label.zh}"), markup=False)


@ladder_app.command("start")
def ladder_start(on: Annotated[str, typer.Option(help="Starting day of the steps / 起始日")],
                 workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """Put every agent on the roster who has no step yet on a starting step: probationers trainee, team
    leaders supervisor, others by tenure. / 按花名册为尚无职级的坐席设定起始职级。"""
    day = parse_day(on, as_json, "--on")
    open_workspace(workspace, as_json)
    from jili.registry.ladder import do_start_steps

    placed = do_start_steps(day, acting_user=acting_user())
    if as_json:
        emit_json({"ok": True, "on": day.isoformat(), "placed": [{"step": s.code, "agents": placed.get(s.code, 0)}
                                                                 for s in LADDER]})
        return
    counts = ("，" if lang().startswith("zh") else ", ").join(
        f"{s.label.get(lang())} {placed[s.code]}" for s in LADDER if s.code in placed)
    console.print(t(f"Starting steps from {day.isoformat()}: {counts or 'none (everyone has one)'}",
                    f"{day.isoformat()} 起始职级：{counts or '无（均已有职级）'}"), markup=False)


@ladder_app.command("propose")
def ladder_propose(year: Annotated[int, typer.Option(help="Appraisal year / 考核年度")], policy: PolicyOpt,
                   approve: Annotated[str | None, typer.Option(help="Decide these: agent ids A00001,A00002, or 'all' "
                                                               "/ 批准：工号列表或 all")] = None,
                   workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """The promotions the yearly appraisal proposes (points levels of the policy, or an appraisal score of 90
    or more; one step each), with their evidence; --approve decides them. / 年度考核晋升建议。"""
    ws = open_workspace(workspace, as_json)
    pol = resolve_policy(ws, policy, as_json)
    from jili.registry.ladder import do_promote, proposals

    found, off_ladder = proposals(ws, year, pol)
    due, results_in = appraisal_dates(year)
    chosen = found if approve == "all" else [p for p in found if approve and p.agent_id in
                                              {x.strip() for x in approve.replace("，", ",").split(",")}]
    decided = do_promote(chosen, year, acting_user=acting_user()) if chosen else []
    problems = [d for d in decided if isinstance(d, Problem)]
    if as_json:
        emit_json({"ok": not problems, "year": year, "due": due.isoformat(), "results_in": results_in.isoformat(),
                   "not_on_ladder": off_ladder, "proposals": [
                       {"agent": p.agent_id, "from": p.current.code, "to": p.proposed.code, "route": p.route.value,
                        "points_level": p.evidence.points_level, "through": p.evidence.through,
                        "appraisal": None if p.evidence.appraisal is None else str(p.evidence.appraisal),
                        "qa_mean": None if p.evidence.qa_mean is None else str(p.evidence.qa_mean),
                        "evidence": p.explained("en"), "evidence_zh": p.explained("zh")} for p in found],
                   "approved": [p.agent_id for p in chosen], "problems": [x.as_json() for x in problems]})
        return
    console.print(t(f"Appraisal {year}: due {due.isoformat()}, results in by {results_in.isoformat()} (promotions "
                    f"take effect then); {len(found)} proposals",
                    f"{year} 年度考核：{due.isoformat()} 前完成，{results_in.isoformat()} 前出结果（晋升自该日生效）；"
                    f"晋升建议 {len(found)} 条"), markup=False)
    table = Table()
    for head in (t("agent", "坐席"), t("from", "现职级"), t("to", "建议职级"), t("route", "途径"), t("evidence", "依据")):
        table.add_column(head)
    for p in found:
        table.add_row(p.agent_id, p.current.label.get(lang()), p.proposed.label.get(lang()), ROUTE_LABELS[p.route].get(lang()),
                      p.explained(lang()))
    console.print(table)
    if off_ladder:
        console.print(t(f"{off_ladder} agents with points or an appraisal are not on the ladder (jili ladder start).",
                        f"{off_ladder} 名有积分或考核记录的坐席尚无职级（可用 jili ladder start）。"), markup=False)
    if chosen:
        console.print(t(f"Approved {len(chosen) - len(problems)}: from {results_in.isoformat()}",
                        f"已批准 {len(chosen) - len(problems)} 条，自 {results_in.isoformat()} 生效"), markup=False)
    print_problems(problems)
