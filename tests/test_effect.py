"""R18 「方案实施后应对满意度、问题解决率、质检成绩进行效果评估，并据此调整方案」: was the scheme worth it?"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from jili.core.effect import (
    BASELINE_GAP,
    FEW_TEAMS,
    AgentPath,
    Effect,
    EffectMetric,
    Method,
    MetricPaths,
    NoEffectData,
    SchemeEvaluation,
    estimate_effect,
    regression_threat,
)
from jili.core.label import Label
from jili.core.periods import add_months, holidays_between

RATE = EffectMetric("resolution", Label("Resolution rate", "解决率"), Label("percentage points", "个百分点"))


def paths(adopted: dict[str, list[tuple[float, float]]], others: dict[str, list[tuple[float, float]]]) -> list[AgentPath]:
    out = []
    for flag, side in ((True, adopted), (False, others)):
        for team, values in side.items():
            out += [AgentPath(f"{team}-{i}", team, flag, b, a) for i, (b, a) in enumerate(values)]
    return out


def test_difference_in_differences_is_the_adopters_change_minus_the_others_change() -> None:
    adopted = {f"P{k}": [(80.0, 88.0 + k % 2), (82.0, 90.0 - k % 2)] for k in range(6)}  # +8 on average
    others = {f"C{k}": [(80.0, 81.0 + k % 2), (81.0, 82.0 - k % 2)] for k in range(6)}  # +1 on average
    e = estimate_effect(RATE, paths(adopted, others))
    assert isinstance(e, Effect) and e.method == Method.DID
    assert e.estimate == pytest.approx(7.0)
    assert e.low <= 7.0 <= e.high and e.clear
    assert (e.adopted.agents, e.adopted.teams, e.others.agents if e.others else 0) == (12, 6, 12)
    assert e.adopted.before == pytest.approx(81.0) and e.adopted.after == pytest.approx(89.0)
    assert estimate_effect(RATE, paths(adopted, others)) == e  # the same seed, the same interval


def test_an_interval_that_crosses_zero_is_no_clear_change() -> None:
    adopted = {f"P{k}": [(80.0, 80.0 + (k - 2.5))] for k in range(6)}
    others = {f"C{k}": [(80.0, 80.0 - (k - 2.5))] for k in range(6)}
    e = estimate_effect(RATE, paths(adopted, others))
    assert isinstance(e, Effect) and e.low < 0 < e.high and not e.clear
    assert e.verdict("zh").startswith("解决率无明显变化（+0.0 个百分点）（95% 区间")
    assert e.verdict("en").startswith("Resolution rate unchanged (+0.0 percentage points) (95% interval")


def test_when_everybody_adopted_it_only_the_change_is_shown_and_the_verdict_says_so() -> None:
    e = estimate_effect(RATE, paths({f"P{k}": [(80.0, 85.0), (70.0, 77.0)] for k in range(5)}, {}))
    assert isinstance(e, Effect) and e.method == Method.BEFORE_AFTER and e.others is None
    assert e.estimate == pytest.approx(6.0)
    assert [x.code for x in e.threats] == ["no_comparison"]
    assert e.verdict("zh").endswith("；无对照组，不能区分方案与季节")
    assert "no comparison group" in e.verdict("en")


def test_agents_without_both_windows_are_left_out_and_nothing_left_is_said() -> None:
    only = [AgentPath("A1", "T1", True, None, 90.0), AgentPath("A2", "T1", True, 80.0, None),
            AgentPath("A3", "T2", False, 80.0, 81.0)]
    result = estimate_effect(RATE, only)
    assert isinstance(result, NoEffectData)
    assert result.message.zh == "没有试点坐席在实施日前后都有解决率数据。"


@pytest.mark.parametrize(("gap", "named"), [(BASELINE_GAP, True), (BASELINE_GAP - 0.001, False),
                                            (BASELINE_GAP + 0.001, True), (-BASELINE_GAP, True),
                                            (-BASELINE_GAP + 0.001, False)])
def test_regression_to_the_mean_is_named_from_a_baseline_gap_of_a_fifth_of_a_standard_deviation(
        gap: float, named: bool) -> None:
    threat = regression_threat(RATE, gap)
    assert (threat is not None) == named
    if threat is not None:
        assert ("低于" in threat.message.zh) == (gap < 0) and ("回升" in threat.message.zh) == (gap < 0)


def test_pilot_teams_picked_for_being_weak_are_warned_of_regression_to_the_mean() -> None:
    adopted = {f"P{k}": [(60.0 + k, 70.0 + k)] for k in range(6)}
    others = {f"C{k}": [(80.0 + k, 81.0 + k)] for k in range(6)}
    e = estimate_effect(RATE, paths(adopted, others))
    assert isinstance(e, Effect) and [x.code for x in e.threats] == ["regression_to_mean"]


@pytest.mark.parametrize(("teams", "named"), [(FEW_TEAMS - 1, True), (FEW_TEAMS, False), (FEW_TEAMS + 1, False)])
def test_few_teams_on_a_side_are_named(teams: int, named: bool) -> None:
    adopted = {f"P{k}": [(80.0, 85.0 + k % 2)] for k in range(teams)}
    others = {f"C{k}": [(80.0, 81.0 + k % 2)] for k in range(8)}
    e = estimate_effect(RATE, paths(adopted, others))
    assert isinstance(e, Effect) and ("few_teams" in [x.code for x in e.threats]) == named


def test_a_holiday_in_one_window_only_is_named_as_seasonality() -> None:
    assert holidays_between(dt.date(2026, 8, 1), dt.date(2026, 9, 1)) == ()
    assert holidays_between(dt.date(2026, 9, 1), dt.date(2026, 10, 1)) == (("Mid-autumn Festival", 3),)
    assert holidays_between(dt.date(2026, 10, 1), dt.date(2026, 10, 8)) == (("National Day", 7),)
    data = paths({f"P{k}": [(80.0, 85.0)] for k in range(6)}, {f"C{k}": [(80.0, 81.0)] for k in range(6)})
    e = estimate_effect(RATE, data, holidays_before=(), holidays_after=(("Mid-autumn Festival", 3),))
    assert isinstance(e, Effect) and [x.code for x in e.threats] == ["seasonality"]
    assert e.threats[0].message.zh.startswith("前后两段的法定节假日不同（之前：无；之后：中秋节（3 天））。")
    same = estimate_effect(RATE, data, holidays_before=(("National Day", 7),), holidays_after=(("National Day", 7),))
    assert isinstance(same, Effect) and same.threats == ()


def test_the_evaluation_advises_what_r18_asks_next() -> None:
    better = estimate_effect(RATE, paths({f"P{k}": [(80.0, 88.0 + k % 2)] for k in range(6)},
                                         {f"C{k}": [(80.0, 81.0 + k % 2)] for k in range(6)}))
    worse = estimate_effect(RATE, paths({f"P{k}": [(80.0, 72.0 + k % 2)] for k in range(6)},
                                        {f"C{k}": [(80.0, 81.0 + k % 2)] for k in range(6)}))
    flat = estimate_effect(RATE, paths({f"P{k}": [(80.0, 80.0 + (k - 2.5))] for k in range(6)},
                                       {f"C{k}": [(80.0, 80.0 - (k - 2.5))] for k in range(6)}))

    def advice(e: Effect | NoEffectData) -> str:
        ev = SchemeEvaluation(dt.date(2026, 9, 1), (dt.date(2026, 8, 1), dt.date(2026, 9, 1)),
                              (dt.date(2026, 9, 1), dt.date(2026, 10, 1)), ("P0",), (), (MetricPaths(RATE, (), e),))
        return ev.verdict("zh").split("。")[-2]

    assert advice(better) == "解决率改善且其余指标未变差：可保留方案"
    assert advice(worse) == "解决率变差：按 R18 应调整方案"
    assert advice(flat) == "尚无证据表明方案有效：可延长评估期或调整方案"


@pytest.mark.parametrize(("day", "months", "expected"), [
    (dt.date(2026, 9, 1), -1, dt.date(2026, 8, 1)), (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
    (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)), (dt.date(2026, 12, 15), 1, dt.date(2027, 1, 15)),
    (dt.date(2026, 1, 15), -1, dt.date(2025, 12, 15)), (dt.date(2026, 3, 1), -3, dt.date(2025, 12, 1))])
def test_windows_are_whole_months_either_side(day: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(day, months) == expected


def test_the_planted_pilot_effect_is_recovered_within_its_interval(tmp_path: Path) -> None:
    """The demo generator's pilot teams resolve more calls from the second month; the others do not.
    The difference in differences finds the effect as it fell in the data, and finds no effect on
    satisfaction or QA score, which the pilot did not touch."""
    from jili.io.demo.generator import DemoSpec, generate
    from jili.io.factstore.effect import EFFECT_METRICS, agent_means
    from jili.io.factstore.views import connect

    made = generate(DemoSpec(agents=280, month="2026-08", months=2, seed=11, calls_per_day=20,
                             file_format="parquet"), tmp_path)
    assert made.pilot_from == dt.date(2026, 9, 1) and made.pilot_teams[:3] == ("T001", "T003", "T005")
    assert made.planted_resolution is not None and 5 < made.planted_resolution < 9
    con = connect({f: [(1, made.files[f])] for f in ("interactions", "surveys", "evaluations")})
    team = {r["工号"]: r["班组"] for r in pq.read_table(made.files["roster"]).to_pylist()}
    found = {}
    for metric in EFFECT_METRICS:
        means = agent_means(con, metric, dt.date(2026, 8, 1), dt.date(2026, 9, 1), dt.date(2026, 10, 1), "Asia/Shanghai")
        e = estimate_effect(metric, [AgentPath(a, team[a], team[a] in made.pilot_teams, b, c)
                                     for a, (b, c) in means.items()])
        assert isinstance(e, Effect) and e.method == Method.DID and e.adopted.teams == 10 and e.others
        found[metric.name] = e
    r = found["resolution"]
    assert r.low <= made.planted_resolution <= r.high and r.clear and r.estimate > 0
    assert r.high - r.low < 3  # 20 teams: a tight interval
    for name in ("satisfaction", "quality"):
        assert not found[name].clear, found[name].verdict("en")
