"""Decoded numeric columns of compacted history segments, kept in the server's memory up to a budget of bytes.

A chart, a dashboard polling a live run, or a zoom reads the same segments again and again, and on
PostgreSQL moving a segment's bytes out of the database costs more than everything else a sample does (W4's
1,000-point sample of 200,000 steps: 1.5 MB, 1.8-2.9 ms of its 8-9 ms). Segments never change in place: each
row of a segment table is written with a random `written` token, and any rewrite (a rewind, a fork) is a new
row with a new token. A read plans first and learns each segment's token, so an entry found under that token
holds exactly what the database holds; nothing is ever invalidated, old entries just age out.

Each server process keeps its own cache, so servers sharing a database need no coordination."""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy.orm import Session

SEGMENT_CACHE = "runbase.history.segment_cache"  # Database.info: the server's SegmentCache
# What an entry costs beyond its arrays (its key, the Part, the array and bytes objects, the map's slot: about
# 820 bytes measured), charged to the budget so that many tiny parts (sparse keys) cannot hold far more memory
# than it says.
ENTRY_BYTES = 1024


def new_token() -> int:
    """A segment row's `written` token: random, so that no rewrite can ever repeat an earlier one."""
    return secrets.randbits(63)


class Part(NamedTuple):
    """One key's column of a segment, decoded: the steps where it has values (None: every row of the
    segment) and its values (None for "_step", whose steps are the segment's rows)."""

    kind: str
    steps: np.ndarray | None
    values: Any


class SegmentKey(NamedTuple):
    stream: str
    run_id: int
    first_step: int
    key: str
    written: int


class SegmentCache:
    """A least-recently-used map of SegmentKey to Part, holding at most `budget` bytes (of arrays, plus
    ENTRY_BYTES an entry); thread-safe, since requests read history on the server's worker threads. Only
    numeric parts are kept: their arrays are read-only views of the bytes read, where JSON values would be
    lists that a reader might change."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._parts: OrderedDict[SegmentKey, tuple[Part, int]] = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()

    @staticmethod
    def of(session: Session) -> SegmentCache | None:
        cache = session.info.get(SEGMENT_CACHE)
        return cache if isinstance(cache, SegmentCache) and cache.budget > 0 else None

    @property
    def held(self) -> int:
        """Bytes charged for what is held now."""
        return self._held

    def __len__(self) -> int:
        return len(self._parts)

    def get(self, key: SegmentKey) -> Part | None:
        with self._lock:
            found = self._parts.get(key)
            if found is None:
                return None
            self._parts.move_to_end(key)
            return found[0]

    def put(self, key: SegmentKey, part: Part) -> None:
        if part.kind == "json":
            return
        size = ENTRY_BYTES + sum(array.nbytes for array in (part.steps, part.values) if isinstance(array, np.ndarray))
        if size > self.budget:
            return
        for array in (part.steps, part.values):
            if isinstance(array, np.ndarray):
                array.flags.writeable = False  # shared by every later read: none may change it
        with self._lock:
            old = self._parts.pop(key, None)
            if old is not None:
                self._held -= old[1]
            self._parts[key] = (part, size)
            self._held += size
            while self._held > self.budget:
                _, (_, freed) = self._parts.popitem(last=False)
                self._held -= freed
