"""The fact formats: aliases are unambiguous and the documentation matches the code."""

from __future__ import annotations

from pathlib import Path

from jili.core.facts import FORMATS, fold
from jili.io.outputs.formats_doc import formats_markdown


def test_no_alias_points_at_two_columns_of_one_format():
    for fmt in FORMATS.values():
        seen: dict[str, str] = {}
        for col in fmt.columns:
            for word in (col.name, *col.aliases):
                key = fold(word)
                assert seen.setdefault(key, col.name) == col.name, f"{fmt.name}: {word!r}"


def test_no_choice_label_is_ambiguous():
    for fmt in FORMATS.values():
        for col in fmt.columns:
            seen: dict[str, str] = {}
            for ch in col.choices:
                for word in (ch.code, ch.label_zh, *ch.aliases):
                    assert seen.setdefault(fold(word), ch.code) == ch.code, f"{fmt.name}.{col.name}: {word!r}"


def test_natural_keys_are_columns():
    for fmt in FORMATS.values():
        assert set(fmt.natural_key) <= set(fmt.column_names)


def test_data_formats_doc_is_generated_from_the_code():
    doc = Path(__file__).resolve().parents[1] / "docs" / "data-formats.md"
    assert doc.read_text(encoding="utf-8") == formats_markdown(), "run: make docs"


def test_the_control_characters_and_their_pattern_are_the_same_set():
    import re

    from jili.core.facts import CONTROL_CHARACTERS, CONTROL_PATTERN

    assert {chr(c) for c in range(256) if re.fullmatch(CONTROL_PATTERN, chr(c))} == CONTROL_CHARACTERS
    assert not {"\t", "\n", "\r"} & CONTROL_CHARACTERS
