"""Blob stores: local disk and an S3-compatible object store keep one contract (streamed in whole, read in
ranges, never visible unless the SHA-256 matched, collected only when unused past the grace period), and a
server with its blobs in the object store moves artifacts and run files through it, keeping nothing on disk."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import plain_http
from conftest import PART_BYTES, S3, Server, blob_name, free_port, run_script, sdk_environment
from runbase_server.artifacts import blobs
from runbase_server.artifacts.object_store import PART_SIZE, S3BlobStore
from runbase_server.settings import check_blob_store
from test_direct_transfers import complete, send, start
from test_run_files import new_run, put_blob, upsert_files
from test_wandb_client_artifacts import _pending
from test_wandb_multipart import _cut, _put, _start

import runbase

MB = 1 << 20


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(data), MB):
        yield data[start:start + MB]


async def _broken(data: bytes) -> AsyncIterator[bytes]:
    """All but the last byte, then the client goes away."""
    async for chunk in _chunks(data[:-1]):
        yield chunk
    raise ConnectionResetError("client went away")


def put(store: blobs.BlobStore, data: bytes, digest: str | None = None, limit: int = 1 << 30) -> bool:
    return asyncio.run(store.put(digest or hashlib.sha256(data).hexdigest(), _chunks(data), limit))


def read(store: blobs.BlobStore, digest: str, start: int = 0, end: int | None = None) -> bytes:
    async def collect() -> bytes:
        return b"".join([chunk async for chunk in store.read(digest, start, end)])

    return asyncio.run(collect())


def test_a_blob_goes_in_whole_and_comes_out_whole_or_in_ranges(blob_store: blobs.BlobStore) -> None:
    store = blob_store
    small, large = os.urandom(1000), os.urandom(PART_SIZE * 2 + 12345)  # one request; a multipart upload
    for data in (small, large, b""):
        digest = hashlib.sha256(data).hexdigest()
        assert store.size(digest) is None
        assert put(store, data) is True
        assert store.size(digest) == len(data)
        assert read(store, digest) == data
        put(store, data)  # again: the same contents (an object store may write a small blob again)
        assert read(store, digest) == data
    digest = hashlib.sha256(large).hexdigest()
    assert put(store, large) is False  # checked, not written again
    for start, end in [(0, 10), (5, None), (MB - 3, MB + 3), (PART_SIZE + 1, PART_SIZE * 2 + 100), (7, 7)]:
        assert read(store, digest, start, end) == large[start:end]
    missing = hashlib.sha256(b"never stored").hexdigest()
    assert store.sizes([digest, missing, hashlib.sha256(small).hexdigest()]) == {
        digest: len(large), hashlib.sha256(small).hexdigest(): len(small)}
    with pytest.raises(FileNotFoundError):
        read(store, missing)
    store.delete(digest)
    store.delete(digest)  # gone already: no error
    assert store.size(digest) is None


def test_contents_that_do_not_match_never_become_visible(blob_store: blobs.BlobStore) -> None:
    store = blob_store
    for data in (os.urandom(1000), os.urandom(PART_SIZE + MB)):
        wrong = hashlib.sha256(b"something else" + data).hexdigest()
        with pytest.raises(blobs.DigestMismatch):
            put(store, data, wrong)
        assert store.size(wrong) is None
        digest = hashlib.sha256(data).hexdigest()
        with pytest.raises(blobs.BlobTooLarge):
            put(store, data, limit=len(data) - 1)
        assert store.size(digest) is None
        with pytest.raises(ConnectionResetError):  # the client went away before the end
            asyncio.run(store.put(digest, _broken(data), 1 << 30))
        assert store.size(digest) is None
    assert list(store.stored_before(time.time() + 60)) == []


def test_unnamed_contents_are_stored_by_their_sha256_and_checked_against_a_declared_md5(
        blob_store: blobs.BlobStore, tmp_path: Path) -> None:
    """The official wandb client's uploads declare no SHA-256, at most an MD5."""
    store = blob_store
    for data in (os.urandom(1000), os.urandom(PART_SIZE + MB)):
        md5 = hashlib.md5(data, usedforsecurity=False).digest()
        wrong = hashlib.md5(b"x" + data, usedforsecurity=False).digest()
        with pytest.raises(blobs.DigestMismatch):
            asyncio.run(blobs.put_unnamed(store, _chunks(data), 1 << 30, md5=wrong, spool_dir=tmp_path / "spool"))
        with pytest.raises(blobs.BlobTooLarge):
            asyncio.run(blobs.put_unnamed(store, _chunks(data), len(data) - 1, md5=None, spool_dir=tmp_path / "spool"))
        digest = hashlib.sha256(data).hexdigest()
        assert store.size(digest) is None
        assert asyncio.run(blobs.put_unnamed(store, _chunks(data), 1 << 30, md5=md5, spool_dir=tmp_path / "spool")) == (
            digest, len(data), base64.b64encode(md5).decode())
        assert read(store, digest) == data
    assert list((tmp_path / "spool").iterdir()) == []  # nothing left spooled


