"""Importing evaluation items: every evaluation is checked against its scorecard version (the
one in force on the call's date, for the agent's desk) before anything is stored."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import duckdb

from jili.core.problems import Location, Problem, Severity
from jili.qa.scorecard import Scorecard, version_for
from jili.qa.scoring import Answer, score


def check_items(staged: Path, source: str, sheet: str | None, con: duckdb.DuckDBPyConnection,
                cards: list[Scorecard], tz: str) -> list[Problem]:
    """Problems of the staged evaluation_items file; none means every evaluation scores."""
    def where(row: int) -> Location:
        return Location(source, sheet=sheet, row=row) if sheet else Location(source, line=row)

    items = con.execute("SELECT evaluation_id, item_id, score, occurrences, not_applicable, fatal, serious, _row "
                        "FROM read_parquet(?) ORDER BY _row", [str(staged)]).fetchall()
    ids = sorted({r[0] for r in items})
    heads = {r[0]: r for r in con.execute(
        "SELECT evaluation_id, scorecard, CAST(timezone(?, coalesce(call_at, evaluated_at)) AS DATE) "
        "FROM evaluations WHERE evaluation_id IN (SELECT unnest(?))", [tz, ids]).fetchall()}
    answers: dict[str, list[Answer]] = defaultdict(list)
    first_row: dict[str, int] = {}
    problems: list[Problem] = []
    for eid, item, value, occ, na, fatal, serious, row in items:
        first_row.setdefault(eid, row)
        answers[eid].append(Answer(item, Decimal(value) if value is not None else None, occ, bool(na), bool(fatal),
                                   bool(serious), where(row)))
    for eid in ids:
        head = heads.get(eid)
        if head is None:
            problems.append(Problem(Severity.ERROR, "unknown_evaluation", where(first_row[eid]),
                                    f"Evaluation {eid!r} is not imported: its items have nothing to belong to.",
                                    f"质检单 {eid!r} 尚未导入，明细无所归属。",
                                    fix="Import the evaluations file first, then its items.",
                                    fix_zh="请先导入质检记录，再导入明细。"))
            continue
        card = version_for(cards, head[1], head[2])
        if card is None:
            problems.append(Problem(Severity.ERROR, "unknown_scorecard", where(first_row[eid]),
                                    f"No version of scorecard {head[1]!r} is in force on {head[2]} (evaluation {eid}).",
                                    f"{head[2]} 没有生效的评分表 {head[1]!r}（质检单 {eid}）。",
                                    fix="Put the scorecard file in the workspace's scorecards/ folder.",
                                    fix_zh="请把评分表文件放入工作区 scorecards/ 目录。"))
            continue
        _, found = score(card, answers[eid], where(first_row[eid]))
        problems.extend(found)
    return problems
