"""Agreement between evaluators worked on known data: Shrout & Fleiss's ICC(2,1), Krippendorff's alpha, each
evaluator's leniency against the median of a call's scores, and the share of scores within ±5 of a call's mean."""

from __future__ import annotations

import math

import numpy as np
import pytest

from jili.qa.calibration import EvaluatorBias, Rating, _alpha, calibrate, icc_2_1
from jili.qa.stats import Interval

# Shrout & Fleiss (1979), Table 2: six targets rated by four judges; ICC(2,1) = 0.29
SHROUT_FLEISS = np.array([[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]], float)


def test_icc_2_1_of_shrout_and_fleiss_table_2():
    assert icc_2_1(SHROUT_FLEISS.T) == pytest.approx(0.28976, abs=1e-5)  # evaluators × calls


def test_icc_reads_only_the_calls_every_evaluator_scored():
    with_gap = np.column_stack([SHROUT_FLEISS.T, [1.0, np.nan, 3.0, 4.0]])
    assert icc_2_1(with_gap) == pytest.approx(0.28976, abs=1e-5)


@pytest.mark.parametrize("m", [SHROUT_FLEISS.T[:, :1], SHROUT_FLEISS.T[:1, :], np.full((3, 4), 80.0)])
def test_icc_needs_two_calls_two_evaluators_and_some_spread(m):
    assert icc_2_1(m) is None


def _alpha_by_hand(units: np.ndarray) -> float:
    """Krippendorff's interval alpha on complete data: 1 − observed / expected disagreement (squared differences)."""
    count, coders = units.shape
    n = count * coders
    observed = sum(((u[:, None] - u[None, :]) ** 2).sum() / (coders - 1) for u in units) / n
    values = units.ravel()
    expected = ((values[:, None] - values[None, :]) ** 2).sum() / (n * (n - 1))
    return float(1 - observed / expected)


def test_alpha_needs_two_calls_scored_twice_and_some_spread():
    assert _alpha(SHROUT_FLEISS.T, "interval") == pytest.approx(_alpha_by_hand(SHROUT_FLEISS), abs=1e-9)
    assert _alpha(SHROUT_FLEISS.T, "interval") == pytest.approx(0.1473, abs=1e-4)
    assert _alpha(np.array([[1.0, 2.0, np.nan], [1.0, np.nan, 3.0]]), "interval") is None  # one call scored twice
    assert _alpha(np.full((2, 3), 7.0), "interval") is None


def _bias(low: float, mean: float, high: float, gap: float = 2.0) -> str:
    return EvaluatorBias("QA1", 10, Interval(10, mean, low, high, 0.95), gap).verdict


@pytest.mark.parametrize(("low", "mean", "high", "verdict"), [
    (0.5, 3.0, 5.5, "lenient"), (0.5, 2.0, 3.5, "lenient"), (0.5, 1.99, 3.5, "in line"), (0.0, 3.0, 6.0, "in line"),
    (-5.5, -3.0, -0.5, "severe"), (-3.5, -2.0, -0.5, "severe"), (-3.5, -1.99, -0.5, "in line"),
    (-6.0, -3.0, 0.0, "in line"), (-1.0, 0.0, 1.0, "in line")])
def test_lenient_and_severe_need_the_whole_interval_on_one_side_and_a_gap_worth_a_talk(low, mean, high, verdict):
    assert _bias(low, mean, high) == verdict


def test_calibration_of_three_evaluators_on_four_calls_by_hand():
    """QA3 scores 4 above the median of every call; QA1 and QA2 agree. Within ±5 of each call's mean: every score
    but one (call C4, where QA2 is 8 below a mean of 87.33)."""
    scores = {"C1": (80, 80, 84), "C2": (70, 71, 75), "C3": (90, 89, 93), "C4": (91, 79, 92)}
    ratings = [Rating(call, ev, float(v), (("greeting", 1.0 if v > 80 else 0.0),))
               for call, vs in scores.items() for ev, v in zip(("QA1", "QA2", "QA3"), vs, strict=True)]
    cal = calibrate(ratings)
    assert (cal.calls, cal.evaluators) == (4, 3)
    assert cal.within_5 == pytest.approx(11 / 12)
    qa3 = next(b for b in cal.evaluators_bias if b.evaluator == "QA3")
    assert (qa3.calls, qa3.bias.mean) == (4, pytest.approx(3.0))  # +4, +4, +3, +1 over the median
    assert cal.evaluators_bias[0].evaluator == "QA3"  # the most lenient first
    assert cal.icc is not None and cal.alpha is not None and -1 <= cal.alpha <= 1
    assert not cal.reliable or cal.alpha >= 0.8
    (greeting,) = cal.items
    assert greeting.item == "greeting" and greeting.mean_abs_diff == pytest.approx(0.5)  # C1 and C4 split 1/0


