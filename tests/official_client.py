"""The official wandb client in tests: its pinned releases, each in a virtualenv of its own (made by the test command
from its pin file), scripts run with one, and a logging proxy between it and a runbase server that records every
GraphQL operation and HTTP route the client sends. What each release may send is listed in
wandb-client-operations.json: an operation or route missing there is one a new release added."""

from __future__ import annotations

import http.server
import json
import re
import subprocess
import textwrap
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import plain_http
from conftest import REQUIRE_POSTGRES, ROOT, Server

OUTPUTS = ROOT / "test-outputs"
KNOWN = ROOT / "tests" / "wandb-client-operations.json"
# Where the client's paths hold names, tokens or ids: recorded as the route, not the values.
ROUTES = [(re.compile(r"/files/[^/]+/[^/]+/[^/]+/file_stream"), "/files/ENTITY/PROJECT/RUN/file_stream"),
          (re.compile(r"/files/uploads/[^/]+"), "/files/uploads/TOKEN"),
          (re.compile(r"/files/downloads/[^/]+/[^/]+"), "/files/downloads/TOKEN/NAME")]
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization",
              "proxy-authenticate", "content-length"}


@dataclass(frozen=True)
class Release:
    """A pinned release of the client and the virtualenv the test command installs it in (the pin is copied
    there once the install succeeded)."""

    requirements: Path
    venv: Path

    @property
    def version(self) -> str:
        return self.requirements.read_text().strip().removeprefix("wandb==")

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"


CURRENT = Release(ROOT / "tests" / "wandb-client-requirements.txt", ROOT / ".venv-wandb")
OLDER = Release(ROOT / "tests" / "wandb-client-older-requirements.txt", ROOT / ".venv-wandb-older")  # ~a year older
VERSION = CURRENT.version


@pytest.fixture(scope="module", params=[CURRENT, OLDER], ids=lambda release: f"wandb-{release.version}")
def release(request: pytest.FixtureRequest, backend: str) -> Release:
    """Each pinned release, for a test module's scenarios: the older one on SQLite only (what differs between
    releases is what the client sends, which the current release already meets on both databases)."""
    if request.param is OLDER and backend != "sqlite":
        pytest.skip(f"wandb {OLDER.version} runs on SQLite only")
    return request.param  # type: ignore[no-any-return]


def need_wandb(release: Release = CURRENT) -> Path:
    """The release's python; the tests skip without it (fail in CI, RUNBASE_REQUIRE_POSTGRES=1)."""
    reason = None
    stamp = release.venv / "requirements.txt"
    if not release.python.exists():
        reason = f"{release.venv} is missing"
    elif not stamp.exists() or stamp.read_text() != release.requirements.read_text():
        reason = f"{release.venv} does not hold {release.requirements.read_text().strip()}"
    if reason is not None:
        reason += " (the test command, scripts/test.sh, makes it)"
        if REQUIRE_POSTGRES:
            pytest.fail(f"the official wandb client is required in CI (RUNBASE_REQUIRE_POSTGRES=1): {reason}")
        pytest.skip(reason)
    return release.python


def check_known(recorded: dict[str, Any], release: Release) -> None:
    """Fail naming what the client sent (GraphQL operations and routes) that wandb-client-operations.json does
    not list for its release: what a new release added, for runbase to answer and the list to take."""
    known = json.loads(KNOWN.read_text()).get(release.version)
    if known is None:
        raise AssertionError(f"{KNOWN.name} lists nothing for wandb {release.version}: record what it sends "
                             f"(test-outputs/wandb-{release.version}-*.json) and list it there")
    sent = set(recorded["graphql_operations"]) | set(recorded["routes"])
    new = sorted(sent - set(known["graphql_operations"]) - set(known["routes"]))
    if new:
        raise AssertionError(f"wandb {release.version} sent what {KNOWN.name} does not list for it: {new}")


def route_of(path: str) -> str:
    path = path.split("?", 1)[0]
    for pattern, route in ROUTES:
        if pattern.fullmatch(path):
            return route
    return path


class Exchange:
    """One request the client sent through the proxy, and how it was answered."""

    def __init__(self, method: str, path: str, body: bytes, status: int, answer: bytes) -> None:
        self.method, self.path, self.status = method, path, status
        self.route = f"{method} {route_of(path)}"
        self.body = body
        self.answer = answer
        self.at = time.monotonic()  # when it was answered

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def operation(self) -> str | None:
        """The GraphQL operation's name, for a request to /graphql."""
        if self.route != "POST /graphql":
            return None
        payload = self.json()
        name = payload.get("operationName")
        found = re.search(r"\b(?:query|mutation)\s+(\w+)", payload.get("query", ""))
        if name:
            return str(name)
        if found:
            return found.group(1)
        field = re.search(r"\{\s*(\w+)", payload.get("query", ""))  # an unnamed one, by what it asks first
        return f"(anonymous) {field.group(1) if field else '?'}"

    @property
    def answered(self) -> bool:
        """A 2xx answer, and for GraphQL one without errors."""
        if not 200 <= self.status < 300:
            return False
        return self.operation is None or not json.loads(self.answer).get("errors")


