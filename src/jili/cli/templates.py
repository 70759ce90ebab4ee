"""``jili templates``: the seed rule books shipped as policies and scorecards."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from jili.cli.app import JsonOpt, WorkspaceOpt, _fail, app, open_workspace
from jili.cli.output import console, emit_json, lang, t
from jili.core.problems import Location, Problem, Severity
from jili.io.workspace import TEMPLATES

templates_app = typer.Typer(help="Shipped templates of the seed rule books / 内置模板", no_args_is_help=True)
app.add_typer(templates_app, name="templates")


def _all() -> list[tuple[str, str, Path]]:
    """(name, kind, path) of every template: policies, then scorecards."""
    out = [(p.stem, "policy", p) for p in sorted(TEMPLATES.glob("*.yaml"))]
    out += [(p.stem, "scorecard", p) for p in sorted((TEMPLATES / "scorecards").glob("*.yaml"))]
    return out


def _describe(path: Path) -> tuple[str, str, str]:
    """(rules, English, Chinese) from the file's first comment line and its name."""
    first = path.read_text(encoding="utf-8").splitlines()[0].lstrip("# ").strip()
    rules = first.split(" ")[0]
    from jili.io.specs.yamlfile import load_yaml  # listing templates only: not imported by every command

    doc, _ = load_yaml(path)
    name = str(doc.data.get("name", path.stem)) if doc is not None and isinstance(doc.data, dict) else path.stem
    zh, _, en = name.partition(" / ")
    return rules, en or zh, zh


@templates_app.command("list")
def templates_list(as_json: JsonOpt = False) -> None:
    """List the templates with a line in Chinese and English. / 列出模板。"""
    rows = [(name, kind, *_describe(path)) for name, kind, path in _all()]
    if as_json:
        emit_json({"ok": True, "templates": [{"name": n, "kind": k, "rules": r, "en": en, "zh": zh}
                                             for n, k, r, en, zh in rows]})
        return
    table = Table(title=t("Templates (jili templates copy NAME)", "模板（jili templates copy 名称）"))
    for head in (t("name", "名称"), t("kind", "类型"), t("rules", "规则"), t("what it is", "说明")):
        table.add_column(head)
    for name, kind, rules, en, zh in rows:
        table.add_row(name, t(kind, {"policy": "策略", "scorecard": "评分表"}[kind]), rules,
                      zh if lang().startswith("zh") else en)
    console.print(table)


def _find(name: str, as_json: bool) -> Path:
    for n, _, path in _all():
        if n == name:
            return path
    from jili.core.problems import suggest

    en, zh = suggest(name, [n for n, _, _ in _all()])
    raise _fail([Problem(Severity.ERROR, "no_template", Location(name), f"No template {name!r}.{en}",
                         f"没有模板 {name!r}。{zh}", fix="jili templates list", fix_zh="可用 jili templates list 查看")], as_json)


@templates_app.command("show")
def templates_show(name: Annotated[str, typer.Argument(help="Template / 模板")], as_json: JsonOpt = False) -> None:
    """Print a template, with its comments quoting the seed. / 显示模板。"""
    path = _find(name, as_json)
    text = path.read_text(encoding="utf-8")
    if as_json:
        emit_json({"ok": True, "name": name, "text": text})
    else:  # the file as it is, never wrapped: `jili templates show NAME > mine.yaml` must be valid YAML
        sys.stdout.write(text)


@templates_app.command("copy")
def templates_copy(name: Annotated[str, typer.Argument(help="Template / 模板")],
                   workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """Copy a template into the workspace (policies/ or scorecards/) to adapt it. / 复制模板到工作区。"""
    ws = open_workspace(workspace, as_json)
    path = _find(name, as_json)
    folder = ws.root / "scorecards" if path.parent.name == "scorecards" else ws.policies_dir
    folder.mkdir(exist_ok=True)
    target = folder / path.name
    if target.exists():
        raise _fail([Problem(Severity.ERROR, "exists", Location(str(target)), f"{target} already exists; not overwritten.",
                             f"{target} 已存在，未覆盖。", fix="Delete or rename it first.", fix_zh="请先删除或改名。")], as_json)
    shutil.copy(path, target)
    if as_json:
        emit_json({"ok": True, "file": str(target)})
    else:
        console.print(t(f"✔ copied to {target}", f"✔ 已复制到 {target}"), style="green")
