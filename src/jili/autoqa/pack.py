"""Rule packs: what auto-QA checks on every transcript (R1, R5, R6)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Expect(StrEnum):
    PRESENT = "present"  # must be said: a finding when it is missing (greeting, closing)
    ABSENT = "absent"  # must not be said: a finding for each time it is (forbidden phrases)
    MATCH = "match"  # no finding of its own: a phrase other rules refer to (goodbye, a complaint)


@dataclass(frozen=True, slots=True)
class Base:
    id: str
    severity: str  # info, minor, major, critical
    label_en: str
    label_zh: str
    item: str | None  # the scorecard item this may pre-fill (e.g. r1-agent-assessment.greeting)
    review: bool  # flag for human review rather than score
    cites: str  # the seed line it comes from
    channels: tuple[str, ...] = ()  # where the rule applies (voice, chat, social); empty: every channel

    def applies_to(self, channel: str | None) -> bool:
        """A transcript of an unknown channel is checked by every rule."""
        return not self.channels or channel is None or channel in self.channels


@dataclass(frozen=True, slots=True)
class PhraseRule:
    base: Base
    expect: Expect
    patterns: tuple[str, ...]  # regular expressions (keywords are escaped when loaded)
    exclude: tuple[str, ...] = ()  # a hit in a turn that also matches one of these does not count
    speaker: str = "agent"
    first_turns: int | None = None  # only the first N turns of the speaker
    last_turns: int | None = None  # only the last N turns of the speaker
    min_count: int = 1


@dataclass(frozen=True, slots=True)
class SequenceRule:
    """Whenever `after` is said, `before` must have been said earlier (R6: ask
    "请问还有什么可以帮您" before "再见")."""

    base: Base
    before: str  # a phrase rule id
    after: str
    follows: bool = False  # instead: whenever `before` is said, `after` must come later (apology after a complaint)


@dataclass(frozen=True, slots=True)
class TimingRule:
    base: Base
    kind: str  # silence, interruption, speech_rate
    seconds: float = 0.0  # silence longer than this; interruption overlap over this
    ignore_under: float = 2.0  # gaps shorter than this are not silences
    ratio: float = 1.5  # speech rate: agent chars/min over the customer's by this factor
    when_customer_negative: bool = False  # interruption counts only while the customer complains


@dataclass(frozen=True, slots=True)
class SentimentRule:
    base: Base
    end_below: float = 0.3  # the customer's last turn is this negative (0 negative … 1 positive)
    drop: float = 0.3  # and fell this much from the first


@dataclass(frozen=True, slots=True)
class SensitiveRule:
    base: Base
    kinds: tuple[str, ...]  # id_card, bank_card, phone
    speaker: str = "agent"


@dataclass(frozen=True, slots=True)
class CallFactRule:
    base: Base
    fact: str  # agent_hung_up, hold_over
    seconds: int = 0


Rule = PhraseRule | SequenceRule | TimingRule | SentimentRule | SensitiveRule | CallFactRule


@dataclass(frozen=True, slots=True)
class Pack:
    id: str
    language: str
    rules: tuple[Rule, ...]
    source: str = ""

    @property
    def pattern_count(self) -> int:
        return sum(len(r.patterns) + len(r.exclude) for r in self.rules if isinstance(r, PhraseRule))
