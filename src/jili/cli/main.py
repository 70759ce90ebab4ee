"""``jili``: init, import, batches, formats, demo. Every command takes --workspace and --json."""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from jili.cli.app import JsonOpt, WorkspaceOpt, _fail, acting_user, app, demo_app, open_workspace
from jili.cli.output import console, emit_json, err_console, print_problems, t
from jili.core.facts import FORMATS
from jili.core.problems import Location, Problem, Severity
from jili.io.workspace import DEFAULT_TIMEZONE, Workspace, create_layout, default_root, load_workspace

if TYPE_CHECKING:  # the mapping loader (pydantic) comes with the import command
    from jili.io.specs.mapping import Mapping

if TYPE_CHECKING:
    from jili.registry.imports import ImportOutcome

@app.command()
def init(
    directory: Annotated[Path | None, typer.Argument(help="Folder to create / 要创建的目录")] = None,
    workspace: WorkspaceOpt = None,
    timezone: Annotated[str, typer.Option(help="Timezone of the centre / 时区")] = DEFAULT_TIMEZONE,
    name: Annotated[str, typer.Option(help="Name of the centre / 中心名称")] = "Jili",
    as_json: JsonOpt = False,
) -> None:
    """Create a workspace: config, policies/, facts/ and the database. / 创建工作区。"""
    root = (directory or workspace or default_root()).resolve()
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise _fail([Problem(Severity.ERROR, "bad_timezone", Location("--timezone"),
                             f"Unknown timezone {timezone!r}.", f"未知时区 {timezone!r}。",
                             expected="an IANA name such as Asia/Shanghai",
                             expected_zh="IANA 时区名，如 Asia/Shanghai")], as_json) from None
    existed = load_workspace(root) is not None
    ws = load_workspace(root) or Workspace(root=root, name=name, timezone=timezone)
    create_layout(ws)
    from jili.registry.bootstrap import setup

    setup(ws, site=True)  # every table, the site's too: a new workspace is ready to serve
    if as_json:
        emit_json({"ok": True, "workspace": str(root), "existed": existed,
                   "database": ws.effective_database_url, "timezone": ws.timezone})
        return
    console.print(t(f"Workspace ready at {root}", f"工作区已就绪：{root}")
                  + (t(" (it already existed)", "（已存在）") if existed else ""))
    console.print(t(f"  database: {ws.effective_database_url}", f"  数据库：{ws.effective_database_url}"))
    console.print(t(f"  timezone: {ws.timezone}", f"  时区：{ws.timezone}"))


def _resolve_mapping(fmt_name: str | None, mapping_path: Path | None, as_json: bool) -> Mapping:
    from jili.io.specs.mapping import Mapping, load_mapping

    if mapping_path is not None:
        mapping, problems = load_mapping(mapping_path)
        if mapping is None:
            raise _fail(problems, as_json)
        if fmt_name and fmt_name != mapping.format.name:
            raise _fail([Problem(Severity.ERROR, "format_conflict", Location(str(mapping_path)),
                                 f"--format {fmt_name} but the mapping is for {mapping.format.name}.",
                                 f"--format 为 {fmt_name}，但映射文件针对 {mapping.format.name}。")], as_json)
        return mapping
    if fmt_name is None or fmt_name not in FORMATS:
        from difflib import get_close_matches

        guess = get_close_matches(fmt_name or "", list(FORMATS), n=1)
        raise _fail([Problem(Severity.ERROR, "unknown_format", Location("--format"),
                             "Say what the file holds with --format, or give a --mapping."
                             if fmt_name is None else f"Unknown format {fmt_name!r}."
                             + (f" Did you mean '{guess[0]}'?" if guess else ""),
                             "请用 --format 指明文件内容，或提供 --mapping。" if fmt_name is None
                             else f"未知格式 {fmt_name!r}。",
                             expected=", ".join(FORMATS), found=fmt_name or "")], as_json, code=2)
    return Mapping.plain(FORMATS[fmt_name])


