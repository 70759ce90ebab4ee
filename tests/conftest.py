from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from jili.core.facts import FORMATS
from jili.io.specs.mapping import Mapping
from jili.io.workspace import Workspace, create_layout

# ../shared beside the checkout; JILI_SHARED when the tests run from a copy elsewhere (make mutate's mutants/)
SHARED = Path(os.environ.get("JILI_SHARED") or Path(__file__).resolve().parents[2] / "shared")
BANK = SHARED / "data" / "anonymous-bank" / "calls-1999-02.tsv"
BANK_MAPPING = Path(__file__).resolve().parents[1] / "src" / "jili" / "mappings" / "anonymous-bank.yaml"
NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

ROSTER_CSV = (
    "工号,姓名,班组,状态,入职日期\n"
    "A001,王芳,T1,正式,2024-03-01\n"
    "A002,李娜,T1,试用,2026-09-15\n"
    "A003,张伟,T2,正式,2023-01-10\n"
)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    workspace = Workspace(root=tmp_path / "ws")
    create_layout(workspace)
    return workspace


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def plain(fact: str) -> Mapping:
    return Mapping.plain(FORMATS[fact])


def snapshot(ws: Workspace) -> tuple[list[str], list[tuple[object, ...]]]:
    """What a user can see of the workspace: the fact files and the registry rows."""
    from jili.registry.models import Agent, AgentSpell, AuditEvent, ImportBatch

    files = sorted(str(p.relative_to(ws.root)) for p in ws.facts_dir.rglob("*") if p.is_file())
    rows = [(m.__name__, m.objects.count()) for m in (Agent, AgentSpell, AuditEvent, ImportBatch)]
    return files, rows


@pytest.fixture
def do(ws: Workspace):  # type: ignore[no-untyped-def]
    """Import helper: do(path, fact_or_mapping, **kw) with a fixed 'now'."""
    from jili.registry.imports import do_import

    def run(path: Path, what: str | Mapping, **kw):  # type: ignore[no-untyped-def]
        mapping = plain(what) if isinstance(what, str) else what
        kw.setdefault("now", NOW)
        return do_import(ws, path, mapping, acting_user="tester", **kw)

    return run


@pytest.fixture
def roster(ws: Workspace, do, tmp_path: Path):  # type: ignore[no-untyped-def]
    outcome = do(write(tmp_path / "花名册.csv", ROSTER_CSV), "roster")
    assert outcome.status.value == "imported", outcome.problems
    return outcome
