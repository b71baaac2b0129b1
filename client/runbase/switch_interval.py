"""The interpreter's thread switch interval while runs are live.

A training loop holds the GIL almost all the time, and CPython makes a thread that wants it wait until the
holder's switch interval (5 ms by default) runs out, so the sender's every socket call, lock and wake-up waited
that long and batches of rows went out late and large. While a run's sender is running the interval is 1 ms.
It is a setting of the whole process: the script's own threads also take turns every 1 ms while they contend
for the GIL (CPU-bound threads lose a little throughput; nothing changes for a single-threaded script).

An interval other than CPython's default is the script's own and is left alone, whenever it was set; the
default comes back when the last sender ends, unless the interval was changed meanwhile. A forked child has
its parent's count but none of its senders: it starts over from the default."""

from __future__ import annotations

import os
import sys
import threading

DEFAULT = 0.005  # CPython's
WHILE_LIVE = 0.001

_lock = threading.Lock()
_live = 0  # senders running that shortened the interval


def shorten() -> bool:
    """Shorten the interval for a sender that starts; True when it holds it shortened (call `restore`)."""
    global _live
    with _lock:
        now = sys.getswitchinterval()
        if now != DEFAULT and not (_live and now == WHILE_LIVE):
            return False  # the script's own choice, made before this run or during another
        _live += 1
        sys.setswitchinterval(WHILE_LIVE)
        return True


def restore() -> None:
    """A sender that shortened the interval ended: the default comes back after the last one, unless the
    interval was changed meanwhile."""
    global _live
    with _lock:
        _live -= 1
        if _live == 0 and sys.getswitchinterval() == WHILE_LIVE:
            sys.setswitchinterval(DEFAULT)


def _after_fork_in_child() -> None:
    global _lock, _live
    _lock = threading.Lock()  # another thread may have held it at the fork
    if _live and sys.getswitchinterval() == WHILE_LIVE:
        sys.setswitchinterval(DEFAULT)
    _live = 0


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
