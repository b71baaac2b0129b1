"""Artifact versions: built as PENDING manifests (stored blobs and references), committed under a digest the
server computes, numbered per collection, aliased, linked into portfolios, used by runs (lineage), deleted
and expired; who may read and change them; finding them by id or by "name:v3" / "name:alias"."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Unpack
from urllib.parse import quote, urlsplit

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    delete,
    func,
    literal,
    literal_column,
    select,
    update,
)
from sqlalchemy.orm import Session

from .. import access, documents, filters, pagination, projects
from ..auth import Viewer
from ..automations import engine
from ..errors import Conflict, NotFound, UserError
from ..names import row_id
from ..runs import files as run_files
from ..runs import runs
from ..settings import of_session
from ..tables import (
    Artifact,
    ArtifactAlias,
    ArtifactCollection,
    ArtifactEntry,
    ArtifactRedirect,
    ArtifactMembership,
    ArtifactUsage,
    Project,
    Run,
    User,
    UTCDateTime,
    utcnow,
)
from . import blobs, collections, registries, stores
from .collections import (
    LATEST,
    PORTFOLIO,
    SEQUENCE,
    VERSION,
    check_alias,
    check_aliases,
    check_tags,
)

PENDING = "PENDING"
COMMITTED = "COMMITTED"
DELETED = "DELETED"
MAX_METADATA_KEYS = 100
MAX_ENTRIES_PER_REQUEST = run_files.MAX_FILES_PER_REQUEST
MAX_DISTRIBUTED_ID = 128
MAX_ENTRY_DIGEST = 512
MAX_LINKED = 500
MAX_INDEX = 2**31 - 1
MAX_TTL = 1000 * 365 * 86400
MAX_SIZE = 2**63 - 1  # a file's size, and a version's total: BIGINT columns
# A reference's URI scheme (RFC 3986): any, since the server never fetches references; at least two
# characters, so that a Windows path "C:\\x" is not taken for a URI.
REFERENCE_SCHEME = re.compile(r"[a-z][a-z0-9+.-]+")
STORED_KEYS = {"path", "sha256", "size", "extra"}
REFERENCE_KEYS = {"path", "ref", "digest", "size", "extra"}
AnySelect = Select[Unpack[tuple[Any, ...]]]  # a query of any columns


@dataclass(frozen=True)
class Version:
    """A version as seen through one collection (its sequence, or a portfolio it is linked into): its index
    there, None while PENDING."""

    artifact: Artifact
    collection: ArtifactCollection
    index: int | None
    loaded: tuple[tuple[str, ...], int | None] | None = None  # (its aliases there, source index) read with a page

    @property
    def is_link(self) -> bool:
        return self.collection.kind == PORTFOLIO


# ------------------------------------------------------------------ input rules

def manifest_digest(entries: Iterable[tuple[str, str | None, int | None, str | None]]) -> str:
    """SHA-256 over one line "path\\tdigest\\tsize\\tref\\n" per (path, digest, size, ref), in path order. The
    client computes the same, so identical contents are recognised on both sides."""
    lines = (f"{path}\t{digest or ''}\t{'' if size is None else size}\t{ref or ''}\n"
             for path, digest, size, ref in sorted(entries, key=lambda entry: entry[0]))
    return hashlib.sha256("".join(lines).encode()).hexdigest()


def _metadata(text: str | None) -> dict[str, Any] | None:
    metadata: dict[str, Any] | None = documents.parse(text, "metadata")
    if metadata is not None and len(metadata) > MAX_METADATA_KEYS:
        raise UserError(f"metadata may have at most {MAX_METADATA_KEYS} keys, not {len(metadata)}")
    return metadata


def _ttl(seconds: int | None) -> int | None:
    """Bounded, because expiry adds it to a timestamp: PostgreSQL's end of time is some 9e12 seconds away, and
    one version past it would make every expiry pass fail."""
    if seconds is not None and not 0 < seconds <= MAX_TTL:
        raise UserError(f"ttlDurationSeconds must be a positive number of seconds, at most {MAX_TTL} (about a "
                        f"thousand years), not {seconds} (null keeps the version forever)")
    return seconds


def _distributed_id(value: str | None) -> str | None:
    if value is not None and (not value or len(value) > MAX_DISTRIBUTED_ID):
        raise UserError(f"distributedID must be 1 to {MAX_DISTRIBUTED_ID} characters")
    return value


def _size(path: str, value: object, required: bool) -> int | None:
    if value is None and not required:
        return None
    if type(value) is not int or not 0 <= value <= MAX_SIZE:
        raise UserError(f"file {path!r}: size must be an integer from 0 to 2^63-1, not {value!r}")
    return value


def _extra(path: str, value: object) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise UserError(f"file {path!r}: extra must be a JSON object")
    return value


def _check_keys(path: str, item: dict[str, Any], allowed: set[str], kind: str) -> None:
    unknown = sorted(set(item) - allowed)
    if unknown:
        raise UserError(f"file {path!r}: unknown field(s) {', '.join(unknown)} for {kind} "
                        f"(allowed: {', '.join(sorted(allowed))})")


def _reference(path: str, item: dict[str, Any]) -> dict[str, Any]:
    _check_keys(path, item, REFERENCE_KEYS, "a reference")
    ref = item["ref"]
    scheme = urlsplit(ref).scheme.lower() if isinstance(ref, str) else ""
    if not ref or not REFERENCE_SCHEME.fullmatch(scheme):
        raise UserError(f"file {path!r}: ref must be a URI with a scheme (file://, https://, s3://, ...), "
                        f"not {ref!r}")
    digest = item.get("digest")
    if digest is not None and (not isinstance(digest, str) or len(digest) > MAX_ENTRY_DIGEST):
        raise UserError(f"file {path!r}: digest must be a string of at most {MAX_ENTRY_DIGEST} characters")
    return {"sha256": None, "ref": ref, "digest": digest, "size": _size(path, item.get("size"), False),
            "extra": _extra(path, item.get("extra"))}


def _stored(path: str, item: dict[str, Any]) -> dict[str, Any]:
    _check_keys(path, item, STORED_KEYS, "a stored file")
    return {"sha256": blobs.check_digest(item.get("sha256")), "ref": None, "digest": None,
            "size": _size(path, item.get("size"), True), "extra": _extra(path, item.get("extra"))}


def _changes(files: str) -> dict[str, dict[str, Any] | None]:
    """The entries to write by path (None: remove the path), checked before anything is stored."""
    items = documents.parse(files, "files", kind=list)
    if len(items) > MAX_ENTRIES_PER_REQUEST:
        raise UserError(f"at most {MAX_ENTRIES_PER_REQUEST} files per request, not {len(items)}")
    changes: dict[str, dict[str, Any] | None] = {}
    for item in items:
        if not isinstance(item, dict):
            raise UserError('each file must be a JSON object: {"path", "sha256", "size"}, {"path", "ref", ...} '
                            'or {"path", "remove": true}')
        path = run_files.check_name(item.get("path"))
        if path in changes:
            raise UserError(f"file {path!r} is listed twice")
        if "remove" in item:
            _check_keys(path, item, {"path", "remove"}, "a removal")
            if item["remove"] is not True:
                raise UserError(f'file {path!r}: "remove" must be true')
            changes[path] = None
        else:
            changes[path] = _reference(path, item) if "ref" in item else _stored(path, item)
    return changes


def sequence_name(collection_name: str | None, collection_names: list[str] | None) -> str:
    """The sequence W&B's input names, once or as a list: runbase logs a version to one sequence."""
    named = list(dict.fromkeys([*([] if collection_name is None else [collection_name]), *(collection_names or [])]))
    if len(named) != 1:
        raise UserError("name the sequence a version is logged to once (artifactCollectionName), not "
                        f"{len(named)} times: {', '.join(map(repr, named)) or 'none'}")
    return named[0]


