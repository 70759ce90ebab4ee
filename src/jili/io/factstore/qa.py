"""QA inputs from the facts: calls for sampling, evaluations and their items, calibration sets."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import duckdb

from jili.core.periods import Period
from jili.core.problems import Location, Problem, Severity
from jili.io.factstore.views import period_parameters
from jili.qa.calibration import Rating
from jili.qa.sampling import Call
from jili.qa.scorecard import Scorecard, version_for
from jili.qa.scoring import Answer, Scored
from jili.qa.scoring import score as score_answers


def calls_for_sampling(con: duckdb.DuckDBPyConnection, period: Period, tz: str) -> list[Call]:
    """Answered calls of the period with an agent; flags: repeat_caller (the customer called
    again that period), low_csat (a survey at the bottom of its scale), complaint (an incident
    on the call), autoqa (a major finding, or one sent for human review)."""
    rows = con.execute("""
        WITH calls AS (
            SELECT interaction_id, agent_id, timezone($tz, offered_at) AS t, coalesce(talk_seconds, 0) AS secs,
                   coalesce(queue, '') AS queue, coalesce(is_test, false) AS is_test, customer_id
            FROM interactions
            WHERE outcome IN ('answered', 'transferred') AND agent_id IS NOT NULL
              AND timezone($tz, offered_at) >= $lo AND timezone($tz, offered_at) < $hi),
        repeat AS (SELECT customer_id FROM calls WHERE customer_id IS NOT NULL GROUP BY 1 HAVING count(*) > 1),
        low AS (SELECT DISTINCT interaction_id FROM surveys
                WHERE rating <= coalesce(scale_min, 1) AND interaction_id IS NOT NULL),
        bad AS (SELECT DISTINCT interaction_id FROM incidents WHERE kind LIKE '%complaint' AND interaction_id IS NOT NULL),
        auto AS (SELECT DISTINCT interaction_id FROM autoqa_findings
                 WHERE coalesce(review, false) OR severity IN ('major', 'critical'))
        SELECT c.interaction_id, c.agent_id, c.t, c.secs, c.queue, c.is_test,
               r.customer_id IS NOT NULL, l.interaction_id IS NOT NULL, b.interaction_id IS NOT NULL,
               a.interaction_id IS NOT NULL
        FROM calls c LEFT JOIN repeat r USING (customer_id) LEFT JOIN low l USING (interaction_id)
        LEFT JOIN bad b USING (interaction_id) LEFT JOIN auto a USING (interaction_id)""",
        period_parameters(period, tz)).fetchall()
    out = []
    for iid, agent, t, secs, queue, is_test, repeat, low, complaint, auto in rows:
        flags = tuple(f for f, on in (("repeat_caller", repeat), ("low_csat", low), ("complaint", complaint),
                                      ("autoqa", auto)) if on)
        out.append(Call(iid, agent, t, int(secs), queue, bool(is_test), flags))
    return out


@dataclass(frozen=True, slots=True)
class EvaluationRecord:
    """One evaluation of a call in the period, with its item answers (each with its source row)."""

    evaluation_id: str
    agent_id: str
    scorecard: str
    source: str
    evaluator: str | None
    interaction_id: str | None
    day: dt.date
    score: Decimal | None
    fatal: bool | None
    where: Location
    answers: tuple[Answer, ...]


def evaluations_with_items(con: duckdb.DuckDBPyConnection, period: Period, tz: str) -> list[EvaluationRecord]:
    """Evaluations of calls in the period, each with its item answers (with their source rows)."""
    heads = con.execute("""
        SELECT e.evaluation_id, e.agent_id, e.scorecard, e.source, e.evaluator, e.interaction_id,
               CAST(timezone($tz, coalesce(call_at, evaluated_at)) AS DATE) AS day, e.score, e.fatal, e._batch_id, e._row
        FROM evaluations e WHERE timezone($tz, coalesce(call_at, evaluated_at)) >= $lo
          AND timezone($tz, coalesce(call_at, evaluated_at)) < $hi
        ORDER BY e.evaluation_id""", period_parameters(period, tz)).fetchall()
    items: dict[str, list[Answer]] = defaultdict(list)
    for eid, item, score, occ, na, fatal, serious, batch, row in con.execute(
            "SELECT evaluation_id, item_id, score, occurrences, not_applicable, fatal, serious, _batch_id, _row "
            "FROM evaluation_items ORDER BY evaluation_id, _row").fetchall():
        items[eid].append(Answer(item, Decimal(score) if score is not None else None, occ, bool(na), bool(fatal),
                                 bool(serious), Location(f"evaluation_items batch {batch}", row=row)))
    return [EvaluationRecord(str(h[0]), str(h[1]), str(h[2]), str(h[3]), h[4], h[5], h[6],
                             Decimal(h[7]) if h[7] is not None else None, h[8],
                             Location(f"evaluations batch {h[9]}", row=h[10]), tuple(items.get(h[0], ())))
            for h in heads]


@dataclass(frozen=True, slots=True)
class ScoredEvaluations:
    scored: tuple[tuple[EvaluationRecord, Scored], ...]
    problems: tuple[Problem, ...]


def score_evaluations(con: duckdb.DuckDBPyConnection, cards: Sequence[Scorecard], period: Period,
                      tz: str) -> ScoredEvaluations:
    """Each evaluation with items scored on the scorecard version in force on its call's day (those
    exported with a total only are left out); an evaluation no version covers is a problem."""
    scored = []
    problems: list[Problem] = []
    for ev in evaluations_with_items(con, period, tz):
        if not ev.answers:
            continue
        card = version_for(cards, ev.scorecard, ev.day)
        if card is None:
            problems.append(Problem(Severity.ERROR, "unknown_scorecard", ev.where,
                                    f"No version of scorecard '{ev.scorecard}' is in force on {ev.day}.",
                                    f"{ev.day} 没有生效的评分表“{ev.scorecard}”。",
                                    fix="Put the scorecard file in the workspace's scorecards/ folder.",
                                    fix_zh="请把评分表文件放入工作区的 scorecards/ 目录。"))
            continue
        result, found = score_answers(card, list(ev.answers), ev.where)
        problems.extend(found)
        if result is not None:
            scored.append((ev, result))
    return ScoredEvaluations(tuple(scored), tuple(problems))


def scores_by_agent(con: duckdb.DuckDBPyConnection, period: Period, tz: str, source: str | None = None,
                    agents: Sequence[str] | None = None) -> list[tuple[str, list[Decimal]]]:
    """Each agent's QA scores of the period (calls placed by their own date), optionally of one source
    and of some agents only."""
    rows = con.execute("""
        SELECT agent_id, list(score) FROM evaluations
        WHERE score IS NOT NULL AND (CAST($source AS VARCHAR) IS NULL OR source = $source)
          AND (CAST($agents AS VARCHAR[]) IS NULL OR list_contains(CAST($agents AS VARCHAR[]), agent_id))
          AND timezone($tz, coalesce(call_at, evaluated_at)) >= $lo AND timezone($tz, coalesce(call_at, evaluated_at)) < $hi
        GROUP BY 1 ORDER BY 1""", {**period_parameters(period, tz), "source": source,
                                   "agents": list(agents) if agents is not None else None}).fetchall()
    return [(agent, [Decimal(s) for s in scores]) for agent, scores in rows]


def ratings_for_calibration(con: duckdb.DuckDBPyConnection, period: Period, tz: str) -> list[Rating]:
    """Scores of calls that two or more evaluators scored in the period."""
    rows = con.execute("""
        WITH e AS (SELECT * FROM evaluations WHERE interaction_id IS NOT NULL AND score IS NOT NULL
                   AND timezone($tz, coalesce(call_at, evaluated_at)) >= $lo
                   AND timezone($tz, coalesce(call_at, evaluated_at)) < $hi),
             shared AS (SELECT interaction_id FROM e GROUP BY 1 HAVING count(DISTINCT evaluator) >= 2)
        SELECT e.interaction_id, e.evaluator, e.score, e.evaluation_id FROM e JOIN shared USING (interaction_id)
        ORDER BY 1, 2""", period_parameters(period, tz)).fetchall()
    items: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for eid, item, score in con.execute("SELECT evaluation_id, item_id, score FROM evaluation_items "
                                        "WHERE score IS NOT NULL").fetchall():
        items[eid].append((item, float(score)))
    return [Rating(call, str(ev), float(score), tuple(items.get(eid, ()))) for call, ev, score, eid in rows]


def calibration_set(calls: int = 40, evaluators: int = 5, lenient: str = "QA3", bias: float = 4.0,
                    noise: float = 2.0, seed: int = 5) -> list[Rating]:
    """A calibration session: every evaluator scores the same calls; one is lenient by ``bias``."""
    rng = random.Random(seed)
    names = [f"QA{i + 1}" for i in range(evaluators)]
    out = []
    for c in range(calls):
        truth = rng.uniform(70, 98)
        greeting_truth = rng.choice([0, 1])
        for ev in names:
            shift = bias if ev == lenient else 0.0
            total = max(0.0, min(100.0, truth + shift + rng.gauss(0, noise)))
            greeting = greeting_truth if rng.random() > 0.05 else 1 - greeting_truth
            tone = max(0.0, min(10.0, truth / 10 + rng.gauss(0, 2.5)))  # an item evaluators read differently
            out.append(Rating(f"C{c + 1:03d}", ev, round(total, 1), (("greeting", float(greeting)),
                                                                      ("tone", round(tone, 1)))))
    return out



def weekly_scores(con: duckdb.DuckDBPyConnection, period: Period, tz: str) -> list[tuple[str, int, float]]:
    """(ISO week, evaluations, mean score) of the period's evaluations, by the call's own date."""
    rows = con.execute("""
        SELECT strftime(timezone($tz, coalesce(call_at, evaluated_at)), '%G-W%V') AS week, count(*), avg(score)::DOUBLE
        FROM evaluations WHERE score IS NOT NULL
          AND timezone($tz, coalesce(call_at, evaluated_at)) >= $lo AND timezone($tz, coalesce(call_at, evaluated_at)) < $hi
        GROUP BY 1 ORDER BY 1""", period_parameters(period, tz)).fetchall()
    return [(str(w), int(n), float(m)) for w, n, m in rows]


def score_histogram(con: duckdb.DuckDBPyConnection, period: Period, tz: str, width: int = 5) -> list[tuple[int, int]]:
    """(lower edge, evaluations) of the period's scores in bins of ``width`` points (100 in the top bin)."""
    rows = con.execute("""
        SELECT least(floor(score / $w) * $w, 100 - $w)::INTEGER AS edge, count(*)
        FROM evaluations WHERE score IS NOT NULL
          AND timezone($tz, coalesce(call_at, evaluated_at)) >= $lo AND timezone($tz, coalesce(call_at, evaluated_at)) < $hi
        GROUP BY 1 ORDER BY 1""", {**period_parameters(period, tz), "w": width}).fetchall()
    return [(int(e), int(n)) for e, n in rows]


