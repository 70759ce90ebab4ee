"""qa.scoring read directly on small scorecards built in the test: every item kind at its edges, N/A under
both policies, fatal under both policies, the R4 error and opportunity counts, and every refusal word for word."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jili.core.problems import Location, Severity
from jili.qa.scorecard import FatalPolicy, Item, ItemKind, NaPolicy, ScoreBand, Scorecard
from jili.qa.scoring import Answer, ItemScore, Scored, score

D = Decimal
HERE = Location("evaluation_items.csv", line=2)
ROW = Location("evaluation_items.csv", line=9)

BANDED = Item("tone", "s", ItemKind.BANDED, "tone", "语气", D(10),
              bands=(ScoreBand(D(0), D(4), "poor", "差"), ScoreBand(D(5), D(8), "fair", "一般"),
                     ScoreBand(D(9), D(10), "good", "好")))
YES = Item("greet", "s", ItemKind.YES_NO, "greeting", "问候", D(2))
SCALE = Item("care", "s", ItemKind.SCALE, "care", "关怀", D(5))
LEVELS = Item("hold", "s", ItemKind.SCALE, "hold", "等待", D(4), levels=(D(0), D(2), D(4)), na_allowed=False)
DEDUCT = Item("rude", "s", ItemKind.DEDUCTION, "rude", "粗鲁", D(10), serious_factor=D(2), max_occurrences=3)
BONUS = Item("praise", "s", ItemKind.BONUS, "praise", "表扬", D(3))
FATAL = Item("leak", "s", ItemKind.FATAL, "leak", "泄露", D(0))


def card(*items: Item, base: str = "0", na: NaPolicy = NaPolicy.RESCALE,
         fatal: FatalPolicy = FatalPolicy.FAIL_CALL) -> Scorecard:
    return Scorecard("qa", "3", "QA", "质检", None, None, None, D(base), na, fatal, items)


FULL = [Answer("tone", D(10)), Answer("greet", D(2)), Answer("care", D(5))]
THREE = card(BANDED, YES, SCALE, DEDUCT, BONUS, FATAL)


def scored(c: Scorecard, answers: list[Answer]) -> Scored:
    s, problems = score(c, answers, HERE)
    assert problems == [] and s is not None
    return s


def test_full_marks_add_up_with_the_card_and_version_named() -> None:
    s = scored(THREE, FULL)
    assert (s.scorecard, s.version, s.total, s.maximum, s.fatal) == ("qa", "3", D("17.00"), D(17), False)
    assert (s.nonfatal_errors, s.opportunities) == (0, 4)  # three scored items and the deduction; not bonus, fatal
    assert s.items == (ItemScore("tone", ItemKind.BANDED, D(10), D(10), False, False, "好"),
                       ItemScore("greet", ItemKind.YES_NO, D(2), D(2), False, False, ""),
                       ItemScore("care", ItemKind.SCALE, D(5), D(5), False, False, ""),
                       ItemScore("rude", ItemKind.DEDUCTION, D(0), D(0), False, False),
                       ItemScore("praise", ItemKind.BONUS, D(0), D(0), False, False),
                       ItemScore("leak", ItemKind.FATAL, D(0), D(0), False, False))


@pytest.mark.parametrize(("value", "band", "error"), [("0", "差", True), ("4", "差", True), ("5", "一般", True),
                                                      ("8", "一般", True), ("9", "好", True), ("10", "好", False)])
def test_a_banded_score_names_its_band_at_each_edge(value: str, band: str, error: bool) -> None:
    s = scored(THREE, [Answer("tone", D(value)), *FULL[1:]])
    assert (s.items[0].band, s.items[0].error, s.items[0].points) == (band, error, D(value))
    assert s.nonfatal_errors == int(error)


@pytest.mark.parametrize(("item", "value", "ok"), [
    ("tone", "4.5", False), ("tone", "-1", False), ("tone", "10.5", False), ("tone", "9", True),
    ("greet", "0", True), ("greet", "2", True), ("greet", "1", False), ("greet", "3", False),
    ("care", "0", True), ("care", "5", True), ("care", "2.5", True), ("care", "5.01", False), ("care", "-0.01", False),
    ("hold", "2", True), ("hold", "4", True), ("hold", "3", False), ("hold", "0", True)])
def test_each_kind_accepts_exactly_its_allowed_scores(item: str, value: str, ok: bool) -> None:
    c = card(BANDED, YES, SCALE, LEVELS)
    answers = {a.item_id: a for a in [*FULL, Answer("hold", D(4))]}
    answers[item] = Answer(item, D(value), where=ROW)
    s, problems = score(c, list(answers.values()), HERE)
    if ok:
        assert problems == [] and s is not None
        return
    assert s is None
    (p,) = problems
    target = c.item(item)
    assert target is not None
    shown = format(D(value).normalize(), "f")
    assert (p.code, p.severity, p.location) == ("out_of_range", Severity.ERROR, ROW)
    assert p.message == f"Score {shown} is not allowed for item '{item}' ({target.name_en})."
    assert p.message_zh == f"评分项 '{item}'（{target.name_zh}）的分数 {shown} 不在允许范围内。"
    assert (p.expected, p.found) == (target.allowed(), shown)


def test_allowed_values_are_written_for_a_person() -> None:
    assert BANDED.allowed() == "0–4 (差), 5–8 (一般), 9–10 (好)"
    assert YES.allowed() == "0 or 2"
    assert SCALE.allowed() == "0 to 5"
    assert LEVELS.allowed() == "0, 2, 4"
    assert DEDUCT.allowed() == BONUS.allowed() == "a number of occurrences ≥ 0"


def test_a_score_is_shown_as_written_without_trailing_zeros() -> None:
    _, problems = score(THREE, [Answer("tone", D("16.0000")), *FULL[1:]], HERE)
    assert problems[0].found == "16" and "Score 16 is" in problems[0].message
    _, problems = score(THREE, [Answer("tone", D("4.5000")), *FULL[1:]], HERE)
    assert problems[0].found == "4.5"
    _, problems = score(THREE, [Answer("tone", D("1E+2")), *FULL[1:]], HERE)
    assert problems[0].found == "100"


def test_na_rescales_the_rest_to_the_full_maximum() -> None:
    # 8 + 2 of 12 applicable (care N/A) → 10 × 17/12 = 14.1666… → 14.17
    s = scored(THREE, [Answer("tone", D(8)), Answer("greet", D(2)), Answer("care", not_applicable=True)])
    assert s.total == D("14.17")
    assert s.items[2] == ItemScore("care", ItemKind.SCALE, D(0), D(5), True, False)
    assert (s.opportunities, s.nonfatal_errors) == (3, 1)


def test_na_counts_as_full_marks_when_the_card_says_so() -> None:
    c = card(BANDED, YES, SCALE, na=NaPolicy.FULL_MARKS)
    s = scored(c, [Answer("tone", D(8)), Answer("greet", D(2)), Answer("care", not_applicable=True)])
    assert s.total == D("15.00")  # 8 + 2 + 5, nothing rescaled
    assert s.items[2] == ItemScore("care", ItemKind.SCALE, D(5), D(5), True, False)
    assert (s.opportunities, s.nonfatal_errors) == (2, 1)


def test_everything_na_scores_the_base_not_a_division_by_zero() -> None:
    s = scored(card(YES, SCALE, base="100"), [Answer("greet", not_applicable=True), Answer("care", not_applicable=True)])
    assert (s.total, s.opportunities) == (D("100.00"), 0)


def test_rescaling_rounds_half_up_to_the_cent() -> None:
    # 1 of 8 applicable, scaled to 16: exactly 2.00; 5 of 6 → ×9/6 = 7.5 → 7.50; 1/3 of 3 → 1.00
    a = Item("a", "s", ItemKind.SCALE, "a", "a", D(8))
    b = Item("b", "s", ItemKind.SCALE, "b", "b", D(8))
    assert scored(card(a, b), [Answer("a", D(1)), Answer("b", not_applicable=True)]).total == D("2.00")
    c3 = Item("c", "s", ItemKind.SCALE, "c", "c", D(3))
    tiny = Item("t", "s", ItemKind.SCALE, "t", "t", D("0.005"))
    # 2 of 3 applicable with the tiny item N/A: 2 × 3.005/3 = 2.00333… → 2.00; 1.005 of 3.005 is not rescaled
    assert scored(card(c3, tiny), [Answer("c", D(2)), Answer("t", not_applicable=True)]).total == D("2.00")
    assert scored(card(c3, tiny), [Answer("c", D(1)), Answer("t", D("0.005"))]).total == D("1.01")  # 1.005 half-up


@pytest.mark.parametrize(("n", "serious", "expected", "error"), [(0, False, "100.00", False), (1, False, "90.00", True),
                                                                (1, True, "80.00", True), (3, False, "70.00", True),
                                                                (3, True, "40.00", True)])
def test_a_deduction_per_occurrence_doubled_when_serious(n: int, serious: bool, expected: str, error: bool) -> None:
    c = card(DEDUCT, base="100")
    s = scored(c, [Answer("rude", occurrences=n, serious=serious)])
    assert s.total == D(expected)
    assert s.items[0].points == D(expected) - 100 and s.items[0].error is error
    assert (s.nonfatal_errors, s.opportunities) == (int(error), 1)


def test_a_deduction_given_as_a_score_counts_once_and_an_unanswered_one_never() -> None:
    c = card(DEDUCT, BONUS, base="100")
    assert scored(c, [Answer("rude", D(1))]).total == D("90.00")
    assert scored(c, [Answer("rude", D(0))]).total == D("100.00")
    assert scored(c, []).total == D("100.00")
    assert scored(c, [Answer("praise", D(5))]).total == D("103.00")  # a score ≠ 0 is one occurrence


def test_a_bonus_adds_and_is_never_an_error_nor_an_opportunity() -> None:
    c = card(BONUS, base="90")
    s = scored(c, [Answer("praise", occurrences=2, serious=True)])  # serious doubles only when the item says so
    assert s.total == D("96.00") and s.items[0] == ItemScore("praise", ItemKind.BONUS, D(6), D(0), False, False)
    assert (s.nonfatal_errors, s.opportunities) == (0, 0)


def test_an_na_deduction_is_left_out_of_the_opportunities() -> None:
    s = scored(card(DEDUCT, BONUS, base="100"), [Answer("rude", occurrences=2, not_applicable=True),
                                                 Answer("praise", occurrences=1)])
    assert s.total == D("103.00") and s.items[1].points == D(3)  # the items after it are still scored
    s = scored(card(DEDUCT, base="100"), [Answer("rude", occurrences=2, not_applicable=True)])
    assert s.total == D("100.00") and s.items[0] == ItemScore("rude", ItemKind.DEDUCTION, D(0), D(0), True, False)
    assert s.opportunities == 0


def test_the_total_never_goes_below_zero() -> None:
    s = scored(card(DEDUCT, base="15"), [Answer("rude", occurrences=2)])
    assert s.total == D("0.00")
    s = scored(card(DEDUCT, base="20"), [Answer("rude", occurrences=2)])
    assert s.total == D("0.00")
    s = scored(card(DEDUCT, base="21"), [Answer("rude", occurrences=2)])
    assert s.total == D("1.00")


@pytest.mark.parametrize(("answer", "fatal"), [
    (Answer("leak", fatal=True), True), (Answer("leak", occurrences=1), True), (Answer("leak", D(1)), True),
    (Answer("leak", occurrences=0), False), (Answer("leak", D(0)), False), (Answer("leak"), False), (None, False),
    (Answer("leak", D("0.5")), True), (Answer("leak", D(-1)), True)])
def test_a_fatal_item_fails_the_call_however_it_is_answered(answer: Answer | None, fatal: bool) -> None:
    answers = [*FULL] + ([answer] if answer is not None else [])
    s = scored(THREE, answers)
    assert s.fatal is fatal and s.total == D("17.00")  # fail_call: the score stands
    z = scored(card(BANDED, YES, SCALE, FATAL, fatal=FatalPolicy.ZERO), answers)
    assert z.fatal is fatal and z.total == (D("0.00") if fatal else D("17.00"))


def test_a_fatal_item_is_never_an_error_nor_an_opportunity() -> None:
    s = scored(THREE, [*FULL, Answer("leak", fatal=True)])
    assert (s.nonfatal_errors, s.opportunities) == (0, 4)


def test_one_fatal_of_two_fails_the_call() -> None:
    other = Item("abuse", "s", ItemKind.FATAL, "abuse", "辱骂", D(0))
    c = card(YES, FATAL, other)
    assert scored(c, [Answer("greet", D(2)), Answer("leak", fatal=True), Answer("abuse")]).fatal
    assert scored(c, [Answer("greet", D(2)), Answer("leak"), Answer("abuse", fatal=True)]).fatal
    assert not scored(c, [Answer("greet", D(2)), Answer("leak"), Answer("abuse")]).fatal


def test_an_unknown_item_is_told_the_items_of_the_card() -> None:
    s, problems = score(THREE, [*FULL, Answer("toen", D(1), where=ROW)], HERE)
    assert s is None
    (p,) = problems
    assert (p.code, p.location, p.found) == ("unknown_item", ROW, "toen")
    assert p.message == "Item 'toen' is not on scorecard qa v3. Did you mean 'tone'?"
    assert p.message_zh == "评分表 qa v3 中没有评分项 'toen'。是否应为 'tone'？"
    assert p.expected == "tone, greet, care, rude, praise, leak"
    _, problems = score(THREE, [*FULL, Answer("zzzz", D(1))], HERE)
    assert problems[0].message == "Item 'zzzz' is not on scorecard qa v3." and problems[0].location == HERE
    assert problems[0].message_zh == "评分表 qa v3 中没有评分项 'zzzz'。"


def test_an_item_answered_twice_is_refused_once_and_its_first_answer_is_checked() -> None:
    s, problems = score(THREE, [*FULL, Answer("greet", D(2), where=ROW)], HERE)
    assert s is None
    (p,) = problems
    assert (p.code, p.location, p.message, p.message_zh) == ("duplicate_item", ROW, "Item 'greet' is answered twice.",
                                                             "评分项 'greet' 重复。")
    assert (p.expected, p.found, p.fix, p.fix_zh) == ("", "", "", "")
    _, problems = score(THREE, [*FULL, Answer("greet", D(2)), Answer("nope", D(1))], HERE)
    assert [q.code for q in problems] == ["duplicate_item", "unknown_item"]  # every answer after it is still read
    _, problems = score(THREE, [Answer("nope", D(1)), Answer("tone", D(3)), *FULL[1:]], HERE)
    assert [q.code for q in problems] == ["unknown_item"]
    _, problems = score(THREE, [Answer("nope", D(1)), Answer("greet", D(1)), FULL[0], FULL[2]], HERE)
    assert [q.code for q in problems] == ["unknown_item", "out_of_range"]
    _, problems = score(THREE, [Answer("greet", D(1)), *FULL], HERE)
    assert [q.code for q in problems] == ["out_of_range", "duplicate_item"]


def test_every_missing_item_is_named_with_what_it_accepts() -> None:
    s, problems = score(THREE, [Answer("greet", D(2))], HERE)
    assert s is None
    assert [(p.code, p.location) for p in problems] == [("missing_item", HERE)] * 2
    tone, care = problems
    assert tone.message == "Required item 'tone' (tone) has no answer."
    assert tone.message_zh == "必填评分项 'tone'（语气）没有评分。"
    assert tone.expected == BANDED.allowed() and care.expected == "0 to 5"
    assert tone.fix == "Give a score, or mark it N/A if the call did not call for it."
    assert tone.fix_zh == "请打分；该通话不涉及此项时标为不适用。"


def test_a_scored_item_without_a_score_is_refused() -> None:
    _, problems = score(THREE, [Answer("tone", where=ROW), *FULL[1:]], HERE)
    (p,) = problems
    assert (p.code, p.location, p.message, p.message_zh) == ("missing_score", ROW, "Item 'tone' has no score.",
                                                             "评分项 'tone' 没有分数。")
    assert (p.expected, p.fix, p.fix_zh) == (BANDED.allowed(), "Give a score or mark it N/A.", "请打分，或标为不适用。")


def test_na_where_the_item_forbids_it() -> None:
    c = card(YES, LEVELS)
    _, problems = score(c, [Answer("greet", D(2)), Answer("hold", not_applicable=True, where=ROW)], HERE)
    (p,) = problems
    assert (p.code, p.location, p.message, p.message_zh, p.expected) == (
        "na_not_allowed", ROW, "Item 'hold' cannot be N/A.", "评分项 'hold' 不允许“不适用”。", "0, 2, 4")
    assert scored(c, [Answer("greet", not_applicable=True), Answer("hold", D(2))]).total == D("3.00")  # 2 of 4, ×6/4


def test_a_fatal_mark_on_an_item_that_is_not_fatal() -> None:
    _, problems = score(THREE, [Answer("tone", D(10), fatal=True, where=ROW), *FULL[1:]], HERE)
    (p,) = problems
    assert (p.code, p.location) == ("fatal_on_non_fatal", ROW)
    assert p.message == "Item 'tone' is marked fatal, but it is not a fatal item."
    assert p.message_zh == "评分项 'tone' 被标为致命错误，但它不是致命项。"
    assert (p.fix, p.fix_zh) == ("Record fatal errors on the scorecard's fatal items.", "致命错误请记在评分表的致命项上。")
    _, problems = score(card(YES), [Answer("greet", D(2), fatal=True)], HERE)
    assert problems[0].message == "Item 'greet' is marked fatal, but it is not a fatal item and scorecard qa has no " \
                                  "fatal items."
    assert not scored(THREE, [*FULL, Answer("leak", D(0), fatal=False)]).fatal


@pytest.mark.parametrize(("n", "ok"), [(0, True), (3, True), (4, False), (-1, False)])
def test_occurrences_within_what_the_item_allows(n: int, ok: bool) -> None:
    _, problems = score(THREE, [*FULL, Answer("rude", occurrences=n, where=ROW)], HERE)
    if ok:
        assert problems == []
        return
    (p,) = problems
    assert (p.code, p.location, p.found, p.expected) == ("out_of_range", ROW, str(n), "a number of occurrences ≥ 0")
    assert (p.fix, p.fix_zh) == ("", "")
    assert p.message == f"Item 'rude' occurred {n} times; allowed 0 to 3."
    assert p.message_zh == f"评分项 'rude' 次数 {n} 超出范围。"


def test_occurrences_without_a_maximum_may_be_many_but_not_negative() -> None:
    assert scored(card(BONUS), [Answer("praise", occurrences=40)]).total == D("120.00")
    _, problems = score(card(BONUS), [Answer("praise", occurrences=-2)], HERE)
    assert problems[0].message == "Item 'praise' occurred -2 times; allowed 0 to any."
