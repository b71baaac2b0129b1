"""The local blob store: an interrupted upload is kept per uploader and resumed from where it stopped,
and the finished blob is checked against its digest as a whole."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from runbase_server.artifacts import blobs

MB = 1 << 20


async def _chunks(data: bytes, fail_after: int | None = None) -> AsyncIterator[bytes]:
    for start in range(0, len(data), MB):
        if fail_after is not None and start >= fail_after:
            raise ConnectionResetError("client went away")
        yield data[start:start + MB]


def test_an_interrupted_upload_resumes_from_the_kept_part(tmp_path: Path) -> None:
    store = blobs.LocalBlobStore(tmp_path)
    data = os.urandom(12 * MB)
    digest = hashlib.sha256(data).hexdigest()
    with pytest.raises(ConnectionResetError):
        asyncio.run(store.put(digest, _chunks(data, fail_after=10 * MB), 1 << 30, upload_key="7"))
    assert store.size(digest) is None
    assert store.resumable_at(digest, "7") == 10 * MB
    assert store.resumable_at(digest, "8") == 0  # kept for its uploader only

    with pytest.raises(blobs.OffsetMismatch) as wrong:
        asyncio.run(store.put(digest, _chunks(data[5 * MB:]), 1 << 30, upload_key="7", offset=5 * MB))
    assert wrong.value.kept == 10 * MB

    assert asyncio.run(store.put(digest, _chunks(data[10 * MB:]), 1 << 30, upload_key="7", offset=10 * MB))
    assert store.path(digest).read_bytes() == data
    assert store.resumable_at(digest, "7") == 0


def test_a_resumed_upload_with_wrong_bytes_stores_nothing(tmp_path: Path) -> None:
    store = blobs.LocalBlobStore(tmp_path)
    data = os.urandom(10 * MB)
    digest = hashlib.sha256(data).hexdigest()
    with pytest.raises(ConnectionResetError):
        asyncio.run(store.put(digest, _chunks(data, fail_after=9 * MB), 1 << 30, upload_key="7"))
    with pytest.raises(blobs.DigestMismatch):
        asyncio.run(store.put(digest, _chunks(b"x" * MB), 1 << 30, upload_key="7", offset=9 * MB))
    assert store.size(digest) is None
    assert store.resumable_at(digest, "7") == 0
    assert list(store.incoming.iterdir()) == []


def test_short_interrupted_uploads_are_not_kept(tmp_path: Path) -> None:
    store = blobs.LocalBlobStore(tmp_path)
    data = os.urandom(4 * MB)
    digest = hashlib.sha256(data).hexdigest()
    with pytest.raises(ConnectionResetError):
        asyncio.run(store.put(digest, _chunks(data, fail_after=2 * MB), 1 << 30, upload_key="7"))
    assert store.resumable_at(digest, "7") == 0
    assert list(store.incoming.iterdir()) == []