def test_parts_of_a_multipart_upload_are_kept_apart_until_put_together_or_abandoned(
        blob_store: blobs.BlobStore) -> None:
    """The official client's multipart uploads (artifacts/multipart.py): a part that did not arrive whole is not
    kept, parts are no blobs, and those of an upload abandoned before the grace period's cutoff are cleared."""
    store, upload, other = blob_store, uuid.uuid4().hex, uuid.uuid4().hex

    def read_part(key: str, number: int) -> bytes:
        async def collect() -> bytes:
            return b"".join([chunk async for chunk in store.read_part(key, number)])

        return asyncio.run(collect())

    small, large = os.urandom(1000), os.urandom(PART_SIZE + MB)  # one request; a multipart upload to S3
    for number, data in enumerate((small, large), 1):
        with pytest.raises(ConnectionResetError):
            asyncio.run(store.put_part(upload, number, _broken(data)))
        with pytest.raises(FileNotFoundError):
            read_part(upload, number)
        asyncio.run(store.put_part(upload, number, _chunks(data)))
        assert read_part(upload, number) == data
    asyncio.run(store.put_part(upload, 1, _chunks(b"tried again")))
    assert read_part(upload, 1) == b"tried again"
    asyncio.run(store.put_part(other, 1, _chunks(small)))
    assert list(store.stored_before(time.time() + 60)) == []
    store.delete_parts(other, 2)  # its second part was never sent
    with pytest.raises(FileNotFoundError):
        read_part(other, 1)
    store.clear_incoming(time.time() - 3600)
    assert read_part(upload, 2) == large
    store.clear_incoming(time.time() + 1)
    for number in (1, 2):
        with pytest.raises(FileNotFoundError):
            read_part(upload, number)


@pytest.mark.parametrize("blob_store", ["s3"], indirect=True)
def test_an_object_store_keeps_its_touch_records_only_for_the_grace_period(blob_store: S3BlobStore, s3: S3) -> None:
    store, prefix = blob_store, blob_store.store.prefix
    store.touch(hashlib.sha256(b"a").hexdigest(), hashlib.sha256(b"b").hexdigest())
    store.touch()  # nothing to record
    assert len(s3.keys(prefix, "touched/")) == 1
    store.clear_incoming(time.time() - 3600)
    assert len(s3.keys(prefix, "touched/")) == 1
    store.clear_incoming(time.time() + 1)
    assert s3.keys(prefix, "touched/") == set()


def test_blob_store_settings_are_checked() -> None:
    assert check_blob_store(None) is None and check_blob_store("") is None
    assert check_blob_store("s3://my-bucket/runs/blobs/") == "s3://my-bucket/runs/blobs"
    for bad in ("gs://bucket/x", "s3://", "s3://Bad_Bucket", "/data/blobs", "s3://bucket//x"):
        with pytest.raises(ValueError, match="must be s3://BUCKET or s3://BUCKET/PREFIX"):
            check_blob_store(bad)


def test_a_store_the_server_cannot_use_stops_it_with_one_line(s3: S3, tmp_path: Path) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("RUNBASE_", "WANDB_", "AWS_"))}

    def start(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "runbase.cli", "server", "--port", str(free_port()),
                               "--data-dir", str(tmp_path / "d"), *args], env={**clean, **env},
                              capture_output=True, text=True, timeout=60)

    result = start("--blob-store", "gs://bucket", env={})
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "--blob-store='gs://bucket' must be" in \
        result.stderr, result.stderr
    missing = {**s3.env("x"), "RUNBASE_BLOB_STORE": "s3://no-such-bucket-here/x"}
    result = start(env=missing)
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert "cannot use the blob store s3://no-such-bucket-here/x" in result.stderr and "NoSuchBucket" in result.stderr


