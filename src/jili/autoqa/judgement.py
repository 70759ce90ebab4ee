"""What people would say of a transcript, learned from people (STC-3: 19 raters per dialogue).

Two scores, 0-100, higher is better, each with a 90 % interval:

- ``score``: predicted customer satisfaction — what the customer felt. It reads both sides, and
  the customer's last turn weighs most (how a conversation ends is what a rater judges). It depends
  on why the customer called and how angry they were at the start, so it is not the agent's grade.
- ``agent_score``: the agent's part — from the agent's turns and the conversation's structure
  only; nothing the customer wrote is evidence. This is the score that may judge an agent.

Each is a ridge regression over character 1-3-grams (TF-IDF, sublinear) of its views, fitted by
``fit`` (scikit-learn, at training time only) and stored as plain arrays; scoring needs numpy alone,
is deterministic, and explains itself: the n-grams that moved a transcript's score most, at their turns.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from jili.autoqa.engine import Finding
from jili.autoqa.transcript import Transcript

# the raters' scale (-2..2) as 0-100
LOW, HIGH = -2.0, 2.0
# a dialogue is held out of every fitting when the sha256 of its id is 0 mod 5 (about 20 %)
HELD_OUT_MOD = 5
MODEL_FILE = Path(__file__).resolve().parent / "models" / "stc3-judgement.npz"
COVERAGE = 0.90  # of the interval


def held_out(dialogue_id: str) -> bool:
    return int(hashlib.sha256(dialogue_id.encode("utf-8")).hexdigest(), 16) % HELD_OUT_MOD == 0


def to_100(raw: float) -> float:
    return max(0.0, min(100.0, (raw - LOW) / (HIGH - LOW) * 100.0))


# --- views: which text of a transcript a model reads --------------------------------------------------

def _side(t: Transcript, speaker: str) -> list[tuple[int, str]]:
    return [(i, turn.text) for i, turn in enumerate(t.turns) if turn.speaker == speaker]


def view_turns(t: Transcript, view: str) -> list[tuple[int, str]]:
    """(turn index, text) of the turns a view reads."""
    if view == "both":
        return [(i, ("C:" if turn.speaker == "customer" else "H:") + turn.text) for i, turn in enumerate(t.turns)]
    if view == "last_customer":  # how the customer ends, when they spoke again after opening
        customer = _side(t, "customer")
        return customer[-1:] if len(customer) > 1 else []
    if view == "agent":
        return _side(t, "agent")
    if view == "last_agent":
        return _side(t, "agent")[-1:]
    raise ValueError(view)


def ngrams(text: str) -> Counter[str]:
    """Character 1-3-grams of ``text`` (spaces collapsed), as the models count them."""
    s = " ".join(text.split())
    out: Counter[str] = Counter()
    for n in (1, 2, 3):
        out.update(s[i:i + n] for i in range(len(s) - n + 1))
    return out


def view_text(t: Transcript, view: str) -> str:
    return " ".join(text for _, text in view_turns(t, view))


STRUCTURE = ("turns", "agent_turns", "agent_chars_log", "agent_turn_chars_log", "agent_speaks_last")


def structure(t: Transcript) -> np.ndarray:
    agent = [len(turn.text) for turn in t.turns if turn.speaker == "agent"]
    return np.array([len(t.turns), len(agent), math.log1p(sum(agent)), math.log1p(sum(agent) / len(agent) if agent else 0),
                     1.0 if t.turns and t.turns[-1].speaker == "agent" else 0.0])


# --- a fitted model as arrays -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ViewWeights:
    view: str
    weight: float
    grams: tuple[str, ...]  # the n-grams by index
    idf: np.ndarray
    coef: np.ndarray
    vocabulary: dict[str, int]  # index of each n-gram


def view_weights(view: str, weight: float, grams: Sequence[str], idf: np.ndarray, coef: np.ndarray) -> ViewWeights:
    return ViewWeights(view, weight, tuple(grams), idf, coef, {g: i for i, g in enumerate(grams)})


@dataclass(frozen=True, slots=True)
class Model:
    name: str
    views: tuple[ViewWeights, ...]
    structure_mean: np.ndarray | None  # None: the model reads no structure
    structure_sd: np.ndarray | None
    structure_coef: np.ndarray | None
    intercept: float
    residual_low: float  # quantiles of out-of-fold residuals (raw scale): the interval
    residual_high: float


@dataclass(frozen=True, slots=True)
class Reason:
    """What moved a score: an n-gram of a view, at the turn where it first appears, by how much (0-100)."""

    text: str
    turn: int
    effect: float


@dataclass(frozen=True, slots=True)
class Judgement:
    dialogue_id: str
    score: float
    score_low: float
    score_high: float
    agent_score: float
    agent_low: float
    agent_high: float
    reasons: tuple[Reason, ...]  # of the agent score, largest first
    score_reasons: tuple[Reason, ...]


def _vector(model_view: ViewWeights, text: str) -> tuple[np.ndarray, np.ndarray]:
    """(indices, values) of the view's weighted, L2-normalised TF-IDF vector."""
    counts = ngrams(text)
    idx, vals = [], []
    for gram, c in counts.items():
        j = model_view.vocabulary.get(gram)
        if j is not None:
            idx.append(j)
            vals.append((1.0 + math.log(c)) * float(model_view.idf[j]))
    if not idx:
        return np.zeros(0, np.int64), np.zeros(0)
    v = np.array(vals)
    return np.array(idx, np.int64), v / (np.linalg.norm(v) or 1.0) * model_view.weight


