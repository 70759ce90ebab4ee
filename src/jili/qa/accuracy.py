"""R4 (COPC style): fatal accuracy per call, non-fatal accuracy per opportunity.

fatal accuracy     = 1 − calls failed for a fatal error / monitored calls
non-fatal accuracy = 1 − non-fatal errors / opportunities  (opportunities = items × calls)
Targets printed in the seed as "≤1.5%" and "≤15": fatal error rate ≤ 1.5 %, non-fatal ≤ 15 %.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from jili.qa.scoring import Scored

FATAL_TARGET = Decimal("0.015")
NONFATAL_TARGET = Decimal("0.15")


@dataclass(frozen=True, slots=True)
class Accuracy:
    calls: int
    fatal_calls: int
    errors: int
    opportunities: int

    @property
    def fatal_accuracy(self) -> Decimal | None:
        return None if not self.calls else 1 - Decimal(self.fatal_calls) / Decimal(self.calls)

    @property
    def nonfatal_accuracy(self) -> Decimal | None:
        return None if not self.opportunities else 1 - Decimal(self.errors) / Decimal(self.opportunities)

    @property
    def meets_targets(self) -> bool | None:
        fa, na = self.fatal_accuracy, self.nonfatal_accuracy
        if fa is None or na is None:
            return None
        return 1 - fa <= FATAL_TARGET and 1 - na <= NONFATAL_TARGET


def accuracy(evaluations: Iterable[Scored]) -> Accuracy:
    calls = fatal = errors = opportunities = 0
    for e in evaluations:
        calls += 1
        fatal += e.fatal
        errors += e.nonfatal_errors
        opportunities += e.opportunities
    return Accuracy(calls, fatal, errors, opportunities)