def test_reliable_means_an_alpha_of_at_least_0_8():
    base = [Rating(c, e, float(v)) for c, vs in {"C1": (50, 50), "C2": (60, 60), "C3": (70, 71)}.items()
            for e, v in zip(("A", "B"), vs, strict=True)]
    assert calibrate(base).reliable is True
    noisy = [Rating(c, e, float(v)) for c, vs in {"C1": (50, 70), "C2": (60, 50), "C3": (70, 55)}.items()
             for e, v in zip(("A", "B"), vs, strict=True)]
    cal = calibrate(noisy)
    assert cal.alpha is not None and cal.alpha < 0.8 and cal.reliable is False
    assert math.isclose(calibrate([]).within_5, 0.0)


def test_two_calls_scored_by_two_evaluators_are_enough_for_alpha_and_icc():
    m = np.array([[80.0, 60.0], [84.0, 61.0]])
    assert _alpha(m, "interval") is not None and icc_2_1(m) is not None


def test_an_item_s_level_of_measurement_is_the_one_given_for_it():
    m = np.array([[1.0, 2.0, 3.0, 1.0], [1.0, 3.0, 2.0, 1.0]])
    assert _alpha(m, "nominal") != pytest.approx(_alpha(m, "interval"))
    ratings = [Rating(c, e, float(t), (("tone", float(v)),)) for c, t, vs in
               (("C1", 80, (1, 1)), ("C2", 70, (2, 3)), ("C3", 90, (3, 2)), ("C4", 85, (1, 1)))
               for e, v in zip(("A", "B"), vs, strict=True)]
    nominal = calibrate(ratings, item_levels={"tone": "nominal"}).items[0].alpha
    interval = calibrate(ratings).items[0].alpha
    assert nominal == pytest.approx(_alpha(m, "nominal")) and interval == pytest.approx(_alpha(m, "interval"))


def test_items_that_agree_least_come_first():
    """No alpha (no spread to speak of) sorts before any alpha; between equals, the larger mean gap first."""
    rows = {"C1": ((1, 1), (5, 0), (2, 2)), "C2": ((2, 2), (0, 5), (2, 2)), "C3": ((3, 3), (4, 4), (2, 2))}
    sparse = {("C1", "A"): 1.0, ("C1", "B"): 3.0, ("C2", "A"): 2.0, ("C3", "A"): 2.0}  # one call scored twice
    ratings = [Rating(c, e, 80.0, (("clear", float(a[i])), ("wrong", float(b[i])), ("same", float(s[i])),
                                   *((("sparse", sparse[(c, e)]),) if (c, e) in sparse else ())))
               for c, (a, b, s) in rows.items() for i, e in enumerate(("A", "B"))]
    order = [i.item for i in calibrate(ratings).items]
    assert order == ["sparse", "same", "wrong", "clear"]  # sparse and same have no alpha; sparse's gap is larger
    _, same, wrong, clear = calibrate(ratings).items
    assert same.alpha is None and wrong.alpha is not None and clear.alpha == pytest.approx(1.0)
    assert wrong.alpha < clear.alpha


def test_a_score_exactly_five_from_the_call_s_mean_is_within_five():
    cal = calibrate([Rating("C1", "A", 80.0), Rating("C1", "B", 90.0), Rating("C2", "A", 70.0), Rating("C2", "B", 81.0)])
    assert cal.within_5 == pytest.approx(0.5)  # C1: both 5 from 85; C2: both 5.5 from 75.5


def test_leniency_skips_calls_with_fewer_than_three_scores_and_reads_the_rest():
    ratings = [Rating("C0", "QA1", 50.0), Rating("C0", "QA2", 90.0)]  # two scores: no consensus worth the name
    ratings += [Rating(f"C{i}", ev, 80.0 + (2.5 + 0.1 * i if ev == "QA3" else 0.0))
                for i in range(1, 6) for ev in ("QA1", "QA2", "QA3")]
    cal = calibrate(ratings)
    qa3 = next(b for b in cal.evaluators_bias if b.evaluator == "QA3")
    assert qa3.calls == 5 and qa3.bias.mean == pytest.approx(2.8) and qa3.verdict == "lenient"
    assert next(b for b in calibrate(ratings, min_gap=3.0).evaluators_bias if b.evaluator == "QA3").verdict == "in line"
