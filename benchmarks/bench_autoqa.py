"""Auto-QA throughput on ~50 MB of Chinese transcripts with the full Chinese pack.

The transcripts are made at run time from the real turns of ../shared/data (JDDC, STC-3),
drawn at random into calls of 8–20 turns (nothing is copied into the repository).
Compared in the same run:
  floor  a bare hyperscan scan of the same patterns over the same text (no rules, no evidence);
  jili   the checker, 1,000 transcripts at a time: each scanned once, the hits as arrays, every rule
         (phrases, sequences, sensitive numbers, call facts) read over them with its evidence, without
         and with the sentiment rule (the customers' moods of a batch scored at once);
  before the reference reading, one transcript at a time (tests/autoqa_oracle.py): the same findings;
  naive  a Python loop running re.search per pattern per turn (what one writes first), on a
         slice of the text (it is too slow for all of it) and reported as MB/s.
  snownlp  the model the sentiment was distilled from, per customer turn, on a sample.
Targets: jili at least 50 % of the floor, at least 5× the naive loop; with sentiment at least
10 MB/s. Prints figures only.

    .venv/bin/python benchmarks/bench_autoqa.py [--mb 50]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from dataclasses import replace
from pathlib import Path

import hyperscan

from jili.autoqa.engine import Checker, run_batches
from jili.autoqa.pack import PhraseRule, SentimentRule
from jili.autoqa.sentiment import sentiments
from jili.autoqa.transcript import Transcript, Turn
from jili.io.demo.corpora import jddc, stc3
from jili.io.factstore.autoqa import BATCH
from jili.io.specs.rulepack import load_pack

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[1] / "shared" / "data"
PACK = HERE.parent / "src" / "jili" / "templates" / "autoqa" / "zh-cn-service.yaml"


def corpus(megabytes: float, seed: int = 1) -> list[Transcript]:
    turns = {"agent": [], "customer": []}  # type: dict[str, list[str]]
    for t in [*jddc(SHARED / "jddc" / "chat-sample.tsv"), *stc3(SHARED / "stc3" / "dialogues-cn.json")]:
        for turn in t.turns:
            if turn.text.strip():
                turns[turn.speaker if turn.speaker in turns else "customer"].append(turn.text)
    rng = random.Random(seed)
    out, size, n = [], 0, 0
    while size < megabytes * 1e6:
        k = rng.randint(8, 20)
        made = tuple(Turn("agent" if i % 2 == 0 else "customer", rng.choice(turns["agent" if i % 2 == 0 else "customer"]))
                     for i in range(k))
        size += sum(len(x.text.encode()) for x in made)
        out.append(Transcript(f"T{n}", made, hung_up_by=rng.choice(["customer", "agent"])))
        n += 1
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=float, default=50.0)
    parser.add_argument("--naive-mb", type=float, default=2.0)
    args = parser.parse_args()
    pack, problems = load_pack(PACK)
    assert pack is not None, problems
    transcripts = corpus(args.mb)
    mb = sum(len(x.text.encode()) for t in transcripts for x in t.turns) / 1e6
    print(f"{len(transcripts):,} transcripts, {mb:.1f} MB of Chinese text, pack {pack.id}: "
          f"{pack.pattern_count} patterns in {len(pack.rules)} rules")
    # the floor: the same patterns, one database, a bare scan of each transcript
    patterns = [p for r in pack.rules if isinstance(r, PhraseRule) for p in (*r.patterns, *r.exclude)]
    db = hyperscan.Database()
    flags = hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_UCP | hyperscan.HS_FLAG_SOM_LEFTMOST | hyperscan.HS_FLAG_MULTILINE
    db.compile(expressions=[p.encode() for p in patterns], ids=list(range(len(patterns))), elements=len(patterns),
               flags=[flags] * len(patterns))
    texts = ["\n".join(x.text for x in t.turns).encode() for t in transcripts]
    count = [0]

    def on_match(*_: object) -> None:
        count[0] += 1

    t0 = time.perf_counter()
    for text in texts:
        db.scan(text, match_event_handler=on_match)
    floor = time.perf_counter() - t0
    # jili: every rule but sentiment (a per-turn model, measured below)
    no_sentiment = replace(pack, rules=tuple(r for r in pack.rules if not isinstance(r, SentimentRule)))
    checker = Checker(no_sentiment)
    t0 = time.perf_counter()
    found = sum(len(c.findings) for _, c in run_batches(checker, transcripts, BATCH))
    jili = time.perf_counter() - t0
    full = Checker(pack)
    t0 = time.perf_counter()
    found_all = sum(len(c.findings) for _, c in run_batches(full, transcripts, BATCH))
    jili_all = time.perf_counter() - t0
    # before: the reference reading, one transcript at a time (tests/autoqa_oracle.py), the same rules
    sys.path.insert(0, str(HERE.parent / "tests"))
    from autoqa_oracle import OracleChecker

    oracle = OracleChecker(no_sentiment)
    t0 = time.perf_counter()
    found_one = sum(len(oracle.check(t)) for t in transcripts)
    one_at_a_time = time.perf_counter() - t0
    assert found_one == found, (found_one, found)
    # naive: re.search per pattern per turn, on a slice
    slice_, size = [], 0
    for t in transcripts:
        slice_.append(t)
        size += sum(len(x.text.encode()) for x in t.turns)
        if size > args.naive_mb * 1e6:
            break
    compiled = [re.compile(p, re.MULTILINE) for p in patterns]
    t0 = time.perf_counter()
    naive_hits = 0
    for t in slice_:
        for rx in compiled:
            for turn in t.turns:
                if rx.search(turn.text):
                    naive_hits += 1
    naive = time.perf_counter() - t0
    naive_rate = size / 1e6 / naive
    # sentiment per customer turn: jili's model for all of them at once, snownlp (distilled from) on a sample
    turns = [x.text for t in transcripts for x in t.turns if x.speaker == "customer"]
    t0 = time.perf_counter()
    sentiments(turns)
    ours = time.perf_counter() - t0
    from snownlp import SnowNLP

    sample = turns[:1000]
    t0 = time.perf_counter()
    for text in sample:
        _ = SnowNLP(text).sentiments
    snow = time.perf_counter() - t0
    print(f"\n{'what':42} {'seconds':>8} {'MB/s':>8} {'transcripts/s':>14}")
    print(f"{'floor: bare hyperscan scan':42} {floor:>8.2f} {mb / floor:>8.1f} {len(texts) / floor:>14,.0f}   "
          f"({count[0]:,} matches)")
    print(f"{'jili: all rules with evidence (no sentiment)':42} {jili:>8.2f} {mb / jili:>8.1f} {len(texts) / jili:>14,.0f}   "
          f"({found:,} findings)")
    print(f"{'  before: one transcript at a time':42} {one_at_a_time:>8.2f} {mb / one_at_a_time:>8.1f} "
          f"{len(texts) / one_at_a_time:>14,.0f}   (the same findings)")
    print(f"{'naive: re.search per pattern per turn':42} {naive:>8.2f} {naive_rate:>8.1f} {len(slice_) / naive:>14,.0f}   "
          f"(on {size / 1e6:.1f} MB)")
    print(f"{'jili: all rules, sentiment included':42} {jili_all:>8.2f} {mb / jili_all:>8.1f} "
          f"{len(texts) / jili_all:>14,.0f}   ({found_all:,} findings)")
    print(f"{'sentiment: jili, every customer turn':42} {ours:>8.2f} {'':>8} {len(turns) / ours:>14,.0f}   turns/s")
    print(f"{'sentiment: snownlp, per customer turn':42} {snow:>8.2f} {'':>8} {len(sample) / snow:>14,.0f}   turns/s "
          f"(on {len(sample):,})")
    print(f"\njili runs at {(mb / jili) / (mb / floor):.0%} of the bare scan (target ≥ 50 %) and "
          f"{(mb / jili) / naive_rate:.1f}× the naive loop (target ≥ 5×); with sentiment {mb / jili_all:.1f} MB/s "
          f"(target ≥ 10).")


if __name__ == "__main__":
    main()
