"""Adapters for the two real Chinese customer-service corpora in ../shared/data (read there,
never copied): JDDC chats (tab-separated, waiter_send 1 = agent) and STC-3 dialogues
(helpdesk = agent). Neither has timestamps."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from jili.autoqa.transcript import Transcript, Turn


def jddc(path: Path) -> Iterator[Transcript]:
    """session id, user id, waiter_send, is_transfer, is_repeat, sku, text — one message a line,
    sessions in order."""
    session: str | None = None
    turns: list[Turn] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(row) < 7:
                continue
            sid, text = row[0], "\t".join(row[6:])
            if sid != session and session is not None:
                yield Transcript(session, tuple(turns), channel="chat")
                turns = []
            session = sid
            turns.append(Turn("agent" if row[2].strip() == "1" else "customer", text))
    if session is not None:
        yield Transcript(session, tuple(turns), channel="chat")


def stc3(path: Path) -> Iterator[Transcript]:
    """A JSON list of dialogues: turns with sender customer/helpdesk and a list of utterances."""
    for dialogue in json.loads(path.read_text(encoding="utf-8")):
        turns = tuple(Turn("agent" if t.get("sender") == "helpdesk" else "customer",
                           " ".join(u for u in t.get("utterances", []) if u))
                      for t in dialogue.get("turns", []))
        yield Transcript(str(dialogue.get("id")), turns, channel="social")  # public replies on Weibo


def jsonl(path: Path) -> Iterator[Transcript]:
    """Transcripts in Jili's own format: one JSON object a line with interaction_id and turns."""
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            obj = json.loads(line)
            yield Transcript(str(obj["interaction_id"]),
                             tuple(Turn(t.get("speaker", "agent"), t.get("text", ""), t.get("start_ms"), t.get("end_ms"))
                                   for t in obj.get("turns", [])), obj.get("agent_id"), obj.get("hung_up_by"),
                             channel=obj.get("channel"))


@dataclass(frozen=True, slots=True)
class Rating:
    """The raters' means of one STC-3 dialogue (each rater -2..2): task accomplished, satisfaction, effectiveness."""

    a: float
    s: float
    e: float
    raters: int


def stc3_ratings(path: Path) -> dict[str, Rating]:
    """Each rated dialogue's mean A, S and E over its raters (dialogues without annotations are absent)."""
    out = {}
    for dialogue in json.loads(path.read_text(encoding="utf-8")):
        marks = [a.get("quality", {}) for a in dialogue.get("annotations", []) if isinstance(a, dict)]
        marks = [m for m in marks if all(k in m for k in "ASE")]
        if marks:
            n = len(marks)
            out[str(dialogue.get("id"))] = Rating(sum(m["A"] for m in marks) / n, sum(m["S"] for m in marks) / n,
                                                  sum(m["E"] for m in marks) / n, n)
    return out
