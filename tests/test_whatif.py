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