def test_artifacts_and_run_files_move_through_the_object_store(s3_server: Server, tmp_path: Path) -> None:
    """Small files in bundles, a large one in a multipart upload (straight to the store, test_direct_transfers.py
    has more); nothing of them lands on the server's disk."""
    server = s3_server
    data = tmp_path / "data"
    data.mkdir()
    small = {f"part-{i}.txt": os.urandom(200 + i) for i in range(30)}
    for name, contents in small.items():
        (data / name).write_bytes(contents)
    (data / "weights.bin").write_bytes(os.urandom(PART_SIZE * 2 + 5))
    project = f"s3-{uuid.uuid4().hex[:8]}"
    env = {**sdk_environment(server, tmp_path), "RUNBASE_CACHE_DIR": str(tmp_path / "cache"),
           "RUNBASE_X_SAVE_REQUIREMENTS": "false", "RUNBASE_X_DISABLE_META": "true"}
    run_script(f"""
        import runbase
        with runbase.init(project="{project}") as run:
            run.log_artifact("{data}", name="dataset", type="dataset").wait()
            run.save("{data / 'weights.bin'}", base_path="{data}", policy="now")
    """, env, cwd=tmp_path)
    result = run_script(f"""
        import os, runbase
        api = runbase.Api()
        path = api.artifact("{project}/dataset:v0").download(root="{tmp_path / 'down'}")
        print("FILES", len(os.listdir(path)))
    """, {**env, "RUNBASE_CACHE_DIR": str(tmp_path / "cache2")}, cwd=tmp_path)
    assert "FILES 31" in result.stdout
    for name in [*small, "weights.bin"]:
        assert (tmp_path / "down" / name).read_bytes() == (data / name).read_bytes()
    assert {blob_name((data / name).read_bytes()) for name in [*small, "weights.bin"]} <= server.stored_blobs()
    assert not [path for path in (server.data_dir / "blobs").rglob("*") if path.is_file()]
    run = next(iter(runbase.Api(overrides={"base_url": server.url}, api_key=server.key).runs(project)))
    weights = run.file("weights.bin")
    assert weights.digest == hashlib.sha256((data / "weights.bin").read_bytes()).hexdigest()
    url = f"{server.url}/files/admin/{project}/{run.id}/weights.bin"
    auth = {"Authorization": f"Bearer {server.key}"}
    ranged = plain_http.get(url, headers={**auth, "Range": "bytes=100-199"})
    assert ranged.status_code == 206 and ranged.content == (data / "weights.bin").read_bytes()[100:200]
    assert ranged.headers["content-range"] == f"bytes 100-199/{PART_SIZE * 2 + 5}"
    assert plain_http.get(url, headers={**auth, "Range": f"bytes={PART_SIZE * 3}-"}).status_code == 416


def abandon_multipart_upload(server: Server) -> None:
    """The official client's multipart upload of an artifact file, one part of two sent, never completed."""
    contents = os.urandom(70 << 10)
    parts = _cut(contents)
    node = _start(server, _pending(server, "gc"), "big.bin", contents, parts)
    assert _put(node["uploadMultipartUrls"]["uploadUrlParts"][0]["uploadUrl"], parts[0]).status_code == 200


def test_the_collector_removes_only_unused_objects(backend: str, s3: S3, tmp_path: Path,
                                                   request: pytest.FixtureRequest) -> None:
    """Blobs and direct multipart copies alike; direct uploads never completed are aborted and forgotten."""
    url = request.getfixturevalue("postgres").create() if backend == "postgresql" else None
    # A grace period long enough for the uploads and the attach below on a loaded machine (3 s was not).
    server = Server(tmp_path / "server", url, {"RUNBASE_BLOB_GC_INTERVAL_SECONDS": "0.5",
                                               "RUNBASE_BLOB_GC_GRACE_SECONDS": "10"}, s3=s3).start()
    try:
        kept, dropped = os.urandom(3000), os.urandom(3000)
        assert put_blob(server, kept).status_code == 201 and put_blob(server, dropped).status_code == 201
        copy_kept, copy_dropped = os.urandom(PART_BYTES + 1), os.urandom(PART_BYTES + 1)  # two parts each
        assert send(server, copy_kept).status_code == 201 and send(server, copy_dropped).status_code == 201
        unfinished = start(server, os.urandom(PART_BYTES + 1)).json()
        run_id = new_run(server, "gc")
        attached = upsert_files(server, "gc", run_id, [
            {"name": name, "sha256": hashlib.sha256(contents).hexdigest(), "size": len(contents)}
            for name, contents in [("kept.bin", kept), ("copy.bin", copy_kept)]])
        assert "errors" not in attached, attached
        names = {blob_name(contents) for contents in (kept, dropped, copy_kept, copy_dropped)}
        abandon_multipart_upload(server)
        assert s3.keys(server.blob_prefix, "parts/")
        deadline = time.monotonic() + 60
        while server.stored_blobs() & names != {blob_name(kept), blob_name(copy_kept)} or s3.unfinished(server) \
                or s3.keys(server.blob_prefix, "parts/"):
            assert time.monotonic() < deadline, f"still stored: {server.stored_blobs()}, {s3.unfinished(server)}"
            time.sleep(0.5)
        head = plain_http.head(f"{server.url}/files/blobs/{hashlib.sha256(dropped).hexdigest()}",
                               headers={"Authorization": f"Bearer {server.key}"})
        assert head.status_code == 404  # its holder went with it: it must be uploaded again
        assert put_blob(server, dropped).status_code == 201
        assert complete(server, unfinished).status_code == 404  # forgotten: a client starts it again
    finally:
        server.stop()
