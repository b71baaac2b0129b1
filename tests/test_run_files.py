"""Run files end to end through a real server: run.save / restore, the public File API,
deduplicated blobs, flat memory for large files, and refused bad input."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest
import runbase as wandb
import plain_http
from conftest import Server, run_script, sdk_environment
from runbase.connection import Connection
from runbase.files import FileClient, digest_of

MB = 1024 * 1024


def api_for(server: Server, key: str | None = None) -> wandb.Api:
    return wandb.Api(overrides={"base_url": server.url}, api_key=key or server.key)


def vm_hwm_kib(pid: int) -> int:
    """Peak resident memory of a process (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM in /proc status")


def new_run(server: Server, project: str, key: str | None = None) -> str:
    """A new run in the project of the key's user (the admin's by default)."""
    run_id = uuid.uuid4().hex[:12]
    result = server.graphql("mutation($p: String!, $r: String!) { upsertBucket(input: {modelName: $p, name: $r}) "
                            "{ inserted } }", {"p": project, "r": run_id}, key=key)
    assert "errors" not in result, result
    return run_id


def upsert_files(server: Server, project: str, run_id: str, files: list[dict[str, object]],
                 key: str | None = None) -> dict[str, object]:
    return server.graphql(
        "mutation($p: String!, $r: String!, $f: JSONString!) { upsertRunFiles(input: {projectName: $p, "
        "runName: $r, files: $f}) { files { name digest sizeBytes url } } }",
        {"p": project, "r": run_id, "f": json.dumps(files)}, key=key)


def put_blob(server: Server, content: bytes, digest: str | None = None) -> httpx.Response:
    digest = digest or hashlib.sha256(content).hexdigest()
    return plain_http.put(f"{server.url}/files/blobs/{digest}", content=content,
                          headers={"Authorization": f"Bearer {server.key}"})


def test_save_upload_and_restore_round_trip(any_store_server: Server, tmp_path: Path) -> None:
    server, sdk_env = any_store_server, sdk_environment(any_store_server, tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    run_id = uuid.uuid4().hex[:12]
    result = run_script(f"""
        import os, runbase
        os.makedirs("ckpt/a", exist_ok=True)
        open("ckpt/a/w.txt", "w").write("weights v1")
        open("notes.txt", "w").write("saved now")
        run = runbase.init(project="files", id="{run_id}")
        links = run.save("ckpt/*/w.txt", policy="live")
        assert [os.path.islink(link) for link in links] == [True], links
        runbase.save("notes.txt", policy="now")  # the module-level form W&B scripts use
        open("late.txt", "w").write("saved at the end")
        run.save("late.txt", policy="end")
        api_run = runbase.Api().run("files/{run_id}")
        print("BEFORE_END", sorted(f.name for f in api_run.files()))
        open("ckpt/a/w.txt", "w").write("weights v2")  # live: sent again at finish
        with open(os.path.join(run.dir, "model.bin"), "wb") as f:
            f.write(bytes(range(256)) * 4)
        run.save(os.path.join(run.dir, "model.bin"), policy="now")  # named by its place in the run directory
        # no run.finish(): the end uploads happen at exit
    """, {**sdk_env, "RUNBASE_X_DISABLE_META": "true", "RUNBASE_X_SAVE_REQUIREMENTS": "false"},
        cwd=work)  # only the saved files are run files
    assert "BEFORE_END ['ckpt/a/w.txt', 'notes.txt']" in result.stdout, result.stdout

    api_run = api_for(server).run(f"files/{run_id}")
    assert api_run.state == "finished"
    files = {f.name: f for f in api_run.files()}
    assert sorted(files) == ["ckpt/a/w.txt", "late.txt", "model.bin", "notes.txt"]
    assert files["ckpt/a/w.txt"].size == len("weights v2")
    assert files["ckpt/a/w.txt"].digest == hashlib.sha256(b"weights v2").hexdigest()

    restored = tmp_path / "restored"
    restored.mkdir()
    result = run_script(f"""
        import os, runbase
        assert runbase.restore("missing.txt", run_path="admin/files/{run_id}") is None
        with runbase.restore("ckpt/a/w.txt", run_path="admin/files/{run_id}") as f:
            print("MODULE", f.read())
        run = runbase.init(project="files")
        with run.restore("late.txt", run_path="files/{run_id}") as f:
            print("RUN", f.read(), os.path.dirname(f.name) == run.dir)
        open(os.path.join(run.dir, "late.txt"), "w").write("local")
        with runbase.restore("late.txt", run_path="admin/files/{run_id}") as f:
            print("KEPT", f.read())  # an existing file is kept unless replace=True
        with runbase.restore("late.txt", run_path="admin/files/{run_id}", replace=True) as f:
            print("REPLACED", f.read())
        try:
            runbase.restore("../../etc/passwd", run_path="admin/files/{run_id}")
        except ValueError as exc:
            print("REFUSED", exc)
        run.finish()
        runbase.restore("model.bin", run_path="admin/files/{run_id}", root="out")
        assert open("out/model.bin", "rb").read() == bytes(range(256)) * 4
    """, sdk_env, cwd=restored)
    assert "MODULE weights v2" in result.stdout
    assert "RUN saved at the end True" in result.stdout
    assert "KEPT local" in result.stdout and "REPLACED saved at the end" in result.stdout
    assert "REFUSED" in result.stdout and "path traversal" in result.stdout
    assert (restored / "ckpt" / "a" / "w.txt").read_text() == "weights v2"


def test_identical_contents_are_uploaded_once(server: Server, sdk_env: dict[str, str], tmp_path: Path) -> None:
    content = f"checkpoint {uuid.uuid4()}\n" * 1000
    (tmp_path / "model.txt").write_text(content)
    script = """
        import runbase
        from runbase.files import FileClient
        puts = []  # every file whose contents were sent, alone or in a bundle of small files
        original, bundle = FileClient.put_blob, FileClient.put_bundle
        FileClient.put_blob = lambda self, *args: (puts.append(args), original(self, *args))[1]
        FileClient.put_bundle = lambda self, files, *args: (puts.extend(files), bundle(self, files, *args))[1]
        with runbase.init(project="dedup") as run:
            run.save("model.txt", policy="now")
            run.save("model.txt", policy="now")  # unchanged: not even asked about
        print("PUTS", len(puts))
    """
    sdk_env = {**sdk_env, "RUNBASE_X_DISABLE_META": "true", "RUNBASE_X_SAVE_REQUIREMENTS": "false"}  # only the saved file
    assert "PUTS 1" in run_script(script, sdk_env, cwd=tmp_path).stdout
    stored = server.stored_blobs()
    assert "PUTS 0" in run_script(script, sdk_env, cwd=tmp_path).stdout
    assert server.stored_blobs() == stored
    runs = list(api_for(server).runs("dedup"))
    digests = {run.file("model.txt").digest for run in runs}
    assert digests == {hashlib.sha256(content.encode()).hexdigest()}


def test_a_200_mb_file_moves_with_flat_memory(server: Server, backend: str, sdk_env: dict[str, str],
                                              tmp_path: Path) -> None:
    if backend == "postgresql":
        pytest.skip("file contents never touch the database; one backend measures the streaming")
    big = tmp_path / "big.bin"
    hasher = hashlib.sha256()
    with big.open("wb") as out:
        for _ in range(200):
            chunk = os.urandom(MB)
            hasher.update(chunk)
            out.write(chunk)
    server_before = vm_hwm_kib(server.process.pid)
    result = run_script(f"""
        import json, resource, time, runbase
        run = runbase.init(project="big-files")
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.monotonic()
        run.save({str(big)!r}, base_path={str(tmp_path)!r}, policy="now")
        uploaded = time.monotonic()
        after_upload = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        file = runbase.Api().run(run.path).file("big.bin")
        file.download(root={str(tmp_path / "down")!r}).close()
        downloaded = time.monotonic()
        after_download = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        run.finish()
        print("RSS", json.dumps({{"base": base, "upload": after_upload, "download": after_download,
                                 "upload_s": uploaded - start, "download_s": downloaded - uploaded}}))
    """, sdk_env, cwd=tmp_path)
    stats = json.loads(result.stdout.split("RSS ", 1)[1].splitlines()[0])
    server_growth = vm_hwm_kib(server.process.pid) - server_before
    print(f"200 MB: upload {stats['upload_s']:.2f} s, download {stats['download_s']:.2f} s; client peak RSS "
          f"{stats['base'] / 1024:.0f} MiB +{(stats['download'] - stats['base']) / 1024:.1f} MiB, "
          f"server peak RSS +{server_growth / 1024:.1f} MiB")
    assert (stats["upload"] - stats["base"]) < 100 * 1024, stats  # KiB
    assert (stats["download"] - stats["base"]) < 100 * 1024, stats
    assert server_growth < 100 * 1024
    down = tmp_path / "down" / "big.bin"
    assert down.stat().st_size == 200 * MB
    with down.open("rb") as f:
        assert hashlib.file_digest(f, "sha256").hexdigest() == hasher.hexdigest()


@pytest.mark.parametrize("size", [4096, 20 * MB])  # one request to an object store, and a multipart upload
def test_a_corrupted_upload_is_rejected_with_nothing_stored(any_store_server: Server, size: int) -> None:
    server = any_store_server
    content = os.urandom(size)
    wrong = hashlib.sha256(b"something else " + content).hexdigest()
    before = server.stored_blobs()
    response = put_blob(server, content, wrong)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "DIGEST_MISMATCH"
    assert server.stored_blobs() == before
    head = plain_http.head(f"{server.url}/files/blobs/{wrong}", headers={"Authorization": f"Bearer {server.key}"})
    assert head.status_code == 404

    run_id = new_run(server, "corrupt")
    result = upsert_files(server, "corrupt", run_id, [{"name": "x.bin", "sha256": wrong, "size": size}])
    assert "upload it first" in result["errors"][0]["message"]
    right = put_blob(server, content)
    assert right.status_code == 201 and put_blob(server, content).status_code == 200  # idempotent
    result = upsert_files(server, "corrupt", run_id, [{"name": "x.bin", "sha256": right.json()["sha256"],
                                                       "size": size - 1}])
    assert f"not the declared {size - 1}" in result["errors"][0]["message"]
    assert put_blob(server, content, "not-a-digest").status_code == 400
    assert plain_http.put(f"{server.url}/files/blobs/{wrong}", content=content).status_code == 401


def test_the_size_limit_refuses_large_uploads(tmp_path: Path) -> None:
    server = Server(tmp_path / "server", None, {"RUNBASE_MAX_FILE_BYTES": "1000"}).start()
    try:
        content = os.urandom(1001)
        assert put_blob(server, content).status_code == 413
        streamed = plain_http.put(f"{server.url}/files/blobs/{hashlib.sha256(content).hexdigest()}",
                                  content=iter([content[:500], content[500:]]),  # chunked: no Content-Length
                                  headers={"Authorization": f"Bearer {server.key}"})
        assert streamed.status_code == 413
        assert "RUNBASE_MAX_FILE_BYTES" in streamed.json()["errors"][0]["message"]
        assert server.stored_blobs() == set()
        assert put_blob(server, content[:1000]).status_code == 201
    finally:
        server.stop()


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "a/../../b", "a\\b", "", "a//b", "./a",
                                  "dir/", "C:/Windows/x", "a\tb", "a\x7fb"])
