"""Multipart uploads of artifact files (artifacts/multipart.py), driven directly as the official wandb client
drives them (test_wandb_client_artifacts.py runs the client itself): on both databases and both blob stores, a
file's parts are refused unless each has the MD5 its URL was made for, the completion is refused while a part is
missing or an ETag or the whole file's MD5 does not match, and by anyone but the user who started the upload or
for another version; nothing of a refused upload is visible, and a completed one leaves no part behind."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import uuid
from typing import Any

import httpx
import plain_http
from conftest import Server
from test_wandb_client_artifacts import COMMIT, _entries, _manifest, _md5, _ok, _pending, _put_manifest

PART = 64 << 10
# The client's own operations (wandb-core's), with the variables they declare.
FILES = """mutation CreateArtifactFiles($input: CreateArtifactFilesInput!) { createArtifactFiles(input: $input) {
    files { edges { node { storagePath uploadUrl uploadHeaders
        uploadMultipartUrls { uploadID uploadUrlParts { partNumber uploadUrl } } artifact { id } } } } } }"""
COMPLETE = """mutation CompleteMultipartUploadArtifact($completeMultipartAction: CompleteMultipartAction!,
    $completedParts: [UploadPartsInput!]!, $artifactID: ID!, $storagePath: String!, $uploadID: String!) {
    completeMultipartUploadArtifact(input: {completeMultipartAction: $completeMultipartAction,
        completedParts: $completedParts, artifactID: $artifactID, storagePath: $storagePath, uploadID: $uploadID}) {
    digest } }"""


def _cut(contents: bytes) -> list[bytes]:
    return [contents[start:start + PART] for start in range(0, len(contents), PART)]


def _declared(parts: list[bytes]) -> list[dict[str, Any]]:
    """uploadPartsInput: each part's number and hex MD5."""
    return [{"partNumber": number, "hexMD5": hashlib.md5(part).hexdigest()} for number, part in enumerate(parts, 1)]


def _start(server: Server, artifact_id: str, name: str, contents: bytes, parts: list[bytes]) -> dict[str, Any]:
    """createArtifactFiles for `contents` (its MD5 declared) in `parts`: the file's node."""
    made = _ok(server, FILES, {"input": {"storageLayout": "V2", "artifactFiles": [{
        "artifactID": artifact_id, "name": name, "md5": _md5(contents), "uploadPartsInput": _declared(parts)}]}})
    [edge] = made["createArtifactFiles"]["files"]["edges"]
    return edge["node"]  # type: ignore[no-any-return]


def _put(url: str, part: bytes) -> httpx.Response:
    """A part's PUT, with the headers the client sends."""
    return plain_http.put(url, content=part, headers={"Content-MD5": _md5(part), "Content-Type": ""})


def _complete(server: Server, artifact_id: str, node: dict[str, Any], etags: list[str],
              key: str | None = None) -> dict[str, Any]:
    return server.graphql(COMPLETE, {"completeMultipartAction": "Complete", "artifactID": artifact_id,
                                     "storagePath": node["storagePath"],
                                     "uploadID": node["uploadMultipartUrls"]["uploadID"],
                                     "completedParts": [{"partNumber": number, "hexMD5": etag}
                                                        for number, etag in enumerate(etags, 1)]}, key=key)


def _refusal(answer: dict[str, Any]) -> str:
    assert answer["data"]["completeMultipartUploadArtifact"] is None, answer
    return str(answer["errors"][0]["message"])


def _kept_parts(server: Server, node: dict[str, Any]) -> list[str]:
    """The parts of the node's upload the server keeps, on disk or in the S3 server."""
    key = json.loads(base64.urlsafe_b64decode(node["uploadMultipartUrls"]["uploadID"].split(".")[0] + "=="))["k"]
    if server.s3 is not None:
        return sorted(server.s3.keys(server.blob_prefix, f"parts/{key}/"))
    return sorted(path.name for path in (server.data_dir / "blobs" / "incoming").glob(f"{key}.*"))


