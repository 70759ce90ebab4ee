"""The page records, built in-process from a registry and facts made here (no server): the quality
dashboard's R4 accuracy, calibration and team intervals; the leaderboard's ties."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from conftest import ROSTER_CSV, write
from jili.core.periods import parse_period
from jili.io.factstore.qa import calibration_set
from jili.io.workspace import Workspace

pytestmark = pytest.mark.django_db


def test_the_quality_page_scores_r4_and_names_the_lenient_evaluator(ws: Workspace, do, tmp_path: Path) -> None:
    assert do(write(tmp_path / "roster.csv", ROSTER_CSV), "roster").status.value == "imported"
    evaluations = ["evaluation_id,interaction_id,agent_id,scorecard,source,evaluator,call_at,evaluated_at"]
    items = ["evaluation_id,item_id,score"]
    for i in range(1, 4):
        evaluations.append(f"E{i},C{i},A001,r1-agent-assessment,internal,QA1,2025-03-0{i} 10:00,2025-03-0{i} 12:00")
        items += [f"E{i},expression,{12 + i}", f"E{i},greeting,1", f"E{i},closing,2", f"E{i},hangup,2"]
    assert do(write(tmp_path / "ev.csv", "\n".join(evaluations) + "\n"), "evaluations").status.value == "imported"
    assert do(write(tmp_path / "items.csv", "\n".join(items) + "\n"), "evaluation_items").status.value == "imported"
    rows = ["evaluation_id,interaction_id,agent_id,scorecard,source,evaluator,call_at,evaluated_at,score"]
    for n, r in enumerate(calibration_set(lenient="QA3", bias=4.0)):
        agent = "A001" if n % 2 else "A003"
        rows.append(f"K{n},{r.call},{agent},cal,internal,{r.evaluator},2025-03-10 10:00,2025-03-11 10:00,{r.total}")
    assert do(write(tmp_path / "cal.csv", "\n".join(rows) + "\n"), "evaluations").status.value == "imported"
    from jili.web.pages import quality_page

    period = parse_period("2025-03")
    assert period is not None
    page = quality_page(ws, period)
    assert page.accuracy is not None and page.accuracy.calls == 3
    assert page.accuracy.fatal_accuracy == 1
    assert page.accuracy.nonfatal_accuracy == 1 - Decimal(2) / Decimal(12)
    assert page.accuracy.meets_targets is False  # 16.7 % of opportunities in error: above R4's 15 %
    assert (page.agents_scored, page.agents_missing_targets, page.scoring_problems) == (1, 1, 0)
    verdicts = {name: verdict for name, _, _, _, _, verdict in page.leniency}
    assert verdicts["QA3"] == "lenient" and page.calibration_calls == 40 and page.calibration_evaluators == 5
    assert [code for code, _ in page.teams] == ["T1", "T2"]  # A001 in T1, A003 in T2
    # the distribution and the trend read the totals as exported: E1–E3 came with items only
    assert sum(n for _, n in page.histogram) == page.evaluations == 200
    assert [(w, n) for w, n, _ in page.weekly] == [("2025-W11", 200)]


def test_the_quality_page_shows_each_team_s_auto_qa_agent_part_not_the_predicted_satisfaction(
        ws: Workspace, do, tmp_path: Path) -> None:
    assert do(write(tmp_path / "roster.csv", ROSTER_CSV), "roster").status.value == "imported"
    rows = ["interaction_id,agent_id,call_at,model,agent_score,agent_low,agent_high,score,score_low,score_high"]
    rows += [f"C{i},A001,2025-03-0{1 + i} 10:00,stc3-judgement,{60 + 2 * i},50,80,20,5,40" for i in range(5)]
    rows += ["C9,A003,2025-03-05 10:00,stc3-judgement,40,30,50,90,80,99",
             "C10,A003,2025-04-01 00:30,stc3-judgement,99,90,100,99,90,100"]  # April's in Shanghai: not March's
    assert do(write(tmp_path / "scores.csv", "\n".join(rows) + "\n"), "autoqa_scores").status.value == "imported"
    from jili.web.pages import quality_page

    page = quality_page(ws, parse_period("2025-03"))
    part = {code: (i.n, round(i.mean, 2)) for code, i in page.agent_part}
    assert part == {"T1": (5, 64.0), "T2": (1, 40.0)}  # agent_score (60, 62 … 68), never the satisfaction (20, 90)
