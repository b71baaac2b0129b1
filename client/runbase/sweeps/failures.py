"""When an agent gives up on a program that keeps failing, as W&B's agent does: a program that cannot even
start (a typo in `program`, a missing module) would otherwise claim suggestion after suggestion, and fail
each, as long as the sweep has any.

Two rules, both W&B's: FLAPPING_FAILURES failed runs within the agent's first FLAPPING_SECONDS
(RUNBASE_AGENT_DISABLE_FLAPPING=true, or W&B's WANDB_ name, turns this off); and MAX_INITIAL_FAILURES failed
runs with none finished since the agent started (RUNBASE_AGENT_MAX_INITIAL_FAILURES changes the number)."""

from __future__ import annotations

import time
from collections.abc import Callable

from ..errors import UsageError
from ..settings.environment import env

FLAPPING_SECONDS = 60.0
FLAPPING_FAILURES = 3
MAX_INITIAL_FAILURES = 5


class Failures:
    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.started = self._clock()
        self.failed = 0
        self.succeeded = 0
        self.flapping_checked = (env("AGENT_DISABLE_FLAPPING") or "").strip().lower() != "true"
        self.max_initial = _positive("AGENT_MAX_INITIAL_FAILURES", MAX_INITIAL_FAILURES)

    def record(self, failed: bool) -> str | None:
        """Count a run's end; why the agent must stop now, or None."""
        if not failed:
            self.succeeded += 1
            return None
        self.failed += 1
        if (self.flapping_checked and self.failed >= FLAPPING_FAILURES
                and self._clock() - self.started < FLAPPING_SECONDS):
            return (f"{self.failed} runs failed in the agent's first {FLAPPING_SECONDS:g} seconds: the agent stops "
                    "(RUNBASE_AGENT_DISABLE_FLAPPING=true turns this check off)")
        if self.succeeded == 0 and self.failed >= self.max_initial:
            return (f"the first {self.failed} runs all failed: the agent stops "
                    "(RUNBASE_AGENT_MAX_INITIAL_FAILURES sets how many it tries)")
        return None


def _positive(name: str, default: int) -> int:
    text = env(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise UsageError(f"RUNBASE_{name} (or WANDB_{name}) must be a positive integer, not {text!r}")
    return value