@app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(help="Files to import / 要导入的文件")],
    fact_format: Annotated[str | None, typer.Option("--format", "-f",
                                                     help=f"What the file holds: {', '.join(FORMATS)}")] = None,
    mapping: Annotated[Path | None, typer.Option("--mapping", "-m", help="Mapping file (YAML) / 映射文件")] = None,
    sheet: Annotated[str | None, typer.Option(help="Sheet of a workbook / 工作表")] = None,
    supersede: Annotated[int | None, typer.Option(help="Batch this file corrects / 被替代的批次号")] = None,
    ignore_column: Annotated[list[str] | None, typer.Option(
        "--ignore-column", help="A header to leave out although it looks like a known one / 忽略的列")] = None,
    now: Annotated[str | None, typer.Option(hidden=True, help="Pretend it is this time (tests)")] = None,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import files as batches: all rows or none, never twice. / 导入文件：整批成功或整批不导入。"""
    ws = open_workspace(workspace, as_json)
    the_mapping = _resolve_mapping(fact_format, mapping, as_json)
    if ignore_column:
        the_mapping = replace(the_mapping, ignore=(*the_mapping.ignore, *ignore_column))
    from jili.registry.imports import ImportStatus, do_import

    when = dt.datetime.fromisoformat(now) if now else None
    outcomes = []
    failed = False
    for path in files:
        if as_json or not sys.stderr.isatty():
            outcome = do_import(ws, path, the_mapping, acting_user=acting_user(), supersede=supersede, sheet=sheet, now=when)
        else:
            from rich.progress import BarColumn, DownloadColumn, Progress, TaskID, TimeRemainingColumn, TransferSpeedColumn

            with Progress("[progress.description]{task.description}", BarColumn(), DownloadColumn(),
                          TransferSpeedColumn(), TimeRemainingColumn(), console=err_console,
                          transient=True) as bar:
                task = bar.add_task(path.name, total=path.stat().st_size if path.exists() else None)
                def advance(done: int, total: int, task: TaskID = task, bar: Progress = bar) -> None:
                    bar.update(task, completed=done, total=total)

                outcome = do_import(ws, path, the_mapping, acting_user=acting_user(), supersede=supersede, sheet=sheet,
                                    now=when, progress=advance)
        outcomes.append(outcome)
        failed |= outcome.status == ImportStatus.REJECTED
        if not as_json:
            _print_outcome(outcome)
    if as_json:
        emit_json({"ok": not failed, "imports": [{
            "file": o.source, "fact": o.fact, "status": o.status.value, "batch": o.batch_id,
            "rows": o.rows, "rows_read": o.rows_read, "seconds": round(o.seconds, 3),
            "columns": dict(o.columns), "registered_agents": list(o.registered_agents),
            "superseded": o.superseded, "sheet": o.sheet, "encoding": o.encoding,
            "problems": [p.as_json() for p in o.problems]} for o in outcomes]})
    if failed:
        raise typer.Exit(1)


def _print_outcome(o: ImportOutcome) -> None:
    from jili.registry.imports import ImportStatus

    if o.status == ImportStatus.IMPORTED:
        console.print(t(f"✔ {o.source}: {o.rows:,} {o.fact} rows imported as batch {o.batch_id}"
                        f" ({o.seconds:.1f} s)",
                        f"✔ {o.source}：已导入 {o.rows:,} 行 {o.fact}，批次 {o.batch_id}（{o.seconds:.1f} 秒）"),
                      style="green")
        if o.superseded:
            console.print(t(f"  replaces batch {o.superseded}", f"  替代批次 {o.superseded}"))
        if o.registered_agents:
            console.print(t(f"  {len(o.registered_agents)} new agents registered: ",
                            f"  新登记坐席 {len(o.registered_agents)} 名：")
                          + ", ".join(o.registered_agents[:10]) + ("…" if len(o.registered_agents) > 10 else ""))
    elif o.status == ImportStatus.UNCHANGED:
        console.print(t(f"= {o.source}: already imported as batch {o.batch_id}; nothing changed",
                        f"= {o.source}：已作为批次 {o.batch_id} 导入，未做更改"), style="cyan")
        return
    else:
        console.print(t(f"✘ {o.source}: rejected, nothing imported ({len(o.errors)} "
                        f"{'problem' if len(o.errors) == 1 else 'problems'})",
                        f"✘ {o.source}：已拒绝，未导入任何数据（{len(o.errors)} 个问题）"), style="red bold")
    print_problems(o.problems)


@app.command()
def batches(
    fact: Annotated[str | None, typer.Option("--format", "-f", help="Only this format / 仅此格式")] = None,
    show_all: Annotated[bool, typer.Option("--all", help="Include superseded batches / 含已替代批次")] = False,
    gc: Annotated[bool, typer.Option("--gc", help="Delete files no batch owns (left by a killed import)")] = False,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List import batches. / 列出导入批次。"""
    ws = open_workspace(workspace, as_json)
    from jili.registry.imports import sweep_orphans
    from jili.registry.models import ImportBatch

    removed = sweep_orphans(ws, min_age_seconds=0) if gc else []
    qs = ImportBatch.objects.all().order_by("id")
    if fact:
        qs = qs.filter(fact=fact)
    if not show_all:
        qs = qs.filter(status=ImportBatch.Status.ACTIVE)
    rows = list(qs)
    if as_json:
        emit_json({"ok": True, "removed": [str(p) for p in removed], "batches": [{
            "id": b.pk, "fact": b.fact, "file": b.source_name, "rows": b.rows, "status": b.status,
            "imported_at": b.imported_at.isoformat(), "imported_by": b.imported_by, "sha256": b.source_sha256,
            "supersedes": b.supersedes_id, "path": b.parquet_path} for b in rows]})
        return
    table = Table(title=t("Import batches", "导入批次"))
    for head in (t("id", "批次"), t("format", "格式"), t("file", "文件"), t("rows", "行数"),
                 t("status", "状态"), t("imported", "导入时间"), t("by", "操作人")):
        table.add_column(head)
    for b in rows:
        table.add_row(str(b.pk), b.fact, b.source_name, f"{b.rows:,}", b.status,
                      f"{b.imported_at:%Y-%m-%d %H:%M}", b.imported_by)
    console.print(table)
    if gc:
        console.print(t(f"{len(removed)} orphan files removed", f"已清理 {len(removed)} 个无主文件"))


