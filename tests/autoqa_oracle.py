"""The reference reading of a rule pack, one transcript at a time, as jili.autoqa.engine did before it checked a
batch at once with arrays: the tests hold the batch checker to exactly these findings."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence

from jili.autoqa.checks import PATTERNS, VALIDATORS
from jili.autoqa.engine import Finding, _timing  # timing reads one call at a time in both
from jili.autoqa.matcher import Matcher, char_offset
from jili.autoqa.pack import (
    CallFactRule,
    Expect,
    Pack,
    PhraseRule,
    Rule,
    SensitiveRule,
    SentimentRule,
    SequenceRule,
    TimingRule,
)
from jili.autoqa.sentiment import sentiment, sentiments
from jili.autoqa.transcript import Transcript, Turn


class OracleChecker:
    """A pack compiled once; ``check`` runs it on one transcript."""

    def __init__(self, pack: Pack, use_hyperscan: bool = True) -> None:
        self.pack = pack
        self.phrases = [r for r in pack.rules if isinstance(r, PhraseRule)]
        patterns: list[str] = []
        self.owner: list[tuple[str, bool]] = []  # per pattern: rule id, is exclusion
        for rule in self.phrases:
            for p in rule.patterns:
                patterns.append(p)
                self.owner.append((rule.base.id, False))
            for p in rule.exclude:
                patterns.append(p)
                self.owner.append((rule.base.id, True))
        self.matcher = Matcher(patterns, caseless=pack.language.startswith("en"), use_hyperscan=use_hyperscan)
        self._sensitive = {k: re.compile(v) for k, v in PATTERNS.items()}

    def phrase_hits(self, t: Transcript, scopes: dict[tuple[str, int | None, int | None], set[int]] | None = None
                    ) -> dict[str, list[tuple[int, int, int]]]:
        """rule id -> (turn, start, end) of hits that count (speaker, position, exclusions applied);
        offsets in UTF-8 bytes of the turn."""
        scopes = {} if scopes is None else scopes
        raw = self.matcher.scan([turn.text for turn in t.turns])
        hits: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
        excluded: set[tuple[str, int]] = set()
        for h in raw:
            rule_id, is_exclusion = self.owner[h.pattern]
            if is_exclusion:
                excluded.add((rule_id, h.turn))
            else:
                hits[rule_id].append((h.turn, h.start, h.end))
        out: dict[str, list[tuple[int, int, int]]] = {}
        for rule in self.phrases:
            scope = _scoped(scopes, t.turns, rule.speaker, rule.first_turns, rule.last_turns)
            candidates = sorted({x for x in hits.get(rule.base.id, []) if x[0] in scope
                                 and (rule.base.id, x[0]) not in excluded}, key=lambda x: (x[0], x[1], -x[2]))
            kept: list[tuple[int, int, int]] = []
            for turn, start, end in candidates:  # overlapping keywords ("这不归我管", "不归我管") are one hit
                if kept and kept[-1][0] == turn and start < kept[-1][2]:
                    if end > kept[-1][2]:
                        kept[-1] = (turn, kept[-1][1], end)
                    continue
                kept.append((turn, start, end))
            out[rule.base.id] = kept
        return out

    def check(self, t: Transcript) -> list[Finding]:
        return self.check_with_hits(t)[0]

    def check_batch(self, transcripts: Sequence[Transcript]
                    ) -> list[tuple[list[Finding], dict[str, list[tuple[int, int, int]]]]]:
        """``check_with_hits`` of each transcript, the customers' moods of the whole batch scored at once."""
        moods: dict[str, float] = {}
        if any(isinstance(r, SentimentRule) for r in self.pack.rules):
            texts = [text for t in transcripts for text in _first_and_last_customer(t)]
            moods = dict(zip(texts, sentiments(texts).tolist(), strict=True))
        return [self.check_with_hits(t, moods) for t in transcripts]

    def check_with_hits(self, t: Transcript, moods: Mapping[str, float] | None = None
                        ) -> tuple[list[Finding], dict[str, list[tuple[int, int, int]]]]:
        """Findings, and the phrase hits they came from (one scan of the transcript for both). ``moods``: the
        sentiment of texts already scored (``check_batch``); any other is scored here."""
        found: list[Finding] = []
        scopes: dict[tuple[str, int | None, int | None], set[int]] = {}
        hits = self.phrase_hits(t, scopes)

        def text_around(turn: int, start: int, end: int, before: int, after: int) -> tuple[int, int, str]:
            """Byte offsets -> character offsets and the evidence around them."""
            text = t.turns[turn].text
            s, e = char_offset(text, start), char_offset(text, end)
            return s, e, text[max(0, s - before):e + after]

        def add(rule: Rule, turn: int | None, start: int | None, end: int | None, evidence: str) -> None:
            time = t.turns[turn].start_ms if turn is not None else None
            found.append(Finding(rule.base.id, rule.base.severity, t.id, t.agent_id, turn, start, end, time, evidence,
                                 rule.base.item, rule.base.review))

        for rule in self.pack.rules:
            if not rule.base.applies_to(t.channel):
                continue
            if isinstance(rule, PhraseRule):
                got = hits[rule.base.id]
                if rule.expect == Expect.ABSENT:
                    for turn, start, end in got:
                        add(rule, turn, *text_around(turn, start, end, 10, 10))
                elif (rule.expect == Expect.PRESENT and len(got) < rule.min_count
                      and _scoped(scopes, t.turns, rule.speaker, rule.first_turns, rule.last_turns)):
                    where = (f"first {rule.first_turns} " if rule.first_turns else f"last {rule.last_turns} "
                             if rule.last_turns else "") + f"{rule.speaker} turns"
                    add(rule, None, None, None, f"not said in the {where}")
            elif isinstance(rule, SequenceRule):
                after, before = hits.get(rule.after, []), hits.get(rule.before, [])
                if rule.follows and before:
                    turn, start, end = before[0]
                    if not any((a_turn, a_start) > (turn, start) for a_turn, a_start, _ in after):
                        add(rule, turn, *text_around(turn, start, end, 20, 5))
                elif not rule.follows and after:
                    turn, start, end = after[0]
                    if not any((b_turn, b_start) < (turn, start) for b_turn, b_start, _ in before):
                        add(rule, turn, *text_around(turn, start, end, 20, 5))
            elif isinstance(rule, TimingRule):
                for at_turn, evidence in _timing(rule, t.turns):
                    add(rule, at_turn, None, None, evidence)
            elif isinstance(rule, SentimentRule):
                customer = [i for i, tn in enumerate(t.turns) if tn.speaker == "customer" and tn.text.strip()]
                if len(customer) >= 2:
                    first, last = (_mood(moods, t.turns[customer[0]].text), _mood(moods, t.turns[customer[-1]].text))
                    if last < rule.end_below and first - last >= rule.drop:
                        add(rule, customer[-1], None, None, f"customer sentiment {first:.2f} → {last:.2f}")
            elif isinstance(rule, SensitiveRule):
                for i, tn in enumerate(t.turns):
                    if tn.speaker != rule.speaker:
                        continue
                    for kind in rule.kinds:
                        for m in self._sensitive[kind].finditer(tn.text):
                            if VALIDATORS[kind](m.group().upper()):
                                masked = m.group()[:3] + "*" * (len(m.group()) - 7) + m.group()[-4:]
                                add(rule, i, m.start(), m.end(), f"{kind}: {masked}")
            elif isinstance(rule, CallFactRule):
                if rule.fact == "agent_hung_up" and t.hung_up_by == "agent":
                    add(rule, None, None, None, "the agent ended the call first")
                elif rule.fact == "hold_over" and (t.hold_seconds or 0) > rule.seconds:
                    add(rule, None, None, None, f"hold {t.hold_seconds} s > {rule.seconds} s")
        return found, hits


def _first_and_last_customer(t: Transcript) -> list[str]:
    """The texts a sentiment rule reads: the customer's first and last turns, when they spoke at least twice."""
    customer = [tn.text for tn in t.turns if tn.speaker == "customer" and tn.text.strip()]
    return [customer[0], customer[-1]] if len(customer) >= 2 else []


def _mood(moods: Mapping[str, float] | None, text: str) -> float:
    known = None if moods is None else moods.get(text)
    return known if known is not None else sentiment(text)


def _scoped(cache: dict[tuple[str, int | None, int | None], set[int]], turns: tuple[Turn, ...], speaker: str,
            first: int | None, last: int | None) -> set[int]:
    key = (speaker, first, last)
    if key not in cache:
        cache[key] = _scope(turns, speaker, first, last)
    return cache[key]


def _scope(turns: tuple[Turn, ...], speaker: str, first: int | None, last: int | None) -> set[int]:
    mine = [i for i, turn in enumerate(turns) if turn.speaker == speaker or speaker == "any"]
    if first:
        mine = mine[:first]
    if last:
        mine = mine[-last:]
    return set(mine)
