"""Content-addressed blob storage: file contents stored once by SHA-256, whoever uploads them,
and usable only by the users who uploaded them (`holds`, `hold`).

`BlobStore` is the interface the rest of the server uses, so that S3-compatible
storage can be added beside the local-disk store. Uploads are streamed: each
chunk is hashed and written to a temporary file as it arrives, and only a
complete upload whose digest matches the declared one is moved into place."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..database import Database
from ..errors import UserError
from ..settings import ServerSettings
from ..tables import ArtifactEntry, BlobHolder, RunFile

DIGEST = re.compile(r"[0-9a-f]{64}")
QUERY_BATCH = 500  # digests per IN (...) query
KEEP_PARTIAL_BYTES = 8 << 20  # an interrupted upload shorter than this is sent again whole


class BlobTooLarge(UserError):
    code = "PAYLOAD_TOO_LARGE"


class DigestMismatch(UserError):
    code = "DIGEST_MISMATCH"


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


class BlobStore(Protocol):
    """Where blob contents live; local disk now, object storage later."""

    def size(self, digest: str) -> int | None:
        """The stored blob's size in bytes, or None when it is not stored."""

    async def put(self, digest: str, chunks: AsyncIterator[bytes], max_bytes: int, upload_key: str | None = None,
                  *, offset: int = 0) -> bool:
        """Store the chunks as the blob `digest`; True if it was new. Raises DigestMismatch or
        BlobTooLarge (with nothing stored) when the contents are not what was declared. With an
        `upload_key` (the uploader), an interrupted upload is kept so that a later call with `offset`
        (its length, see `resumable_at`) sends only the rest; OffsetMismatch says where to resume."""

    async def put_contents(self, chunks: AsyncIterator[bytes], max_bytes: int, *, md5: bytes | None = None
                           ) -> tuple[str, int]:
        """Store the chunks as the blob named by the SHA-256 they turn out to have (for uploads that declare none,
        such as the official wandb client's); returns it and the size. With `md5` (a digest, as W&B's clients
        declare one), contents of another MD5 raise DigestMismatch with nothing stored; BlobTooLarge likewise."""

    def resumable_at(self, digest: str, upload_key: str) -> int:
        """How many bytes of the uploader's interrupted upload of `digest` are kept (0 when none)."""

    def path(self, digest: str) -> Path:
        """Where a stored blob can be read from (local stores only, until others need streaming readers)."""

    def touch(self, digest: str) -> None:
        """Mark a stored blob as just used, so garbage collection gives it a full grace period."""

    def stored_before(self, cutoff: float) -> Iterator[str]:
        """Digests of the blobs last stored or touched before `cutoff` (a Unix time)."""

    def delete(self, digest: str) -> None:
        """Remove a blob; removing one that is gone already is not an error."""

    def clear_incoming(self, cutoff: float) -> None:
        """Remove uploads abandoned before `cutoff`."""


class LocalBlobStore:
    """Blobs as files under root/ab/cd/abcd..., written atomically (temp file, then rename)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.incoming = root / "incoming"

    def path(self, digest: str) -> Path:
        digest = check_digest(digest)
        return self.root / digest[:2] / digest[2:4] / digest

    def size(self, digest: str) -> int | None:
        try:
            return self.path(digest).stat().st_size
        except FileNotFoundError:
            return None

    def touch(self, digest: str) -> None:
        try:
            os.utime(self.path(digest))
        except FileNotFoundError:
            pass

    def stored_before(self, cutoff: float) -> Iterator[str]:
        for path in self.root.glob("??/??/*"):
            if DIGEST.fullmatch(path.name) and path.stat().st_mtime < cutoff:
                yield path.name

    def delete(self, digest: str) -> None:
        self.path(digest).unlink(missing_ok=True)

    def clear_incoming(self, cutoff: float) -> None:
        for path in self.incoming.glob("*") if self.incoming.exists() else ():
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)

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
            received = _Received(offset)
            with open(temp, "ab") as out:
                try:
                    await received.write(chunks, out, (hasher,), max_bytes)
                except BlobTooLarge:
                    raise
                except Exception:  # the client went away: keep what came, so it can resume from there
                    if upload_key is not None and received.size >= KEEP_PARTIAL_BYTES:
                        out.close()
                        os.replace(temp, self.partial(digest, upload_key))
                    raise
            actual = hasher.hexdigest()
            if actual != digest:
                raise DigestMismatch(f"the uploaded contents have SHA-256 {actual}, not the declared {digest}; "
                                     "nothing was stored")
            return self._place(temp, target)
        finally:
            if os.path.exists(temp):
                os.unlink(temp)

    async def put_contents(self, chunks: AsyncIterator[bytes], max_bytes: int, *, md5: bytes | None = None
                           ) -> tuple[str, int]:
        self.incoming.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=self.incoming, prefix="upload.")
        os.close(fd)
        try:
            sha256, checked = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
            received = _Received(0)
            with open(temp, "ab") as out:
                await received.write(chunks, out, (sha256, checked), max_bytes)
            if md5 is not None and checked.digest() != md5:
                raise DigestMismatch(f"the uploaded contents have MD5 {base64.b64encode(checked.digest()).decode()}, "
                                     f"not the declared {base64.b64encode(md5).decode()}; nothing was stored")
            digest = sha256.hexdigest()
            self._place(temp, self.path(digest))
            return digest, received.size
        finally:
            if os.path.exists(temp):
                os.unlink(temp)

    @staticmethod
    def _place(temp: str, target: Path) -> bool:
        """Move a checked upload into place; False when the blob was stored already."""
        if target.exists():
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp, target)  # atomic: readers see the whole blob or none
        return True


class _Received:
    """How many bytes of an upload have come (`size`, counting a kept part it resumes)."""

    def __init__(self, size: int) -> None:
        self.size = size

    async def write(self, chunks: AsyncIterator[bytes], out: BinaryIO, hashers: tuple[Any, ...],
                    max_bytes: int) -> None:
        """Write the chunks to `out`, hashing them, refusing an upload that grows past `max_bytes`."""
        async for chunk in chunks:
            self.size += len(chunk)
            if self.size > max_bytes:
                raise BlobTooLarge(f"the upload is larger than the server's limit of {max_bytes} bytes "
                                   "(RUNBASE_MAX_FILE_BYTES)")
            for hasher in hashers:
                hasher.update(chunk)
            out.write(chunk)


def store_for(settings: ServerSettings) -> BlobStore:
    """The blob store a server's settings name: local disk under the data directory."""
    return LocalBlobStore(settings.data_dir / "blobs")


