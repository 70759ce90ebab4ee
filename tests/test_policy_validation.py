"""A policy with every kind of mistake: each is reported with file:line and a fix, all at once,
before anything runs. And random expressions never crash the checker."""

from __future__ import annotations

import textwrap

from hypothesis import given, settings
from hypothesis import strategies as st

from jili.core.expr import parse
from jili.core.problems import Location
from jili.io.specs.policy import load_policy

BAD = """\
policy: broken
period: month
accounts:
  points: {unit: points}
metrics:
  answered: {fact: interactions, agg: count, where: "outcome = 'answered'"}
  a: "b + 1"
  b: "a * 2"
  rate: "answred / 10"
rules:
  - id: tiers
    kind: tiers
    account: points
    tiers:
      - {label: everyone, amount: 1}
      - {label: never, when: "answered > 10", amount: 2}
  - id: bands
    kind: bands
    account: points
    value: answered
    bands:
      - {from: 0, to: 60, amount: 1}
      - {from: 60, to: 80, amount: 2}
      - {above: 80, below: 90, amount: 3}
      - {above: 90, amount: 4}
  - id: wrong_account
    kind: formula
    account: bonus
    amount: 1
  - id: forbidden
    kind: formula
    account: points
    amount: "(select 1)"
  - id: types
    kind: formula
    account: points
    when: "status >= 95"
    amount: 1
"""


def test_every_mistake_reported_with_its_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(BAD, encoding="utf-8")
    policy, problems = load_policy(path)
    assert policy is None
    found = {(p.code, p.location.line) for p in problems}
    assert ("unknown_name", 9) in found  # answred → did you mean 'answered'
    assert ("metric_cycle", 7) in found or ("metric_cycle", 8) in found
    assert ("unreachable_tier", 15) in found
    assert ("overlapping_bands", 21) in found  # 60 is in both [0, 60] and [60, 80]
    assert ("gapped_bands", 21) in found  # exactly 90 falls in neither (80, 90) nor (90, …)
    assert ("undeclared_account", 28) in found
    assert ("forbidden_construct", 33) in found
    assert ("type_mismatch", 37) in found
    by_code = {p.code: p for p in problems}
    assert by_code["unknown_name"].message == "Unknown name 'answred' in 'answred / 10'. Did you mean 'answered'?"
    assert by_code["metric_cycle"].message.startswith("Metrics depend on each other in a circle: a → b → a")
    assert "can never fire" in by_code["unreachable_tier"].message
    assert by_code["undeclared_account"].message == ("Rule 'wrong_account' posts to account 'bonus', "
                                                     "which is not declared.")
    assert all(str(p.location).startswith(str(path)) for p in problems)


def test_unknown_field_and_rule_kind_suggest(tmp_path):
    path = tmp_path / "typo.yaml"
    path.write_text(textwrap.dedent("""\
        policy: typo
        accounts: {points: {unit: points}}
        rules:
          - {id: x, kind: tier, account: points}
          - {id: y, kind: formula, account: points, amout: 1}
        """), encoding="utf-8")
    _, problems = load_policy(path)
    messages = [p.message for p in problems]
    assert "Unknown rule kind 'tier'. Did you mean 'tiers'?" in messages
    assert "Unknown field 'amout'. Did you mean 'amount'?" in messages


KNOWN = {"qa_avg": "metric", "complaints": "metric", "status": "text", "hire_date": "date"}
atoms = st.sampled_from(["qa_avg", "complaints", "status", "hire_date", "1", "95.5", "'regular'", "null", "true",
                         "unknown_x", "*", "(", ")", "select", "count(*)", "'", "--", ";", "drop table x"])
ops = st.sampled_from([" + ", " - ", " * ", " / ", " and ", " or ", " >= ", " = ", " <> ", " in ", " between ", ", ",
                       " not ", " case when ", " then ", " end ", " is ", "(", ")", " ", ""])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(atoms, ops), min_size=1, max_size=8).map(lambda xs: "".join(a + o for a, o in xs)),
       st.text(max_size=40))
def test_the_checker_never_crashes(composed, noise):
    for text in (composed, noise, composed + noise):
        expr, problems = parse(text, KNOWN, Location("p.yaml", 1))
        assert (expr is None) == bool(problems)
        if expr is not None:
            assert set(expr.names) <= set(KNOWN)


def test_deeply_nested_expression_is_refused_not_crashed():
    expr, problems = parse("(" * 500 + "1" + ")" * 500, KNOWN, Location("p.yaml", 1))
    assert expr is None and problems[0].code == "expression_too_complex"


def test_an_operator_without_its_operand_is_refused_not_crashed():
    """DuckDB's grammar reads "@" as abs of what follows: with nothing after it, a syntax problem (found by the fuzz
    test above)."""
    for text in ("qa_avg + @", "@", "1 + (@)"):
        expr, problems = parse(text, KNOWN, Location("p.yaml", 1))
        assert expr is None and [p.code for p in problems] == ["expression_syntax"], text
    expr, problems = parse("@ complaints", KNOWN, Location("p.yaml", 1))
    assert expr is not None and problems == []


def test_a_bare_list_is_refused_not_crashed():
    for text in ("()", "(1, 2)", "qa_avg + (1, 2)"):
        expr, problems = parse(text, KNOWN, Location("p.yaml", 1))
        assert expr is None and problems, text
    expr, problems = parse("status in ('regular', 'probation')", KNOWN, Location("p.yaml", 1))
    assert expr is not None and problems == []


def test_a_misspelt_name_is_advised_by_what_it_most_likely_meant(tmp_path):
    """A column typo is told the column (not to define a metric); a metric typo the metric; nothing close,
    where names come from."""
    path = tmp_path / "typo.yaml"
    path.write_text(textwrap.dedent("""\
        policy: typo
        period: month
        accounts: {points: {unit: points}}
        metrics:
          hours: {fact: attendance, agg: sum, column: worked_hour}
          late: {fact: attendance, agg: count, where: "late_minute > 0"}
          rate: "hour / 10"
        rules:
          - {id: x, kind: formula, account: points, amount: "answred"}
          - {id: y, kind: per_event, account: points, fact: incidents, where: "kinds = 'praise'", amount: 1}
          - {id: z, kind: streak, account: points, condition: "hours > 0", length: 3, each: fortnight, amount: 1}
        """), encoding="utf-8")
    _, problems = load_policy(path)
    fixes = {(p.location.line, p.found): (p.fix, p.fix_zh) for p in problems if p.code == "unknown_name"}
    assert fixes[(5, "worked_hour")] == ("Write 'worked_hours': attendance has that column.",
                                         "请写 'worked_hours'：attendance 有该列。")
    assert fixes[(6, "late_minute")][0] == "Write 'late_minutes': attendance has that column."
    assert fixes[(7, "hour")] == ("Write 'hours', the metric of that name.", "请写指标 'hours'。")
    assert fixes[(9, "answred")][0].startswith("Define it under metrics:")
    assert fixes[(10, "kinds")][0] == "Write 'kind': incidents has that column."
    bad_each = [p for p in problems if p.code == "bad_period"]
    assert [(p.location.line, p.message) for p in bad_each] == [(11, "Unknown period 'fortnight'.")]
