"""What-if: two sets of totals on one account compared agent by agent (a draft policy against the one
in force). The command line and the site show the same comparison."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Change:
    agent_id: str
    before: Decimal
    after: Decimal

    @property
    def change(self) -> Decimal:
        return self.after - self.before


@dataclass(frozen=True, slots=True)
class WhatIf:
    draft: str
    base: str
    account: str
    total_before: Decimal
    total_after: Decimal
    gain: int
    lose: int
    same: int
    largest: tuple[Change, ...]  # the largest changes, largest first


def compare(draft: str, base: str, account: str, before: Mapping[str, Decimal], after: Mapping[str, Decimal],
            largest: int = 10) -> WhatIf:
    """Every agent in either set; one missing from a set counts 0 there."""
    changes = [Change(a, before.get(a, Decimal(0)), after.get(a, Decimal(0))) for a in sorted(set(before) | set(after))]
    gain = sum(1 for c in changes if c.change > 0)
    lose = sum(1 for c in changes if c.change < 0)
    ordered = sorted(changes, key=lambda c: (c.change, c.agent_id), reverse=True)
    top = tuple(sorted(ordered, key=lambda c: -abs(c.change))[:largest])
    return WhatIf(draft, base, account, sum(before.values(), Decimal(0)), sum(after.values(), Decimal(0)),
                  gain, lose, len(changes) - gain - lose, top)
