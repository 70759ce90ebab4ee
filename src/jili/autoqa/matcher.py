"""Every phrase pattern of a pack in one hyperscan database: one pass per transcript.
Plain ``re`` does the same, slower, where hyperscan is not installed."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np

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
        """The hits in each of ``texts`` (the turns of one transcript), offsets in UTF-8 bytes of its text."""
        if not self.patterns:
            return []
        if self.engine == "re":
            return [Hit(i, t, len(text[:m.start()].encode()), len(text[:m.end()].encode())) for t, text in enumerate(texts)
                    for i, rx in enumerate(self._res) for m in rx.finditer(text)]
        starts = [0]
        for text in texts[:-1]:
            starts.append(starts[-1] + len(text.encode()) + 1)
        data = "\n".join(texts).encode()
        hits = []
        for pid, frm, to in self.scan_spans(data, [(0, len(data))])[0].tolist():
            turn = bisect.bisect_right(starts, frm) - 1
            base = starts[turn]
            hits.append(Hit(pid, turn, frm - base, to - base))
        return hits

    def scan_spans(self, data: bytes, spans: Sequence[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
        """Each span of UTF-8 ``data`` scanned on its own (a match never runs from one into the next): the rows
        (pattern, start, end), offsets from the start of their span, and how many rows each span has. hyperscan
        reports every end of every pattern, each from its leftmost start."""
        raw: list[tuple[int, int, int]] = []
        counts = np.zeros(len(spans), dtype=np.int64)
        if self.patterns and self.engine == "hyperscan":
            add = raw.append
            scan = self._db.scan
            handler = lambda pid, frm, to, flags, ctx: add((pid, frm, to))  # noqa: E731 - one handler for every span
            for i, (a, b) in enumerate(spans):
                before = len(raw)
                scan(data[a:b], match_event_handler=handler)
                counts[i] = len(raw) - before
        elif self.patterns:
            for i, (a, b) in enumerate(spans):
                text = data[a:b].decode()
                found = [(p, len(text[:m.start()].encode()), len(text[:m.end()].encode()))
                         for p, rx in enumerate(self._res) for m in rx.finditer(text)]
                raw += found
                counts[i] = len(found)
        flat = np.fromiter(chain.from_iterable(raw), dtype=np.int64, count=3 * len(raw)).reshape(-1, 3)
        return flat, counts
