"""The evaluation form's pure parts: a submitted form read as item answers (with the item named when a cell
is not a number), what auto-QA suggests for a call, and a turn cut at its findings' spans."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jili.io.factstore.autoqa import CallFinding
from jili.io.specs.scorecard import load_scorecard
from jili.io.workspace import TEMPLATES
from jili.qa.scorecard import Scorecard
from jili.qa.scoring import Answer
from jili.web.workflow import Span, _spans, answers_from_form, prefill


def card(name: str) -> Scorecard:
    loaded, problems = load_scorecard(TEMPLATES / "scorecards" / f"{name}.yaml")
    assert loaded is not None, problems
    return loaded


def finding(item: str | None, turn: int | None = 0, start: int | None = None, end: int | None = None,
            rule: str = "r") -> CallFinding:
    return CallFinding(rule, "major", turn, start, end, "", item, False)


def test_deductions_and_fatal_items_from_the_form() -> None:
    r2 = card("r2-service-conduct")
    answers, problems = answers_from_form(r2, {"count-commanding_tone": "2", "serious-commanding_tone": "on",
                                               "count-misleading": "0", "fatal-harmful_complaint": "on"})
    assert problems == []
    assert answers == [Answer("commanding_tone", occurrences=2, serious=True), Answer("harmful_complaint", fatal=True)]
    _, bad = answers_from_form(r2, {"count-misleading": "两次"})
    assert [(p.code, p.found, p.message_zh) for p in bad] == [("bad_value", "两次", "误导客户：“两次”不是次数。")]


def test_scored_items_na_and_blank_from_the_form() -> None:
    r1 = card("r1-agent-assessment")
    answers, problems = answers_from_form(r1, {"score-expression": "12", "na-greeting": "on", "score-closing": ""})
    assert problems == []
    assert Answer("expression", score=Decimal("12")) in answers and Answer("greeting", not_applicable=True) in answers
    assert all(a.item_id != "closing" for a in answers)  # blank: the scorer refuses it with its own message
    _, bad = answers_from_form(r1, {"score-expression": "12分"})
    assert bad[0].code == "bad_value" and bad[0].location.file == "expression"


def test_auto_qa_suggests_occurrences_and_fatal_errors() -> None:
    r2 = card("r2-service-conduct")
    suggested = prefill(r2, [finding("commanding_tone"), finding("commanding_tone", turn=3), finding("harmful_complaint"),
                             finding("no_such_item"), finding(None)])
    assert suggested == {"commanding_tone": Answer("commanding_tone", occurrences=2),
                         "harmful_complaint": Answer("harmful_complaint", fatal=True)}


@pytest.mark.parametrize(("found", "parts"), [
    ([], [("您好，请问有什么可以帮您", False)]),
    ([finding("x", 0, 0, 2)], [("您好", True), ("，请问有什么可以帮您", False)]),
    ([finding("x", 0, 3, 5), finding("y", 0, 9, 12)], [("您好，", False), ("请问", True), ("有什么可", False), ("以帮您", True)]),
    ([finding("x", 0, 3, 8), finding("y", 0, 5, 10)], [("您好，", False), ("请问有什么", True), ("可以", True), ("帮您", False)]),
    ([finding("x", 0)], [("您好，请问有什么可以帮您", True)]),  # no span: the whole turn
])
def test_a_turn_cut_at_its_findings(found: list[CallFinding], parts: list[tuple[str, bool]]) -> None:
    spans = _spans("您好，请问有什么可以帮您", found)
    assert [(s.text, s.finding is not None) for s in spans] == parts
    assert "".join(s.text for s in spans) == "您好，请问有什么可以帮您"
    assert all(isinstance(s, Span) for s in spans)


def test_a_pack_names_items_with_their_scorecard() -> None:
    r1 = card("r1-agent-assessment")
    suggested = prefill(r1, [finding("r1-agent-assessment.greeting"), finding("r2-service-conduct.greeting"),
                             finding("r1-agent-assessment.expression")])
    assert suggested == {"greeting": Answer("greeting", score=Decimal(0))}  # another card's item, a banded item: no
