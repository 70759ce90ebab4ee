"""What a run reads, as plain values: the fact batches, the roster of the period and the ledger
before it. The registry builds them from its tables; a snapshot file carries them to a machine
without the registry (``jili snapshot`` writes one, ``jili whatif --snapshot`` reads it)."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from jili.core.periods import Period, parse_period
from jili.core.problems import Location, Problem, Severity
from jili.core.roster import ROSTER_FIELDS, AgentRow

if TYPE_CHECKING:  # the value type only: reading results needs no expression checker (sqlglot)
    from jili.core.expr import Value

SNAPSHOT_VERSION = 1


@dataclass(frozen=True, slots=True)
class FactBatch:
    fact: str
    batch_id: int
    path: Path


def batches_by_fact(batches: Iterable[FactBatch]) -> dict[str, list[tuple[int, Path]]]:
    """Batches as the fact store's views take them: per fact, (batch id, Parquet path)."""
    out: dict[str, list[tuple[int, Path]]] = defaultdict(list)
    for b in batches:
        out[b.fact].append((b.batch_id, b.path))
    return dict(out)


@dataclass(frozen=True, slots=True)
class LedgerBefore:
    """Balances and lifetime earnings (rule postings only) per (agent, account) before a period."""

    balance: Mapping[tuple[str, str], Decimal] = field(default_factory=dict)
    lifetime: Mapping[tuple[str, str], Decimal] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PeriodSources:
    period: Period
    facts: tuple[FactBatch, ...]
    population: tuple[AgentRow, ...]
    ledgers: Mapping[str, LedgerBefore] = field(default_factory=dict)  # by policy id
    home_zone: str | None = None  # the workspace's zone, to say when a policy's own zone moves facts

    def ledger(self, policy_id: str) -> LedgerBefore:
        return self.ledgers.get(policy_id, LedgerBefore())

    def fact_batches(self) -> dict[str, list[tuple[int, Path]]]:
        return batches_by_fact(self.facts)

    @property
    def batch_ids(self) -> list[int]:
        return [b.batch_id for b in self.facts]


# --- the snapshot file ------------------------------------------------------------------

def _cell(v: Value) -> object:
    if isinstance(v, Decimal):
        return {"decimal": str(v)}
    if isinstance(v, dt.date):
        return {"date": v.isoformat()}
    return v


def _value(v: object, kind: str) -> Value:
    if isinstance(v, dict) and "decimal" in v:
        return Decimal(str(v["decimal"]))
    if isinstance(v, dict) and "date" in v:
        return dt.date.fromisoformat(str(v["date"]))
    if v is None or isinstance(v, bool | str):
        return v
    raise ValueError(f"a {kind} field holds a value of another kind")


def write_snapshot(sources: PeriodSources, path: Path) -> None:
    data = {
        "jili_snapshot": SNAPSHOT_VERSION,
        "period": sources.period.label,
        "home_zone": sources.home_zone,
        "facts": [{"fact": b.fact, "batch": b.batch_id, "path": str(b.path)} for b in sources.facts],
        "population": [{"agent_id": a.agent_id, "fields": [[k, _cell(v)] for k, v in a.fields]}
                       for a in sources.population],
        "ledgers": {pid: {"balance": [[a, acct, str(v)] for (a, acct), v in sorted(led.balance.items())],
                          "lifetime": [[a, acct, str(v)] for (a, acct), v in sorted(led.lifetime.items())]}
                    for pid, led in sorted(sources.ledgers.items())},
    }
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def read_snapshot(path: Path) -> tuple[PeriodSources | None, list[Problem]]:
    def bad(en: str, zh: str) -> tuple[None, list[Problem]]:
        return None, [Problem(Severity.ERROR, "bad_snapshot", Location(str(path)), en, zh,
                              fix="Write it again with: jili snapshot --period PERIOD --out FILE",
                              fix_zh="请重新生成：jili snapshot --period 周期 --out 文件")]

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return bad("Snapshot file not found.", "找不到快照文件。")
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        return bad(f"Not a snapshot file: {e}.", f"不是快照文件：{e}。")
    if not isinstance(data, dict) or data.get("jili_snapshot") != SNAPSHOT_VERSION:
        return bad("Not a Jili snapshot (or one of another version).", "不是 Jili 快照文件（或版本不同）。")
    period = parse_period(str(data.get("period", "")))
    if period is None:
        return bad("The snapshot names no valid period.", "快照文件中的周期无效。")
    try:
        facts = tuple(FactBatch(str(b["fact"]), int(b["batch"]), Path(str(b["path"]))) for b in data["facts"])
        population = tuple(
            AgentRow(str(a["agent_id"]), tuple((str(k), _value(v, ROSTER_FIELDS.get(str(k), "text")))
                                               for k, v in a["fields"]))
            for a in data["population"])
        ledgers = {str(pid): LedgerBefore(
            {(str(a), str(acct)): Decimal(str(v)) for a, acct, v in led["balance"]},
            {(str(a), str(acct)): Decimal(str(v)) for a, acct, v in led["lifetime"]})
            for pid, led in data["ledgers"].items()}
    except (KeyError, TypeError, ValueError, ArithmeticError) as e:
        return bad(f"The snapshot is damaged: {e}.", f"快照文件已损坏：{e}。")
    home = data.get("home_zone")
    return PeriodSources(period, facts, population, ledgers, str(home) if home else None), []