def collection_aliases(collection: str, aliases: list[tuple[str, str]] | None) -> list[str] | None:
    """The aliases of W&B's input, (alias, artifactCollectionName), all for the collection the version goes to
    (the sequence it is logged to, the portfolio it is linked into)."""
    if aliases is None:
        return None
    elsewhere = sorted({named for _, named in aliases if named != collection})
    if elsewhere:
        raise UserError(f"aliases are given in the collection the version goes to, {collection!r}, not in "
                        f"{', '.join(map(repr, elsewhere))}; link the version to give it aliases elsewhere")
    return [alias for alias, _ in aliases]


def parse_name(name: str) -> tuple[str, str]:
    """"name:v3", "name:alias" or "name" (meaning name:latest) as (collection name, version or alias)."""
    collection, separator, version = name.partition(":")
    collections.check_name("artifact name", collection)
    if not separator:
        return collection, LATEST
    if not VERSION.fullmatch(version):
        collections.check_name("alias", version)
    return collection, version


def version_filter(session: Session, text: str | None, collection_id: ColumnElement[Any] | int | None
                   ) -> ColumnElement[bool]:
    """The WHERE clause of a MongoDB-style filter on versions as seen through `collection_id`."""
    return filters.version_filter(documents.parse(text, "filters"), session.get_bind().dialect.name,
                                  collection_id=collection_id)


# ------------------------------------------------------------------ access

def _find(session: Session, artifact_id: object) -> Artifact | None:
    """A version that is not deleted; the id of a PENDING version dropped at commit for its twin names the twin."""
    number = row_id(artifact_id, "artifact")
    redirect = session.get(ArtifactRedirect, number)
    return session.scalar(select(Artifact).where(Artifact.id == (number if redirect is None else redirect.artifact_id),
                                                 Artifact.state != DELETED))


def _lock(session: Session, artifact: Artifact) -> None:
    """Hold the version until commit and read its state afresh: a write (its row lock on PostgreSQL, the
    database's write lock on SQLite) makes requests that add files, commit or delete take turns, so each sees
    what the one before left."""
    locked = session.execute(update(Artifact).where(Artifact.id == artifact.id, Artifact.state != DELETED)
                             .values(updated_at=utcnow()).returning(Artifact.id)
                             .execution_options(synchronize_session=False)).first()
    if locked is None:
        raise NotFound(f"no artifact with id {artifact.id} (it was deleted meanwhile)")
    session.refresh(artifact)


def _index(session: Session, artifact: Artifact, collection: ArtifactCollection) -> int | None:
    return session.scalar(select(ArtifactMembership.version_index).where(
        ArtifactMembership.artifact_id == artifact.id, ArtifactMembership.collection_id == collection.id))


def _view(session: Session, viewer: Viewer, artifact: Artifact) -> Version | None:
    """The version through its sequence when the viewer can read that, else through the first portfolio they
    can read (a registry's, say); None when hidden from them."""
    place = access.readable_place(session, viewer, artifact)
    return None if place is None else Version(artifact, *place)


def readable(session: Session, viewer: Viewer, artifact_id: object) -> Version | None:
    """The version, or None when it is missing, deleted or hidden from the viewer."""
    artifact = _find(session, artifact_id)
    return None if artifact is None else _view(session, viewer, artifact)


def _readable_or_missing(session: Session, viewer: Viewer, artifact_id: object) -> Version:
    view = readable(session, viewer, artifact_id)
    if view is None:
        raise NotFound(f"no artifact with id {artifact_id!r}")
    return view


def _writable(session: Session, viewer: Viewer, artifact_id: object) -> Artifact:
    """A version the viewer may change: one in a project they write to."""
    artifact = _readable_or_missing(session, viewer, artifact_id).artifact
    access.require_version_writer(session, viewer, artifact)
    return artifact


def _name(artifact: Artifact) -> str:
    project = artifact.collection.project
    return f"{project.entity.name}/{project.name}/{artifact.collection.name} (id {artifact.id})"


# ------------------------------------------------------------------ building and committing

def create(session: Session, viewer: Viewer, entity: str | None, project_name: str, *, run_name: str | None,
           type_name: str, collection_name: str, description: str | None, metadata: str | None,
           aliases: list[str] | None, tags: list[str] | None, ttl_seconds: int | None, history_step: int | None,
           distributed_id: str | None) -> Version:
    """A new PENDING version in the sequence (created with its type when missing), logged by the run when one is
    named; with a distributedID, the PENDING version with that id when there is one (its aliases and tags
    grow by the requested ones)."""
    collections.check_type_name(type_name)
    collections.check_name("artifact name", collection_name)
    meta, aliases, tags = _metadata(metadata), check_aliases(aliases) or [], check_tags(tags) or []
    ttl_seconds, distributed_id = _ttl(ttl_seconds), _distributed_id(distributed_id)
    run = None if run_name is None else runs.writable(session, viewer, entity, project_name, name=run_name)
    project = run.project if run is not None else projects.writable(session, viewer, entity or viewer.username,
                                                                    project_name, create=True)
    if projects.is_registry(project):
        raise UserError(f"{project.entity.name}/{project.name} is a registry: versions are logged to projects and "
                        "then linked into registries")
    sequence = collections.ensure(session, project, SEQUENCE, type_name, name=collection_name)
    if distributed_id is not None:
        pending = session.scalar(select(Artifact).where(
            Artifact.collection_id == sequence.id, Artifact.distributed_id == distributed_id,
            Artifact.state == PENDING).order_by(Artifact.id).limit(1))
        if pending is not None:
            pending.pending_aliases = check_aliases(list(dict.fromkeys([*pending.pending_aliases, *aliases]))) or []
            pending.tags = list(dict.fromkeys([*pending.tags, *tags]))
            if description is not None:
                pending.description = description
            if meta is not None:
                pending.meta = meta
            pending.updated_at = utcnow()
            session.flush()
            return Version(pending, sequence, None)
    artifact = Artifact(collection_id=sequence.id, type_id=sequence.type_id, state=PENDING, digest="",
                        description=description, meta=meta or {}, tags=tags, ttl_seconds=ttl_seconds, size=0,
                        file_count=0, history_step=history_step, distributed_id=distributed_id,
                        pending_aliases=aliases, run_id=None if run is None else run.id, user_id=viewer.user_id)
    session.add(artifact)
    session.flush()
    return Version(artifact, sequence, None)


