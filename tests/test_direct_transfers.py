"""Direct transfers: with its blobs in the S3 server (MiniStack), a runbase server hands the SDK presigned URLs and
large files go straight between them, the server never reading their bodies; what the store did not check
(a part's SHA-256, its size) is refused and never visible, a false whole-file SHA-256 of a multipart upload
labels only its uploader's own copy, a cut upload resumes from the parts already sent, from a new process too,
and the local-disk store works as before. The core of it runs on SeaweedFS too, a production store that differs
from MiniStack where runbase adapts (no part checksums listed, no checksummed uploads from presigned parts)."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
import plain_http
from conftest import PART_BYTES, S3, PostgresDatabases, Server, run_script, sdk_environment, start_together
from cryptography.fernet import Fernet
from runbase_server.artifacts.object_store import CHECKS
from runbase_server.artifacts.s3_requests import S3Requests, composite_of, sha256_base64
from runbase.connection import Connection
from runbase.direct import DirectStore
from runbase.errors import CommError
from runbase.files import FileClient, digest_of
from test_run_files import new_run, upsert_files

import runbase

MB = 1 << 20
BIG = 2 * PART_BYTES + 3 * MB + 17  # three parts
ONE_PART = 3 * MB  # above the bundles' 2 MiB, below a part: one part, checked whole by the store


def parts_of(data: bytes) -> list[str]:
    return [hashlib.sha256(data[start:start + PART_BYTES]).hexdigest() for start in range(0, len(data), PART_BYTES)]


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def start(server: Server, data: bytes, key: str | None = None, *, sha256: str | None = None,
          parts: list[str] | None = None, part_size: int | None = None) -> httpx.Response:
    body: dict[str, Any] = {"sha256": sha256 or hashlib.sha256(data).hexdigest(), "size": len(data),
                            "parts": parts if parts is not None else parts_of(data)}
    if part_size is not None:
        body["partSize"] = part_size
    return plain_http.post(f"{server.url}/files/direct/uploads", json=body, headers=auth(key or server.key))


def put_part(upload: dict[str, Any], number: int, body: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    [part] = [part for part in upload["parts"] if part["number"] == number]
    return plain_http.put(part["url"], content=body, headers=headers if headers is not None else part["headers"])


def complete(server: Server, upload: dict[str, Any], key: str | None = None) -> httpx.Response:
    return plain_http.post(f"{server.url}/files/direct/uploads/{upload['id']}/complete", headers=auth(key or server.key))


def send(server: Server, data: bytes, key: str | None = None, **declared: Any) -> httpx.Response:
    """A whole direct upload by hand: start, every part, complete."""
    upload = start(server, data, key, **declared)
    assert upload.status_code == 200, upload.text
    for part in upload.json()["parts"]:
        offset = (part["number"] - 1) * PART_BYTES
        assert put_part(upload.json(), part["number"], data[offset:offset + PART_BYTES]).status_code == 200
    return complete(server, upload.json(), key)


@pytest.fixture(params=["ministack", "seaweedfs"])
def stores_server(backend: str, request: pytest.FixtureRequest) -> Server:
    """The session's server for the backend with its blobs in MiniStack, then in SeaweedFS: for the direct
    transfers each S3 server must carry, whatever it checks or lists differently."""
    server: Server = request.getfixturevalue("s3_server" if request.param == "ministack" else "seaweedfs_server")
    return server


def io(server: Server) -> tuple[int, int]:
    """Bytes the server process has read and written through system calls, sockets included."""
    assert server.process is not None
    counters = psutil.Process(server.process.pid).io_counters()
    return counters.read_chars, counters.write_chars


def test_artifacts_and_run_files_go_straight_to_the_store(stores_server: Server, tmp_path: Path) -> None:
    """A multipart file and a one-part file of an artifact, and a run file, up and down through the SDK; the
    server's process reads and writes far less than their bodies."""
    server = stores_server
    data = tmp_path / "data"
    data.mkdir()
    files = {"big.bin": os.urandom(BIG), "one.bin": os.urandom(ONE_PART),
             **{f"small-{i}.txt": os.urandom(100 + i) for i in range(5)}}
    for name, contents in files.items():
        (data / name).write_bytes(contents)
    (tmp_path / "weights.bin").write_bytes(os.urandom(BIG))
    project = f"direct-{uuid.uuid4().hex[:8]}"
    env = {**sdk_environment(server, tmp_path), "RUNBASE_CACHE_DIR": str(tmp_path / "cache"),
           "RUNBASE_X_SAVE_REQUIREMENTS": "false", "RUNBASE_X_DISABLE_META": "true"}
    read_before = io(server)[0]
    run_script(f"""
        import runbase
        with runbase.init(project="{project}", id="r1") as run:
            run.log_artifact("{data}", name="dataset", type="dataset").wait()
            run.save("{tmp_path / 'weights.bin'}", base_path="{tmp_path}", policy="now")
    """, env, cwd=tmp_path)
    read, written = io(server)
    assert read - read_before < ONE_PART, f"the server read {read - read_before} bytes"  # less than any file
    result = run_script(f"""
        import runbase
        api = runbase.Api()
        api.artifact("{project}/dataset:v0").download(root="{tmp_path / 'down'}")
        api.run("{project}/r1").file("weights.bin").download(root="{tmp_path / 'down-run'}")
    """, {**env, "RUNBASE_CACHE_DIR": str(tmp_path / "cache2")}, cwd=tmp_path)
    assert io(server)[1] - written < ONE_PART, f"the server wrote {io(server)[1] - written} bytes"
    for name, contents in files.items():
        assert (tmp_path / "down" / name).read_bytes() == contents, result.stderr
    assert (tmp_path / "down-run" / "weights.bin").read_bytes() == (tmp_path / "weights.bin").read_bytes()
    stored = server.stored_blobs()
    assert hashlib.sha256(files["one.bin"]).hexdigest() in stored  # one part: the blob the store checked whole
    assert composite_of(parts_of(files["big.bin"])) in stored  # several: named by their checked SHA-256s
    assert hashlib.sha256(files["big.bin"]).hexdigest() not in stored
    assert not [path for path in (server.data_dir / "blobs").rglob("*") if path.is_file()]


