"""Run files: which blob each file a run saved points to, and the rules for their names."""

from __future__ import annotations

import json
import mimetypes
import re
from typing import Any

import anyio.from_thread
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from .. import database, pagination
from ..artifacts import blobs, stores
from ..auth import Viewer
from ..errors import UserError
from ..settings import of_session
from ..tables import Run, RunFile, utcnow
from . import runs

MAX_NAME = 1024
MAX_FILES_PER_REQUEST = 1000
WINDOWS_DRIVE = re.compile(r"[A-Za-z]:")
# A value logged at a step is stored by the SDK as media/SUBDIR/KEY_STEP_SHA20EXT (data_types/media.py).
LOGGED_MEDIA = re.compile(r"media/.+_(\d+)_[0-9a-f]{20}(\.[^/]*)?")
# What a run's own process writes about itself: never a fork's.
OWN_FILES = frozenset({"wandb-metadata.json", "output.log"})
_TYPES = mimetypes.MimeTypes()  # Python's own table only (never the machine's): every server answers alike


def check_name(name: object) -> str:
    """A relative POSIX path inside the run; anything that could point outside it when
    downloaded (absolute paths, `..`, backslashes) is refused."""
    if not isinstance(name, str) or not name:
        raise UserError("a file name must be a non-empty string")
    if len(name) > MAX_NAME:
        raise UserError(f"file name {name[:40]!r}... is longer than {MAX_NAME} characters")
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise UserError(f"file name {name!r} must not contain NUL or other control characters")
    if "\\" in name:
        raise UserError(f"file name {name!r} must use '/' between directories, not backslashes")
    if name.startswith("/") or WINDOWS_DRIVE.match(name):
        raise UserError(f"file name {name!r} must be a relative path, not an absolute one")
    for part in name.split("/"):
        if part in ("", ".", ".."):
            raise UserError(f"file name {name!r} must not contain empty, '.' or '..' path components "
                            "(path traversal is refused)")
    return name


def _entries(files: str) -> list[tuple[str, str, int]]:
    try:
        items = json.loads(files)
    except ValueError:
        raise UserError('files must be a JSON list of {"name", "sha256", "size"} objects') from None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise UserError('files must be a JSON list of {"name", "sha256", "size"} objects')
    if len(items) > MAX_FILES_PER_REQUEST:
        raise UserError(f"at most {MAX_FILES_PER_REQUEST} files per request, not {len(items)}")
    entries: dict[str, tuple[str, str, int]] = {}
    for item in items:
        name = check_name(item.get("name"))
        digest = blobs.check_digest(item.get("sha256"))
        size = item.get("size")
        if type(size) is not int or size < 0:
            raise UserError(f"file {name!r}: size must be a non-negative integer, not {size!r}")
        if name in entries:
            raise UserError(f"file {name!r} is listed twice")
        entries[name] = (name, digest, size)
    return list(entries.values())


def upsert(session: Session, viewer: Viewer, entity: str | None, project: str, *, run_name: str,
           files: str) -> list[RunFile]:
    """Point the run's files at blobs already uploaded; a file saved again takes the new contents."""
    run = runs.writable(session, viewer, entity, project, name=run_name)
    store = stores.store_for(of_session(session.info))
    entries = _entries(files)
    return _save(session, run, entries, blobs.require_held(session, store, viewer.user_id, entries))


def save_upload(session: Session, run: Run, user_id: int, *, name: str, stored: blobs.Unnamed) -> RunFile:
    """A file PUT to an upload URL (uploads.py) by the user it was made for, its blob just stored and
    checked: held by them, and saved to the run with the MD5 the upload was read with."""
    blobs.hold_uploaded(session, stores.store_for(of_session(session.info)), user_id, stored.sha256)
    saved = _save(session, run, [(check_name(name), stored.sha256, stored.size)], {})[0]
    saved.md5 = stored.md5
    return saved