def holds(session: Session, user_id: int, digest: str) -> bool:
    return session.scalar(select(BlobHolder.user_id).where(BlobHolder.sha256 == digest,
                                                           BlobHolder.user_id == user_id)) is not None


def held(session: Session, user_id: int, digests: list[str]) -> set[str]:
    """Which of the digests the user has uploaded, in one query per 500."""
    found: set[str] = set()
    for start in range(0, len(digests), QUERY_BATCH):
        found.update(session.scalars(select(BlobHolder.sha256).where(
            BlobHolder.user_id == user_id, BlobHolder.sha256.in_(digests[start:start + QUERY_BATCH]))))
    return found


def hold(session: Session, user_id: int, *digests: str) -> None:
    """Record that the user uploaded the contents (their hash was checked on the way in)."""
    known = held(session, user_id, list(digests))
    session.add_all(BlobHolder(sha256=digest, user_id=user_id) for digest in dict.fromkeys(digests)
                    if digest not in known)


def require_held(session: Session, store: BlobStore, user_id: int, files: list[tuple[str, str, int]]) -> None:
    """Files (of a run or an artifact), as (name, digest, size), may point to blobs only if the user uploaded
    them, so that knowing a digest is not enough to read someone else's contents, and only with their true
    sizes."""
    known = held(session, user_id, [digest for _, digest, _ in files])
    for name, digest, size in files:
        stored = store.size(digest)
        if stored is None or digest not in known:
            raise UserError(f"file {name!r}: no blob {digest} on the server; upload it first "
                            "(PUT /files/blobs/{sha256})")
        if stored != size:
            raise UserError(f"file {name!r}: the blob {digest} has {stored} bytes, not the declared {size}")


def unused(session: Session, digests: list[str]) -> list[str]:
    """The digests that no run file and no artifact entry points to."""
    used = set(session.scalars(select(RunFile.sha256).where(RunFile.sha256.in_(digests))))
    used.update(session.scalars(select(ArtifactEntry.sha256).where(ArtifactEntry.sha256.in_(digests))))
    return [digest for digest in digests if digest not in used]


def collect_garbage(db: Database, store: BlobStore, grace_seconds: float) -> int:
    """Delete blobs that nothing uses and that nobody stored or checked for during the grace period;
    returns how many. The grace period covers the gap between uploading a blob and attaching it: HEAD
    and PUT touch a blob they find, so a client that skipped an upload still has a whole period."""
    cutoff = time.time() - grace_seconds
    store.clear_incoming(cutoff)
    candidates = list(store.stored_before(cutoff))
    collected = 0
    for start in range(0, len(candidates), QUERY_BATCH):
        with db.session() as session:
            garbage = unused(session, candidates[start:start + QUERY_BATCH])
            if garbage:
                session.execute(delete(BlobHolder).where(BlobHolder.sha256.in_(garbage)))
                session.flush()
                for digest in garbage:
                    store.delete(digest)
        collected += len(garbage)
    return collected
