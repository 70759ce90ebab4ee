"""The ranking rule read directly on values set by hand: places and ties, the groups a ranking is held
in, who takes part, the top and bottom shares, R14's both rankings and the others, and every reason
word for word (R11, R12, R13, R14)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from jili.core.expr import Value
from jili.core.label import Label
from jili.core.roster import Level
from jili.core.rules.base import RuleHead
from jili.core.rules.ranking import RankingRule, TieRule, _share_count
from jili.core.statement import LineKind, Rank
from rulerun import Ran, apply
from rulerun import expr as cond

D = Decimal
HEAD = RuleHead("top", "yuan", "award", Label("Top", "排名"), None, None, 4)
RULE = RankingRule(HEAD, value="v", also=None, descending=True, within=Level.ALL, amounts=(D(10), D(5), D(2)),
                   amounts_both=(), top_percent=None, bottom_percent=None, share_amount=None, eligible=None,
                   ties=TieRule.SHARED, tie_break=None, others=None, others_when=None)


def rank(rule: RankingRule, envs: dict[str, dict[str, Value]], fed: set[str] | None = None,
         also: tuple[str, ...] = ()) -> Ran:
    sources = {"v": frozenset({"v"}), "w": frozenset({"w"})} if fed is not None else None
    r = apply(rule, envs, fed={"v": fed or set(), "w": fed or set()}, sources=sources, also=also)
    for lines in r.lines.values():
        for ln in lines:
            assert (ln.rule_id, ln.kind, ln.account, ln.category, ln.period, ln.expression) == (
                "top", LineKind.RANKING, "yuan", "award", "2025-03", "")
    assert all(a in envs for a in r.ranks)
    return r


def values(**v: object) -> dict[str, dict[str, Value]]:
    return {a: {"v": None if x is None else D(str(x))} for a, x in v.items()}


def test_places_are_paid_by_the_table_and_ties_share_the_better_place() -> None:
    r = rank(RULE, values(A=90, B=80, C=80, D=70, E=60))
    assert r.paid() == {"A": [D(10)], "B": [D(5)], "C": [D(5)]}  # D is 4th: no 4th amount
    assert r.ranks["A"] == [Rank("top", "2025-03", "v", D(90), 1, 5, "")]
    assert [x.place for a in "BCDE" for x in r.ranks[a]] == [2, 2, 4, 5]
    assert r.reasons("A") == [("place 1 of 5 by v = 90 → 10", "按 v = 90 排第 1 名 → 10")]
    assert r.reasons("B") == [("place 2 of 5 by v = 80 (tied with 1 other, shared) → 5",
                               "按 v = 80 排第 2 名（与 1 人并列，shared） → 5")]
    assert r.lines["A"][0].inputs == (("v", D(90)),)
    third = rank(RULE, values(A=90, B=80, C=70))
    assert third.reasons("C") == [("place 3 of 3 by v = 70 → 2", "按 v = 70 排第 3 名 → 2")]


def test_three_tied_say_two_others() -> None:
    r = rank(RULE, values(A=1, B=1, C=1))
    assert r.paid() == {"A": [D(10)], "B": [D(10)], "C": [D(10)]}
    assert r.reasons("C")[0][0] == "place 1 of 3 by v = 1 (tied with 2 others, shared) → 10"


def test_split_ties_share_the_amounts_of_the_places_they_cover() -> None:
    split = replace(RULE, ties=TieRule.SPLIT)
    assert rank(split, values(A=9, B=9, C=8)).paid() == {"A": [D("7.50")], "B": [D("7.50")], "C": [D(2)]}
    # three tied over places 2–4: (5 + 2 + 0) / 3 = 2.333… → 2.33 each, rounded to the account
    assert rank(split, values(A=9, B=8, C=8, D=8)).paid() == {"A": [D(10)], "B": [D("2.33")], "C": [D("2.33")],
                                                              "D": [D("2.33")]}
    assert rank(split, values(A=9, B=8, C=7, D=6, E=6)).paid() == {"A": [D(10)], "B": [D(5)], "C": [D(2)]}
    assert "(tied with 1 other, split)" in rank(split, values(A=9, B=9)).reasons("A")[0][0]


def test_a_tie_break_decides_and_equal_tie_breaks_still_share() -> None:
    broken = replace(RULE, ties=TieRule.BREAK, tie_break="w")
    envs = {"A": {"v": D(9), "w": D(4)}, "B": {"v": D(9), "w": D(5)}, "C": {"v": D(8), "w": D(9)}}
    assert rank(broken, envs).paid() == {"A": [D(5)], "B": [D(10)], "C": [D(2)]}
    envs["A"]["w"] = D(5)
    assert rank(broken, envs).paid() == {"A": [D(10)], "B": [D(10)], "C": [D(2)]}
    envs["A"]["w"] = None  # no tie-break value counts as 0
    assert rank(broken, envs).paid() == {"A": [D(5)], "B": [D(10)], "C": [D(2)]}
    envs["B"]["w"] = D("-0.5")  # below the 0 that A's missing value counts as
    assert rank(broken, envs).paid() == {"A": [D(10)], "B": [D(5)], "C": [D(2)]}
    ascending = replace(broken, descending=False)
    envs = {"A": {"v": D(1), "w": D(4)}, "B": {"v": D(1), "w": D(5)}}
    assert rank(ascending, envs).paid() == {"A": [D(10)], "B": [D(5)]}  # ascending: the lower tie-break first
    assert rank(replace(RULE, tie_break="w"), envs).paid() == {"A": [D(10)], "B": [D(10)]}  # only when ties: break


def test_ascending_puts_the_lowest_first_and_ranks_zero() -> None:
    low = replace(RULE, descending=False)
    assert rank(low, values(A=3, B=0, C=2)).paid() == {"A": [D(2)], "B": [D(10)], "C": [D(5)]}


def test_a_descending_ranking_gives_no_place_to_zero_unless_told() -> None:
    r = rank(RULE, values(A=3, B=0, C=None))
    assert r.paid() == {"A": [D(10)]} and r.ranks["A"][0].of == 1 and "B" not in r.ranks and "C" not in r.ranks
    r = rank(replace(RULE, include_zero=True), values(A=3, B=0, C=None))
    assert r.paid() == {"A": [D(10)], "B": [D(5)]} and r.ranks["B"][0].of == 2


def test_a_value_that_is_not_a_number_takes_no_place() -> None:
    r = rank(RULE, {"A": {"v": D(3)}, "B": {"v": "high"}, "C": {"v": True}, "D": {}})
    assert r.paid() == {"A": [D(10)]}


def test_an_agent_without_facts_in_the_period_takes_no_place() -> None:
    r = rank(RULE, values(A=3, B=5), fed={"A"})
    assert r.paid() == {"A": [D(10)]}
    assert rank(RULE, values(A=3, B=5), fed=set()).paid() == {}


def test_rankings_are_held_within_each_group() -> None:
    teams = replace(RULE, within=Level.TEAM)
    envs = {"A": {"v": D(9), "team": "t1"}, "B": {"v": D(8), "team": "t1"}, "C": {"v": D(1), "team": "t2"},
            "D": {"v": D(5), "team": None}}
    r = rank(teams, envs)
    assert r.paid() == {"A": [D(10)], "B": [D(5)], "C": [D(10)], "D": [D(10)]}
    assert r.ranks["C"] == [Rank("top", "2025-03", "v", D(1), 1, 1, "t2")]
    assert r.ranks["D"][0].group == ""
    everyone = rank(replace(RULE, within=Level.AGENT), envs)
    assert everyone.paid() == {"A": [D(10)], "B": [D(5)], "D": [D(2)]} and everyone.ranks["A"][0].group == ""


def test_only_eligible_agents_take_part() -> None:
    r = rank(replace(RULE, eligible=cond("v < 9")), values(A=9, B=8, C=7, D=None))
    assert r.paid() == {"B": [D(10)], "C": [D(5)]} and "A" not in r.ranks


@pytest.mark.parametrize(("n", "pct", "count"), [(0, "10", None), (1, "10", 1), (4, "10", 1), (5, "10", 1),
                                                 (14, "10", 1), (15, "10", 2), (24, "10", 2), (25, "10", 3),
                                                 (10, "10", 1), (10, "0", 1), (20, "12.5", 3), (3, "100", 3),
                                                 (10, None, None)])
def test_a_share_covers_n_times_the_percentage_half_up_and_at_least_one(n: int, pct: str | None,
                                                                         count: int | None) -> None:
    assert _share_count(n, None if pct is None else D(pct)) == count


def test_the_bottom_share_says_its_own_percentage() -> None:
    shares = replace(RULE, amounts=(), top_percent=D(10), bottom_percent=D(20), share_amount=D(50))
    r = rank(shares, values(A=10, B=9, C=8, D=7, E=6, F=5, G=4, H=3, I=2, J=1))
    assert r.paid() == {"A": [D(50)], "I": [D(50)], "J": [D(50)]}
    assert r.reasons("A") == [("place 1 of 10 by v is in the top 10 % → 50", "按 v 排第 1/10 名，属前 10% → 50")]
    assert r.reasons("J") == [("place 10 of 10 by v is in the bottom 20 % → 50", "按 v 排第 10/10 名，属后 20% → 50")]


def test_a_share_is_pay_so_its_agents_are_not_among_the_others() -> None:
    shares = replace(RULE, amounts=(), top_percent=D(50), share_amount=D(50), others=D(1))
    assert rank(shares, values(A=2, B=1)).paid() == {"A": [D(50)], "B": [D(1)]}


def test_the_top_and_bottom_shares_take_the_share_amount() -> None:
    shares = replace(RULE, amounts=(), top_percent=D(20), bottom_percent=D(20), share_amount=D(50))
    r = rank(shares, values(A=10, B=9, C=8, D=7, E=6, F=5, G=4, H=3, I=2, J=1))
    assert r.paid() == {"A": [D(50)], "B": [D(50)], "I": [D(50)], "J": [D(50)]}
    assert r.reasons("B") == [("place 2 of 10 by v is in the top 20 % → 50", "按 v 排第 2/10 名，属前 20% → 50")]
    assert r.reasons("I") == [("place 9 of 10 by v is in the bottom 20 % → 50", "按 v 排第 9/10 名，属后 20% → 50")]
    assert r.lines["J"][0].inputs == (("v", D(1)),)
    top = rank(replace(shares, bottom_percent=None), values(A=3, B=2, C=1))
    assert top.paid() == {"A": [D(50)]}
    bottom = rank(replace(shares, top_percent=None), values(A=3, B=2, C=1))
    assert bottom.paid() == {"C": [D(50)]}
    assert rank(replace(shares, share_amount=None), values(A=3, B=2, C=1)).paid() == {}


def test_a_share_with_a_place_amount_pays_both() -> None:
    both = replace(RULE, top_percent=D(50), share_amount=D(1))
    assert rank(both, values(A=3, B=2, C=1, D=0.5)).paid() == {"A": [D(10), D(1)], "B": [D(5), D(1)], "C": [D(2)]}


BOTH = replace(RULE, also="w", amounts=(D(3), D(2)), amounts_both=(D(4), D(3)))


def test_first_in_both_rankings_takes_the_both_amount_once() -> None:
    envs = {"A": {"v": D(30), "w": D(9)}, "B": {"v": D(20), "w": D(5)}, "C": {"v": D(20), "w": D(6)},
            "D": {"v": D(10), "w": D(2)}}
    r = rank(BOTH, envs)
    # v: A 1st, B and C 2nd (shared), D 4th; w: A, C, B, D. C is 2nd in both → 3; B 2nd by v only → 2
    assert r.paid() == {"A": [D(4)], "B": [D(2)], "C": [D(3)]}
    assert r.reasons("A") == [("place 1 by both v and w → 4", "v 与 w 均排第 1 名 → 4")]
    assert r.lines["A"][0].inputs == (("v", D(30)), ("w", D(9)))
    assert r.reasons("B") == [("place 2 of 4 by v = 20 (tied with 1 other, shared) → 2",
                               "按 v = 20 排第 2 名（与 1 人并列，shared） → 2")]
    assert [(x.metric, x.place, x.of) for x in r.ranks["B"]] == [("v", 2, 4), ("w", 3, 4)]


def test_an_agent_ranked_by_the_second_metric_only_is_paid_for_it() -> None:
    envs = {"A": {"v": None, "w": D(9)}, "B": {"v": D(20), "w": D(5)}}
    r = rank(BOTH, envs)
    assert r.paid() == {"A": [D(3)], "B": [D(3), D(2)]}
    assert [(x.metric, x.place) for x in r.ranks["A"]] == [("w", 1)]


def test_split_ties_in_both_rankings_share_the_both_amounts() -> None:
    envs = {"A": {"v": D(30), "w": D(9)}, "B": {"v": D(30), "w": D(5)}}
    r = rank(replace(BOTH, ties=TieRule.SPLIT), envs)
    # A: 1st in both, tied with B by v: the both amounts of places 1–2 split, (4 + 3) / 2
    assert r.paid()["A"] == [D("3.50")]


def test_a_place_in_the_second_ranking_alone_is_paid_with_its_own_count() -> None:
    envs = {"A": {"v": D(30), "w": D(1)}, "B": {"v": D(20), "w": D(9)}, "C": {"v": D(10), "w": None}}
    r = rank(BOTH, envs)
    assert r.paid() == {"A": [D(3), D(2)], "B": [D(2), D(3)]}
    assert r.reasons("B")[1] == ("place 1 of 2 by w = 9 → 3", "按 w = 9 排第 1 名 → 3")


def test_the_same_place_in_both_beyond_the_both_table_pays_nothing() -> None:
    envs = {"A": {"v": D(30), "w": D(9)}, "B": {"v": D(20), "w": D(6)}, "C": {"v": D(10), "w": D(3)}}
    r = rank(BOTH, envs)
    assert r.paid() == {"A": [D(4)], "B": [D(3)]}  # C is 3rd in both: no 3rd "both" amount, no other
    assert r.reasons("B") == [("place 2 by both v and w → 3", "v 与 w 均排第 2 名 → 3")]


def test_one_ranking_without_a_both_table_pays_each_place() -> None:
    envs = {"A": {"v": D(30), "w": D(9)}, "B": {"v": D(20), "w": None}}
    r = rank(replace(BOTH, amounts_both=()), envs)
    assert r.paid() == {"A": [D(3), D(3)], "B": [D(2)]}
    assert r.reasons("A")[1] == ("place 1 of 1 by w = 9 → 3", "按 w = 9 排第 1 名 → 3")
    assert [x.metric for x in r.ranks["B"]] == ["v"]


def test_others_take_their_amount_only_on_a_day_someone_placed() -> None:
    others = replace(RULE, amounts=(D(3),), others=D(1), others_when=cond("rate >= 0.95"))
    envs = {"A": {"v": D(9), "rate": D("0.95")}, "B": {"v": D(8), "rate": D("0.95")},
            "C": {"v": D(7), "rate": D("0.94")}, "D": {"v": None, "rate": None}}
    r = rank(others, envs)
    assert r.paid() == {"A": [D(3)], "B": [D(1)]}
    assert r.reasons("B") == [("every other agent when rate >= 0.95 (rate = 0.95) → 1", "其他坐席（rate = 0.95）→ 1")]
    assert r.lines["B"][0].inputs == (("rate", D("0.95")),)
    unconditional = rank(replace(others, others_when=None), envs)
    assert unconditional.paid() == {"A": [D(3)], "B": [D(1)], "C": [D(1)], "D": [D(1)]}
    assert unconditional.reasons("D") == [("every other agent () → 1", "其他坐席（）→ 1")]
    empty_day = {a: {"v": None, "rate": D(1)} for a in "AB"}
    assert rank(replace(others, others_when=None), empty_day).paid() == {}


def test_a_zero_amount_writes_no_line() -> None:
    r = rank(replace(RULE, amounts=(D(0), D(5))), values(A=2, B=1))
    assert r.paid() == {"B": [D(5)]} and r.ranks["A"][0].place == 1
    zero_others = replace(RULE, amounts=(D(0),), others=D(1))
    assert rank(zero_others, values(A=2, B=1)).paid() == {"A": [D(1)], "B": [D(1)]}  # no pay for 1st: one of the others


def test_what_the_rule_reads() -> None:
    full = replace(RULE, also="w", tie_break="rate", eligible=cond("v > 0"), others_when=cond("team = 'x'"))
    assert full.names() == {"v", "w", "rate", "team"}
    assert replace(RULE, head=replace(HEAD, when=cond("wage > 0"))).names() == {"v", "wage"}
    assert RULE.names() == {"v"}


def test_an_active_agent_without_any_value_takes_no_place_but_is_one_of_the_others() -> None:
    r = rank(replace(RULE, eligible=cond("v > 0 or v is null"), others=D(1)), {"A": {"v": D(2)}}, also=("Z",))
    assert r.paid() == {"A": [D(10)], "Z": [D(1)]} and "Z" not in r.ranks
    r = rank(replace(RULE, others=D(1), others_when=cond("rate is null")), {"A": {"v": D(2)}}, also=("Z",))
    assert r.paid() == {"A": [D(10)], "Z": [D(1)]}
    assert r.reasons("Z") == [("every other agent when rate is null (rate = —) → 1", "其他坐席（rate = —）→ 1")]
    # by team, Z (no team) is alone in the group of no team, where nobody placed: not a ranking day there
    r = rank(replace(RULE, within=Level.TEAM, others=D(1)), {"A": {"v": D(2), "team": "t1"}}, also=("Z",))
    assert r.paid() == {"A": [D(10)]} and "Z" not in r.ranks
