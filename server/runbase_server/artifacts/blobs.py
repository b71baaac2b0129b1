"""Content-addressed blob storage: file contents stored once by SHA-256, whoever uploads them,
and usable only by the users who uploaded them (`held`, `hold`). A file sent in several parts straight to an
object store is stored once by its parts' SHA-256s instead, the one name the store can check
(direct_uploads.py): its uploader's holding and the files they attach name that copy (`composite`).

`BlobStore` is the interface the rest of the server uses: the local disk (the default) or an S3-compatible
object store (object_store.py). Uploads are streamed: each chunk is hashed as it arrives and written where
nobody reads it yet (a temporary file, an unfinished multipart upload), and only a complete upload whose digest
matches the declared one becomes visible."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import tempfile
import time
from datetime import datetime, timezone
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import BinaryIO, NamedTuple, Protocol

import anyio.to_thread

from sqlalchemy import delete, false, select, text, update
from sqlalchemy.orm import Session

from ..database import STARTUP_LOCK, Database
from ..errors import UserError
from ..settings import ServerSettings
from ..tables import ArtifactEntry, BlobHolder, DirectUpload, RunFile, ServerState

DIGEST = re.compile(r"[0-9a-f]{64}")
# A direct multipart upload's copy (direct_uploads.py): named by the SHA-256 of its parts' SHA-256s, "-", and how
# many parts, which the object store checked, not by the whole file's SHA-256, which it cannot check.
COMPOSITE = re.compile(r"[0-9a-f]{64}-[1-9][0-9]{0,4}")
QUERY_BATCH = 500  # digests per IN (...) query
KEEP_PARTIAL_BYTES = 8 << 20  # an interrupted upload shorter than this is sent again whole
READ_SIZE = 1 << 20  # bytes per chunk read from a store (Starlette's 64 KiB default halves download speed)
BLOB_LOCK = STARTUP_LOCK + 16  # see lock_blobs (jobs.py numbers its locks from STARTUP_LOCK + 1)


class BlobTooLarge(UserError):
    code = "PAYLOAD_TOO_LARGE"


class DigestMismatch(UserError):
    code = "DIGEST_MISMATCH"


class BlobCollected(UserError):
    """Contents stored already when they came in again were deleted by garbage collection meanwhile."""

    code = "BLOB_COLLECTED"


class OffsetMismatch(UserError):
    """A resumed upload must start where the kept part ends."""

    code = "UPLOAD_OFFSET_MISMATCH"

    def __init__(self, kept: int) -> None:
        super().__init__(f"the server holds {kept} bytes of this upload; resume from there")
        self.kept = kept


def check_digest(digest: object) -> str:
    """A blob's name: 64 lowercase hex characters of SHA-256."""
    if not isinstance(digest, str) or not DIGEST.fullmatch(digest):
        raise UserError(f"a digest must be 64 lowercase hexadecimal characters (SHA-256), not {digest!r}")
    return digest


def check_blob_name(name: object) -> str:
    """What a stored blob is called: its SHA-256, or (in an object store) a direct multipart upload's
    composite name."""
    if isinstance(name, str) and COMPOSITE.fullmatch(name):
        return name
    return check_digest(name)


