"""Intervals and sample sizes worked by hand: Student's t for the mean, the finite-population correction when
nearly every call was listened to, and which thresholds an interval cannot settle."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from jili.qa.stats import Interval, mean_interval, sample_size

T_975_2 = 4.302652729911275  # Student's t, 97.5 % point, 2 degrees of freedom
T_95_2 = 2.919985580355516


def test_no_score_has_no_interval_and_one_score_an_unbounded_one():
    assert mean_interval([]) is None
    assert mean_interval([Decimal("88.5")], confidence=0.9) == Interval(1, 88.5, -math.inf, math.inf, 0.9)


@pytest.mark.parametrize(("confidence", "t"), [(0.95, T_975_2), (0.90, T_95_2)])
def test_the_mean_of_three_scores_with_its_t_interval(confidence, t):
    """10, 12, 14: mean 12, standard deviation 2, standard error 2 / √3."""
    got = mean_interval([Decimal(10), 12, 14.0], confidence=confidence)
    half = t * 2 / math.sqrt(3)
    assert got is not None and (got.n, got.mean, got.confidence) == (3, 12.0, confidence)
    assert got.low == pytest.approx(12 - half, abs=1e-9) and got.high == pytest.approx(12 + half, abs=1e-9)


@pytest.mark.parametrize(("population", "factor"), [(None, 1.0), (4, math.sqrt(1 / 3)), (5, math.sqrt(2 / 4)),
                                                    (1000, math.sqrt(997 / 999)), (3, 0.0), (2, 0.0)])
def test_the_finite_population_correction_narrows_the_interval_to_nothing_when_every_call_was_heard(population, factor):
    got = mean_interval([10, 12, 14], population=population)
    half = T_975_2 * 2 / math.sqrt(3) * factor
    assert got is not None and got.low == pytest.approx(12 - half, abs=1e-9) and got.high == pytest.approx(12 + half, abs=1e-9)


def test_a_threshold_is_unclear_only_strictly_inside_the_interval():
    interval = Interval(3, 12.0, 10.0, 14.0, 0.95)
    assert interval.unclear_thresholds([9.999, 10.0, 10.001, 12.0, 13.999, 14.0, 14.001]) == [10.001, 12.0, 13.999]
    assert interval.unclear_thresholds([]) == []


@pytest.mark.parametrize(("sd", "margin", "confidence", "population", "n"), [
    (6, 3, 0.95, None, 16),   # (1.96 × 6 / 3)² = 15.4
    (6, 3, 0.90, None, 11),   # (1.645 × 2)² = 10.8
    (6, 3, 0.95, 40, 12),     # 15.4 / (1 + 14.4 / 40) = 11.3
    (6, 3, 0.95, 0, 16),      # no population known
    (6, 2, 0.95, None, 35),   # (1.96 × 3)² = 34.6
    (6, 2, 0.95, 10, 8),      # 34.6 / (1 + 33.6 / 10) = 7.93: only 10 calls were handled
    (1, 0.5, 0.95, None, 16),  # a margin under one point: (1.96 × 2)² = 15.4
    (1, 10, 0.95, None, 2)])  # a tiny spread still needs two calls to have one at all
def test_calls_needed_for_a_margin(sd, margin, confidence, population, n):
    assert sample_size(sd, margin, confidence, population) == n


@pytest.mark.parametrize("margin", [0, -1])
def test_a_margin_must_be_positive(margin):
    with pytest.raises(ValueError, match=r"^margin must be positive$"):
        sample_size(6, margin)
