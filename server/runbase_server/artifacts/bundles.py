"""Bundles: many small blobs in one HTTP body, because a request per 10 KB file costs far more than
its bytes. A bundle is a sequence of records, each a header line then exactly `size` bytes:

    upload (POST /files/blobs):                    "SHA256 SIZE\\n" + contents
    download (POST /files/artifacts/ID/bundle):    "SHA256 SIZE PATH\\n" + contents  (PATH %-quoted)

Large files still travel alone (PUT /files/blobs/SHA256, GET .../PATH), streamed and resumable."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import quote

from ..errors import UserError
from . import blobs

MAX_HEADER = 256
SMALL_RECORD = 1 << 20  # a record up to this size is read whole, checked, and stored beside the next ones
WRITES_IN_FLIGHT = 16  # small records being stored at once (an object store answers each PUT in milliseconds)


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


async def _once(contents: bytes) -> AsyncIterator[bytes]:
    yield contents


class Writes:
    """Stores an upload bundle's blobs: a small one is checked against its digest as soon as it is read (so a
    lying record stops the bundle in order) and then stored while the next records are read; a large one is
    streamed into the store in turn. `stored` lists the blobs stored so far."""

    def __init__(self, store: blobs.BlobStore, max_bytes: int) -> None:
        self.store = store
        self.max_bytes = max_bytes
        self.stored: list[str] = []
        self.pending: dict[asyncio.Task[bool], str] = {}

    async def put(self, digest: str, size: int, body: AsyncIterator[bytes]) -> None:
        if size > SMALL_RECORD:
            await self.store.put(digest, body, self.max_bytes)
            self.stored.append(digest)
            return
        contents = b"".join([chunk async for chunk in blobs.checked(digest, body, self.max_bytes)])
        if len(self.pending) >= WRITES_IN_FLIGHT:
            await self._settle(asyncio.FIRST_COMPLETED)
        self.pending[asyncio.create_task(self.store.put(digest, _once(contents), self.max_bytes))] = digest

    async def _settle(self, when: str) -> None:
        """Collect finished writes; the first that failed raises, once the others are collected."""
        done, _ = await asyncio.wait(self.pending, return_when=when)
        failed: BaseException | None = None
        for task in done:
            digest = self.pending.pop(task)
            if task.exception() is None:
                self.stored.append(digest)
            failed = failed or task.exception()
        if failed is not None:
            raise failed

    async def finish(self) -> None:
        """Wait for every write under way."""
        if self.pending:
            await self._settle(asyncio.ALL_COMPLETED)


async def download_records(store: blobs.BlobStore, entries: list[tuple[str, str, int, str]]) -> AsyncIterator[bytes]:
    """A download bundle of (path, sha256, size, name of the blob holding it) entries, read from the blob store as
    it is sent."""
    for path, digest, size, name in entries:
        yield f"{digest} {size} {quote(path, safe='/')}\n".encode()
        async for chunk in store.read(name):
            yield chunk
