"""Blobs in an S3-compatible object store (AWS S3, MinIO, Ceph, Garage, R2, ...), through obstore: the Rust
object_store crate, which streams without holding the GIL, and also speaks GCS and Azure for references.

Layout under the store's prefix: blobs/ab/cd/DIGEST, one object per blob (and blobs/ab/cd/COMPOSITE for a
direct multipart upload, see direct_uploads.py), and touched/TIME-ID, records of touches (an object's
last-modified time cannot be refreshed without rewriting it), and parts/UPLOAD/NUMBER, the parts of the
official client's multipart uploads (artifacts/multipart.py) until they are put together. An upload goes to the
blob's own key as one PUT (small) or a multipart upload (large) that is completed only after the whole
body's SHA-256 matched: an upload that does not match is aborted and never visible. Interrupted uploads are not
kept for resuming here (the part already sent lives in an unfinished multipart upload, which cannot be read
back to hash it again): a client sends such a file again whole. Direct transfers (direct_uploads.py) go through
`direct`, the store's presigned requests, where static credentials allow them.

A client's multipart upload is kept as one object per part rather than passed through to an S3 multipart
upload: the blob's key, its SHA-256, is known only once every part is in, a part's MD5 must be checked before
it counts, and parts written as plain objects work alike on every S3-compatible store and are listed and
cleared by age like anything else abandoned."""

from __future__ import annotations

import re
import time
import uuid
from datetime import timedelta
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import anyio.to_thread
import obstore
from obstore.store import S3Store

from ..settings import ServerSettings
from .blobs import COMPOSITE, DIGEST, READ_SIZE, OffsetMismatch, check_blob_name, checked
from .s3_requests import S3Requests

if TYPE_CHECKING:
    from obstore import GetOptions

BLOBS = "blobs/"
TOUCHED = "touched/"
CHECKS = "checks/"  # where the test of the store's checksums makes (and deletes) its upload
PARTS = "parts/"
PART_SIZE = 8 << 20  # a blob larger than this is uploaded in parts of this size (S3 wants at least 5 MiB)
PARTS_IN_FLIGHT = 4  # parts of one upload sent at once
CONCURRENCY = 16  # requests at once for one call about many blobs (sizes, touches read back)
RETRY_FOR = timedelta(seconds=30)  # a request the store keeps failing gives up after this (obstore: 3 minutes)
S3_ERROR = re.compile(r"<Code>([^<]*)</Code>\s*<Message>([^<]*)</Message>")


def reason(exc: Exception) -> str:
    """What an object store's error says, in one line: the S3 error code and message where it has them."""
    text = str(exc)
    found = S3_ERROR.search(text)
    return f"{found[1]}: {found[2]}" if found else (text.strip().splitlines() or [type(exc).__name__])[0][:300]


def s3_settings(settings: ServerSettings) -> tuple[object, ...]:
    """What identifies a configured object store."""
    return (settings.blob_store, settings.s3_endpoint_url, settings.s3_region, settings.s3_access_key_id,
            settings.s3_secret_access_key, settings.direct_transfers)


