"""W&B's file_stream, how the official wandb client sends a run's data while it runs (POST
/files/ENTITY/PROJECT/RUN/file_stream): a JSON object {"files": {FILE: {"offset": N, "content": [LINE, ...]}},
"complete": true, "exitcode": 0, "preempting": true, ...}, each LINE being line number N + i of FILE. It is
mapped onto the ingest runbase's SDK uses (history.append), in one transaction, so that a client sending a
request again after a dropped connection stores every row once:

- wandb-history.jsonl: history rows, a JSON object a line; kept by _step as the SDK's, a resent row is ignored;
- wandb-summary.json: the whole summary, one line (the last counts): it replaces the run's;
- wandb-events.jsonl: system metrics rows, the run's system stream, numbered by line (resent numbers are ignored);
- output.log: console lines by number; a line sent again with other text replaces it (the client sends a
  progress bar's line again as it changes). The client starts each line with its time, after "ERROR " for
  stderr: that prefix is taken off, so the lines read back as runbase's SDK stores them, as printed;
- complete (with exitcode): the run ends, finished for exit code 0 (or none), failed for another, killed
  when it was asked to stop (runs.stop);
- preempting: the run says it is about to be preempted.

A run its client ended that streams again was resumed (W&B's clients send no state then): it is running again.

W&B's "uploaded" (files uploaded meanwhile), "dropped" (lines the client gave up on) and "failed" (always false,
sent with "uploaded" by the Python uploader that wandb 0.22's `wandb sync` uses) need nothing here."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from sqlalchemy.orm import Session

from .. import documents
from ..auth import Viewer
from ..automations import engine
from ..errors import UserError
from ..tables import Run
from . import console, history, runs

log = logging.getLogger("runbase.server")
HISTORY = "wandb-history.jsonl"
SUMMARY = "wandb-summary.json"
EVENTS = "wandb-events.jsonl"
CONSOLE = "output.log"
FILES = (HISTORY, SUMMARY, EVENTS, CONSOLE)
IGNORED = ("uploaded", "dropped", "failed")
PREFIX = re.compile(r"(?:ERROR )?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z? ")  # W&B's, on each console line
# What W&B's server answers (no exit code asked of the client, no rate limits), with "stopped": true once the
# run was asked to stop (stopRun): W&B's clients since 0.23.1 learn it so, older ones poll Run.stopped.
ANSWER: dict[str, Any] = {"exitcode": None, "limits": {}}


def answer(run: Run) -> dict[str, Any]:
    return {**ANSWER, "stopped": True} if run.stop_requested else ANSWER


def _lines(files: dict[str, Any], name: str) -> tuple[int, list[str]] | None:
    """(offset, lines) of one file in the request, checked; None when it is not there."""
    if name not in files:
        return None
    chunk = files[name]
    offset = chunk.get("offset") if isinstance(chunk, dict) else None
    content = chunk.get("content") if isinstance(chunk, dict) else None
    if type(offset) is not int or not 0 <= offset <= history.MAX_STEP or not isinstance(content, list) \
            or not all(isinstance(line, str) for line in content):
        raise UserError(f'files["{name}"] must be {{"offset": a line number from 0, "content": [lines as strings]}}')
    return offset, content


def _objects(name: str, offset: int, lines: list[str]) -> history.Parsed:
    """The lines, each one JSON object, as the text of a JSON list and as the rows parsed from it (parsed here,
    line by line, and not again by history.append)."""
    kept, rows = [], []
    for index, line in enumerate(lines):
        try:
            row = documents.loads(line)
        except RecursionError:
            row = _shallow(line)
            if isinstance(row, dict):
                log.warning("%s line %d nests deeper than the JSON parser goes: its deepest values are stored as "
                            "their JSON text", name, offset + index)
                line = documents.dump(row)
        except (TypeError, ValueError):
            row = None
        if not isinstance(row, dict):
            raise UserError(f"{name} line {offset + index} is not a JSON object")
        cleaned = _storable(line, keys_only=True)
        kept.append(cleaned)
        rows.append(row if cleaned is line else documents.loads(cleaned))
    return history.Parsed("[" + ",".join(kept) + "]", rows)


_SPACE = re.compile(r"[ \t\n\r]*")


def _skip(line: str, at: int) -> int:
    """Past the JSON whitespace at `at`."""
    found = _SPACE.match(line, at)
    return at if found is None else found.end()


def _shallow(line: str) -> dict[str, Any] | None:
    """A JSON object nested too deeply for the parser, with each of its values that is too deep kept as its JSON
    text (a string): the row's step and its other values are stored. Refusing the request instead would end the
    whole stream, as W&B's clients take a refused request; None where the line is not a JSON object."""
    decoder = json.JSONDecoder()
    row: dict[str, Any] = {}
    at = _skip(line, 0)
    if not line.startswith("{", at):
        return None
    at = _skip(line, at + 1)
    try:
        while line.startswith('"', at):
            key, at = json.decoder.scanstring(line, at + 1)  # type: ignore[attr-defined]
            at = _skip(line, at)
            if not line.startswith(":", at):
                return None
            at = _skip(line, at + 1)
            try:
                row[key], end = decoder.raw_decode(line, at)
            except RecursionError:
                end = _value_end(line, at)
                row[key] = line[at:end]
            at = _skip(line, end)
            if line.startswith("}", at):
                return row if _skip(line, at + 1) == len(line) else None
            if not line.startswith(",", at):
                return None
            at = _skip(line, at + 1)
    except ValueError:
        return None
    return None


