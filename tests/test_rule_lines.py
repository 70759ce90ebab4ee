"""The rule kinds other than ranking, read directly on values set by hand: which agents a rule pays, what
it pays, and the line, flag or problem it writes, word for word in both languages (R12–R16)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from jili.core.inputs import EventCount
from jili.core.label import Label
from jili.core.periods import PeriodKind, parse_period
from jili.core.rules.bands import Band, BandsRule
from jili.core.rules.base import MAX_AMOUNT, RuleHead, fmt, inputs_of, safe, show
from jili.core.rules.flag import FlagRule
from jili.core.rules.formula import FormulaRule
from jili.core.rules.per_event import Multiplier, PerEventRule
from jili.core.rules.streak import StreakRule
from jili.core.rules.tiers import Tier, TiersRule
from jili.core.statement import Flag, LineKind
from rulerun import Ran, apply, expr

D = Decimal
HEAD = RuleHead("r", "yuan", "pay", Label("Pay", "奖金"), None, None, 3)


# --- base: how values are shown and amounts kept ---------------------------------------------------------------

@pytest.mark.parametrize(("value", "shown"), [(D("95.5"), "95.5"), (D("95.50"), "95.5"), (D("0.123456"), "0.1235"),
                                              (D("0.00005"), "0.0001"), (D("0.00004"), "0"), (D(100), "100"),
                                              (D("1E+2"), "100"), (D("Infinity"), "Infinity"), (D("NaN"), "NaN"),
                                              (None, "—"), (True, "True"), ("regular", "regular")])
def test_values_are_shown_to_four_places_without_trailing_zeros(value: object, shown: str) -> None:
    assert fmt(value) == shown  # type: ignore[arg-type]


def test_inputs_are_each_name_once_in_order_of_reading() -> None:
    env = {"v": D(1), "w": D(2), "rate": None}
    assert inputs_of(env, expr("w + v"), None, expr("v + rate")) == (("w", D(2)), ("v", D(1)), ("rate", None))
    assert show(inputs_of(env, expr("w + v"))) == "w = 2, v = 1"
    assert inputs_of(env) == () and show(()) == ""


def test_an_expression_that_cannot_be_evaluated_is_null() -> None:
    from jili.core.expr import parse
    from jili.core.problems import Location

    unchecked, _ = parse("team + 1", {"team": "a field"}, Location("policy.yaml"))
    assert unchecked is not None and safe(unchecked, {"team": "a"}) is None
    assert safe(expr("v + 1"), {"v": D(1)}) == D(2)


FORMULA = FormulaRule(HEAD, expr("wage * 0.2"))


@pytest.mark.parametrize(("wage", "paid"), [(D("1000"), D("200.00")), (D("1000.03"), D("200.01")),
                                            (D("1000.025"), D("200.01")), (D("0.025"), D("0.01")),
                                            (D("-10"), D("-2.00")), (D(5) * MAX_AMOUNT, MAX_AMOUNT.quantize(D("0.01")))])
def test_a_formula_pays_its_value_rounded_half_up_to_the_account(wage: Decimal, paid: Decimal) -> None:
    r = apply(FORMULA, {"A": {"wage": wage}})
    assert r.paid() == {"A": [paid]} and r.problems == []
    ln = r.lines["A"][0]
    assert (ln.rule_id, ln.kind, ln.account, ln.category, ln.period, ln.label) == (
        "r", LineKind.FORMULA, "yuan", "pay", "2025-03", Label("Pay", "奖金"))
    assert (ln.reason_en, ln.reason_zh) == (f"wage * 0.2 with wage = {fmt(wage)} → {paid}",
                                            f"wage * 0.2；wage = {fmt(wage)} → {paid}")
    assert (ln.inputs, ln.expression) == ((("wage", wage),), "wage * 0.2")


@pytest.mark.parametrize("wage", [None, D(5) * MAX_AMOUNT + D("0.01"), D("Infinity"), D("-Infinity")])
def test_a_formula_without_a_value_a_ledger_can_hold_is_a_problem_not_a_line(wage: Decimal | None) -> None:
    r = apply(FORMULA, {"A": {"wage": wage}, "B": {"wage": D(10)}})
    assert r.paid() == {"B": [D("2.00")]}
    (p,) = r.problems
    assert (p.rule_id, p.agent_id) == ("r", "A")
    assert p.message == f"amount 'wage * 0.2' has no value: wage = {fmt(wage)}"
    assert p.message_zh == f"金额“wage * 0.2”无法计算：wage = {fmt(wage)}"


def test_a_formula_with_a_condition_names_it_and_its_inputs() -> None:
    rule = FormulaRule(replace(HEAD, when=expr("late = 0")), expr("wage * 0.2"))
    r = apply(rule, {"A": {"wage": D(100), "late": D(0)}})
    assert r.reasons("A") == [("wage * 0.2 when late = 0 with late = 0, wage = 100 → 20.00",
                               "wage * 0.2，条件 late = 0；late = 0, wage = 100 → 20.00")]
    assert apply(FormulaRule(HEAD, expr("late > 0")), {"A": {"late": D(1)}}).paid() == {"A": [D(1)]}  # true is 1


def test_most_kinds_read_only_their_own_period() -> None:
    assert FORMULA.lookback() == 0 and BANDS.lookback() == 0 and TIERS.lookback() == 0
    assert FORMULA.thresholds() == []


def test_an_active_agent_without_values_is_a_problem_for_a_formula_not_a_crash() -> None:
    r = apply(FORMULA, {"A": {"wage": D(10)}}, also=("Z",))
    assert r.paid() == {"A": [D("2.00")]} and [p.agent_id for p in r.problems] == ["Z"]
    assert apply(BANDS, {}, also=("Z",)).paid() == {} and apply(TIERS, {}, also=("Z",)).paid() == {"Z": [D(0)]}


def test_what_each_kind_reads_includes_its_condition() -> None:
    when = replace(HEAD, when=expr("late = 0"))
    assert FormulaRule(when, expr("wage")).names() == {"late", "wage"}
    assert replace(BANDS, head=when).names() == {"late", "rate", "wage"}
    assert replace(TIERS, head=when).names() == {"late", "v", "wage"}
    assert replace(STREAK, head=when).names() == {"late", "v", "wage"}
    assert PerEventRule(when, "incidents", None, "", D(1), (), "occurred_at").names() == {"late"}


def test_an_amount_without_an_account_is_not_paid() -> None:
    r = apply(FormulaRule(replace(HEAD, account=None), expr("wage")), {"A": {"wage": D(5)}})
    assert r.paid() == {} and [p.agent_id for p in r.problems] == ["A"]


BANDS = BandsRule(HEAD, expr("rate"), (
    Band(Label("over 95 %", "95%以上"), D("0.95"), False, None, False, expr("30")),
    Band(Label("90–95 %", "90%–95%"), D("0.90"), True, D("0.95"), True, expr("wage * 0.1")),
    Band(Label("under 90 %", "90%以下"), None, False, D("0.90"), False, expr("0"))))


@pytest.mark.parametrize(("rate", "band", "paid"), [
    ("0.96", "over 95 %", "30"), ("0.9501", "over 95 %", "30"), ("0.95", "90–95 %", "10.00"),
    ("0.90", "90–95 %", "10.00"), ("0.8999", "under 90 %", "0"), ("0", "under 90 %", "0")])
def test_a_value_falls_in_exactly_one_band_at_each_edge(rate: str, band: str, paid: str) -> None:
    r = apply(BANDS, {"A": {"rate": D(rate), "wage": D(100)}})
    (ln,) = r.lines["A"]
    zh = next(b.label.zh for b in BANDS.bands if b.label.en == band)
    assert ln.amount == D(paid) and ln.label == Label(f"Pay: {band}", f"奖金：{zh}")
    assert ln.kind == LineKind.BANDS


def test_a_band_line_says_the_value_the_band_and_its_edges() -> None:
    r = apply(BANDS, {"A": {"rate": D("0.92"), "wage": D(100)}})
    assert r.reasons("A") == [("rate = 0.92 is in band '90–95 %' (≥ 0.90 and ≤ 0.95) → 10.00",
                               "rate = 0.92，落在“90%–95%”（≥ 0.90 and ≤ 0.95）→ 10.00")]
    ln = r.lines["A"][0]
    assert (ln.inputs, ln.expression) == ((("rate", D("0.92")), ("wage", D(100))), "≥ 0.90 and ≤ 0.95")


@pytest.mark.parametrize(("band", "described"), [
    (Band(Label("", ""), D(1), True, D(2), False, expr("0")), "≥ 1 and < 2"),
    (Band(Label("", ""), D(1), False, None, False, expr("0")), "> 1"),
    (Band(Label("", ""), None, False, D(2), True, expr("0")), "≤ 2"),
    (Band(Label("", ""), None, False, None, False, expr("0")), "any value")])
def test_each_band_describes_its_edges(band: Band, described: str) -> None:
    assert band.describe() == described


@pytest.mark.parametrize(("value", "closed", "open_"), [("0.89", False, False), ("0.9", True, False),
                                                       ("0.95", True, True), ("1", True, False), ("1.01", False, False)])
def test_a_band_holds_its_edges_only_when_they_are_inclusive(value: str, closed: bool, open_: bool) -> None:
    amount = expr("0")
    assert Band(Label("", ""), D("0.9"), True, D(1), True, amount).contains(D(value)) is closed
    assert Band(Label("", ""), D("0.9"), False, D(1), False, amount).contains(D(value)) is open_


def test_an_amount_that_cannot_be_computed_pays_zero_and_no_value_writes_no_line() -> None:
    r = apply(BANDS, {"B": {"rate": None}, "C": {"rate": "high"}, "A": {"rate": D("0.92"), "wage": None}})
    assert r.paid() == {"A": [D(0)]}
    gap = BandsRule(HEAD, expr("rate"), BANDS.bands[:1])
    assert apply(gap, {"A": {"rate": D("0.5")}, "B": {"rate": D(1)}}).paid() == {"B": [D(30)]}  # A is in no band


def test_band_edges_are_thresholds_of_what_the_value_reads() -> None:
    assert BANDS.thresholds() == [("rate", D("0.95")), ("rate", D("0.90")), ("rate", D("0.95")), ("rate", D("0.90"))]
    assert BANDS.names() == {"rate", "wage"}


TIERS = TiersRule(HEAD, (Tier(Label("excellent", "优秀"), expr("v >= 95"), expr("wage * 0.3")),
                         Tier(Label("good", "良好"), expr("v >= 85"), expr("300")),
                         Tier(Label("ordinary", "一般"), None, expr("0"))))


@pytest.mark.parametrize(("v", "tier", "paid"), [("95", "excellent", "300.00"), ("94.99", "good", "300"),
                                                 ("85", "good", "300"), ("84.99", "ordinary", "0")])
def test_the_first_tier_that_holds_pays(v: str, tier: str, paid: str) -> None:
    r = apply(TIERS, {"A": {"v": D(v), "wage": D(1000)}})
    (ln,) = r.lines["A"]
    assert (ln.amount, ln.label.en, ln.kind) == (D(paid), f"Pay: {tier}", LineKind.TIERS)


def test_a_tier_line_names_the_tier_its_condition_and_inputs() -> None:
    r = apply(TIERS, {"A": {"v": D(96), "wage": D(1000)}, "B": {"v": None, "wage": D(1)}})
    assert r.reasons("A") == [("tier 'excellent' (v >= 95) with v = 96, wage = 1000 → 300.00",
                               "档位“优秀”（v >= 95）；v = 96, wage = 1000 → 300.00")]
    assert r.reasons("B") == [("tier 'ordinary' (otherwise) with  → 0", "档位“一般”（其他情况）； → 0")]
    assert r.lines["A"][0].label == Label("Pay: excellent", "奖金：优秀") and r.lines["A"][0].expression == "v >= 95"
    assert r.lines["A"][0].inputs == (("v", D(96)), ("wage", D(1000)))
    assert r.lines["B"][0].expression == "otherwise"
    no_otherwise = TiersRule(HEAD, TIERS.tiers[:2])
    assert apply(no_otherwise, {"A": {"v": D(10)}}).paid() == {}
    broken = TiersRule(HEAD, (Tier(Label("x", "x"), expr("v > 1"), expr("wage")),))
    assert apply(broken, {"A": {"v": D(2), "wage": None}}).paid() == {"A": [D(0)]}


def test_tier_conditions_are_thresholds() -> None:
    assert TIERS.thresholds() == [("v", D(95)), ("v", D(85))]
    assert TIERS.names() == {"v", "wage"}


def test_a_flag_names_its_action_and_what_it_read() -> None:
    rule = FlagRule(replace(HEAD, when=expr("v < 60")), "high", Label("coach", "辅导"))
    r = apply(rule, {"A": {"v": D(50)}})
    assert r.flags["A"] == [Flag("r", "2025-03", "high", Label("coach", "辅导"), "v < 60 with v = 50", "v < 60；v = 50",
                                 (("v", D(50)),))]
    assert r.lines == {} and rule.names() == {"v"}
    bare = apply(FlagRule(HEAD, "normal", Label("look", "查看")), {"A": {}})
    assert bare.flags["A"][0].reason_en == " with " and bare.flags["A"][0].reason_zh == "；"


MONTHS = {label: parse_period(label) for label in ("2025-01", "2025-02", "2025-03")}
STREAK = StreakRule(HEAD, expr("v >= 90"), 3, expr("wage * 0.1"), None, None)


def streak(rule: StreakRule, history: dict[str, tuple[object, object, object]], period: str = "2025-03",
           fed: dict[str, set[str]] | None = None, sources: dict[str, frozenset[str]] | None = None) -> Ran:
    """history: agent -> v in January, February, March."""
    labels = ["2025-01", "2025-02", "2025-03"]
    by_period = {lab: {a: {"v": None if vs[i] is None else D(str(vs[i])), "wage": D(1000)} for a, vs in history.items()}
                 for i, lab in enumerate(labels)}
    target = parse_period(period)
    assert target is not None
    return apply(rule, by_period[period], period=target, before={k: v for k, v in by_period.items() if k != period},
                 fed=fed, sources=sources)


def test_a_streak_pays_when_each_of_its_periods_held() -> None:
    r = streak(STREAK, {"A": (90, 95, 99), "B": (89, 95, 99), "C": (95, 95, 89.9), "D": (None, 95, 95)})
    assert r.paid() == {"A": [D("100.00")]}
    assert r.reasons("A") == [("v >= 90 held 3 periods in a row (2025-01…2025-03) → 100.00",
                               "连续 3 期满足 v >= 90（2025-01…2025-03）→ 100.00")]
    ln = r.lines["A"][0]
    assert (ln.kind, ln.inputs, ln.expression) == (LineKind.STREAK, (("v", D(99)),), "v >= 90")


def test_a_streak_of_two_reads_one_period_back() -> None:
    two = replace(STREAK, length=2)
    assert two.lookback() == 1 and STREAK.lookback() == 2
    assert streak(two, {"A": (0, 95, 99), "B": (95, 0, 99)}).paid() == {"A": [D("100.00")]}


def test_a_streak_can_flag_instead_of_pay() -> None:
    flag = StreakRule(HEAD, expr("v < 60"), 2, None, "high", Label("coach", "辅导"))
    r = streak(flag, {"A": (99, 50, 40), "B": (50, 70, 40)})
    assert r.paid() == {} and list(r.flags) == ["A"]
    assert r.flags["A"] == [Flag("r", "2025-03", "high", Label("coach", "辅导"),
                                 "v < 60 held 2 periods in a row (2025-02…2025-03)", "连续 2 期满足 v < 60（2025-02…2025-03）",
                                 (("v", D(40)),))]
    default_severity = replace(flag, severity=None)
    assert streak(default_severity, {"A": (99, 50, 40)}).flags["A"][0].severity == "normal"
    no_account = StreakRule(replace(HEAD, account=None), expr("v < 60"), 2, expr("1"), None, None)
    assert streak(no_account, {"A": (99, 50, 40)}).paid() == {}


def test_a_period_without_facts_breaks_the_streak() -> None:
    sources = {"v": frozenset({"v"})}
    fed = {"v": {"A", "B"}, "2025-02|v": {"A"}, "2025-01|v": {"A", "B"}}
    r = streak(STREAK, {"B": (95, 95, 95), "A": (95, 95, 95)}, fed=fed, sources=sources)
    assert r.paid() == {"A": [D("100.00")]}


def test_a_streak_reaching_a_period_without_values_does_not_hold() -> None:
    # the condition rests on no facts (a roster field): an earlier period with no values at all is not true
    r = apply(STREAK, {"A": {"v": D(95), "wage": D(1)}}, before={"2025-02": {"A": {"v": D(95)}}})
    assert r.paid() == {}
    r = apply(STREAK, {"A": {"v": D(95), "wage": D(1)}}, before={"2025-02": {}, "2025-01": {}})
    assert r.paid() == {}


def test_a_streak_amount_without_a_value_pays_zero() -> None:
    r = streak(replace(STREAK, amount=expr("late")), {"A": (95, 95, 95)})
    assert r.paid() == {"A": [D(0)]}


def test_each_quarter_pays_once_at_the_quarter_s_last_month() -> None:
    quarterly = replace(STREAK, each=PeriodKind.QUARTER)
    assert streak(quarterly, {"A": (95, 95, 95)}).paid() == {"A": [D("100.00")]}
    assert streak(quarterly, {"A": (95, 95, 95)}, period="2025-02").paid() == {}
    two = replace(quarterly, length=2)  # two months of a quarter: only February–March, at March
    assert streak(two, {"A": (0, 95, 95)}).paid() == {"A": [D("100.00")]}
    assert streak(two, {"A": (95, 95, 95)}, period="2025-02").paid() == {}  # February is not the quarter's end
    four = replace(quarterly, length=4)  # would reach into the quarter before: never
    good = {"A": {"v": D(95), "wage": D(1)}}
    assert apply(four, good, before={m: good for m in ("2024-12", "2025-01", "2025-02")}).paid() == {}
    assert apply(replace(four, each=None), good,
                 before={m: good for m in ("2024-12", "2025-01", "2025-02")}).paid() == {"A": [D("0.10")]}


def test_per_event_pays_each_event_by_its_factor() -> None:
    rule = PerEventRule(HEAD, "incidents", expr("kind = 'complaint'"), "kind = 'complaint'", D(-2),
                        (Multiplier(expr("serious"), D(2)),), "occurred_at")
    events = {("r", "2025-03"): {"B": [], "A": [EventCount(D(1), 3, ("b1:1", "b1:2", "b1:5")),
                                                EventCount(D(2), 1, ("b1:7",))]}}
    r = apply(rule, {"C": {}, "B": {}, "A": {}}, events=events)
    assert r.paid() == {"A": [D("-10.00")]}
    assert r.reasons("A") == [("4 incidents where kind = 'complaint': 3 × -2 + 1 × -2 × 2 → -10.00",
                               "4 条 incidents（kind = 'complaint'）：3 × -2 + 1 × -2 × 2 → -10.00")]
    ln = r.lines["A"][0]
    assert (ln.kind, ln.inputs, ln.expression, ln.refs) == (LineKind.PER_EVENT, (("events", D(4)),),
                                                            "kind = 'complaint'", ("b1:1", "b1:2", "b1:5", "b1:7"))
    anything = replace(rule, where=None, where_text="")
    r = apply(anything, {"A": {}}, events={("r", "2025-03"): {"A": [EventCount(D(1), 1)]}})
    assert r.reasons("A") == [("1 incidents where any: 1 × -2 → -2.00", "1 条 incidents（全部）：1 × -2 → -2.00")]
    assert apply(rule, {"A": {}}, events={("r", "2025-02"): {"A": [EventCount(D(1), 1)]}}).paid() == {}


def test_per_event_keeps_the_first_twenty_references() -> None:
    rule = PerEventRule(HEAD, "incidents", None, "", D(1), (), "occurred_at")
    refs = tuple(f"b:{i}" for i in range(30))
    r = apply(rule, {"A": {}}, events={("r", "2025-03"): {"A": [EventCount(D(1), 30, refs)]}})
    assert r.lines["A"][0].refs == refs[:20] and r.paid() == {"A": [D(30)]}
    assert rule.names() == set()
