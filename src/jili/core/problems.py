"""Problems are values: what went wrong, where, what was expected, and how to fix it.

Loaders and validators return ``Problem`` records instead of raising, so that a user
sees every issue of a file at once. Exceptions are kept for bugs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"  # blocks the operation; nothing is stored
    WARNING = "warning"  # stored anyway; the user should look
    INFO = "info"  # how something was read (e.g. the timezone assumed)


@dataclass(frozen=True, slots=True)
class Location:
    """Where a problem is: a file and, when known, line or sheet/row/column."""

    file: str
    line: int | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.sheet is not None:
            parts.append(self.sheet)
        if self.line is not None:
            parts.append(str(self.line))
        elif self.row is not None:
            parts.append(str(self.row))
        text = ":".join(parts)
        if self.column is not None:
            text += f" [{self.column}]"
        return text


@dataclass(frozen=True, slots=True)
class Problem:
    """One issue found in user input, with its location and a way to fix it.

    ``code`` is stable and machine readable (``missing_column``, ``bad_value``…);
    ``message`` is the English sentence and ``message_zh`` the Chinese one.
    ``count`` > 1 means the same problem occurred on more rows; ``location`` is the first.
    """

    severity: Severity
    code: str
    location: Location
    message: str
    message_zh: str
    expected: str = ""
    found: str = ""
    fix: str = ""
    fix_zh: str = ""
    count: int = 1
    more_rows: tuple[int, ...] = field(default=())
    expected_zh: str = ""  # when what is expected needs words: in Chinese (else ``expected`` is shown in both)
    found_zh: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def render(self, lang: str = "en") -> str:
        zh = lang.startswith("zh")
        lines = [f"{self.location}: {self.severity.value}: {self.message_zh if zh else self.message}"]
        if self.expected:
            lines.append(("  期望: " + (self.expected_zh or self.expected)) if zh else "  expected: " + self.expected)
        if self.found:
            lines.append(("  实际: " + (self.found_zh or self.found)) if zh else "  found:    " + self.found)
        if self.count > 1:
            rows = ", ".join(str(r) for r in self.more_rows[:5])
            lines.append(
                (f"  另有 {self.count - 1} 行同样问题" if zh else f"  and {self.count - 1} more rows")
                + (f" ({rows}…)" if rows else "")
            )
        fix = self.fix_zh if zh and self.fix_zh else self.fix
        if fix:
            lines.append(("  修正: " if zh else "  fix:      ") + fix)
        return "\n".join(lines)

    def as_json(self) -> dict[str, object]:
        loc = self.location
        return {
            "severity": self.severity.value,
            "code": self.code,
            "location": str(loc),
            "file": loc.file,
            "line": loc.line,
            "sheet": loc.sheet,
            "row": loc.row,
            "column": loc.column,
            "message": self.message,
            "message_zh": self.message_zh,
            "expected": self.expected,
            "expected_zh": self.expected_zh or self.expected,
            "found": self.found,
            "found_zh": self.found_zh or self.found,
            "fix": self.fix,
            "fix_zh": self.fix_zh,
            "count": self.count,
            "more_rows": list(self.more_rows),
        }


def suggest(word: str, choices: Iterable[str]) -> tuple[str, str]:
    """' Did you mean 'x'?' in English and Chinese, or two empty strings."""
    from difflib import get_close_matches

    guess = get_close_matches(word, list(choices), n=1)
    if not guess:
        return "", ""
    return f" Did you mean '{guess[0]}'?", f"是否应为 '{guess[0]}'？"
