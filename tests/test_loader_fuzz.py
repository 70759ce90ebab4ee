"""Random YAML trees and random bytes fed to every spec loader (policies, scorecards, rule packs):
only problems come back, never a traceback. The trees are built from each loader's own words so
that they reach deep into it."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jili.core.problems import Problem
from jili.io.specs.mapping import load_mapping
from jili.io.specs.policy import load_policy
from jili.io.specs.rulepack import load_pack
from jili.io.specs.scorecard import load_scorecard

POLICY_WORDS = ["policy", "name", "version", "effective", "from", "to", "period", "timezone", "accounts", "points",
                "bonus", "unit", "places", "rounding", "label", "eligibility", "id", "when", "reason", "metrics", "fact",
                "agg", "column", "where", "time", "level", "percentile", "previous", "back", "rank", "order", "within",
                "rules", "kind", "account", "category", "amount", "tiers", "bands", "above", "below", "value",
                "multipliers", "factor", "also", "amounts", "amounts_both", "top_percent", "bottom_percent", "eligible",
                "ties", "tie_break", "others", "others_when", "include_zero", "winners", "condition", "length",
                "severity", "action", "caps", "max", "min", "redemption", "share", "rate", "every", "levels", "basis",
                "thresholds", "interactions", "evaluations", "count", "avg", "formula", "ranking", "award", "streak",
                "flag", "per_event", "month", "day", "week", "zh", "en"]
CARD_WORDS = ["scorecard", "name", "version", "effective", "from", "to", "scale", "sections", "items", "id", "label",
              "kind", "points", "bands", "levels", "na", "fatal", "deduction", "bonus", "banded", "yes_no", "desk",
              "max", "serious", "factor", "zh", "en", "weight", "pass", "grades"]
PACK_WORDS = ["pack", "name", "version", "language", "rules", "id", "kind", "label", "phrase", "phrases", "speaker",
              "position", "absent", "present", "match", "sequence", "first", "then", "within", "silence", "seconds",
              "interruption", "speech_rate", "sentiment", "identity", "severity", "item", "exclude", "agent",
              "customer", "zh", "en", "keywords", "regex", "expect", "first_turns", "last_turns", "min_count", "before",
              "after", "follows", "timing", "check", "ignore_under", "ratio", "when_customer_negative", "end_below",
              "drop", "sensitive", "kinds", "fact", "call", "review", "cites", "phrase", "sentiment"]

MAPPING_WORDS = ["format", "timezone", "delimiter", "encoding", "sheet", "header_row", "null_values", "unknown_agents",
                 "columns", "ignore", "description", "from", "join", "values", "next_day_after", "constant",
                 "interactions", "agent_id", "offered_at", "roster", "register", "reject", "%Y-%m-%d"]

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                    st.text(max_size=12), st.sampled_from(["1e400", ".nan", "-5", "9999-99-99", "a + b", "count(*)",
                                                           "qa_avg >= 95", "'", "month", "2025-01-01"]))


def trees(words: list[str]) -> st.SearchStrategy[object]:
    keys = st.one_of(st.sampled_from(words), st.text(max_size=6))
    return st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(keys, inner, max_size=6)), max_leaves=30)


def only_problems(loader, text: bytes) -> None:  # type: ignore[no-untyped-def]
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "spec.yaml"
        path.write_bytes(text)
        result, problems = loader(path)
    assert all(isinstance(p, Problem) for p in problems)
    assert result is not None or problems, "nothing came back and nothing was said"


FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LOADERS = [(load_policy, POLICY_WORDS), (load_scorecard, CARD_WORDS), (load_pack, PACK_WORDS),
           (load_mapping, MAPPING_WORDS)]


@pytest.mark.parametrize(("loader", "words"), LOADERS, ids=["policy", "scorecard", "rule_pack", "mapping"])
def test_random_trees_give_problems(loader, words) -> None:  # type: ignore[no-untyped-def]
    @FUZZ
    @given(st.dictionaries(st.sampled_from(words), trees(words), max_size=10))
    def fed(tree) -> None:  # type: ignore[no-untyped-def]
        only_problems(loader, yaml.safe_dump(tree, allow_unicode=True).encode())

    fed()


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes_give_problems(data):  # type: ignore[no-untyped-def]
    for loader, _ in LOADERS:
        only_problems(loader, data)

POLICY_HEAD = "policy: p\nperiod: month\n"
RULES = "rules:\n  - {id: r, kind: formula, account: points, amount: 1}\n"


def problems_of(loader, tmp_path: Path, text: str) -> list[tuple[str, int | None]]:  # type: ignore[no-untyped-def]
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    result, problems = loader(path)
    assert result is None
    assert all(p.location.file == str(path) for p in problems)
    return [(p.code, p.location.line) for p in problems]


def test_an_account_that_is_not_a_mapping_is_a_problem_at_its_line(tmp_path: Path) -> None:
    found = problems_of(load_policy, tmp_path, POLICY_HEAD + "accounts:\n  points: 5\n" + RULES)
    assert ("not_a_mapping", 4) in found


def test_places_that_are_not_a_whole_number_are_a_problem_at_their_line(tmp_path: Path) -> None:
    for places in ("two", "-5", "100000000", "1.5"):
        found = problems_of(load_policy, tmp_path, POLICY_HEAD + f"accounts:\n  points:\n    places: {places}\n" + RULES)
        assert found == [("bad_integer", 5)], (places, found)


def test_places_at_the_edges_are_accepted(tmp_path: Path) -> None:
    for places in (0, 8):
        path = tmp_path / "ok.yaml"
        path.write_text(POLICY_HEAD + f"accounts:\n  points:\n    places: {places}\n" + RULES, encoding="utf-8")
        policy, problems = load_policy(path)
        assert policy is not None and policy.accounts["points"].places == places, problems
    assert problems_of(load_policy, tmp_path, POLICY_HEAD + "accounts:\n  points:\n    places: 9\n" + RULES) == [
        ("bad_integer", 5)]


def test_a_scorecard_section_that_is_text_is_a_problem_at_its_line(tmp_path: Path) -> None:
    found = problems_of(load_scorecard, tmp_path, "scorecard: s\nsections:\n  - just text\n")
    assert ("not_a_mapping", 2) in found  # the line of the list that holds it


def test_non_finite_and_huge_numbers_are_problems(tmp_path: Path) -> None:
    for factor in ('"1e400"', ".nan", ".inf", "1e13"):
        text = (POLICY_HEAD + "accounts:\n  points: {}\nrules:\n  - id: r\n    kind: per_event\n    account: points\n"
                "    fact: incidents\n    amount: 1\n    multipliers:\n      - when: \"kind = 'complaint'\"\n"
                f"        factor: {factor}\n")
        assert problems_of(load_policy, tmp_path, text) == [("not_a_number", 13)], factor


def test_a_nul_byte_deep_nesting_and_duplicate_keys_are_problems(tmp_path: Path) -> None:
    assert problems_of(load_policy, tmp_path, POLICY_HEAD + "accounts:\n  points: {}\0\n" + RULES) == [
        ("control_character", 4)]
    assert problems_of(load_policy, tmp_path, "policy: " + "[" * 100_000 + "]" * 100_000 + "\n")[0][0] == "too_deep"
    assert problems_of(load_policy, tmp_path, POLICY_HEAD + "accounts:\n  points: {}\n" + RULES + "period: week\n") == [
        ("yaml_syntax", 7)]


def test_a_streak_and_a_previous_metric_reach_back_a_bounded_number_of_periods(tmp_path: Path) -> None:
    for back in ("-3", '"abc"', "100000000"):
        text = (POLICY_HEAD + "accounts:\n  points: {}\nmetrics:\n  n: {fact: interactions, agg: count}\n"
                f"  m: {{previous: n, back: {back}}}\n" + RULES)
        assert problems_of(load_policy, tmp_path, text) == [("bad_integer", 7)], back
