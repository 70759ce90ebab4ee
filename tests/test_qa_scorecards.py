"""Scorecards R1, R2, R3 score worked examples exactly; R4 accuracies match hand computation;
bad evaluations are refused with their place."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from jili.core.problems import Location
from jili.io.specs.scorecard import load_scorecard, load_scorecards
from jili.qa.accuracy import accuracy
from jili.qa.scorecard import version_for
from jili.qa.scoring import Answer, score

CARDS = Path(__file__).resolve().parents[1] / "src" / "jili" / "templates" / "scorecards"
D = Decimal
HERE = Location("evaluation_items.csv", line=2)


def card(name: str):  # type: ignore[no-untyped-def]
    c, problems = load_scorecard(CARDS / f"{name}.yaml")
    assert c is not None, problems
    return c


def a(item: str, score: str | None = None, **kw: object) -> Answer:
    return Answer(item, D(score) if score is not None else None, **kw)  # type: ignore[arg-type]


def test_r1_banded_and_script_items():
    r1 = card("r1-agent-assessment")
    assert r1.maximum == D(20)  # 15 + 1 + 2 + 2
    # fluent but no technique (8–9), greeting said, only "再见" (0), proper hang-up (2): 9 + 1 + 0 + 2 = 12
    s, problems = score(r1, [a("expression", "9"), a("greeting", "1"), a("closing", "0"), a("hangup", "2")], HERE)
    assert problems == [] and s is not None
    assert s.total == D("12.00") and not s.fatal
    assert s.items[0].band == "表达流畅但无技巧"
    assert (s.nonfatal_errors, s.opportunities) == (2, 4)  # expression and closing below full marks


def test_r1_na_is_rescaled():
    r1 = card("r1-agent-assessment")
    # a chat: no greeting by voice → N/A. 14 + 2 + 2 = 18 of 19 applicable → × 20/19 = 18.947… → 18.95
    s, _ = score(r1, [a("expression", "14"), a("greeting", not_applicable=True), a("closing", "2"), a("hangup", "2")],
                 HERE)
    assert s is not None and s.total == D("18.95") and s.opportunities == 3


def test_r1_refuses_scores_outside_the_bands_and_missing_items():
    r1 = card("r1-agent-assessment")
    s, problems = score(r1, [a("expression", "16"), a("greeting", "0.5"), a("closing", "1"), a("hang_up", "2")], HERE)
    assert s is None
    messages = [p.message for p in problems]
    assert "Score 16 is not allowed for item 'expression' (expression)." in messages
    assert "Score 0.5 is not allowed for item 'greeting' (standard greeting)." in messages
    assert "Score 1 is not allowed for item 'closing' (closing)." in messages  # 0 or 2 only
    assert "Item 'hang_up' is not on scorecard r1-agent-assessment v1. Did you mean 'hangup'?" in messages
    assert "Required item 'hangup' (hang-up) has no answer." in messages
    expected = next(p for p in problems if "'expression'" in p.message).expected
    assert "13–15 (表达流畅、有说服力)" in expected and expected.startswith("0–2")


def test_r2_deductions_from_100_doubled_when_serious():
    r2 = card("r2-service-conduct")
    # commanding tone once (−10), late work order twice (−12), misleading once and serious (−20): 100 − 42 = 58
    s, _ = score(r2, [a("commanding_tone", occurrences=1), a("late_work_order", occurrences=2),
                      a("misleading", occurrences=1, serious=True)], HERE)
    assert s is not None and s.total == D("58.00")
    assert s.nonfatal_errors == 3 and s.opportunities == 17  # every deduction item is an opportunity
    # never below zero
    s, _ = score(r2, [a("commanding_tone", occurrences=12)], HERE)
    assert s is not None and s.total == D("0.00")


def test_r2_fatal_fails_the_call_without_zeroing():
    r2 = card("r2-service-conduct")  # fatal: fail_call
    s, _ = score(r2, [a("harmful_complaint", fatal=True), a("system_not_queried", occurrences=1)], HERE)
    assert s is not None and s.fatal and s.total == D("95.00")


def test_fatal_flag_on_a_card_without_fatal_items_is_refused():
    r1 = card("r1-agent-assessment")
    _, problems = score(r1, [a("expression", "14", fatal=True), a("greeting", "1"), a("closing", "2"),
                             a("hangup", "2")], HERE)
    assert problems[0].message == ("Item 'expression' is marked fatal, but it is not a fatal item and scorecard "
                                   "r1-agent-assessment has no fatal items.")


def test_r3_desk_variants_and_bonus():
    cards, problems = load_scorecards([CARDS])
    assert problems == []
    day = dt.date(2025, 3, 3)
    vip = version_for(cards, "r3-desk-quality", day, desk="VIP")
    gsm = version_for(cards, "r3-desk-quality", day, desk="GSM")
    assert vip is not None and gsm is not None and vip.desk == "VIP" and gsm.desk == "GSM"
    assert vip.item("vip_callback") is not None and gsm.item("vip_callback") is None
    # praised (+3), one recommendation (+2), chatting once (−6): 100 + 5 − 6 = 99
    s, _ = score(gsm, [a("customer_praise", occurrences=1), a("sale_made", occurrences=1),
                       a("early_hangup_chatting", occurrences=1)], HERE)
    assert s is not None and s.total == D("99.00")
    _, problems = score(gsm, [a("sale_made", occurrences=3)], HERE)
    assert problems[0].message == "Item 'sale_made' occurred 3 times; allowed 0 to 2."


def test_the_version_in_force_on_the_call_date(tmp_path):
    old = (CARDS / "r1-agent-assessment.yaml").read_text(encoding="utf-8")
    (tmp_path / "v1.yaml").write_text(old.replace('version: "1"', 'version: "1"\neffective: {to: 2025-03-31}'),
                                      encoding="utf-8")
    (tmp_path / "v2.yaml").write_text(old.replace('version: "1"', 'version: "2"\neffective: {from: 2025-04-01}')
                                      .replace("points: 1,", "points: 2,"), encoding="utf-8")
    cards, problems = load_scorecards([tmp_path])
    assert problems == []
    assert version_for(cards, "r1-agent-assessment", dt.date(2025, 3, 31)).version == "1"  # type: ignore[union-attr]
    assert version_for(cards, "r1-agent-assessment", dt.date(2025, 4, 1)).version == "2"  # type: ignore[union-attr]


def test_r4_accuracy_by_hand():
    r1 = card("r1-agent-assessment")
    r2 = card("r2-service-conduct")
    full = [a("expression", "15"), a("greeting", "1"), a("closing", "2"), a("hangup", "2")]
    calls = [score(r1, full, HERE)[0]] * 8 + [score(r1, [*full[:3], a("hangup", "0")], HERE)[0]] * 2
    calls += [score(r2, [a("harmful_complaint", fatal=True)], HERE)[0]]
    acc = accuracy([c for c in calls if c is not None])
    # 11 calls, 1 fatal → 1 − 1/11; errors 2 of (10 × 4 + 17) opportunities → 1 − 2/57
    assert acc.calls == 11 and acc.fatal_calls == 1
    assert acc.fatal_accuracy == 1 - D(1) / D(11)
    assert acc.nonfatal_accuracy == 1 - D(2) / D(57)
    assert acc.meets_targets is False  # fatal error rate 9.1 % > 1.5 %


def test_scorecard_file_problems_have_lines(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("scorecard: x\nsections:\n  - id: s\n    items:\n      - {id: a, kind: banded, bands: "
                    "[{from: 0, to: 5}, {from: 5, to: 9}]}\n      - {id: b, kind: yesno}\n", encoding="utf-8")
    c, problems = load_scorecard(path)
    assert c is None
    assert {(p.code, p.location.line) for p in problems} == {("overlapping_bands", 5), ("bad_item_kind", 6)}
    assert "Did you mean 'yes_no'?" in next(p.message for p in problems if p.code == "bad_item_kind")


@pytest.mark.parametrize("values,thresholds,unclear", [
    ([96, 97, 95, 96, 98, 97, 96, 95, 97, 96, 97, 96, 95, 98, 96], [95, 90, 85], []),
    ([90, 99, 93, 97, 88, 99, 96, 91, 98, 94, 99, 92, 97, 95, 96], [95, 90, 85], [95]),
])
def test_interval_says_when_a_tier_decision_is_not_clear(values, thresholds, unclear):
    from jili.qa.stats import mean_interval

    interval = mean_interval(values)
    assert interval is not None and interval.unclear_thresholds(thresholds) == unclear


def test_sample_size_for_a_margin():
    from jili.qa.stats import sample_size

    # sd 6 points, ±3 at 95 %: (1.96 × 6 / 3)² = 15.4 → 16 calls; of a month of 40 calls, fewer suffice
    assert sample_size(6, 3) == 16
    assert sample_size(6, 3, population=40) == 12
