"""Honest numbers about samples: intervals, sample sizes, and when a decision is not clear."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Interval:
    n: int
    mean: float
    low: float
    high: float
    confidence: float

    def unclear_thresholds(self, thresholds: Sequence[float]) -> list[float]:
        """Thresholds inside the interval: the side the agent is on is not statistically clear."""
        return [t for t in thresholds if self.low < t < self.high]


def mean_interval(values: Sequence[float | Decimal], confidence: float = 0.95,
                  population: int | None = None) -> Interval | None:
    """Student-t interval of the mean; with ``population`` (calls handled), the finite-population
    correction applies (a sample of 15 out of 20 calls is nearly the whole month)."""
    xs = [float(v) for v in values]
    n = len(xs)
    if n == 0:
        return None
    mean = sum(xs) / n
    if n == 1:
        return Interval(1, mean, -math.inf, math.inf, confidence)
    sd = math.sqrt(sum((x - mean) ** 2 for x in xs) / (n - 1))
    se = sd / math.sqrt(n)
    if population is not None and population > n:
        se *= math.sqrt((population - n) / (population - 1))
    elif population is not None and population <= n:
        se = 0.0
    from scipy import stats as sps  # imported when first needed: it costs most commands 0.8 s of start-up

    t = float(sps.t.ppf((1 + confidence) / 2, n - 1))
    return Interval(n, mean, mean - t * se, mean + t * se, confidence)


def sample_size(sd: float, margin: float, confidence: float = 0.95, population: int | None = None) -> int:
    """Calls needed so the mean is within ±margin at ``confidence`` (normal approximation,
    finite-population corrected when the population is known)."""
    if margin <= 0:
        raise ValueError("margin must be positive")
    from scipy import stats as sps

    z = float(sps.norm.ppf((1 + confidence) / 2))
    n0 = (z * sd / margin) ** 2
    if population:
        n0 = n0 / (1 + (n0 - 1) / population)
    return max(2, math.ceil(n0))
