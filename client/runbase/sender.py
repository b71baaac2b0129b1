"""The background sender: turns what a run logs into a few large GraphQL
mutations, so `run.log()` never waits for the network. System metrics (the
system stream) travel in requests of their own, numbered like console lines.

Everything is written to the run's record log before it is sent. When the
server cannot be reached the sender keeps the data and retries with backoff;
resending is harmless because the server keys history rows by step and
console lines by number. Alerts go after the data logged before them and are
delivered at least once: an alert whose answer was lost (a timeout after the
server accepted it) is sent again, and the server's per-title throttle absorbs
that resend only when it arrives within the alert's wait_duration (a
wait_duration of 0, or a resend after an outage longer than it, can post the
alert twice). The server has no idempotency key for alerts yet."""

from __future__ import annotations

import json
import random
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from . import switch_interval
from .console import ConsoleLines, ignore_this_thread
from .errors import ArtifactNotLoggedError, CommError
from .records import ALERT, ALERT_SENT, ARTIFACT, ARTIFACT_SENT, ENDED_HERE, FILES, FILES_SENT, HISTORY, RUN, SYSTEM, \
    RecordLog
from .states import FINAL_STATES
from .uploads import Job, RunFilesJob, Uploader

# The generated input models (pydantic) are imported where a request is made: an offline run makes none.
if TYPE_CHECKING:
    from ._generated.input_types import UpsertBucketInput
    from .artifacts.transfer import ArtifactJob
    from .connection import Connection
    from .settings import Settings

MAX_BATCH_ROWS = 20_000
BACKOFF_MIN, BACKOFF_MAX = 0.25, 10.0  # seconds
MAX_CONSOLE_LINES = 5_000  # per request and per record
ROWS_TICK = 0.02  # while a batch of rows is in flight, how often the rows logged meanwhile are recorded
CONSOLE_TICK = 0.2  # while the console is captured, the longest printed lines wait before being recorded
CONSOLE_STREAMS = ("stdout", "stderr")  # queue items (stream name, text) come straight from the capture
# What a drain takes from the queue while a batch of rows is in flight (_drain's `partial`).
WHILE_SENDING = frozenset(("row!", "system", *CONSOLE_STREAMS, "files", "artifact", "upload_done"))
MISSING = object()  # no value: a key the summary does not hold (any more)
FINAL_FIELDS = frozenset(("state", "exitCode"))
CLOSE_GRACE = 1.0  # seconds close() waits past its deadline for a request in flight to come back
# How often a live run asks whether it was asked to stop (W&B's client: every 15 s), or at each heartbeat where
# heartbeats come more often.
STOP_POLL_SECONDS = 15.0
PREEMPTING_WAIT = 5.0  # seconds mark_preempting() waits for the server before leaving its news to the sender
TAKE_OVER_WAIT = 2.0  # seconds a caller taking over the record log waits for the sender to finish a write
CONSOLE_BATCH = "a batch of console lines"  # what the request in flight carries (Sender.sending)
SYSTEM_BATCH = "a batch of system metrics"


def events_row(row: dict[str, Any]) -> dict[str, Any]:
    """A system metrics sample as W&B's events hold it: every metric under "system.", the keys starting
    with "_" (_timestamp, _runtime) as they are, and "_wandb": true."""
    line: dict[str, Any] = {"_wandb": True}
    for key, value in row.items():
        if not isinstance(key, str):
            raise TypeError(f"system metrics keys must be strings, not {key!r}")
        line[key if key.startswith("_") else "system." + key] = value
    return line


def encode_rows(rows: list[dict[str, Any]], nonfinite: bool) -> str:
    """A JSON list of rows. orjson is 15x faster but writes NaN and infinities as
    null, so rows holding them take Python's encoder, which keeps them."""
    if not nonfinite:
        try:
            return orjson.dumps(rows).decode()
        except TypeError:  # integers beyond 64 bits
            pass
    return json.dumps(rows, separators=(",", ":"))


def summary_fields(delta: dict[str, Any]) -> dict[str, Any]:
    """LogHistoryInput's summary fields for a delta in which MISSING marks a removed key. Removals travel
    apart because None is a value the summary keeps (as W&B does); the list is written even when empty,
    which tells `runbase sync` that a record's nulls are values (older logs meant removals by them)."""
    return {"summaryMetrics": json.dumps({key: value for key, value in delta.items() if value is not MISSING}),
            "removeSummaryKeys": [key for key, value in delta.items() if value is MISSING]}


def wire_form(fields: dict[str, Any]) -> dict[str, Any]:
    """LogHistoryInput fields as sent: removeSummaryKeys only when it names a key, so that a server older
    than the field (which refuses it) still takes every row and summary update that removes nothing."""
    if fields.get("removeSummaryKeys") == []:
        return {key: value for key, value in fields.items() if key != "removeSummaryKeys"}
    return fields


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
        identity: dict[str, str | None],
        summary: dict[str, Any],
        *,
        heartbeat_seconds: float,
        max_batch_bytes: int,
        backoff: tuple[float | None, float | None] = (None, None),
        warn: Callable[[str], None],
        silent: bool,
        console_path: Path | None = None,
        console_start: int = 0,
        system_start: int = 0,
        on_stop: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(name="runbase-sender", daemon=True)
        self.connection = connection
        self.log = log
        self.identity = identity  # entityName, projectName, runName
        self.summary = summary  # the live dict the run updates; read here by snapshot
        self.heartbeat_seconds = heartbeat_seconds
        self.max_batch_bytes = max_batch_bytes
        # Seconds between tries after a failed request (W&B's x_file_stream_retry_wait_*_seconds).
        self.backoff_min = BACKOFF_MIN if backoff[0] is None else backoff[0]
        self.backoff_max = max(self.backoff_min, BACKOFF_MAX if backoff[1] is None else backoff[1])
        self.warn = warn
        # Called once, in this thread, when the server says the run was asked to stop (online runs only).
        self.on_stop = on_stop if connection is not None else None
        self.stop_poll_seconds = min(STOP_POLL_SECONDS, heartbeat_seconds)
        self.stop_check_at = 0.0  # when to ask again
        self.silent = silent  # the run's SILENT, which its artifact uploads follow
        self.queue: deque[dict[str, Any] | tuple[str, Any]] = deque()  # rows, and (kind, payload) for the rest
        self.wake = threading.Event()
        self.recorded_summary: dict[str, Any] = dict(summary)
        self.pending_summary: dict[str, Any] = {}
        self.summary_apart = False  # the summary goes in a request of its own (one carrying rows with it was refused)
        self.pending_batches: deque[str] = deque()  # encoded batches of rows not yet acknowledged
        self.sending_batches = 0  # how many of them the request in flight carries
        self.unmerged = 0  # how many of them go one per request (a request carrying them together was refused)
        self.pending_run: dict[str, Any] = {}
        self.console_path = console_path  # output.log, written as lines arrive; None once writing it failed
        self.capturing = console_path is not None  # the console is captured: look at the queue every tick
        self.console_file: Any = None
        self.console_lines = ConsoleLines()
        self.console_next = console_start  # number of the next console line
        self.pending_console: deque[tuple[int, str]] = deque()  # (first line number, JSON list of lines)
        self.console_refused = False  # the server refused console lines: stop sending them
        self.system_next = system_start  # number of the next system row (a resumed run's eventsLineCount)
        self.pending_system: deque[tuple[int, str]] = deque()  # (first row number, JSON list of rows)
        self.system_refused = False  # the server refused system rows (one older than them): stop sending them
        self.alerts_recorded = 0
        self.pending_alerts: deque[tuple[int, dict[str, Any]]] = deque()  # (number in the log, input fields)
        self.artifacts_recorded = 0
        self.uploader: Uploader | None = None  # started with the first artifact or run file
        self.files_recorded = 0
        self.sending = ""  # what the request in flight carries, for a rejection's warning
        self.closing = False
        self.deadline = float("inf")
        self.failed: str | None = None  # why data could not be delivered
        self.broken = False  # recording failed: nothing more is recorded or sent
        self.aborting = False  # Ctrl-C during close(): record what is queued, send nothing more
        # Whoever holds `recording` writes the record log: this thread, or the caller of close() or abandon()
        # once it has taken the log over (handed_over) from a sender stuck in a request. `ended` says the thread
        # is done: after a Thread.join() interrupted by Ctrl-C, CPython before 3.13 (gh-90882) takes the thread
        # for stopped, so neither join() nor is_alive() can be trusted then.
        self.recording = threading.Lock()
        self.handed_over = False
        self.ended = threading.Event()
        # For run.status(): records meant for the server so far, how many of them the run fields and summary
        # update waiting to go merge, uploads settled, and when the server last took something.
        self.recorded = 0
        self.run_records = 0
        self.summary_records = 0
        self.uploads_settled = 0
        self.synced_at: float | None = None

    # -- called from the run's thread ------------------------------------------------
    def row(self, row: dict[str, Any], nonfinite: bool = False) -> None:
        self.queue.append(("row!", row) if nonfinite else row)  # a plain row as itself: no tuple to make
        if not self.wake.is_set():
            self.wake.set()

    def update_run(self, fields: dict[str, Any]) -> None:
        self.queue.append(("run", fields))
        self.wake.set()

    def console(self, stream: str, text: str) -> None:
        """What the script wrote to stdout or stderr, from any thread. The console capture appends
        (stream, text) to `queue` itself, which is the same and cheaper; nothing wakes the sender:
        it looks at the queue every CONSOLE_TICK seconds and splits the text into lines then."""
        self.queue.append((stream, text))

    def system(self, row: dict[str, Any]) -> None:
        """A system metrics sample from any thread (the sampler's): raw keys ("cpu", "gpu.0.gpu") with its
        "_timestamp" and "_runtime". Encoded here as W&B's events row, so that a row JSON cannot hold raises
        TypeError or ValueError in the caller, queueing nothing; then recorded and sent with the next batch
        or heartbeat, never waking the sender (a sample every few seconds needs no request of its own)."""
        self.queue.append(("system", json.dumps(events_row(row), separators=(",", ":"))))

    def preempting(self) -> None:
        """run.mark_preempting(): sent from the calling thread at once, the process may be killed any moment;
        where the server does not answer within PREEMPTING_WAIT, the sender sends it with the rest. Recorded in
        the record log either way."""
        fields = {"state": "preempting"}
        if self.connection is not None:
            try:
                self.connection.upsert_bucket(self._run_input(fields), timeout=PREEMPTING_WAIT)
            except CommError:
                pass
            else:
                self.queue.append(("run_sent", fields))
                self.wake.set()
                return
        self.update_run(fields)

    def alert(self, fields: dict[str, Any]) -> None:
        """NotifyScriptableRunAlertInput fields other than the run's identity. Delivered at least once:
        see the module's docstring."""
        self.queue.append(("alert", fields))
        self.wake.set()

    def artifact(self, job: ArtifactJob) -> None:
        """An artifact to upload after what was logged before it; the run is not marked finished
        before its upload is done."""
        self.queue.append(("artifact", job))
        self.wake.set()

    def files(self, names: list[str]) -> None:
        """Run files (media that run.log stored) to upload in the background, in order with artifacts."""
        self.queue.append(("files", names))
        self.wake.set()

    def close(self, final_fields: dict[str, Any] | None, timeout: float) -> bool:
        """Deliver everything, then the final state; False if the server could not be reached in time. A
        request still in flight at the deadline is left behind: what is queued is then recorded here."""
        self.queue.append(("console_end", None))
        self.queue.append(_ending(final_fields))
        self.deadline = time.monotonic() + timeout
        self.closing = True
        self.wake.set()
        if not self.ended.wait(timeout + CLOSE_GRACE):
            self.failed = self.failed or f"the server did not answer within {timeout:g} s"
            self.take_over()
        return self.failed is None

    def abandon(self, final_fields: dict[str, Any] | None) -> bool:
        """After Ctrl-C (or SIGTERM) during close(): record what is queued (with the final state, if close() had
        not queued it yet) for `runbase sync` in the calling thread, not waiting for a request in flight, and
        send nothing more. False if the record log could not be taken over (the sender is stuck writing it)."""
        if not self.closing:
            self.queue.append(("console_end", None))
            self.queue.append(_ending(final_fields))
            self.closing = True
        self.failed = self.failed or "interrupted while sending the run's last data"
        self.aborting = True
        self.wake.set()
        return self.take_over()

    def take_over(self) -> bool:
        """Record what is queued in the calling thread and keep the sender from recording anything more (it
        ends once its request in flight comes back); False if the sender did not finish its write in time."""
        if self.ended.is_set():
            return True
        if not self.recording.acquire(timeout=TAKE_OVER_WAIT):
            return False
        try:
            if not self.handed_over and not self.broken:
                self.handed_over = True
                self._drain()
                self._close_console_file()
        except Exception as exc:  # noqa: BLE001 - e.g. the disk is full: what was recorded stays
            self.failed = f"recording the run's data failed: {exc!r}"
            self.warn(f"{self.failed}; the run's record log is incomplete")
        finally:
            self.recording.release()
        return True

    def status(self, timeout: float) -> tuple[int, int, float | None]:
        """Records meant for the server so far, how many of them it does not have yet (all, offline), and when
        it last took something. What was queued before the call is recorded first (waiting at most `timeout`)."""
        if not self.ended.is_set() and not self.handed_over and not self.broken:
            answered = threading.Event()
            self.queue.append(("status", answered))
            self.wake.set()
            answered.wait(timeout)
        if self.connection is None:
            return self.recorded, self.recorded, None
        pending = (len(self.pending_batches) + len(self.pending_console) + len(self.pending_system)
                   + len(self.pending_alerts) + (self.run_records if self.pending_run else 0)
                   + (self.summary_records if self.pending_summary else 0)
                   + self.artifacts_recorded + self.files_recorded - self.uploads_settled)
        return self.recorded, pending, self.synced_at

    # -- the sender thread ------------------------------------------------------------
    def run(self) -> None:
        ignore_this_thread()
        shortened = switch_interval.shorten()
        try:
            self._loop()
        except BaseException as exc:  # noqa: BLE001 - a bug here must not leave finish() reporting success
            self.failed = self.failed or f"the sender stopped: {exc!r}"
            self.broken = True
            raise
        finally:
            with self.recording:
                self._close_console_file()
            if self.uploader is not None:
                self.uploader.stop()
                self.failed = self.failed or self.uploader.failed
            if shortened:
                switch_interval.restore()
            self.ended.set()

    def _loop(self) -> None:
        backoff = 0.0
        retry_at = 0.0  # after a failed send: no sending before this, unless something wakes the sender
        last_contact = time.monotonic()
        while True:
            wait = backoff or self.heartbeat_seconds
            if self.on_stop is not None and not self.closing and not backoff:
                wait = min(wait, max(0.0, self.stop_check_at - time.monotonic()))
            woken = self.wake.wait(min(wait, CONSOLE_TICK) if self.capturing else wait)
            self.wake.clear()
            if not self._record():
                return  # the caller records what is left
            if self.broken:
                self._discard()
                return
            connection = self.connection
            if connection is None:  # offline: the record log is the whole job
                for pending in (self.pending_batches, self.pending_run, self.pending_summary, self.pending_console,
                                self.pending_system, self.pending_alerts):
                    pending.clear()
                if self.closing and not self.queue:
                    return
                continue
            if not woken and time.monotonic() < retry_at:
                continue  # a console tick during a backoff: record what was printed, send later
            try:
                if self._send(connection):
                    last_contact = time.monotonic()
                    self.synced_at = time.time()
                elif time.monotonic() - last_contact >= self.heartbeat_seconds:
                    self.sending = "a heartbeat"
                    self._send_history(connection, "[]")
                    last_contact = time.monotonic()
                    self.synced_at = time.time()
                backoff = 0.0
                if self.on_stop is not None and not self.closing and time.monotonic() >= self.stop_check_at:
                    self._check_stop(connection)
            except CommError as exc:
                if not exc.retryable:
                    self.warn(f"the server rejected {self._drop_rejected()}: {exc}")
                    self.wake.set()  # the rest goes at once
                    continue
                backoff = min(self.backoff_max, max(self.backoff_min, backoff * 2)) * random.uniform(0.8, 1.2)
                retry_at = time.monotonic() + backoff
                if self.closing and retry_at > self.deadline:
                    self.failed = str(exc)
                    return
            except Exception as exc:  # noqa: BLE001 - e.g. a payload the client refuses to encode
                self.warn(f"could not send {self._drop_rejected()}: {exc!r}")
                self.wake.set()
                continue
            # The uploader hands back a finished job before it leaves its queue: look at the uploader first.
            if self.closing and not self._uploading() and not (
                    self.queue or self.pending_batches or self.pending_run or self.pending_summary
                    or self.pending_console or self.pending_system or self.pending_alerts):
                return

    def _record(self, *, partial: bool = False) -> bool:
        """Record what is queued (_drain) unless the record log was taken over (False then); a failure to write,
        e.g. a full disk, is said once and stops the taking of data."""
        with self.recording:
            if self.handed_over or self.aborting:
                return False
            if self.broken:
                return True
            try:
                self._drain(partial)
            except Exception as exc:  # noqa: BLE001 - e.g. the disk is full: say so, and stop taking data
                self.failed = f"recording the run's data failed: {exc!r}"
                self.broken = True
                self.warn(f"{self.failed}; nothing more of this run is recorded or sent")
        return True

    def _discard(self) -> None:
        """After recording failed: keep the queue from growing (the run keeps logging and printing)
        until close(); artifacts waited for fail."""
        while True:
            while self.queue:
                item = self.queue.popleft()
                if isinstance(item, dict):
                    continue
                kind, payload = item
                if kind == "artifact":
                    payload.settle(error=CommError(f"artifact {payload.label} was not logged: {self.failed}"))
                elif kind == "status":
                    payload.set()
            if self.closing:
                return
            self.wake.wait(1.0)
            self.wake.clear()

    def _drain(self, partial: bool = False) -> None:
        """Record what is queued. `partial`: only what may be recorded while a batch of rows is in flight (rows,
        system rows, printed text, uploads, and the summary, whose pending changes are replaced, never changed in
        place: the request may be carrying them), up to the first other item; the run's fields and alerts,
        which must follow what the request carries, wait for the next drain."""
        rows: list[dict[str, Any]] = []
        nonfinite = False
        system: list[str] = []  # encoded rows; a stream of its own, recorded after the rest
        answered: list[threading.Event] = []  # run.status() calls, answered once all before them is recorded
        while self.queue:
            item = self.queue.popleft()
            if isinstance(item, dict):
                rows.append(item)
                continue
            kind, payload = item
            if partial and kind not in WHILE_SENDING:
                self.queue.appendleft(item)
                break
            if kind == "row!":
                rows.append(payload)
                nonfinite = True
                continue
            if kind == "system":
                system.append(payload)
                continue
            if kind in CONSOLE_STREAMS:
                self.console_lines.add(kind, payload)
                continue
            if kind == "status":
                answered.append(payload)
                continue
            if kind == "console_end":
                self._record_console(self.console_lines.take(end=True))
                continue
            self._record_rows(rows, nonfinite)
            rows, nonfinite = [], False
            if kind == "artifact":
                self._record_artifact(payload)
                continue
            if kind == "files":
                self._record_upload(FILES, RunFilesJob(payload, self.log.path.parent / "files"))
                continue
            if kind == "upload_done":
                self.uploads_settled += 1
                if payload.error is None:
                    self.log.write(FILES_SENT if isinstance(payload, RunFilesJob) else ARTIFACT_SENT,
                                   {"n": payload.number})
                continue
            if kind == "ended_here":
                self.log.write(ENDED_HERE, {})
                continue
            if kind == "alert":
                self._record_console(self.console_lines.take())  # an alert follows what was printed before it
                self.log.write(ALERT, {"n": self.alerts_recorded, **payload})
                self.recorded += 1
                self.pending_alerts.append((self.alerts_recorded, payload))
                self.alerts_recorded += 1
                continue
            self.log.write(RUN, payload)
            self.recorded += 1
            if kind == "run_sent":  # the server has it already
                continue
            self.run_records = (self.run_records if self.pending_run else 0) + 1
            self.pending_run.update(payload)
        self._record_rows(rows, nonfinite)
        self._record_console(self.console_lines.take())
        self._record_summary()
        self._record_system(system)
        for event in answered:
            event.set()

    def _record_artifact(self, job: ArtifactJob) -> None:
        self._record_upload(ARTIFACT, job)

    def _record_upload(self, kind: str, job: ArtifactJob | RunFilesJob) -> None:
        """Log the job (what `runbase sync` uploads), then hand it to the uploader."""
        job.number = self.artifacts_recorded if kind == ARTIFACT else self.files_recorded
        try:
            self.log.write(kind, {"n": job.number, **job.record()})
        except BaseException as exc:
            job.settle(error=exc)
            raise
        self.recorded += 1
        if kind == ARTIFACT:
            self.artifacts_recorded += 1
        else:
            self.files_recorded += 1
        if self.connection is None:
            job.settle(error=ArtifactNotLoggedError(f"{job.what} was logged by an offline run: it is kept in "
                                                    f"{self.log.path.parent} until `runbase sync` uploads it"))
            return
        if self.uploader is None:
            self.uploader = Uploader(self.connection, self.identity, warn=self.warn, on_done=self._upload_done,
                                     deadline=lambda: self.deadline, silent=self.silent)
            self.uploader.start()
        self.uploader.submit(job)

    def _upload_done(self, job: Job) -> None:
        """From the uploader thread: record that the server has it (in this thread, which owns the log)."""
        self.queue.append(("upload_done", job))
        self.wake.set()

    def _uploading(self) -> bool:
        return self.uploader is not None and self.uploader.busy()

    def _record_summary(self) -> None:
        current = dict(self.summary)  # one atomic copy; the run thread keeps writing
        delta = {k: v for k, v in current.items() if not _same(self.recorded_summary.get(k, MISSING), v)}
        delta.update({k: MISSING for k in self.recorded_summary.keys() - current.keys()})
        if delta:
            self.log.write(HISTORY, {"rows": "[]", **summary_fields(delta)})
            self.recorded += 1
            self.summary_records = (self.summary_records if self.pending_summary else 0) + 1
            self.pending_summary = {**self.pending_summary, **delta}  # a request in flight may hold the old one
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
        self.recorded += 1
        self.pending_batches.append(encoded)

    def _record_system(self, texts: list[str]) -> None:
        """Record and queue encoded system rows in batches of at most MAX_BATCH_ROWS rows and
        max_batch_bytes (a row alone may be larger), numbered on from the last."""
        start = 0
        while start < len(texts):
            end, size = start + 1, len(texts[start]) + 2
            while end < len(texts) and end - start < MAX_BATCH_ROWS and \
                    size + len(texts[end]) + 1 <= self.max_batch_bytes:
                size += len(texts[end]) + 1
                end += 1
            encoded = "[" + ",".join(texts[start:end]) + "]"
            self.log.write(SYSTEM, {"rows": "[]", "systemRows": encoded, "systemStart": self.system_next})
            self.recorded += 1
            if not self.system_refused:
                self.pending_system.append((self.system_next, encoded))
            self.system_next += end - start
            start = end

    def _record_console(self, lines: list[str]) -> None:
        """Append to output.log, then record and queue the lines in chunks small enough for one request."""
        if not lines:
            return
        if self.console_path is not None:
            self._write_output_log(self.console_path, lines)
        for start in range(0, len(lines), MAX_CONSOLE_LINES):
            self._record_console_chunk(lines[start:start + MAX_CONSOLE_LINES])

    def _write_output_log(self, path: Path, lines: list[str]) -> None:
        try:
            if self.console_file is None:
                self.console_file = path.open("a", encoding="utf-8")
            self.console_file.write("\n".join(lines) + "\n")
            self.console_file.flush()
        except OSError as exc:  # the disk is full, the run folder was deleted...
            self.warn(f"cannot write {self.console_path} ({exc}); console output is no longer written there, "
                      "but still recorded and sent to the server")
            self.console_path = None
            self._close_console_file()

    def _close_console_file(self) -> None:
        file, self.console_file = self.console_file, None
        if file is not None:
            try:
                file.close()
            except OSError:
                pass  # what it could not flush is lost with the file

    def _record_console_chunk(self, lines: list[str]) -> None:
        encoded = orjson.dumps(lines).decode()
        if len(encoded) > self.max_batch_bytes and len(lines) > 1:
            half = len(lines) // 2
            self._record_console_chunk(lines[:half])
            self._record_console_chunk(lines[half:])
            return
        self.log.write(HISTORY, {"rows": "[]", "consoleLines": encoded, "consoleStart": self.console_next})
        self.recorded += 1
        if not self.console_refused:
            self.pending_console.append((self.console_next, encoded))
        self.console_next += len(lines)

    def _send(self, connection: Connection) -> bool:
        """Send what is pending: run fields, history with the summary, console lines, alerts, then a
        final state; True if anything went."""
        from ._generated.input_types import NotifyScriptableRunAlertInput

        sent = False
        run_fields = self.pending_run
        final = run_fields.get("state") in FINAL_STATES
        if run_fields and not final:
            self.sending = "a run update"
            self._upsert(connection, run_fields)
            sent = True
        # The batches recorded before this round; those recorded during it go in the next round, after the rest
        # of what is pending (printed lines, the summary, a stop check) had its turn.
        due = len(self.pending_batches)
        while due > 0:
            self.sending = "a batch of history rows"
            self._send_rows(connection, self._next_rows())
            due -= self.sending_batches
            self._rows_done(self.sending_batches)
            sent = True
        sent |= self._send_numbered(connection, self.pending_console, CONSOLE_BATCH, ("consoleLines", "consoleStart"))
        sent |= self._send_numbered(connection, self.pending_system, SYSTEM_BATCH, ("systemRows", "systemStart"))
        if self.pending_summary:
            self.sending = "a summary update"
            self._send_history(connection, "[]")
            sent = True
        while self.pending_alerts:
            self.sending = "an alert"
            number, fields = self.pending_alerts[0]
            connection.notify_scriptable_run_alert(NotifyScriptableRunAlertInput.model_validate(
                {**self.identity, **fields}))
            with self.recording:
                if self.handed_over:
                    return True  # the record log is the caller's now: `runbase sync` may send the alert again
                self.log.write(ALERT_SENT, {"n": number})
            self.pending_alerts.popleft()
            sent = True
        if final and not self._uploading():  # a finished run has its artifacts
            self.sending = "the final run state"
            self._upsert(connection, run_fields)
            sent = True
        return sent

    def _send_numbered(self, connection: Connection, pending: deque[tuple[int, str]], what: str,
                       names: tuple[str, str]) -> bool:
        """Send queued console lines or system rows, each batch with the number of its first (`names`: the
        LogHistoryInput fields of both); True if any went."""
        from ._generated.input_types import LogHistoryInput

        sent = False
        while pending:
            self.sending = what
            start, text = pending[0]
            connection.log_history(LogHistoryInput.model_validate(
                {**self.identity, "rows": "[]", names[0]: text, names[1]: start}))
            pending.popleft()
            sent = True
        return sent

    def _drop_rejected(self) -> str:
        """Drop what the server refused (self.sending names it), so that the rest can go; says what went."""
        if self.sending == "the final run state" and self.pending_run.keys() - FINAL_FIELDS:
            # Fields updated just before finish went with the final state: send the state alone.
            self.pending_run = {key: value for key, value in self.pending_run.items() if key in FINAL_FIELDS}
            return "a run update sent with the final state, which goes again alone"
        if self.sending in ("a run update", "the final run state"):
            self.pending_run = {}
        elif self.sending == "a batch of history rows":
            if self.pending_summary and not self.summary_apart:  # it may be the summary the server refused
                self.summary_apart = True
                return "a batch of history rows with summary changes, which go again apart"
            if self.sending_batches > 1:  # which of them was refused is not known: each goes again alone
                self.unmerged = self.sending_batches
                return "a batch of history rows, whose parts go again one at a time"
            self._rows_done(1)
        elif self.sending == CONSOLE_BATCH:
            # Later lines would not follow on from the server's last one: keep them in output.log only.
            self.pending_console.clear()
            self.console_refused = True
            return "console output, which from now on is only written to output.log"
        elif self.sending == SYSTEM_BATCH:
            # Most likely a server older than the system stream, which refuses every batch: stop asking.
            self.pending_system.clear()
            self.system_refused = True
            return "system metrics, which from now on are only kept in the run's record log"
        elif self.sending == "a summary update":
            self.pending_summary = {}
            self.summary_apart = False
        elif self.sending == "an alert":
            self.pending_alerts.popleft()
        return f"{self.sending} and it was dropped"

    def _upsert(self, connection: Connection, fields: dict[str, Any]) -> None:
        connection.upsert_bucket(self._run_input(fields))
        self.pending_run = {}

    def _run_input(self, fields: dict[str, Any]) -> UpsertBucketInput:
        from ._generated.input_types import UpsertBucketInput

        return UpsertBucketInput.model_validate({
            "modelName": self.identity["projectName"], "entityName": self.identity["entityName"],
            "name": self.identity["runName"], **fields})

    def _next_rows(self) -> str:
        """The rows of the recorded batches that go in the next request, as one JSON list (how many batches:
        sending_batches): those recorded while the last request was in flight go together, up to max_batch_bytes,
        as one batch would have; a server that then had rows to compact did so once rather than once per batch."""
        batches = self.pending_batches
        count, size = 1, len(batches[0])
        if not self.unmerged:
            while count < len(batches) and size + len(batches[count]) <= self.max_batch_bytes:
                size += len(batches[count])
                count += 1
        self.sending_batches = count
        if count == 1:
            return batches[0]
        return "[" + ",".join(batches[i][1:-1] for i in range(count)) + "]"

    def _rows_done(self, count: int) -> None:
        """The server answered the first `count` pending batches: it took them, or refused them for good."""
        for _ in range(count):
            self.pending_batches.popleft()
        self.unmerged = max(0, self.unmerged - count)

    def _send_rows(self, connection: Connection, batch: str) -> None:
        """Send a batch of rows while recording the rows logged meanwhile (on another thread, which makes the
        request): when the server answers, the next batch is ready to go, instead of the server waiting on this
        thread to encode it."""
        done = threading.Event()
        failure: list[BaseException] = []

        def request() -> None:
            ignore_this_thread()
            try:
                self._send_history(connection, batch)
            except BaseException as exc:  # noqa: BLE001 - raised again in the sender thread
                failure.append(exc)
            finally:
                done.set()

        threading.Thread(target=request, name="runbase-sender-request", daemon=True).start()
        while not done.wait(ROWS_TICK):
            if self.queue and not self._record(partial=True):
                break  # the record log was taken over: what is queued is recorded by the caller
        done.wait()
        if failure:
            raise failure[0]

    def _send_history(self, connection: Connection, batch: str) -> None:
        """One batch of rows, with the summary changes recorded so far riding along, unless they go apart."""
        from ._generated.input_types import LogHistoryInput

        delta = {} if self.summary_apart and batch != "[]" else self.pending_summary
        connection.log_history(LogHistoryInput.model_validate({
            **self.identity,
            "rows": batch,
            **(wire_form(summary_fields(delta)) if delta else {}),
        }))
        if delta and delta is self.pending_summary:
            self.pending_summary = {}
            self.summary_apart = False

    def _check_stop(self, connection: Connection) -> None:
        """Ask whether the run was asked to stop (stopRun), and act on it once. A server older than Run.stopped
        refuses the question: it is not asked again. Not while the run is ending: its script is done already."""
        self.stop_check_at = time.monotonic() + self.stop_poll_seconds
        try:
            found = connection.run_stopped(entity=self.identity["entityName"],
                                           project=self.identity["projectName"] or "",
                                           run=self.identity["runName"] or "").project
        except CommError as exc:
            if not exc.retryable:
                self.on_stop = None
            return
        except Exception as exc:  # noqa: BLE001 - the run goes on, and asks no more
            self.on_stop = None
            self.warn(f"could not ask whether the run was asked to stop ({exc!r}): it is not asked again")
            return
        stop = self.on_stop
        if found is not None and found.run is not None and found.run.stopped and stop is not None \
                and not self.closing:
            self.on_stop = None
            stop()


def _ending(final_fields: dict[str, Any] | None) -> tuple[str, Any]:
    """The queue item that ends a run: its final fields, or, with None, the mark that another process sets the
    run's final state (x_update_finish_state=False)."""
    return ("run", final_fields) if final_fields is not None else ("ended_here", None)


def print_warning(message: str) -> None:
    print(f"runbase: WARNING {message}", file=sys.stderr, flush=True)


def warner(settings: Settings) -> Callable[[str], None]:
    """print_warning, or nothing where the settings keep warnings off: SILENT keeps every line of runbase's
    own off stderr, show_warnings=False its warnings."""
    return (lambda message: None) if settings.silent or settings.show_warnings is False else print_warning
