"""Sampling R3's 15 calls per agent from the real bank month; calibration finds the lenient evaluator."""

from __future__ import annotations

import collections

import pytest

from conftest import BANK, BANK_MAPPING, NOW
from jili.core.periods import parse_period
from jili.io.factstore.qa import calibration_set, calls_for_sampling
from jili.io.specs.mapping import load_mapping
from jili.qa.calibration import calibrate
from jili.qa.sampling import Plan, Target, sample

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
