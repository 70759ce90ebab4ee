"""Transcripts as the auto-QA engine reads them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Turn:
    speaker: str  # agent, customer, system
    text: str
    start_ms: int | None = None
    end_ms: int | None = None


@dataclass(frozen=True, slots=True)
class Transcript:
    id: str
    turns: tuple[Turn, ...]
    agent_id: str | None = None
    hung_up_by: str | None = None  # from the interaction record (R1's hang-up item)
    hold_seconds: int | None = None
    channel: str | None = None  # voice, chat, social: rules may be scoped to some (a greeting is not expected on Weibo)
    started_at: dt.datetime | None = None  # when the call started (the workspace's calls; places its scores in a period)