def _save(session: Session, run: Run, entries: list[tuple[str, str, int]],
          composites: dict[str, str | None]) -> list[RunFile]:
    """Point the files (name, digest, size) at their blobs (or the composite copies given, see
    blobs.require_held), the names saved before at the new contents (whose MD5 is then not known yet)."""
    names = [name for name, _, _ in entries]
    existing = {row.name: row for row in session.scalars(
        select(RunFile).where(RunFile.run_id == run.id, RunFile.name.in_(names)))} if names else {}
    now = utcnow()
    saved = []
    for name, digest, size in entries:
        row = existing.get(name)
        if row is None:
            row = RunFile(run_id=run.id, name=name)
            session.add(row)
        composite = composites.get(digest)
        if row.sha256 != digest or row.size != size or row.composite != composite or row.updated_at is None:
            row.sha256, row.size, row.composite, row.updated_at, row.md5 = digest, size, composite, now, None
        saved.append(row)
    session.flush()
    return saved


def md5(session: Session, row: RunFile) -> str:
    """W&B's File.md5 (base64): the upload's, or computed from the blob when first asked and kept. Called from a
    request's worker thread: the store is read on the event loop."""
    if row.md5 is None:
        store = stores.store_for(of_session(session.info))
        digest: str = anyio.from_thread.run(blobs.md5_of, store, row.composite or row.sha256)
        if not database.writable(session):  # a standby answers it all the same, without keeping it
            return digest
        row.md5 = digest
    return row.md5


def mimetype(name: str) -> str:
    """W&B's File.mimetype, by the name's extension; application/octet-stream when it tells nothing."""
    return _TYPES.guess_type(name, strict=False)[0] or "application/octet-stream"


def _query(run: Run, names: list[str | None] | None, pattern: str | None) -> Any:
    """`names` empty, as W&B's client sends it by default, is no restriction."""
    names = names or None
    if names is not None and None in names:
        raise UserError("names must be file names, not null")
    if names is not None and pattern is not None:
        raise UserError("pass either names or pattern, not both")
    query = select(RunFile).where(RunFile.run_id == run.id)
    if names is not None:
        query = query.where(RunFile.name.in_(names))
    if pattern is not None:
        query = query.where(RunFile.name.ilike(pattern))  # MySQL LIKE as W&B uses it: case-insensitive
    return query


def page(session: Session, run: Run, names: list[str | None] | None, pattern: str | None, *, first: int | None,
         after: str | None) -> pagination.Page[RunFile]:
    """A page of the run's files in name order; `pattern` is a LIKE pattern ("%.json")."""
    size, start = pagination.page_size(first), pagination.offset_of(after)
    query = _query(run, names, pattern).order_by(RunFile.name).offset(start).limit(size + 1)
    return pagination.paged(list(session.scalars(query)), start, size)


def count(session: Session, run: Run, names: list[str | None] | None, pattern: str | None) -> int:
    return session.scalar(select(func.count()).select_from(_query(run, names, pattern).subquery())) or 0


def get(session: Session, run: Run, name: str) -> RunFile | None:
    return session.scalar(select(RunFile).where(RunFile.run_id == run.id, RunFile.name == name))


def readable(session: Session, viewer: Viewer, entity: str, project: str, *, run_name: str,
             name: str) -> RunFile | None:
    """The file, for a viewer allowed to read the project; None also when it is hidden from them."""
    run = runs.find(session, viewer, entity, project, name=run_name)
    return None if run is None else get(session, run, name)


def copy(session: Session, source: Run, destination: Run, step: int) -> None:
    """Give a fork, just made, the source's files as they stood at `step`: rows pointing at the same blobs
    (stored once, by contents), no bytes copied. Media logged after the step stays out, as do OWN_FILES;
    the rest (code, diff.patch, requirements, saved files, media not named by a step) comes along. Read under
    the blob lock: the source may be deleted meanwhile, and its blobs collected, unless these rows keep them."""
    blobs.lock_blobs(session)
    rows = session.execute(select(RunFile.name, RunFile.sha256, RunFile.size, RunFile.updated_at, RunFile.composite)
                           .where(RunFile.run_id == source.id)).all()
    kept = [dict(run_id=destination.id, name=name, sha256=digest, size=size, updated_at=updated, composite=composite)
            for name, digest, size, updated, composite in rows
            if name not in OWN_FILES and _at_or_before(name, step)]
    if kept:
        session.execute(insert(RunFile), kept)


def _at_or_before(name: str, step: int) -> bool:
    logged = LOGGED_MEDIA.fullmatch(name)
    return logged is None or int(logged.group(1)) <= step
