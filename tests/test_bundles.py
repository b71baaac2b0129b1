"""Bundles: many small blobs uploaded in one request and a version's small files downloaded in one,
each checked against its digest; malformed bundles are refused clearly, keeping only verified blobs."""

from __future__ import annotations

import hashlib
import json
import os
from urllib.parse import unquote

import httpx
import plain_http
from conftest import Server


def _bundle(*blobs: bytes, lie: int | None = None) -> bytes:
    body = b""
    for index, blob in enumerate(blobs):
        digest = hashlib.sha256(blob if index != lie else b"something else").hexdigest()
        body += f"{digest} {len(blob)}\n".encode() + blob
    return body


def _post(server: Server, path: str, key: str | None = None, **kwargs: object) -> httpx.Response:
    return plain_http.post(f"{server.url}{path}", headers={"Authorization": f"Bearer {key or server.key}"}, **kwargs)


def _held(server: Server, *blobs: bytes, key: str | None = None) -> set[str]:
    digests = [hashlib.sha256(blob).hexdigest() for blob in blobs]
    response = _post(server, "/files/blobs/held", key, json={"digests": digests})
    assert response.status_code == 200, response.text
    return set(response.json()["held"])


def test_a_bundle_stores_every_blob_for_its_uploader_only(any_store_server: Server) -> None:
    server = any_store_server
    blobs = [os.urandom(100 + i) for i in range(50)] + [b""]
    response = _post(server, "/files/blobs", content=_bundle(*blobs))
    assert response.status_code == 201 and response.json() == {"stored": 51}
    assert _held(server, *blobs) == {hashlib.sha256(blob).hexdigest() for blob in blobs}
    other = server.create_user(f"bundler{os.urandom(3).hex()}")
    assert _held(server, *blobs, key=other) == set()  # knowing digests proves nothing
    again = _post(server, "/files/blobs", content=_bundle(*blobs))  # idempotent
    assert again.status_code == 201


def test_a_lying_record_stops_the_bundle_and_keeps_only_what_was_verified(any_store_server: Server) -> None:
    server = any_store_server
    good, bad, after = os.urandom(64), os.urandom(64), os.urandom(64)
    response = _post(server, "/files/blobs", content=_bundle(good, bad, after, lie=1))
    assert response.status_code == 400 and "DIGEST_MISMATCH" in response.text and "after 1 blobs" in response.text
    assert _held(server, good, bad, after) == {hashlib.sha256(good).hexdigest()}


def test_malformed_bundles_are_refused(server: Server) -> None:
    blob = os.urandom(32)
    digest = hashlib.sha256(blob).hexdigest()
    cases = {
        b"not a header\n": "SHA256 SIZE",
        f"{digest} 32\n".encode() + blob[:10]: "ends 22 bytes before",
        f"{digest} 32".encode(): "ends inside a record header",
        f"{digest.upper()} 32\n".encode() + blob: "64 lowercase hexadecimal",
        b"x" * 300: "header must be",
    }
    for body, message in cases.items():
        response = _post(server, "/files/blobs", content=body)
        assert response.status_code == 400 and message in response.json()["errors"][0]["message"], (body, response.text)
    for body in ({"digests": "abc"}, {"digests": ["nothex"]}, [], {"digests": ["0" * 64] * 10_001}):
        assert _post(server, "/files/blobs/held", json=body).status_code == 400
    assert _post(server, "/files/blobs/held", content=b"{not json").status_code == 400
    assert plain_http.post(f"{server.url}/files/blobs", content=_bundle(blob)).status_code == 401


def _logged_version(server: Server, files: dict[str, bytes]) -> str:
    assert _post(server, "/files/blobs", content=_bundle(*files.values())).status_code == 201
    project = f"bundles{os.urandom(3).hex()}"
    created = server.graphql("mutation($p: String!) { createArtifact(input: {projectName: $p, artifactTypeName: \"dataset\", "
                             "artifactCollectionName: \"d\"}) { artifact { id } } }", {"p": project})
    artifact_id = created["data"]["createArtifact"]["artifact"]["id"]
    entries = [{"path": path, "sha256": hashlib.sha256(blob).hexdigest(), "size": len(blob)}
               for path, blob in files.items()]
    added = server.graphql("mutation($i: ID!, $f: JSONString!) { addArtifactFiles(input: {artifactID: $i, files: $f}) "
                           "{ fileCount } }", {"i": artifact_id, "f": json.dumps(entries)})
    assert "errors" not in added, added
    return artifact_id


def test_a_download_bundle_streams_the_files_asked_for_to_readers_only(any_store_server: Server) -> None:
    server = any_store_server
    files = {"a.txt": b"alpha", "dir/b b.bin": os.urandom(300), "ü/c": b"gamma"}
    artifact_id = _logged_version(server, files)
    response = _post(server, f"/files/artifacts/{artifact_id}/bundle",
                     json={"paths": ["dir/b b.bin", "ü/c", "missing.txt"]})
    assert response.status_code == 200
    body, got = response.content, {}
    while body:
        header, body = body.split(b"\n", 1)
        digest, size, path = header.decode().split(" ", 2)
        got[unquote(path)] = body[:int(size)]
        assert hashlib.sha256(body[:int(size)]).hexdigest() == digest
        body = body[int(size):]
    assert got == {"dir/b b.bin": files["dir/b b.bin"], "ü/c": b"gamma"}
    stranger = server.create_user(f"outsider{os.urandom(3).hex()}")
    assert _post(server, f"/files/artifacts/{artifact_id}/bundle", stranger, json={"paths": ["a.txt"]}).status_code == 404
    assert _post(server, f"/files/artifacts/{artifact_id}/bundle", json={"paths": "a.txt"}).status_code == 400
