"""Time behind a seam: commands that wait (apply's probes and rollbacks, verify --interval) take a `Clock`,
so tests run them on a fake clock instead of sleeping."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float: ...
    def sleep(self, seconds: float) -> None: ...


class RealClock:
    """Monotonic time: the try-mode deadline must not move with the wall clock."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)
