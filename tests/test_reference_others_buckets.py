"""Bucket references in a version another user logged, against runbase's rule for references (README, "If someone
else logged a version"): fetching reads whatever the logger pointed at, and an s3:// (gs://, az://) reference is
read with the READER's credentials. One that pins neither an ETag nor a version (checksum=False: its logger needed
no access to name it) is fetched only with allow_unverified_references=True, as file:// and http(s):// ones are;
otherwise a logger could have the reader's own private objects written into the reader's download folder (from an
independent review)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
import runbase
from conftest import S3, Server
from test_security_artifacts import ADD, COMMIT, CREATE, PROJECT, ok, unique


def test_anothers_unchecked_bucket_reference_is_not_fetched_without_the_opt_in(
        server: Server, s3: S3, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    author = unique("author")
    author_key = server.create_user(author)
    reader_key = server.create_user(unique("reader"))
    project = unique("refs")
    ok(server, PROJECT, {"e": author, "p": project, "a": "READ"}, author_key)
    prefix = f"reader-private-{uuid.uuid4().hex[:8]}"
    s3.put(prefix, "credentials.env", b"TOKEN=the reader's own")  # an object only the reader's credentials reach
    # what add_reference(uri, name="train.csv", checksum=False) records: the author needs no access to the bucket
    files = [{"path": "train.csv", "ref": f"{s3.root(prefix)}/credentials.env"}]
    created = ok(server, CREATE, {"i": {"entityName": author, "projectName": project,
                                        "artifactCollectionName": "bait", "artifactTypeName": "dataset"}},
                 author_key)["createArtifact"]["artifact"]["id"]
    ok(server, ADD, {"i": {"artifactID": created, "files": json.dumps(files)}}, author_key)
    ok(server, COMMIT, {"i": {"artifactID": created}}, author_key)

    for name, value in s3.reference_env().items():  # the reader's own credentials, as the README says to set them
        monkeypatch.setenv(name, value)
    artifact = runbase.Api(api_key=reader_key, overrides={"base_url": server.url}).artifact(
        f"{author}/{project}/bait:latest")
    # Found: no error; tmp_path/refused/train.csv holds "TOKEN=the reader's own"
    with pytest.raises(PermissionError, match="allow_unverified_references=True"):
        artifact.download(tmp_path / "refused")
    assert not (tmp_path / "refused" / "train.csv").exists()
