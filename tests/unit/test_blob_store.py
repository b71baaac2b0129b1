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


@pytest.mark.parametrize(("endpoint", "signed"), [("http://127.0.0.1:80", "http://127.0.0.1"),
                                                  ("https://s3.example.com:443/", "https://s3.example.com"),
                                                  ("http://127.0.0.1:9000", "http://127.0.0.1:9000")])
def test_presigned_urls_name_the_host_as_http_clients_send_it(endpoint: str, signed: str) -> None:
    """A default port in the endpoint setting is left out of what is signed: HTTP clients leave it out of the
    Host header, and the store would find the signature wrong."""
    from runbase_server.artifacts.s3_requests import S3Requests
    from runbase_server.settings import ServerSettings

    requests = S3Requests.from_settings(ServerSettings(blob_store="s3://b/p", s3_endpoint_url=endpoint,
                                                       s3_access_key_id="k", s3_secret_access_key="s"))
    assert requests is not None and requests.endpoint == signed
    assert requests.presign("GET", "x", expires=60).startswith(f"{signed}/b/p/x?")