def _predict(model: Model, t: Transcript, explain: int = 0) -> tuple[float, list[Reason]]:
    raw = model.intercept
    parts: dict[tuple[str, int], float] = {}  # (n-gram, turn) -> effect, summed over the views that read it
    for mv in model.views:
        turns = view_turns(t, mv.view)
        idx, vals = _vector(mv, " ".join(text for _, text in turns))
        contrib = vals * mv.coef[idx]
        raw += float(contrib.sum())
        if explain and len(idx):
            chosen: list[str] = []
            for k in np.argsort(-np.abs(contrib))[: explain * 6].tolist():
                c, gram = float(contrib[k]), mv.grams[int(idx[k])]
                if (sum(ch.isalnum() for ch in gram) < 2 or " " in gram or ":" in gram
                        or any(gram in g or g in gram for g in chosen)):
                    continue  # punctuation, a turn's edge or a speaker mark explain nothing; an overlap says it again
                chosen.append(gram)
                turn = next((i for i, text in turns if gram in text), -1)
                parts[(gram, turn)] = parts.get((gram, turn), 0.0) + c
    if model.structure_coef is not None and model.structure_mean is not None and model.structure_sd is not None:
        raw += float(((structure(t) - model.structure_mean) / model.structure_sd) @ model.structure_coef)
    ranked = sorted(parts.items(), key=lambda p: -abs(p[1]))
    scale = 100.0 / (HIGH - LOW)
    return raw, [Reason(g, turn, round(c * scale, 2)) for (g, turn), c in ranked[:explain]]


def _scored(model: Model, t: Transcript, explain: int) -> tuple[float, float, float, list[Reason]]:
    """A model's score of ``t`` on 0-100 with its interval, and what moved it."""
    raw, reasons = _predict(model, t, explain)
    return (round(to_100(raw), 1), round(to_100(raw + model.residual_low), 1),
            round(to_100(raw + model.residual_high), 1), reasons)


def judge(models: tuple[Model, Model], t: Transcript, explain: int = 5) -> Judgement:
    """Both scores of one transcript, with their intervals and what moved them."""
    s, s_low, s_high, s_reasons = _scored(models[0], t, explain)
    a, a_low, a_high, a_reasons = _scored(models[1], t, explain)
    return Judgement(t.id, s, s_low, s_high, a, a_low, a_high, tuple(a_reasons), tuple(s_reasons))