def test_unsafe_file_names_are_refused(server: Server, name: str) -> None:
    content = b"harmless"
    digest = put_blob(server, content).json()["sha256"]
    run_id = new_run(server, "names")
    result = upsert_files(server, "names", run_id, [{"name": "ok.txt", "sha256": digest, "size": len(content)},
                                                    {"name": name, "sha256": digest, "size": len(content)}])
    assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", result
    assert "file name" in result["errors"][0]["message"]
    assert list(api_for(server).run(f"names/{run_id}").files()) == []  # nothing stored, not even ok.txt


def test_the_sdk_refuses_names_outside_the_base(server: Server, sdk_env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "inside").mkdir()
    (tmp_path / "inside" / "a.txt").write_text("a")
    (tmp_path / "outside.txt").write_text("b")
    result = run_script("""
        import runbase
        with runbase.init(project="names-sdk") as run:
            for call in (lambda: run.save("outside.txt", base_path="inside"),
                         lambda: run.upload_file("outside.txt", root="inside"),
                         lambda: runbase.Api().run(run.path).upload_file("outside.txt", root="inside"),
                         lambda: run.save("inside/a.txt", policy="sometimes")):
                try:
                    call()
                    print("ACCEPTED")
                except ValueError as exc:
                    print("REFUSED", exc)
            file = run.upload_file("inside/a.txt", root="inside")
            print("UPLOADED", file.name, file.size)
    """, sdk_env, cwd=tmp_path)
    assert result.stdout.count("REFUSED") == 4 and "ACCEPTED" not in result.stdout, result.stdout
    assert "UPLOADED a.txt 1" in result.stdout


