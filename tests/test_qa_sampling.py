"""Sampling R3's 15 calls per agent from the real bank month; calibration finds the lenient evaluator."""

from __future__ import annotations

import collections
import datetime as dt

import pytest

from conftest import BANK, BANK_MAPPING, NOW
from jili.core.periods import parse_period
from jili.io.factstore.qa import calibration_set, calls_for_sampling
from jili.io.specs.mapping import load_mapping
from jili.qa.calibration import calibrate
from jili.qa.sampling import Call, Plan, Target, _largest_remainder, _zh, daypart, duration_band, sample, stratum_of

FEB = parse_period("1999-02")


@pytest.fixture
def bank_calls(ws, do):  # type: ignore[no-untyped-def]
    from jili.io.factstore.views import connect
    from jili.registry.facts import active_batches

    mapping, _ = load_mapping(BANK_MAPPING)
    assert do(BANK, mapping, now=NOW).status.value == "imported"
    con = connect({"interactions": [(b.pk, ws.root / b.parquet_path) for b in active_batches("interactions")]})
    return calls_for_sampling(con, FEB, "Asia/Jerusalem")


@pytest.mark.django_db
def test_fifteen_calls_per_agent_from_the_real_bank_month(bank_calls):
    plan = Plan(per_agent=15, targets=(Target("long", 1), Target("repeat_caller", 2)), seed=42)
    result = sample(bank_calls, plan)
    assert "NO_SERVER" not in {r.agent_id for r in result}
    assert len(result) == 24  # agents in the `server` column, NO_SERVER left out
    full = [r for r in result if r.eligible >= 15]
    assert full and all(len(r.picks) == 15 for r in full)
    assert all(len(r.picks) == r.eligible for r in result if r.eligible < 15)
    # every pick says why; exclusions are counted, not silent
    assert all(p.reason_en and p.reason_zh for r in result for p in r.picks)
    assert sum(r.excluded.get("under 30 s", 0) for r in result) > 0
    # targeted picks first, then strata in proportion to the agent's own mix
    busiest = max(result, key=lambda r: r.eligible)
    reasons = collections.Counter(p.reason_en.split(" ")[0] for p in busiest.picks)
    assert reasons["targeted:"] == 3 and reasons["random"] == 12
    dayparts = {p.stratum.split(" · ")[1] for p in busiest.picks}
    assert len(dayparts) >= 2  # not judged on one Monday morning
    # reproducible from the seed; another seed, another sample
    again = sample(bank_calls, plan)
    assert [[p.call.interaction_id for p in r.picks] for r in again] == [[p.call.interaction_id for p in r.picks]
                                                                           for r in result]
    other = sample(bank_calls, Plan(per_agent=15, seed=43))
    assert [p.call.interaction_id for p in other[0].picks] != [p.call.interaction_id for p in result[0].picks]


def test_calibration_finds_the_lenient_evaluator():
    report = calibrate(calibration_set(lenient="QA3", bias=4.0), item_levels={"greeting": "nominal"})
    verdicts = {b.evaluator: b.verdict for b in report.evaluators_bias}
    assert verdicts == {"QA1": "in line", "QA2": "in line", "QA3": "lenient", "QA4": "in line", "QA5": "in line"}
    qa3 = next(b for b in report.evaluators_bias if b.evaluator == "QA3")
    assert 3.0 < qa3.bias.mean < 6.0 and qa3.bias.low > 0
    assert report.alpha is not None and report.alpha > 0.8 and report.icc is not None and report.icc > 0.8
    assert report.items[0].item == "tone"  # the item evaluators disagree on most
    assert 0.5 < report.within_5 < 1.0


def test_calibration_of_agreeing_evaluators_is_reliable_and_finds_nobody():
    report = calibrate(calibration_set(bias=0.0, noise=1.0))
    assert report.reliable and all(b.verdict == "in line" for b in report.evaluators_bias)


# -- the sampling plan's parts, one by one (R3: 15 calls per agent, spread so a month is not judged on one kind) --

def _call(i: int, seconds: int = 120, hour: int = 10, day: int = 2, queue: str = "Q1", **kw) -> Call:
    return Call(f"C{i:03d}", kw.pop("agent", "A1"), dt.datetime(2026, 3, day, hour, 0), seconds, queue, **kw)


@pytest.mark.parametrize(("day", "hour", "part"), [
    (2, 0, "weekday-morning"), (2, 11, "weekday-morning"), (2, 12, "weekday-afternoon"), (2, 17, "weekday-afternoon"),
    (2, 18, "weekday-evening"), (2, 23, "weekday-evening"), (6, 11, "weekday-morning"),  # Friday 6 March 2026
    (7, 12, "weekend-afternoon"), (8, 18, "weekend-evening"), (9, 9, "weekday-morning")])  # Saturday, Sunday, Monday
def test_the_part_of_the_day_turns_at_noon_and_six_and_the_weekend_is_saturday_and_sunday(day, hour, part):
    assert daypart(dt.datetime(2026, 3, day, hour, 59)) == part


@pytest.mark.parametrize(("seconds", "band"), [(0, "short<3m"), (179, "short<3m"), (180, "medium<10m"),
                                                (181, "medium<10m"), (599, "medium<10m"), (600, "long≥10m"),
                                                (601, "long≥10m")])
def test_duration_bands_turn_at_three_and_ten_minutes(seconds, band):
    assert duration_band(seconds) == band


def test_a_stratum_names_its_parts_in_the_plan_s_order_and_a_call_without_a_queue_as_a_dash():
    call = _call(1, seconds=700, hour=19, day=7, queue="")
    assert stratum_of(call, ("queue", "daypart", "duration")) == "- · weekend-evening · long≥10m"
    assert stratum_of(call, ("duration", "queue")) == "long≥10m · -"
    assert stratum_of(_call(2), ("queue",)) == "Q1"