def test_a_tampered_upload_is_refused_and_never_visible(stores_server: Server) -> None:
    """Wrong bytes, a changed checksum or size, a part sent to another part's URL, or a completion before every
    part is in: the store or the server refuses it, and the contents are neither stored nor attachable."""
    server = stores_server
    data = os.urandom(BIG)
    digest, parts = hashlib.sha256(data).hexdigest(), parts_of(data)
    upload = start(server, data)
    assert upload.status_code == 200, upload.text
    started = upload.json()
    assert started["uploaded"] == [] and [part["number"] for part in started["parts"]] == [1, 2, 3]
    first, second = data[:PART_BYTES], data[PART_BYTES:2 * PART_BYTES]
    headers = started["parts"][0]["headers"]
    assert put_part(started, 1, os.urandom(PART_BYTES)).status_code == 400  # BadDigest: not the signed SHA-256
    assert put_part(started, 1, second).status_code == 400  # part 2's bytes at part 1's URL
    assert put_part(started, 1, first, {**headers, "x-amz-checksum-sha256": sha256_base64(parts[1])}).status_code == 403
    assert put_part(started, 1, first[:-1], {**headers, "content-length": str(PART_BYTES - 1)}).status_code == 403
    url = started["parts"][0]["url"]
    assert plain_http.put(url.replace("partNumber=1", "partNumber=2"), content=second, headers=headers).status_code == 403
    assert put_part(started, 1, first).status_code == 200
    incomplete = complete(server, started)
    assert incomplete.status_code == 409 and incomplete.json()["errors"][0]["extensions"]["code"] == "UPLOAD_INCOMPLETE"
    assert "[2, 3]" in incomplete.text
    assert composite_of(parts) not in server.stored_blobs() and digest not in server.stored_blobs()
    assert plain_http.head(f"{server.url}/files/blobs/{digest}", headers=auth(server.key)).status_code == 404
    run_id = new_run(server, "tampered")
    refused = upsert_files(server, "tampered", run_id, [{"name": "x.bin", "sha256": digest, "size": len(data)}])
    assert "no blob" in refused["errors"][0]["message"]
    resumed = start(server, data).json()  # the same upload, with the part the store holds
    assert resumed["id"] == started["id"] and resumed["uploaded"] == [1]
    # A declaration that does not add up is refused before anything is made.
    short = start(server, data, parts=parts[:2])
    assert short.status_code == 400 and "must list the SHA-256 of each of the 3 parts" in short.text
    small = os.urandom(ONE_PART)
    lying = start(server, small, sha256=hashlib.sha256(b"other contents").hexdigest(), parts=parts_of(small))
    assert lying.status_code == 400 and "one part has that part's SHA-256" in lying.text


