"""What-if comparison: every agent in either set, missing counts 0, the largest changes first."""

from __future__ import annotations

from decimal import Decimal

from jili.core.whatif import compare

D = Decimal


def test_compare_counts_gains_losses_and_agents_in_one_set_only() -> None:
    w = compare("draft", "base", "bonus", {"A": D(100), "B": D(200), "C": D(50)},
                {"A": D(130), "B": D(200), "D": D(10)}, largest=3)
    assert (w.total_before, w.total_after, w.gain, w.lose, w.same) == (D(350), D(340), 2, 1, 1)
    assert [(c.agent_id, c.before, c.after, c.change) for c in w.largest] == [
        ("C", D(50), D(0), D(-50)), ("A", D(100), D(130), D(30)), ("D", D(0), D(10), D(10))]


def test_equal_changes_keep_gains_before_losses() -> None:
    w = compare("d", "b", "x", {"A": D(10), "B": D(0)}, {"A": D(0), "B": D(10)}, largest=1)
    assert [c.agent_id for c in w.largest] == ["B"]


def test_a_change_of_one_yuan_or_less_is_a_gain_or_a_loss() -> None:
    w = compare("draft.yaml", "r15", "bonus", {"A": D("10.00"), "B": D("10.00"), "C": D(5)},
                {"A": D("11.00"), "B": D("9.50"), "C": D(5)})
    assert (w.draft, w.base, w.account, w.gain, w.lose, w.same) == ("draft.yaml", "r15", "bonus", 1, 1, 1)


def test_the_ten_largest_changes_by_default_and_empty_sets_total_zero() -> None:
    before = {f"A{i:02d}": D(0) for i in range(12)}
    after = {f"A{i:02d}": D(i) for i in range(12)}
    assert [c.agent_id for c in compare("d", "b", "x", before, after).largest] == [f"A{i:02d}" for i in range(11, 1, -1)]
    empty = compare("d", "b", "x", {}, {})
    assert (empty.total_before, empty.total_after) == (D(0), D(0))
    assert isinstance(empty.total_before, D) and isinstance(empty.total_after, D)  # a Decimal, not the integer 0
