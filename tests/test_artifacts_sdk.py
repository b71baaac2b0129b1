"""The SDK's artifacts end to end through a real server: logging from runs (in the background sender),
lineage, deduplicated versions, moving aliases, references, verification, the local cache, distributed
versions from two processes, offline runs with `runbase sync`, a server that dies, and refused input."""

from __future__ import annotations

import hashlib
import http.server
import json
import re
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import Server, label_names, run_script, sdk_environment

import runbase
from runbase.artifacts import transfer
from runbase.files import FileClient


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def init(server: Server, tmp_path: Path, settings: dict[str, object] | None = None, **kwargs: object) -> runbase.Run:
    base = runbase.Settings(api_key=server.key, base_url=server.url, root_dir=str(tmp_path), quiet=True)
    return runbase.init(settings=base.updated(settings), **kwargs)


def api_for(server: Server) -> runbase.Api:
    return runbase.Api(overrides={"base_url": server.url}, api_key=server.key)


def gql(server: Server, query: str, **variables: object) -> dict:
    result = server.graphql(query, variables)
    assert "errors" not in result, result
    return label_names(result["data"])  # type: ignore[no-any-return]


def names(connection: dict) -> list[str]:
    return [edge["node"]["name"] for edge in connection["edges"]]


def versions(connection: dict) -> list[str]:
    return [f"{edge['node']['collection']['name']}:v{edge['node']['versionIndex']}" for edge in connection["edges"]]