def add_files(session: Session, viewer: Viewer, artifact_id: object, files: str) -> Artifact:
    """Write manifest entries of a PENDING version: stored files point to blobs the viewer uploaded, references
    are recorded as given."""
    changes = _changes(files)
    artifact = pending_writable(session, viewer, artifact_id)
    store = stores.store_for(of_session(session.info))
    composites = blobs.require_held(session, store, viewer.user_id, [
        (path, entry["sha256"], entry["size"]) for path, entry in changes.items()
        if entry is not None and entry["sha256"] is not None])
    for entry in changes.values():
        if entry is not None:
            entry["composite"] = composites.get(entry["sha256"]) if entry["sha256"] is not None else None
    existing = {row.path: row for row in session.scalars(select(ArtifactEntry).where(
        ArtifactEntry.artifact_id == artifact.id, ArtifactEntry.path.in_(list(changes))))} if changes else {}
    for path, entry in changes.items():
        row = existing.get(path)
        if entry is None:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(ArtifactEntry(artifact_id=artifact.id, path=path, **entry))
        else:
            for key, value in entry.items():
                setattr(row, key, value)
    _update_totals(session, artifact)
    return artifact


def pending_writable(session: Session, viewer: Viewer, artifact_id: object, *, lock: bool = True) -> Artifact:
    """A PENDING version the viewer may change, locked until the transaction ends; without `lock`, a check
    before long work outside the database (the write after it locks and checks again)."""
    artifact = _writable(session, viewer, artifact_id)
    if lock:
        _lock(session, artifact)
    if artifact.state != PENDING:
        raise Conflict(f"version {_name(artifact)} is committed: its files cannot change; log a new version")
    return artifact


def save_upload(session: Session, viewer: Viewer, artifact_id: object, *, path: str, sha256: str, size: int,
                md5: str) -> ArtifactEntry:
    """A file of a PENDING version PUT to an upload URL (createArtifactFiles) by the viewer it was made for, its
    blob just stored and its MD5 checked: held by them, and the entry at `path` (the manifest uploaded later
    must name the same contents there)."""
    artifact = pending_writable(session, viewer, artifact_id)
    blobs.hold_uploaded(session, stores.store_for(of_session(session.info)), viewer.user_id, sha256)
    row = session.get(ArtifactEntry, (artifact.id, run_files.check_name(path)))
    if row is None:
        row = ArtifactEntry(artifact_id=artifact.id, path=path)
        session.add(row)
    row.sha256, row.size, row.md5, row.ref, row.digest, row.extra = sha256, size, md5, None, None, {}
    row.composite = None
    _update_totals(session, artifact)
    return row


def stage_manifest(session: Session, viewer: Viewer, artifact_id: object, contents: dict[str, Any]) -> None:
    """Keep the W&B manifest the client uploaded for a PENDING version (manifests.parse read it); the commit
    makes the version's entries what it lists."""
    pending_writable(session, viewer, artifact_id).staged_manifest = contents


def set_manifest_base(session: Session, viewer: Viewer, artifact_id: object, base_id: object | None, *,
                      incremental: bool) -> None:
    """Record what W&B's client builds the PENDING version's manifest on (createArtifactManifest's baseArtifactID
    and manifestType): a committed version the viewer can read, whose stored files the manifest may then list
    without uploading them, and whose entries an INCREMENTAL manifest keeps unless it lists their paths."""
    artifact = pending_writable(session, viewer, artifact_id)
    if base_id is not None:
        artifact.base_id = _base(session, viewer, base_id).id
    artifact.manifest_incremental = incremental


def _base(session: Session, viewer: Viewer, base_id: object) -> Artifact:
    base = _find(session, base_id)
    if base is None or not access.can_build_on(session, viewer, base):
        raise NotFound(f"no committed artifact with id {base_id!r} to build on")
    return base


def _base_entries(session: Session, viewer: Viewer, artifact: Artifact) -> list[ArtifactEntry]:
    """The entries of the version it is built on, checked again: the viewer may have lost access meanwhile."""
    if artifact.base_id is None:
        return []
    base = _base(session, viewer, artifact.base_id)
    return list(session.scalars(select(ArtifactEntry).where(ArtifactEntry.artifact_id == base.id)))


def _copy_entry(session: Session, artifact: Artifact, path: str, source: ArtifactEntry) -> ArtifactEntry:
    row = ArtifactEntry(artifact_id=artifact.id, path=path, sha256=source.sha256, ref=source.ref,
                        digest=source.digest, size=source.size, extra=dict(source.extra or {}), md5=source.md5,
                        composite=source.composite)
    session.add(row)
    return row


def _apply_manifest(session: Session, viewer: Viewer, artifact: Artifact, contents: dict[str, dict[str, Any]]
                    ) -> None:
    """The version's entries become the manifest's: references as listed, stored files only where the file
    uploaded at that path, or one of the version it is built on, has the manifest's MD5 and size; the rest of what
    was uploaded goes. An INCREMENTAL manifest keeps the base's entries at the paths it does not list."""
    existing = {row.path: row for row in session.scalars(select(ArtifactEntry).where(
        ArtifactEntry.artifact_id == artifact.id))}
    base_entries = _base_entries(session, viewer, artifact)
    carried = {(row.md5, row.size): row for row in base_entries if row.sha256 is not None and row.md5 is not None}
    for path, item in contents.items():
        row = existing.pop(path, None)
        if "ref" in item:
            reference = _reference(path, item)
            if row is None:
                row = ArtifactEntry(artifact_id=artifact.id, path=path)
                session.add(row)
            row.sha256, row.md5, row.ref, row.digest = None, None, reference["ref"], reference["digest"]
            row.composite = None
            row.size, row.extra = reference["size"], reference["extra"]
        elif ((row is None or row.sha256 is None or (row.md5, row.size) != (item["digest"], item["size"]))
              and (item["digest"], item["size"]) in carried):
            if row is not None:
                session.delete(row)
                session.flush()
            _copy_entry(session, artifact, path, carried[item["digest"], item["size"]]).extra = item["extra"]
        elif row is None or row.sha256 is None or (row.md5, row.size) != (item["digest"], item["size"]):
            raise UserError(f"version {_name(artifact)}: file {path!r} of its manifest was not uploaded with that "
                            f"contents (MD5 {item['digest']}, {item['size']} bytes); upload it (createArtifactFiles) "
                            "before committing")
        else:
            row.extra = item["extra"]
    for row in existing.values():
        session.delete(row)
    session.flush()
    if artifact.manifest_incremental:
        for row in base_entries:
            if row.path not in contents:
                _copy_entry(session, artifact, row.path, row)
    artifact.staged_manifest = None
    _update_totals(session, artifact)