def test_another_users_private_files_cannot_be_read(server: Server, tmp_path: Path) -> None:
    project = f"secret-{uuid.uuid4().hex[:6]}"
    run_id = new_run(server, project)
    secret = tmp_path / "secret.txt"
    secret.write_text("the admin's secret")
    api_run = api_for(server).run(f"{project}/{run_id}")
    file = api_run.upload_file(secret, root=tmp_path)
    path = f"{server.url}/files/admin/{project}/{run_id}/secret.txt"  # the route that takes the reader's key
    assert plain_http.get(path, headers={"Authorization": f"Bearer {server.key}"}).text == "the admin's secret"
    assert plain_http.get(path).status_code == 401
    assert plain_http.get(file.url).text == "the admin's secret"  # W&B's File.url: signed for its reader, needs no key

    other = server.create_user(f"mallory{uuid.uuid4().hex[:6]}")
    response = plain_http.get(path, headers={"Authorization": f"Bearer {other}"})
    assert response.status_code == 404 and "the admin's secret" not in response.text
    with pytest.raises(ValueError, match="no access"):
        api_for(server, other).run(f"admin/{project}/{run_id}").files()[0]
    digest = file.digest
    result = upsert_files(server, project, run_id, [{"name": "planted.txt", "sha256": digest, "size": 18}],
                          key=other)
    assert "errors" in result  # the project is not theirs to write (their own entity has no such project)

    api_for(server).project(project)  # the owner opens the project to readers
    assert server.graphql("mutation($p: String!) { upsertModel(input: {name: $p, access: \"READ\"}) "
                          "{ project { access } } }", {"p": project})["data"]["upsertModel"]["project"]["access"] \
        == "READ"
    assert plain_http.get(path, headers={"Authorization": f"Bearer {other}"}).text == "the admin's secret"