def test_datasets_and_models_across_three_runs(server: Server, sdk_env: dict[str, str], tmp_path: Path) -> None:
    project, collection = unique("lineage"), unique("net")
    created = server.graphql('mutation { createRegistry(input: {name: "model", visibility: "organization"}) '
                             '{ registry { id } } }')
    assert "errors" not in created or "exists" in json.dumps(created["errors"]), created
    # The runs' folders are under the working directory log_code(".") reads: no requirements.txt in them.
    env = {**sdk_env, "RUNBASE_CACHE_DIR": str(tmp_path / "cache"), "RUNBASE_X_SAVE_REQUIREMENTS": "false"}
    result = run_script(f"""
        import os, runbase
        os.makedirs("data", exist_ok=True)
        open("data/train.csv", "w").write("a,b\\n1,2\\n")
        with runbase.init(project="{project}", job_type="prep") as run:
            first = run.log_artifact("data", name="dataset", type="dataset", aliases=["best"]).wait()
            same = runbase.Artifact("dataset", "dataset")
            same.add_dir("data")
            run.log_artifact(same).wait()
            open("data/train.csv", "a").write("3,4\\n")
            second = run.log_artifact("data", name="dataset", type="dataset", aliases=["best"])
            print("R1", run.id, first.version, same.version, second.wait().version, sorted(second.aliases))
        with runbase.init(project="{project}", job_type="train") as run:
            data = run.use_artifact("dataset:best", type="dataset")
            path = data.download(root="in")
            data.verify("in")
            open("model.pt", "wb").write(b"weights:" + open(os.path.join(path, "train.csv"), "rb").read())
            run.log_model("model.pt", name="net", aliases=["candidate"])
            linked = run.link_model("model.pt", "{collection}", name="net", aliases=["staging"])
            print("R2", run.id, data.version, linked.is_link, sorted(linked.aliases), linked.source_name)
        with runbase.init(project="{project}", job_type="eval") as run:
            model_dir = run.use_model("net:candidate")
            registered = run.use_artifact("wandb-registry-model/{collection}:staging")
            open("evaluate.py", "w").write("print('eval')")
            code = run.log_code(".")
            print("R3", run.id, sorted(os.listdir(model_dir)), registered.source_name, registered.is_link,
                  sorted(code.manifest.entries), code.type)
    """, env, cwd=tmp_path)
    lines = {line.split()[0]: line.split(maxsplit=1)[1] for line in result.stdout.splitlines()
             if line[:2] in ("R1", "R2", "R3")}
    r1, r1_rest = lines["R1"].split(maxsplit=1)
    assert r1_rest == "v0 v0 v1 ['best', 'latest']"  # identical contents: no new version
    r2, r2_rest = lines["R2"].split(maxsplit=1)
    assert r2_rest == "v1 True ['latest', 'staging'] net:v0"  # the model logged twice is one version
    r3, r3_rest = lines["R3"].split(maxsplit=1)
    assert r3_rest == "['model.pt'] net:v0 True ['evaluate.py'] code"

    lineage = """query($p: String!, $r: String!) { project(name: $p) { run(name: $r) {
        loggedArtifacts: outputArtifacts { edges { node { versionIndex collection { name } } } }
        usedArtifacts: inputArtifacts { edges { node { versionIndex collection { name } } } } } } }"""
    runs = {run_id: gql(server, lineage, p=project, r=run_id)["project"]["run"] for run_id in (r1, r2, r3)}
    assert versions(runs[r1]["loggedArtifacts"]) == ["dataset:v0", "dataset:v1"]
    assert versions(runs[r1]["usedArtifacts"]) == []
    assert versions(runs[r2]["usedArtifacts"]) == ["dataset:v1"]
    assert versions(runs[r2]["loggedArtifacts"]) == ["net:v0"]
    assert versions(runs[r3]["usedArtifacts"]) == ["net:v0"]  # used twice (by name and via the registry): once
    assert [v.split(":")[0].startswith("source-") for v in versions(runs[r3]["loggedArtifacts"])] == [True]

    reverse = """query($p: String!, $n: String!) { project(name: $p) { artifact(name: $n) {
        aliases { alias } loggedBy { name } usedBy { edges { node { name } } } } } }"""
    dataset = gql(server, reverse, p=project, n="dataset:v1")["project"]["artifact"]
    assert dataset["loggedBy"]["name"] == r1 and names(dataset["usedBy"]) == [r2]
    assert dataset["aliases"] == ["best", "latest"]
    assert gql(server, reverse, p=project, n="dataset:v0")["project"]["artifact"]["aliases"] == []  # "best" moved
    model = gql(server, reverse, p=project, n="net:latest")["project"]["artifact"]
    assert model["loggedBy"]["name"] == r2 and names(model["usedBy"]) == [r3]

    fetched = api_for(server).artifact(f"{project}/net:v0")
    assert fetched.logged_by().id == r2 and [run.id for run in fetched.used_by()] == [r3]
    assert [link.name for link in fetched.linked_artifacts] == [f"{collection}:v0"]


@pytest.fixture
def web() -> Iterator[tuple[str, dict[str, tuple[bytes, bool]]]]:
    """A local HTTP server for references: path -> (contents, whether it sends an ETag)."""
    served: dict[str, tuple[bytes, bool]] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            if self.path not in served:
                self.send_error(404)
                return
            body, etag = served[self.path]
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            if etag:
                self.send_header("ETag", f'"{sha(body)[:16]}"')
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", served
    httpd.shutdown()


