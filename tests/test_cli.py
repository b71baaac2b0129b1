"""The `runbase` command as a new user meets it: clear one-line errors before anything is created,
one admin key on first start, a demo that cleans up after itself, and key recovery on the server's machine."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import plain_http
from conftest import ADMIN_KEY, Server, free_port
from installs import KEY_LINE, wait_healthy

import runbase

pytestmark = pytest.mark.slow


def runbase_command(*args: str, env: dict[str, str] | None = None, timeout: float = 60,
                    cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("RUNBASE_", "WANDB_"))}
    return subprocess.run([sys.executable, "-m", "runbase.cli", *args], env={**clean, **(env or {})},
                          capture_output=True, text=True, timeout=timeout, cwd=cwd)


def test_version() -> None:
    result = runbase_command("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"runbase {runbase.__version__}"


def test_help_shows_defaults_and_what_the_data_dir_holds() -> None:
    text = " ".join(runbase_command("server", "--help").stdout.split())
    assert "(default: 8080)" in text and "(default: 127.0.0.1)" in text and "(default: warning)" in text
    assert "file contents" in text and "(default: None)" not in text


@pytest.mark.parametrize(("args", "env", "message"), [
    (["--port", "99999"], {}, "99999 is not a port number"),
    (["--port", "http"], {}, "'http' is not a port number"),
    (["--log-level", "loud"], {}, "invalid choice: 'loud'"),
    (["--database-url", "mysql://x/y"], {}, "runs on PostgreSQL"),
    (["--database-url", "not a url"], {}, "is not a database URL"),
    (["--database-url", "postgres://postgres@127.0.0.1:1/nothing"], {}, "cannot connect to the database"),
    ([], {"RUNBASE_MAX_REQUEST_BYTES": "lots"}, "RUNBASE_MAX_REQUEST_BYTES='lots' is not an integer"),
    ([], {"RUNBASE_MAX_REQUEST_BYTES": "-5"}, "RUNBASE_MAX_REQUEST_BYTES='-5' must be a finite number of at least"),
    ([], {"RUNBASE_DELIVERY_CONCURRENCY": "0"}, "RUNBASE_DELIVERY_CONCURRENCY='0' must be"),
    ([], {"RUNBASE_BLOB_GC_GRACE_SECONDS": "nan"}, "RUNBASE_BLOB_GC_GRACE_SECONDS='nan' must be"),
    ([], {"RUNBASE_HEARTBEAT_TIMEOUT_SECONDS": "-1"}, "RUNBASE_HEARTBEAT_TIMEOUT_SECONDS='-1' must be"),
    (["--database-url", "sqlite://"], {}, "an in-memory SQLite database would vanish"),
    ([], {"RUNBASE_ADMIN_API_KEY": "short-key"}, "RUNBASE_ADMIN_API_KEY"),
    (["--host", "no-such-host.invalid"], {}, "--host 'no-such-host.invalid'"),
])
def test_bad_settings_are_one_line_and_create_nothing(tmp_path: Path, args: list[str], env: dict[str, str],
                                                      message: str) -> None:
    data = tmp_path / "data"
    port = [] if "--port" in args else ["--port", str(free_port())]  # 8080 may be taken (the README's server)
    result = runbase_command("server", "--data-dir", str(data), *port, *args, env=env)
    assert result.returncode == 2, result
    assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "serving on" not in result.stderr
    assert not data.exists()


def test_a_port_in_use_fails_before_creating_a_database_or_key(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = runbase_command("server", "--port", str(taken.getsockname()[1]), "--data-dir", str(tmp_path / "d"))
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "already in use" in result.stderr
    assert "created user" not in result.stderr and not (tmp_path / "d").exists()


def test_an_unusable_data_dir_or_database_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    (tmp_path / "dir-db" / "runbase.db").mkdir(parents=True)
    (tmp_path / "junk-db").mkdir()
    (tmp_path / "junk-db" / "runbase.db").write_bytes(os.urandom(4096))
    for data_dir, message in [(tmp_path / "file", "is a file, not a directory"),
                              (tmp_path / "file" / "below", "cannot create the data dir"),
                              (tmp_path / "dir-db", "cannot connect to the database: unable to open"),
                              (tmp_path / "junk-db", "cannot connect to the database: file is not a database")]:
        result = runbase_command("server", "--port", str(free_port()), "--data-dir", str(data_dir))
        assert result.returncode == 2 and result.stderr.count("\n") == 1 and message in result.stderr, result.stderr


def test_a_postgres_url_as_hosts_hand_it_out_works(postgres, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url = postgres.create().replace("postgresql+psycopg://", "postgres://")
    server = Server(tmp_path, url).start()
    try:
        assert server.graphql("{ viewer { username } }")["data"]["viewer"]["username"] == "admin"
    finally:
        server.stop()


def _start(data_dir: Path, *args: str, env: dict[str, str] | None = None,
           until: str = "serving on") -> tuple[subprocess.Popen[str], str, int]:
    """A server process, read until a line containing `until`; returns it, its output so far and its port."""
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("RUNBASE_", "WANDB_"))}
    process = subprocess.Popen([sys.executable, "-m", "runbase.cli", "server", "--port", str(port), "--data-dir",
                                str(data_dir), *args], env={**clean, "RUNBASE_CONFIG_DIR": str(data_dir / "cfg"),
                                                             **(env or {})}, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    lines = []
    for line in process.stderr:
        lines.append(line)
        if until in line:
            break
    return process, "".join(lines), port


def _stop(process: subprocess.Popen[str]) -> str:
    process.terminate()
    _out, rest = process.communicate(timeout=30)
    return rest


def _wait_healthy(port: int) -> None:
    wait_healthy(f"http://127.0.0.1:{port}")


def test_first_start_prints_one_key_once(tmp_path: Path) -> None:
    process, output, port = _start(tmp_path / "data", until="created user")
    _wait_healthy(port)
    output += _stop(process)
    keys = KEY_LINE.findall(output)
    assert len(keys) == 1 and len(keys[0]) >= 40, output
    process, _, port = _start(tmp_path / "data")
    _wait_healthy(port)
    again = _stop(process)
    assert "created user" not in again and keys[0] not in again


def test_a_key_from_the_environment_is_never_printed(tmp_path: Path) -> None:
    process, output, port = _start(tmp_path / "data", env={"RUNBASE_ADMIN_API_KEY": ADMIN_KEY}, until="created user")
    _wait_healthy(port)
    output += _stop(process)
    assert "created user 'admin' with the API key in RUNBASE_ADMIN_API_KEY" in output
    assert ADMIN_KEY not in output and not KEY_LINE.search(output)


def _graphql(port: int, query: str) -> dict:  # type: ignore[type-arg]
    response = plain_http.post(f"http://127.0.0.1:{port}/graphql", json={"query": query},
                               headers={"Authorization": f"Bearer {ADMIN_KEY}"}, timeout=30)
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def test_restarting_the_demo_piles_up_nothing_and_leaves_nothing_enabled(tmp_path: Path) -> None:
    env = {"RUNBASE_ADMIN_API_KEY": ADMIN_KEY}
    for _ in range(2):
        process, output, port = _start(tmp_path / "data", "--demo", env=env, until="runbase demo: the automation")
        assert "the automation fired" in output, output
        assert not KEY_LINE.search(output) and "Bearer YOUR_ADMIN_KEY" in output
        for _ in range(100):  # the demo disables its automation and revokes its key once it has shown the webhook
            data = _graphql(port, '{ viewer { apiKeys { edges { node { description } } } } '
                                  'triggers(entityName: "admin") { edges { node { name enabled } } } }')
            automations = [edge["node"] for edge in data["triggers"]["edges"]]
            if len(data["viewer"]["apiKeys"]["edges"]) == 1 and not any(a["enabled"] for a in automations):
                break
            time.sleep(0.1)
        _stop(process)
        assert [key["node"]["description"] for key in data["viewer"]["apiKeys"]["edges"]] == ["bootstrap key"]
        assert automations == [{"name": "runbase-demo", "enabled": False}]


def test_a_server_stopped_mid_demo_leaves_its_automation_disabled_and_its_key_revoked(tmp_path: Path) -> None:
    env = {"RUNBASE_ADMIN_API_KEY": ADMIN_KEY}
    process, output, port = _start(tmp_path / "data", "--demo", env=env, until="runbase: started run")
    data = _graphql(port, '{ viewer { apiKeys { edges { node { description } } } } '
                          'triggers(entityName: "admin") { edges { node { name enabled } } } }')
    assert len(data["viewer"]["apiKeys"]["edges"]) == 2 and data["triggers"]["edges"][0]["node"]["enabled"] is True
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=60)
    process, _, port = _start(tmp_path / "data", env=env)  # without --demo: nothing left to clean up at start
    try:
        _wait_healthy(port)
        data = _graphql(port, '{ viewer { apiKeys { edges { node { description } } } } '
                              'triggers(entityName: "admin") { edges { node { name enabled } } } }')
    finally:
        _stop(process)
    assert [key["node"]["description"] for key in data["viewer"]["apiKeys"]["edges"]] == ["bootstrap key"]
    assert [edge["node"] for edge in data["triggers"]["edges"]] == [{"name": "runbase-demo", "enabled": False}]


def test_a_lost_admin_key_is_recovered_on_the_servers_machine(server: Server) -> None:
    args = ["admin", "new-key", "admin", "--data-dir", str(server.data_dir)]
    if server.database_url:
        args += ["--database-url", server.database_url]
    result = runbase_command(*args)
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip()
    assert re.fullmatch(r"[A-Za-z0-9_]{40,}", key)
    assert server.graphql("{ viewer { username admin } }", key=key)["data"]["viewer"] == {"username": "admin",
                                                                                         "admin": True}
    missing = runbase_command("admin", "new-key", "nobody", *args[3:])
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1 and "nobody" in missing.stderr