def test_public_run_files_file_and_download(server: Server, tmp_path: Path) -> None:
    run_id = new_run(server, "public-files")
    api_run = api_for(server).run(f"public-files/{run_id}")
    contents = {"a.json": "{}", "b.json": "[1]", "logs/out.txt": "hello", "Model.JSON": "{\"m\": 1}",
                "z.txt": "zz"}
    for name, text in contents.items():
        path = tmp_path / "src" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        api_run.upload_file(path, root=tmp_path / "src")

    files = api_run.files(per_page=2)
    assert len(files) == 5
    assert [f.name for f in files] == sorted(contents)
    assert [f.name for f in api_run.files(pattern="%.json")] == ["Model.JSON", "a.json", "b.json"]
    assert [f.name for f in api_run.files(names=["z.txt", "nope"])] == ["z.txt"]
    with pytest.raises(ValueError, match="not both"):
        api_run.files(names=["a.json"], pattern="%")

    file = api_run.file("logs/out.txt")
    assert (file.name, file.size, file.digest) == ("logs/out.txt", 5, hashlib.sha256(b"hello").hexdigest())
    assert file.url.startswith(f"{server.url}/files/downloads/") and file.url.endswith("/out.txt") and file.updated_at
    with file.download(root=tmp_path / "dl") as f:
        assert f.read() == "hello"
    (tmp_path / "dl" / "logs" / "out.txt").write_text("edited")
    with pytest.raises(ValueError, match="already exists"):
        file.download(root=tmp_path / "dl")
    with file.download(root=tmp_path / "dl", exist_ok=True) as f:
        assert f.read() == "edited"
    with file.download(root=tmp_path / "dl", replace=True) as f:
        assert f.read() == "hello"
    with pytest.raises(ValueError, match="no file"):
        api_run.file("missing.txt")

    (tmp_path / "src" / "z.txt").write_text("changed")
    updated = api_run.upload_file(tmp_path / "src" / "z.txt", root=tmp_path / "src")
    assert updated.digest == hashlib.sha256(b"changed").hexdigest()
    assert len(api_run.files()) == 5