def test_references_verification_and_the_cache(server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               web: tuple[str, dict[str, tuple[bytes, bool]]]) -> None:
    base, served = web
    served.update({"/etag.bin": (b"tagged", True), "/plain.bin": (b"untagged", False)})
    (tmp_path / "shared" / "sub").mkdir(parents=True)
    (tmp_path / "shared" / "sub" / "nfs.txt").write_text("on a mounted volume")
    (tmp_path / "stored.txt").write_text("uploaded")
    monkeypatch.setenv("RUNBASE_CACHE_DIR", str(tmp_path / "logging-cache"))
    project = unique("refs")
    with init(server, tmp_path, project=project) as run:
        artifact = runbase.Artifact("mixed", "dataset")
        artifact.add_reference(f"{base}/etag.bin")
        artifact.add_reference(f"{base}/plain.bin", name="web/plain.bin")
        artifact.add_reference((tmp_path / "shared").as_uri(), name="shared")
        artifact.add_reference("s3://bucket/key.bin?versionId=42", checksum=False)  # not read: no such bucket
        artifact.add_file(tmp_path / "stored.txt")
        run.log_artifact(artifact)
    # A fresh cache: this process downloads as another machine would.
    monkeypatch.setenv("RUNBASE_CACHE_DIR", str(tmp_path / "cache"))
    fetched = api_for(server).artifact(f"{project}/mixed:latest")
    entries = {entry.path: entry for entry in fetched.manifest}
    assert entries["etag.bin"].digest == sha(b"tagged")[:16] and entries["etag.bin"].extra["etag"]
    assert entries["web/plain.bin"].digest == sha(b"untagged")
    assert entries["shared/sub/nfs.txt"].digest == sha(b"on a mounted volume")
    assert entries["key.bin"].digest == "42" and entries["stored.txt"].ref is None
    del fetched.manifest.entries["key.bin"]  # not fetched: tests/test_bucket_references.py reads real buckets

    fetches: list[str] = []
    real_download = FileClient.download
    monkeypatch.setattr(FileClient, "download", lambda self, url, target, digest: (
        fetches.append(url), real_download(self, url, target, digest))[1])
    real_bundle = FileClient.download_bundle  # small files come several to a request
    monkeypatch.setattr(FileClient, "download_bundle", lambda self, url, files: (
        fetches.extend(files), real_bundle(self, url, files))[1])
    root = Path(fetched.download(tmp_path / "one"))
    assert (root / "etag.bin").read_bytes() == b"tagged" and (root / "web" / "plain.bin").read_bytes() == b"untagged"
    assert (root / "shared" / "sub" / "nfs.txt").read_text() == "on a mounted volume"
    assert (root / "stored.txt").read_text() == "uploaded" and len(fetches) == 1
    fetched.verify(str(root))

    (root / "stored.txt").write_text("tampered")
    with pytest.raises(ValueError, match="stored.txt .* differs"):
        fetched.verify(str(root))
    (root / "stored.txt").unlink()
    with pytest.raises(ValueError, match="stored.txt .* missing"):
        fetched.verify(str(root))
    fetched.download(root)
    (root / "stray.txt").write_text("extra")
    with pytest.raises(ValueError, match="stray.txt .* not part"):
        fetched.verify(str(root))
    fetched.checkout(str(root))
    fetched.verify(str(root))

    served["/plain.bin"] = (b"changed upstream", False)
    with pytest.raises(ValueError, match="changed since it was logged"):
        fetched.download(tmp_path / "two")
    served["/plain.bin"] = (b"untagged", False)

    fetches.clear()
    again = api_for(server).artifact(f"{project}/mixed:v0")
    del again.manifest.entries["key.bin"]
    assert (Path(again.download(tmp_path / "three")) / "stored.txt").read_text() == "uploaded"
    assert fetches == []  # the stored file came from the cache
    cached = tmp_path / "cache" / "artifacts" / "obj" / "sha256" / sha(b"uploaded")[:2] / sha(b"uploaded")[2:]
    cached.write_text("tampered in the cache")
    assert (Path(again.download(tmp_path / "four")) / "stored.txt").read_text() == "uploaded"
    assert len(fetches) == 1  # the bad cache copy was not served


