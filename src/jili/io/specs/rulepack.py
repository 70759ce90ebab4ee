"""Load an auto-QA rule pack (YAML); problems with file:line. See docs/autoqa.md.

Each rule kind has its shape (the fields it takes, their types and bounds) and a builder; what
the fields mean (valid patterns, known rules in a sequence) is checked after the shape."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field

from jili.autoqa.checks import PATTERNS
from jili.autoqa.pack import (
    Base,
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
from jili.core.problems import Problem, Severity, suggest
from jili.io.specs.shapes import Items, Keys, Shape, Text, check, whole
from jili.io.specs.yamlfile import SpecKind, YamlDocument, bilingual, load_yaml_mapping

PACK_FILE = SpecKind("bad_pack", "rule pack", "规则包",
                     "Start from the shipped pack: jili autoqa packs.",
                     "可从随附的规则包开始：jili autoqa packs。")
SEVERITIES = ("info", "minor", "major", "critical")
Seconds = Annotated[float, Field(ge=0, le=100_000)]
Count = Annotated[int, whole(0, 100_000)]
Words = Annotated[list[Text], Field(max_length=10_000)]


class PackShape(Shape):
    pack: Text | None = None
    language: Text = "zh"
    name: Any = None
    version: Text | None = None
    description: Any = None
    rules: Items = []


CHANNELS = ("voice", "chat", "social", "email")


class RuleShape(Shape):
    """The fields every rule of a pack takes."""

    id: Text
    kind: Text
    severity: Text = "minor"
    label: Any = None
    item: Text | None = None
    review: bool = False
    cites: Text = ""
    channels: Words = []  # voice, chat, social; empty: every channel


class PhraseShape(RuleShape):
    keywords: Words = []
    regex: Words = []
    exclude: Words = []
    expect: Text = "absent"
    speaker: Text = "agent"
    first_turns: Count | None = None
    last_turns: Count | None = None
    min_count: Count = 1


class SequenceShape(RuleShape):
    before: Text
    after: Text
    follows: bool = False


class TimingShape(RuleShape):
    check: Text = "silence"
    seconds: Seconds = 0
    ignore_under: Seconds = 2
    ratio: Seconds = 1.5
    when_customer_negative: bool = False


class SentimentShape(RuleShape):
    end_below: Annotated[float, Field(ge=0, le=1)] = 0.3
    drop: Annotated[float, Field(ge=0, le=1)] = 0.3


class SensitiveShape(RuleShape):
    kinds: Words = []
    speaker: Text = "agent"


class CallFactShape(RuleShape):
    fact: Text = "agent_hung_up"
    seconds: Count = 0


def _phrase(spec: PhraseShape, base: Base, keys: Keys, err: Callable[..., None]) -> Rule | None:
    patterns = [re.escape(k) for k in spec.keywords] + list(spec.regex)
    exclude = [re.escape(k) for k in spec.exclude]
    for j, pattern in enumerate(patterns + exclude):
        try:
            re.compile(pattern)
        except re.error as exc:
            err((*keys, "regex"), "bad_regex", f"Pattern {j + 1} ('{pattern}') is not a valid regular expression: {exc}.",
                f"第 {j + 1} 个模式不是有效的正则表达式。")
    if not patterns:
        err(keys, "missing_field", f"Phrase rule '{base.id}' needs keywords or regex.",
            f"短语规则 '{base.id}' 需要关键词或正则。")
        return None
    try:
        expect = Expect(spec.expect)
    except ValueError:
        err((*keys, "expect"), "bad_value", "expect: present, absent or match.", "expect 只能是 present、absent 或 match。")
        return None
    return PhraseRule(base, expect, tuple(patterns), tuple(exclude), spec.speaker, spec.first_turns, spec.last_turns,
                      spec.min_count)


def _sequence(spec: SequenceShape, base: Base, keys: Keys, err: Callable[..., None]) -> Rule | None:
    return SequenceRule(base, spec.before, spec.after, spec.follows)


def _timing(spec: TimingShape, base: Base, keys: Keys, err: Callable[..., None]) -> Rule | None:
    return TimingRule(base, spec.check, spec.seconds, spec.ignore_under, spec.ratio, spec.when_customer_negative)


def _sentiment(spec: SentimentShape, base: Base, keys: Keys, err: Callable[..., None]) -> Rule | None:
    return SentimentRule(base, spec.end_below, spec.drop)


def _sensitive(spec: SensitiveShape, base: Base, keys: Keys, err: Callable[..., None]) -> Rule | None:
    kinds = tuple(spec.kinds) or tuple(PATTERNS)
    bad = [k for k in kinds if k not in PATTERNS]
    if bad:
        err((*keys, "kinds"), "bad_value", f"Unknown kinds {', '.join(bad)}: use {', '.join(PATTERNS)}.",
            f"未知的敏感信息类型：{', '.join(bad)}。")
        return None
    return SensitiveRule(base, kinds, spec.speaker)


def _call_fact(spec: CallFactShape, base: Base, keys: Keys, err: Callable[..., None]) -> Rule | None:
    return CallFactRule(base, spec.fact, spec.seconds)


@dataclass(frozen=True, slots=True)
class RuleKindSpec:
    shape: type[RuleShape]
    build: Callable[[Any, Base, Keys, Callable[..., None]], Rule | None]


RULE_KINDS: dict[str, RuleKindSpec] = {
    "phrase": RuleKindSpec(PhraseShape, _phrase),
    "sequence": RuleKindSpec(SequenceShape, _sequence),
    "timing": RuleKindSpec(TimingShape, _timing),
    "sentiment": RuleKindSpec(SentimentShape, _sentiment),
    "sensitive": RuleKindSpec(SensitiveShape, _sensitive),
    "call_fact": RuleKindSpec(CallFactShape, _call_fact),
}
KINDS = tuple(RULE_KINDS)


def load_pack(path: Path) -> tuple[Pack | None, list[Problem]]:
    doc, problems = load_yaml_mapping(path, PACK_FILE)
    if doc is None:
        return None, problems
    top = check(doc, PackShape, doc.data, (), problems)
    if top is None:
        return None, problems

    def err(keys: Keys, code: str, en: str, zh: str, fix: str = "", fix_zh: str = "") -> None:
        problems.append(Problem(Severity.ERROR, code, doc.location(keys), en, zh, fix=fix, fix_zh=fix_zh))

    rules: list[Rule] = []
    ids: set[str] = set()
    sequences: list[tuple[Keys, SequenceShape]] = []
    for i, raw in enumerate(top.rules):
        keys: Keys = ("rules", i)
        rule = _rule(doc, raw, keys, err, problems, ids, sequences)
        if rule is not None:
            rules.append(rule)
    for keys, seq in sequences:
        for key, named in (("before", seq.before), ("after", seq.after)):
            if named not in ids:
                en, zh = suggest(named, ids)
                err((*keys, key), "unknown_rule", f"Sequence '{seq.id}' names unknown rule '{named}'.{en}",
                    f"顺序规则 '{seq.id}' 引用了未知规则 '{named}'。{zh}")
    if problems:
        return None, problems
    return Pack(top.pack or path.stem, top.language, tuple(rules), str(path)), []


def _rule(doc: YamlDocument, raw: Any, keys: Keys, err: Callable[..., None], problems: list[Problem], ids: set[str],
          sequences: list[tuple[Keys, SequenceShape]]) -> Rule | None:
    if not isinstance(raw, dict) or "id" not in raw:
        err(keys, "bad_rule", "A rule needs an id and a kind.", "规则须有 id 与 kind。")
        return None
    kind = str(raw.get("kind", ""))
    kind_spec = RULE_KINDS.get(kind)
    if kind_spec is None:
        en, zh = suggest(kind, KINDS)
        err((*keys, "kind"), "bad_rule_kind", f"Unknown rule kind '{kind}'.{en}", f"未知规则类型 '{kind}'。{zh}")
        return None
    spec = check(doc, kind_spec.shape, raw, keys, problems)
    if spec is None:
        return None
    if spec.severity not in SEVERITIES:
        err((*keys, "severity"), "bad_value", f"Severity '{spec.severity}': use {', '.join(SEVERITIES)}.",
            f"严重程度 '{spec.severity}' 无效：请用 {', '.join(SEVERITIES)}。")
    en_label, zh_label = bilingual(spec.label, spec.id)
    for channel in spec.channels:
        if channel not in CHANNELS:
            err((*keys, "channels"), "bad_value", f"Channel '{channel}': use {', '.join(CHANNELS)}.",
                f"渠道 '{channel}' 无效：请用 {', '.join(CHANNELS)}。")
    base = Base(spec.id, spec.severity, en_label, zh_label, spec.item, spec.review, spec.cites, tuple(spec.channels))
    ids.add(base.id)
    if isinstance(spec, SequenceShape):
        sequences.append((keys, spec))
    return kind_spec.build(spec, base, keys, err)