def test_a_false_whole_file_sha256_labels_only_its_uploaders_copy(s3_server: Server, tmp_path: Path) -> None:
    """The store cannot check the SHA-256 of a whole multipart file: a user who declares another content's
    SHA-256 gets a copy named by what the store checked, which their own readers' SDK refuses; the user who
    sends the true contents stores and reads them unharmed, and no blob is named by the false SHA-256."""
    server = s3_server
    honest, forged = os.urandom(BIG), os.urandom(BIG)
    digest = hashlib.sha256(honest).hexdigest()
    liar = server.create_user(f"liar-{uuid.uuid4().hex[:8]}")
    assert send(server, forged, liar, sha256=digest).status_code == 201  # what the store checked: the parts
    assert digest not in server.stored_blobs() and composite_of(parts_of(forged)) in server.stored_blobs()
    assert send(server, honest).status_code == 201
    for key, project in [(liar, "forged"), (server.key, "honest")]:
        run_id = new_run(server, project, key=key)
        attached = upsert_files(server, project, run_id, [{"name": "f.bin", "sha256": digest, "size": BIG}], key=key)
        assert "errors" not in attached, attached
        found = runbase.Api(overrides={"base_url": server.url}, api_key=key).run(f"{project}/{run_id}").file("f.bin")
        if project == "forged":
            with pytest.raises(CommError, match="does not hash to"):
                found.download(root=str(tmp_path / project))
            assert not (tmp_path / project / "f.bin").exists()
        else:
            found.download(root=str(tmp_path / project))
            assert (tmp_path / project / "f.bin").read_bytes() == honest


