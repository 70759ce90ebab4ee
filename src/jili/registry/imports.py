"""Actions that change the registry. Each is atomic, names its acting user and leaves an
audit row; the CLI and (later) the web views call these and nothing else to write."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

import pyarrow.parquet as pq
from django.db import transaction
from django.utils import timezone as djtz

from jili.core.facts import FactFormat
from jili.core.problems import Location, Problem, Severity
from jili.io.hooks import crash_point
from jili.io.readers.files import scan_file
from jili.io.readers.staging import (
    ExistingBatch,
    ImportRequest,
    Progress,
    Staged,
    keys_against,
    stage,
)
from jili.io.specs.mapping import Mapping
from jili.io.workspace import Workspace
from jili.registry.facts import active_batches
from jili.registry.models import Agent, AgentSpell, AuditEvent, ImportBatch, ImportLock, Site, Team


class ImportStatus(StrEnum):
    IMPORTED = "imported"
    UNCHANGED = "unchanged"  # the same file was imported before: nothing done
    REJECTED = "rejected"  # errors: nothing stored


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    status: ImportStatus
    source: str
    fact: str
    batch_id: int | None = None
    rows: int = 0
    rows_read: int = 0
    problems: tuple[Problem, ...] = ()
    columns: tuple[tuple[str, str], ...] = ()
    registered_agents: tuple[str, ...] = ()
    superseded: int | None = None
    sheet: str | None = None
    encoding: str | None = None
    seconds: float = 0.0

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.is_error)


def _content_key(sha: str, mapping: Mapping, sheet: str | None) -> str:
    h = hashlib.sha256()
    for part in (sha, mapping.format.name, mapping.digest, sheet or mapping.sheet or ""):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


def _reject(path: Path, fmt: FactFormat, problem: Problem) -> ImportOutcome:
    return ImportOutcome(ImportStatus.REJECTED, path.name, fmt.name, problems=(problem,))


def do_import(ws: Workspace, path: Path, mapping: Mapping, *, acting_user: str,
              supersede: int | None = None, sheet: str | None = None,
              now: dt.datetime | None = None, progress: Progress | None = None) -> ImportOutcome:
    """Import one file as one batch: all rows or none."""
    started = time.perf_counter()
    fmt = mapping.format
    now = now or djtz.now()
    sweep_orphans(ws, min_age_seconds=3600)
    if not path.exists():
        return _reject(path, fmt, Problem(Severity.ERROR, "file_not_found", Location(str(path)),
                                          "File not found.", "找不到文件。", fix="Check the path.",
                                          fix_zh="请检查路径。"))
    scan = scan_file(path)
    sha = scan.sha256
    key = _content_key(sha, mapping, sheet)
    same = ImportBatch.objects.filter(content_key=key, status=ImportBatch.Status.ACTIVE).first()
    if same is not None:
        return ImportOutcome(
            ImportStatus.UNCHANGED, path.name, fmt.name, batch_id=same.pk, rows=same.rows,
            problems=(Problem(Severity.INFO, "already_imported", Location(path.name),
                              f"This file was already imported as batch {same.pk} on "
                              f"{same.imported_at:%Y-%m-%d %H:%M}; nothing was changed.",
                              f"该文件已于 {same.imported_at:%Y-%m-%d %H:%M} 作为批次 {same.pk} 导入，"
                              "未做任何更改。"),),
            seconds=time.perf_counter() - started)
    old: ImportBatch | None = None
    if supersede is not None:
        old = ImportBatch.objects.filter(pk=supersede).first()
        if old is None or old.status != ImportBatch.Status.ACTIVE or old.fact != fmt.name:
            why = ("no such batch" if old is None else
                   f"it is {old.status}" if old.status != ImportBatch.Status.ACTIVE else
                   f"it holds {old.fact}, not {fmt.name}")
            return _reject(path, fmt, Problem(
                Severity.ERROR, "bad_supersede", Location(path.name),
                f"Cannot supersede batch {supersede}: {why}.", f"无法替代批次 {supersede}：{why}。",
                fix="List the batches with 'jili batches' and choose an active one of the same format.",
                fix_zh="请用 jili batches 查看批次，选择同一格式的生效批次。"))
    existing = tuple(
        ExistingBatch(b.pk, ws.root / b.parquet_path, b.source_name)
        for b in ImportBatch.objects.filter(fact=fmt.name, status=ImportBatch.Status.ACTIVE).exclude(
            pk=supersede or 0)
    )
    known = None if fmt.name == "roster" else frozenset(Agent.objects.values_list("agent_id", flat=True))
    staged = stage(ImportRequest(path=path, mapping=mapping, timezone=ws.timezone, now=now,
                                 staging_dir=ws.staging_dir, known_agents=known, existing=existing,
                                 sheet=sheet, scan=scan), progress)
    if staged.ok and staged.staged_path is not None and fmt.name == "evaluation_items":
        refused = _check_evaluations(ws, staged, path.name)
        if refused:
            staged.staged_path.unlink(missing_ok=True)
            return ImportOutcome(ImportStatus.REJECTED, path.name, fmt.name, rows_read=staged.rows_read,
                                 problems=(*staged.problems, *refused), columns=staged.columns, sheet=staged.sheet,
                                 encoding=staged.encoding, seconds=time.perf_counter() - started)
    if not staged.ok or staged.staged_path is None:
        return ImportOutcome(ImportStatus.REJECTED, path.name, fmt.name, rows_read=staged.rows_read,
                             problems=staged.problems, columns=staged.columns, sheet=staged.sheet,
                             encoding=staged.encoding, seconds=time.perf_counter() - started)
    final = ws.batch_path(fmt.name, staged.batch_uid)
    final.parent.mkdir(parents=True, exist_ok=True)
    moved = False
    try:
        with transaction.atomic():
            # hold the format's lock row; then check the keys against batches committed while we staged
            ImportLock.objects.get_or_create(fact=fmt.name)
            ImportLock.objects.select_for_update().get(fact=fmt.name)
            seen = {b.batch_id for b in existing}
            newer = tuple(ExistingBatch(b.pk, ws.root / b.parquet_path, b.source_name)
                          for b in ImportBatch.objects.filter(fact=fmt.name, status=ImportBatch.Status.ACTIVE)
                          .exclude(pk=supersede or 0) if b.pk not in seen)
            if newer:
                clashes = keys_against(staged.staged_path, fmt, staged.sheet, path, newer)
                if clashes:
                    raise _Clash(clashes)
            batch = ImportBatch.objects.create(
                uid=staged.batch_uid, fact=fmt.name, source_name=path.name, source_sha256=sha,
                content_key=key, mapping_name=Path(mapping.source).name if mapping.source else "",
                sheet=staged.sheet or "", encoding=staged.encoding or "",
                timezone=mapping.timezone or ws.timezone,
                parquet_path=str(final.relative_to(ws.root)), rows=staged.rows,
                supersedes=old, imported_at=djtz.now(), imported_by=acting_user,
                report=[p.as_json() for p in staged.problems],
            )
            if old is not None:
                old.status = ImportBatch.Status.SUPERSEDED
                old.save(update_fields=["status"])
            if staged.new_agents:
                Agent.objects.bulk_create([Agent(agent_id=a, registered_by=batch) for a in staged.new_agents])
            if fmt.name == "roster":
                _apply_roster(batch, staged, old)
            AuditEvent.objects.create(
                at=djtz.now(), actor=acting_user, action="import", target=f"batch {batch.pk}",
                detail={"fact": fmt.name, "file": path.name, "rows": staged.rows, "sha256": sha,
                        "supersedes": supersede, "registered_agents": len(staged.new_agents)})
            _fsync(staged.staged_path)
            os.replace(staged.staged_path, final)
            moved = True
            crash_point("after_move")
    except _Clash as clash:
        staged.staged_path.unlink(missing_ok=True)
        return ImportOutcome(ImportStatus.REJECTED, path.name, fmt.name, rows_read=staged.rows_read,
                             problems=clash.problems, columns=staged.columns, sheet=staged.sheet,
                             encoding=staged.encoding, seconds=time.perf_counter() - started)
    except BaseException:
        if moved:
            final.unlink(missing_ok=True)
        else:
            staged.staged_path.unlink(missing_ok=True)
        raise
    return ImportOutcome(ImportStatus.IMPORTED, path.name, fmt.name, batch_id=batch.pk, rows=staged.rows,
                         rows_read=staged.rows_read, problems=staged.problems, columns=staged.columns,
                         registered_agents=staged.new_agents, superseded=supersede, sheet=staged.sheet,
                         encoding=staged.encoding, seconds=time.perf_counter() - started)


def _check_evaluations(ws: Workspace, staged: Staged, source: str) -> list[Problem]:
    """Every evaluation of an items file must score on its scorecard version, or nothing is stored."""
    from jili.io.factstore.views import connect
    from jili.io.readers.evaluation_check import check_items
    from jili.io.specs.scorecard import workspace_scorecards

    assert staged.staged_path is not None
    cards, problems = workspace_scorecards(ws.scorecards_dir)
    evaluations = [(b.pk, ws.root / b.parquet_path) for b in active_batches("evaluations")]
    con = connect({"evaluations": evaluations}, readable=[staged.staged_path])
    return [*problems, *check_items(staged.staged_path, source, staged.sheet, con, cards, ws.timezone)]


class _Clash(Exception):
    """Keys imported by another batch while this one was staged: nothing is committed."""

    def __init__(self, problems: tuple[Problem, ...]) -> None:
        super().__init__(problems)
        self.problems = problems


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _apply_roster(batch: ImportBatch, staged: Staged, old: ImportBatch | None) -> None:
    """Turn roster rows into agents and their history (spells), replacing a superseded batch's."""
    assert staged.staged_path is not None
    rows = pq.read_table(staged.staged_path).to_pylist()
    if old is not None:
        AgentSpell.objects.filter(batch=old).delete()
    sites = {s.code: s for s in Site.objects.all()}
    teams = {t.code: t for t in Team.objects.all()}
    agents = {a.agent_id: a for a in Agent.objects.all()}
    touched: set[str] = set()
    for row in sorted(rows, key=lambda r: (r["agent_id"], r["effective_from"])):
        site = None
        if row["site"]:
            site = sites.get(row["site"]) or Site.objects.create(code=row["site"], name=row["site"])
            sites[site.code] = site
        team = None
        if row["team"]:
            team = teams.get(row["team"]) or Team.objects.create(code=row["team"], name=row["team"], site=site)
            teams[team.code] = team
        agent = agents.get(row["agent_id"])
        if agent is None:
            agent = Agent.objects.create(agent_id=row["agent_id"], name=row["name"] or "")
            agents[agent.agent_id] = agent
        elif row["name"] and agent.name != row["name"]:
            agent.name = row["name"]
            agent.save(update_fields=["name"])
        wage = row["monthly_wage"]
        AgentSpell.objects.update_or_create(
            agent=agent, valid_from=row["effective_from"],
            defaults={"team": team, "site": site, "department": row["department"] or "",
                      "desk": row["desk"] or "", "role": row["role"] or "", "status": row["status"],
                      "hire_date": row["hire_date"], "confirmed_date": row["confirmed_date"],
                      "leave_date": row["leave_date"],
                      "monthly_wage": Decimal(wage) if wage is not None else None,
                      "batch": batch, "source_row": row["_row"]})
        touched.add(agent.agent_id)
    for agent_id in touched:
        spells = list(AgentSpell.objects.filter(agent=agents[agent_id]).order_by("valid_from"))
        for this, nxt in zip(spells, [*spells[1:], None], strict=True):
            valid_to = nxt.valid_from if nxt is not None else None
            if this.valid_to != valid_to:
                this.valid_to = valid_to
                this.save(update_fields=["valid_to"])


def sweep_orphans(ws: Workspace, min_age_seconds: float = 3600) -> list[Path]:
    """Delete Parquet files that no batch owns (left by an import killed midway)."""
    owned = {str(ws.root / p) for p in ImportBatch.objects.values_list("parquet_path", flat=True)}
    cutoff = time.time() - min_age_seconds
    removed: list[Path] = []
    if not ws.facts_dir.exists():
        return removed
    for path in ws.facts_dir.rglob("*"):
        if not path.is_file() or str(path) in owned:
            continue
        if path.stat().st_mtime <= cutoff:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed
