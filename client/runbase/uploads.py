"""A live run's background uploads: artifact versions and run files (media that run.log wrote, files saved
for `runbase sync`), in the order they were recorded, on a thread beside the sender so that history keeps
flowing during a long upload and run.log never waits on the network.

The sender records each job in the run's record log first, which is what offline runs and `runbase sync`
upload from; the uploader retries with backoff while the server is unreachable, until the sender's closing
deadline, and a job the server refuses fails alone."""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .console import ignore_this_thread
from .errors import CommError

if TYPE_CHECKING:
    from .connection import Connection

MAX_FILES_PER_UPLOAD = 1000  # run-file jobs waiting together go up in one upload of at most this many


class Job(Protocol):
    number: int  # its place among the jobs of its kind in the run's record log
    error: BaseException | None

    @property
    def what(self) -> str: ...

    def upload(self, connection: Connection, identity: dict[str, Any], *, silent: bool) -> Any: ...

    def settle(self, result: Any = None, error: BaseException | None = None) -> None: ...


@dataclass(eq=False)
class RunFilesJob:
    """Run files to upload, named as in the run (`media/images/x_3_ab12.png`), read from the run's files
    directory. Uploading them again is harmless: the server keeps one copy per name and contents."""

    names: list[str]
    root: Path  # the run's files directory
    number: int = -1
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)

    @property
    def what(self) -> str:
        return f"run file {self.names[0]}" if len(self.names) == 1 else f"{len(self.names)} run files"

    def record(self) -> dict[str, Any]:
        return {"names": self.names}

    @classmethod
    def from_record(cls, record: dict[str, Any], root: Path) -> RunFilesJob:
        return cls(list(record["names"]), root, number=record.get("n", -1))

    def upload(self, connection: Connection, identity: dict[str, Any], *, silent: bool) -> Any:
        """Upload the files; one that is gone or badly named fails alone: the others are uploaded, then the
        job fails naming it."""
        from .files import FileClient, check_name  # only a live run uploads: an offline one need not load httpx

        usable, refused = [], []
        for name in self.names:
            try:
                check_name(name)
            except ValueError as exc:
                refused.append(str(exc))
                continue
            if (self.root / name).is_file():
                usable.append((name, self.root / name))
            else:
                refused.append(f"{name!r} is gone from {self.root}")
        uploaded = FileClient(connection).upload(identity.get("entityName"), identity["projectName"],
                                                 identity["runName"], usable) if usable else []
        if refused:
            raise CommError(f"{len(refused)} run file(s) could not be uploaded: {'; '.join(refused[:3])}")
        return uploaded

    def settle(self, result: Any = None, error: BaseException | None = None) -> None:
        self.error = error
        self.done.set()


class Uploader(threading.Thread):
    """Runs a live run's jobs in order; run-file jobs waiting together go up as one upload."""

    def __init__(self, connection: Connection, identity: dict[str, Any], *, warn: Callable[[str], None],
                 on_done: Callable[[Job], None], deadline: Callable[[], float], silent: bool) -> None:
        super().__init__(name="runbase-uploads", daemon=True)
        self.connection, self.identity, self.warn, self.silent = connection, identity, warn, silent
        self.on_done, self.deadline = on_done, deadline
        self.jobs: deque[Job] = deque()
        self.wake = threading.Event()
        self.failed: str | None = None  # why jobs were left for `runbase sync`
        self.stopping = False

    def submit(self, job: Job) -> None:
        self.jobs.append(job)
        self.wake.set()

    def busy(self) -> bool:
        return bool(self.jobs)

    def stop(self) -> None:
        """End the thread once no job is left (the sender is done)."""
        self.stopping = True
        self.wake.set()

    def run(self) -> None:
        ignore_this_thread()
        backoff = 0.0
        while True:
            if not self.jobs:
                if self.stopping:
                    return
                self.wake.wait()
                self.wake.clear()
                continue
            job, batch = self._next()
            try:
                result = job.upload(self.connection, self.identity, silent=self.silent)
            except CommError as exc:
                if exc.retryable:
                    backoff = min(10.0, max(0.25, backoff * 2)) * random.uniform(0.8, 1.2)
                    if time.monotonic() + backoff > self.deadline():
                        self._give_up(exc)
                        return
                    self.wake.wait(backoff)
                    self.wake.clear()
                    continue
                self._finish(batch, None, exc)
                self.warn(f"the server refused {job.what}: {exc}")
            except Exception as exc:  # noqa: BLE001 - e.g. a staged copy deleted meanwhile: this job fails alone
                self._finish(batch, None, exc)
                self.warn(f"{job.what} could not be uploaded: {exc!r}")
            else:
                self._finish(batch, result, None)
            backoff = 0.0

    def _next(self) -> tuple[Job, list[Job]]:
        """The next upload, and the queued jobs it settles: one job, or the run-file jobs waiting at the head
        of the queue together, up to MAX_FILES_PER_UPLOAD files."""
        first = self.jobs[0]
        if not isinstance(first, RunFilesJob):
            return first, [first]
        batch, count = [first], len(first.names)
        for job in list(self.jobs)[1:]:
            if not isinstance(job, RunFilesJob) or count + len(job.names) > MAX_FILES_PER_UPLOAD:
                break
            batch.append(job)
            count += len(job.names)
        merged = first if len(batch) == 1 else RunFilesJob([name for j in batch for name in j.names], first.root)
        return merged, list(batch)

    def _finish(self, batch: list[Job], result: Any, error: BaseException | None) -> None:
        for job in batch:
            job.settle(result, error)
            self.on_done(job)  # before the job leaves the queue, so the sender sees one or the other
            self.jobs.popleft()

    def _give_up(self, exc: CommError) -> None:
        self.failed = f"uploads were not finished ({exc})"
        while self.jobs:
            label = self.jobs[0].what
            self._finish([self.jobs[0]], None, CommError(f"{label} was not uploaded before the run finished "
                                                         f"({exc}); it is kept for `runbase sync`", retryable=True))
