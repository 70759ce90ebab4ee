"""jili autoqa run over a workspace's transcripts: findings become facts, and sampling targets them."""

from __future__ import annotations

import json

from conftest import ROSTER_CSV
from test_cli import home, import_text, jili  # noqa: F401 - the fixture


def test_autoqa_over_the_period_feeds_sampling(home, tmp_path):  # noqa: F811
    w = ["-w", str(home)]

    def imp(name: str, text: str, fmt: str) -> None:
        import_text(home, tmp_path, name, text, fmt)

    imp("roster.csv", ROSTER_CSV, "roster")
    calls = ["interaction_id,agent_id,offered_at,talk_seconds,outcome,hung_up_by"]
    calls += [f"C{i},A001,2025-03-{3 + i % 20:02d} 10:00:00,{60 + i},接通,客户" for i in range(30)]
    calls[1] = "C0,A001,2025-03-03 10:00:00,60,接通,坐席"  # the agent hung up first on C0
    imp("calls.csv", "\n".join(calls) + "\n", "interactions")
    good = '{"speaker": "agent", "text": "您好，很高兴为您服务"}, {"speaker": "customer", "text": "查一下订单"}, ' \
           '{"speaker": "agent", "text": "请问还有什么可以帮您？祝您生活愉快，再见"}'
    bad = '{"speaker": "agent", "text": "喂"}, {"speaker": "customer", "text": "我的快递呢"}, ' \
          '{"speaker": "agent", "text": "我不知道，你自己查"}'
    lines = [f'{{"interaction_id": "C{i}", "turns": [{bad if i == 0 else good}]}}' for i in range(30)]
    imp("transcripts.jsonl", "\n".join(lines) + "\n", "transcripts")
    ran = jili("autoqa", "run", "--period", "2025-03", *w, "--json")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    report = json.loads(ran.stdout)
    assert report["transcripts"] == 30 and report["coverage"] == 1.0 and report["batch"] is not None
    rules = {r["rule"]: r for r in report["rules"]}
    assert rules["forbidden"]["findings_in"] == 1 and rules["agent_hung_up"]["findings_in"] == 1
    assert rules["greeting"]["findings_in"] == 1 and rules["greeting"]["said_in"] == 29
    sample = json.loads(jili("qa", "sample", "--period", "2025-03", "--seed", "3", *w, "--json").stdout)
    reasons = {p["interaction_id"]: p["reason"] for p in sample["agents"][0]["picks"]}
    assert reasons["C0"] == "targeted: autoqa"  # the call auto-QA flagged is listened to first
    # each call's agent score is a fact a policy reads: the agent is judged by their own part, with its interval
    assert report["scores_batch"] is not None
    policy = tmp_path / "agent-part.yaml"
    policy.write_text("""
policy: agent-part
name: 坐席表现 / agent part
version: "1"
period: month
accounts:
  points: {unit: points, places: 0, label: 积分 / points}
metrics:
  agent_part: {fact: autoqa_scores, agg: avg, column: agent_score}
  scored: {fact: autoqa_scores, agg: count}
  worst: {fact: autoqa_scores, agg: min, column: agent_score}
rules:
  - id: agent_part
    kind: tiers
    account: points
    label: 坐席表现 / agent part
    tiers:
      - {label: 好 / good, when: "agent_part >= 50", amount: 10}
""", encoding="utf-8")
    ran = jili("run", "-p", str(policy), "--period", "2025-03", *w, "--json")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    explained = json.loads(jili("explain", "A001", "-p", str(policy), "--period", "2025-03", *w, "--json").stdout)
    metrics = explained["statement"]["metrics"]
    values = {name: value["d"] for name, value in metrics}  # decimals, as a statement stores them
    assert values["scored"] == "30" and float(values["worst"]) < float(values["agent_part"]) <= 100, values
    assert float(values["agent_part"]) >= 50 and json.loads(ran.stdout)["totals"] == {"points": "10"}  # the tier read it
    # the same run again imports nothing new
    again = json.loads(jili("autoqa", "run", "--period", "2025-03", *w, "--json").stdout)
    assert again["scores_batch"] == report["scores_batch"]