def _update_totals(session: Session, artifact: Artifact) -> None:
    session.flush()
    artifact.file_count, artifact.size = _totals(session, artifact)
    artifact.updated_at = utcnow()
    session.flush()


def _totals(session: Session, artifact: Artifact) -> tuple[int, int]:
    """The version's file count and total size. Sizes go up to 2^63-1 each, so the database sums their high and
    low 32 bits apart (neither sum can overflow: SQLite's would fail the request) and Python adds them up."""
    high = ArtifactEntry.size.op(">>")(literal_column("32"))  # PostgreSQL shifts a bigint by an integer
    low = ArtifactEntry.size.op("&")(literal_column("4294967295"))
    count, high_sum, low_sum = session.execute(
        select(func.count(), func.coalesce(func.sum(high), 0), func.coalesce(func.sum(low), 0))
        .where(ArtifactEntry.artifact_id == artifact.id)).one()
    total = (int(high_sum) << 32) + int(low_sum)
    if total > MAX_SIZE:
        raise UserError(f"version {_name(artifact)}: its files would total {total} bytes, more than 2^63-1, the "
                        "most a version may hold")
    return int(count), total


def _add_aliases(session: Session, viewer: Viewer, artifact: Artifact, collection: ArtifactCollection,
                 *, aliases: list[str], event_type: str | None = None) -> None:
    """Point the aliases at the version in the collection, then raise the events: `event_type` (the version
    created or linked) first, then one per alias it did not hold. All come after every change is written, so
    that each automation sees the version as the request leaves it (a link's filter on an alias given with the
    link matches). The viewer is the events' author."""
    added = [alias for alias in aliases if collections.set_alias(session, collection, alias, artifact)]
    if event_type is not None:
        engine.on_artifact(session, event_type, artifact, collection, author=viewer.username)
    for alias in added:
        engine.on_artifact(session, "ADD_ARTIFACT_ALIAS", artifact, collection, alias=alias, author=viewer.username)


def _next_index(session: Session, collection: ArtifactCollection) -> int:
    """The collection's next version index; callers hold its row lock, and the unique (collection, index)
    makes a writer that raced past it retry."""
    top = session.scalar(select(func.max(ArtifactMembership.version_index))
                         .where(ArtifactMembership.collection_id == collection.id))
    return 0 if top is None else top + 1


def commit(session: Session, viewer: Viewer, artifact_id: object) -> Version:
    """PENDING -> COMMITTED under the digest of its entries: the next version of its sequence, with "latest"
    and its requested aliases. When a committed version of the sequence has the same digest, the pending one is
    dropped and that version gets the requested aliases and tags instead."""
    artifact = _writable(session, viewer, artifact_id)
    sequence = artifact.collection
    collections.lock(session, [sequence.id])  # first the collections, then the version, as everywhere
    _lock(session, artifact)
    if artifact.state != PENDING:
        raise Conflict(f"version {_name(artifact)} is committed already")
    if artifact.staged_manifest is not None:
        _apply_manifest(session, viewer, artifact, artifact.staged_manifest)
    now = utcnow()
    entries = session.execute(select(ArtifactEntry.path, ArtifactEntry.sha256, ArtifactEntry.digest,
                                     ArtifactEntry.size, ArtifactEntry.ref)
                              .where(ArtifactEntry.artifact_id == artifact.id)).all()
    digest = manifest_digest((path, sha256 or checksum, size, ref) for path, sha256, checksum, size, ref in entries)
    aliases, tags = list(artifact.pending_aliases or []), list(artifact.tags or [])
    twin = session.scalar(select(Artifact).where(Artifact.collection_id == sequence.id, Artifact.digest == digest,
                                                 Artifact.state == COMMITTED, Artifact.id != artifact.id).limit(1))
    if twin is not None:
        old_id = artifact.id
        session.delete(artifact)
        session.flush()
        session.add(ArtifactRedirect(old_id=old_id, artifact_id=twin.id))
        twin.tags = list(dict.fromkeys([*twin.tags, *tags]))
        twin.updated_at = now
        session.flush()
        _add_aliases(session, viewer, twin, sequence, aliases=aliases)
        return Version(twin, sequence, _index(session, twin, sequence))
    index = _next_index(session, sequence)
    session.add(ArtifactMembership(collection_id=sequence.id, artifact_id=artifact.id, version_index=index))
    artifact.state, artifact.digest, artifact.pending_aliases, artifact.updated_at = COMMITTED, digest, [], now
    collections.set_alias(session, sequence, LATEST, artifact)
    session.flush()
    _add_aliases(session, viewer, artifact, sequence, aliases=aliases, event_type="CREATE_ARTIFACT")
    return Version(artifact, sequence, index)


# ------------------------------------------------------------------ changing

def use(session: Session, viewer: Viewer, entity: str | None, project: str, *, run_name: str,
        artifact_id: object) -> Version:
    """Record that the run used the version (once, however often it is used)."""
    run = runs.writable(session, viewer, entity, project, name=run_name)
    view = _readable_or_missing(session, viewer, artifact_id)
    if view.artifact.state != COMMITTED:
        raise UserError(f"version {_name(view.artifact)} is not committed yet; only committed versions can be used")
    if session.get(ArtifactUsage, (run.id, view.artifact.id)) is None:
        session.add(ArtifactUsage(run_id=run.id, artifact_id=view.artifact.id))
        session.flush()
    return view


def _set_aliases(session: Session, viewer: Viewer, artifact: Artifact, collection: ArtifactCollection,
                 *, aliases: list[str]) -> None:
    """Make `aliases` the version's complete list in the collection ("latest" stays where the server put it)."""
    if artifact.state == PENDING:
        if collection.id != artifact.collection_id:
            raise UserError(f"version {_name(artifact)} is pending: it has aliases only in its sequence")
        artifact.pending_aliases = aliases
        return
    session.execute(delete(ArtifactAlias).where(
        ArtifactAlias.collection_id == collection.id, ArtifactAlias.artifact_id == artifact.id,
        ArtifactAlias.alias != LATEST, ArtifactAlias.alias.not_in(aliases)).execution_options(
        synchronize_session="fetch"))
    _add_aliases(session, viewer, artifact, collection, aliases=aliases)