def test_a_cut_upload_resumes_with_the_parts_sent_from_a_new_process(stores_server: Server, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """An SDK process dies in the middle of its second part (its connection cut); the next one sends only the
    parts the store lacks."""
    server = stores_server
    path = tmp_path / "big.bin"
    path.write_bytes(os.urandom(BIG))
    digest, size = digest_of(path)
    result = run_script(f"""
        import os
        from runbase import direct
        from runbase.connection import Connection
        from runbase.files import FileClient

        read = direct._part

        def cut(path, offset, size, progress):
            for number, chunk in enumerate(read(path, offset, size, progress)):
                if offset and number == 2:
                    os._exit(3)
                yield chunk

        direct._part, direct.PARTS_IN_FLIGHT = cut, 1
        FileClient(Connection("{server.url}", "{server.key}")).put_blob("{path}", "{digest}", {size})
    """, sdk_environment(server, tmp_path), check=False)
    assert result.returncode == 3, result.stderr
    stored_before = start(server, path.read_bytes()).json()["uploaded"]
    assert stored_before == [1]
    numbers: list[int] = []
    sent = DirectStore._put_part

    def counted(store: DirectStore, path: Any, part: dict[str, Any], *args: Any) -> None:
        numbers.append(part["number"])
        sent(store, path, part, *args)

    monkeypatch.setattr(DirectStore, "_put_part", counted)
    files = FileClient(Connection(server.url, server.key))
    files.put_blob(path, digest, size)
    assert sorted(numbers + stored_before) == [1, 2, 3]
    assert files.has_blob(digest)


def test_only_the_user_who_started_an_upload_resumes_or_completes_it(s3_server: Server) -> None:
    server = s3_server
    data = os.urandom(BIG)
    started = start(server, data).json()
    for part in started["parts"]:
        offset = (part["number"] - 1) * PART_BYTES
        assert put_part(started, part["number"], data[offset:offset + PART_BYTES]).status_code == 200
    other = server.create_user(f"other-{uuid.uuid4().hex[:8]}")
    taken = complete(server, started, other)
    assert taken.status_code == 404 and taken.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    theirs = start(server, data, other).json()  # their own upload: the parts must come from them
    assert theirs["id"] != started["id"] and theirs["uploaded"] == []
    assert plain_http.post(f"{server.url}/files/direct/uploads", json={}).status_code == 401
    assert complete(server, started).status_code == 201


def test_presigned_urls_expire(s3: S3) -> None:
    """What the store refuses of a URL past its life (the server signs its own calls and the SDK's alike)."""
    requests = S3Requests(s3.url, "runbase-test", f"expiry-{uuid.uuid4().hex[:8]}", "us-east-1", "test", "test")
    signed_then = datetime.now(timezone.utc) - timedelta(seconds=120)
    late = requests.presign("PUT", "x", expires=60, now=signed_then)
    assert plain_http.put(late, content=b"x").status_code == 403
    assert plain_http.put(requests.presign("PUT", "x", expires=60), content=b"x").status_code == 200


@pytest.mark.parametrize("store, checksummed", [("s3", True), ("seaweedfs", False)])
def test_the_probe_finds_how_each_store_takes_parts_and_leaves_nothing(store: str, checksummed: bool,
                                                                       request: pytest.FixtureRequest) -> None:
    """The probe a server makes of its store before any direct transfer: uploads made with S3's checksum
    algorithm where the store completes them from presigned parts (MiniStack), without it where it cannot
    (SeaweedFS); either way, its test upload is neither left as an object nor as an unfinished upload."""
    s3: S3 = request.getfixturevalue(store)
    prefix = f"probe-{uuid.uuid4().hex[:8]}"
    found = s3.requests(prefix).direct_checks(CHECKS)
    assert found is not None and found.checksummed is checksummed
    assert s3.keys(prefix, CHECKS) == set() and s3.requests(prefix).unfinished(CHECKS) == []


def test_the_local_disk_store_offers_no_direct_transfers(server: Server) -> None:
    """The SDK asks, is told no, and everything goes through the server as before."""
    assert plain_http.get(f"{server.url}/files/direct", headers=auth(server.key)).json() == {"direct": False}
    data = os.urandom(ONE_PART)
    refused = start(server, data)
    assert refused.status_code == 409 and "takes no direct transfers" in refused.text
    assert plain_http.put(f"{server.url}/files/blobs/{hashlib.sha256(data).hexdigest()}", content=data,
                          headers=auth(server.key)).status_code == 201
    run_id = new_run(server, "local")
    assert "errors" not in upsert_files(server, "local", run_id, [
        {"name": "f.bin", "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}])
    fetched = plain_http.get(f"{server.url}/files/admin/local/{run_id}/f.bin",
                             headers={**auth(server.key), "X-Runbase-Direct": "1"})
    assert fetched.status_code == 200 and fetched.content == data


def test_processes_of_one_user_sending_the_same_file_at_once_all_succeed(s3_server: Server, tmp_path: Path) -> None:
    """Ranks of one job logging the same dataset share one upload: whichever starts, sends or completes it first,
    the others start again from what the store holds (or find the file stored) rather than fail."""
    path = tmp_path / "shared.bin"
    path.write_bytes(os.urandom(BIG))
    digest, size = digest_of(path)
    clients = [FileClient(Connection(s3_server.url, s3_server.key)) for _ in range(3)]
    with ThreadPoolExecutor(len(clients)) as pool:
        for done in [pool.submit(client.put_blob, path, digest, size) for client in clients]:
            done.result()
    assert all(client.has_blob(digest) for client in clients)


def test_servers_with_other_part_sizes_or_without_direct_transfers_take_the_sdks_uploads(
        postgres: PostgresDatabases, s3: S3, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Servers behind one address may be set differently, and the server that answers an SDK's upload need not
    be the one whose offer it read: one with another RUNBASE_DIRECT_PART_BYTES takes the parts the SDK cut as
    the offer said (their size is declared), and one with RUNBASE_DIRECT_TRANSFERS=false has the file sent
    through it instead of failing."""
    shared = {**s3.env(f"mixed-{uuid.uuid4().hex[:12]}"), "RUNBASE_SECRET_KEY": Fernet.generate_key().decode()}
    url = postgres.create()
    offering, other_parts, no_direct = servers = [
        Server(tmp_path / "offering", url, shared),
        Server(tmp_path / "other-parts", url, {**shared, "RUNBASE_DIRECT_PART_BYTES": str(PART_BYTES + MB)}),
        Server(tmp_path / "no-direct", url, {**shared, "RUNBASE_DIRECT_TRANSFERS": "false"})]
    try:
        start_together(servers)
        files = FileClient(Connection(offering.url, offering.key))
        offer = files._offer()
        assert offer is not None and offer.part_bytes == PART_BYTES
        first, second = tmp_path / "first.bin", tmp_path / "second.bin"
        first.write_bytes(os.urandom(BIG))
        second.write_bytes(os.urandom(BIG))

        files.base_url = other_parts.url  # the load balancer sends the upload elsewhere
        read_before = io(other_parts)[0]
        files.put_blob(first, *digest_of(first))
        assert files.has_blob(digest_of(first)[0]) and io(other_parts)[0] - read_before < BIG // 4
        assert start(other_parts, os.urandom(BIG)).json()["partSize"] == PART_BYTES + MB  # its own, undeclared

        files.base_url = no_direct.url
        through_server: list[int] = []
        proxied = files._put_blob
        monkeypatch.setattr(files, "_put_blob", lambda *args, **kwargs: (
            through_server.append(args[2]), proxied(*args, **kwargs))[-1])
        files.put_blob(second, *digest_of(second))
        assert through_server == [BIG]
        for server in servers:
            files.base_url = server.url
            assert files.has_blob(digest_of(first)[0]) and files.has_blob(digest_of(second)[0])
        refused = start(no_direct, os.urandom(BIG))
        assert refused.status_code == 409 and refused.json()["errors"][0]["extensions"]["code"] == \
            "DIRECT_TRANSFERS_OFF"
        odd = start(offering, os.urandom(BIG), part_size=4 * MB)
        assert odd.status_code == 400 and "partSize must be" in odd.text
    finally:
        for server in servers:
            server.stop()


@pytest.mark.parametrize("seconds", ["604801", "0", "-60", "1e3"])
def test_a_url_life_sigv4_cannot_sign_stops_the_server_in_one_line(seconds: str, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """SigV4 signs URLs for at most 7 days (604800 s): a longer life would be refused by the store at every
    download and upload, so the server refuses it at start."""
    from runbase_server import cli

    monkeypatch.setenv("RUNBASE_DIRECT_URL_SECONDS", seconds)
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    assert cli.serve(parser.parse_args(["--data-dir", str(tmp_path / "data")])) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith(f"runbase: error: RUNBASE_DIRECT_URL_SECONDS={seconds!r}")
    monkeypatch.setenv("RUNBASE_DIRECT_URL_SECONDS", "604800")
    from runbase_server.settings import ServerSettings

    assert ServerSettings().direct_url_seconds == 604800
