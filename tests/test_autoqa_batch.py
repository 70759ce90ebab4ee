"""The batch checker (arrays over a batch's hits) finds exactly what the reference reading of the pack finds,
one transcript at a time (tests/autoqa_oracle.py): on the real corpora, on timed calls, and on hand-made edges."""

from __future__ import annotations

import random

import numpy as np
import pytest

from autoqa_oracle import OracleChecker
from conftest import SHARED
from jili.autoqa.engine import Checker, run_batches
from jili.autoqa.matcher import Matcher
from jili.autoqa.pack import Base, Expect, Pack, PhraseRule, SequenceRule
from jili.autoqa.transcript import Transcript, Turn
from jili.io.demo.corpora import jddc, stc3
from jili.io.specs.rulepack import load_pack
from jili.io.workspace import TEMPLATES

DATA = SHARED / "data"


def pack(name: str) -> Pack:
    loaded, problems = load_pack(TEMPLATES / "autoqa" / name)
    assert loaded is not None, problems
    return loaded


def timed_calls(n: int, seed: int) -> list[Transcript]:
    """Calls made of real JDDC turns with times (silences, interruptions, speech rates), agent ids, hang-ups, holds,
    channels and a sensitive number now and then."""
    turns = [(turn.speaker, turn.text) for t in jddc(DATA / "jddc" / "chat-sample.tsv") for turn in t.turns]
    rng = random.Random(seed)
    out = []
    for i in range(n):
        clock, made = 0, []
        for j in range(rng.randint(0, 14)):
            speaker, text = turns[rng.randrange(len(turns))]
            speaker = "agent" if j % 2 == 0 else speaker
            if rng.random() < 0.03:
                text += rng.choice(["身份证11010519491231002X", "卡号4111111111111111", "电话13800138000",
                                    "11010519491231002X5", "9411111111111111119", "138001380001", "1380013800０"])
            start = clock + rng.randint(-1500, 12000)
            made.append(Turn(speaker, text, max(0, start), max(0, start) + rng.randint(500, 9000)))
            clock = made[-1].end_ms or 0
        out.append(Transcript(f"c{i}", tuple(made), agent_id=f"A{i % 7}", hung_up_by=rng.choice(["agent", "customer"]),
                              hold_seconds=rng.choice([None, 10, 90]), channel=rng.choice([None, "voice", "social"])))
    return out


def same(checker: Checker, oracle: OracleChecker, transcripts: list[Transcript], size: int) -> None:
    got = [(t.id, c.findings, c.said) for t, c in run_batches(checker, transcripts, size)]
    want = []
    for t in transcripts:
        found, hits = oracle.check_with_hits(t)
        want.append((t.id, found, frozenset(rid for rid, h in hits.items() if h)))
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g == w, g[0]


@pytest.mark.slow
@pytest.mark.parametrize("use_hyperscan", [True, False], ids=["hyperscan", "re"])
def test_the_real_corpora_give_the_reference_findings(use_hyperscan: bool) -> None:
    zh = pack("zh-cn-service.yaml")
    transcripts = [*jddc(DATA / "jddc" / "chat-sample.tsv"), *stc3(DATA / "stc3" / "dialogues-cn-rated.json")]
    same(Checker(zh, use_hyperscan), OracleChecker(zh, use_hyperscan), transcripts, 1000)


@pytest.mark.parametrize("size", [1, 7, 1000])
def test_timed_calls_give_the_reference_findings_in_batches_of_any_size(size: int) -> None:
    zh = pack("zh-cn-service.yaml")
    same(Checker(zh), OracleChecker(zh), timed_calls(400, seed=size), size)


def test_the_english_pack_gives_the_reference_findings() -> None:
    en = pack("en-service.yaml")
    calls = [Transcript("e1", (Turn("agent", "Hello, thank you for calling. How may I help you?"),
                               Turn("customer", "This is TERRIBLE, I want to complain"),
                               Turn("agent", "I don't know, that's not my job"), Turn("agent", "Goodbye"))),
             Transcript("e2", ()), Transcript("e3", (Turn("customer", ""), Turn("agent", "   ")))]
    same(Checker(en), OracleChecker(en), calls, 2)