# --- storing and loading ------------------------------------------------------------------------------

def save(models: Sequence[Model], path: Path) -> None:
    arrays: dict[str, np.ndarray] = {}
    for m in models:
        arrays[f"{m.name}/meta"] = np.array([m.intercept, m.residual_low, m.residual_high])
        arrays[f"{m.name}/views"] = np.array([f"{v.view}:{v.weight}" for v in m.views])
        for v in m.views:
            arrays[f"{m.name}/{v.view}/vocabulary"] = np.array(v.grams)
            arrays[f"{m.name}/{v.view}/idf"] = v.idf.astype(np.float32)
            arrays[f"{m.name}/{v.view}/coef"] = v.coef.astype(np.float32)
        if m.structure_coef is not None and m.structure_mean is not None and m.structure_sd is not None:
            arrays[f"{m.name}/structure"] = np.vstack([m.structure_mean, m.structure_sd, m.structure_coef])
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        np.savez_compressed(fh, **arrays)  # type: ignore[arg-type]


@lru_cache(maxsize=1)
def shipped() -> tuple[Model, Model]:
    """The models shipped in the package, read once per process (the site asks on every scoring form)."""
    return load(MODEL_FILE)


def load(path: Path = MODEL_FILE) -> tuple[Model, Model]:
    """The shipped (or a centre's own) satisfaction and agent models."""
    with np.load(path, allow_pickle=False) as z:
        out = []
        for name in ("satisfaction", "agent"):
            intercept, low, high = (float(x) for x in z[f"{name}/meta"])
            views = []
            for spec in z[f"{name}/views"].tolist():
                view, weight = str(spec).rsplit(":", 1)
                views.append(view_weights(view, float(weight), [str(g) for g in z[f"{name}/{view}/vocabulary"].tolist()],
                                          z[f"{name}/{view}/idf"].astype(np.float64),
                                          z[f"{name}/{view}/coef"].astype(np.float64)))
            st = z[f"{name}/structure"] if f"{name}/structure" in z.files else None
            out.append(Model(name, tuple(views), st[0] if st is not None else None, st[1] if st is not None else None,
                             st[2] if st is not None else None, intercept, low, high))
    return out[0], out[1]


# --- fitting (scikit-learn, at training time only) ------------------------------------------------------

SATISFACTION_VIEWS = (("both", 1.0), ("last_customer", 1.0))
AGENT_VIEWS = (("agent", 1.0), ("last_agent", 1.0))
ALPHA = 2.0


def _design(transcripts: Sequence[Transcript], views: Sequence[tuple[str, float]], with_structure: bool,
            fitted: list[ViewWeights] | None = None, st_stats: tuple[np.ndarray, np.ndarray] | None = None):
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer

    blocks = []
    made: list[ViewWeights] = []
    for k, (view, weight) in enumerate(views):
        texts = [view_text(t, view) for t in transcripts]
        if fitted is None:
            vec = TfidfVectorizer(analyzer=ngrams, sublinear_tf=True, min_df=2, dtype=np.float64)
            X = vec.fit_transform(texts)
            grams = sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__)
            made.append(view_weights(view, weight, [str(g) for g in grams], np.asarray(vec.idf_), np.zeros(0)))
            blocks.append(X * weight)
        else:  # scored as at run time (weighted already)
            mv = fitted[k]
            blocks.append(_sparse([_vector(mv, text) for text in texts], len(mv.vocabulary)))
    stats = st_stats
    if with_structure:
        S = np.array([structure(t) for t in transcripts])
        if stats is None:
            stats = (S.mean(axis=0), S.std(axis=0) + 1e-9)
        blocks.append(csr_matrix((S - stats[0]) / stats[1]))
    return hstack(blocks).tocsr(), made, stats


