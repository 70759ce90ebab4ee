"""jili qa score / intervals / calibrate / sample through the command line."""

from __future__ import annotations

import json

from conftest import ROSTER_CSV, write
from jili.io.factstore.qa import calibration_set
from test_cli import home, import_text, jili  # noqa: F401 - the fixture


def test_qa_commands(home, tmp_path):  # noqa: F811
    w = ["-w", str(home)]

    def imp(name: str, text: str, fmt: str) -> None:
        import_text(home, tmp_path, name, text, fmt)

    imp("roster.csv", ROSTER_CSV, "roster")
    evaluations = ["evaluation_id,interaction_id,agent_id,scorecard,source,evaluator,call_at,evaluated_at"]
    items = ["evaluation_id,item_id,score"]
    for i in range(1, 4):
        evaluations.append(f"E{i},C{i},A001,r1-agent-assessment,internal,QA1,2025-03-0{i} 10:00,2025-03-0{i} 12:00")
        items += [f"E{i},expression,{12 + i}", f"E{i},greeting,1", f"E{i},closing,2", f"E{i},hangup,2"]
    evaluations.append("E9,C9,A003,r1-agent-assessment,internal,QA1,2025-03-05 10:00,2025-03-05 12:00")
    imp("evaluations.csv", "\n".join(evaluations) + "\n", "evaluations")
    bad = ["evaluation_id,item_id,score", "E9,expression,16", "E9,greeting,1", "E9,closing,2", "E9,hangup,2"]
    refused = jili("import", str(write(tmp_path / "bad.csv", "\n".join(bad) + "\n")), "-f", "evaluation_items", *w,
                   "--json")
    assert refused.returncode == 1  # 16 is out of range: the evaluation's items are not stored
    problem = json.loads(refused.stdout)["imports"][0]["problems"][0]
    assert problem["message"] == "Score 16 is not allowed for item 'expression' (expression)."
    assert problem["location"] == "bad.csv:2"
    imp("items.csv", "\n".join(items) + "\n", "evaluation_items")
    scored = json.loads(jili("qa", "score", "--period", "2025-03", *w, "--json").stdout)
    assert scored["scored"] == 3 and scored["ok"] and scored["problems"] == []
    assert scored["agents"] == [{"agent_id": "A001", "calls": 3, "fatal_accuracy": "1",
                                 "nonfatal_accuracy": "0.8333333333333333333333333333", "meets_targets": False}]
    # calibration: five evaluators on the same 40 calls, QA3 lenient by 4 points
    rows = ["evaluation_id,interaction_id,agent_id,scorecard,source,evaluator,call_at,evaluated_at,score"]
    for n, r in enumerate(calibration_set(lenient="QA3", bias=4.0)):
        rows.append(f"K{n},{r.call},A001,cal,internal,{r.evaluator},2025-03-10 10:00,2025-03-11 10:00,{r.total}")
    imp("calibration.csv", "\n".join(rows) + "\n", "evaluations")
    cal = json.loads(jili("qa", "calibrate", "--period", "2025-03", *w, "--json").stdout)
    assert cal["calls"] == 40 and cal["evaluators"] == 5 and cal["reliable"]
    assert {b["evaluator"]: b["verdict"] for b in cal["bias"]}["QA3"] == "lenient"
    ints = json.loads(jili("qa", "intervals", "--period", "2025-03", "--thresholds", "95,90,85", *w, "--json").stdout)
    a001 = next(a for a in ints["agents"] if a["agent_id"] == "A001")
    assert a001["n"] == 200 and a001["unclear"] == []
    zh = jili("qa", "intervals", "--period", "2025-03", *w)
    assert "统计上不明确" in zh.stdout
    calls = ["interaction_id,agent_id,offered_at,talk_seconds,outcome"] + [
        f"X{i},A001,2025-03-{1 + i % 28:02d} {8 + i % 12}:00:00,{20 + i * 7},接通" for i in range(60)]
    imp("calls.csv", "\n".join(calls) + "\n", "interactions")
    first = json.loads(jili("qa", "sample", "--period", "2025-03", "--seed", "7", *w, "--json").stdout)
    again = json.loads(jili("qa", "sample", "--period", "2025-03", "--seed", "7", *w, "--json").stdout)
    assert first == again and len(first["agents"][0]["picks"]) == 15
    assert first["agents"][0]["excluded"] == {"under 30 s": 2}  # 20 s and 27 s
    shown = jili("qa", "sample", "--period", "2025-03", "--seed", "7", "--agent", "A001", *w).stdout
    assert "A001：从 58 通中抽取 15 通" in shown and "定向抽取：超长通话" in shown  # each pick with its reason
    listing = jili("qa", "sample", "--period", "2025-03", "--seed", "7", *w).stdout
    assert "短于 30 秒 2" in listing and "under 30 s" not in listing and "--agent" in listing
    assert jili("qa", "sample", "--period", "2025-03", "--agent", "A999", *w).returncode == 1
