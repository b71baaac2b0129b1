"""Versions built on others through the official wandb client, unchanged, against a real runbase server on SQLite
and PostgreSQL: logging contents a committed version already has gives that version (the client goes on with the
id createArtifact answered, which names it after the commit); Artifact.new_draft() lists the base version's files
without uploading them again (baseArtifactID); incremental=True uploads only what changed (manifestType
INCREMENTAL), the base's other entries staying. A version someone cannot read is no base for them: its files'
MD5s do not copy them out of it."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from typing import Any

import pytest
import plain_http
from conftest import Server
from official_client import (  # noqa: F401 - release: a fixture
    LoggingProxy,
    Release,
    check_known,
    new_user,
    release,
    run_wandb,
    wandb_environment,
)
from test_wandb_client import NOT_ANSWERED

SCRIPT = """
import json, wandb
out = {}
def write(name, text):
    with open(name, "w") as f:
        f.write(text)
run = wandb.init(project="edits", name="edits")
write("same.txt", "same contents every time"); write("other.txt", "other")
for label, name in [("a", "same.txt"), ("b", "other.txt"), ("c", "same.txt")]:
    a = wandb.Artifact("samed", "dataset"); a.add_file(name); run.log_artifact(a, aliases=[label]); a.wait()
    out[label] = [a.version, a.id]
write("data.bin", "base contents"); write("new.txt", "new file in draft"); write("inc.txt", "incremental")
write("data2.bin", "replaced contents")
base = wandb.Artifact("ds", "dataset"); base.add_file("data.bin"); run.log_artifact(base); base.wait()
draft = run.use_artifact("ds:latest").new_draft(); draft.add_file("new.txt")
logged = run.log_artifact(draft); logged.wait()
out["draft"] = [logged.version, sorted(logged.manifest.entries)]
inc = wandb.Artifact("ds", "dataset", incremental=True); inc.add_file("inc.txt")
run.log_artifact(inc); inc.wait()
out["incremental"] = [inc.version, sorted(inc.manifest.entries)]
over = wandb.Artifact("ds", "dataset", incremental=True); over.add_file("data2.bin", name="data.bin")
run.log_artifact(over); over.wait()
out["over"] = [over.version, sorted(over.manifest.entries)]
run.finish()
api = wandb.Api()
latest = api.artifact(f"{ENTITY}/edits/ds:latest")
root = latest.download(root="dl")
out["latest"] = {name: open(f"{root}/{name}").read() for name in sorted(latest.manifest.entries)}
out["c_aliases"] = sorted(api.artifact(f"{ENTITY}/edits/samed:v0").aliases)
with open("out.json", "w") as f:
    json.dump(out, f)