def _value_end(line: str, start: int) -> int:
    """Where the JSON array or object starting at `start` ends (ValueError where it does not)."""
    depth, at = 0, start
    while at < len(line):
        char = line[at]
        if char == '"':
            at = json.decoder.scanstring(line, at + 1)[1]  # type: ignore[attr-defined]
            continue
        if char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth == 0:
                return at + 1
        elif depth == 0:
            break
        at += 1
    raise ValueError("not a JSON array or object")


_SURROGATE = re.compile("[\ud800-\udfff]")


def _storable(line: str, *, keys_only: bool) -> str:
    """The JSON line as a database can store it: each NUL character and lone surrogate made U+FFFD in keys (a row
    is stored by them); each lone surrogate in strings too (no database stores one), and with `keys_only` false
    each NUL as well (the summary is stored as a document, which PostgreSQL's JSONB keeps without NUL). W&B's
    clients take a refused request as the end of the stream, so refusing one such character (history.append
    drops the row holding it) would lose the rest of the run."""
    if not documents.may_hold_unstorable(line):
        return line

    def text(value: str, *, nul: bool) -> str:
        return _SURROGATE.sub("\ufffd", value.replace("\x00", "\ufffd") if nul else value)

    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            return {text(key, nul=True): clean(item) for key, item in value.items()}
        if isinstance(value, list):
            return [clean(item) for item in value]
        return text(value, nul=not keys_only) if isinstance(value, str) else value

    return documents.dump(clean(json.loads(line)))


def _console_line(line: str) -> str:
    """A console line as printed, without the client's prefix, and as a database stores it: NUL and lone
    surrogates become U+FFFD (it is text to read; refusing it would refuse the history sent with it)."""
    prefix = PREFIX.match(line)
    line = line[prefix.end():] if prefix else line
    if documents.bad_character(line) is None:
        return line
    return line.replace("\x00", "\ufffd").encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def _check(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise UserError('the body must be a JSON object {"files": {...}, "complete": ..., "exitcode": ...}')
    files = body.get("files", {})
    if not isinstance(files, dict):
        raise UserError('"files" must be a JSON object of {"offset": N, "content": [...]} by file name')
    unknown = sorted(set(files) - set(FILES))
    if unknown:
        raise UserError(f"file_stream takes the files {', '.join(FILES)}; not {', '.join(unknown)}")
    unknown = sorted(set(body) - {"files", "complete", "exitcode", "preempting", *IGNORED})
    if unknown:
        raise UserError(f"file_stream does not know {', '.join(map(repr, unknown))}")
    for flag in ("complete", "preempting"):
        if body.get(flag) not in (None, True, False):
            raise UserError(f'"{flag}" must be true or false')
    exit_code = body.get("exitcode")
    if exit_code is not None and (type(exit_code) is not int or not -(2**31) <= exit_code < 2**31):
        raise UserError('"exitcode" must be a 32-bit integer or null')
    return files


def ingest(session: Session, viewer: Viewer, entity: str, project: str, *, run_name: str, body: Any) -> Run:
    """Store one file_stream request for a run the viewer may write."""
    files = _check(body)
    rows = _lines(files, HISTORY)
    summary = _lines(files, SUMMARY)
    events = _lines(files, EVENTS)
    output = _lines(files, CONSOLE)
    summary_text = None
    if summary is not None and summary[1]:
        summary_text = _storable(summary[1][-1], keys_only=False)
        documents.parse(summary_text, SUMMARY)  # named in the error as the client knows it
    stored = history.append(
        session, viewer, entity, project, run_name=run_name,
        rows_text=history.Parsed("[]", []) if rows is None else _objects(HISTORY, *rows), summary_text=summary_text,
        summary_replaces=True, system_start=None if events is None else events[0],
        system_text=None if events is None else _objects(EVENTS, *events))
    run = stored.run
    if run.state in runs.FINAL_STATES and run.state not in runs.REVIVED and not body.get("complete"):
        _change_state(session, run, "running")  # resumed: W&B's clients say so by streaming again, with no state
    for refused in stored.refused + stored.refused_system:
        log.warning("run %d: a file_stream row (step or number %d) was not stored: %s", run.id, refused.step,
                    refused.reason)
    if output is not None:
        console.overwrite(session, run, output[0], [_console_line(line) for line in output[1]])
    if body.get("preempting"):
        _change_state(session, run, "preempting")
    if body.get("complete"):
        exit_code = body.get("exitcode")
        _change_state(session, run, "finished" if not exit_code else "failed", exit_code)
        history.compact(session, run)  # a finished run's reads are then columnar only
    return run


def _change_state(session: Session, run: Run, state: str, exit_code: int | None = None) -> None:
    if runs.change_state(session, run, state, exit_code):
        engine.on_state(session, run)
