"""The background sender: turns what a run logs into a few large GraphQL
mutations, so `run.log()` never waits for the network.

Everything is written to the run's record log before it is sent. When the
server cannot be reached the sender keeps the data and retries with backoff;
resending is harmless because the server keys history rows by step."""

from __future__ import annotations

import json
import random
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import orjson

from ._generated.input_types import LogHistoryInput, UpsertBucketInput
from .connection import Connection
from .errors import CommError
from .records import HISTORY, RUN, RecordLog

MAX_BATCH_ROWS = 20_000
MISSING = object()


def encode_rows(rows: list[dict[str, Any]], nonfinite: bool) -> str:
    """A JSON list of rows. orjson is 15x faster but writes NaN and infinities as
    null, so rows holding them take Python's encoder, which keeps them."""
    if not nonfinite:
        try:
            return orjson.dumps(rows).decode()
        except TypeError:  # integers beyond 64 bits
            pass
    return json.dumps(rows, separators=(",", ":"))


def _same(a: Any, b: Any) -> bool:
    if a is b or a == b:
        return True
    try:  # NaN is not equal to itself; compare what would be sent
        return json.dumps(a) == json.dumps(b)
    except (TypeError, ValueError):
        return False


class Sender(threading.Thread):
    def __init__(
        self,
        connection: Connection | None,
        log: RecordLog,
        identity: dict[str, str],
        summary: dict[str, Any],
        heartbeat_seconds: float,
        max_batch_bytes: int,
        warn: Callable[[str], None],
    ) -> None:
        super().__init__(name="runbase-sender", daemon=True)
        self.connection = connection
        self.log = log
        self.identity = identity  # entityName, projectName, runName
        self.summary = summary  # the live dict the run updates; read here by snapshot
        self.heartbeat_seconds = heartbeat_seconds
        self.max_batch_bytes = max_batch_bytes
        self.warn = warn
        self.queue: deque[tuple[str, Any]] = deque()
        self.wake = threading.Event()
        self.recorded_summary: dict[str, Any] = dict(summary)
        self.pending_summary: dict[str, Any] = {}
        self.pending_batches: deque[str] = deque()  # encoded batches of rows not yet acknowledged
        self.pending_run: dict[str, Any] = {}
        self.closing = False
        self.deadline = float("inf")
        self.failed: str | None = None  # why data could not be delivered

    # -- called from the run's thread ------------------------------------------------
    def row(self, row: dict[str, Any], nonfinite: bool = False) -> None:
        self.queue.append(("row!" if nonfinite else "row", row))
        if not self.wake.is_set():
            self.wake.set()

    def update_run(self, fields: dict[str, Any]) -> None:
        self.queue.append(("run", fields))
        self.wake.set()

    def close(self, final_fields: dict[str, Any], timeout: float) -> bool:
        """Deliver everything, then the final state; False if the server could not be reached in time."""
        self.queue.append(("run", final_fields))
        self.deadline = time.monotonic() + timeout
        self.closing = True
        self.wake.set()
        self.join()
        return self.failed is None

    # -- the sender thread ------------------------------------------------------------
    def run(self) -> None:
        backoff = 0.0
        last_contact = time.monotonic()
        while True:
            self.wake.wait(backoff or self.heartbeat_seconds)
            self.wake.clear()
            self._drain()
            if self.connection is None:  # offline: the record log is the whole job
                self.pending_batches.clear()
                self.pending_run.clear()
                self.pending_summary.clear()
                if self.closing and not self.queue:
                    return
                continue
            try:
                sent = self._send()
                if not sent and time.monotonic() - last_contact >= self.heartbeat_seconds:
                    self._send_history("[]")
                last_contact = time.monotonic()
                backoff = 0.0
            except CommError as exc:
                if not exc.retryable:
                    self.warn(f"the server rejected {self._drop_rejected()} and it was dropped: {exc}")
                    continue
                backoff = min(10.0, max(0.25, backoff * 2)) * random.uniform(0.8, 1.2)
                if self.closing and time.monotonic() + backoff > self.deadline:
                    self.failed = str(exc)
                    return
            if self.closing and not (self.queue or self.pending_batches or self.pending_run or self.pending_summary):
                return

    def _drain(self) -> None:
        rows: list[dict[str, Any]] = []
        nonfinite = False
        while self.queue:
            kind, payload = self.queue.popleft()
            if kind == "row" or kind == "row!":
                rows.append(payload)
                nonfinite = nonfinite or kind == "row!"
                continue
            self._record_rows(rows, nonfinite)
            rows, nonfinite = [], False
            self.log.write(RUN, payload)
            self.pending_run.update(payload)
        self._record_rows(rows, nonfinite)
        self._record_summary()

    def _record_summary(self) -> None:
        current = dict(self.summary)  # one atomic copy; the run thread keeps writing
        delta = {k: v for k, v in current.items() if not _same(self.recorded_summary.get(k, MISSING), v)}
        delta.update({k: None for k in self.recorded_summary.keys() - current.keys()})
        if delta:
            self.log.write(HISTORY, {"rows": "[]", "summaryMetrics": json.dumps(delta)})
            self.pending_summary.update(delta)
            self.recorded_summary = current

    def _record_rows(self, rows: list[dict[str, Any]], nonfinite: bool) -> None:
        for start in range(0, len(rows), MAX_BATCH_ROWS):
            self._record_batch(rows[start:start + MAX_BATCH_ROWS], nonfinite)

    def _record_batch(self, rows: list[dict[str, Any]], nonfinite: bool) -> None:
        encoded = encode_rows(rows, nonfinite)
        if len(encoded) > self.max_batch_bytes and len(rows) > 1:
            half = len(rows) // 2
            self._record_batch(rows[:half], nonfinite)
            self._record_batch(rows[half:], nonfinite)
            return
        self.log.write(HISTORY, {"rows": encoded})
        self.pending_batches.append(encoded)

    def _send(self) -> bool:
        """Send what is pending: run fields, then history with the summary; True if anything went."""
        sent = False
        run_fields = self.pending_run
        final = run_fields.get("state") not in (None, "running")
        if run_fields and not final:
            self._upsert(run_fields)
            sent = True
        while self.pending_batches:
            self._send_history(self.pending_batches[0])
            self.pending_batches.popleft()
            sent = True
        if self.pending_summary:
            self._send_history("[]")
            sent = True
        if final:
            self._upsert(run_fields)
            sent = True
        return sent

    def _drop_rejected(self) -> str:
        """Drop the one item _send was sending when the server refused it (it sends in this order)."""
        if self.pending_run and self.pending_run.get("state") in (None, "running"):
            self.pending_run = {}
            return "a run update"
        if self.pending_batches:
            self.pending_batches.popleft()
            return "a batch of history rows"
        if self.pending_summary:
            self.pending_summary = {}
            return "a summary update"
        self.pending_run = {}
        return "the final run state"

    def _upsert(self, fields: dict[str, Any]) -> None:
        self.connection.upsert_bucket(UpsertBucketInput.model_validate({
            "modelName": self.identity["projectName"], "entityName": self.identity["entityName"],
            "name": self.identity["runName"], **fields}))
        self.pending_run = {}

    def _send_history(self, batch: str) -> None:
        """One batch of rows, with the summary changes recorded so far riding along."""
        delta = self.pending_summary
        self.connection.log_history(LogHistoryInput.model_validate({
            **self.identity,
            "rows": batch,
            "summaryMetrics": json.dumps(delta) if delta else None,
        }))
        if delta is self.pending_summary:
            self.pending_summary = {}


def print_warning(message: str) -> None:
    print(f"runbase: WARNING {message}", file=sys.stderr, flush=True)