class LoggingProxy:
    """A real HTTP proxy on its own port in front of a server: it passes the Host header on (so the upload
    URLs the server hands out come back through it) and records every exchange; while the server is down it
    answers 502, as a gateway would. The answer to the first exchange that `drop_once` picks is lost after the
    server handled the request: the connection is closed instead, as a dropped connection would, and the client
    must send the request again. `before` sees each request (method, path, body) first: it may hold it (by
    blocking), or answer it itself with an error status instead of the server."""

    def __init__(self, server: Server, drop_once: Callable[[Exchange], bool] | None = None,
                 before: Callable[[str, str, bytes], int | None] | None = None) -> None:
        self.target = server.url
        self.drop_once = drop_once
        self.before = before
        self.exchanges: list[Exchange] = []
        self.lock = threading.Lock()
        # Idle connections to the server are closed here before uvicorn closes them (after 5 s): a request sent
        # on one the server is closing meanwhile is reset, and the client would be told 502 for nothing.
        self.http = plain_http.Client(timeout=120, limits=httpx.Limits(keepalive_expiry=2.0))
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _body(self) -> bytes:
                if self.headers.get("transfer-encoding", "").lower() == "chunked":
                    chunks = []
                    while size := int(self.rfile.readline().split(b";")[0], 16):
                        chunks.append(self.rfile.read(size))
                        self.rfile.readline()
                    self.rfile.readline()
                    return b"".join(chunks)
                return self.rfile.read(int(self.headers.get("content-length") or 0))

            def _forward(self) -> None:
                body = self._body()
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                refusal = None if proxy.before is None else proxy.before(self.command, self.path, body)
                try:
                    answer = httpx.Response(refusal, json={"errors": [{"message": "refused by the test's proxy"}]}) \
                        if refusal is not None else proxy.http.request(self.command, proxy.target + self.path,
                                                                       content=body, headers=headers)
                except httpx.TransportError as exc:  # the server is down: a gateway's answer, which clients retry
                    answer = httpx.Response(502, json={"errors": [{"message": f"runbase is unreachable: {exc}"}]})
                exchange = Exchange(self.command, self.path, body, answer.status_code, answer.content)
                with proxy.lock:
                    proxy.exchanges.append(exchange)
                    drop = proxy.drop_once is not None and proxy.drop_once(exchange)
                    if drop:
                        proxy.drop_once = None
                if drop:
                    self.close_connection = True  # handled, but the client never hears so
                    return
                self.send_response(answer.status_code)
                for key, value in answer.headers.items():
                    if key.lower() not in HOP_BY_HOP | {"content-encoding", "date", "server"}:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = do_PATCH = _forward

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LoggingProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.http.close()

    def file_stream(self, run: str) -> list[dict[str, Any]]:
        """The file_stream requests the client sent for a run (by its id), resends included, in order."""
        return [e.json() for e in self.exchanges
                if e.route.endswith("/file_stream") and e.path.split("?")[0].split("/")[-2] == run]

    def lines(self, run: str, name: str) -> dict[int, str]:
        """The last text the client sent for each line number of a file_stream file of a run."""
        found: dict[int, str] = {}
        for request in self.file_stream(run):
            chunk = request.get("files", {}).get(name)
            if chunk is not None:
                found.update((chunk["offset"] + i, line) for i, line in enumerate(chunk["content"]))
        return found

    def record(self, name: str, release: Release = CURRENT) -> dict[str, Any]:
        """What the client sent, by operation and route, written to test-outputs/NAME.json, so that a new
        release's additions show there."""
        operations = Counter(e.operation for e in self.exchanges if e.operation)
        routes = Counter(e.route for e in self.exchanges)
        # A bad key's 401 is an answer; anything else not answered is something the server lacks.
        missed = [e for e in self.exchanges if not e.answered and e.status != 401]
        unanswered = sorted({e.operation or e.route for e in missed})
        recorded = {"client": f"wandb {release.version}", "graphql_operations": dict(sorted(operations.items())),
                    "routes": dict(sorted(routes.items())), "not_answered": unanswered,
                    "not_answered_how": sorted({f"{e.operation or e.route}: {e.status} {e.answer[:300]!r}"
                                                for e in missed}),
                    "refused_keys": sum(e.status == 401 for e in self.exchanges)}
        OUTPUTS.mkdir(exist_ok=True)
        (OUTPUTS / f"{name}.json").write_text(json.dumps(recorded, indent=2) + "\n")
        return recorded


def new_user(server: Server, tmp_path_factory: pytest.TempPathFactory, prefix: str,
             release: Release = CURRENT) -> tuple[str, str, Path]:
    """For one scenario: a runbase user of its own, its API key, and a home for the client (the pinned release
    is required: see need_wandb)."""
    need_wandb(release)
    user = f"{prefix}-{uuid.uuid4().hex[:8]}"
    return user, server.create_user(user), tmp_path_factory.mktemp(f"{prefix}-home")


def wandb_environment(proxy: LoggingProxy | Server, home: Path) -> dict[str, str]:
    """The environment of a user's script, with a home of its own: WANDB_BASE_URL points the client at runbase
    (through the proxy, or straight at the server); the key comes from logging in."""
    from installs import clean_environment

    return clean_environment(WANDB_BASE_URL=proxy.url, HOME=str(home),
                             WANDB_CONFIG_DIR=str(home / "wandb-config"), WANDB_DIR=str(home),
                             WANDB_CACHE_DIR=str(home / "cache"), WANDB_DATA_DIR=str(home / "data"))


def run_wandb(code: str, env: dict[str, str], *, cwd: Path, args: tuple[str, ...] = (), timeout: float = 180,
              release: Release = CURRENT) -> subprocess.CompletedProcess[str]:
    """A script (or, with args, `wandb ARGS`) run with a pinned release, as a user would; it must succeed."""
    command = [str(release.venv / "bin" / "wandb"), *args] if args else [str(release.python), "-c",
                                                                          textwrap.dedent(code)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout, cwd=cwd)
    if result.returncode != 0:
        raise AssertionError(f"{command[:3]} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result