def test_distributed_upsert_and_finish_from_two_processes(server: Server, sdk_env: dict[str, str],
                                                          tmp_path: Path) -> None:
    project = unique("shards")
    worker = """
        import runbase
        with runbase.init(project="{project}", group="{group}") as run:
            part = runbase.Artifact("shards", "dataset")
            with part.new_file("part-{n}.txt", mode="w") as handle:
                handle.write("shard {n}")
            if {last}:
                run.finish_artifact(part, aliases=["complete"])
                done = part.wait()
                print("DONE", done.version, done.state, sorted(done.manifest.entries), sorted(done.aliases))
            else:
                run.upsert_artifact(part)
                print("OPEN", part.wait().state)
    """
    group = unique("g")
    first = run_script(worker.format(project=project, group=group, n=0, last=False), sdk_env, cwd=tmp_path)
    assert "OPEN PENDING" in first.stdout
    second = run_script(worker.format(project=project, group=group, n=1, last=True), sdk_env, cwd=tmp_path)
    assert "DONE v0 COMMITTED ['part-0.txt', 'part-1.txt'] ['complete', 'latest']" in second.stdout
    third = run_script(worker.format(project=project, group=group, n=2, last=True), sdk_env, cwd=tmp_path)
    assert "DONE v1 COMMITTED ['part-2.txt']" in third.stdout  # a finished version is not reopened


def _as_before_wandb_shapes(log: Path) -> None:
    """Rewrite a record log's artifact records as the SDK wrote them before CreateArtifactInput took W&B's
    shape: typeName, collectionName, aliases as bare names, distributedId."""
    old = {"artifactTypeName": "typeName", "artifactCollectionName": "collectionName", "distributedID": "distributedId"}
    lines = []
    for line in log.read_text().splitlines():
        record = json.loads(line)
        if record["t"] == "artifact":
            create = {old.get(key, key): value for key, value in record["create"].items()}
            create["aliases"] = [alias["alias"] for alias in create["aliases"]]
            create.setdefault("distributedId", None)  # the older SDK wrote it, null when not distributed
            assert {"typeName", "collectionName"} <= set(create), create
            record["create"] = create
        lines.append(json.dumps(record))
    log.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("written_by", ["this SDK", "an SDK before W&B's input shape"])
