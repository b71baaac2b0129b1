"""Artifacts through the official wandb client, unchanged (its pinned release, in .venv-wandb), against a real
runbase server on SQLite and PostgreSQL: one wandb process logs a version (add_file, add_dir and a file://
reference, with aliases and metadata); what it logged must read back identically through runbase's own Api,
with its lineage. A logging proxy (official_client.py) records what the client sent, written to
test-outputs/wandb-VERSION-artifacts-BACKEND.json, and all of it must be answered.

One of the files goes up in parts, a multipart upload (artifacts/multipart.py), and a second wandb process
downloads it byte for byte. The client's core uploads in parts only files of 2 GiB or more, in parts of 100 MiB,
constants compiled in with no setting to lower them: the logging process runs a copy of its core with both
lowered to 1 MiB (wandb_core.py), so a file of a few MiB takes the path a 2 GiB one takes.

The upload side is also driven directly, without wandb: a file whose contents do not have the MD5 its upload
URL was made for, an upload URL of another version, and a manifest naming a file never uploaded are refused
clearly, and nothing wrong is stored."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import plain_http
from conftest import Server
from official_client import (  # noqa: F401 - release: a fixture
    OLDER,
    LoggingProxy,
    Release,
    check_known,
    new_user,
    release,
    run_wandb,
    wandb_environment,
)
from test_wandb_client import NOT_ANSWERED, Logged
from wandb_core import lowered

FILES = {"data.txt": b"hello\n", "dir/a.txt": b"aaa\n", "dir/sub/b.bin": bytes(range(256))}
REFERENCED = b"referenced\n"
MIB = 1 << 20
BIG = "big.bin"  # written by the script: 2.5 MiB, three parts (1 MiB, 1 MiB, the rest)
LOG = """
import os, wandb
import wandb.sdk.lib.service.service_process as service_process
service_process.get_core_path = lambda: CORE  # its multipart threshold and part size lowered
run = wandb.init(project="arts", id="logger", job_type="prepare")
with open(BIG, "wb") as out:
    out.write(os.urandom(5 * MIB // 2))
with open("data.txt", "wb") as out:
    out.write(FILES["data.txt"])
for name, contents in FILES.items():
    if name.startswith("dir/"):
        os.makedirs(os.path.dirname(os.path.join("d", name[4:])), exist_ok=True)
        with open(os.path.join("d", name[4:]), "wb") as out:
            out.write(contents)
with open("ref.txt", "wb") as out:
    out.write(REFERENCED)
artifact = wandb.Artifact("ds", type="dataset", description="from wandb", metadata={"rows": 3, "source": "w"})
artifact.add_file("data.txt")
artifact.add_file(BIG)
artifact.add_dir("d", name="dir")
artifact.add_reference("file://" + os.path.abspath("ref.txt"), name="ref.txt")
run.log_artifact(artifact, aliases=["best"])
run.finish()
"""


@pytest.fixture(scope="module")
def logged(server: Server, backend: str, release: Release, tmp_path_factory: pytest.TempPathFactory) -> Any:
    user, key, home = new_user(server, tmp_path_factory, "wa", release)
    core = lowered(release.venv, tmp_path_factory.mktemp("core"), threshold=MIB, part_size=MIB)
    with LoggingProxy(server) as proxy:
        env = {**wandb_environment(proxy, home), "WANDB_API_KEY": key}
        run_wandb(f"FILES = {FILES!r}\nREFERENCED = {REFERENCED!r}\nCORE = {str(core)!r}\nMIB = {MIB}\nBIG = {BIG!r}\n"
                  f"{LOG}", env, cwd=home, release=release)
        recorded = proxy.record(f"wandb-{release.version}-artifacts-{backend}", release)
    yield Logged(server, proxy, user, key, home, recorded, release=release)  # run_dir: where the script ran


def _md5(contents: bytes) -> str:
    return base64.b64encode(hashlib.md5(contents).digest()).decode()


def _logged_files(logged: Logged) -> dict[str, bytes]:
    """The stored files the script logged, as the paths of the version."""
    return {**FILES, BIG: (logged.run_dir / BIG).read_bytes()}


def test_every_operation_the_client_sent_was_answered(logged: Logged) -> None:
    operations = set(logged.recorded["graphql_operations"])
    assert {"CreateArtifact", "CreateArtifactFiles", "CreateArtifactManifest", "CommitArtifact",
            "CompleteMultipartUploadArtifact"} <= operations
    assert set(logged.recorded["not_answered"]) <= set(NOT_ANSWERED), logged.recorded
    check_known(logged.recorded, logged.release)


def test_a_large_file_went_up_in_parts(logged: Logged) -> None:
    """The client declared the file's parts, PUT each to its own URL, completed the upload with the ETags it was
    answered, and the server kept no part once the file was stored."""
    big = (logged.run_dir / BIG).read_bytes()
    parts = [big[start:start + MIB] for start in range(0, len(big), MIB)]
    hex_md5s = [hashlib.md5(part).hexdigest() for part in parts]
    asked = [e for e in logged.proxy.exchanges if e.operation == "CreateArtifactFiles"]
    specs = [(spec, edge["node"]) for e in asked for spec, edge in zip(
        e.json()["variables"].get("input", e.json()["variables"])["artifactFiles"],  # 0.22.3: no $input
        json.loads(e.answer)["data"]["createArtifactFiles"]["files"]["edges"])]
    assert [bool(spec.get("uploadPartsInput")) for spec, _ in specs] == [spec["name"] == BIG for spec, _ in specs]
    [(spec, node)] = [(spec, node) for spec, node in specs if spec["name"] == BIG]
    assert spec["uploadPartsInput"] == [{"partNumber": n, "hexMD5": md5} for n, md5 in enumerate(hex_md5s, 1)]
    urls = node["uploadMultipartUrls"]["uploadUrlParts"]
    assert [url["partNumber"] for url in urls] == [1, 2, 3] and node["storagePath"] == BIG
    paths = [urlsplit(url["uploadUrl"]).path for url in urls]
    assert [[e.body for e in logged.proxy.exchanges if e.path == path] for path in paths] == [[part] for part in parts]
    [completed] = [e for e in logged.proxy.exchanges if e.operation == "CompleteMultipartUploadArtifact"]
    assert completed.json()["variables"]["completedParts"] == [
        {"partNumber": n, "hexMD5": f'"{md5}"'} for n, md5 in enumerate(hex_md5s, 1)]
    assert json.loads(completed.answer)["data"]["completeMultipartUploadArtifact"]["digest"] == _md5(big)
    upload_id = completed.json()["variables"]["uploadID"]
    key = json.loads(base64.urlsafe_b64decode(upload_id.split(".")[0] + "=="))["k"]
    assert not list((logged.server.data_dir / "blobs" / "incoming").glob(f"{key}.*"))


def test_a_logged_version_reads_back_through_runbase(logged: Logged) -> None:
    version = logged.api().artifact(f"{logged.user}/arts/ds:best")
    assert (version.type, version.version, version.state) == ("dataset", "v0", "COMMITTED")
    assert sorted(version.aliases) == ["best", "latest"]
    assert (version.description, version.metadata) == ("from wandb", {"rows": 3, "source": "w"})
    stored, files = version.manifest.entries, _logged_files(logged)
    assert set(stored) == {*files, "ref.txt"}
    for path, contents in files.items():
        assert (stored[path].digest, stored[path].size, stored[path].ref) == (
            hashlib.sha256(contents).hexdigest(), len(contents), None), path
    reference = stored["ref.txt"]
    assert reference.ref == "file://" + str(logged.run_dir / "ref.txt")
    assert (reference.digest, reference.size) == (_md5(REFERENCED), len(REFERENCED))
    assert (version.file_count, version.size) == (5, sum(map(len, files.values())) + len(REFERENCED))
    for path, contents in files.items():
        assert Path(version.get_entry(path).download(str(logged.run_dir / "rb"))).read_bytes() == contents
    run = version.logged_by()
    assert run is not None and run.id == "logger"


# ------------------------------------------------------------------ uploads, driven directly

CREATE = """mutation($i: CreateArtifactInput!) { createArtifact(input: $i) { artifact { id } } }"""
FILE_URLS = """mutation($i: CreateArtifactFilesInput!) { createArtifactFiles(input: $i) {
    files { edges { node { storagePath uploadUrl artifact { id } } } } } }"""
MANIFEST_URL = """mutation($i: CreateArtifactManifestInput!) { createArtifactManifest(input: $i) {
    artifactManifest { id file { uploadUrl } } } }"""
COMMIT = """mutation($i: CommitArtifactInput!) { commitArtifact(input: $i) { artifact { id state fileCount } } }"""
ENTRIES = """query($id: ID!) { artifact(id: $id) { state fileCount files { edges { node { path digest } } } } }"""


def _ok(server: Server, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    answer = server.graphql(query, variables)
    assert "errors" not in answer, answer
    return answer["data"]  # type: ignore[no-any-return]


def _pending(server: Server, project: str) -> str:
    made = _ok(server, CREATE, {"i": {"projectName": project, "artifactTypeName": "dataset",
                                      "artifactCollectionName": "direct"}})
    return str(made["createArtifact"]["artifact"]["id"])


def _file_url(server: Server, artifact_id: str, name: str, contents: bytes) -> str:
    made = _ok(server, FILE_URLS, {"i": {"storageLayout": "V2", "artifactFiles": [
        {"artifactID": artifact_id, "name": name, "md5": _md5(contents)}]}})
    [edge] = made["createArtifactFiles"]["files"]["edges"]
    assert edge["node"]["storagePath"] == name and edge["node"]["artifact"]["id"] == artifact_id
    return str(edge["node"]["uploadUrl"])


def _manifest(contents: dict[str, bytes]) -> bytes:
    return json.dumps({"version": 1, "storagePolicy": "wandb-storage-policy-v1", "storagePolicyConfig": {},
                       "contents": {path: {"digest": _md5(body), "size": len(body)}
                                    for path, body in contents.items()}}).encode()


def _put_manifest(server: Server, artifact_id: str, body: bytes) -> httpx.Response:
    made = _ok(server, MANIFEST_URL, {"i": {"artifactID": artifact_id, "name": "wandb_manifest.json",
                                            "digest": "x"}})
    return plain_http.put(made["createArtifactManifest"]["artifactManifest"]["file"]["uploadUrl"], content=body)


def _entries(server: Server, artifact_id: str) -> dict[str, Any]:
    found = _ok(server, ENTRIES, {"id": artifact_id})["artifact"]
    return {"state": found["state"], "files": {edge["node"]["path"]: edge["node"]["digest"]
                                              for edge in found["files"]["edges"]}}


def test_an_upload_with_other_contents_than_its_md5_is_refused(server: Server) -> None:
    artifact_id = _pending(server, f"wa-md5-{uuid.uuid4().hex[:8]}")
    url = _file_url(server, artifact_id, "a.txt", b"declared")
    for headers in ({}, {"Content-MD5": _md5(b"tampered")}):
        refused = plain_http.put(url, content=b"tampered", headers=headers)
        assert refused.status_code == 400 and refused.json()["errors"][0]["extensions"]["code"] == "DIGEST_MISMATCH"
    assert _entries(server, artifact_id) == {"state": "PENDING", "files": {}}
    assert plain_http.put(url, content=b"declared", headers={"Content-MD5": _md5(b"declared")}).status_code == 200
    assert _entries(server, artifact_id)["files"] == {"a.txt": hashlib.sha256(b"declared").hexdigest()}


def test_an_upload_url_is_bound_to_its_version(server: Server) -> None:
    """A token changed to name another version fails its signature; the version it names stays as it was."""
    project = f"wa-bound-{uuid.uuid4().hex[:8]}"
    mine, other = _pending(server, project), _pending(server, project)
    url = _file_url(server, mine, "a.txt", b"mine")
    payload, signature = url.rsplit("/", 1)[1].split(".")
    fields = json.loads(base64.urlsafe_b64decode(payload + "=="))
    moved = base64.urlsafe_b64encode(json.dumps({**fields, "a": int(other)}).encode()).decode().rstrip("=")
    refused = plain_http.put(f"{server.url}/files/uploads/{moved}.{signature}", content=b"mine")
    assert refused.status_code == 403 and "not valid" in refused.json()["errors"][0]["message"]
    assert _entries(server, other)["files"] == {}
    _ok(server, COMMIT, {"i": {"artifactID": mine}})
    late = plain_http.put(url, content=b"mine")  # the version is committed: its files cannot change
    assert late.status_code == 400 and "committed" in late.json()["errors"][0]["message"]


def test_a_commit_with_a_file_missing_from_the_uploads_is_refused(server: Server) -> None:
    artifact_id = _pending(server, f"wa-missing-{uuid.uuid4().hex[:8]}")
    assert plain_http.put(_file_url(server, artifact_id, "a.txt", b"a"), content=b"a").status_code == 200
    assert _put_manifest(server, artifact_id, _manifest({"a.txt": b"a", "b.txt": b"b"})).status_code == 200
    answer = server.graphql(COMMIT, {"i": {"artifactID": artifact_id}})
    assert "file 'b.txt' of its manifest was not uploaded" in answer["errors"][0]["message"], answer
    assert _entries(server, artifact_id) == {"state": "PENDING", "files": {"a.txt": hashlib.sha256(b"a").hexdigest()}}
    bad = _put_manifest(server, artifact_id, b'{"version": 1, "storagePolicy": "other", "contents": {}}')
    assert bad.status_code == 400 and "storagePolicy" in bad.json()["errors"][0]["message"]
    assert plain_http.put(_file_url(server, artifact_id, "b.txt", b"b"), content=b"b").status_code == 200
    committed = _ok(server, COMMIT, {"i": {"artifactID": artifact_id}})["commitArtifact"]["artifact"]
    assert (committed["state"], committed["fileCount"]) == ("COMMITTED", 2)


MANIFEST = """query($id: ID!) { artifact(id: $id) { currentManifest { id file { directUrl } } } }"""


def test_a_version_logged_by_runbase_has_a_w_and_b_manifest(server: Server) -> None:
    """MD5s runbase's SDK never sent are computed from the blobs; the signed URL works without a key, for the
    user it was made for only while they may read the version."""
    project = f"wa-manifest-{uuid.uuid4().hex[:8]}"
    files = {"a.txt": b"first", "dir/b.bin": bytes(range(100))}
    artifact_id = _pending(server, project)
    for path, body in files.items():
        assert plain_http.put(_file_url(server, artifact_id, path, body), content=body).status_code == 200
    blob = hashlib.sha256(b"stored by runbase").hexdigest()
    assert plain_http.put(f"{server.url}/files/blobs/{blob}", content=b"stored by runbase",
                          headers={"Authorization": f"Bearer {server.key}"}).status_code in (200, 201)
    _ok(server, "mutation($i: AddArtifactFilesInput!) { addArtifactFiles(input: $i) { fileCount } }",
        {"i": {"artifactID": artifact_id, "files": json.dumps([{"path": "own.txt", "sha256": blob, "size": 17}])}})
    assert server.graphql(MANIFEST, {"id": artifact_id})["data"]["artifact"]["currentManifest"] is None  # PENDING
    _ok(server, COMMIT, {"i": {"artifactID": artifact_id}})
    url = _ok(server, MANIFEST, {"id": artifact_id})["artifact"]["currentManifest"]["file"]["directUrl"]
    answer = plain_http.get(url)
    assert answer.status_code == 200, answer.text
    manifest = answer.json()
    assert (manifest["version"], manifest["storagePolicy"]) == (1, "wandb-storage-policy-v1")
    expected = {**files, "own.txt": b"stored by runbase"}
    assert {path: (entry["digest"], entry["size"]) for path, entry in manifest["contents"].items()} == {
        path: (_md5(body), len(body)) for path, body in expected.items()}
    token = url.split("/files/downloads/", 1)[1].split("/")[0]
    forged = plain_http.get(f"{server.url}/files/downloads/{token[:-3]}AAA/wandb_manifest.json")
    assert forged.status_code == 403 and "not valid" in forged.json()["errors"][0]["message"]


# ------------------------------------------------------------------ using versions: runbase's and wandb's

OWN = {"own.txt": b"logged by runbase\n", "sub/x.bin": bytes(range(200, 256))}
LOG_OWN = """
import runbase
with runbase.init(project="arts", id="rblogger") as run:
    artifact = runbase.Artifact("rb", type="dataset")
    for name, contents in OWN.items():
        with artifact.new_file(name, mode="wb") as out:
            out.write(contents)
    run.log_artifact(artifact, aliases=["prod"])
"""
USE = """
import json, wandb
out = {}
run = wandb.init(project="arts", id="consumer", job_type="eval")
for name, root in (("ds:best", "ds-dl"), ("rb:prod", "rb-dl")):
    artifact = run.use_artifact(name)
    # multipart: in ranged GETs, as files over 2 GiB are
    out[name] = {"name": artifact.name, "version": artifact.version, "aliases": sorted(artifact.aliases),
                 "type": artifact.type, "root": artifact.download(root=root, multipart=True)}
out["path"] = artifact.get_path("sub/x.bin").download(root="one")
try:
    run.use_artifact("ds:nosuch")
except Exception as exc:
    out["missing"] = f"{type(exc).__name__}: {exc}"
run.link_artifact(run.use_artifact("ds:best"), "arts/chosen", aliases=["winner"])
run.link_artifact(artifact, "chosen")
try:
    run.link_artifact(artifact, f"{OTHER}/theirs/stolen")
except Exception as exc:
    out["refused_link"] = f"{type(exc).__name__}: {exc}"
out["other"] = OTHER
entity = run.entity
run.finish()
fetched = wandb.Api().artifact(f"{entity}/arts/rb:prod")  # wandb's own Api, without a run
out["api"] = {"aliases": sorted(fetched.aliases), "version": fetched.version, "root": fetched.download(root="api-dl")}
with open("out.json", "w") as written:
    json.dump(out, written)
"""


@pytest.fixture(scope="module")
def used(logged: Logged, backend: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A second wandb process, with a home (and artifact cache) of its own, uses what the first logged and a
    version runbase's SDK logged, downloads them and asks for an alias no version has; it links both into a
    portfolio of its own, and tries to link into another user's project."""
    from conftest import run_script, sdk_environment

    home = tmp_path_factory.mktemp("wandb-use")
    other = f"wo-{uuid.uuid4().hex[:8]}"
    logged.server.create_user(other)
    run_script(f"OWN = {OWN!r}\n{LOG_OWN}", {**sdk_environment(logged.server, home), "RUNBASE_API_KEY": logged.key})
    with LoggingProxy(logged.server) as proxy:
        env = {**wandb_environment(proxy, home), "WANDB_API_KEY": logged.key}
        run_wandb(f"OTHER = {other!r}\n{USE}", env, cwd=home, release=logged.release)
        recorded = proxy.record(f"wandb-{logged.release.version}-artifacts-use-{backend}", logged.release)
    yield Logged(logged.server, proxy, logged.user, logged.key, home, recorded, release=logged.release), json.loads(
        (home / "out.json").read_text())


def test_every_operation_of_using_was_answered(used: tuple[Logged, dict[str, Any]]) -> None:
    use, _ = used
    operations = set(use.recorded["graphql_operations"])
    # the files' download URLs through the version's membership, a query each release names its own way
    file_urls = "ArtifactCollectionMembershipFileUrls" if use.release is OLDER else "GetArtifactMembershipFileUrls"
    assert {"ArtifactMembershipByName", "UseArtifact", file_urls} <= operations, operations
    check_known(use.recorded, use.release)
    assert use.recorded["routes"]["GET /files/downloads/TOKEN/NAME"] >= len(FILES) + 1 + len(OWN)
    # the one refusal asked for: the link into another user's project
    refused = [e.json()["variables"]["input"] for e in use.proxy.exchanges if e.operation and not e.answered
               and e.operation not in NOT_ANSWERED]
    assert [(i["projectName"], i["artifactPortfolioName"]) for i in refused] == [("theirs", "stolen")], refused


def test_versions_download_byte_for_byte(logged: Logged, used: tuple[Logged, dict[str, Any]]) -> None:
    """What wandb logged (its reference read from where it points, its large file uploaded in parts) and what
    runbase's SDK logged."""
    use, out = used
    assert {key: out["ds:best"][key] for key in ("name", "version", "aliases", "type")} == {
        "name": "ds:best", "version": "v0", "aliases": ["best", "latest"], "type": "dataset"}
    assert {key: out["rb:prod"][key] for key in ("name", "version", "aliases", "type")} == {
        "name": "rb:prod", "version": "v0", "aliases": ["latest", "prod"], "type": "dataset"}
    for name, expected in (("ds:best", {**_logged_files(logged), "ref.txt": REFERENCED}), ("rb:prod", OWN)):
        root = use.run_dir / out[name]["root"]
        found = {str(path.relative_to(root)): path.read_bytes() for path in root.rglob("*") if path.is_file()}
        assert found == expected, name
    assert (use.run_dir / out["path"]).read_bytes() == OWN["sub/x.bin"]
    assert (out["api"]["aliases"], out["api"]["version"]) == (["latest", "prod"], "v0")
    assert {path: (use.run_dir / out["api"]["root"] / path).read_bytes() for path in OWN} == OWN


def test_using_a_missing_alias_says_so(used: tuple[Logged, dict[str, Any]]) -> None:
    assert "ds:nosuch" in used[1]["missing"], used[1]["missing"]


def test_a_download_url_is_bound_to_its_version_and_file(used: tuple[Logged, dict[str, Any]]) -> None:
    """A token changed to name another version's file fails its signature; a version's own URL serves it."""
    use, _ = used
    urls = """query($p: String!, $c: String!) { project(name: $p) { artifactCollection(name: $c) {
        artifactMembership(aliasName: "latest") { artifact { id } files { edges { node { name directUrl } } } } } } }"""
    found = {}
    for collection in ("ds", "rb"):
        membership = use.server.graphql(urls, {"p": "arts", "c": collection}, key=use.key)["data"]["project"][
            "artifactCollection"]["artifactMembership"]
        found[collection] = {edge["node"]["name"]: edge["node"]["directUrl"] for edge in membership["files"]["edges"]}
        found[collection + "-id"] = membership["artifact"]["id"]
    assert plain_http.get(found["rb"]["own.txt"]).content == OWN["own.txt"]
    token = found["rb"]["own.txt"].split("/files/downloads/", 1)[1].split("/")[0]
    payload, signature = token.split(".")
    fields = json.loads(base64.urlsafe_b64decode(payload + "=="))
    moved = base64.urlsafe_b64encode(json.dumps({**fields, "a": int(found["ds-id"]), "p": "data.txt"}).encode())
    refused = plain_http.get(f"{use.server.url}/files/downloads/{moved.decode().rstrip('=')}.{signature}/data.txt")
    assert refused.status_code == 403 and "not valid" in refused.json()["errors"][0]["message"]
    reference = plain_http.get(found["ds"]["ref.txt"])
    assert reference.status_code == 400 and "reference" in reference.json()["errors"][0]["message"]


def test_the_using_run_is_among_the_versions_users(used: tuple[Logged, dict[str, Any]]) -> None:
    """UseArtifact records the lineage runbase's Api reads: the wandb run used both versions, once each."""
    use, _ = used
    api = use.api()
    for name, logger in (("ds:best", "logger"), ("rb:prod", "rblogger")):
        version = api.artifact(f"{use.user}/arts/{name}")
        assert [run.id for run in version.used_by()] == ["consumer"], name
        assert version.logged_by().id == logger
    consumer = api.run(f"{use.user}/arts/consumer")
    assert sorted(version.name for version in consumer.used_artifacts()) == ["ds:v0", "rb:v0"]
    creator = """query($p: String!, $n: String!) { project(name: $p) { artifact(name: $n) {
        createdBy { __typename ... on Run { name project { name entity { name } } } ... on User { username } } } } }"""
    for name, logger in (("ds:best", "logger"), ("rb:prod", "rblogger")):  # W&B's createdBy, as its Api asks it
        found = use.server.graphql(creator, {"p": "arts", "n": name}, key=use.key)["data"]["project"]["artifact"]
        assert found["createdBy"] == {"__typename": "Run", "name": logger,
                                      "project": {"name": "arts", "entity": {"name": use.user}}}


def test_linked_versions_read_back_through_runbase(used: tuple[Logged, dict[str, Any]]) -> None:
    """link_artifact put both versions into the portfolio, the wandb one with its alias; the link into another
    user's project was refused, clearly, and made nothing there."""
    use, out = used
    api = use.api()
    first, second = api.artifact(f"{use.user}/arts/chosen:winner"), api.artifact(f"{use.user}/arts/chosen:v1")
    assert (first.version, first.is_link, sorted(first.aliases), first.source_name) == (
        "v0", True, ["winner"], "ds:v0")
    assert (second.is_link, second.aliases, second.source_name) == (True, ["latest"], "rb:v0")
    assert [link.name for link in api.artifact(f"{use.user}/arts/ds:v0").linked_artifacts] == ["chosen:v0"]
    assert "LinkArtifact" in use.recorded["graphql_operations"]
    assert "cannot write to entity" in out.get("refused_link", ""), out.get("refused_link")
    assert use.server.graphql('query($e: String) { project(name: "theirs", entityName: $e) { id } }',
                              {"e": out["other"]})["data"]["project"] is None


def test_a_version_logged_without_a_run_was_created_by_its_user(server: Server) -> None:
    artifact_id = _pending(server, f"wa-creator-{uuid.uuid4().hex[:8]}")
    _ok(server, COMMIT, {"i": {"artifactID": artifact_id}})
    found = _ok(server, "query($id: ID!) { viewer { username } artifact(id: $id) { createdBy { __typename "
                        "... on User { username } } } }", {"id": artifact_id})
    assert found["artifact"]["createdBy"] == {"__typename": "User", "username": found["viewer"]["username"]}
