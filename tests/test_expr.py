"""Policy expressions, read as truth tables and worked examples: SQL's three-valued logic (NULL is
unknown), rounding half away from zero, division by zero as NULL, BETWEEN with both ends in."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jili.core.expr import Value, evaluate, parse, truth
from jili.core.problems import Location

D = Decimal
KNOWN = {"x": "a number", "y": "a number", "a": "a flag", "b": "a flag"}


def ev(text: str, **env: Value) -> Value:
    expr, problems = parse(text, KNOWN, Location("test"))
    assert expr is not None, problems
    return evaluate(expr, {"x": None, "y": None, "a": None, "b": None, **env})


U = None  # unknown
TRUTH = (True, False, U)


@pytest.mark.parametrize("a", TRUTH)
@pytest.mark.parametrize("b", TRUTH)
def test_and_or_follow_sql_three_valued_logic(a: bool | None, b: bool | None) -> None:
    expected_and = False if False in (a, b) else (U if U in (a, b) else True)
    expected_or = True if True in (a, b) else (U if U in (a, b) else False)
    assert ev("a and b", a=a, b=b) is expected_and
    assert ev("a or b", a=a, b=b) is expected_or


@pytest.mark.parametrize(("a", "expected"), [(True, False), (False, True), (U, U)])
def test_not_of_unknown_is_unknown_never_true(a: bool | None, expected: bool | None) -> None:
    assert ev("not a", a=a) is expected
    assert truth(ev("not a", a=a)) is (expected is True)  # a rule's condition: unknown does not fire


@pytest.mark.parametrize(("x", "expected"), [(D("0.99"), False), (D(1), True), (D("1.5"), True), (D(2), True),
                                             (D("2.01"), False), (U, U)])
def test_between_includes_both_ends(x: Decimal | None, expected: bool | None) -> None:
    assert ev("x between 1 and 2", x=x) is expected


@pytest.mark.parametrize(("text", "expected"), [
    ("round(2.5)", D(3)), ("round(-2.5)", D(-3)), ("round(3.5)", D(4)), ("round(2.4)", D(2)), ("round(-2.4)", D(-2)),
    ("round(2.345, 2)", D("2.35")), ("round(-2.345, 2)", D("-2.35")), ("round(0.5)", D(1)),
    ("floor(-2.5)", D(-3)), ("ceil(-2.5)", D(-2)), ("floor(2.5)", D(2)), ("ceil(2.1)", D(3))])
def test_round_is_half_away_from_zero(text: str, expected: Decimal) -> None:
    """round(2.5) is 3, not banker's 2: a bonus of 2.5 yuan rounds the way the payroll clerk rounds."""
    assert ev(text) == expected


@pytest.mark.parametrize("text", ["x / 0", "x % 0", "x / y"])
def test_division_by_zero_is_null_not_an_error_nor_infinity(text: str) -> None:
    assert ev(text, x=D(5), y=D(0)) is None


@pytest.mark.parametrize(("text", "x", "y", "expected"), [
    ("x = y", D(1), D("1.00"), True), ("x = y", D(1), U, U), ("x <> y", D(1), D(2), True), ("x < y", U, D(1), U),
    ("x >= y", D("95.00"), D(95), True), ("x >= y", D("94.99"), D(95), False), ("x > y", D(95), D(95), False),
    ("x in (1, 2)", D(2), U, True), ("x in (1, 2)", D(3), U, False), ("x in (1, 2)", U, U, U),
    ("coalesce(x, 0)", U, U, D(0)), ("x + y", D(1), U, U),
    ("least(x, y)", D(1), U, D(1)), ("greatest(x, y)", U, D(2), D(2)), ("least(x, y)", U, U, U)])  # as DuckDB: NULLs skipped
def test_comparisons_and_arithmetic_with_null(text: str, x: Decimal | None, y: Decimal | None,
                                              expected: Value) -> None:
    assert ev(text, x=x, y=y) == expected if expected is not None else ev(text, x=x, y=y) is None


def test_decimal_arithmetic_is_exact() -> None:
    assert ev("x * 3", x=D("0.1")) == D("0.3")
    assert ev("x + y", x=D("0.10"), y=D("0.20")) == D("0.30")
    assert ev("x / 3", x=D(1)) == D(1) / D(3)
