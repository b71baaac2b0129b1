"""Settings whose effect needs a server: requests go through http_proxy with x_extra_http_headers beside the
API key; insecure_disable_ssl warns unless show_warnings is off; requirements.txt and the metadata overrides
reach the run's files, and a non-primary process writes none; x_update_finish_state=False leaves the run
running for the process that owns it."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import runbase
import plain_http
from conftest import Server
from runbase.connection import Connection
from runbase.sync import sync_log

HOP_HEADERS = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "content-encoding",
               "content-length", "host"}


class Proxy(http.server.ThreadingHTTPServer):
    """A forwarding HTTP proxy that records the headers of every request it forwards."""

    seen: list[dict[str, str]]


class ProxyHandler(http.server.BaseHTTPRequestHandler):
    server: Proxy

    def _forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
        self.server.seen.append({k.lower(): v for k, v in self.headers.items()})
        answer = plain_http.request(self.command, self.path, headers=headers, content=body, timeout=30)
        self.send_response(answer.status_code)
        for key, value in answer.headers.items():
            if key.lower() not in HOP_HEADERS:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    do_GET = do_POST = do_PUT = do_HEAD = _forward

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def proxy() -> Iterator[Proxy]:
    server = Proxy(("127.0.0.1", 0), ProxyHandler)
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def start(server: Server, tmp_path: Path, **settings: Any) -> runbase.Run:
    return runbase.init(project="effects", settings={
        "api_key": server.key, "base_url": server.url, "root_dir": str(tmp_path), "console": "off",
        "x_disable_stats": True, **settings})


def api_run(server: Server, run: runbase.Run) -> Any:
    return runbase.Api(overrides={"base_url": server.url}, api_key=server.key).run(f"effects/{run.id}")


def test_proxy_extra_headers_and_insecure_warning(server: Server, proxy: Proxy, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    run = start(server, tmp_path, http_proxy=f"http://127.0.0.1:{proxy.server_address[1]}",
                x_extra_http_headers={"X-Team": "blue"}, insecure_disable_ssl=True, x_disable_meta=True,
                x_save_requirements=False)
    run.log({"loss": 1.0})
    run.finish()
    assert len(proxy.seen) >= 3  # the viewer, the run's upsert, its history
    assert all(seen["x-team"] == "blue" and seen["authorization"] == f"Bearer {server.key}" for seen in proxy.seen)
    assert [row["loss"] for row in api_run(server, run).scan_history()] == [1.0]
    assert "insecure_disable_ssl: the TLS certificate" in capsys.readouterr().err

    quiet = start(server, tmp_path, insecure_disable_ssl=True, show_warnings=False, show_info=False)
    quiet.finish()
    assert capsys.readouterr().err == ""  # neither the warning nor the "started run" line


def test_requirements_metadata_overrides_and_non_primary_process(server: Server, tmp_path: Path) -> None:
    run = start(server, tmp_path, host="node-7", username="trainer", email="t@example.org", docker="img:1",
                git_commit="abc123", git_remote_url="https://git.example/x.git", x_executable="/opt/py/bin/python",
                x_start_time=1_700_000_000.0)
    run.finish()
    found = api_run(server, run)
    names = {file.name for file in found.files()}
    assert {"requirements.txt", "wandb-metadata.json"} <= names
    with found.file("requirements.txt").download(tmp_path / "dl") as opened:
        lines = opened.read().splitlines()
    assert f"httpx=={httpx.__version__}" in lines and lines == sorted(lines, key=str.lower)
    meta = found.metadata
    assert (meta["host"], meta["username"], meta["email"], meta["docker"], meta["executable"]) == (
        "node-7", "trainer", "t@example.org", "img:1", "/opt/py/bin/python")
    assert meta["git"]["commit"] == "abc123" and meta["git"]["remote"] == "https://git.example/x.git"
    assert meta["startedAt"] == "2023-11-14T22:13:20.000000Z"
    assert Path(run.settings.sync_dir).is_dir() and run.settings.run_url.endswith(f"/effects/runs/{run.id}")
    assert run.settings.resumed is False and run.settings.x_start_time == 1_700_000_000.0
    assert (tmp_path / "runbase" / "latest-run").resolve() == Path(run.settings.sync_dir).resolve()

    secondary = start(server, tmp_path, x_primary=False)
    secondary.finish()
    assert not {"requirements.txt", "wandb-metadata.json"} & {f.name for f in api_run(server, secondary).files()}


def test_x_update_finish_state_false_leaves_the_run_running(server: Server, tmp_path: Path) -> None:
    run = start(server, tmp_path, x_update_finish_state=False, x_disable_meta=True, x_save_requirements=False)
    run.log({"loss": 0.5})
    run.finish()
    found = api_run(server, run)
    assert found.state == "running" and found.summary["loss"] == 0.5

    offline = start(server, tmp_path, mode="offline", x_update_finish_state=False, x_disable_meta=True,
                    x_save_requirements=False)
    offline.log({"loss": 0.25})
    offline.finish()
    with Connection(server.url, server.key) as connection:
        sync_log(connection, Path(offline.settings.sync_file))  # not taken for a crashed run
    assert api_run(server, offline).state == "running"


def test_sync_login_and_api_reach_the_server_as_init_does(server: Server, proxy: Proxy, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from runbase import cli, credentials

    offline = start(server, tmp_path, mode="offline", x_disable_meta=True, x_save_requirements=False)
    offline.log({"loss": 2.0})
    offline.finish()
    # The server only in the system settings file (as `wandb login --host` writes it), a proxy in the environment.
    (tmp_path / "wandb-config").mkdir(exist_ok=True)
    (tmp_path / "wandb-config" / "settings").write_text(f"[default]\nbase_url = {server.url}\n")
    monkeypatch.setenv("WANDB_HTTP_PROXY", f"http://127.0.0.1:{proxy.server_address[1]}")
    monkeypatch.setenv("RUNBASE_API_KEY", server.key)
    assert cli.main(["sync", offline.settings.sync_dir]) == 0
    synced = len(proxy.seen)
    assert synced >= 2
    api = runbase.Api()
    assert api.settings["base_url"] == server.url
    assert [row["loss"] for row in api.run(f"effects/{offline.id}").scan_history()] == [2.0]
    assert len(proxy.seen) > synced
    monkeypatch.delenv("RUNBASE_API_KEY")
    assert credentials.login(key=server.key, verify=True) and credentials.stored_key(server.url) == server.key
