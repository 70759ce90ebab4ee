"""Auto-QA over the workspace: transcripts from the facts, findings back as a fact batch."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from jili.autoqa.engine import Checker, Finding, run_batches
from jili.autoqa.judgement import Judgement
from jili.autoqa.transcript import Transcript, Turn
from jili.core.periods import Period
from jili.io.factstore.views import period_parameters


def transcripts_from_facts(con: duckdb.DuckDBPyConnection, period: Period, tz: str) -> list[Transcript]:
    """The period's transcripts, with who hung up and the hold time from their call records."""
    rows = con.execute("""
        SELECT t.interaction_id, coalesce(t.agent_id, i.agent_id), t.turns, i.hung_up_by, i.hold_seconds, i.channel,
               coalesce(t.started_at, i.offered_at)
        FROM transcripts t LEFT JOIN interactions i USING (interaction_id)
        WHERE timezone($tz, coalesce(t.started_at, i.offered_at)) >= $lo
          AND timezone($tz, coalesce(t.started_at, i.offered_at)) < $hi
        ORDER BY 1""", period_parameters(period, tz)).fetchall()
    return [Transcript(iid, tuple(Turn(x["speaker"], x["text"] or "", x["start_ms"], x["end_ms"]) for x in turns or []),
                       agent, hung, hold, channel, started) for iid, agent, turns, hung, hold, channel, started in rows]


@dataclass
class RunReport:
    transcripts: int = 0
    turns: int = 0
    findings: list[Finding] = field(default_factory=list)
    with_finding: Counter[str] = field(default_factory=Counter)  # rule -> transcripts with a finding
    with_phrase: Counter[str] = field(default_factory=Counter)  # phrase rule -> transcripts where it was said


BATCH = 1000  # transcripts checked together (one array of hits, their customers' moods scored in one go)


def run_checker(checker: Checker, transcripts: Iterable[Transcript],
                progress: Callable[[int], None] | None = None) -> RunReport:
    report = RunReport()
    for t, checked in run_batches(checker, transcripts, BATCH):
        report.transcripts += 1
        report.turns += len(t.turns)
        report.findings.extend(checked.findings)
        report.with_finding.update({f.rule_id for f in checked.findings})
        report.with_phrase.update(checked.said)
        if progress is not None:
            progress(1)
    return report


def write_findings(path: Path, pack_id: str, findings: list[Finding], checked_at: dt.datetime) -> int:
    pq.write_table(pa.table({
        "interaction_id": [f.transcript for f in findings],
        "agent_id": [f.agent_id for f in findings],
        "pack": [pack_id] * len(findings),
        "rule_id": [f.rule_id for f in findings],
        "severity": [f.severity for f in findings],
        "turn": pa.array([f.turn for f in findings], pa.int64()),
        "span_start": pa.array([f.start for f in findings], pa.int64()),
        "span_end": pa.array([f.end for f in findings], pa.int64()),
        "time_ms": pa.array([f.time_ms for f in findings], pa.int64()),
        "evidence": [f.evidence for f in findings],
        "item": [f.item for f in findings],
        "review": [f.review for f in findings],
        "checked_at": pa.array([checked_at] * len(findings), pa.timestamp("us", tz="UTC")),
    }), path)
    return len(findings)


def write_scores(path: Path, model_id: str, scored: Sequence[tuple[Transcript, Judgement]]) -> int:
    """Each call's two scores as an ``autoqa_scores`` batch, rounded to 0.1 (the models' own precision is coarser);
    a call without a start time is left out (a period could not hold it)."""
    rows = [(t, j) for t, j in scored if t.started_at is not None]

    def points(values: list[float]) -> pa.Array:
        return pa.array([Decimal(f"{v:.1f}") for v in values], pa.decimal128(18, 4))

    pq.write_table(pa.table({
        "interaction_id": [t.id for t, _ in rows],
        "agent_id": [t.agent_id for t, _ in rows],
        "call_at": pa.array([t.started_at for t, _ in rows], pa.timestamp("us", tz="UTC")),
        "model": [model_id] * len(rows),
        "agent_score": points([j.agent_score for _, j in rows]),
        "agent_low": points([j.agent_low for _, j in rows]),
        "agent_high": points([j.agent_high for _, j in rows]),
        "score": points([j.score for _, j in rows]),
        "score_low": points([j.score_low for _, j in rows]),
        "score_high": points([j.score_high for _, j in rows]),
    }), path)
    return len(rows)


@dataclass(frozen=True, slots=True)
class CallFinding:
    """One auto-QA finding on one call, where it is (turn and character span) and the item it bears on."""

    rule_id: str
    severity: str
    turn: int | None
    span_start: int | None
    span_end: int | None
    evidence: str
    item: str | None
    review: bool


def transcript_of(con: duckdb.DuckDBPyConnection, interaction_id: str) -> tuple[Turn, ...]:
    """One call's turns (none when no transcript was imported)."""
    row = con.execute("SELECT turns FROM transcripts WHERE interaction_id = $id LIMIT 1", {"id": interaction_id}).fetchone()
    return tuple(Turn(x["speaker"], x["text"] or "", x["start_ms"], x["end_ms"]) for x in (row[0] or [])) if row else ()


def findings_of(con: duckdb.DuckDBPyConnection, interaction_id: str) -> list[CallFinding]:
    rows = con.execute("""
        SELECT rule_id, coalesce(severity, ''), turn, span_start, span_end, coalesce(evidence, ''), item, coalesce(review, false)
        FROM autoqa_findings WHERE interaction_id = $id ORDER BY turn NULLS LAST, span_start, rule_id""",
        {"id": interaction_id}).fetchall()
    return [CallFinding(str(r), str(s), t, a, b, str(e), i, bool(v)) for r, s, t, a, b, e, i, v in rows]


def severe_findings(con: duckdb.DuckDBPyConnection, period: Period, tz: str) -> list[tuple[str, str, str]]:
    """(agent, rule, call) of the period's critical auto-QA findings, placed by their call's time."""
    rows = con.execute("""
        SELECT DISTINCT i.agent_id, f.rule_id, f.interaction_id
        FROM autoqa_findings f JOIN interactions i USING (interaction_id)
        WHERE f.severity = 'critical' AND i.agent_id IS NOT NULL
          AND timezone($tz, i.offered_at) >= $lo AND timezone($tz, i.offered_at) < $hi
        ORDER BY 1, 2, 3""", period_parameters(period, tz)).fetchall()
    return [(str(a), str(r), str(c)) for a, r, c in rows]


def agent_scores_by_agent(con: duckdb.DuckDBPyConnection, period: Period, tz: str) -> list[tuple[str, list[Decimal]]]:
    """Each agent's auto-QA agent scores of the period's calls (the agent's part, never the predicted satisfaction)."""
    rows = con.execute("""
        SELECT agent_id, list(agent_score ORDER BY interaction_id) FROM autoqa_scores
        WHERE agent_id IS NOT NULL AND agent_score IS NOT NULL
          AND timezone($tz, call_at) >= $lo AND timezone($tz, call_at) < $hi
        GROUP BY 1 ORDER BY 1""", period_parameters(period, tz)).fetchall()
    return [(agent, [Decimal(s) for s in scores]) for agent, scores in rows]