def test_offline_artifacts_upload_with_sync(server: Server, tmp_path: Path, written_by: str) -> None:
    env = {**sdk_environment(server, tmp_path), "RUNBASE_CACHE_DIR": str(tmp_path / "cache")}
    project = unique("offline")
    result = run_script(f"""
        import runbase
        open("weights.bin", "wb").write(b"original")
        with runbase.init(project="{project}", mode="offline") as run:
            artifact = runbase.Artifact("offline-model", "model")
            artifact.add_file("weights.bin")
            run.log_artifact(artifact, aliases=["best"])
            open("weights.bin", "wb").write(b"edited after logging")  # the copy made at add time goes up
            try:
                artifact.wait()
            except runbase.ArtifactNotLoggedError as exc:
                print("WAIT", exc)
        print("RUN", run.id)
    """, env, cwd=tmp_path)
    assert "runbase sync" in result.stdout
    run_id = result.stdout.split("RUN ")[1].split()[0]
    query = """query($p: String!) { project(name: $p) { artifactCollection(name: "offline-model") {
        artifacts { totalCount edges { node { versionIndex aliases { alias } loggedBy { name }
        files { edges { node { path digest } } } } } } } } }"""
    assert (gql(server, query, p=project)["project"] or {}).get("artifactCollection") is None
    if written_by != "this SDK":
        [log] = (tmp_path / "runs").rglob(f"run-{run_id}.runbase")
        _as_before_wandb_shapes(log)
    for _ in range(2):
        out = subprocess.run([sys.executable, "-m", "runbase.cli", "sync", str(tmp_path / "runs")], env=env,
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
    found = gql(server, query, p=project)["project"]["artifactCollection"]["artifacts"]
    assert found["totalCount"] == 1
    version = found["edges"][0]["node"]
    assert version["versionIndex"] == 0 and version["aliases"] == ["best", "latest"]
    assert version["loggedBy"]["name"] == run_id
    assert [(f["node"]["path"], f["node"]["digest"]) for f in version["files"]["edges"]] == [
        ("weights.bin", sha(b"original"))]


def test_an_upload_survives_the_server_dying(fresh_server: Server, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNBASE_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "data.bin").write_bytes(b"survives" * 1000)
    run = init(fresh_server, tmp_path, project="durable-artifacts")
    fresh_server.kill()
    artifact = runbase.Artifact("survivor", "dataset")
    artifact.add_file(tmp_path / "data.bin")
    run.log_artifact(artifact)
    run.log({"after": 1})
    time.sleep(0.5)
    fresh_server.start()
    assert artifact.wait(timeout=90).version == "v0"
    run.finish()
    assert fresh_server.run(run.id, project="durable-artifacts")["state"] == "finished"
    fetched = api_for(fresh_server).artifact("durable-artifacts/survivor:v0")
    assert fetched.digest == artifact.digest and fetched.logged_by().id == run.id


def test_bad_input_is_refused_before_anything_is_sent(server: Server, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNBASE_CACHE_DIR", str(tmp_path / "cache"))
    project = unique("bad")
    (tmp_path / "a.txt").write_text("a")
    with pytest.raises(ValueError, match="invalid artifact name"):
        runbase.Artifact("a/b", "dataset")
    with pytest.raises(ValueError, match="reserved"):
        runbase.Artifact("a", "wandb-internal")
    artifact = runbase.Artifact("data", "dataset")
    with pytest.raises(ValueError, match="path traversal"):
        artifact.add_file(tmp_path / "a.txt", name="../../etc/passwd")
    run = init(server, tmp_path, project=project)
    with pytest.raises(ValueError, match="no such file"):
        run.log_artifact(tmp_path / "missing")
    artifact.add_file(tmp_path / "a.txt")
    with pytest.raises(ValueError, match="looks like a version"):
        run.log_artifact(artifact, aliases=["v3"])
    with pytest.raises(ValueError, match="distributed_id"):
        run.upsert_artifact(artifact)
    artifact.add_file(tmp_path / "a.txt", name="b.txt")  # still a draft: nothing was sent
    run.log_artifact(artifact).wait()
    with pytest.raises(runbase.ArtifactFinalizedError):
        artifact.add_file(tmp_path / "a.txt", name="c.txt")
    refused = run.log_artifact(tmp_path / "a.txt", name="data", type="model")  # the server refuses it alone
    with pytest.raises(runbase.CommError, match="holds artifacts of type 'dataset'"):
        refused.wait()
    run.log({"still": "logging"})
    with pytest.raises(ValueError, match="no artifact"):
        run.use_artifact("nothing-here:latest")
    with pytest.raises(ValueError, match="of type 'dataset', not 'model'"):
        run.use_artifact("data:v0", type="model")
    with pytest.raises(ValueError, match="use_model"):
        run.use_model("data:latest")
    run.finish()
    with pytest.raises(runbase.UsageError, match="finished"):
        run.log_artifact(tmp_path / "a.txt")
    assert server.run(run.id, project=project)["state"] == "finished"
    api = api_for(server)
    assert api.artifact(f"{project}/data:latest").file_count == 2
    assert [run.id for run in api.artifact(f"{project}/data:v0").used_by()] == []  # refused uses left no trace


def test_saving_linking_and_deleting_without_a_run(server: Server, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNBASE_CACHE_DIR", str(tmp_path / "cache"))
    project = unique("norun")
    (tmp_path / "x.txt").write_text("x")
    artifact = runbase.Artifact("loose", "dataset", description="saved from a notebook")
    artifact.add_file(tmp_path / "x.txt")
    artifact.save(project=project, settings=runbase.Settings(base_url=server.url, api_key=server.key))
    assert (artifact.version, artifact.qualified_name, artifact.logged_by()) == ("v0", f"admin/{project}/loose:v0",
                                                                                None)
    artifact.aliases.append("gold")
    artifact.metadata = {"rows": 1}
    artifact.save()
    fetched = api_for(server).artifact(f"{project}/loose:gold")
    assert fetched.metadata == {"rows": 1} and fetched.description == "saved from a notebook"
    linked = fetched.link(f"{project}/promoted", aliases=["prod"])
    assert (linked.is_link, linked.name, sorted(linked.aliases), linked.source_name) == (
        True, "promoted:v0", ["latest", "prod"], "loose:v0")
    linked.unlink()
    settings = runbase.Settings(base_url=server.url, api_key=server.key)
    draft = fetched.new_draft()
    (tmp_path / "y.txt").write_text("y")
    draft.add_file(tmp_path / "y.txt")
    draft.save(project=project, settings=settings)
    assert (draft.version, sorted(draft.manifest.entries)) == ("v1", ["x.txt", "y.txt"])
    with pytest.warns(DeprecationWarning, match="new_draft"):
        incremental = runbase.Artifact("loose", "dataset", incremental=True)
    (tmp_path / "z.txt").write_text("z")
    incremental.add_file(tmp_path / "z.txt")
    incremental.save(project=project, settings=settings)
    assert (incremental.version, sorted(incremental.manifest.entries)) == ("v2", ["x.txt", "y.txt", "z.txt"])
    with pytest.raises(runbase.CommError, match="aliases"):
        fetched.delete()
    fetched.delete(delete_aliases=True)
    with pytest.raises(ValueError, match="no artifact"):
        api_for(server).artifact(f"{project}/loose:v0")


def test_names_uses_drafts_and_downloads_as_the_reference_documents(server: Server, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNBASE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)  # use_model() downloads to ./artifacts
    real_upload = transfer.upload

    def slow_upload(connection: object, job: transfer.ArtifactJob, identity: dict, *, silent: bool) -> object:
        if job.create["artifactCollectionName"] == "data":
            time.sleep(0.3)  # long enough that a use by name would otherwise find the older version
        return real_upload(connection, job, identity, silent=silent)

    monkeypatch.setattr(transfer, "upload", slow_upload)
    sent: list[str] = []  # digests of the files uploaded
    real_bundle, real_blob = FileClient.put_bundle, FileClient.put_blob
    monkeypatch.setattr(FileClient, "put_bundle", lambda self, files, *rest: (
        sent.extend(digest for _, digest, _ in files), real_bundle(self, files, *rest))[1])
    monkeypatch.setattr(FileClient, "put_blob", lambda self, path, digest, *rest: (
        sent.append(digest), real_blob(self, path, digest, *rest))[1])
    (tmp_path / "my data.csv").write_text("a,b")
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "weights.bin").write_bytes(b"weights")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("a")
    (tmp_path / "sub_b.txt").write_text("b")
    # Contents no other test stores: the server keeps blobs by contents for all its users, and the SDK sends none
    # it already has, so a "c" stored earlier in the session (test_artifacts_server) would never be sent here.
    new_contents = f"c of {tmp_path.name} {uuid.uuid4().hex}".encode()
    (tmp_path / "c.txt").write_bytes(new_contents)
    (tmp_path / "mounted" / "deep").mkdir(parents=True)
    (tmp_path / "mounted" / "deep" / "m.txt").write_text("m")
    project = unique("documented")
    # Only the artifacts' files are uploaded: no wandb-metadata.json or requirements.txt racing the count.
    with init(server, tmp_path, {"x_disable_meta": True, "x_save_requirements": False}, project=project) as run:
        # A path's artifact is named after it, behind the run id, in the characters names allow.
        from_path = run.log_artifact(tmp_path / "my data.csv")
        run.log_model(tmp_path / "folder", aliases=["candidate"])
        assert Path(run.use_model(f"run-{run.id}-folder:candidate"), "weights.bin").read_bytes() == b"weights"
        first = runbase.Artifact("data", "dataset")
        first.add_file(tmp_path / "sub" / "a.txt", name="sub/a é.txt")  # unicode and spaces travel
        first.add_file(tmp_path / "sub_b.txt")
        first.add_reference((tmp_path / "mounted").as_uri(), name="mounted", checksum=False)  # a directory
        run.log_artifact(first).wait()
        sent.clear()
        draft = first.new_draft()
        draft.add_file(tmp_path / "c.txt")
        run.log_artifact(draft)
        assert run.use_artifact("data:latest").version == "v1"  # the version just logged, not the one before
        assert sent == [sha(new_contents)]  # the files the draft kept were not uploaded again
        assert (from_path.wait().name, from_path.type) == (f"run-{run.id}-my_data.csv:v0", "unspecified")
        empty = run.log_artifact(runbase.Artifact("empty", "dataset")).wait()
    assert Path(empty.download(tmp_path / "nothing")).is_dir() and empty.file_count == 0
    monkeypatch.setenv("RUNBASE_CACHE_DIR", str(tmp_path / "shared-cache"))  # empty: the downloads below race
    with ThreadPoolExecutor(4) as pool:
        copies = [api_for(server).artifact(f"{project}/data:v1") for _ in range(4)]
        list(pool.map(lambda copy: copy.download(tmp_path / "same-root"), copies))
    copies[0].verify(str(tmp_path / "same-root"))  # whole files only, and no temporary ones left behind
    fetched = api_for(server).artifact(f"{project}/data:v1")
    assert sorted(fetched.manifest.entries) == ["c.txt", "mounted", "sub/a é.txt", "sub_b.txt"]
    fetched.verify(fetched.download(tmp_path / "all"))  # the directory reference's files are its own
    root = Path(fetched.download(tmp_path / "only-sub", path_prefix="sub/"))  # the directory, not sub_b.txt
    assert sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) == ["sub/a é.txt"]
    root = Path(fetched.download(tmp_path / "prefixed", path_prefix="sub"))
    assert sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) == ["sub/a é.txt", "sub_b.txt"]


