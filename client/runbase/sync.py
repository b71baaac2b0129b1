"""`runbase sync`: upload runs from their record logs (offline runs, or runs
whose server went away). Uploading twice changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ._generated.input_types import LogHistoryInput, UpsertBucketInput
from .connection import Connection
from .errors import UsageError
from .records import HISTORY, RUN, SYNCED, read


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


def sync_log(connection: Connection, log: Path) -> dict[str, Any]:
    """Replay one run's records; returns what was sent."""
    identity: dict[str, Any] | None = None
    rows = 0
    final = False
    for record in read(log):
        kind = record.pop("t", None)
        if kind == RUN:
            if identity is None:
                entity = record.get("entityName") or connection.viewer().viewer.entity
                identity = {"entityName": entity, "modelName": record["modelName"], "name": record["name"]}
            record.update(identity)
            connection.upsert_bucket(UpsertBucketInput.model_validate(record))
            final = record.get("state") not in (None, "running")
        elif kind == HISTORY and identity is not None:
            result = connection.log_history(LogHistoryInput.model_validate({
                "entityName": identity["entityName"], "projectName": identity["modelName"],
                "runName": identity["name"], **record}))
            rows += result.log_history.accepted if result.log_history else 0
    if identity is None:
        raise UsageError(f"{log} holds no run record")
    if not final:  # the process died before finishing the run
        connection.upsert_bucket(UpsertBucketInput.model_validate({**identity, "state": "crashed"}))
    (log.parent / SYNCED).touch()
    return {"path": f"{identity['entityName']}/{identity['modelName']}/{identity['name']}", "new_rows": rows}