def update_version(session: Session, viewer: Viewer, artifact_id: object, collection_id: object | None,
                   *, description: str | None, metadata: str | None, aliases: list[tuple[str, str]] | None,
                   tags: list[str] | None, ttl_seconds: int | None, ttl_given: bool,
                   tags_added: list[str] | None = None, tags_removed: list[str] | None = None) -> Version:
    """Change what is given; aliases, (alias, artifactCollectionName) as W&B sends them, are those in
    `collection_id` (default: the sequence), which they must name, whose project the viewer must write to, and the
    rest needs write access to the sequence's project. Tags are all given (`tags`), or added and removed (W&B's
    tagsToAdd and tagsToDelete), or both: then the changes apply to those given."""
    meta, tags, ttl_seconds = _metadata(metadata), check_tags(tags), _ttl(ttl_seconds)
    added, removed = check_tags(tags_added) or [], check_tags(tags_removed) or []
    artifact = _readable_or_missing(session, viewer, artifact_id).artifact
    if added or removed:
        base = list(artifact.tags or []) if tags is None else tags
        tags = check_tags([*(tag for tag in base if tag not in removed), *added])
    collection = artifact.collection
    if collection_id is not None:
        found = collections.readable(session, viewer, collection_id)
        if found is None:
            raise NotFound(f"no artifact collection with id {collection_id!r}")
        collection = found
    names = check_aliases(collection_aliases(collection.name, aliases))
    access.require_project_writer(session, viewer, collection.project)
    if collection.id != artifact.collection_id and ((description, meta, tags) != (None, None, None) or ttl_given):
        access.require_project_writer(session, viewer, artifact.collection.project)
    if names is not None:
        collections.lock(session, [collection.id])
    _lock(session, artifact)  # what a commit, link or unlink meanwhile changed is seen from here on
    index = _index(session, artifact, collection)
    if index is None and not (artifact.state == PENDING and collection.id == artifact.collection_id):
        raise NotFound(f"version {_name(artifact)} is not in collection {collection.name!r}")
    if description is not None:
        artifact.description = description
    if meta is not None:
        artifact.meta = meta
    if tags is not None:
        artifact.tags = tags
    if ttl_given:
        artifact.ttl_seconds = ttl_seconds
    if names is not None:
        _set_aliases(session, viewer, artifact, collection, aliases=names)
    artifact.updated_at = utcnow()
    session.flush()
    return Version(artifact, collection, index)


@dataclass(frozen=True)
class PlacedAlias:
    """W&B's ArtifactCollectionAliasInput: an alias in a collection named by entity, project and name."""

    entity: str
    project: str
    collection: str
    alias: str


def change_aliases(session: Session, viewer: Viewer, artifact_id: object, aliases: list[PlacedAlias], *,
                   add: bool) -> None:
    """W&B's addAliases (`add`) and deleteAliases: each alias is put on (or taken off) the version in its
    collection, which must hold the version and whose project the viewer must write to; the version's other
    aliases stay. "latest" is the server's to move, so it is left as it is."""
    artifact = _readable_or_missing(session, viewer, artifact_id).artifact
    grouped: dict[tuple[str, str, str], list[str]] = {}
    for placed in aliases:
        grouped.setdefault((placed.entity, placed.project, placed.collection), []).append(placed.alias)
    for (entity, project_name, name), given in grouped.items():
        project = projects.readable(session, viewer, entity, project_name)
        collection = None if project is None else collections.find(session, project, name)
        if collection is None:
            raise NotFound(f"no artifact collection {entity}/{project_name}/{name}")
        access.require_project_writer(session, viewer, collection.project)
        collections.lock(session, [collection.id])
        _lock(session, artifact)
        if _index(session, artifact, collection) is None and not (
                artifact.state == PENDING and collection.id == artifact.collection_id):
            raise NotFound(f"version {_name(artifact)} is not in collection {collection.name!r}")
        held = list(artifact.pending_aliases or []) if artifact.state == PENDING else list(session.scalars(
            select(ArtifactAlias.alias).where(ArtifactAlias.collection_id == collection.id,
                                              ArtifactAlias.artifact_id == artifact.id, ArtifactAlias.alias != LATEST)))
        changed = check_aliases(given) or []
        kept = [*held, *changed] if add else [alias for alias in held if alias not in changed]
        _set_aliases(session, viewer, artifact, collection, aliases=list(dict.fromkeys(kept)))
    artifact.updated_at = utcnow()
    session.flush()


def _places(session: Session, artifact: Artifact) -> list[int]:
    """The collections holding the version: its sequence and the portfolios it is linked into."""
    return [artifact.collection_id, *session.scalars(select(ArtifactMembership.collection_id).where(
        ArtifactMembership.artifact_id == artifact.id, ArtifactMembership.collection_id != artifact.collection_id))]


def _delete(session: Session, artifact: Artifact) -> None:
    """A committed version becomes DELETED: it leaves every collection and all lineage, its files and aliases go,
    and its memberships stay so that its version numbers are never given out again. Its collections are locked
    (already, by a caller that could lock them before the version), so that "latest" is put back where no
    concurrent commit or link is moving it."""
    places = _places(session, artifact)
    collections.lock(session, places)
    for table in (ArtifactAlias, ArtifactEntry, ArtifactUsage):
        session.execute(delete(table).where(table.artifact_id == artifact.id)
                        .execution_options(synchronize_session="fetch"))
    artifact.state, artifact.updated_at, artifact.pending_aliases = DELETED, utcnow(), []
    session.flush()
    for collection_id in places:
        collections.refresh_latest(session, collection_id)


def delete_version(session: Session, viewer: Viewer, artifact_id: object, delete_aliases: bool) -> Version:
    """A version holding aliases (other than "latest"), in its sequence or a portfolio, is kept unless
    `delete_aliases`. A PENDING version simply goes. Returns the version through its sequence as it was, which
    W&B's answer names."""
    artifact = _writable(session, viewer, artifact_id)
    collections.lock(session, _places(session, artifact))
    _lock(session, artifact)
    was = Version(artifact, artifact.collection, _index(session, artifact, artifact.collection))
    if artifact.state == PENDING:
        session.delete(artifact)
        session.flush()
        return was
    held = session.execute(select(ArtifactAlias.alias, ArtifactCollection).join(
        ArtifactCollection, ArtifactCollection.id == ArtifactAlias.collection_id).where(
        ArtifactAlias.artifact_id == artifact.id, ArtifactAlias.alias != LATEST)).all()
    if held and not delete_aliases:
        seen = [(alias, access.can_read_project(session, viewer, collection.project))
                for alias, collection in held]
        shown = ", ".join(sorted({alias for alias, readable in seen if readable}))
        hidden = "" if all(readable for _, readable in seen) else " (some in collections hidden from you)"
        raise UserError(f"version {_name(artifact)} has aliases {shown}{hidden}; remove them first or pass "
                        "deleteAliases: true")
    _delete(session, artifact)
    return was


def delete_logged_by(session: Session, viewer: Viewer, run: Run) -> int:
    """Delete the versions the run logged, its output artifacts (not those it only used), as W&B's
    run.delete(delete_artifacts=True) does: aliases, links into portfolios and PENDING versions included. The
    viewer must be allowed to change each version's project (the run's, where they were logged). Returns how
    many went; a version deleted meanwhile is skipped."""
    logged = list(session.scalars(select(Artifact).where(Artifact.run_id == run.id, Artifact.state != DELETED)
                                  .order_by(Artifact.id)))
    if not logged:
        return 0
    for project in {artifact.collection.project for artifact in logged}:
        access.require_project_writer(session, viewer, project)
    # Collections first, in id order, then the versions: the order every writer takes them in (see _lock).
    collections.lock(session, [place for artifact in logged for place in _places(session, artifact)])
    still = set(session.scalars(update(Artifact).where(Artifact.id.in_([a.id for a in logged]),
                                                       Artifact.state != DELETED)
                                .values(updated_at=utcnow()).returning(Artifact.id)
                                .execution_options(synchronize_session=False)))
    for artifact in logged:
        if artifact.id not in still:
            continue
        session.refresh(artifact)
        if artifact.state == PENDING:
            session.delete(artifact)
            session.flush()
        else:
            _delete(session, artifact)
    return len(still)