@pytest.mark.parametrize(("sizes", "n", "quotas"), [
    ({"a": 5, "b": 3, "c": 2}, 4, {"a": 2, "b": 1, "c": 1}),  # 2, 1.2, 0.8: the largest remainder (c) gets the 4th
    ({"a": 1, "b": 1, "c": 1}, 2, {"a": 1, "b": 1, "c": 0}),  # equal remainders: by name
    ({"a": 6, "b": 4}, 5, {"a": 3, "b": 2}),
    ({"a": 6, "b": 4}, 10, {"a": 6, "b": 4}),
    ({"a": 6, "b": 4}, 0, {}), ({"a": 6, "b": 4}, -1, {}), ({"a": 0, "b": 0}, 3, {}), ({}, 3, {})])
def test_quotas_are_shared_by_largest_remainder(sizes, n, quotas):
    assert _largest_remainder(sizes, n) == quotas


def test_each_targeting_reason_reads_in_chinese():
    assert [_zh(r) for r in ("autoqa", "low_csat", "complaint", "long", "repeat_caller", "vip")] == [
        "智能质检命中", "低满意度", "投诉", "超长通话", "重复来电", "vip"]


def test_a_sample_excludes_test_calls_and_short_ones_at_the_minimum_exactly_kept():
    calls = [_call(1, seconds=29), _call(2, seconds=30), _call(3, seconds=31), _call(4, is_test=True),
             _call(5, seconds=29), _call(6), _call(7, is_test=True)]
    (agent,) = sample(calls, Plan(per_agent=15))
    assert agent.eligible == 3 and {p.call.interaction_id for p in agent.picks} == {"C002", "C003", "C006"}
    assert agent.excluded == {"under 30 s": 2, "test call": 2}


def test_targets_come_first_within_their_quota_and_the_rest_is_spread_by_stratum_with_its_reason():
    calls = [_call(i, seconds=100 + i, flags=("complaint",) if i < 4 else ()) for i in range(1, 9)]
    calls += [_call(20 + i, seconds=700, hour=19) for i in range(4)]  # evening, long
    plan = Plan(per_agent=6, targets=(Target("complaint", 2), Target("long", 1)), strata=("daypart", "duration"))
    (agent,) = sample(calls, plan)
    reasons = [p.reason_en for p in agent.picks]
    assert reasons[:3] == ["targeted: complaint", "targeted: complaint", "targeted: long"]
    assert [p.reason_zh for p in agent.picks[:3]] == ["定向抽取：投诉", "定向抽取：投诉", "定向抽取：超长通话"]
    assert {p.call.flags for p in agent.picks[:2]} == {("complaint",)}
    assert agent.picks[2].call.seconds == 700  # the agent's longest call
    assert len(agent.picks) == 6 and len({p.call.interaction_id for p in agent.picks}) == 6
    rest = agent.picks[3:]
    # 9 calls left: 6 weekday-morning · short (67 %), 3 weekday-evening · long (33 %): 3 picks shared 2 and 1
    assert collections.Counter(p.stratum for p in rest) == {"weekday-morning · short<3m": 2,
                                                             "weekday-evening · long≥10m": 1}
    assert {p.reason_en for p in rest} == {
        "random within stratum weekday-morning · short<3m (67% of the agent's calls)",
        "random within stratum weekday-evening · long≥10m (33% of the agent's calls)"}
    assert {p.reason_zh for p in rest} == {"分层随机：weekday-morning · short<3m（占该坐席通话 67%）",
                                           "分层随机：weekday-evening · long≥10m（占该坐席通话 33%）"}


def test_targets_never_take_more_than_the_plan_s_calls_per_agent():
    calls = [_call(i, flags=("complaint",)) for i in range(10)]
    (agent,) = sample(calls, Plan(per_agent=3, targets=(Target("complaint", 5),)))
    assert [p.reason_en for p in agent.picks] == ["targeted: complaint"] * 3


def test_the_same_seed_draws_the_same_sample_and_another_seed_another():
    calls = [_call(i, agent=a) for a in ("A1", "A2") for i in range(40)]
    first = sample(calls, Plan(per_agent=5, seed=7))
    assert [a.agent_id for a in first] == ["A1", "A2"]
    again = sample(calls, Plan(per_agent=5, seed=7))
    other = sample(calls, Plan(per_agent=5, seed=8))
    picked = [[p.call.interaction_id for p in a.picks] for a in first]
    assert picked == [[p.call.interaction_id for p in a.picks] for a in again]
    assert picked != [[p.call.interaction_id for p in a.picks] for a in other]
    assert picked[0] != picked[1]  # each agent has a stream of their own


def test_a_call_one_target_took_is_passed_over_by_the_next_target_which_takes_the_next_call():
    """The agent's longest call is also a complaint: the complaint target takes it, and the longest-call target
    takes the second longest instead of stopping."""
    calls = [_call(1, seconds=900, flags=("complaint",)), _call(2, seconds=800), _call(3, seconds=100)]
    (agent,) = sample(calls, Plan(per_agent=2, targets=(Target("complaint", 1), Target("long", 1))))
    assert [(p.call.interaction_id, p.reason_en) for p in agent.picks] == [
        ("C001", "targeted: complaint"), ("C002", "targeted: long")]


def test_when_the_plan_asks_for_every_eligible_call_each_is_picked_once():
    calls = [_call(i, flags=("complaint",) if i < 2 else ()) for i in range(5)]
    (agent,) = sample(calls, Plan(per_agent=5, targets=(Target("complaint", 2),)))
    assert sorted(p.call.interaction_id for p in agent.picks) == ["C000", "C001", "C002", "C003", "C004"]
