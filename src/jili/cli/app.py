"""The ``jili`` Typer app, the options every command shares, and how a command fails with problems."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from jili.cli.output import emit_json, print_problems
from jili.core.periods import Period, parse_period
from jili.core.problems import Location, Problem, Severity
from jili.io.workspace import TEMPLATES, EngineKind, EngineSettings, Workspace, default_root, load_workspace

if TYPE_CHECKING:  # the policy loader (sqlglot, pydantic) is imported by the commands that read a policy
    from jili.core.policy import Policy
    from jili.core.policy_head import PolicyHead

app = typer.Typer(help="Jili 激励 — call-centre quality and incentives / 呼叫中心质检与激励",
                  no_args_is_help=True, add_completion=False)


def _version(show: bool) -> None:
    if show:
        from importlib.metadata import version

        typer.echo(f"jili {version('jili')}")
        raise typer.Exit()


@app.callback()
def _root(show_version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                       help="Print the version / 显示版本")] = False) -> None:
    """Jili 激励 — call-centre quality and incentives / 呼叫中心质检与激励"""
demo_app = typer.Typer(help="Demo data / 演示数据", no_args_is_help=True)
app.add_typer(demo_app, name="demo")

WorkspaceOpt = Annotated[Path | None, typer.Option(
    "--workspace", "-w", help="Workspace folder (default $JILI_HOME, else ./jili-workspace) / 工作区目录")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts / 以 JSON 输出")]


def _fail(problems: list[Problem], as_json: bool, code: int = 1) -> typer.Exit:
    if as_json:
        emit_json({"ok": False, "problems": [p.as_json() for p in problems]})
    else:
        print_problems(problems)
    return typer.Exit(code)


def acting_user() -> str:
    """Who is at the command line, for the audit trail: the operating-system account (until the web
    site's accounts exist, the CLI cannot be told another name)."""
    import getpass

    try:
        return f"os:{getpass.getuser()}"
    except (KeyError, OSError):  # no name for this uid (a bare container)
        import os

        return f"os:uid{os.getuid()}"


def find_workspace(root: Path | None, as_json: bool) -> Workspace:
    """The workspace at ``root`` (its folders and settings), without starting the registry."""
    root = root or default_root()
    ws = load_workspace(root)
    if ws is None:
        raise _fail([Problem(Severity.ERROR, "no_workspace", Location(str(root)),
                             f"No Jili workspace at {root} (no jili.toml).",
                             f"{root} 不是 Jili 工作区（没有 jili.toml）。",
                             fix=f"Create one with: jili init {root}", fix_zh=f"请先创建：jili init {root}")], as_json)
    if ws.problems:
        raise _fail(list(ws.problems), as_json)
    return ws


def open_workspace(root: Path | None, as_json: bool, site: bool = False) -> Workspace:
    """The workspace at ``root`` with its registry (database) ready; ``site``: with the web site's apps too."""
    ws = find_workspace(root, as_json)
    from jili.registry.bootstrap import setup

    setup(ws, site=site)
    return ws


PolicyOpt = Annotated[str, typer.Option("--policy", "-p", help="Policy file, or a name in the workspace's "
                                                                "policies/ / 策略文件或名称")]
PeriodOpt = Annotated[str, typer.Option("--period", help="2025-03, 2025-W09, 2025-Q1, 2025 / 周期")]
EngineOpt = Annotated[EngineKind | None, typer.Option(
    "--engine", help="Where the metrics are computed (default: [engine] in jili.toml) / 计算引擎（默认取 jili.toml）")]


def engine_of(ws: Workspace | None, engine: EngineKind | None) -> EngineSettings:
    """The workspace's [engine], with ``--engine`` in place of its kind when it was given."""
    settings = ws.engine if ws is not None else EngineSettings()
    return settings if engine is None else dataclasses.replace(settings, kind=engine)


def _policy_file(ws: Workspace | None, name: str, as_json: bool) -> Path:
    """The policy file ``name`` means: a path, a name in the workspace's policies/, or a shipped template."""
    candidates = [Path(name)]
    if ws is not None:
        candidates += [ws.policies_dir / name, ws.policies_dir / f"{name}.yaml"]
    candidates += [TEMPLATES / f"{name}.yaml"]
    path = next((c for c in candidates if c.is_file()), None)
    if path is None:
        raise _fail([Problem(Severity.ERROR, "no_policy", Location(name), f"No policy file '{name}'.",
                             f"找不到策略文件“{name}”。", fix="Give a path, or a name in the workspace's policies/ folder.",
                             fix_zh="请给出路径，或工作区 policies/ 目录中的名称。")], as_json)
    return path


def resolve_policy(ws: Workspace | None, name: str, as_json: bool) -> Policy:
    """The policy ``name`` means, read and checked (or fail with its problems)."""
    return _checked_policy(_policy_file(ws, name, as_json), as_json)


def _checked_policy(path: Path, as_json: bool) -> Policy:
    from jili.io.specs.policy import load_policy

    policy, problems = load_policy(path)
    if policy is None:
        raise _fail(problems, as_json)
    return policy


def resolve_head(ws: Workspace, name: str, period: Period, as_json: bool) -> PolicyHead:
    """What showing the results of policy ``name`` in ``period`` needs of it. When the period's active run was
    made from exactly this file, the head it stored, without parsing and checking the policy again (sqlglot and
    pydantic are not even imported); otherwise the file is read and checked as for a run."""
    path = _policy_file(ws, name, as_json)
    from jili.registry.results import run_head

    head = run_head(path, period.label)
    return head if head is not None else _checked_policy(path, as_json).head()


def resolve_period(label: str, as_json: bool) -> Period:
    period = parse_period(label)
    if period is None:
        raise _fail([Problem(Severity.ERROR, "bad_period", Location("--period"), f"Not a period: {label!r}.",
                             f"不是有效周期：{label!r}。", expected="2025-03, 2025-W09, 2025-Q1, 2025 or 2025-03-14")],
                    as_json, code=2)
    return period




def parse_day(text: str, as_json: bool, where: str | None = None) -> dt.date:
    """A date a person typed (2026-09-01), or fail with the problem at ``where`` (the option, else the text)."""
    from jili.core.periods import parse_day as read_day

    day = read_day(text, where)
    if isinstance(day, Problem):
        raise _fail([day], as_json)
    return day