def expire(session: Session, now: datetime | None = None) -> int:
    """Delete the committed versions whose TTL has run out (aliases and all); returns how many."""
    now = now or utcnow()
    if session.get_bind().dialect.name == "postgresql":
        due = Artifact.created_at + func.make_interval(0, 0, 0, 0, 0, 0, Artifact.ttl_seconds) <= now
    else:
        due = (func.julianday(Artifact.created_at) + Artifact.ttl_seconds / 86400.0
               <= func.julianday(literal(now, UTCDateTime)))
    expired = list(session.scalars(select(Artifact).where(Artifact.state == COMMITTED,
                                                          Artifact.ttl_seconds.is_not(None), due)
                                   .with_for_update(skip_locked=True)))
    for artifact in expired:
        _delete(session, artifact)
    return len(expired)


def link(session: Session, viewer: Viewer, artifact_id: object, entity: str | None, *, project_name: str,
         collection_name: str, aliases: list[str] | None) -> Version:
    """Link a committed version into a portfolio (created with the version's type when missing); linking it
    again only applies the aliases. A registry may refuse the type. Only those who may share the version
    (access.require_sharer) link it, into a project they write to."""
    aliases = check_aliases(aliases) or []
    collections.check_name("artifact name", collection_name)
    artifact = _readable_or_missing(session, viewer, artifact_id).artifact
    access.require_sharer(session, viewer, artifact)
    registries.ensure_core(session, viewer, entity or viewer.username, project_name)
    project = projects.writable(session, viewer, entity or viewer.username, project_name, create=True)
    type_name = artifact.type.name
    collections.check_type(session, project, type_name)
    portfolio = collections.ensure(session, project, PORTFOLIO, type_name, name=collection_name)
    _lock(session, artifact)  # deleted meanwhile: not linked; deleted later: its delete sees this link
    if artifact.state != COMMITTED:
        raise UserError(f"version {_name(artifact)} is not committed yet; only committed versions can be linked")
    membership = session.scalar(select(ArtifactMembership).where(ArtifactMembership.collection_id == portfolio.id,
                                                                 ArtifactMembership.artifact_id == artifact.id))
    event_type = None
    if membership is None:
        membership = ArtifactMembership(collection_id=portfolio.id, artifact_id=artifact.id,
                                        version_index=_next_index(session, portfolio))
        session.add(membership)
        collections.set_alias(session, portfolio, LATEST, artifact)
        session.flush()
        event_type = "LINK_ARTIFACT"
    _add_aliases(session, viewer, artifact, portfolio, aliases=aliases, event_type=event_type)
    return Version(artifact, portfolio, membership.version_index)


def unlink(session: Session, viewer: Viewer, artifact_id: object, collection_id: object) -> None:
    """Take a version out of a portfolio, with its aliases there; "latest" moves back. The portfolio's writers
    may, and so may the version's own (access.can_unlink), wherever it was linked."""
    artifact = _find(session, artifact_id)
    portfolio = session.get(ArtifactCollection, row_id(collection_id, "artifact collection"))
    if (artifact is None or portfolio is None or _index(session, artifact, portfolio) is None
            or not access.can_unlink(session, viewer, artifact, portfolio)):
        portfolio = collections.writable(session, viewer, collection_id)
    if portfolio.kind != PORTFOLIO:
        raise UserError(f"collection {portfolio.name!r} is a sequence: versions leave it by being deleted, "
                        "not unlinked")
    collections.lock(session, [portfolio.id])  # a link meanwhile may move "latest"
    artifact_key = row_id(artifact_id, "artifact") if artifact is None else artifact.id
    membership = session.scalar(select(ArtifactMembership).where(ArtifactMembership.collection_id == portfolio.id,
                                                                 ArtifactMembership.artifact_id == artifact_key))
    if membership is None:
        raise NotFound(f"artifact {artifact_id!r} is not linked into {portfolio.name!r}")
    session.delete(membership)
    session.execute(delete(ArtifactAlias).where(ArtifactAlias.collection_id == portfolio.id,
                                                ArtifactAlias.artifact_id == artifact_key)
                    .execution_options(synchronize_session="fetch"))
    session.flush()
    collections.refresh_latest(session, portfolio.id)


# ------------------------------------------------------------------ finding and listing

def in_collection(session: Session, collection: ArtifactCollection, version: str) -> Version | None:
    """The committed version "v3" or the one holding an alias in the collection."""
    query = _members(collection, None)
    number = VERSION.fullmatch(version)
    if number is not None:
        if not number[1].isascii() or len(number[1]) > 20 or int(number[1]) > MAX_INDEX:
            return None
        query = query.where(ArtifactMembership.version_index == int(number[1]))
    else:
        query = query.join(ArtifactAlias, and_(ArtifactAlias.artifact_id == Artifact.id,
                                               ArtifactAlias.collection_id == collection.id)).where(
            ArtifactAlias.alias == check_alias(version))
    row = session.execute(query).first()
    return None if row is None else Version(row[0], collection, row[1])


def by_name(session: Session, project: Project, name: str) -> Version | None:
    """A version of a project's collection by "name:v3", "name:alias" or "name" (name:latest)."""
    collection_name, version = parse_name(name)
    collection = collections.find(session, project, collection_name)
    return None if collection is None else in_collection(session, collection, version)


def _members(collection: ArtifactCollection, where: ColumnElement[bool] | None) -> Select[Artifact, int]:
    query = (select(Artifact, ArtifactMembership.version_index)
             .join(ArtifactMembership, ArtifactMembership.artifact_id == Artifact.id)
             .where(ArtifactMembership.collection_id == collection.id, Artifact.state == COMMITTED))
    return query if where is None else query.where(where)


def versions(session: Session, collection: ArtifactCollection, where: ColumnElement[bool] | None,
             first: int | None, *, after: str | None) -> pagination.Page[Version]:
    """A page of the collection's committed versions matching `where`, newest first."""
    size, start = pagination.page_size(first), pagination.offset_of(after)
    rows = session.execute(_members(collection, where).order_by(ArtifactMembership.version_index.desc())
                           .offset(start).limit(size + 1))
    return paged(session, [Version(artifact, collection, index) for artifact, index in rows], start, size)


