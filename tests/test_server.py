"""The server process: start-up, restarts, health, unknown paths."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import plain_http
from conftest import PostgresDatabases, Server, start_together


def test_restart_keeps_data_and_migrates_in_place(fresh_server: Server) -> None:
    fresh_server.graphql('mutation { upsertBucket(input: {modelName: "keep", name: "r1"}) { inserted } }')
    fresh_server.stop()
    fresh_server.start()  # runs the migrations again on an up-to-date database
    assert fresh_server.run("r1", project="keep")["name"] == "r1"
    assert "created user 'admin'" not in fresh_server.log.read_text().split("serving on")[-1]


def test_health(server: Server) -> None:
    """GraphiQL (GET /graphql) is the built web app's page now: test_web_sessions.py serves it."""
    assert plain_http.get(f"{server.url}/healthz").json() == {"status": "ok"}


def test_two_servers_starting_together_on_one_postgres(postgres: PostgresDatabases, tmp_path: Path) -> None:
    """They share the secret key, as servers sharing a database must; one with a key of its own is refused."""
    from cryptography.fernet import Fernet

    url = postgres.create()
    shared = {"RUNBASE_SECRET_KEY": Fernet.generate_key().decode()}
    servers = [Server(tmp_path / f"s{i}", url, shared) for i in range(2)]
    try:
        start_together(servers)
        for srv in servers:
            assert srv.graphql("{ viewer { username } }")["data"]["viewer"]["username"] == "admin"
        created = sum("created user 'admin'" in srv.log.read_text() for srv in servers)
        assert created == 1
        odd = Server(tmp_path / "odd", url)  # its key is made in its data dir
        with pytest.raises(RuntimeError, match="server exited"):
            odd.start()
        said = odd.log.read_text()
        assert "Traceback" not in said and said.splitlines()[-1].startswith("runbase: error: this server's secret key")
        assert "RUNBASE_SECRET_KEY" in said and "runbase admin forget-secret-key" in said
    finally:
        for srv in servers:
            srv.stop()


def test_admin_key_from_environment_is_used(server: Server) -> None:
    assert server.graphql("{ viewer { admin } }")["data"]["viewer"]["admin"] is True


def test_unknown_api_paths_are_404(server: Server) -> None:
    """Other paths are the web app's pages (test_web_sessions.py); none under a server route is."""
    for path in ("/api/nope", "/files", "/history/nope", "/healthz/nope", "/graphql/nope", "/static"):
        response = plain_http.get(f"{server.url}{path}")
        assert response.status_code == 404 and "html" not in response.headers["content-type"], path


def test_silent_runs_are_marked_crashed_and_recover(backend: str, tmp_path: Path,
                                                    request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue("postgres").create() if backend == "postgresql" else None
    srv = Server(tmp_path / "srv", url, extra_env={"RUNBASE_HEARTBEAT_TIMEOUT_SECONDS": "2"}).start()
    try:
        srv.graphql('mutation { upsertBucket(input: {modelName: "hb", name: "quiet"}) { inserted } }')
        srv.graphql('mutation { upsertBucket(input: {modelName: "hb", name: "done", state: "finished"}) '
                    '{ inserted } }')
        deadline = time.monotonic() + 15
        while srv.run("quiet", project="hb")["state"] != "crashed" and time.monotonic() < deadline:
            time.sleep(0.5)
        assert srv.run("quiet", project="hb")["state"] == "crashed"
        assert srv.run("done", project="hb")["state"] == "finished"
        # a heartbeat (an empty history batch) brings it back
        srv.graphql('mutation { logHistory(input: {projectName: "hb", runName: "quiet", rows: "[]"}) { state } }')
        assert srv.run("quiet", project="hb")["state"] == "running"
    finally:
        srv.stop()


def test_silence_while_the_server_was_down_is_not_a_crash(backend: str, tmp_path: Path,
                                                          request: pytest.FixtureRequest) -> None:
    """Heartbeats had nowhere to go while the server was down for longer than the timeout: after its restart
    silence counts from then on, so a run whose client comes back stays running, and one that stays silent is
    marked crashed a timeout later (they were both marked at the first sweep)."""
    url = request.getfixturevalue("postgres").create() if backend == "postgresql" else None
    srv = Server(tmp_path / "srv", url, extra_env={"RUNBASE_HEARTBEAT_TIMEOUT_SECONDS": "4"}).start()
    try:
        for name in ("back", "gone"):
            srv.graphql('mutation($n: String!) { upsertBucket(input: {modelName: "hb", name: $n}) { inserted } }',
                        {"n": name})
        srv.stop()
        time.sleep(5)
        srv.start()
        time.sleep(1.5)  # a sweep a second
        assert [srv.run(name, project="hb")["state"] for name in ("back", "gone")] == ["running", "running"]
        deadline = time.monotonic() + 20
        while srv.run("gone", project="hb")["state"] != "crashed" and time.monotonic() < deadline:
            srv.graphql('mutation { logHistory(input: {projectName: "hb", runName: "back", rows: "[]"}) { state } }')
            time.sleep(0.5)
        assert [srv.run(name, project="hb")["state"] for name in ("back", "gone")] == ["running", "crashed"]
    finally:
        srv.stop()


def test_concurrent_first_writes_to_a_new_project_all_succeed(server: Server) -> None:
    """Writers racing to create the same project (and run) meet on unique keys; the server retries the loser."""
    from concurrent.futures import ThreadPoolExecutor

    def create(i: int) -> dict:
        return server.graphql('mutation($n: String!) { upsertBucket(input: {modelName: "racing", name: $n}) '
                              '{ inserted } }', {"n": f"r{i % 4}"})

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(create, range(16)))
    assert all("errors" not in result for result in results), [r for r in results if "errors" in r][:2]
    assert sum(result["data"]["upsertBucket"]["inserted"] for result in results) == 4


