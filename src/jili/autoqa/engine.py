"""Run a rule pack over transcripts: findings with their evidence (turn, span, time).

A batch of transcripts is checked at once. Their turns are laid end to end; hyperscan scans each
transcript's part of that text, and every hit becomes a row of arrays (transcript, turn, pattern,
byte span). The phrase rules are then read over the arrays — the speaker and position scopes,
exclusions, overlapping keywords counted once, "said" or "missing" per transcript, sequences as
first and last hits — and only the findings become Python objects. Sensitive numbers are one
regex pass over the batch's text; the customers' moods are scored together. Timing and call
facts read the few transcripts that carry them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain, pairwise, repeat
from operator import itemgetter

import numpy as np

from jili.autoqa.checks import PATTERNS, VALIDATORS
from jili.autoqa.matcher import Matcher
from jili.autoqa.pack import (
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

ANY = -1  # a rule's speaker "any"
MIN_DIGITS = 11  # every sensitive number (checks.PATTERNS) is a run of at least 11 digits (an ID may end in X)


@dataclass(frozen=True, slots=True)
class Finding:
    rule_id: str
    severity: str
    transcript: str
    agent_id: str | None
    turn: int | None  # index in the transcript; None: the whole call (something missing)
    start: int | None
    end: int | None
    time_ms: int | None
    evidence: str
    item: str | None
    review: bool


@dataclass(frozen=True, slots=True)
class Checked:
    """One transcript's findings, and the phrase rules said in it (a hit that counts)."""

    findings: list[Finding]
    said: frozenset[str]


class _Turns:
    """The turns of a batch laid end to end ("\\n" between them), as arrays over turns."""

    def __init__(self, transcripts: Sequence[Transcript], speaker_codes: dict[str, int]) -> None:
        self.texts = [turn.text for t in transcripts for turn in t.turns]
        counts = np.fromiter((len(t.turns) for t in transcripts), dtype=np.int64, count=len(transcripts))
        self.first = np.concatenate(([0], np.cumsum(counts)))  # transcript k: turns first[k] .. first[k + 1]
        n = len(self.texts)
        self.owner = np.repeat(np.arange(len(transcripts), dtype=np.int64), counts)
        self.local = np.arange(n, dtype=np.int64) - self.first[self.owner]
        other = len(speaker_codes)
        said_by = [turn.speaker for t in transcripts for turn in t.turns]
        self.speaker = np.fromiter(map(speaker_codes.get, said_by, repeat(other)), dtype=np.int64, count=n)
        self.lengths = np.fromiter(map(len, self.texts), dtype=np.int64, count=n)
        self.joined = "\n".join(self.texts)
        self.data = self.joined.encode()
        self.char_start = np.concatenate(([0], np.cumsum(self.lengths + 1)))[:-1]
        # the byte offset of each character (and of the end): where a UTF-8 character's first byte is
        self.bytes = np.frombuffer(self.data, dtype=np.uint8)
        lead = (self.bytes & 0xC0) != 0x80
        self.byte_at_char = np.append(np.flatnonzero(lead), len(self.data))
        self.byte_start = self.byte_at_char[self.char_start]
        self.byte_end = self.byte_at_char[self.char_start + self.lengths]
        # each turn's place among its transcript's turns of the same speaker, and how many there are
        codes = other + 1
        group = self.owner * codes + self.speaker
        order = np.argsort(group, kind="stable")
        sorted_group = group[order]
        starts = np.flatnonzero(np.concatenate(([True], sorted_group[1:] != sorted_group[:-1]))) if n else \
            np.zeros(0, np.int64)
        sizes = np.diff(np.concatenate((starts, [n])))
        self.rank = np.empty(n, dtype=np.int64)
        self.rank[order] = np.arange(n) - np.repeat(starts, sizes)
        self.count = np.zeros((len(transcripts), codes), dtype=np.int64)
        np.add.at(self.count, (self.owner, self.speaker), 1)
        self.turn_count = counts

    def char_of(self, byte_offset: np.ndarray, turn: np.ndarray) -> np.ndarray:
        """Character offsets inside their turns of byte offsets of the joined text (past the turn: its end)."""
        chars = np.searchsorted(self.byte_at_char, byte_offset) - self.char_start[turn]
        return np.minimum(chars, self.lengths[turn])


