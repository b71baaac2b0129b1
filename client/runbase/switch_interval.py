"""The interpreter's thread switch interval while runs are live.

A training loop holds the GIL almost all the time, and CPython makes a thread that wants it wait until the
holder's switch interval (5 ms by default) runs out. The sender's every socket call, lock and wake-up then
waits that long: a batch of rows the server takes in 100 ms took 250 ms to send, and the rows logged
meanwhile piled up into the next batch, so finish() waited on them (W2: 0.30 s of a 0.77 s run). With a 1 ms
interval the same run took 0.63 s. The interval only matters while another thread wants the GIL, so a script
whose runs are idle pays nothing for it.

It is a setting of the whole process: it is shortened only while it is CPython's default (a script that set
its own keeps it), and given back when the last live run ends, unless someone changed it meanwhile."""

from __future__ import annotations

import sys
import threading

DEFAULT = 0.005  # CPython's
WHILE_LIVE = 0.001

_lock = threading.Lock()
_live = 0  # senders running that shortened the interval


def shorten() -> bool:
    """Shorten the interval for a run that starts; True when this run holds it shortened (call `restore`)."""
    global _live
    with _lock:
        if _live == 0 and sys.getswitchinterval() != DEFAULT:
            return False  # the script's own choice
        _live += 1
        sys.setswitchinterval(WHILE_LIVE)
        return True


def restore() -> None:
    """The run that shortened the interval ended: give the default back after the last one, unless the
    interval was changed meanwhile."""
    global _live
    with _lock:
        _live -= 1
        if _live == 0 and sys.getswitchinterval() == WHILE_LIVE:
            sys.setswitchinterval(DEFAULT)