def evaluations_of_agent(con: duckdb.DuckDBPyConnection, period: Period, tz: str,
                         agent_id: str) -> list[tuple[str, str, str, str, Decimal | None, bool]]:
    """(evaluation id, call date, source, scorecard, score, fatal) of one agent's evaluations in the period."""
    rows = con.execute("""
        SELECT evaluation_id, strftime(timezone($tz, coalesce(call_at, evaluated_at)), '%Y-%m-%d'), source,
               coalesce(scorecard, ''), score, coalesce(fatal, false)
        FROM evaluations WHERE agent_id = $agent
          AND timezone($tz, coalesce(call_at, evaluated_at)) >= $lo AND timezone($tz, coalesce(call_at, evaluated_at)) < $hi
        ORDER BY 2, 1""", {**period_parameters(period, tz), "agent": agent_id}).fetchall()
    return [(str(e), str(d), str(s), str(c), Decimal(v) if v is not None else None, bool(f)) for e, d, s, c, v, f in rows]


def calls_by_id(con: duckdb.DuckDBPyConnection, interaction_ids: Sequence[str], tz: str) -> list[Call]:
    """The calls with these ids that have an agent (for a calibration session), in the order asked."""
    rows = con.execute("""
        SELECT interaction_id, agent_id, timezone($tz, offered_at), coalesce(talk_seconds, 0), coalesce(queue, '')
        FROM interactions WHERE list_contains(CAST($ids AS VARCHAR[]), interaction_id) AND agent_id IS NOT NULL""",
        {"tz": tz, "ids": list(interaction_ids)}).fetchall()
    found = {r[0]: Call(str(r[0]), str(r[1]), r[2], int(r[3]), str(r[4])) for r in rows}
    return [found[i] for i in interaction_ids if i in found]


def fatal_evaluations(con: duckdb.DuckDBPyConnection, period: Period, tz: str) -> list[tuple[str, str]]:
    """(agent, evaluation id) of the period's evaluations that found a fatal error (R4), by the call's date."""
    rows = con.execute("""
        SELECT agent_id, evaluation_id FROM evaluations WHERE coalesce(fatal, false)
          AND timezone($tz, coalesce(call_at, evaluated_at)) >= $lo AND timezone($tz, coalesce(call_at, evaluated_at)) < $hi
        ORDER BY 1, 2""", period_parameters(period, tz)).fetchall()
    return [(str(a), str(e)) for a, e in rows]
