"""The README's examples are what the demo prints: each block after a ``<!-- generated: jili … -->``
marker is the output of that command on the demo workspace that ``make demo`` builds (300 agents).
JILI_UPDATE_GOLDEN=1 rewrites the blocks from the demo."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

from test_cli import jili

README = Path(__file__).resolve().parents[1] / "README.md"
MARKER = re.compile(r"<!-- generated: jili (?P<args>[^>]*?) -->\n```text\n(?P<body>.*?)```\n", re.S)


def test_the_readme_examples_are_the_demo_s_output(tmp_path: Path) -> None:
    root = tmp_path / "jili-demo"
    built = jili("demo", "run", "-w", str(root), "--bank", str(tmp_path / "no-bank.tsv"), "--json")
    assert built.returncode == 0, built.stdout + built.stderr
    text = README.read_text(encoding="utf-8")
    blocks = list(MARKER.finditer(text))
    assert len(blocks) >= 2, "the README's tour shows generated examples"

    def output(match: re.Match[str]) -> str:
        args = shlex.split(match["args"])
        out = jili(*args, "-w", str(root), env={"JILI_LANG": "zh", "COLUMNS": "100"})
        assert out.returncode == 0, out.stdout + out.stderr
        return out.stdout

    fresh = MARKER.sub(lambda m: f"<!-- generated: jili {m['args']} -->\n```text\n{output(m)}```\n", text)
    if os.environ.get("JILI_UPDATE_GOLDEN") == "1":
        README.write_text(fresh, encoding="utf-8")
    assert fresh == text, "README examples differ from what the demo prints (JILI_UPDATE_GOLDEN=1 rewrites them)"
