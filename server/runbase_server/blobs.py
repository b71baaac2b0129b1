"""Content-addressed blob storage: file contents stored once by SHA-256, whoever uploads them,
and usable only by the users who uploaded them (`holds`, `hold`).

`BlobStore` is the interface the rest of the server uses, so that S3-compatible
storage can be added beside the local-disk store. Uploads are streamed: each
chunk is hashed and written to a temporary file as it arrives, and only a
complete upload whose digest matches the declared one is moved into place."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import UserError
from .settings import ServerSettings
from .tables import BlobHolder

DIGEST = re.compile(r"[0-9a-f]{64}")


class BlobTooLarge(UserError):
    code = "PAYLOAD_TOO_LARGE"


class DigestMismatch(UserError):
    code = "DIGEST_MISMATCH"


def check_digest(digest: object) -> str:
    """A blob's name: 64 lowercase hex characters of SHA-256."""
    if not isinstance(digest, str) or not DIGEST.fullmatch(digest):
        raise UserError(f"a digest must be 64 lowercase hexadecimal characters (SHA-256), not {digest!r}")
    return digest


class BlobStore(Protocol):
    """Where blob contents live; local disk now, object storage later."""

    def size(self, digest: str) -> int | None:
        """The stored blob's size in bytes, or None when it is not stored."""

    async def put(self, digest: str, chunks: AsyncIterator[bytes], max_bytes: int) -> bool:
        """Store the chunks as the blob `digest`; True if it was new. Raises DigestMismatch or
        BlobTooLarge (with nothing stored) when the contents are not what was declared."""

    def path(self, digest: str) -> Path:
        """Where a stored blob can be read from (local stores only, until others need streaming readers)."""


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

    async def put(self, digest: str, chunks: AsyncIterator[bytes], max_bytes: int) -> bool:
        target = self.path(digest)
        self.incoming.mkdir(parents=True, exist_ok=True)
        hasher = hashlib.sha256()
        size = 0
        fd, temp = tempfile.mkstemp(dir=self.incoming, prefix=digest[:16] + ".")
        try:
            with os.fdopen(fd, "wb") as out:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > max_bytes:
                        raise BlobTooLarge(f"the upload is larger than the server's limit of {max_bytes} bytes "
                                           "(RUNBASE_MAX_FILE_BYTES)")
                    hasher.update(chunk)
                    out.write(chunk)
            actual = hasher.hexdigest()
            if actual != digest:
                raise DigestMismatch(f"the uploaded contents have SHA-256 {actual}, not the declared {digest}; "
                                     "nothing was stored")
            if target.exists():
                return False
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temp, target)  # atomic: readers see the whole blob or none
            return True
        finally:
            if os.path.exists(temp):
                os.unlink(temp)


def store_for(settings: ServerSettings) -> BlobStore:
    """The blob store a server's settings name: local disk under the data directory."""
    return LocalBlobStore(settings.data_dir / "blobs")


def holds(session: Session, user_id: int, digest: str) -> bool:
    return session.scalar(select(BlobHolder.user_id).where(BlobHolder.sha256 == digest,
                                                           BlobHolder.user_id == user_id)) is not None


def hold(session: Session, user_id: int, digest: str) -> None:
    """Record that the user uploaded the contents (their hash was checked on the way in)."""
    if not holds(session, user_id, digest):
        session.add(BlobHolder(sha256=digest, user_id=user_id))
