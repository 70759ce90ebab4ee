"""Validators for sensitive numbers: a pattern finds candidates, a check digit confirms them."""

from __future__ import annotations

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def chinese_id_ok(text: str) -> bool:
    """GB 11643: 17 digits and a check character (0-9 or X)."""
    if len(text) != 18 or not text[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(text[:17], ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11] == text[17].upper()


def luhn_ok(digits: str) -> bool:
    """Bank card numbers (16–19 digits) end with a Luhn check digit."""
    if not digits.isdigit() or not 13 <= len(digits) <= 19:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def mobile_ok(digits: str) -> bool:
    return len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789"


VALIDATORS = {"id_card": chinese_id_ok, "bank_card": luhn_ok, "phone": mobile_ok}
PATTERNS = {
    "id_card": r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9])",
    "bank_card": r"(?<![0-9])[0-9]{16,19}(?![0-9])",
    "phone": r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])",
}
