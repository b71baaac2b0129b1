"""s3:// references against a real S3-compatible server (the `s3` fixture): objects and prefixes recorded with
their ETags and sizes, downloaded in another process as another machine would, a changed or deleted object
refused, max_objects and a missing object refused when adding. The SDK reads the bucket with the user's own
credentials from the usual AWS_* environment variables."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pytest
import plain_http
from conftest import S3, S3_BUCKET, Server, run_script, sdk_environment

LOG = """
import json, runbase
with runbase.init(project="refs") as run:
    artifact = runbase.Artifact("bucket-data", "dataset")
    artifact.add_reference("s3://{bucket}/{prefix}/model.bin")
    artifact.add_reference("s3://{bucket}/{prefix}/images", name="images")
    artifact.add_reference("s3://{bucket}/{prefix}/images/a.png", name="unchecked.png", checksum=False)
    for bad in ("s3://{bucket}/{prefix}/missing.bin", "s3://{bucket}/{prefix}/nothing-under/"):
        try:
            artifact.add_reference(bad)
        except ValueError as exc:
            print("REFUSED", exc)
    try:
        artifact.add_reference("s3://{bucket}/{prefix}/images", name="few", max_objects=2)
    except ValueError as exc:
        print("REFUSED", exc)
    run.log_artifact(artifact)
    print("ENTRIES", json.dumps({{e.path: [e.digest, e.size, e.ref] for e in artifact.manifest.entries.values()}}))
"""

DOWNLOAD = """
import sys, runbase
artifact = runbase.Api().artifact("refs/bucket-data:latest")
try:
    print("ROOT", artifact.download(sys.argv[1] if len(sys.argv) > 1 else "{root}"))
except (ValueError, FileNotFoundError) as exc:
    print("REFUSED", type(exc).__name__, exc)
"""


@pytest.fixture
def bucket(s3: S3) -> tuple[S3, str]:
    """Objects under a prefix of their own in the test bucket."""
    prefix = f"refs-{uuid.uuid4().hex[:8]}"
    store = s3.store(prefix)
    import obstore

    obstore.put(store, "model.bin", b"weights")
    for name in ("a.png", "b.png", "deep/c.png"):
        obstore.put(store, f"images/{name}", name.encode())
    return s3, prefix


def _environment(server: Server, s3: S3, tmp_path: Path) -> dict[str, str]:
    env = sdk_environment(server, tmp_path)
    env.update(AWS_ENDPOINT_URL=s3.url, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
               AWS_REGION="us-east-1", AWS_ALLOW_HTTP="true", RUNBASE_DISABLE_STATS="true")
    return env


def _line(output: str, tag: str) -> str:
    return next(line for line in output.splitlines() if line.startswith(tag + " "))[len(tag) + 1:]


def test_objects_and_prefixes_are_recorded_and_downloaded_checked(server: Server, bucket: tuple[S3, str],
                                                                 tmp_path: Path) -> None:
    import json

    import obstore

    s3, prefix = bucket
    env = _environment(server, s3, tmp_path / "logger")
    logged = run_script(LOG.format(bucket=S3_BUCKET, prefix=prefix), env).stdout
    refused = [line for line in logged.splitlines() if line.startswith("REFUSED")]
    assert len(refused) == 3, logged
    assert "no object at or under" in refused[0] and "no object at or under" in refused[1]
    assert "more than max_objects=2" in refused[2]
    entries = json.loads(_line(logged, "ENTRIES"))
    md5 = hashlib.md5(b"weights").hexdigest()  # MiniStack's ETag of a single-part object, as S3's
    assert entries["model.bin"] == [md5, 7, f"s3://{S3_BUCKET}/{prefix}/model.bin"]
    assert sorted(entries) == ["images/a.png", "images/b.png", "images/deep/c.png", "model.bin", "unchecked.png"]
    assert entries["images/deep/c.png"][1:] == [10, f"s3://{S3_BUCKET}/{prefix}/images/deep/c.png"]
    assert entries["unchecked.png"] == [None, None, f"s3://{S3_BUCKET}/{prefix}/images/a.png"]

    downloader = _environment(server, s3, tmp_path / "downloader")
    root = Path(_line(run_script(DOWNLOAD.format(root=tmp_path / "one"), downloader).stdout, "ROOT"))
    assert (root / "model.bin").read_bytes() == b"weights"
    assert (root / "images" / "deep" / "c.png").read_bytes() == b"deep/c.png"
    assert (root / "unchecked.png").read_bytes() == b"a.png"

    store = s3.store(prefix)
    obstore.put(store, "model.bin", b"retrained")  # changed upstream after it was logged
    answer = run_script(DOWNLOAD.format(root=tmp_path / "two"), downloader).stdout
    assert "REFUSED ValueError" in answer and "model.bin" in answer and "changed since it was logged" in answer
    assert not (tmp_path / "two" / "model.bin").exists()

    obstore.put(store, "model.bin", b"weights")  # the same bytes again: the same ETag
    obstore.delete(store, "images/b.png")
    answer = run_script(DOWNLOAD.format(root=tmp_path / "three"), downloader).stdout
    assert "REFUSED FileNotFoundError" in answer and "images/b.png" in answer and "no longer exists" in answer


ODD_KEYS = {"odd/what?x=1&y=2.bin": b"a question mark", "odd/hash#1.bin": b"a hash sign",
            "odd/\u00fcn\u00efc\u00f8d\u00e9 \u540d\u524d.bin": b"unicode and a space"}
DOUBLE = "double//slash.bin"  # an empty segment: obstore cannot address it, so it is refused, alone or under a prefix

ODD_LOG = """
import json, runbase
with runbase.init(project="odd-refs") as run:
    artifact = runbase.Artifact("odd-keys", "dataset")
    artifact.add_reference("s3://{bucket}/{prefix}/odd", name="odd")
    for key in {keys!r}:
        artifact.add_reference("s3://{bucket}/{prefix}/" + key, name="one-by-one/" + key)
    for refused in ("s3://{bucket}/{prefix}/{double}", "s3://{bucket}/{prefix}/double"):
        try:
            artifact.add_reference(refused)
        except ValueError as exc:
            print("REFUSED", exc)
    run.log_artifact(artifact)
    print("ENTRIES", json.dumps({{e.path: [e.size, e.ref] for e in artifact.manifest.entries.values()}}))
