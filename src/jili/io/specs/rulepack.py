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
from jili.io.specs.yamlfile import bilingual, load_yaml

KINDS = ("phrase", "sequence", "timing", "sentiment", "sensitive", "call_fact")
SEVERITIES = ("info", "minor", "major", "critical")


def load_pack(path: Path) -> tuple[Pack | None, list[Problem]]:
    doc, problems = load_yaml(path)
    if doc is None:
        return None, problems
    if not isinstance(doc.data, dict):
        return None, [Problem(Severity.ERROR, "bad_pack", doc.location(), "A rule pack file must be a YAML mapping.",
                              "规则包文件须为 YAML 映射。", fix="Start from the shipped pack: jili autoqa packs.")]
    data = doc.data
    problems = []

    def err(keys: tuple[str | int, ...], code: str, en: str, zh: str, fix: str = "") -> None:
        problems.append(Problem(Severity.ERROR, code, doc.location(keys), en, zh, fix=fix))

    raw_rules = data.get("rules") or []
    if not isinstance(raw_rules, list):
        err(("rules",), "not_a_list", "Expected a list of rules (- id: …) here.", "此处应为规则列表（- id: …）。")
        raw_rules = []

    rules: list[Rule] = []
    ids: set[str] = set()
    for i, raw in enumerate(raw_rules):
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
    for i, raw in enumerate(raw_rules):
        if isinstance(raw, dict) and raw.get("kind") == "sequence":
            for key in ("before", "after"):
                if raw.get(key) not in ids:
                    en, zh = suggest(str(raw.get(key)), ids)
                    err(("rules", i, key), "unknown_rule", f"Sequence '{raw['id']}' names unknown rule {raw.get(key)!r}.{en}",
                        f"顺序规则引用了未知规则 {raw.get(key)!r}。{zh}")
    if problems:
        return None, problems
    return Pack(str(data.get("pack", path.stem)), str(data.get("language", "zh")), tuple(rules), str(path)), []


def _words(raw: dict[str, Any], key: str, keys: tuple[str | int, ...], err: Any) -> list[str]:
    """A list of words (a single word is a list of one); anything else is a problem here."""
    value = raw.get(key)
    if value is None:
        return []
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return [str(value)]
    if isinstance(value, list) and all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in value):
        return [str(v) for v in value]
    err((*keys, key), "not_a_list", f"'{key}' takes a list of words.", f"'{key}' 应为词语列表。")
    return []


def _number(raw: dict[str, Any], key: str, default: float, keys: tuple[str | int, ...], err: Any,
            whole: bool = False) -> float:
    """A number from 0 to 100,000 (whole where it counts); anything else is a problem here (and the default)."""
    value = raw.get(key, default)
    ok = isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 100_000
    if ok and whole and not float(value).is_integer():
        ok = False
    if ok:
        return float(value)
    err((*keys, key), "not_a_number", f"'{key}' takes a {'whole ' if whole else ''}number from 0 to 100,000.",
        f"'{key}' 应为 0 到 100,000 之间的{'整' if whole else ''}数。")
    return default


def _turns(raw: dict[str, Any], key: str, keys: tuple[str | int, ...], err: Any) -> int | None:
    return int(_number(raw, key, 0, keys, err, whole=True)) if raw.get(key) is not None else None


def _rule(kind: str, base: Base, raw: dict[str, Any], keys: tuple[str | int, ...], err: Any) -> Rule | None:
    if kind == "phrase":
        patterns = [re.escape(k) for k in _words(raw, "keywords", keys, err)] + _words(raw, "regex", keys, err)
        exclude = [re.escape(k) for k in _words(raw, "exclude", keys, err)]
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
                          _turns(raw, "first_turns", keys, err), _turns(raw, "last_turns", keys, err),
                          int(_number(raw, "min_count", 1, keys, err, whole=True)))
    if kind == "sequence":
        return SequenceRule(base, str(raw.get("before")), str(raw.get("after")), bool(raw.get("follows", False)))
    if kind == "timing":
        return TimingRule(base, str(raw.get("check", "silence")), _number(raw, "seconds", 0, keys, err),
                          _number(raw, "ignore_under", 2, keys, err), _number(raw, "ratio", 1.5, keys, err),
                          bool(raw.get("when_customer_negative", False)))
    if kind == "sentiment":
        return SentimentRule(base, _number(raw, "end_below", 0.3, keys, err), _number(raw, "drop", 0.3, keys, err))
    if kind == "sensitive":
        kinds = tuple(_words(raw, "kinds", keys, err) or PATTERNS)
        bad = [k for k in kinds if k not in PATTERNS]
        if bad:
            err((*keys, "kinds"), "bad_value", f"Unknown kinds {bad}: use {', '.join(PATTERNS)}.", "未知的敏感信息类型。")
            return None
        return SensitiveRule(base, kinds, str(raw.get("speaker", "agent")))
    return CallFactRule(base, str(raw.get("fact", "agent_hung_up")), int(_number(raw, "seconds", 0, keys, err, True)))
