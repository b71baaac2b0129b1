"""Bundles: many small blobs in one HTTP body, because a request per 10 KB file costs far more than
its bytes. A bundle is a sequence of records, each a header line then exactly `size` bytes:

    upload (POST /files/blobs):                    "SHA256 SIZE\\n" + contents
    download (POST /files/artifacts/ID/bundle):    "SHA256 SIZE PATH\\n" + contents  (PATH %-quoted)

Large files still travel alone (PUT /files/blobs/SHA256, GET .../PATH), streamed and resumable."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import quote

from ..errors import UserError
from . import blobs

MAX_HEADER = 256


class BundleReader:
    """Splits a streamed upload bundle into its blobs without holding more than one read in memory."""

    def __init__(self, stream: AsyncIterator[bytes]) -> None:
        self.stream = stream
        self.buffer = b""
        self.done = False

    async def _fill(self) -> bool:
        if self.done:
            return False
        try:
            self.buffer += await self.stream.__anext__()
        except StopAsyncIteration:
            self.done = True
            return False
        return True

    async def header(self) -> tuple[str, int] | None:
        """The next record's digest and size, or None at the end of the bundle."""
        while b"\n" not in self.buffer:
            if len(self.buffer) > MAX_HEADER:
                raise UserError("a bundle record header must be 'SHA256 SIZE' and a newline")
            if not await self._fill():
                if self.buffer:
                    raise UserError("the bundle ends inside a record header")
                return None
        line, self.buffer = self.buffer.split(b"\n", 1)
        parts = line.decode("ascii", "replace").split(" ")
        if len(parts) != 2 or not parts[1].isdigit():
            raise UserError(f"a bundle record header must be 'SHA256 SIZE', not {line[:80]!r}")
        return blobs.check_digest(parts[0]), int(parts[1])

    async def body(self, size: int) -> AsyncIterator[bytes]:
        """Exactly `size` bytes of the current record."""
        left = size
        while left:
            if not self.buffer and not await self._fill():
                raise UserError(f"the bundle ends {left} bytes before the end of a record")
            piece, self.buffer = self.buffer[:left], self.buffer[left:]
            left -= len(piece)
            yield piece


async def download_records(store: blobs.BlobStore, entries: list[tuple[str, str, int]]) -> AsyncIterator[bytes]:
    """A download bundle of (path, sha256, size) entries, read from the blob store as it is sent."""
    for path, digest, size in entries:
        yield f"{digest} {size} {quote(path, safe='/')}\n".encode()
        async for chunk in store.read(digest):
            yield chunk