def test_offline_and_disabled_runs(sdk_env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "kept.txt").write_text("kept")
    result = run_script("""
        import os, runbase
        run = runbase.init(project="offline-files", mode="offline")
        links = run.save("kept.txt")
        print("LINKED", [os.path.islink(link) and open(link).read() for link in links])
        print("RUN", run.id)
        try:
            run.restore("kept.txt")
        except runbase.UsageError as exc:
            print("RESTORE", exc)
        run.finish()
        disabled = runbase.init(mode="disabled")
        print("DISABLED", disabled.save("kept.txt"), disabled.restore("kept.txt"))
    """, sdk_env, cwd=tmp_path)
    assert "LINKED ['kept']" in result.stdout
    assert "RESTORE restore() needs the server" in result.stdout
    assert "DISABLED [] None" in result.stdout
    # `runbase sync` uploads the saved file, as it is when synced.
    (tmp_path / "kept.txt").write_text("kept, then changed")
    synced = subprocess.run([sys.executable, "-m", "runbase.cli", "sync", sdk_env["RUNBASE_DIR"]], env=sdk_env,
                            capture_output=True, text=True, timeout=120)
    assert synced.returncode == 0, synced.stderr
    run_id = result.stdout.split("RUN ")[1].split()[0]
    answer = run_script(f"""
        import runbase
        file = runbase.Api().run("offline-files/{run_id}").file("kept.txt")
        print("GOT", open(file.download(root="{tmp_path / 'got'}").name).read())
    """, sdk_env)
    assert "GOT kept, then changed" in answer.stdout


def test_knowing_a_digest_is_not_enough_to_read_the_contents(server: Server) -> None:
    """Blobs are stored once, but a user must upload contents before attaching them to a run of theirs."""
    project = f"vault-{uuid.uuid4().hex[:6]}"
    content = f"the admin's weights {uuid.uuid4().hex}".encode()
    digest = hashlib.sha256(content).hexdigest()
    assert put_blob(server, content).status_code == 201
    name = f"eve{uuid.uuid4().hex[:6]}"
    other = server.create_user(name)
    own_run = server.graphql("mutation($p: String!) { upsertBucket(input: {modelName: $p, name: \"r1\"}) "
                             "{ inserted } }", {"p": project}, key=other)
    assert "errors" not in own_run, own_run
    head = plain_http.head(f"{server.url}/files/blobs/{digest}", headers={"Authorization": f"Bearer {other}"})
    assert head.status_code == 404  # not "the server has it": that would tell what others stored
    planted = upsert_files(server, project, "r1", [{"name": "stolen.bin", "sha256": digest, "size": len(content)}],
                           key=other)
    assert "upload it first" in planted["errors"][0]["message"], planted
    forged = plain_http.put(f"{server.url}/files/blobs/{digest}", content=b"x" * len(content),
                            headers={"Authorization": f"Bearer {other}"})
    assert forged.status_code == 400 and "DIGEST_MISMATCH" in forged.text
    proven = plain_http.put(f"{server.url}/files/blobs/{digest}", content=content,
                            headers={"Authorization": f"Bearer {other}"})
    # answered as for contents nobody uploaded: whether anyone else holds them is not the uploader's to know
    assert proven.status_code == 201 and proven.json() == {"sha256": digest, "created": True}
    attached = upsert_files(server, project, "r1", [{"name": "mine.bin", "sha256": digest, "size": len(content)}],
                            key=other)
    assert "errors" not in attached, attached