def test_a_file_in_parts_is_stored_once_every_part_matches(any_store_server: Server) -> None:
    server = any_store_server
    artifact_id = _pending(server, f"mp-{uuid.uuid4().hex[:8]}")
    contents = os.urandom(2 * PART + 1000)
    parts = _cut(contents)
    node = _start(server, artifact_id, "w/big.bin", contents, parts)
    assert node["storagePath"] == "w/big.bin" and node["artifact"]["id"] == artifact_id
    assert node["uploadUrl"]  # the whole file may still go in one PUT
    urls = [part["uploadUrl"] for part in node["uploadMultipartUrls"]["uploadUrlParts"]]
    assert [part["partNumber"] for part in node["uploadMultipartUrls"]["uploadUrlParts"]] == [1, 2, 3]

    wrong = plain_http.put(urls[0], content=parts[1])  # another part's contents
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["extensions"]["code"] == "DIGEST_MISMATCH"
    payload, signature = urls[0].rsplit("/", 1)[1].split(".")
    fields = json.loads(base64.urlsafe_b64decode(payload + "=="))
    moved = base64.urlsafe_b64encode(json.dumps({**fields, "pt": 2}).encode()).decode().rstrip("=")
    forged = plain_http.put(f"{server.url}/files/uploads/{moved}.{signature}", content=parts[0])
    assert forged.status_code == 403 and "not valid" in forged.json()["errors"][0]["message"]
    etags = []
    for url, part in zip(urls[:2], parts):
        answer = _put(url, part)
        assert answer.status_code == 200, answer.text
        etags.append(answer.headers["ETag"])
    assert etags == [f'"{hashlib.md5(part).hexdigest()}"' for part in parts[:2]]

    missing = _complete(server, artifact_id, node, [*etags, f'"{hashlib.md5(parts[2]).hexdigest()}"'])
    assert "part 3 of 3 was not uploaded" in _refusal(missing)
    assert _put(urls[2], parts[2]).status_code == 200
    etags.append(f'"{hashlib.md5(parts[2]).hexdigest()}"')
    assert "must be parts 1 to 3" in _refusal(_complete(server, artifact_id, node, etags[:2]))
    assert "ETag" in _refusal(_complete(server, artifact_id, node, [etags[1], etags[0], etags[2]]))
    assert _entries(server, artifact_id) == {"state": "PENDING", "files": {}}

    other_user = server.create_user(f"mp-{uuid.uuid4().hex[:8]}")
    assert "started by another user" in _refusal(_complete(server, artifact_id, node, etags, key=other_user))
    other_version = _pending(server, f"mp-{uuid.uuid4().hex[:8]}")
    assert f"not of 'w/big.bin' of artifact {other_version}" in _refusal(
        _complete(server, other_version, node, etags))
    assert _entries(server, other_version)["files"] == {}

    done = _complete(server, artifact_id, node, etags)
    assert done["data"]["completeMultipartUploadArtifact"] == {"digest": _md5(contents)}, done
    assert _entries(server, artifact_id)["files"] == {"w/big.bin": hashlib.sha256(contents).hexdigest()}
    assert server.blob(hashlib.sha256(contents).hexdigest()) == contents
    assert _kept_parts(server, node) == []
    assert _put_manifest(server, artifact_id, _manifest({"w/big.bin": contents})).status_code == 200
    committed = _ok(server, COMMIT, {"i": {"artifactID": artifact_id}})["commitArtifact"]["artifact"]
    assert (committed["state"], committed["fileCount"]) == ("COMMITTED", 1)


def test_parts_that_do_not_make_the_declared_file_store_nothing(server: Server) -> None:
    """Each part has the MD5 its URL was made for, but together they are not the file the manifest names."""
    artifact_id = _pending(server, f"mp-{uuid.uuid4().hex[:8]}")
    declared, sent = os.urandom(PART + 10), os.urandom(PART + 10)
    parts = _cut(sent)
    made = _ok(server, FILES, {"input": {"artifactFiles": [{
        "artifactID": artifact_id, "name": "big.bin", "md5": _md5(declared), "uploadPartsInput": _declared(parts)}]}})
    [edge] = made["createArtifactFiles"]["files"]["edges"]
    node = edge["node"]
    etags = [_put(url["uploadUrl"], part).headers["ETag"]
             for url, part in zip(node["uploadMultipartUrls"]["uploadUrlParts"], parts)]
    refused = _refusal(_complete(server, artifact_id, node, etags))
    assert f"have MD5 {_md5(sent)}, not the declared {_md5(declared)}" in refused
    assert _entries(server, artifact_id) == {"state": "PENDING", "files": {}}
    assert hashlib.sha256(sent).hexdigest() not in server.stored_blobs()
    bad = server.graphql(FILES, {"input": {"artifactFiles": [{"artifactID": artifact_id, "name": "x.bin",
                                                              "md5": _md5(sent), "uploadPartsInput": [
                                                                  {"partNumber": 2, "hexMD5": "0" * 32}]}]}})
    assert "numbered 1 to 1" in bad["errors"][0]["message"], bad