def paged(session: Session, views: list[Version], start: int, size: int) -> pagination.Page[Version]:
    """A page of versions with their aliases and source indexes read for all of them at once: a page of a
    thousand versions costs two queries more, not two thousand."""
    page = pagination.paged(views, start, size)
    if not page.items:
        return page
    held: dict[tuple[int, int], list[str]] = {}
    pairs = {(view.collection.id, view.artifact.id) for view in page.items}
    for collection_id, artifact_id, alias in session.execute(
            select(ArtifactAlias.collection_id, ArtifactAlias.artifact_id, ArtifactAlias.alias)
            .where(ArtifactAlias.artifact_id.in_({artifact_id for _, artifact_id in pairs}),
                   ArtifactAlias.collection_id.in_({collection_id for collection_id, _ in pairs}))
            .order_by(ArtifactAlias.alias)):
        if (collection_id, artifact_id) in pairs:
            held.setdefault((collection_id, artifact_id), []).append(alias)
    sources = _source_indexes(session, {view.artifact.id for view in page.items if view.is_link})
    page.items = [replace(view, loaded=(tuple(held.get((view.collection.id, view.artifact.id), ())),
                                        sources.get(view.artifact.id) if view.is_link else view.index))
                  for view in page.items]
    return page


def _in_scope(session: Session, scope: ColumnElement[bool], collection_filters_text: str | None,
              filters_text: str | None) -> Select[Artifact, ArtifactCollection, int]:
    collection_filter = collections.collection_filter(session, collection_filters_text)
    return (select(Artifact, ArtifactCollection, ArtifactMembership.version_index)
            .join(ArtifactMembership, ArtifactMembership.artifact_id == Artifact.id)
            .join(ArtifactCollection, ArtifactCollection.id == ArtifactMembership.collection_id)
            .where(scope, Artifact.state == COMMITTED, collection_filter,
                   version_filter(session, filters_text, ArtifactMembership.collection_id.expression)))


def in_scope(session: Session, scope: ColumnElement[bool], collection_filters_text: str | None,
             filters_text: str | None, *, first: int | None, after: str | None) -> pagination.Page[Version]:
    """A page of the committed versions in the collections in `scope` (a registry's, registries.in_registry)
    matching both filters, each seen through its collection there, most recently added first."""
    size, start = pagination.page_size(first), pagination.offset_of(after)
    query = _in_scope(session, scope, collection_filters_text, filters_text)
    rows = session.execute(query.order_by(ArtifactMembership.created_at.desc(), ArtifactMembership.id.desc())
                           .offset(start).limit(size + 1))
    return paged(session, [Version(artifact, collection, index) for artifact, collection, index in rows], start, size)


def count_in_scope(session: Session, scope: ColumnElement[bool], collection_filters_text: str | None,
                   filters_text: str | None) -> int:
    rows = _in_scope(session, scope, collection_filters_text, filters_text).with_only_columns(
        ArtifactMembership.id, maintain_column_froms=True).subquery()
    return session.scalar(select(func.count()).select_from(rows)) or 0


def _source_indexes(session: Session, artifact_ids: Iterable[int]) -> dict[int, int]:
    """The versions' indexes in their sequences, by id."""
    ids = list(artifact_ids)
    if not ids:
        return {}
    return dict(session.execute(select(ArtifactMembership.artifact_id, ArtifactMembership.version_index).join(
        Artifact, and_(Artifact.id == ArtifactMembership.artifact_id,
                       Artifact.collection_id == ArtifactMembership.collection_id))
        .where(ArtifactMembership.artifact_id.in_(ids))).all())


def count_versions(session: Session, collection: ArtifactCollection, where: ColumnElement[bool] | None) -> int:
    return _count(session, _members(collection, where))


def source_index(session: Session, version: Version) -> int | None:
    """The version's index in its sequence."""
    if version.loaded is not None:
        return version.loaded[1]
    if not version.is_link:
        return version.index
    return _index(session, version.artifact, version.artifact.collection)


def membership(session: Session, version: Version) -> ArtifactMembership:
    """The row of a committed version's place in the collection it is seen through."""
    row = session.scalar(select(ArtifactMembership).where(ArtifactMembership.collection_id == version.collection.id,
                                                          ArtifactMembership.artifact_id == version.artifact.id))
    if row is None:
        raise NotFound(f"version {_name(version.artifact)} is not in collection {version.collection.name!r}")
    return row


def aliases(session: Session, version: Version) -> list[str]:
    """The version's aliases in the collection it is seen through."""
    if version.loaded is not None:
        return list(version.loaded[0])
    return list(session.scalars(select(ArtifactAlias.alias).where(
        ArtifactAlias.collection_id == version.collection.id, ArtifactAlias.artifact_id == version.artifact.id)
        .order_by(ArtifactAlias.alias)))


def source_readable(session: Session, viewer: Viewer, version: Version) -> bool:
    """Whether the viewer may browse the version's sequence: a registry's reader sees which sequence a linked
    version came from, not the other versions of a project hidden from them."""
    return not version.is_link or access.can_read_project(session, viewer, version.artifact.collection.project)


def collection_readable(session: Session, viewer: Viewer, version: Version) -> bool:
    """Whether the viewer may browse the collection the version was reached through: a version's owner lists its
    links into projects hidden from them (to take them back), not what else those portfolios hold."""
    return not version.is_link or access.can_read_project(session, viewer, version.collection.project)


def linked(session: Session, viewer: Viewer, version: Version) -> list[Version]:
    """A source version as seen through each portfolio it is linked into where the viewer may see the link; a
    link has none."""
    if version.is_link:
        return []
    rows = session.execute(
        select(ArtifactMembership, ArtifactCollection)
        .join(ArtifactCollection, ArtifactCollection.id == ArtifactMembership.collection_id)
        .where(ArtifactMembership.artifact_id == version.artifact.id, ArtifactCollection.kind == PORTFOLIO)
        .order_by(ArtifactMembership.id).limit(MAX_LINKED))
    return [Version(version.artifact, collection, membership.version_index) for membership, collection in rows
            if access.can_see_link(session, viewer, version.artifact, collection)]


def _readable_projects(session: Session, viewer: Viewer, project_ids: Select[Any]) -> list[int]:
    """Of the projects `project_ids` selects, those the viewer can read: lineage crosses projects."""
    return [project.id for project in session.scalars(select(Project).where(Project.id.in_(project_ids)))
            if access.can_read_project(session, viewer, project)]


def logged_by(session: Session, viewer: Viewer, artifact: Artifact) -> Run | None:
    run = artifact.run
    if run is None or not access.can_read_project(session, viewer, run.project):
        return None
    return run


def created_by(session: Session, viewer: Viewer, artifact: Artifact) -> Run | User | None:
    """W&B's createdBy: the run that logged it (None where the viewer may not see it), or, logged without a run,
    the user who did."""
    if artifact.run_id is not None:
        return logged_by(session, viewer, artifact)
    return None if artifact.user_id is None else session.get(User, artifact.user_id)