def test_an_interrupted_upload_resumes_where_it_stopped(server: Server) -> None:
    content = os.urandom(12 * MB)
    digest = hashlib.sha256(content).hexdigest()
    auth = {"Authorization": f"Bearer {server.key}"}

    def dies_after_10_mb():
        for start in range(0, 10 * MB, MB):
            yield content[start:start + MB]
        raise ConnectionResetError("the network went away")

    with pytest.raises(ConnectionResetError):
        plain_http.put(f"{server.url}/files/blobs/{digest}", content=dies_after_10_mb(),
                       headers={**auth, "Content-Length": str(len(content))})
    kept = None
    for _ in range(50):  # the server notices the disconnect asynchronously
        head = plain_http.head(f"{server.url}/files/blobs/{digest}", headers=auth)
        assert head.status_code == 404
        kept = head.headers.get("x-runbase-upload-offset")
        if kept:
            break
        time.sleep(0.1)
    assert kept is not None and 0 < int(kept) <= 10 * MB
    start = int(kept)
    wrong = plain_http.put(f"{server.url}/files/blobs/{digest}", content=content[start - 1:],
                           headers={**auth, "Content-Range": f"bytes {start - 1}-{len(content) - 1}/{len(content)}"})
    assert wrong.status_code == 409 and wrong.headers["x-runbase-upload-offset"] == kept
    resumed = plain_http.put(f"{server.url}/files/blobs/{digest}", content=content[start:],
                             headers={**auth, "Content-Range": f"bytes {start}-{len(content) - 1}/{len(content)}"})
    assert resumed.status_code == 201, resumed.text
    assert plain_http.head(f"{server.url}/files/blobs/{digest}", headers=auth).headers["content-length"] == str(len(content))
    another = server.create_user(f"resumer{uuid.uuid4().hex[:6]}")
    assert plain_http.put(f"{server.url}/files/blobs/{digest}", content=b"x",  # nobody else resumes the viewer's upload
                          headers={"Authorization": f"Bearer {another}", "Content-Range": f"bytes {start}-{start}/12"}
                          ).status_code == 409


class CuttingProxy:
    """A TCP proxy to the server that breaks its first connection after `cut_after` bytes from the
    client, the way a flaky network does, and counts what clients sent."""

    def __init__(self, port: int, cut_after: int) -> None:
        self.target = port
        self.cut_after = cut_after
        self.sent = 0
        self.connections = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            upstream = socket.create_connection(("127.0.0.1", self.target))
            limit = self.cut_after if self.connections == 1 else None
            threading.Thread(target=self._pipe, args=(client, upstream, limit), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, None, False), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, limit: int | None, count: bool = True) -> None:
        passed = 0
        try:
            while data := source.recv(1 << 16):
                if count:
                    self.sent += len(data)
                passed += len(data)
                sink.sendall(data)
                if limit is not None and passed >= limit:
                    break
        except OSError:
            pass
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def close(self) -> None:
        self.listener.close()


def test_the_sdk_resumes_an_upload_after_the_connection_breaks(any_store_server: Server, tmp_path: Path) -> None:
    """The disk store keeps the part that came, so the SDK sends only the rest; an object store keeps nothing of
    a broken upload (object_store.py), so the SDK sends it again whole. (Through the server: the SDK is told of
    no direct transfers, whose resuming test_direct_transfers.py checks.)"""
    server = any_store_server
    big = tmp_path / "resumable.bin"
    big.write_bytes(os.urandom(24 * MB))
    digest, size = digest_of(big)
    proxy = CuttingProxy(urlparse(server.url).port, cut_after=14 * MB)
    connection = Connection(proxy.url, server.key)
    connection.direct.offer(lambda: None)  # asked once per connection: the answer is "none"
    try:
        FileClient(connection).put_blob(big, digest, size)
    finally:
        connection.close()
        proxy.close()
    assert proxy.connections >= 2
    if server.s3 is None:
        assert proxy.sent < size + 8 * MB, f"{proxy.sent} bytes sent: the upload started over instead of resuming"
    assert server.blob(digest) == big.read_bytes()


