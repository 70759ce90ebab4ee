"""Load an auto-QA rule pack (YAML); problems with file:line. See docs/autoqa.md."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

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
from jili.io.yamlfile import bilingual, load_yaml

KINDS = ("phrase", "sequence", "timing", "sentiment", "sensitive", "call_fact")
SEVERITIES = ("info", "minor", "major", "critical")


def load_pack(path: Path) -> tuple[Pack | None, list[Problem]]:
    doc, problems = load_yaml(path)
    if doc is None:
        return None, problems
    data = doc.data if isinstance(doc.data, dict) else {}
    problems = []

    def err(keys: tuple[str | int, ...], code: str, en: str, zh: str, fix: str = "") -> None:
        problems.append(Problem(Severity.ERROR, code, doc.location(keys), en, zh, fix=fix))

    rules: list[Rule] = []
    ids: set[str] = set()
    for i, raw in enumerate(data.get("rules") or []):
        keys: tuple[str | int, ...] = ("rules", i)
        if not isinstance(raw, dict) or "id" not in raw:
            err(keys, "bad_rule", "A rule needs an id and a kind.", "规则须有 id 与 kind。")
            continue
        kind = str(raw.get("kind", ""))
        if kind not in KINDS:
            en, zh = suggest(kind, KINDS)
            err((*keys, "kind"), "bad_rule_kind", f"Unknown rule kind {kind!r}.{en}", f"未知规则类型 {kind!r}。{zh}")
            continue
        severity = str(raw.get("severity", "minor"))
        if severity not in SEVERITIES:
            err((*keys, "severity"), "bad_value", f"Severity {severity!r}: use {', '.join(SEVERITIES)}.",
                f"严重程度 {severity!r} 无效。")
        en_label, zh_label = bilingual(raw.get("label"), str(raw["id"]))
        base = Base(str(raw["id"]), severity, en_label, zh_label, raw.get("item"), bool(raw.get("review", False)),
                    str(raw.get("cites", "")))
        ids.add(base.id)
        rule = _rule(kind, base, raw, keys, err)
        if rule is not None:
            rules.append(rule)
    for i, raw in enumerate(data.get("rules") or []):
        if isinstance(raw, dict) and raw.get("kind") == "sequence":
            for key in ("before", "after"):
                if raw.get(key) not in ids:
                    en, zh = suggest(str(raw.get(key)), ids)
                    err(("rules", i, key), "unknown_rule", f"Sequence '{raw['id']}' names unknown rule {raw.get(key)!r}.{en}",
                        f"顺序规则引用了未知规则 {raw.get(key)!r}。{zh}")
    if problems:
        return None, problems
    return Pack(str(data.get("pack", path.stem)), str(data.get("language", "zh")), tuple(rules), str(path)), []


def _rule(kind: str, base: Base, raw: dict[str, Any], keys: tuple[str | int, ...], err: Any) -> Rule | None:
    if kind == "phrase":
        patterns = [re.escape(str(k)) for k in raw.get("keywords") or []] + [str(r) for r in raw.get("regex") or []]
        exclude = [re.escape(str(k)) for k in raw.get("exclude") or []]
        for j, pattern in enumerate(patterns + exclude):
            try:
                re.compile(pattern)
            except re.error as exc:
                err((*keys, "regex"), "bad_regex", f"Pattern {j + 1} ({pattern!r}) is not a valid regular expression: {exc}.",
                    f"第 {j + 1} 个模式不是有效的正则表达式。")
        if not patterns:
            err(keys, "missing_field", f"Phrase rule '{base.id}' needs keywords or regex.",
                f"短语规则 '{base.id}' 需要关键词或正则。")
            return None
        try:
            expect = Expect(str(raw.get("expect", "absent")))
        except ValueError:
            err((*keys, "expect"), "bad_value", "expect: present, absent or match.", "expect 只能是 present、absent 或 match。")
            return None
        return PhraseRule(base, expect, tuple(patterns), tuple(exclude), str(raw.get("speaker", "agent")),
                          raw.get("first_turns"), raw.get("last_turns"), int(raw.get("min_count", 1)))
    if kind == "sequence":
        return SequenceRule(base, str(raw.get("before")), str(raw.get("after")), bool(raw.get("follows", False)))
    if kind == "timing":
        return TimingRule(base, str(raw.get("check", "silence")), float(raw.get("seconds", 0)),
                          float(raw.get("ignore_under", 2)), float(raw.get("ratio", 1.5)),
                          bool(raw.get("when_customer_negative", False)))
    if kind == "sentiment":
        return SentimentRule(base, float(raw.get("end_below", 0.3)), float(raw.get("drop", 0.3)))
    if kind == "sensitive":
        kinds = tuple(str(k) for k in raw.get("kinds") or PATTERNS)
        bad = [k for k in kinds if k not in PATTERNS]
        if bad:
            err((*keys, "kinds"), "bad_value", f"Unknown kinds {bad}: use {', '.join(PATTERNS)}.", "未知的敏感信息类型。")
            return None
        return SensitiveRule(base, kinds, str(raw.get("speaker", "agent")))
    return CallFactRule(base, str(raw.get("fact", "agent_hung_up")), int(raw.get("seconds", 0)))
