"""Calibration: several evaluators score the same calls. Do they agree, and who is lenient?

Reported: Krippendorff's alpha (interval level for totals; the level of each item's kind for
items), ICC(2,1) (two-way random effects, absolute agreement, one rater), the share of scores
within ±5 points of the call's consensus, each evaluator's leniency against the others with a
95 % interval, and the items evaluators disagree on most. Common targets: alpha ≥ 0.8 reliable
(≥ 0.667 tentative), scores within ±5 %.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import krippendorff
import numpy as np

from jili.qa.stats import Interval, mean_interval


@dataclass(frozen=True, slots=True)
class Rating:
    call: str
    evaluator: str
    total: float
    items: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True, slots=True)
class EvaluatorBias:
    evaluator: str
    calls: int
    bias: Interval  # mean of (own score − the call's consensus, the median of all its evaluators)
    min_gap: float = 2.0  # points: smaller gaps are not worth a calibration talk

    @property
    def verdict(self) -> str:
        if self.bias.low > 0 and self.bias.mean >= self.min_gap:
            return "lenient"
        if self.bias.high < 0 and self.bias.mean <= -self.min_gap:
            return "severe"
        return "in line"


@dataclass(frozen=True, slots=True)
class ItemAgreement:
    item: str
    alpha: float | None
    mean_abs_diff: float


@dataclass(frozen=True, slots=True)
class Calibration:
    calls: int
    evaluators: int
    alpha: float | None
    icc: float | None
    within_5: float
    evaluators_bias: tuple[EvaluatorBias, ...]
    items: tuple[ItemAgreement, ...]

    @property
    def reliable(self) -> bool:
        return self.alpha is not None and self.alpha >= 0.8


def _matrix(ratings: Sequence[Rating], value: dict[tuple[str, str], float]) -> tuple[np.ndarray, list[str], list[str]]:
    evaluators = sorted({r.evaluator for r in ratings})
    calls = sorted({r.call for r in ratings})
    m = np.full((len(evaluators), len(calls)), np.nan)
    for (ev, call), v in value.items():
        m[evaluators.index(ev), calls.index(call)] = v
    return m, evaluators, calls


def _alpha(m: np.ndarray, level: str) -> float | None:
    pairable = (np.sum(~np.isnan(m), axis=0) >= 2).sum()
    if pairable < 2 or np.nanvar(m) == 0:
        return None
    return float(krippendorff.alpha(reliability_data=m, level_of_measurement=level))  # type: ignore[arg-type]


def icc_2_1(m: np.ndarray) -> float | None:
    """ICC(2,1) on the calls every evaluator scored (Shrout & Fleiss)."""
    full = m[:, ~np.isnan(m).any(axis=0)].T  # calls × evaluators
    n, k = full.shape
    if n < 2 or k < 2:
        return None
    grand = full.mean()
    ms_r = k * ((full.mean(axis=1) - grand) ** 2).sum() / (n - 1)
    ms_c = n * ((full.mean(axis=0) - grand) ** 2).sum() / (k - 1)
    ss_e = ((full - full.mean(axis=1, keepdims=True) - full.mean(axis=0, keepdims=True) + grand) ** 2).sum()
    ms_e = ss_e / ((n - 1) * (k - 1))
    denom = ms_r + (k - 1) * ms_e + k * (ms_c - ms_e) / n
    return None if denom == 0 else float((ms_r - ms_e) / denom)


def calibrate(ratings: Sequence[Rating], item_levels: dict[str, str] | None = None, tolerance: float = 5.0,
              min_gap: float = 2.0) -> Calibration:
    totals = {(r.evaluator, r.call): r.total for r in ratings}
    m, evaluators, calls = _matrix(ratings, totals)
    # consensus per call and within ±tolerance
    by_call: dict[str, list[Rating]] = defaultdict(list)
    for r in ratings:
        by_call[r.call].append(r)
    within = [abs(r.total - np.mean([x.total for x in by_call[r.call]])) <= tolerance for r in ratings]
    # leniency: own score minus the call's consensus. The median of all evaluators, not the mean of
    # the others: one lenient evaluator must not make everybody else look severe.
    diffs: dict[str, list[float]] = defaultdict(list)
    for rs in by_call.values():
        if len(rs) < 3:
            continue
        consensus = float(np.median([x.total for x in rs]))
        for r in rs:
            diffs[r.evaluator].append(r.total - consensus)
    bias = []
    for ev in evaluators:
        interval = mean_interval(diffs.get(ev, []))
        if interval is not None and not math.isinf(interval.low):
            bias.append(EvaluatorBias(ev, interval.n, interval, min_gap))
    # items
    item_values: dict[str, dict[tuple[str, str], float]] = defaultdict(dict)
    for r in ratings:
        for item, v in r.items:
            item_values[item][(r.evaluator, r.call)] = v
    items = []
    for item, values in item_values.items():
        im, _, _ = _matrix(ratings, values)
        spread = np.nanmean(np.nanmax(im, axis=0) - np.nanmin(im, axis=0))
        items.append(ItemAgreement(item, _alpha(im, (item_levels or {}).get(item, "interval")), float(spread)))
    items.sort(key=lambda i: (i.alpha if i.alpha is not None else -1, -i.mean_abs_diff))
    return Calibration(len(calls), len(evaluators), _alpha(m, "interval"), icc_2_1(m),
                       float(np.mean(within)) if within else 0.0,
                       tuple(sorted(bias, key=lambda b: -b.bias.mean)), tuple(items))
