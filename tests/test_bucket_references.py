"""s3:// references against a real S3-compatible server (the `s3` fixture), through the checks that gs:// and az://
references share (tests/reference_checks.py): objects and prefixes recorded with their ETags and sizes,
downloaded in another process as another machine would, a changed or deleted object refused, max_objects, a
missing object and a missing bucket refused when adding. The SDK reads the bucket with the user's own credentials
from the usual AWS_* environment variables."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from pathlib import Path

import plain_http
import pytest
from conftest import S3, S3_BUCKET, Server, run_script
from reference_checks import (check_odd_keys, check_recorded_and_downloaded, download, environment, line,
                              refusals)


def test_objects_and_prefixes_are_recorded_and_downloaded_checked(server: Server, s3: S3, tmp_path: Path) -> None:
    entries = check_recorded_and_downloaded(server, s3, tmp_path)
    assert entries["model.bin"][0] == hashlib.md5(b"weights").hexdigest()  # MiniStack's ETag of a single part, as S3's


def test_keys_with_question_marks_hashes_and_unicode(server: Server, s3: S3, tmp_path: Path) -> None:
    check_odd_keys(server, s3, tmp_path)


DOUBLE = "double//slash.bin"  # an empty segment: obstore cannot address it, so it is refused, alone or under a prefix

DOUBLE_LOG = """
import runbase
artifact = runbase.Artifact("double", "dataset")
for refused in ("{root}/{double}", "{root}/double"):
    try:
        artifact.add_reference(refused)
    except ValueError as exc:
        print("REFUSED", exc)
"""


def test_a_key_with_a_double_slash_is_refused_alone_and_under_a_prefix(s3: S3, server: Server,
                                                                       tmp_path: Path) -> None:
    """A key with '//' (an empty segment, which obstore cannot address) is refused with a reason, alone and under
    a prefix, rather than read as another key."""
    prefix = f"refs-{uuid.uuid4().hex[:8]}"
    s3.put_verbatim(prefix, DOUBLE, b"two")  # obstore makes no '//' key
    listed = plain_http.get(f"{s3.url}/{S3_BUCKET}", params={"list-type": "2", "prefix": prefix + "/"}).text
    assert f"{prefix}/{DOUBLE}" in re.findall(r"<Key>([^<]*)</Key>", listed)  # as the store lists it, '//' kept
    logged = run_script(DOUBLE_LOG.format(root=s3.root(prefix), double=DOUBLE),
                        environment(server, s3, tmp_path)).stdout
    refused = refusals(logged)
    assert len(refused) == 2 and all("empty segment ('a//b')" in line for line in refused), logged
    assert DOUBLE in refused[0] and "one by one" in refused[1]


VERSIONING_ON = b"<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>"  # PutBucketVersioning

VERSIONED_LOG = """
import json, runbase
with runbase.init(project="refs-s3") as run:
    artifact = runbase.Artifact("versioned", "dataset")
    artifact.add_reference("{root}/data")
    run.log_artifact(artifact)
    print("ENTRIES", json.dumps({{e.path: e.ref for e in artifact.manifest.entries.values()}}))
"""


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_prefix_in_a_versioned_bucket_downloads_the_versions_logged(s3: S3, server: Server, tmp_path: Path) -> None:
    """In a bucket that keeps versions, a prefix's objects are recorded with their versions (a HEAD each, as W&B's
    client does; a listing gives none), so that a download after an object was overwritten fetches the bytes
    logged."""
    bucket = f"versioned-{uuid.uuid4().hex[:8]}"
    assert plain_http.put(f"{s3.url}/{bucket}").status_code == 200  # the emulator takes unsigned requests
    assert plain_http.put(f"{s3.url}/{bucket}", params={"versioning": ""}, content=VERSIONING_ON).status_code == 200
    objects = {"data/a.bin": b"first a", "data/deep/b.bin": b"first b"}
    for key, body in objects.items():
        assert plain_http.put(f"{s3.url}/{bucket}/{key}", content=body).status_code == 200
    env = environment(server, s3, tmp_path / "logger")
    entries = json.loads(line(run_script(VERSIONED_LOG.format(root=f"s3://{bucket}"), env).stdout, "ENTRIES"))
    assert sorted(entries) == ["a.bin", "deep/b.bin"], entries
    assert all(re.fullmatch(rf"s3://{bucket}/data/{path}\?versionId=.+", ref) for path, ref in entries.items()), entries

    assert plain_http.put(f"{s3.url}/{bucket}/data/a.bin", content=b"second a").status_code == 200  # overwritten
    answer = download(s3, environment(server, s3, tmp_path / "downloader"), tmp_path / "got", name="versioned")
    root = Path(line(answer, "ROOT"))
    assert {path: (root / path).read_bytes() for path in entries} == {"a.bin": b"first a", "deep/b.bin": b"first b"}

FILE_AND_FOLDER_LOG = """
import runbase
artifact = runbase.Artifact("file-and-folder", "dataset")
try:
    artifact.add_reference("{root}/data")
except ValueError as exc:
    print("REFUSED", exc)
"""


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_key_that_is_both_a_file_and_a_folder_is_refused_when_added(s3: S3, server: Server,
                                                                      tmp_path: Path) -> None:
    """Objects data/x and data/x/y: no folder on disk holds both a file x and a folder x, so the reference is
    refused when added, naming both keys (downloading it failed with a bare IsADirectoryError or
    NotADirectoryError)."""
    prefix = f"refs-{uuid.uuid4().hex[:8]}"
    s3.put(prefix, "data/x", b"a file")
    s3.put(prefix, "data/x/y", b"in a folder")
    logged = run_script(FILE_AND_FOLDER_LOG.format(root=s3.root(prefix)), environment(server, s3, tmp_path)).stdout
    refused = refusals(logged)
    assert len(refused) == 1, logged
    assert f"'{prefix}/data/x'" in refused[0] and f"'{prefix}/data/x/y'" in refused[0], refused
    assert "both a file and a folder" in refused[0], refused


FILE_AND_FOLDER_TWO_CALLS_LOG = """
import runbase
artifact = runbase.Artifact("file-and-folder-two", "dataset")
artifact.add_reference("{root}/data/x", name="x")
try:
    artifact.add_reference("{root}/other/", name="x")
except ValueError as exc:
    print("REFUSED", exc)
"""


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_file_and_a_folder_of_one_name_from_two_references_are_refused_when_added(
        s3: S3, server: Server, tmp_path: Path) -> None:
    """A reference named x, then a prefix added under x (x/y): the second is refused when added, as within one
    prefix (their download failed with a bare NotADirectoryError)."""
    prefix = f"refs-{uuid.uuid4().hex[:8]}"
    s3.put(prefix, "data/x", b"a file")
    s3.put(prefix, "other/y", b"in a folder")
    logged = run_script(FILE_AND_FOLDER_TWO_CALLS_LOG.format(root=s3.root(prefix)),
                        environment(server, s3, tmp_path)).stdout
    refused = refusals(logged)
    assert len(refused) == 1 and "both a file and a folder" in refused[0], logged
