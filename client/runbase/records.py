"""A run's record log: every change the SDK sends, appended to a file in the run
directory first. Offline runs only write it; online runs keep it so that what
the server never received can be sent later with `runbase sync`.

Each line is a JSON object whose "t" says what it is; the payloads are the
GraphQL mutation inputs, so replaying a log is calling the same mutations."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

RUN = "run"  # UpsertBucketInput fields
HISTORY = "history"  # LogHistoryInput: rows (a JSON string), summaryMetrics and removeSummaryKeys, or consoleLines
# and consoleStart (a summary record without removeSummaryKeys is from an older SDK: see sync._current_form)
SYSTEM = "system"  # LogHistoryInput: systemRows (a JSON list of W&B's events rows) and systemStart; rows "[]"
ALERT = "alert"  # NotifyScriptableRunAlertInput fields, with "n": the alert's number in this log
ALERT_SENT = "alert_sent"  # "n" of an alert the server accepted, so that `runbase sync` does not send it twice
ARTIFACT = "artifact"  # an artifact to upload (transfer.ArtifactJob.record()), with "n": its number in this log
ARTIFACT_SENT = "artifact_sent"  # "n" of an artifact the server has, so that `runbase sync` does not send it again
FILES = "files"  # run files to upload (uploads.RunFilesJob.record(): names below the run's files directory), with "n"
FILES_SENT = "files_sent"  # "n" of a FILES record whose files the server has
# The process finished without setting the run's final state, which another one sets (x_update_finish_state=False),
# so that `runbase sync` does not take the run for crashed.
ENDED_HERE = "ended_here"
SYNCED = ".synced"
# In a run folder whose run was rewound (init(resume_from=...)) after it logged: `runbase sync` never replays it,
# since the server would take back the rows after the rewind's step (a replay is harmless only while a run's
# history never shrinks).
SUPERSEDED = ".superseded"


class RecordLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = path.open("ab")

    def write(self, kind: str, payload: dict[str, Any]) -> None:
        # Payloads are strings (JSON already encoded), lists and ints, which orjson handles exactly; bytes as
        # orjson writes them, since a batch of rows is megabytes.
        self._file.write(orjson.dumps({"t": kind, **payload}, option=orjson.OPT_APPEND_NEWLINE))
        self._file.flush()

    def close(self) -> None:
        self._file.close()


def read(path: Path) -> Iterator[dict[str, Any]]:
    """The records of a log; a last line cut short by a crash is skipped."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                yield json.loads(line)
            except ValueError:
                continue


def sent_numbers(path: Path, kind: str) -> set[int]:
    """Numbers of the alerts (kind ALERT_SENT) or artifacts (ARTIFACT_SENT) in a log that already reached
    the server; reads only those lines."""
    marker = orjson.dumps({"t": kind})[:-1]
    with path.open("rb") as handle:
        return {orjson.loads(line)["n"] for line in handle if line.startswith(marker) and line.endswith(b"}\n")}