async def _prepend(first: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    yield first
    async for chunk in rest:
        yield chunk


async def _head(chunks: AsyncIterator[bytes]) -> tuple[bytes, bool]:
    """The first PART_SIZE bytes or more of the chunks (all of them when fewer), and whether the chunks ended
    there."""
    head = bytearray()
    async for chunk in chunks:
        head += chunk
        if len(head) >= PART_SIZE:
            return bytes(head), False
    return bytes(head), True


class S3BlobStore:
    """The BlobStore protocol (blobs.py) over one bucket and prefix."""

    def __init__(self, store: S3Store, url: str, direct: S3Requests | None = None) -> None:
        self.store = store
        self.url = url
        self.direct = direct  # presigned requests to the same bucket and prefix, for direct transfers
        self.direct_checked = False

    @classmethod
    def from_settings(cls, settings: ServerSettings) -> S3BlobStore:
        assert settings.blob_store is not None
        bucket, _, prefix = settings.blob_store.removeprefix("s3://").partition("/")
        config: dict[str, Any] = {key: value for key, value in {
            "endpoint": settings.s3_endpoint_url, "region": settings.s3_region,
            "access_key_id": settings.s3_access_key_id, "secret_access_key": settings.s3_secret_access_key,
        }.items() if value}
        endpoint = settings.s3_endpoint_url or ""
        # A plain-HTTP endpoint is one the operator named (a store on the same host or network): allow it.
        client_options: dict[str, Any] = {"allow_http": True} if endpoint.startswith("http://") else {}
        store = S3Store(bucket, prefix=prefix or None, config=config,  # type: ignore[arg-type]
                        client_options=client_options,  # type: ignore[arg-type]
                        retry_config={"max_retries": 4, "retry_timeout": RETRY_FOR})
        direct = S3Requests.from_settings(settings) if settings.direct_transfers else None
        return cls(store, settings.blob_store + (f" at {endpoint}" if endpoint else ""), direct)

    def describe(self) -> str:
        if self.direct is not None:
            return f"{self.url} (large files sent and fetched directly)"
        return self.url

    def check(self) -> None:
        """One request, so that a wrong bucket, endpoint or credential stops the server at start; then whether
        the store can take direct transfers."""
        next(iter(obstore.list(self.store, prefix=BLOBS, chunk_size=1)), None)
        self.direct_requests()

    def direct_requests(self) -> S3Requests | None:
        """The presigned requests of direct transfers, once the store has shown (at first use) that it refuses a
        part whose SHA-256 is not the signed one, as their safety rests on it (direct_uploads.py)."""
        if self.direct is not None and not self.direct_checked:
            self.direct = self.direct.direct_checks(CHECKS)
            self.direct_checked = True
        return self.direct

    @staticmethod
    def key(name: str) -> str:
        """Where a blob (a digest, or a direct multipart upload's composite) lives below the prefix."""
        name = check_blob_name(name)
        return f"{BLOBS}{name[:2]}/{name[2:4]}/{name}"

    def size(self, digest: str) -> int | None:
        try:
            return int(obstore.head(self.store, self.key(digest))["size"])
        except FileNotFoundError:
            return None

    def sizes(self, digests: list[str]) -> dict[str, int]:
        with ThreadPoolExecutor(min(CONCURRENCY, max(1, len(digests)))) as pool:
            found = dict(zip(digests, pool.map(self.size, digests)))
        return {digest: size for digest, size in found.items() if size is not None}

    def resumable_at(self, digest: str, upload_key: str) -> int:
        return 0  # see the module's docstring

    async def put(self, digest: str, chunks: AsyncIterator[bytes], max_bytes: int, upload_key: str | None = None,
                  *, offset: int = 0) -> bool:
        key = self.key(digest)
        if offset:
            raise OffsetMismatch(0)
        stream = checked(digest, chunks, max_bytes)
        head, ended = await _head(stream)
        if ended:  # the whole blob came and matched its digest: one request, writing it again if stored already
            await self._write(key, head, None)
            return True
        if await anyio.to_thread.run_sync(self.size, digest) is not None:
            async for _chunk in stream:  # read and checked all the same: that proves the uploader has them
                pass
            await anyio.to_thread.run_sync(self.touch, digest)
            return False
        await self._write(key, head, stream)
        return True

    async def _write(self, key: str, head: bytes, rest: AsyncIterator[bytes] | None) -> None:
        """The object `key`: `head` alone in one request (no `rest`), or `head` and then the rest in a multipart
        upload whose parts go up as they come; the rest raises at its end when the contents are not what was
        declared, and obstore then aborts the upload instead of completing it."""
        if rest is None:
            await obstore.put_async(self.store, key, head, use_multipart=False)
        else:
            await obstore.put_async(self.store, key, _prepend(head, rest), chunk_size=PART_SIZE,
                                    max_concurrency=PARTS_IN_FLIGHT)

    @staticmethod
    def part_key(upload: str, number: int) -> str:
        return f"{PARTS}{upload}/{number:05d}"

    async def put_part(self, upload: str, number: int, chunks: AsyncIterator[bytes]) -> None:
        head, ended = await _head(chunks)
        await self._write(self.part_key(upload, number), head, None if ended else chunks)

    def read_part(self, upload: str, number: int) -> AsyncIterator[bytes]:
        return self._read(self.part_key(upload, number))

    def delete_parts(self, upload: str, count: int) -> None:
        keys = [self.part_key(upload, number) for number in range(1, count + 1)]
        for start in range(0, len(keys), 1000):
            obstore.delete(self.store, keys[start:start + 1000])

    def read(self, digest: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        return self._read(self.key(digest), start, end)

    async def _read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        if end is not None and end <= start:
            return
        options: GetOptions = {}
        if end is not None:
            options["range"] = (start, end)
        elif start:
            options["range"] = {"offset": start}
        result = await obstore.get_async(self.store, key, options=options)
        async for chunk in result.stream(min_chunk_size=READ_SIZE):
            yield bytes(chunk)

    def touch(self, *digests: str) -> None:
        """Records the touch as an object of its own, named by time, listing the digests."""
        if digests:
            name = f"{TOUCHED}{time.time_ns() // 1_000_000:013d}-{uuid.uuid4().hex}"
            obstore.put(self.store, name, "\n".join(digests).encode(), use_multipart=False)

    def _touched_since(self, cutoff: float) -> set[str]:
        names = [meta["path"] for batch in obstore.list(self.store, prefix=TOUCHED) for meta in batch
                 if meta["last_modified"].timestamp() >= cutoff]

        def read(name: str) -> list[str]:
            try:
                return bytes(obstore.get(self.store, name).bytes()).decode().split("\n")
            except FileNotFoundError:  # cleared by another server meanwhile: it was old
                return []

        with ThreadPoolExecutor(min(CONCURRENCY, max(1, len(names)))) as pool:
            return {digest for digests in pool.map(read, names) for digest in digests}

    def stored_before(self, cutoff: float) -> Iterator[str]:
        recent = self._touched_since(cutoff)
        for batch in obstore.list(self.store, prefix=BLOBS):
            for meta in batch:
                name = meta["path"].rsplit("/", 1)[-1]
                if ((DIGEST.fullmatch(name) or COMPOSITE.fullmatch(name))
                        and meta["last_modified"].timestamp() < cutoff and name not in recent):
                    yield name

    def fresh(self, names: list[str], cutoff: float) -> set[str]:
        def stored_since(name: str) -> bool:
            try:
                return bool(obstore.head(self.store, self.key(name))["last_modified"].timestamp() >= cutoff)
            except FileNotFoundError:
                return True

        touched = self._touched_since(cutoff)
        with ThreadPoolExecutor(min(CONCURRENCY, max(1, len(names)))) as pool:
            return {name for name, found in zip(names, pool.map(stored_since, names)) if found or name in touched}

    def delete(self, *names: str) -> None:
        keys = [self.key(name) for name in names]
        for start in range(0, len(keys), 1000):  # one request per 1,000 (S3's DeleteObjects)
            obstore.delete(self.store, keys[start:start + 1000])

    def clear_incoming(self, cutoff: float) -> None:
        """Deletes the records of touches older than the cutoff (they protect nothing any more), the parts of
        clients' multipart uploads abandoned before it, and aborts the multipart uploads started before it: direct
        uploads never completed, and those of a server that died mid-upload. Without static credentials (no
        `direct`) obstore cannot list those: the bucket's lifecycle rule removes them."""
        old = [meta["path"] for prefix in (TOUCHED, PARTS) for batch in obstore.list(self.store, prefix=prefix)
               for meta in batch if meta["last_modified"].timestamp() < cutoff]
        for start in range(0, len(old), 1000):
            obstore.delete(self.store, old[start:start + 1000])
        if self.direct is not None:
            for upload in self.direct.unfinished(BLOBS):
                if upload.initiated.timestamp() < cutoff:
                    self.direct.abort_multipart(upload.key, upload.upload_id)