"""

ODD_DOWNLOAD = """
import runbase
print("ROOT", runbase.Api().artifact("odd-refs/odd-keys:latest").download("{root}"))
"""


def test_keys_with_question_marks_hashes_double_slashes_and_unicode(server: Server, bucket: tuple[S3, str],
                                                                     tmp_path: Path) -> None:
    """Keys that a URL would cut at '?' or '#' or percent-encode, recorded by an SDK process (a prefix, and each
    key alone) and downloaded checked by another; a key with '//' (an empty segment, which obstore cannot
    address) is refused with a reason, alone and under a prefix, rather than read as another key."""
    import json
    from urllib.parse import quote

    import httpx

    s3, prefix = bucket
    for key, body in {**ODD_KEYS, DOUBLE: b"two slashes"}.items():  # raw requests: obstore makes no '//' key
        assert plain_http.put(f"{s3.url}/{S3_BUCKET}/{prefix}/{quote(key)}", content=body).status_code == 200
    assert f"{prefix}/{DOUBLE}" in {meta["Key"] for meta in _listed(s3, prefix)}
    env = _environment(server, s3, tmp_path / "logger")
    logged = run_script(ODD_LOG.format(bucket=S3_BUCKET, prefix=prefix, keys=list(ODD_KEYS), double=DOUBLE),
                        env).stdout
    refused = [line for line in logged.splitlines() if line.startswith("REFUSED")]
    assert len(refused) == 2 and all("empty segment ('a//b')" in line for line in refused), logged
    assert DOUBLE in refused[0] and "one by one" in refused[1]
    entries = json.loads(_line(logged, "ENTRIES"))
    expected = {**ODD_KEYS, **{f"one-by-one/{key}": body for key, body in ODD_KEYS.items()}}
    assert sorted(entries) == sorted(expected), entries
    for key, body in ODD_KEYS.items():
        assert entries[key] == entries[f"one-by-one/{key}"] == [len(body), f"s3://{S3_BUCKET}/{prefix}/{key}"]

    downloader = _environment(server, s3, tmp_path / "downloader")
    root = Path(_line(run_script(ODD_DOWNLOAD.format(root=tmp_path / "got"), downloader).stdout, "ROOT"))
    assert {path: (root / path).read_bytes() for path in expected} == expected


def _listed(s3: S3, prefix: str) -> list[dict[str, str]]:
    """The bucket's objects under the prefix, as the store lists them (ListObjectsV2, unsigned as MiniStack
    takes it), '//' kept."""
    import re

    import httpx

    answer = plain_http.get(f"{s3.url}/{S3_BUCKET}", params={"list-type": "2", "prefix": prefix + "/"}).text
    return [{"Key": key} for key in re.findall(r"<Key>([^<]*)</Key>", answer)]
