"""Printing results for people (rich, in Chinese or English) and for scripts (--json)."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from rich.console import Console

from jili.core.problems import Problem, Severity

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def lang() -> str:
    return os.environ.get("JILI_LANG", "zh")


def t(en: str, zh: str) -> str:
    return zh if lang().startswith("zh") else en


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def print_problems(problems: tuple[Problem, ...] | list[Problem], limit: int = 50) -> None:
    style = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
    order = sorted(problems, key=lambda p: (p.severity != Severity.ERROR, p.severity != Severity.WARNING))
    for problem in order[:limit]:
        console.print(problem.render(lang()), style=style[problem.severity], markup=False)
    if len(order) > limit:
        console.print(t(f"… and {len(order) - limit} more problems (use --json for all)",
                        f"……另有 {len(order) - limit} 个问题（用 --json 查看全部）"))
