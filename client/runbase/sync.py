"""`runbase sync`: upload runs from their record logs (offline runs, or runs
whose server went away). Uploading twice changes nothing: history rows,
console lines and system rows are keyed on the server, and each alert and
artifact is marked in the log once the server has it (at least once, like the
live sender: an alert whose answer was lost is sent again by the next sync; an
artifact sent again is the same version, since the server keeps one version
per digest).

Like the live sender, a sync drops what the server refuses outright (console
lines, system metrics, an alert, an artifact) with a warning and goes on, so
the run's final state still gets there; history rows, run fields and
unreachable servers still stop it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ._generated.input_types import LogHistoryInput, NotifyScriptableRunAlertInput, UpsertBucketInput
from .artifacts.transfer import ArtifactJob
from .connection import Connection
from .errors import CommError, UsageError, present
from .records import (
    ALERT,
    ALERT_SENT,
    ARTIFACT,
    ARTIFACT_SENT,
    ENDED_HERE,
    FILES,
    FILES_SENT,
    HISTORY,
    RUN,
    SUPERSEDED,
    SYNCED,
    SYSTEM,
    RecordLog,
    read,
    sent_numbers,
)
from .sender import MISSING, summary_fields, wire_form
from .states import FINAL_STATES
from .uploads import RunFilesJob

UPLOADS_SENT = {ARTIFACT: ARTIFACT_SENT, FILES: FILES_SENT}  # what marks each kind of upload done


def _current_form(record: dict[str, Any]) -> dict[str, Any]:
    """A history record as this SDK writes it. Logs written before the summary kept null values have no
    removeSummaryKeys: a null in their summaryMetrics meant "remove the key", so it still does."""
    text = record.get("summaryMetrics")
    if text is None or "removeSummaryKeys" in record:
        return record
    try:
        delta = json.loads(text)
    except (TypeError, ValueError):
        return record  # the server names what is wrong with it
    if not isinstance(delta, dict):
        return record
    return {**record, **summary_fields({key: MISSING if value is None else value for key, value in delta.items()})}


def _print_warning(message: str) -> None:
    from .sender import print_warning

    print_warning(message)


def record_logs(path: Path) -> Iterator[Path]:
    """The record logs at a path: a log file, a run directory, or a directory of run directories."""
    if path.is_file():
        yield path
        return
    if not path.is_dir():
        raise UsageError(f"no run directory at {path}")
    found = sorted(path.glob("*.runbase")) or sorted(path.glob("*/*.runbase")) or sorted(path.glob("*/*/*.runbase"))
    if not found:
        raise UsageError(f"no runbase run logs under {path}")
    yield from found


def sync_log(connection: Connection, log: Path, *, mark_crashed: bool = True,
             warn: Callable[[str], None] = _print_warning, silent: bool = False) -> dict[str, Any]:
    """Replay one run's records; returns what was sent. A log that does not end with a final state
    marks the run crashed (preempted, if it was preempting), unless `mark_crashed` is False (the run is about to be resumed); `silent`
    keeps the artifact uploads' progress lines off stderr."""
    if (log.parent / SUPERSEDED).exists():
        warn(f"{log.parent} is skipped: its run was rewound after it logged (resume_from), and the server would "
             "take back the rows the rewind dropped")
        return {"path": str(log.parent), "new_rows": 0, "artifacts": 0}
    identity: dict[str, Any] | None = None
    rows = 0
    last_state = None  # the state the last run record gave
    ended_here = False  # the process ended, leaving the final state to another (x_update_finish_state=False)
    refused: set[str] = set()  # console lines, system rows: the server refused some, so the rest are skipped
    sent = sent_numbers(log, ALERT_SENT)
    sent_uploads = {kind: sent_numbers(log, sent) for kind, sent in UPLOADS_SENT.items()}
    artifacts = 0
    for record in read(log):
        kind = record.pop("t", None)
        if kind == RUN:
            if identity is None:
                entity = record.get("entityName") or present(connection.viewer().viewer, "viewer").entity
                identity = {"entityName": entity, "modelName": record["modelName"], "name": record["name"]}
            record.update(identity)
            connection.upsert_bucket(UpsertBucketInput.model_validate(record))
            if record.get("state") is not None:
                last_state = record["state"]
            continue
        if kind == ENDED_HERE:
            ended_here = True
            continue
        if identity is None:
            continue
        target = {"entityName": identity["entityName"], "projectName": identity["modelName"],
                  "runName": identity["name"]}
        where = f"{identity['entityName']}/{identity['modelName']}/{identity['name']}"
        if (kind == HISTORY and "consoleLines" in record) or kind == SYSTEM:
            stream = "console" if kind == HISTORY else "system"
            if stream in refused:
                continue
            try:
                connection.log_history(LogHistoryInput.model_validate({**target, **record}))
            except CommError as exc:
                if exc.retryable:
                    raise
                # Skip the rest, as the sender does: later console lines would not follow on from the server's
                # last one, and a server that refuses system rows (an older one) refuses them all.
                warn(f"the server rejected console lines of {where} from line {record.get('consoleStart')}: "
                     f"{exc}; the rest of its console output is skipped (it is in the run's output.log)"
                     if stream == "console" else
                     f"the server rejected system metrics of {where} from row {record.get('systemStart')}: "
                     f"{exc}; the rest of them are skipped")
                refused.add(stream)
        elif kind == HISTORY:
            result = connection.log_history(LogHistoryInput.model_validate({**target, **wire_form(_current_form(record))}))
            rows += result.log_history.accepted if result.log_history else 0
        elif kind == ALERT and record["n"] not in sent:
            number = record.pop("n")
            try:
                connection.notify_scriptable_run_alert(
                    NotifyScriptableRunAlertInput.model_validate({**target, **record}))
            except CommError as exc:
                if exc.retryable:
                    raise
                warn(f"the server rejected alert {record.get('title')!r} of {where}: {exc}; it is skipped")
                continue
            _mark_sent(log, ALERT_SENT, number)
        elif kind in (ARTIFACT, FILES) and record["n"] not in sent_uploads[kind]:
            job = ArtifactJob.from_record(record) if kind == ARTIFACT else \
                RunFilesJob.from_record(record, log.parent / "files")
            try:
                job.upload(connection, target, silent=silent)
            except CommError as exc:
                if exc.retryable:
                    raise
                warn(f"the server refused {job.what} of {where}: {exc}; it is skipped")
                continue
            except (OSError, ValueError) as exc:  # a local file gone or unreadable: the rest of the run goes on
                warn(f"{job.what} of {where} could not be uploaded: {exc}; it is skipped")
                continue
            _mark_sent(log, UPLOADS_SENT[kind], job.number)
            artifacts += kind == ARTIFACT
    if identity is None:
        raise UsageError(f"{log} holds no run record")
    if last_state not in FINAL_STATES and mark_crashed and not ended_here:  # the process died before finishing
        ended = "preempted" if last_state == "preempting" else "crashed"
        connection.upsert_bucket(UpsertBucketInput.model_validate({**identity, "state": ended}))
    (log.parent / SYNCED).touch()
    return {"path": f"{identity['entityName']}/{identity['modelName']}/{identity['name']}", "new_rows": rows,
            "artifacts": artifacts}


def _mark_sent(log: Path, kind: str, number: int) -> None:
    marks = RecordLog(log)
    try:
        marks.write(kind, {"n": number})
    finally:
        marks.close()
