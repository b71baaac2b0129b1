"""The server's background jobs, and what makes each run once however many servers share one PostgreSQL
database (any server may be added, or killed, at any time):

- crash detection (`mark_crashed_runs`): every quarter of the heartbeat timeout (1 to 30 s), runs that stopped
  sending heartbeats are marked crashed. One server sweeps at a time (an advisory lock; the others skip that
  turn), and each run's UPDATE re-checks its state, so a run is marked, and its automations fire, once. Silence
  counts only while heartbeats could be stored (`Hearing`): not before this server's start, nor across an outage.
- housekeeping (`housekeep`): artifact versions past their TTL are deleted, then the blobs that nothing uses
  and nobody stored or touched within the grace period. One collector at a time (an advisory lock held for
  the whole pass), and one pass per interval over all servers (the end of the last pass is kept in the
  database), so a bucket is not listed once per server. Files attached through other servers during a long
  pass are safe: each batch is checked again and deleted under the blob lock (blobs.lock_blobs).
- deliveries and schedules (automations/worker.py): each due delivery is claimed by one server (a lease with a
  token), and a schedule fires only for the server that moves its next due time forward.
- pruning old deliveries (automations/worker.py): hourly, in turn, like housekeeping.

On SQLite one server per database is the supported mode, and every turn is this server's."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from starlette.concurrency import run_in_threadpool

from .artifacts import blobs, stores, versions
from . import database
from .database import STARTUP_LOCK, Database
from .runs import runs
from .settings import ServerSettings
from .tables import ServerState, utcnow

log = logging.getLogger("runbase.server")
T = TypeVar("T")
# A pass counts as due this fraction of an interval after the last one: each server sleeps a whole interval
# between its tries, so a pass that was due a moment later than it looked is not put off for a whole interval.
DUE_EARLY = 0.9


@dataclass(frozen=True)
class Job:
    name: str  # where its last pass is kept (ServerState)
    lock: int  # its advisory lock


CRASH_SWEEP = Job("crash sweep", STARTUP_LOCK + 1)
HOUSEKEEPING = Job("housekeeping", STARTUP_LOCK + 2)
DELIVERY_PRUNING = Job("delivery pruning", STARTUP_LOCK + 3)


def in_turn(db: Database, job: Job, work: Callable[[], T], *, every: float | None = None) -> T | None:
    """`work()` when it is this server's turn: no other server is running the job, and (with `every`, in
    seconds) none finished it less than that long ago; None when it is not."""
    with db.exclusive(job.lock) as mine:
        if not mine:
            return None
        if every is not None:
            with db.session() as session:
                last = session.get(ServerState, job.name)
                if last is not None and utcnow() - last.updated_at < timedelta(seconds=every * DUE_EARLY):
                    return None
        done = work()
        if every is not None:
            with db.session() as session:
                session.merge(ServerState(name=job.name, value=f"{socket.gethostname()} pid {os.getpid()}",
                                          updated_at=utcnow()))
        return done


async def _every(seconds: float, what: str, step: Callable[[], None]) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            await run_in_threadpool(step)
        except Exception:  # try again next time; one failed pass is not fatal
            log.exception("%s failed", what)


class Hearing:
    """How long a run must have been silent to have crashed: the heartbeat timeout, counted only over the time
    heartbeats could have been stored, as far as this server saw: not before it started, and not across a gap
    from a pass that failed (the database unreachable) or found it read-only (a standby) to the next good one.
    So an outage, or every server being down, does not make live runs look crashed; it only delays marking by
    about its own length, and a flapping database cannot stop it (the time between its refusals counts)."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.started = time.monotonic()
        self.gaps: list[tuple[float, float]] = []  # (from, to), oldest first
        self.failing_since: float | None = None

    def lost(self) -> None:
        if self.failing_since is None:
            self.failing_since = time.monotonic()

    def silent_for(self) -> float | None:
        """Seconds back from now to where a whole timeout of hearing begins; None while there has not been one
        since the start. Call it at each good pass."""
        now = time.monotonic()
        if self.failing_since is not None:
            self.gaps.append((self.failing_since, now))
        self.failing_since = None
        needed, at = self.timeout, now
        for begun, ended in reversed(self.gaps):
            if at - ended > needed:
                break
            needed, at = needed - (at - ended), begun
        if at - needed < self.started:
            return None
        self.gaps = [gap for gap in self.gaps if gap[1] > at - needed]  # older ones no longer count
        return now - (at - needed)


async def mark_crashed_runs(db: Database, timeout: int, notify: Callable[[], None]) -> None:
    """`notify` wakes this server's delivery worker when a crash fired automations."""
    hearing = Hearing(timeout)

    def sweep() -> None:
        with db.session() as session:
            if not database.writable(session):  # a standby: heartbeats are refused too
                hearing.lost()
                return
            silent_for = hearing.silent_for()
            if silent_for is not None and runs.mark_crashed(session, timedelta(seconds=silent_for)):
                notify()

    def step() -> None:
        try:
            in_turn(db, CRASH_SWEEP, sweep)
        except Exception:
            hearing.lost()
            raise

    await _every(max(1.0, min(30.0, timeout / 4)), "marking crashed runs", step)


async def housekeep(db: Database, settings: ServerSettings) -> None:
    """Delete artifact versions past their TTL, then the blobs nothing uses any more (in that order:
    expiry removes the manifest entries that garbage collection counts as uses)."""
    store = stores.store_for(settings)

    def collect() -> None:
        with db.session() as session:
            expired = versions.expire(session)
        collected = blobs.collect_garbage(db, store, settings.blob_gc_grace_seconds)
        if expired or collected:
            log.info("deleted %d expired artifact versions and %d unused blobs", expired, collected)

    await _every(settings.blob_gc_interval_seconds, "housekeeping (artifact TTLs, unused blobs)",
                 lambda: in_turn(db, HOUSEKEEPING, collect, every=settings.blob_gc_interval_seconds))


def start(db: Database, settings: ServerSettings, notify: Callable[[], None]) -> list[asyncio.Task[None]]:
    """The jobs of the server's event loop (the delivery worker runs in a thread of its own)."""
    tasks = [asyncio.create_task(mark_crashed_runs(db, settings.heartbeat_timeout_seconds, notify))]
    if settings.blob_gc_interval_seconds > 0:
        tasks.append(asyncio.create_task(housekeep(db, settings)))
    return tasks
