"""Issue 10, item 3, against real servers (SQLite and PostgreSQL): references of schemes runbase cannot read
(azure://, custom-scheme://, ftp://...) are recorded as the reference documents it, with the SHA-256 of the
URI as their digest and no size; the Public API reads them back, and download() refuses them unless told
to skip them (allow_missing_references=True)."""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path

import pytest
from conftest import Server

import runbase

AZURE = "azure://account.example/container/models/weights.bin"
CUSTOM = "custom-scheme://x/y"


def uri_digest(uri: str) -> str:
    return hashlib.sha256(uri.encode()).hexdigest()


def api_for(server: Server) -> runbase.Api:
    return runbase.Api(overrides={"base_url": server.url}, api_key=server.key)


def log(server: Server, root: Path, project: str, *references: tuple[str, str | None, bool]) -> runbase.Artifact:
    """A version of "tracked" holding stored.txt and the references (uri, name, checksum)."""
    (root / "stored.txt").write_text("stored on the server")
    settings = runbase.Settings(api_key=server.key, base_url=server.url, root_dir=str(root), quiet=True)
    with runbase.init(project=project, settings=settings) as run:
        artifact = runbase.Artifact("tracked", "dataset")
        artifact.add_file(str(root / "stored.txt"))
        for uri, name, checksum in references:
            [entry] = artifact.add_reference(uri, name=name, checksum=checksum)
            assert (entry.ref, entry.digest, entry.size) == (uri, uri_digest(uri), None)
        return run.log_artifact(artifact).wait()


def test_other_schemes_are_tracked_by_a_digest_of_the_uri(server: Server, tmp_path: Path) -> None:
    project = f"tracked-{uuid.uuid4().hex[:8]}"
    v0 = log(server, tmp_path, project, (AZURE, None, True), (CUSTOM, "named/y.bin", False))

    fetched = api_for(server).artifact(f"{project}/tracked:latest")
    assert fetched.version == "v0" and fetched.digest == v0.digest
    entries = {entry.path: entry for entry in fetched.manifest}
    assert sorted(entries) == ["named/y.bin", "stored.txt", "weights.bin"]  # the name: the URI's last part
    assert (entries["weights.bin"].ref, entries["weights.bin"].digest, entries["weights.bin"].size) == (
        AZURE, uri_digest(AZURE), None)
    assert (entries["named/y.bin"].ref, entries["named/y.bin"].digest) == (CUSTOM, uri_digest(CUSTOM))
    files = {file.path: file for file in fetched.files()}
    assert files["weights.bin"].digest == uri_digest(AZURE) and files["weights.bin"].ref == AZURE
    assert files["named/y.bin"].url == CUSTOM

    # download() cannot fetch them: it refuses before writing anything, or skips them when told to.
    with pytest.raises(ValueError, match="allow_missing_references=True"):
        fetched.download(tmp_path / "refused")
    assert not any((tmp_path / "refused").rglob("*"))
    with pytest.raises(ValueError, match="cannot fetch"):
        fetched.get_entry("weights.bin").download(tmp_path / "entry")
    root = Path(fetched.download(tmp_path / "skipped", allow_missing_references=True))
    assert sorted(path.name for path in root.rglob("*") if path.is_file()) == ["stored.txt"]
    assert (root / "stored.txt").read_text() == "stored on the server"
    fetched.verify(str(root))  # references are not verified, as in W&B

    # The digest follows the URI: the same URIs make no new version, another URI does.
    assert log(server, tmp_path, project, (AZURE, None, False), (CUSTOM, "named/y.bin", True)).version == "v0"
    moved = AZURE.replace("weights", "weights-2")
    v1 = log(server, tmp_path, project, (moved, "weights.bin", True), (CUSTOM, "named/y.bin", True))
    assert v1.version == "v1" and v1.get_entry("weights.bin").digest == uri_digest(moved)


def test_what_is_not_a_uri_is_refused_and_nothing_is_lost(server: Server, tmp_path: Path) -> None:
    artifact = runbase.Artifact("refusals", "dataset")
    for bad in ("relative/path.bin", "/absolute/path.bin", "C:\\data\\x.bin"):
        with pytest.raises(ValueError, match="a URI with a scheme"):
            artifact.add_reference(bad)
    with pytest.raises(ValueError, match="pass name="):
        artifact.add_reference("urn:")
    [entry] = artifact.add_reference("urn:", name="opaque")  # with a name it is fine
    assert entry.digest == uri_digest("urn:")
    assert [e.path for e in artifact.manifest] == ["opaque"]

    # The server takes any scheme from any client, and refuses what has none.
    project = f"tracked-raw-{uuid.uuid4().hex[:8]}"
    created = server.graphql("mutation($i: CreateArtifactInput!) { createArtifact(input: $i) { artifact { id } } }",
                             {"i": {"projectName": project, "artifactCollectionName": "raw", "artifactTypeName": "dataset"}})
    artifact_id = created["data"]["createArtifact"]["artifact"]["id"]
    add = "mutation($i: AddArtifactFilesInput!) { addArtifactFiles(input: $i) { fileCount } }"
    for files in ([{"path": "x", "ref": "no-scheme/x"}], [{"path": "x", "ref": "C:\\x"}], [{"path": "x", "ref": 5}]):
        answer = server.graphql(add, {"i": {"artifactID": artifact_id, "files": json.dumps(files)}})
        assert "a URI with a scheme" in answer["errors"][0]["message"], answer
    files = [{"path": "f", "ref": "ftp://host/f", "digest": uri_digest("ftp://host/f")}]
    answer = server.graphql(add, {"i": {"artifactID": artifact_id, "files": json.dumps(files)}})
    assert answer["data"]["addArtifactFiles"]["fileCount"] == 1, answer
