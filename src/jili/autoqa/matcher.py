"""Every phrase pattern of a pack in one hyperscan database: one pass per transcript.
Plain ``re`` does the same, slower, where hyperscan is not installed."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

try:  # pragma: no cover - the import itself is the test
    import hyperscan
except ImportError:  # pragma: no cover
    hyperscan = None  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class Hit:
    pattern: int  # index into the matcher's pattern list
    turn: int
    start: int  # offsets inside the turn's text, in UTF-8 bytes (they order like characters);
    end: int  # char_offset() turns one into a character offset when evidence is shown


def char_offset(text: str, byte_offset: int) -> int:
    return len(text.encode()[:byte_offset].decode(errors="ignore"))


class Matcher:
    """Matches a list of patterns against the turns of a transcript."""

    def __init__(self, patterns: Sequence[str], caseless: bool = False, use_hyperscan: bool = True) -> None:
        self.patterns = list(patterns)
        self.engine = "hyperscan" if use_hyperscan and hyperscan is not None and patterns else "re"
        if self.engine == "hyperscan":
            # MULTILINE: ^ and $ mean the start and end of a turn (turns are scanned joined by newlines)
            flags = (hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_UCP | hyperscan.HS_FLAG_SOM_LEFTMOST
                     | hyperscan.HS_FLAG_MULTILINE)
            if caseless:
                flags |= hyperscan.HS_FLAG_CASELESS
            self._db = hyperscan.Database()
            self._db.compile(expressions=[p.encode() for p in self.patterns], ids=list(range(len(self.patterns))),
                             elements=len(self.patterns), flags=[flags] * len(self.patterns))
        else:
            self._res = [re.compile(p, re.MULTILINE | (re.IGNORECASE if caseless else 0)) for p in self.patterns]

    def scan(self, texts: Sequence[str]) -> list[Hit]:
        if not self.patterns:
            return []
        if self.engine == "re":
            return [Hit(i, t, len(text[:m.start()].encode()), len(text[:m.end()].encode())) for t, text in enumerate(texts)
                    for i, rx in enumerate(self._res) for m in rx.finditer(text)]
        joined = "\n".join(texts).encode()
        starts = [0]
        for text in texts[:-1]:
            starts.append(starts[-1] + len(text.encode()) + 1)
        raw: list[tuple[int, int, int]] = []
        self._db.scan(joined, match_event_handler=lambda pid, frm, to, flags, ctx: raw.append((pid, frm, to)))
        hits = []
        for pid, frm, to in raw:
            turn = bisect.bisect_right(starts, frm) - 1
            base = starts[turn]
            hits.append(Hit(pid, turn, frm - base, to - base))
        return hits
