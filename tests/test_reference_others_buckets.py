"""Bucket references in a version another user logged, against runbase's rule for references (README, "If someone
else logged a version"): fetching reads whatever the logger pointed at, and an s3:// (gs://, az://) reference is
read with the READER's credentials. One that does not pin its object by the ETag its logger read (checksum=False,
a version alone, an ETag without the digest a download asks for: its logger needed no access to write them) is
fetched only with allow_unverified_references=True, as file:// and http(s):// ones are; otherwise a logger could
have the reader's own private objects written into the reader's download folder (from independent reviews)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import runbase
from conftest import S3, Server
from test_security_artifacts import ADD, COMMIT, CREATE, PROJECT, ok, unique


def test_anothers_unchecked_bucket_reference_is_not_fetched_without_the_opt_in(
        server: Server, s3: S3, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # what add_reference(uri, name="train.csv", checksum=False) records: the author needs no access to the bucket
    _check_refused(server, s3, tmp_path, monkeypatch, lambda uri: {"path": "train.csv", "ref": uri})


def test_anothers_reference_pinned_to_the_null_version_is_not_fetched_without_the_opt_in(
        server: Server, s3: S3, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """add_reference(f"{uri}?versionId=null", checksum=False) records extra={"versionID": "null"}: S3's "null"
    version is the current object of any unversioned bucket (and of objects written before versioning was turned
    on), which the logger needed no access to name."""
    _check_refused(server, s3, tmp_path, monkeypatch, lambda uri: {
        "path": "train.csv", "ref": f"{uri}?versionId=null", "digest": "null", "extra": {"versionID": "null"}})


def test_anothers_reference_with_an_etag_but_no_digest_is_not_fetched_without_the_opt_in(
        server: Server, s3: S3, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An entry with extra={"etag": ...} and no digest (written through addArtifactFiles, no bucket access needed)
    would be fetched without If-Match, which a download sends with the digest."""
    _check_refused(server, s3, tmp_path, monkeypatch, lambda uri: {
        "path": "train.csv", "ref": uri, "extra": {"etag": "anything"}})


@pytest.mark.parametrize("store", ["s3", "azurite"])
def test_anothers_reference_whose_digest_is_a_star_is_not_fetched_without_the_opt_in(
        server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest,
        store: str) -> None:
    """A digest and extra etag of "*" (written through addArtifactFiles: its logger needs no access to anything)
    pin nothing: Azure takes If-Match: "*" for any object, and would serve the reader's own private object
    (from an independent review)."""
    _check_refused(server, request.getfixturevalue(store), tmp_path, monkeypatch, lambda uri: {
        "path": "train.csv", "ref": uri, "digest": "*", "extra": {"etag": "*"}})


def _check_refused(server: Server, s3: S3, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                   entry: Callable[[str], dict[str, Any]]) -> None:
    """Another user logs a reference (`entry` of the object's URI) to an object only the reader's credentials
    reach; the reader's download refuses it without the opt-in."""
    author = unique("author")
    author_key = server.create_user(author)
    reader_key = server.create_user(unique("reader"))
    project = unique("refs")
    ok(server, PROJECT, {"e": author, "p": project, "a": "READ"}, author_key)
    prefix = f"reader-private-{uuid.uuid4().hex[:8]}"
    s3.put(prefix, "credentials.env", b"TOKEN=the reader's own")  # an object only the reader's credentials reach
    files = [entry(f"{s3.root(prefix)}/credentials.env")]
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
