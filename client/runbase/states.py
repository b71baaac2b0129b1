"""Run states as the server records them, and the state a run's process gives it when it ends.

As in W&B: exit code 0 is "finished" and any other "failed" (an uncaught Ctrl-C is exit code 255, an
exception inside `with runbase.init()` is 1); a run that stops sending heartbeats is "crashed", or
"preempted" after run.mark_preempting(). runbase also marks a run ended by SIGTERM "killed", with the
shell's exit code for a signal (128 + its number), where W&B leaves it to crash."""

from __future__ import annotations

FINAL_STATES = frozenset(("finished", "failed", "crashed", "killed", "preempted"))
LIVE_STATES = frozenset(("running", "preempting"))
CTRL_C_EXIT_CODE = 255  # what W&B's exit hook records for an uncaught KeyboardInterrupt
SIGNAL_EXIT_BASE = 128


def ended_state(exit_code: int | None) -> str:
    return "finished" if not exit_code else "failed"


def exit_status(code: object) -> int:
    """The status Python exits with for sys.exit(code) or an uncaught SystemExit(code): None is 0, an integer
    itself, anything else (a message, printed) 1."""
    if code is None:
        return 0
    return int(code) if isinstance(code, int) else 1


def exception_exit_code(exc: BaseException) -> int:
    """The exit code a run ends with when `exc` ends it uncaught: a SystemExit's own status, Ctrl-C W&B's 255,
    any other exception 1."""
    if isinstance(exc, SystemExit):
        return exit_status(exc.code)
    return CTRL_C_EXIT_CODE if isinstance(exc, KeyboardInterrupt) else 1
