"""Every phrase pattern of a pack in one hyperscan database: one pass per transcript.
Plain ``re`` does the same, slower, where hyperscan is not installed."""

from __future__ import annotations

import bisect
import gc
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
            self._anchored = any(re.search(r"\\[AzZ]", p) for p in self.patterns)
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
        for pid, frm, to in self.scan_spans(data, [(0, len(data))]).tolist():
            turn = bisect.bisect_right(starts, frm) - 1
            base = starts[turn]
            hits.append(Hit(pid, turn, frm - base, to - base))
        return hits

    def scan_spans(self, data: bytes, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        """Each span of UTF-8 ``data`` scanned as if on its own (a match never runs from one into the next): the
        rows (pattern, start, end), offsets in ``data``. hyperscan reports every end of every pattern, each from its
        leftmost start.

        Spans are sorted and apart (what lies between them is a newline or more). hyperscan scans all of ``data``
        in one call; a match that starts before its span may hide one of the same pattern and end that starts
        inside it, so a span where that happens is scanned again on its own. Patterns anchored to the start or end
        of the text (``\\A``, ``\\z``, ``\\Z``) would not see a span's edges there: with them, each span is scanned
        on its own."""
        if not self.patterns or not spans:
            return np.zeros((0, 3), dtype=np.int64)
        if self.engine == "re":
            rows: list[tuple[int, int, int]] = []
            for a, b in spans:
                text = data[a:b].decode()
                rows += [(p, a + len(text[:m.start()].encode()), a + len(text[:m.end()].encode()))
                         for p, rx in enumerate(self._res) for m in rx.finditer(text)]
            return _rows(rows)
        if self._anchored:
            return np.concatenate([self._scan_one(data, a, b) for a, b in spans])
        found = self._scan_one(data, 0, len(data))
        lo = np.array([a for a, _ in spans], dtype=np.int64)
        hi = np.array([b for _, b in spans], dtype=np.int64)
        first = np.searchsorted(lo, found[:, 1], side="right") - 1  # the span a match starts in (or after)
        last = np.searchsorted(lo, found[:, 2] - 1, side="right") - 1  # the span its last byte is in (or after)
        ends_in_span = (last >= 0) & (found[:, 2] <= hi[np.maximum(last, 0)])  # not in what lies between spans
        inside = (first == last) & ends_in_span
        again = np.unique(last[~inside & ends_in_span])
        if not again.size:
            return found[inside]
        keep = inside & ~np.isin(last, again)
        return np.concatenate([found[keep], *(self._scan_one(data, int(lo[i]), int(hi[i])) for i in again.tolist())])

    def _scan_one(self, data: bytes, a: int, b: int) -> np.ndarray:
        """hyperscan's matches in ``data[a:b]``, offsets in ``data``."""
        raw: list[tuple[int, int, int]] = []
        add = raw.append
        collecting = gc.isenabled()
        gc.disable()  # a match is a small tuple; hundreds of thousands of them would set off the collector often
        try:
            self._db.scan(data[a:b] if (a, b) != (0, len(data)) else data,
                          match_event_handler=lambda pid, frm, to, flags, ctx: add((pid, frm, to)))
        finally:
            if collecting:
                gc.enable()
        rows = _rows(raw)
        rows[:, 1:] += a  # offsets in ``data``: once for all the rows, not in the callback for each
        return rows


def _rows(raw: list[tuple[int, int, int]]) -> np.ndarray:
    return np.fromiter(chain.from_iterable(raw), dtype=np.int64, count=3 * len(raw)).reshape(-1, 3)
