"""``jili calendar``: the centre's working days (show a month, count a deadline, enter an override)."""

from __future__ import annotations

from typing import Annotated

import typer

from jili.cli.app import JsonOpt, WorkspaceOpt, _fail, acting_user, app, open_workspace, parse_day
from jili.cli.output import console, emit_json, t
from jili.core.periods import PeriodKind, parse_period
from jili.core.problems import Location, Problem, Severity

calendar_app = typer.Typer(help="Working days (Chinese calendar with the centre's overrides) / 工作日历",
                           no_args_is_help=True)
app.add_typer(calendar_app, name="calendar")

_WEEKDAYS_ZH = "一二三四五六日"


@calendar_app.command("show")
def calendar_show(month: Annotated[str, typer.Argument(help="A month, 2025-10 / 月份")],
                  workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """List a month's days: worked or not, and the centre's overrides. / 列出某月的工作日。"""
    period = parse_period(month)
    if period is None or period.kind != PeriodKind.MONTH:
        raise _fail([Problem(Severity.ERROR, "bad_month", Location(month), f"'{month}' is not a month.",
                             f"“{month}”不是月份。", expected="YYYY-MM", found=month,
                             fix="Write the month as 2025-10.", fix_zh="请写成 2025-10 这样的月份。")], as_json)
    open_workspace(workspace, as_json)
    from jili.registry.calendar import month as month_days

    days = month_days(period)
    if isinstance(days, Problem):
        raise _fail([days], as_json)
    worked = sum(d.workday for d in days)
    if as_json:
        emit_json({"ok": True, "month": period.label, "working_days": worked,
                   "days": [{"date": d.day.isoformat(), "workday": d.workday, "override": d.overridden,
                             "note": d.note} for d in days]})
        return
    console.print(t(f"{period.label}: {worked} working days", f"{period.label}：{worked} 个工作日"), markup=False)
    for d in days:
        weekday = t(d.day.strftime("%a"), "周" + _WEEKDAYS_ZH[d.day.weekday()])
        kind = t("work" if d.workday else "off", "上班" if d.workday else "休息")
        extra = t(f"  (override: {d.note})" if d.overridden else "", f"（本中心调整：{d.note}）" if d.overridden else "")
        console.print(f"{d.day.isoformat()} {weekday}  {kind}{extra}", markup=False)


@calendar_app.command("deadline")
def calendar_deadline(start: Annotated[str, typer.Argument(help="The notice date, 2025-09-30 / 起算日")],
                      days: Annotated[int, typer.Argument(help="Working days after it / 工作日数")],
                      workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """The date N working days after DATE (R12: appeal in 5, review in 15). / 计算 N 个工作日后的日期。"""
    day = parse_day(start, as_json)
    if days < 0:
        raise _fail([Problem(Severity.ERROR, "bad_count", Location(str(days)), "The number of working days is negative.",
                             "工作日数不能为负。", expected="0 or more", found=str(days))], as_json)
    open_workspace(workspace, as_json)
    from jili.registry.calendar import deadline

    due = deadline(day, days)
    if isinstance(due, Problem):
        raise _fail([due], as_json)
    if as_json:
        emit_json({"ok": True, "start": day.isoformat(), "working_days": days, "deadline": due.isoformat()})
    else:
        console.print(t(f"{days} working days after {day}: {due}", f"{day} 之后第 {days} 个工作日：{due}"), markup=False)


@calendar_app.command("set")
def calendar_set(day: Annotated[str, typer.Argument(help="The date, 2027-02-06 / 日期")],
                 workday: Annotated[bool, typer.Option("--workday/--holiday", help="Worked, or a day off / 上班或休息")],
                 note: Annotated[str, typer.Option(help="Why (调休, the published schedule) / 说明")] = "",
                 workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """Declare a day worked or off for this centre (overrides the Chinese calendar). / 调整某日是否上班。"""
    when = parse_day(day, as_json)
    open_workspace(workspace, as_json)
    from jili.registry.calendar import do_set_calendar_day

    do_set_calendar_day(when, workday, note, acting_user=acting_user())
    if as_json:
        emit_json({"ok": True, "date": when.isoformat(), "workday": workday, "note": note})
    else:
        console.print(t(f"✔ {when}: {'worked' if workday else 'off'}", f"✔ {when}：{'上班' if workday else '休息'}"),
                      style="green", markup=False)