"""


@pytest.fixture(scope="module")
def edited(server: Server, backend: str, release: Release, tmp_path_factory: pytest.TempPathFactory) -> Any:
    user, key, home = new_user(server, tmp_path_factory, "we", release)
    with LoggingProxy(server) as proxy:
        env = {**wandb_environment(proxy, home), "WANDB_API_KEY": key}
        run_wandb(f"ENTITY = {user!r}\n{SCRIPT}", env, cwd=home, release=release)
        recorded = proxy.record(f"wandb-{release.version}-artifact-edits-{backend}", release)
    yield recorded, json.loads((home / "out.json").read_text()), release


def test_every_operation_was_answered(edited: tuple[dict[str, Any], dict[str, Any], Release]) -> None:
    recorded, _, release = edited
    assert {"CreateArtifact", "CreateArtifactManifest", "CommitArtifact"} <= set(recorded["graphql_operations"])
    assert set(recorded["not_answered"]) <= set(NOT_ANSWERED), recorded
    check_known(recorded, release)


def test_logging_contents_a_version_has_gives_that_version(
        edited: tuple[dict[str, Any], dict[str, Any], Release]) -> None:
    _, out, _ = edited
    assert [out[label][0] for label in "abc"] == ["v0", "v1", "v0"]
    assert out["c"][1] == out["a"][1]
    assert out["c_aliases"] == ["a", "c"]


def test_a_draft_keeps_the_base_files(edited: tuple[dict[str, Any], dict[str, Any], Release]) -> None:
    _, out, _ = edited
    assert out["draft"] == ["v1", ["data.bin", "new.txt"]]


def test_an_incremental_version_keeps_the_base_entries_it_does_not_list(
        edited: tuple[dict[str, Any], dict[str, Any], Release]) -> None:
    _, out, _ = edited
    assert out["incremental"] == ["v2", ["data.bin", "inc.txt", "new.txt"]]
    assert out["over"] == ["v3", ["data.bin", "inc.txt", "new.txt"]]
    assert out["latest"] == {"data.bin": "replaced contents", "inc.txt": "incremental",
                             "new.txt": "new file in draft"}


CREATE = """mutation($i: CreateArtifactInput!) { createArtifact(input: $i) { artifact { id } } }"""
FILE_URLS = """mutation($i: CreateArtifactFilesInput!) { createArtifactFiles(input: $i) {
    files { edges { node { uploadUrl } } } } }"""
MANIFEST_URL = """mutation($i: CreateArtifactManifestInput!) { createArtifactManifest(input: $i) {
    artifactManifest { id type file { uploadUrl } } } }"""
UPDATE_MANIFEST = """mutation($i: UpdateArtifactManifestInput!) { updateArtifactManifest(input: $i) {
    artifactManifest { id type file { uploadUrl } } } }"""
COMMIT = """mutation($i: CommitArtifactInput!) { commitArtifact(input: $i) { artifact { id state fileCount } } }"""
FILES = """query($id: ID!) { artifact(id: $id) { state files { edges { node { path digest } } } } }"""


def _md5(contents: bytes) -> str:
    return base64.b64encode(hashlib.md5(contents).digest()).decode()


def _ok(server: Server, query: str, variables: dict[str, Any], key: str) -> dict[str, Any]:
    answer = server.graphql(query, variables, key=key)
    assert "errors" not in answer, answer
    return answer["data"]  # type: ignore[no-any-return]


def _pending(server: Server, project: str, key: str) -> str:
    made = _ok(server, CREATE, {"i": {"projectName": project, "artifactTypeName": "dataset",
                                      "artifactCollectionName": "secret"}}, key)
    return str(made["createArtifact"]["artifact"]["id"])


def _manifest(contents: dict[str, bytes]) -> bytes:
    return json.dumps({"version": 1, "storagePolicy": "wandb-storage-policy-v1", "storagePolicyConfig": {},
                       "contents": {path: {"digest": _md5(body), "size": len(body)}
                                    for path, body in contents.items()}}).encode()


def test_another_users_version_is_no_base(server: Server) -> None:
    """Bob knows the MD5 of a file in Alice's private version and its id: naming it as the base of his own
    version, on createArtifactManifest or updateArtifactManifest, is refused, and a manifest listing the file
    without uploading it does not commit. Alice, who can read it, may build on it."""
    alice, bob = f"wa-{uuid.uuid4().hex[:8]}", f"wb-{uuid.uuid4().hex[:8]}"
    alice_key, bob_key = server.create_user(alice), server.create_user(bob)
    secret = b"alice's secret"
    theirs = _pending(server, "private", alice_key)
    [edge] = _ok(server, FILE_URLS, {"i": {"storageLayout": "V2", "artifactFiles": [
        {"artifactID": theirs, "name": "secret.txt", "md5": _md5(secret)}]}}, alice_key)[
        "createArtifactFiles"]["files"]["edges"]
    assert plain_http.put(edge["node"]["uploadUrl"], content=secret).status_code == 200
    _ok(server, COMMIT, {"i": {"artifactID": theirs}}, alice_key)

    mine = _pending(server, "mine", bob_key)
    refused = server.graphql(MANIFEST_URL, {"i": {"artifactID": mine, "name": "wandb_manifest.json", "digest": "x",
                                                  "baseArtifactID": theirs}}, key=bob_key)
    assert f"no committed artifact with id '{theirs}' to build on" in refused["errors"][0]["message"], refused
    made = _ok(server, MANIFEST_URL, {"i": {"artifactID": mine, "name": "wandb_manifest.json", "digest": "x"}},
               bob_key)["createArtifactManifest"]["artifactManifest"]
    refused = server.graphql(UPDATE_MANIFEST, {"i": {"artifactManifestID": made["id"], "baseArtifactID": theirs}},
                             key=bob_key)
    assert "to build on" in refused["errors"][0]["message"], refused
    assert plain_http.put(made["file"]["uploadUrl"], content=_manifest({"stolen.txt": secret})).status_code == 200
    answer = server.graphql(COMMIT, {"i": {"artifactID": mine}}, key=bob_key)
    assert "file 'stolen.txt' of its manifest was not uploaded" in answer["errors"][0]["message"], answer
    assert _ok(server, FILES, {"id": mine}, bob_key)["artifact"] == {"state": "PENDING", "files": {"edges": []}}

    own = _pending(server, "private", alice_key)
    made = _ok(server, MANIFEST_URL, {"i": {"artifactID": own, "name": "wandb_manifest.incremental.json",
                                            "digest": "x", "baseArtifactID": theirs, "type": "INCREMENTAL"}},
               alice_key)["createArtifactManifest"]["artifactManifest"]
    assert made["type"] == "INCREMENTAL"
    assert plain_http.put(made["file"]["uploadUrl"], content=_manifest({"copy.txt": secret})).status_code == 200
    committed = _ok(server, COMMIT, {"i": {"artifactID": own}}, alice_key)["commitArtifact"]["artifact"]
    assert (committed["state"], committed["fileCount"]) == ("COMMITTED", 2)