@app.command()
def formats(
    name: Annotated[str | None, typer.Argument(help="One format / 某一格式")] = None,
    markdown: Annotated[bool, typer.Option(help="Print docs/data-formats.md")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Describe the fact formats (columns, types, Chinese aliases). / 说明数据格式。"""
    from jili.io.outputs.formats_doc import formats_markdown

    if markdown:
        sys.stdout.write(formats_markdown())
        return
    chosen = [FORMATS[name]] if name else list(FORMATS.values())
    if name and name not in FORMATS:
        raise _fail([Problem(Severity.ERROR, "unknown_format", Location(name), f"Unknown format {name!r}.",
                             f"未知格式 {name!r}。", expected=", ".join(FORMATS))], as_json)
    if as_json:
        emit_json({"ok": True, "formats": [{
            "name": f.name, "title": f.title, "title_zh": f.title_zh, "natural_key": list(f.natural_key),
            "columns": [{"name": c.name, "type": c.type.value, "required": c.required, "unit": c.unit,
                         "aliases": list(c.aliases), "choices": [ch.code for ch in c.choices]}
                        for c in f.columns]} for f in chosen]})
        return
    if not name:
        for f in chosen:
            console.print(f"{f.name:18} {t(f.title, f.title_zh)}", markup=False)
        return
    fmt = chosen[0]
    console.print(t(f"{fmt.title} ({fmt.name}): {fmt.description}", f"{fmt.title_zh}（{fmt.name}）：{fmt.description_zh}"),
                  markup=False)
    table = Table(show_lines=False)
    for head in (t("column", "列"), t("type", "类型"), t("required", "必填"), t("meaning", "含义"),
                 t("headers recognised", "可识别的表头")):
        table.add_column(head, overflow="fold")
    for c in fmt.columns:
        meaning = t(c.description, c.description_zh) + (f" [{c.unit}]" if c.unit else "")
        if c.choices:
            meaning += " " + t("Values: ", "取值：") + ", ".join(
                f"{ch.code}" + (f" ({ch.label_zh})" if ch.label_zh else "") for ch in c.choices)
        table.add_row(c.name, c.type.value, t("yes", "是") if c.required else "", meaning, ", ".join(c.aliases))
    console.print(table)
    console.print(t(f"Key: {', '.join(fmt.natural_key)}. The full page: jili formats --markdown",
                    f"唯一键：{'、'.join(fmt.natural_key)}。完整说明：jili formats --markdown"), markup=False)


@demo_app.command("generate")
def demo_generate(
    out: Annotated[Path, typer.Option(help="Folder for the generated files / 输出目录")] = Path("demo-data"),
    agents: Annotated[int, typer.Option(help="Number of agents / 坐席数")] = 200,
    month: Annotated[str, typer.Option(help="Month, YYYY-MM / 月份")] = "2026-10",
    seed: Annotated[int, typer.Option(help="Random seed / 随机种子")] = 7,
    calls_per_day: Annotated[float, typer.Option(help="Calls per agent per worked day / 每人每日通话量")] = 60.0,
    file_format: Annotated[str, typer.Option("--file-format", help="csv or parquet")] = "csv",
    months: Annotated[int, typer.Option(help="Consecutive months / 连续月数")] = 1,
    as_json: JsonOpt = False,
) -> None:
    """Generate a realistic month of a call centre. / 生成一个月的模拟呼叫中心数据。"""
    from jili.io.demo.generator import DemoSpec, generate

    spec = DemoSpec(agents=agents, month=month, seed=seed, calls_per_day=calls_per_day, file_format=file_format,
                    months=months)
    result = generate(spec, out, progress=None if as_json else lambda msg: err_console.print(msg))
    if as_json:
        emit_json({"ok": True, "files": {k: str(v) for k, v in result.files.items()}, "rows": result.rows})
        return
    for fact, path in result.files.items():
        console.print(f"{fact:18} {result.rows[fact]:>12,}  {path}")


@demo_app.command("run")
def demo_run(
    workspace: WorkspaceOpt = None,
    agents: Annotated[int, typer.Option(help="Number of generated agents / 生成的坐席数")] = 300,
    bank: Annotated[Path | None, typer.Option(help="The real bank month TSV / 真实银行数据")] = None,
    calls_per_day: Annotated[float, typer.Option(help="Calls per agent per worked day (fewer for a quick large "
                                                      "centre) / 每人每日通话量")] = 60.0,
    as_json: JsonOpt = False,
) -> None:
    """Create a demo workspace, fill it and show what it holds. / 创建并填充演示工作区。"""
    from jili.cli.demo import run_demo

    ok = run_demo(workspace or default_root(), agents=agents, bank=bank, as_json=as_json, calls_per_day=calls_per_day)
    if not ok:
        raise typer.Exit(1)


def run() -> None:
    import jili.cli.autoqa
    import jili.cli.calendar
    import jili.cli.effect
    import jili.cli.incentives
    import jili.cli.ladder
    import jili.cli.qa
    import jili.cli.site
    import jili.cli.templates  # noqa: F401 - registers the templates commands

    app()

