"""How the server's C heap hands memory back to the system (glibc only; elsewhere nothing changes).

glibc serves blocks over 128 KiB with fresh mmap()s until one is freed, and gives the top of the heap back
to the system whenever more than twice that is free. A history read builds arrays of a few MB (200,000
steps and values are 1.6 MB each) and frees them at once, so every request faulted its memory in afresh:
a 1,000-point sample of a 200,000-step run spent a third of its server time on page faults. Keeping blocks
up to 8 MiB on the heap and up to 32 MiB of free heap at its top bounds what an idle server holds beyond
its live data to about that much, for reads that no longer fault."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

M_TRIM_THRESHOLD = -1  # glibc's malloc.h
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 8 * 1024 * 1024
TRIM_THRESHOLD = 32 * 1024 * 1024


def keep_freed_memory() -> bool:
    """Raise glibc's mmap and trim thresholds for this process; False (and nothing changed) off glibc or where
    the operator set MALLOC_MMAP_THRESHOLD_ or MALLOC_TRIM_THRESHOLD_ (theirs win)."""
    if not sys.platform.startswith("linux") or any(name in os.environ for name in
                                                   ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and others have no mallopt
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