def test_large_uploads_show_progress(server: Server, backend: str, sdk_env: dict[str, str], tmp_path: Path) -> None:
    if backend == "postgresql":
        pytest.skip("progress is the client's; one backend shows it")
    with (tmp_path / "big.bin").open("wb") as out:
        out.truncate(51 * 1024 * 1024)
    result = run_script(f"""
        import runbase
        with runbase.init(project="{unique('progress')}") as run:
            print(run.log_artifact({str(tmp_path / 'big.bin')!r}, type="dataset").wait().size)
    """, {**sdk_env, "RUNBASE_CACHE_DIR": str(tmp_path / "cache")}, cwd=tmp_path)
    assert result.stdout.strip() == str(51 * 1024 * 1024)
    assert re.search(r"uploading artifact run-\w+-big\.bin \(dataset\): 51\.0 of 51\.0 MB", result.stderr)


@pytest.mark.parametrize("first, then", [("x", "x/y"), ("x/y", "x")])
def test_incremental_artifact_refuses_a_file_and_a_folder_of_one_name(
        server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, first: str, then: str) -> None:
    """An incremental draft adding x/y beside the latest version's x (or x beside x/y) is refused when saved, as
    adds are: it was logged, and its download failed with a bare OS error (from an independent review)."""
    monkeypatch.setenv("RUNBASE_CACHE_DIR", str(tmp_path / "cache"))
    settings = runbase.Settings(base_url=server.url, api_key=server.key)
    project = unique("incr")
    (tmp_path / "a").write_text("a")
    (tmp_path / "b").write_text("b")
    v0 = runbase.Artifact("data", "dataset")
    v0.add_file(tmp_path / "a", name=first)
    v0.save(project=project, settings=settings)
    v0.wait()
    with pytest.warns(DeprecationWarning):
        incremental = runbase.Artifact("data", "dataset", incremental=True)
    incremental.add_file(tmp_path / "b", name=then)
    with pytest.raises(ValueError, match="no folder on disk"):
        incremental.save(project=project, settings=settings)
        incremental.wait()
    logged = runbase.Api(overrides={"base_url": server.url}, api_key=server.key).artifact(f"{project}/data:latest")
    assert logged.version == "v0", sorted(logged.manifest.entries)