def base(rule_id: str) -> Base:
    return Base(rule_id, "minor", rule_id, rule_id, None, False, "")


EDGES = Pack("edges", "zh", (
    PhraseRule(base("ha"), Expect.ABSENT, ("哈哈", "哈哈哈哈"), speaker="any"),  # overlapping spans merge
    PhraseRule(base("no"), Expect.ABSENT, ("不归我管", "这不归我管", "归我"), exclude=("开玩笑",)),
    PhraseRule(base("hi"), Expect.PRESENT, ("你好",), first_turns=2, last_turns=1),
    PhraseRule(base("bye"), Expect.PRESENT, ("再见",), speaker="customer", last_turns=1, min_count=2),
    PhraseRule(base("ask"), Expect.MATCH, ("还有什么",)),
    PhraseRule(base("end"), Expect.MATCH, ("再见",)),
    SequenceRule(base("ask_first"), "ask", "end"),
    SequenceRule(base("answer"), "end", "ask", follows=True),
))


def test_edges_of_the_phrase_rules_give_the_reference_findings() -> None:
    calls = [
        Transcript("a", (Turn("agent", "哈哈哈哈哈，这不归我管，不归我管"), Turn("customer", "哈哈 再见"),
                         Turn("agent", "你好 再见 还有什么"), Turn("agent", "归我？开玩笑，不归我管"),
                         Turn("customer", "再见再见"))),
        Transcript("b", (Turn("system", "你好"), Turn("agent", "你好"), Turn("agent", "还有什么 再见"))),
        Transcript("c", (Turn("customer", "再见"),)),
        Transcript("d", ()),
        Transcript("e", (Turn("agent", "再见"), Turn("agent", "还有什么"), Turn("agent", "再见"))),
    ]
    for size in (1, 2, 5):
        same(Checker(EDGES), OracleChecker(EDGES), calls, size)
    found = {(f.transcript, f.rule_id, f.turn, f.evidence) for f in Checker(EDGES).check_batch(calls)[0].findings}
    assert ("a", "ha", 0, "哈哈哈哈哈，这不归我管，不归我") in found  # five 哈 are one hit, however many patterns matched
    assert not [f for f in found if f[2] == 3]  # the turn that says 开玩笑 is excluded from "no"
    assert ("a", "no", 0, "哈哈哈，这不归我管，不归我管") in found  # 这不归我管 / 不归我管 / 归我 overlapping: one hit


@pytest.mark.parametrize("patterns", [
    ["还有[^。]{0,10}帮", "您好", "[^a]{3}您"],  # the first and last cross a newline, into the next text
    [r"\A您好", r"再见\z", "您好"],  # anchored to the text's edges: every span is scanned on its own
])
def test_one_scan_of_a_batch_finds_what_scanning_each_transcript_alone_finds(patterns: list[str]) -> None:
    rng = random.Random(3)
    words = ["您好", "还有", "什么", "帮", "再见", "。", "a", "\n"]
    texts = ["".join(rng.choice(words) for _ in range(rng.randint(0, 12))).encode() for _ in range(300)]
    data = b"\n".join(texts)
    spans, at = [], 0
    for text in texts:
        spans.append((at, at + len(text)))
        at += len(text) + 1
    matcher = Matcher(patterns)
    got = matcher.scan_spans(data, spans)
    shift = np.array([0, 1, 1])  # start and end move by where the span begins
    want = [row for a, b in spans for row in (matcher.scan_spans(data[a:b], [(0, b - a)]) + shift * a).tolist()]
    assert sorted(map(tuple, got.tolist())) == sorted(map(tuple, want))
    assert len(want) > 200
    # the batch read as one text gives something else: matches from one transcript into the next, or none at
    # the edges of a transcript inside it
    whole = {tuple(row) for row in matcher.scan_spans(data, [(0, len(data))]).tolist()}
    assert whole != set(map(tuple, want))