@dataclass(frozen=True, slots=True)
class _Hits:
    """The hits that count, rule by rule (sorted by rule, turn, start), overlapping ones merged."""

    rule: np.ndarray  # index into Checker.phrases
    turn: np.ndarray  # index into the batch's turns
    start: np.ndarray  # bytes of the joined text
    end: np.ndarray


class Checker:
    """A pack compiled once; ``check_batch`` runs it on many transcripts at once."""

    def __init__(self, pack: Pack, use_hyperscan: bool = True) -> None:
        self.pack = pack
        self.phrases = [r for r in pack.rules if isinstance(r, PhraseRule)]
        self._phrase_index = {r.base.id: i for i, r in enumerate(self.phrases)}
        # each distinct pattern once in the database (a phrase may serve several rules, or one rule twice); a
        # match of it counts for every (rule, exclusion or not) that owns it
        owners: dict[str, list[tuple[int, bool]]] = {}
        for i, rule in enumerate(self.phrases):
            for p in rule.patterns:
                owners.setdefault(p, []).append((i, False))
            for p in rule.exclude:
                owners.setdefault(p, []).append((i, True))
        patterns = list(owners)
        flat = [owner for p in patterns for owner in owners[p]]
        self._owners_first = np.cumsum([0, *(len(owners[p]) for p in patterns)])  # pattern j: owners first[j]..
        self._owners_count = np.diff(self._owners_first)
        self._pattern_rule = np.array([i for i, _ in flat], dtype=np.int64)
        self._pattern_exclusion = np.array([x for _, x in flat], dtype=bool)
        self.matcher = Matcher(patterns, caseless=pack.language.startswith("en"), use_hyperscan=use_hyperscan)
        self._sensitive = {k: re.compile(v) for k, v in PATTERNS.items()}
        speakers = ["agent", "customer"]
        speakers += sorted({r.speaker for r in pack.rules if isinstance(r, PhraseRule | SensitiveRule)}
                           - {"agent", "customer", "any"})
        self._speaker_codes = {s: i for i, s in enumerate(speakers)}
        self._rule_speaker = np.array([ANY if r.speaker == "any" else self._speaker_codes[r.speaker]
                                       for r in self.phrases], dtype=np.int64)
        self._rule_first = np.array([r.first_turns or 0 for r in self.phrases], dtype=np.int64)
        self._rule_last = np.array([r.last_turns or 0 for r in self.phrases], dtype=np.int64)

    # --- the public ways in -----------------------------------------------------------------------------

    def check(self, t: Transcript) -> list[Finding]:
        return self.check_batch([t])[0].findings

    def phrase_hits(self, t: Transcript) -> dict[str, list[tuple[int, int, int]]]:
        """rule id -> (turn, start, end) of the hits that count (speaker, position, exclusions applied, overlapping
        keywords merged), offsets in UTF-8 bytes of the turn."""
        turns = _Turns([t], self._speaker_codes)
        hits = self._hits(turns)
        out: dict[str, list[tuple[int, int, int]]] = {r.base.id: [] for r in self.phrases}
        base = turns.byte_start[hits.turn]
        for rule, turn, start, end in zip(hits.rule.tolist(), hits.turn.tolist(), (hits.start - base).tolist(),
                                          (hits.end - base).tolist(), strict=True):
            out[self.phrases[rule].base.id].append((turn, start, end))
        return out

    def check_batch(self, transcripts: Sequence[Transcript]) -> list[Checked]:
        """Each transcript's findings (in the pack's rule order, then by turn) and the phrase rules said in it."""
        turns = _Turns(transcripts, self._speaker_codes)
        hits = self._hits(turns)
        n = len(transcripts)
        timed = np.fromiter((bool(t.turns) and t.turns[0].start_ms is not None for t in transcripts), dtype=bool, count=n)
        hung_up_by = np.array([t.hung_up_by or "" for t in transcripts], dtype=object)
        hold = np.fromiter((t.hold_seconds or 0 for t in transcripts), dtype=np.int64, count=n)
        rows: list[tuple[int, int, int, int | None, int | None, int | None, str]] = []
        # (transcript, rule position, sequence, turn, start, end, evidence), sorted at the end
        for position, rule in enumerate(self.pack.rules):
            applies = self._applies(rule, transcripts)
            if isinstance(rule, PhraseRule):
                rows += self._phrase_rows(position, rule, applies, turns, hits)
            elif isinstance(rule, SequenceRule):
                rows += self._sequence_rows(position, rule, applies, turns, hits)
            elif isinstance(rule, SentimentRule):
                rows += self._sentiment_rows(position, rule, applies, turns)
            elif isinstance(rule, SensitiveRule):
                rows += self._sensitive_rows(position, rule, applies, turns)
            elif isinstance(rule, TimingRule):
                for k in np.flatnonzero(applies & timed).tolist():
                    rows += [(k, position, j, turn, None, None, evidence)
                             for j, (turn, evidence) in enumerate(_timing(rule, transcripts[k].turns))]
            elif rule.fact == "agent_hung_up":
                rows += [(k, position, 0, None, None, None, "the agent ended the call first")
                         for k in np.flatnonzero(applies & (hung_up_by == "agent")).tolist()]
            elif rule.fact == "hold_over":
                rows += [(k, position, 0, None, None, None, f"hold {transcripts[k].hold_seconds} s > {rule.seconds} s")
                         for k in np.flatnonzero(applies & (hold > rule.seconds)).tolist()]
        rows.sort(key=itemgetter(0, 1, 2))
        found: list[list[Finding]] = [[] for _ in transcripts]
        rules = self.pack.rules
        for k, position, _, turn, start, end, evidence in rows:
            t, base = transcripts[k], rules[position].base
            time = t.turns[turn].start_ms if turn is not None else None
            found[k].append(Finding(base.id, base.severity, t.id, t.agent_id, turn, start, end, time, evidence,
                                    base.item, base.review))
        # the phrase rules said in each transcript, as a bit mask per transcript (few masks recur)
        masks = np.zeros(len(transcripts), dtype=object)
        if hits.rule.size:
            pairs = np.unique(turns.owner[hits.turn] * len(self.phrases) + hits.rule)
            np.bitwise_or.at(masks, pairs // len(self.phrases), [1 << int(r) for r in pairs % len(self.phrases)])
        sets: dict[int, frozenset[str]] = {}
        for mask in set(masks.tolist()):
            sets[mask] = frozenset(r.base.id for i, r in enumerate(self.phrases) if mask >> i & 1)
        return [Checked(f, sets[m]) for f, m in zip(found, masks.tolist(), strict=True)]

    # --- phrase hits as arrays --------------------------------------------------------------------------

    def _hits(self, turns: _Turns) -> _Hits:
        empty = np.zeros(0, dtype=np.int64)
        if not self.phrases or not turns.texts:
            return _Hits(empty, empty, empty, empty)
        pattern, start, end = self._scan(turns)
        # each match once for every owner of its pattern
        times = self._owners_count[pattern]
        owner = np.repeat(self._owners_first[pattern] - np.cumsum(times) + times, times) + np.arange(times.sum())
        start, end = np.repeat(start, times), np.repeat(end, times)
        turn = np.searchsorted(turns.byte_start, start, side="right") - 1
        rule = self._pattern_rule[owner]
        n_turns = len(turns.texts)
        exclusion = self._pattern_exclusion[owner]
        key = rule * n_turns + turn
        keep = ~exclusion & ~np.isin(key, np.unique(key[exclusion]))
        # the rule's scope: its speaker, its first or last N turns of that speaker
        speaker = self._rule_speaker[rule]
        anyone = speaker == ANY
        own = turns.speaker[turn] == speaker
        rank = np.where(anyone, turns.local[turn], turns.rank[turn])
        count = np.where(anyone, turns.turn_count[turns.owner[turn]],
                         turns.count[turns.owner[turn], np.maximum(speaker, 0)])
        low, high = _window(count, self._rule_first[rule], self._rule_last[rule])
        keep &= (anyone | own) & (rank >= low) & (rank < high)
        rule, turn, start, end = rule[keep], turn[keep], start[keep], end[keep]
        # by rule, turn, start, longest first; the same span twice is one hit
        order = np.lexsort((-end, start, turn, rule))
        rule, turn, start, end = rule[order], turn[order], start[order], end[order]
        if rule.size:
            fresh = np.concatenate(([True], (rule[1:] != rule[:-1]) | (turn[1:] != turn[:-1])
                                    | (start[1:] != start[:-1]) | (end[1:] != end[:-1])))
            rule, turn, start, end = rule[fresh], turn[fresh], start[fresh], end[fresh]
        # overlapping keywords of a rule in a turn ("这不归我管", "不归我管") are one hit, as long as they reach
        group_start = np.concatenate(([True], (rule[1:] != rule[:-1]) | (turn[1:] != turn[:-1]))) if rule.size else \
            np.zeros(0, bool)
        group = np.cumsum(group_start) - 1
        span = int(turns.byte_at_char[-1]) + 2
        reach = np.maximum.accumulate(end + group * span) - group * span  # the furthest end so far in the group
        opens = group_start.copy()
        opens[1:] |= start[1:] >= reach[:-1]
        heads = np.flatnonzero(opens)
        merged_end = np.maximum.reduceat(end, heads) if heads.size else end[:0]
        return _Hits(rule[heads], turn[heads], start[heads], merged_end)

    def _scan(self, turns: _Turns) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(pattern, start, end) of every match, offsets in bytes of the joined text; each transcript is scanned on
        its own (a match never spans two)."""
        spoken = turns.first[1:] > turns.first[:-1]
        starts = turns.byte_start[turns.first[:-1][spoken]]
        ends = turns.byte_end[turns.first[1:][spoken] - 1]
        found = self.matcher.scan_spans(turns.data, list(zip(starts.tolist(), ends.tolist(), strict=True)))
        return found[:, 0], found[:, 1], found[:, 2]

    # --- the rule kinds over the arrays -----------------------------------------------------------------

    def _applies(self, rule: Rule, transcripts: Sequence[Transcript]) -> np.ndarray:
        if not rule.base.channels:
            return np.ones(len(transcripts), dtype=bool)
        return np.fromiter((rule.base.applies_to(t.channel) for t in transcripts), dtype=bool, count=len(transcripts))

    def _phrase_rows(self, position: int, rule: PhraseRule, applies: np.ndarray, turns: _Turns,
                     hits: _Hits) -> list[tuple[int, int, int, int | None, int | None, int | None, str]]:
        index = self._phrase_index[rule.base.id]
        mine = hits.rule == index
        if rule.expect == Expect.ABSENT:
            turn = hits.turn[mine]
            ok = applies[turns.owner[turn]]
            return self._evidence_rows(position, turns, turn[ok], hits.start[mine][ok], hits.end[mine][ok], 10, 10)
        if rule.expect != Expect.PRESENT:
            return []
        said = np.bincount(turns.owner[hits.turn[mine]], minlength=len(applies))
        count = turns.turn_count if rule.speaker == "any" else turns.count[:, self._speaker_codes[rule.speaker]]
        low, high = _window(count, rule.first_turns or 0, rule.last_turns or 0)
        missing = np.flatnonzero(applies & (said < rule.min_count) & (high > low))
        where = (f"first {rule.first_turns} " if rule.first_turns else f"last {rule.last_turns} "
                 if rule.last_turns else "") + f"{rule.speaker} turns"
        evidence = f"not said in the {where}"
        return [(k, position, 0, None, None, None, evidence) for k in missing.tolist()]

    def _sequence_rows(self, position: int, rule: SequenceRule, applies: np.ndarray, turns: _Turns,
                       hits: _Hits) -> list[tuple[int, int, int, int | None, int | None, int | None, str]]:
        """Whenever ``after`` is said, ``before`` must have come earlier (or with ``follows``: whenever ``before`` is
        said, ``after`` must come later); the first hit of the one that must be answered is the finding."""
        n = len(applies)
        before_index, after_index = self._phrase_index.get(rule.before), self._phrase_index.get(rule.after)
        lead_index, other_index = (before_index, after_index) if rule.follows else (after_index, before_index)
        if lead_index is None:
            return []
        lead = np.flatnonzero(hits.rule == lead_index)
        if not lead.size:
            return []
        owner = turns.owner[hits.turn[lead]]
        firsts = lead[np.unique(owner, return_index=True)[1]]  # hits are sorted by turn, then start
        k = turns.owner[hits.turn[firsts]]
        at = hits.start[firsts]  # (turn, start) orders like the byte offset in the joined text
        other = np.flatnonzero(hits.rule == other_index) if other_index is not None else np.zeros(0, np.int64)
        other_owner = turns.owner[hits.turn[other]]
        if rule.follows:  # the latest "after" must come after the first "before"
            latest = np.full(n, -1, dtype=np.int64)
            np.maximum.at(latest, other_owner, hits.start[other])
            finding = latest[k] <= at
        else:  # the earliest "before" must come before the first "after"
            earliest = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
            np.minimum.at(earliest, other_owner, hits.start[other])
            finding = earliest[k] >= at
        finding &= applies[k]
        return self._evidence_rows(position, turns, hits.turn[firsts][finding], hits.start[firsts][finding],
                                   hits.end[firsts][finding], 20, 5)

    def _evidence_rows(self, position: int, turns: _Turns, turn: np.ndarray, start: np.ndarray, end: np.ndarray,
                       before: int, after: int) -> list[tuple[int, int, int, int | None, int | None, int | None, str]]:
        s, e = turns.char_of(start, turn), turns.char_of(end, turn)
        out: list[tuple[int, int, int, int | None, int | None, int | None, str]] = []
        texts = turns.texts
        for j, (k, tn, local, a, b) in enumerate(zip(turns.owner[turn].tolist(), turn.tolist(), turns.local[turn].tolist(),
                                                     s.tolist(), e.tolist(), strict=True)):
            text = texts[tn]
            out.append((k, position, j, local, a, b, text[max(0, a - before):b + after]))
        return out

    def _sentiment_rows(self, position: int, rule: SentimentRule, applies: np.ndarray, turns: _Turns
                        ) -> list[tuple[int, int, int, int | None, int | None, int | None, str]]:
        """The customer's last turn below ``end_below`` after falling by ``drop`` from their first (when they spoke
        at least twice)."""
        customer = self._speaker_codes["customer"]
        spoken = np.flatnonzero(turns.speaker == customer)
        spoken = spoken[np.fromiter((bool(turns.texts[i].strip()) for i in spoken.tolist()), dtype=bool,
                                    count=spoken.size)]
        owner = turns.owner[spoken]
        _, first_at, times = np.unique(owner, return_index=True, return_counts=True)
        twice = times >= 2
        first, last = spoken[first_at][twice], spoken[first_at + times - 1][twice]
        k = turns.owner[first]
        ok = applies[k]
        first, last, k = first[ok], last[ok], k[ok]
        texts = [turns.texts[i] for i in chain.from_iterable(zip(first.tolist(), last.tolist(), strict=True))]
        mood = sentiments(texts) if texts else np.zeros(0)
        start_mood, end_mood = mood[0::2], mood[1::2]
        upset = (end_mood < rule.end_below) & (start_mood - end_mood >= rule.drop)
        return [(kk, position, 0, local, None, None, f"customer sentiment {a:.2f} → {b:.2f}")
                for kk, local, a, b in zip(k[upset].tolist(), turns.local[last[upset]].tolist(),
                                           start_mood[upset].tolist(), end_mood[upset].tolist(), strict=True)]

    def _sensitive_rows(self, position: int, rule: SensitiveRule, applies: np.ndarray, turns: _Turns
                        ) -> list[tuple[int, int, int, int | None, int | None, int | None, str]]:
        """Numbers that pass their check digit, said by the rule's speaker; one pass over the batch's text per kind
        (the turns' separators are not digits, so a number never runs from one turn into the next)."""
        found: list[tuple[int, int, int, int, str]] = []  # turn, kind, start, end, evidence
        code = self._speaker_codes.get(rule.speaker, -2)  # a speaker no turn has: nothing to find
        for a, b in _digit_runs(turns, MIN_DIGITS):
            turn = int(np.searchsorted(turns.char_start, a, side="right")) - 1
            if turns.speaker[turn] != code or not applies[turns.owner[turn]]:
                continue
            for kind_at, kind in enumerate(rule.kinds):  # the whole run and what borders it (an X, then a digit?)
                for m in self._sensitive[kind].finditer(turns.joined, max(0, a - 1), b + 2):
                    if not VALIDATORS[kind](m.group().upper()):
                        continue
                    masked = m.group()[:3] + "*" * (len(m.group()) - 7) + m.group()[-4:]
                    start = m.start() - int(turns.char_start[turn])
                    found.append((turn, kind_at, start, start + len(m.group()), f"{kind}: {masked}"))
        found.sort(key=lambda f: (f[0], f[1], f[2]))  # by turn, then kind, then place: as each turn reads
        return [(int(turns.owner[turn]), position, j, int(turns.local[turn]), start, end, evidence)
                for j, (turn, _, start, end, evidence) in enumerate(found)]


def _window(count: np.ndarray, first: np.ndarray | int, last: np.ndarray | int) -> tuple[np.ndarray, np.ndarray]:
    """The ranks [low, high) a rule reads among a speaker's ``count`` turns: the first N of them (0: all), then
    the last N of those (0: all)."""
    high = np.where(first > 0, np.minimum(first, count), count)
    return np.where(last > 0, np.maximum(high - last, 0), 0), high


def _digit_runs(turns: _Turns, shortest: int) -> list[tuple[int, int]]:
    """(start, end) in characters of the joined text of each run of at least ``shortest`` ASCII digits (found in
    its UTF-8 bytes, where an ASCII digit is one byte and no other character's bytes look like one)."""
    digit = np.concatenate(([False], (turns.bytes >= 0x30) & (turns.bytes <= 0x39), [False]))
    edges = np.flatnonzero(digit[1:] != digit[:-1])
    starts, ends = edges[0::2], edges[1::2]
    long = ends - starts >= shortest
    chars = np.searchsorted(turns.byte_at_char, np.stack((starts[long], ends[long])))
    return list(zip(chars[0].tolist(), chars[1].tolist(), strict=True))


def run_batches(checker: Checker, transcripts: Iterable[Transcript], size: int) -> Iterable[tuple[Transcript, Checked]]:
    """Each transcript with what the checker found, checked ``size`` at a time."""
    batch: list[Transcript] = []
    for t in transcripts:
        batch.append(t)
        if len(batch) == size:
            yield from zip(batch, checker.check_batch(batch), strict=True)
            batch = []
    if batch:
        yield from zip(batch, checker.check_batch(batch), strict=True)


def _timing(rule: TimingRule, turns: tuple[Turn, ...]) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    if turns and turns[0].start_ms is None:
        return out  # untimed transcripts (chats): no timing to check
    timed = [(i, turn) for i, turn in enumerate(turns) if turn.start_ms is not None and turn.end_ms is not None]
    if rule.kind == "silence":
        for (_, a), (j, b) in pairwise(timed):
            gap = (b.start_ms - a.end_ms) / 1000  # type: ignore[operator]
            if gap >= max(rule.seconds, rule.ignore_under):
                out.append((j, f"{gap:.1f} s of silence before this turn"))
    elif rule.kind == "interruption":
        for (_, a), (j, b) in pairwise(timed):
            overlap = (a.end_ms - b.start_ms) / 1000  # type: ignore[operator]
            if a.speaker == "customer" and b.speaker == "agent" and overlap > rule.seconds:
                if rule.when_customer_negative and sentiment(a.text) >= 0.3:
                    continue
                out.append((j, f"the agent started {overlap:.1f} s before the customer finished"))
    elif rule.kind == "speech_rate":
        rate = {}
        for who in ("agent", "customer"):
            chars = sum(len(t.text) for _, t in timed if t.speaker == who)
            ms = sum((t.end_ms or 0) - (t.start_ms or 0) for _, t in timed if t.speaker == who)
            rate[who] = chars / (ms / 60000) if ms else 0.0
        if rate["agent"] and rate["customer"] and rate["agent"] > rule.ratio * rate["customer"]:
            first_agent = next((i for i, t in timed if t.speaker == "agent"), None)
            out.append((first_agent if first_agent is not None else 0,
                        f"agent {rate['agent']:.0f} chars/min vs customer {rate['customer']:.0f}"))
    return out
