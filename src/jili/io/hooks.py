"""Test hooks, read from the environment: where a real process may be killed or made to wait,
so that tests can prove what a power cut or an overlapping command leaves behind."""

from __future__ import annotations

import os
import signal
import time


def crash_point(name: str) -> None:
    """``JILI_TEST_CRASH_AT=name`` kills the process here, as a power cut would;
    ``JILI_TEST_PAUSE_AT=name:seconds`` waits here, so that two commands overlap."""
    if os.environ.get("JILI_TEST_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
    pause = os.environ.get("JILI_TEST_PAUSE_AT", "")
    if pause.startswith(name + ":"):
        time.sleep(float(pause.split(":", 1)[1]))
