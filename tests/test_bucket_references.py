"""s3:// references against a real S3-compatible server (the `s3` fixture), through the checks that gs:// and az://
references share (tests/reference_checks.py): objects and prefixes recorded with their ETags and sizes,
downloaded in another process as another machine would, a changed or deleted object refused, max_objects, a
missing object and a missing bucket refused when adding. The SDK reads the bucket with the user's own credentials
from the usual AWS_* environment variables."""

from __future__ import annotations

import hashlib
import re
import uuid
from pathlib import Path

import plain_http
from conftest import S3, S3_BUCKET, Server, run_script
from reference_checks import check_odd_keys, check_recorded_and_downloaded, environment, refusals


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
