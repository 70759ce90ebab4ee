"""What reading a policy's results needs of the policy: its name, version, digest and accounts (units,
places, rounding). A run stores it, so ``explain``, ``leaderboard`` and ``export`` show a run of an
unchanged policy file without parsing and checking the policy again."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal

from jili.core.label import Label

ROUNDING_MODES = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "down": ROUND_DOWN, "up": ROUND_UP}


@dataclass(frozen=True, slots=True)
class Account:
    name: str
    unit: str
    places: int
    rounding: str  # a key of ROUNDING_MODES
    label: Label

    def round(self, value: Decimal) -> Decimal:
        rounded = value.quantize(Decimal(1).scaleb(-self.places), rounding=ROUNDING_MODES[self.rounding])
        return rounded.copy_abs() if rounded == 0 else rounded  # no "-0.00" on a statement


@dataclass(frozen=True, slots=True)
class PolicyHead:
    id: str
    name: Label
    version: str
    digest: str  # sha256 of the policy file's bytes
    accounts: dict[str, Account]  # in the policy's order


def head_to_json(head: PolicyHead) -> dict[str, object]:
    return {"id": head.id, "name": {"en": head.name.en, "zh": head.name.zh}, "version": head.version,
            "digest": head.digest,
            "accounts": [{"name": a.name, "unit": a.unit, "places": a.places, "rounding": a.rounding,
                          "label": {"en": a.label.en, "zh": a.label.zh}} for a in head.accounts.values()]}


def head_from_json(data: object) -> PolicyHead | None:
    """The head a run stored, or None when it stored none (a run made before heads were stored) or one
    this version cannot read: the caller then reads the policy file itself."""
    if not isinstance(data, dict) or not data:
        return None
    try:
        accounts = {}
        for a in data["accounts"]:
            if a["rounding"] not in ROUNDING_MODES:
                return None
            accounts[a["name"]] = Account(str(a["name"]), str(a["unit"]), int(a["places"]), str(a["rounding"]),
                                          Label(str(a["label"]["en"]), str(a["label"]["zh"])))
        return PolicyHead(str(data["id"]), Label(str(data["name"]["en"]), str(data["name"]["zh"])),
                          str(data["version"]), str(data["digest"]), accounts)
    except (KeyError, TypeError, ValueError):
        return None