def _sparse(rows: Sequence[tuple[np.ndarray, np.ndarray]], width: int):
    from scipy.sparse import csr_matrix

    indptr = np.cumsum([0] + [len(i) for i, _ in rows])
    indices = np.concatenate([i for i, _ in rows]) if rows else np.zeros(0, np.int64)
    data = np.concatenate([v for _, v in rows]) if rows else np.zeros(0)
    return csr_matrix((data, indices, indptr), shape=(len(rows), width))


def _fit_one(name: str, transcripts: Sequence[Transcript], y: np.ndarray, views: Sequence[tuple[str, float]],
             with_structure: bool) -> Model:
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import KFold

    # the interval: residuals of 5-fold out-of-fold predictions on the training part
    residuals = np.zeros(len(y))
    for fit_idx, val_idx in KFold(5, shuffle=True, random_state=0).split(np.arange(len(y))):
        part = [transcripts[i] for i in fit_idx]
        X, made, stats = _design(part, views, with_structure)
        ridge = Ridge(alpha=ALPHA).fit(X, y[fit_idx])
        Xv, _, _ = _design([transcripts[i] for i in val_idx], views, with_structure,
                           fitted=made, st_stats=stats)  # the vocabulary and idf of this fold
        residuals[val_idx] = y[val_idx] - ridge.predict(Xv)
    X, made, stats = _design(transcripts, views, with_structure)
    ridge = Ridge(alpha=ALPHA).fit(X, y)
    fitted = _with_coef(made, ridge.coef_)
    tail = (1 - COVERAGE) / 2
    st_coef = ridge.coef_[-len(STRUCTURE):] if with_structure else None
    return Model(name, tuple(fitted), stats[0] if stats else None, stats[1] if stats else None, st_coef,
                 float(ridge.intercept_), float(np.quantile(residuals, tail)), float(np.quantile(residuals, 1 - tail)))


def _with_coef(made: list[ViewWeights], coef: np.ndarray) -> list[ViewWeights]:
    out, at = [], 0
    for mv in made:
        width = len(mv.vocabulary)
        out.append(ViewWeights(mv.view, mv.weight, mv.grams, mv.idf, np.asarray(coef[at:at + width]), mv.vocabulary))
        at += width
    return out


def fit(transcripts: Sequence[Transcript], mean_s: Iterable[float]) -> tuple[Model, Model]:
    """Both models from rated transcripts (the raters' mean S, -2..2); the caller leaves the held-out part out."""
    y = np.array(list(mean_s), dtype=float)
    return (_fit_one("satisfaction", transcripts, y, SATISFACTION_VIEWS, False),
            _fit_one("agent", transcripts, y, AGENT_VIEWS, True))


# an agent score under this sends the call to a person first (a finding for review, which the sampling plan's
# auto-QA quota picks before any other call)
LOW_AGENT_SCORE = 40.0


def low_agent_score_finding(t: Transcript, judged: Judgement, below: float = LOW_AGENT_SCORE) -> Finding | None:
    """A ``low_agent_score`` finding, for review, when the transcript's agent score is under ``below``; it points at
    the turn that lowered the score most and quotes the n-gram."""
    if judged.agent_score >= below:
        return None
    worst = next((r for r in judged.reasons if r.effect < 0), None)
    return Finding("low_agent_score", "major", t.id, t.agent_id, worst.turn if worst else None, None, None, None,
                   f"{judged.agent_score:.0f} ({judged.agent_low:.0f}-{judged.agent_high:.0f})"
                   + (f" {worst.text}" if worst else ""), None, True)


def low_agent_score_findings(models: tuple[Model, Model], transcripts: Iterable[Transcript],
                             below: float = LOW_AGENT_SCORE) -> list[Finding]:
    found = (low_agent_score_finding(t, judge(models, t), below) for t in transcripts)
    return [f for f in found if f is not None]