def test_clients_creating_runs_in_one_new_project_at_once_meet_no_error(server: Server) -> None:
    """Each request finds the project missing and creates it: all go on with the one row, and no field of a
    many-alias request fails (or logs an error) because another request made the project first."""
    from concurrent.futures import ThreadPoolExecutor

    logged = server.log.stat().st_size

    def create(client: int) -> dict:
        fields = " ".join(f'r{i}: upsertBucket(input: {{modelName: "crowded", name: "c{client}-{i}"}}) {{ inserted }}'
                          for i in range(10))
        return server.graphql(f"mutation {{ {fields} }}")

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(create, range(8)))
    assert [r for r in results if "errors" in r] == []
    assert all(inserted == {"inserted": True} for r in results for inserted in r["data"].values())
    listed = server.graphql('{ project(name: "crowded") { runCount } }')
    assert listed["data"]["project"]["runCount"] == 80
    with server.log.open("rb") as log:
        log.seek(logged)
        assert b"rror" not in log.read()


UPDATE_RUN = """mutation($r: String!, $d: String, $n: String, $t: [String!]) { updateRun(input: {projectName: "edits",
    runName: $r, displayName: $d, notes: $n, tags: $t}) { run { name displayName notes tags state } } }"""


def test_update_run_changes_the_fields_given_and_never_creates_a_run(server: Server) -> None:
    server.graphql('mutation { upsertBucket(input: {modelName: "edits", name: "kept", displayName: "first", '
                   'notes: "n", tags: ["a"], state: "finished"}) { inserted } }')
    changed = server.graphql(UPDATE_RUN, {"r": "kept", "t": ["b", "b", "c"]})
    assert changed["data"]["updateRun"]["run"] == {"name": "kept", "displayName": "first", "notes": "n",
                                                   "tags": ["b", "c"], "state": "finished"}
    changed = server.graphql(UPDATE_RUN, {"r": "kept", "d": "second", "n": ""})
    assert changed["data"]["updateRun"]["run"]["displayName"] == "second"
    assert changed["data"]["updateRun"]["run"]["notes"] == ""

    assert "errors" not in server.delete_run("kept", project="edits")
    missing = server.graphql(UPDATE_RUN, {"r": "kept", "n": "edited after the delete"})
    assert missing["data"]["updateRun"] is None
    assert missing["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert "no run admin/edits/kept" in missing["errors"][0]["message"]
    assert server.run("kept", project="edits") is None
    unknown_project = server.graphql(UPDATE_RUN.replace('"edits"', '"no-such-project"'), {"r": "kept", "n": "x"})
    assert unknown_project["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert server.graphql('{ project(name: "no-such-project") { id } }')["data"]["project"] is None