def used_by(session: Session, viewer: Viewer, artifact: Artifact, first: int | None,
            *, after: str | None) -> tuple[pagination.Page[Run], int]:
    """A page of the runs the viewer can see that used the version, oldest use first, and how many there are."""
    readable_ids = _readable_projects(session, viewer, select(Run.project_id).join(
        ArtifactUsage, ArtifactUsage.run_id == Run.id).where(ArtifactUsage.artifact_id == artifact.id))
    query = (select(Run).join(ArtifactUsage, ArtifactUsage.run_id == Run.id)
             .where(ArtifactUsage.artifact_id == artifact.id, Run.project_id.in_(readable_ids)))
    size, start = pagination.page_size(first), pagination.offset_of(after)
    rows = session.scalars(query.order_by(ArtifactUsage.used_at, Run.id).offset(start).limit(size + 1))
    return pagination.paged(list(rows), start, size), _count(session, query)


def logged(session: Session, run: Run, first: int | None,
           after: str | None) -> tuple[pagination.Page[Version], int]:
    """A page of the versions the run logged, in the order it logged them, and how many there are. Whoever sees
    the run sees its project, where they were logged."""
    query = (select(Artifact, ArtifactMembership.version_index)
             .join(ArtifactMembership, and_(ArtifactMembership.artifact_id == Artifact.id,
                                            ArtifactMembership.collection_id == Artifact.collection_id))
             .where(Artifact.run_id == run.id, Artifact.state == COMMITTED))
    size, start = pagination.page_size(first), pagination.offset_of(after)
    rows = session.execute(query.order_by(Artifact.id).offset(start).limit(size + 1))
    page = paged(session, [Version(artifact, artifact.collection, index) for artifact, index in rows], start, size)
    return page, _count(session, query)


def used(session: Session, viewer: Viewer, run: Run, first: int | None,
         *, after: str | None) -> tuple[pagination.Page[Version], int]:
    """A page of the versions the run used that the viewer can see (through their sequence, or else a portfolio
    such as a registry's), in the order it used them, and how many there are."""
    used_ids = select(ArtifactUsage.artifact_id).where(ArtifactUsage.run_id == run.id)
    readable_ids = _readable_projects(session, viewer, select(ArtifactCollection.project_id).join(
        ArtifactMembership, ArtifactMembership.collection_id == ArtifactCollection.id).where(
        ArtifactMembership.artifact_id.in_(used_ids)))
    seen = select(ArtifactMembership.artifact_id).join(
        ArtifactCollection, ArtifactCollection.id == ArtifactMembership.collection_id).where(
        ArtifactCollection.project_id.in_(readable_ids))
    query = (select(Artifact).join(ArtifactUsage, ArtifactUsage.artifact_id == Artifact.id)
             .where(ArtifactUsage.run_id == run.id, Artifact.state == COMMITTED, Artifact.id.in_(seen)))
    size, start = pagination.page_size(first), pagination.offset_of(after)
    rows = list(session.scalars(query.order_by(ArtifactUsage.used_at, Artifact.id).offset(start).limit(size + 1)))
    indexes = _source_indexes(session, (artifact.id for artifact in rows))
    views = [Version(artifact, artifact.collection, indexes.get(artifact.id))
             if access.can_read_project(session, viewer, artifact.collection.project)
             else _view(session, viewer, artifact) for artifact in rows]  # a used registry version, say
    return paged(session, [view for view in views if view is not None], start, size), _count(session, query)


def _count(session: Session, query: AnySelect) -> int:
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


# ------------------------------------------------------------------ files

def url_of(artifact: Artifact, entry: ArtifactEntry) -> str | None:
    """Where a stored entry is downloaded from, relative to the server's root; references have no URL here."""
    return None if entry.sha256 is None else path_url(artifact, entry.path)


def path_url(artifact: Artifact, path: str) -> str:
    """Where the version's stored file at `path` is downloaded from, relative to the server's root."""
    return f"/files/artifacts/{artifact.id}/" + "/".join(quote(part, safe="") for part in path.split("/"))


def _entries(artifact: Artifact, names: list[str] | None) -> Select[Any]:
    query = select(ArtifactEntry).where(ArtifactEntry.artifact_id == artifact.id)
    return query if names is None else query.where(ArtifactEntry.path.in_(names))


def files(session: Session, artifact: Artifact, names: list[str] | None, first: int | None,
          *, after: str | None) -> pagination.Page[ArtifactEntry]:
    """A page of the manifest's entries in path order; `names` picks exact paths."""
    if names is not None and len(names) > MAX_ENTRIES_PER_REQUEST:
        raise UserError(f"names may list at most {MAX_ENTRIES_PER_REQUEST} paths, not {len(names)}")
    size, start = pagination.page_size(first), pagination.offset_of(after)
    rows = session.scalars(_entries(artifact, names).order_by(ArtifactEntry.path).offset(start).limit(size + 1))
    return pagination.paged(list(rows), start, size)


def count_files(session: Session, artifact: Artifact, names: list[str] | None) -> int:
    return _count(session, _entries(artifact, names))


def file(session: Session, artifact: Artifact, path: str) -> ArtifactEntry | None:
    return session.get(ArtifactEntry, (artifact.id, path))


def downloadable(session: Session, viewer: Viewer, artifact_id: str, path: str) -> ArtifactEntry | None:
    """The entry, for a viewer who can read the version; None when either is missing or hidden from them."""
    try:
        view = readable(session, viewer, artifact_id)
    except NotFound:
        return None
    return None if view is None else file(session, view.artifact, path)


def stored_entries(session: Session, viewer: Viewer, artifact_id: str, paths: list[str]) -> list[ArtifactEntry]:
    """The stored (not referenced) entries at `paths` of a version the viewer can read; NotFound otherwise."""
    view = readable(session, viewer, artifact_id)
    if view is None:
        raise NotFound(f"no artifact {artifact_id!r} (or no access to it)")
    return list(session.scalars(select(ArtifactEntry).where(ArtifactEntry.artifact_id == view.artifact.id,
                                                            ArtifactEntry.path.in_(paths),
                                                            ArtifactEntry.sha256.is_not(None))))


def without_md5(session: Session, artifact: Artifact) -> dict[str, str]:
    """The contents of the version's stored entries whose MD5 is not known yet (logged by runbase's own SDK, which
    names contents by SHA-256), by SHA-256, each with the blob that holds it: W&B's manifest needs it."""
    rows = session.execute(select(ArtifactEntry.sha256, ArtifactEntry.composite).where(
        ArtifactEntry.artifact_id == artifact.id, ArtifactEntry.sha256.is_not(None), ArtifactEntry.md5.is_(None)))
    return {sha256: composite or sha256 for sha256, composite in rows if sha256 is not None}


def record_md5(session: Session, artifact: Artifact, sums: dict[str, str]) -> list[ArtifactEntry]:
    """Keep the MD5s computed for the version's blobs (by SHA-256); its entries, in path order."""
    for sha256, md5 in sums.items():
        session.execute(update(ArtifactEntry).where(ArtifactEntry.artifact_id == artifact.id,
                                                    ArtifactEntry.sha256 == sha256, ArtifactEntry.md5.is_(None))
                        .values(md5=md5).execution_options(synchronize_session=False))
    session.flush()
    return list(session.scalars(_entries(artifact, None).order_by(ArtifactEntry.path)
                                .execution_options(populate_existing=True)))