class BlobStore(Protocol):
    """Where blob contents live: local disk (LocalBlobStore) or an S3-compatible object store (S3BlobStore).
    Contents are streamed in and out, never handed over as files, so that no caller depends on a local path.
    The metadata calls block (a stat, or a request to the store): async code runs them in a thread."""

    def describe(self) -> str:
        """Where the blobs are, for the server's startup line."""

    def size(self, digest: str) -> int | None:
        """The stored blob's size in bytes, or None when it is not stored."""

    def sizes(self, digests: list[str]) -> dict[str, int]:
        """The sizes of those of the digests that are stored (one call for many, as an object store asks
        concurrently)."""

    async def put(self, digest: str, chunks: AsyncIterator[bytes], max_bytes: int, upload_key: str | None = None,
                  *, offset: int = 0) -> bool:
        """Store the chunks as the blob `digest`; False when the store had it already and wrote nothing. Raises DigestMismatch or
        BlobTooLarge (with nothing stored, nothing visible) when the contents are not what was declared. With
        an `upload_key` (the uploader), a store that can keeps an interrupted upload so that a later call with
        `offset` (its length, see `resumable_at`) sends only the rest; OffsetMismatch says where to resume."""

    def resumable_at(self, digest: str, upload_key: str) -> int:
        """How many bytes of the uploader's interrupted upload of `digest` are kept (0 when none)."""

    def read(self, digest: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """The stored blob's bytes from `start` up to `end` (exclusive; None: to the end), in chunks of
        about READ_SIZE. Raises FileNotFoundError when it is not stored."""

    def touch(self, *digests: str) -> None:
        """Mark stored blobs as just used, so garbage collection gives them a full grace period."""

    def stored_before(self, cutoff: float) -> Iterator[str]:
        """Digests of the blobs last stored or touched before `cutoff` (a Unix time)."""

    def fresh(self, names: list[str], cutoff: float) -> set[str]:
        """Those of the blobs that were stored or touched at `cutoff` or later, or are gone: asked again just
        before deleting them, as stored_before's answer may be old by then."""

    def delete(self, *names: str) -> None:
        """Remove blobs; removing one that is gone already is not an error."""

    def clear_incoming(self, cutoff: float) -> None:
        """Remove uploads abandoned (and records of touches made) before `cutoff`, the parts of multipart uploads
        among them."""

    async def put_part(self, upload: str, number: int, chunks: AsyncIterator[bytes]) -> None:
        """Keep part `number` of the multipart upload `upload` (artifacts/multipart.py) apart from the blobs, in
        place of any earlier try; the chunks raise at their end when the part is not what was declared, and then
        nothing of this try is kept."""

    def read_part(self, upload: str, number: int) -> AsyncIterator[bytes]:
        """A kept part's bytes; raises FileNotFoundError when it is not kept."""

    def delete_parts(self, upload: str, count: int) -> None:
        """Remove parts 1 to `count` of the upload (those that are kept)."""


async def checked(digest: str, chunks: AsyncIterator[bytes], max_bytes: int,
                  hasher: hashlib._Hash | None = None, size: int = 0) -> AsyncIterator[bytes]:
    """The chunks, counted against `max_bytes` and hashed as they pass (after `size` bytes already hashed into
    `hasher`); once they end, DigestMismatch unless their SHA-256 is `digest`. A store writes what passes and
    makes it visible only if the iteration ends without an error."""
    hasher = hasher or hashlib.sha256()
    async for chunk in chunks:
        size += len(chunk)
        within_limit(size, max_bytes)
        hasher.update(chunk)
        yield chunk
    actual = hasher.hexdigest()
    if actual != digest:
        raise DigestMismatch(f"the uploaded contents have SHA-256 {actual}, not the declared {digest}; "
                             "nothing was stored")


def within_limit(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise BlobTooLarge(f"the upload is larger than the server's limit of {max_bytes} bytes (RUNBASE_MAX_FILE_BYTES)")


class Unnamed(NamedTuple):
    """Contents put_unnamed stored: their SHA-256 (the blob's name), size and MD5 (base64, as W&B names it)."""

    sha256: str
    size: int
    md5: str


async def put_unnamed(store: BlobStore, chunks: AsyncIterator[bytes], max_bytes: int, *, md5: bytes | None,
                      spool_dir: Path) -> Unnamed:
    """Store contents whose SHA-256 nobody declared (the official wandb client's uploads): they are spooled to
    an unnamed temporary file while hashed, checked against `md5` (W&B's clients declare one) when given, then
    put like any declared upload. Nothing is stored on a mismatch."""
    spool_dir.mkdir(parents=True, exist_ok=True)
    sha256, md5_of = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
    size = 0
    with tempfile.TemporaryFile(dir=spool_dir) as spool:
        async for chunk in chunks:
            size += len(chunk)
            within_limit(size, max_bytes)
            sha256.update(chunk)
            md5_of.update(chunk)
            spool.write(chunk)
        if md5 is not None and md5_of.digest() != md5:
            raise DigestMismatch(f"the uploaded contents have MD5 {base64.b64encode(md5_of.digest()).decode()}, "
                                 f"not the declared {base64.b64encode(md5).decode()}; nothing was stored")
        spool.seek(0)

        async def replay() -> AsyncIterator[bytes]:
            while block := spool.read(READ_SIZE):
                yield block

        digest = sha256.hexdigest()
        await store.put(digest, replay(), max_bytes)
    return Unnamed(digest, size, base64.b64encode(md5_of.digest()).decode())


async def md5_of(store: BlobStore, digest: str) -> str:
    """A stored blob's MD5, base64 (W&B's clients name contents by it), read from the store."""
    md5 = hashlib.md5(usedforsecurity=False)
    async for chunk in store.read(digest):
        md5.update(chunk)
    return base64.b64encode(md5.digest()).decode()


class LocalBlobStore:
    """Blobs as files under root/ab/cd/abcd..., written atomically (temp file, then rename)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.incoming = root / "incoming"

    def describe(self) -> str:
        return str(self.root)

    def path(self, digest: str) -> Path:
        """Where the blob lives on disk (this store's own layout; callers go through the protocol)."""
        digest = check_digest(digest)
        return self.root / digest[:2] / digest[2:4] / digest

    def size(self, digest: str) -> int | None:
        try:
            return self.path(digest).stat().st_size
        except FileNotFoundError:
            return None

    def sizes(self, digests: list[str]) -> dict[str, int]:
        found = {digest: self.size(digest) for digest in digests}
        return {digest: size for digest, size in found.items() if size is not None}

    def read(self, digest: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        return self._read(self.path(digest), start, end)

    @staticmethod
    async def _read(path: Path, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        left = None if end is None else max(0, end - start)

        def first() -> tuple[BinaryIO, bytes]:  # one thread hop for a small blob: open, seek and read it
            source = open(path, "rb")
            source.seek(start)
            return source, source.read(READ_SIZE if left is None else min(READ_SIZE, left))

        source, chunk = await anyio.to_thread.run_sync(first)
        with source:
            while chunk:
                yield chunk
                if left is not None:
                    left -= len(chunk)
                if len(chunk) < READ_SIZE or left == 0:  # a short read of a file is its end
                    return
                chunk = await anyio.to_thread.run_sync(source.read, READ_SIZE if left is None else min(READ_SIZE, left))

    def touch(self, *digests: str) -> None:
        for digest in digests:
            try:
                os.utime(self.path(digest))
            except FileNotFoundError:
                pass

    def stored_before(self, cutoff: float) -> Iterator[str]:
        for path in self.root.glob("??/??/*"):
            if DIGEST.fullmatch(path.name) and path.stat().st_mtime < cutoff:
                yield path.name

    def fresh(self, names: list[str], cutoff: float) -> set[str]:
        found = set()
        for name in names:
            try:
                if self.path(name).stat().st_mtime >= cutoff:
                    found.add(name)
            except FileNotFoundError:
                found.add(name)
        return found

    def delete(self, *names: str) -> None:
        for name in names:
            self.path(name).unlink(missing_ok=True)

    def clear_incoming(self, cutoff: float) -> None:
        for path in self.incoming.glob("*") if self.incoming.exists() else ():
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)

    def part(self, upload: str, number: int) -> Path:
        """Where a multipart upload's part is kept: among the abandoned uploads that clear_incoming removes."""
        return self.incoming / f"{upload}.{number:05d}.upload-part"

    async def put_part(self, upload: str, number: int, chunks: AsyncIterator[bytes]) -> None:
        self.incoming.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=self.incoming, prefix=f"{upload}.")
        try:
            with os.fdopen(fd, "wb") as out:
                async for chunk in chunks:
                    out.write(chunk)
            os.replace(temp, self.part(upload, number))  # atomic: a part is read whole or not at all
        finally:
            if os.path.exists(temp):
                os.unlink(temp)

    def read_part(self, upload: str, number: int) -> AsyncIterator[bytes]:
        return self._read(self.part(upload, number))

    def delete_parts(self, upload: str, count: int) -> None:
        for number in range(1, count + 1):
            self.part(upload, number).unlink(missing_ok=True)

    def partial(self, digest: str, upload_key: str) -> Path:
        return self.incoming / f"{upload_key}.{check_digest(digest)}.part"

    def resumable_at(self, digest: str, upload_key: str) -> int:
        """How many bytes of an interrupted upload are kept (0 when none is)."""
        try:
            return self.partial(digest, upload_key).stat().st_size
        except FileNotFoundError:
            return 0

    def _claim_partial(self, digest: str, upload_key: str, offset: int, temp: str) -> hashlib._Hash:
        """Move the kept part to `temp` (so two resumes cannot append to one file) and hash it again;
        the running hash of the interrupted request died with it."""
        kept = self.resumable_at(digest, upload_key)
        if kept != offset:
            raise OffsetMismatch(kept)
        try:
            os.replace(self.partial(digest, upload_key), temp)
        except FileNotFoundError:
            raise OffsetMismatch(0) from None
        hasher = hashlib.sha256()
        with open(temp, "rb") as kept_part:
            while block := kept_part.read(1 << 20):
                hasher.update(block)
        return hasher

    async def put(self, digest: str, chunks: AsyncIterator[bytes], max_bytes: int, upload_key: str | None = None,
                  *, offset: int = 0) -> bool:
        target = self.path(digest)
        self.incoming.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=self.incoming, prefix=digest[:16] + ".")
        os.close(fd)
        try:
            if offset:
                if upload_key is None:
                    raise UserError("resuming an upload needs the uploader's key")
                hasher = self._claim_partial(digest, upload_key, offset, temp)
            else:
                hasher = hashlib.sha256()
            size = offset
            with open(temp, "ab") as out:
                try:
                    async for chunk in checked(digest, chunks, max_bytes, hasher, offset):
                        size += len(chunk)
                        out.write(chunk)
                except (BlobTooLarge, DigestMismatch):
                    raise
                except Exception:  # the client went away: keep what came, so it can resume from there
                    if upload_key is not None and size >= KEEP_PARTIAL_BYTES:
                        out.close()
                        os.replace(temp, self.partial(digest, upload_key))
                    raise
            if target.exists():
                self.touch(digest)  # uploaded again to be attached: a fresh grace period, as HEAD gives
                return False
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temp, target)  # atomic: readers see the whole blob or none
            return True
        finally:
            if os.path.exists(temp):
                os.unlink(temp)


def held(session: Session, user_id: int, digests: list[str]) -> dict[str, str]:
    """Which of the digests the user has uploaded, each with the name of the blob holding the user's copy (the
    digest itself, or a direct multipart upload's composite), in one query per 500."""
    found: dict[str, str] = {}
    for start in range(0, len(digests), QUERY_BATCH):
        found.update((digest, composite or digest) for digest, composite in session.execute(
            select(BlobHolder.sha256, BlobHolder.composite).where(
                BlobHolder.user_id == user_id, BlobHolder.sha256.in_(digests[start:start + QUERY_BATCH]))))
    return found


def hold(session: Session, user_id: int, *digests: str) -> None:
    """Record that the user uploaded the contents and their hash was checked on the way in: this blob is their
    copy from now on, rather than a direct multipart upload's."""
    holders = {row.sha256: row for start in range(0, len(digests), QUERY_BATCH)
               for row in session.scalars(select(BlobHolder).where(
                   BlobHolder.user_id == user_id, BlobHolder.sha256.in_(digests[start:start + QUERY_BATCH])))}
    for digest in dict.fromkeys(digests):
        if digest not in holders:
            session.add(BlobHolder(sha256=digest, user_id=user_id))
        elif holders[digest].composite is not None:
            holders[digest].composite = None


def hold_copy(session: Session, user_id: int, digest: str, composite: str) -> None:
    """Record that the user sent `digest` as the direct multipart upload `composite`, unless they hold the
    checked blob already."""
    holder = session.get(BlobHolder, (digest, user_id))
    if holder is None:
        session.add(BlobHolder(sha256=digest, user_id=user_id, composite=composite))
    elif holder.composite is not None:
        holder.composite = composite


def require_held(session: Session, store: BlobStore, user_id: int,
                 files: list[tuple[str, str, int]]) -> dict[str, str | None]:
    """Files (of a run or an artifact), as (name, digest, size), may point to blobs only if the user uploaded
    them, so that knowing a digest is not enough to read someone else's contents, and only with their true
    sizes. Returns each digest's composite: the copy the user's files point to when it is not the checked
    blob (None). Checked under the blob lock (lock_blobs), which the transaction keeps until the files are saved."""
    lock_blobs(session)
    known = held(session, user_id, [digest for _, digest, _ in files])
    sizes = store.sizes(list(dict.fromkeys(known.values())))
    for name, digest, size in files:
        stored = sizes.get(known[digest]) if digest in known else None
        if stored is None:
            raise UserError(f"file {name!r}: no blob {digest} on the server; upload it first "
                            "(PUT /files/blobs/{sha256})")
        if stored != size:
            raise UserError(f"file {name!r}: the blob {digest} has {stored} bytes, not the declared {size}")
    return {digest: None if copy == digest else copy for digest, copy in known.items()}


def unused(session: Session, names: list[str]) -> list[str]:
    """The stored blobs (by name) that no run file and no artifact entry points to: a digest is used by the
    files that name it and no composite copy, a composite by the files that name it."""
    digests = [name for name in names if DIGEST.fullmatch(name)]
    composites = [name for name in names if not DIGEST.fullmatch(name)]
    used: set[str] = set()
    for table in (RunFile, ArtifactEntry):
        used.update(session.scalars(select(table.sha256).where(table.sha256.in_(digests), table.composite.is_(None))))
        used.update(session.scalars(select(table.composite).where(table.composite.in_(composites))))
    return [name for name in names if name not in used]


def lock_blobs(session: Session, *, exclusive: bool = False) -> None:
    """Hold the blob lock until the transaction ends. Whatever starts to depend on stored blobs (files attached
    to them, an upload answered as stored) takes it shared and checks under it that they are stored; garbage
    collection takes it exclusive to check again that nothing uses the blobs it is about to delete and nobody
    stored or touched them meanwhile, and deletes them before letting go. So a blob is either deleted before
    such a check (which then finds it gone) or kept. On PostgreSQL a transaction's advisory lock, shared by all
    servers; on SQLite (one server per database) the database's write lock, which every such transaction
    takes anyway to save what it checked."""
    if session.get_bind().dialect.name == "postgresql":
        function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
        session.execute(text(f"SELECT {function}(:key)"), {"key": BLOB_LOCK})
    else:  # a write that changes nothing still takes SQLite's write lock
        session.execute(update(ServerState).where(false()).values(name=ServerState.name)
                        .execution_options(synchronize_session=False))


def stored_sizes(session: Session, store: BlobStore, names: list[str]) -> dict[str, int]:
    """The sizes of those of the blobs that are stored, asked under the blob lock: an answer that a blob is
    stored holds for a grace period when it was stored or touched before the question (see lock_blobs)."""
    lock_blobs(session)
    return store.sizes(names)


def hold_stored(session: Session, store: BlobStore, user_id: int, *digests: str) -> list[str]:
    """Record that the user holds the contents they just uploaded (see `hold`), those that are still stored:
    garbage collection may have deleted one that was stored already while it came in again. Returns the
    digests that are not stored, which the uploader must send again."""
    sizes = stored_sizes(session, store, list(dict.fromkeys(digests)))
    hold(session, user_id, *(digest for digest in digests if digest in sizes))
    return [digest for digest in dict.fromkeys(digests) if digest not in sizes]


def hold_uploaded(session: Session, store: BlobStore, user_id: int, digest: str) -> None:
    """`hold_stored` for one upload that the request then attaches; BlobCollected when it must be sent again."""
    if hold_stored(session, store, user_id, digest):
        raise BlobCollected(f"blob {digest} was removed by garbage collection while it was sent again; send it again")


def collect_garbage(db: Database, store: BlobStore, grace_seconds: float) -> int:
    """Delete blobs that nothing uses and that nobody stored or checked for during the grace period;
    returns how many. The grace period covers the gap between uploading a blob and attaching it: HEAD
    and PUT touch a blob they find, so a client that skipped an upload still has a whole period. Listing the
    store takes long, and files may be attached to a listed blob meanwhile: each batch is checked again under
    the exclusive blob lock (lock_blobs) and deleted before it is let go."""
    cutoff = time.time() - grace_seconds
    store.clear_incoming(cutoff)
    forget_abandoned_uploads(db, cutoff)
    candidates = list(store.stored_before(cutoff))
    collected = 0
    for start in range(0, len(candidates), QUERY_BATCH):
        with db.session() as session:
            lock_blobs(session, exclusive=True)
            garbage = unused(session, candidates[start:start + QUERY_BATCH])
            if garbage:
                fresh = store.fresh(garbage, cutoff)
                garbage = [name for name in garbage if name not in fresh]
            if garbage:
                digests = [name for name in garbage if DIGEST.fullmatch(name)]
                session.execute(delete(BlobHolder).where(BlobHolder.sha256.in_(digests),
                                                         BlobHolder.composite.is_(None)))
                session.execute(delete(BlobHolder).where(BlobHolder.composite.in_(
                    [name for name in garbage if name not in digests])))
                session.flush()
                store.delete(*garbage)
        collected += len(garbage)
    return collected


def forget_abandoned_uploads(db: Database, cutoff: float) -> None:
    """Forget the direct uploads started before the cutoff: the store's clear_incoming aborts them (a client
    that comes back later starts again)."""
    with db.session() as session:
        session.execute(delete(DirectUpload).where(
            DirectUpload.created_at < datetime.fromtimestamp(cutoff, timezone.utc)))