def test_a_save_while_the_server_is_down_does_not_stop_training_and_uploads_at_finish(
        fresh_server: Server, backend: str, tmp_path: Path) -> None:
    if backend == "postgresql":
        pytest.skip("the SDK's behaviour does not depend on the database")
    env = sdk_environment(fresh_server, tmp_path)
    (tmp_path / "model.txt").write_text("weights v1")
    script = tmp_path / "train.py"
    script.write_text(f"""
import sys, runbase
run = runbase.init(project="flaky")
print(run.id, flush=True)
sys.stdin.readline()  # the server is killed now
run.save({str(tmp_path / "model.txt")!r}, base_path={str(tmp_path)!r}, policy="now")
print("saved", flush=True)
sys.stdin.readline()  # the server is back
run.finish()
print("finished", flush=True)
""")
    proc = subprocess.Popen([sys.executable, str(script)], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    run_id = proc.stdout.readline().strip()
    fresh_server.kill()
    proc.stdin.write("\n")
    proc.stdin.flush()
    assert proc.stdout.readline().strip() == "saved"
    fresh_server.start()
    out, err = proc.communicate("\n", timeout=120)
    assert proc.returncode == 0 and "finished" in out, err
    assert "tried again when the run finishes" in err
    run = api_for(fresh_server).run(f"admin/flaky/{run_id}")
    assert run.file("model.txt").download(root=tmp_path / "down").read() == "weights v1"


def _stored_run_file(server: Server, name: str, content: bytes) -> str:
    """A run holding `content` as file `name`: the file's address."""
    run_id = new_run(server, "pages")
    assert put_blob(server, content).status_code in (200, 201)
    result = upsert_files(server, "pages", run_id, [{"name": name, "sha256": hashlib.sha256(content).hexdigest(),
                                                     "size": len(content)}])
    assert "errors" not in result, result
    return f"{server.url}/files/admin/pages/{run_id}/{name}"


def test_a_logged_page_is_html_only_in_a_frame_and_a_download_anywhere_else(server: Server) -> None:
    """Opened top level (a typed link, "open in new tab") a logged page could navigate its own window to a fake
    sign-in at will: the sandbox CSP cannot stop that, so only a frame gets it as HTML."""
    page = b"<meta http-equiv=refresh content='0;url=https://evil.example/'><script>top.location='/x'</script>"
    url = _stored_run_file(server, "report é.html", page)
    auth = {"Authorization": f"Bearer {server.key}"}
    framed = plain_http.get(url, headers={**auth, "Sec-Fetch-Dest": "iframe"})
    assert framed.status_code == 200 and framed.content == page
    assert framed.headers["content-type"] == "text/html; charset=utf-8"
    assert framed.headers["content-security-policy"].startswith("sandbox allow-scripts;")
    assert "content-disposition" not in framed.headers
    for dest in ({}, {"Sec-Fetch-Dest": "document"}, {"Sec-Fetch-Dest": "empty"}):
        alone = plain_http.get(url, headers={**auth, **dest})
        assert alone.status_code == 200 and alone.content == page
        assert alone.headers["content-type"] == "application/octet-stream"
        assert alone.headers["content-disposition"] == "attachment; filename*=UTF-8''report%20%C3%A9.html"
        assert alone.headers["content-security-policy"] == "sandbox; default-src 'none'"
        assert alone.headers["x-content-type-options"] == "nosniff"


def test_a_followed_file_link_without_a_session_goes_to_sign_in(server: Server) -> None:
    """A link to a file on another site carries no SameSite=Strict cookie: the browser goes to the sign-in page,
    which brings it back; a script or the SDK still gets the API's 401."""
    url = _stored_run_file(server, "notes a|b.txt", b"notes")
    path = urlparse(url).path + "?x=1"
    for browser in ({"Sec-Fetch-Mode": "navigate"}, {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}):
        answer = plain_http.get(server.url + path, headers=browser)
        assert answer.status_code == 303, answer.text
        location = answer.headers["location"]
        assert location.startswith("/signin?next=%2Ffiles%2Fadmin%2Fpages%2F")
        assert httpx.URL(server.url + location).params["next"] == path.replace(" ", "%20").replace("|", "%7C")
        assert answer.headers["cache-control"] == "private, no-store"
    for script in ({}, {"Sec-Fetch-Mode": "cors", "Accept": "text/html"}, {"Accept": "application/json"}):
        answer = plain_http.get(server.url + path, headers=script)
        assert answer.status_code == 401 and "missing API key" in answer.json()["errors"][0]["message"]
    bad_key = plain_http.get(server.url + path, headers={"Sec-Fetch-Mode": "navigate", "Authorization": "Bearer nope"})
    assert bad_key.status_code == 401  # whoever sends a key is an API client: told what is wrong with it
