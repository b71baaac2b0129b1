"""Three servers on one PostgreSQL database and one bucket, behind a round-robin load balancer, as production
runs them: SDK processes log and upload through the balancer while one server, then another, is killed and
restarted; nothing is lost, nothing is done twice (each step stored once, each schedule fired once per due
time, a crashed run's automation fired once, each delivery sent once), and whatever one server issued (a web
session, an upload URL) works on the others."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from balancer import Balancer
import plain_http
from conftest import S3, PostgresDatabases, Server, sdk_environment, start_together
from cryptography.fernet import Fernet
from sqlalchemy import text
from receivers import DELIVERY_HEADER, WebhookReceiver
from test_automations_e2e import deliveries, settled

import runbase
from runbase.automations import OnRunState, OnSchedule, RunEvent, SendWebhook

pytestmark = pytest.mark.slow
PROJECT = "many"
STEPS = 3000
WORKERS = 3
SCHEDULE_SECONDS = 2
KILLS = 2  # servers killed and restarted during the test
LEASE_SECONDS = 40  # automations/worker.py: RUNBASE_DELIVERY_TIMEOUT_SECONDS (10 by default) + LEASE_MARGIN_SECONDS
SERVER_ENV = {
    "RUNBASE_HEARTBEAT_TIMEOUT_SECONDS": "6",  # the SDK's heartbeat is 0.5 s: only the killed run goes silent
    "RUNBASE_BLOB_GC_INTERVAL_SECONDS": "1",  # housekeeping turns all along, each by one server
    "RUNBASE_DELIVERY_RETRY_BASE_SECONDS": "0.2",
    "RUNBASE_AUTOMATION_RATE_LIMIT": "1000",
}
# Logs half its steps, uploads an artifact (one file in parts, many small ones in bundles) and a run file, logs
# the rest, finishes; it says where it is on stdout, for the test to kill a server at those moments.
WORKER = f"""
import os, time
import runbase

run = runbase.init(project={PROJECT!r}, settings={{"heartbeat_seconds": 0.5,
                                                  "x_file_stream_retry_wait_max_seconds": 1}})
print(run.id, flush=True)
data = os.path.join(os.environ["OUT"], "data")
os.makedirs(data)
with open(os.path.join(data, "big.bin"), "wb") as out:
    out.write(os.urandom(24 << 20))
for n in range(30):
    with open(os.path.join(data, f"small-{{n}}.txt"), "wb") as out:
        out.write(os.urandom(1024))
with open(os.path.join(run.dir, "notes.txt"), "w") as out:
    out.write(f"notes of {{run.id}}\\n" * 1000)

def log(steps):
    for i in steps:
        run.log({{"i": i, "sq": i * i}})
        if i % 15 == 0:
            time.sleep(0.05)

log(range({STEPS} // 2))
print("uploading", flush=True)
artifact = runbase.Artifact(f"data-{{run.id}}", type="dataset")
artifact.add_dir(data)
run.log_artifact(artifact)
run.save(os.path.join(run.dir, "notes.txt"), policy="now")
log(range({STEPS} // 2, {STEPS}))
artifact.wait()
run.finish()
print("done", flush=True)
"""
DOOMED = f"""
import time
import runbase

run = runbase.init(project={PROJECT!r}, id="doomed", settings={{"heartbeat_seconds": 0.5}})
for i in range(10):
    run.log({{"i": i}})
print("logged", flush=True)
time.sleep(600)
"""


@pytest.fixture
def hook() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


def _line(process: subprocess.Popen[str]) -> str:
    """The next line the process says (its errors go to a file of its own)."""
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    assert line, f"the process ended ({process.poll()}) without saying more"
    return line


def _restart(server: Server, after: float = 1.0) -> None:
    """kill -9 by its process id, then back on the same port (the balancer skips it meanwhile)."""
    server.kill()
    time.sleep(after)
    server.start()


def _automations(server: Server, hook: WebhookReceiver) -> tuple[Any, Any]:
    api = runbase.Api(overrides={"base_url": server.url}, api_key=server.key)
    integration = api.create_webhook_integration("admin", "many-hook", hook.url)
    scope = f"admin/{PROJECT}"
    crashed = api.create_automation(
        OnRunState(scope=scope, filter=RunEvent.state == "crashed")
        >> SendWebhook.from_integration(integration, payload={"kind": "crash", "run": "${run_id}"}), name="crashes")
    scheduled = api.create_automation(
        OnSchedule(scope=scope, every=timedelta(seconds=SCHEDULE_SECONDS))
        >> SendWebhook.from_integration(integration, payload={"kind": "schedule", "end": "${period_end}"}),
        name="every-2s")
    return crashed, scheduled


def _check_sessions_and_upload_urls(servers: list[Server], run_id: str) -> None:
    """A web session made on one server is good on the others, and ends on all when signed out on one; an
    upload URL one server signed is accepted by another."""
    first, second, third = servers
    signed_in = plain_http.post(f"{first.url}/api/session", json={"apiKey": first.key})
    assert signed_in.status_code == 200, signed_in.text
    cookie = signed_in.headers["set-cookie"].split(";", 1)[0]
    asked = plain_http.get(f"{second.url}/api/session", headers={"Cookie": cookie}).json()
    assert asked["username"] == "admin" and asked["csrfToken"] == signed_in.json()["csrfToken"]
    viewer = plain_http.post(f"{third.url}/graphql", json={"query": "{ viewer { username } }"},
                             headers={"Cookie": cookie, "X-Runbase-CSRF": asked["csrfToken"]}).json()
    assert viewer == {"data": {"viewer": {"username": "admin"}}}
    assert plain_http.delete(f"{third.url}/api/session", headers={"Cookie": cookie,
                                                            "X-Runbase-CSRF": asked["csrfToken"]}).status_code < 300
    assert plain_http.get(f"{first.url}/api/session", headers={"Cookie": cookie}).status_code == 401

    made = first.graphql("""mutation($p: String!, $r: String!) { createRunFiles(input: {projectName: $p, runName: $r,
        files: ["from-url.txt"]}) { files { uploadUrl } } }""", {"p": PROJECT, "r": run_id})
    url = made["data"]["createRunFiles"]["files"][0]["uploadUrl"].replace(first.url, second.url)
    contents = b"through an upload URL\n"
    md5 = base64.b64encode(hashlib.md5(contents).digest()).decode()
    assert plain_http.put(url, content=contents, headers={"Content-MD5": md5}).status_code == 200


def _run_files(server: Server, run_id: str) -> dict[str, str]:
    answer = server.graphql("""query($p: String!, $r: String!) { project(name: $p) { run(name: $r) {
        files { edges { node { name digest } } } } } }""", {"p": PROJECT, "r": run_id})
    return {edge["node"]["name"]: edge["node"]["digest"]
            for edge in answer["data"]["project"]["run"]["files"]["edges"]}


def test_three_servers_lose_nothing_and_do_nothing_twice(postgres: PostgresDatabases, s3: S3, tmp_path: Path,
                                                         hook: WebhookReceiver) -> None:
    shared = {**s3.env(f"many-{uuid.uuid4().hex[:12]}"), "RUNBASE_SECRET_KEY": Fernet.generate_key().decode(),
              **SERVER_ENV}
    url = postgres.create()
    servers = [Server(tmp_path / f"server-{n}", url, shared) for n in range(3)]
    start_together(servers)
    processes: list[subprocess.Popen[str]] = []
    try:
        crashed, scheduled = _automations(servers[0], hook)
        with Balancer(lambda: [server.port for server in servers]) as balancer:
            def start(code: str, name: str) -> subprocess.Popen[str]:
                env = {**sdk_environment(servers[0], tmp_path / name), "RUNBASE_BASE_URL": balancer.url,
                       "OUT": str(tmp_path / name)}
                (tmp_path / name).mkdir()
                processes.append(subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], env=env,
                                                  stdout=subprocess.PIPE, text=True,
                                                  stderr=(tmp_path / name / "stderr").open("w")))
                return processes[-1]

            workers = [start(WORKER, f"worker-{n}") for n in range(WORKERS)]
            doomed = start(DOOMED, "doomed")
            run_ids = [_line(worker) for worker in workers]
            assert _line(doomed) == "logged"
            doomed.kill()  # its heartbeats stop: the run crashed
            _restart(servers[1])  # mid-logging
            assert _line(workers[0]) == "uploading"
            before = balancer.received.copy()
            time.sleep(0.5)
            busiest = balancer.busiest(before)
            _restart(next(server for server in servers if server.port == busiest))  # the one taking uploads
            for n, worker in enumerate(workers):
                said = worker.communicate(timeout=120)[0].split()
                assert worker.returncode == 0 and said[-1:] == ["done"], \
                    (tmp_path / f"worker-{n}" / "stderr").read_text()[-3000:]
            assert all(balancer.connections[server.port] for server in servers), balancer.connections
        _check_sessions_and_upload_urls(servers, run_ids[0])
        # A delivery claimed by a server killed before it recorded the send waits out the claim's lease (the
        # delivery timeout, 10 s, and 30 s more) before another server sends it again.
        [crash] = settled(servers[2], crashed.id, 1, timeout=LEASE_SECONDS + 20)
        assert crash["runName"] == "doomed" and crash["status"] == "SUCCEEDED"
        runbase.Api(overrides={"base_url": servers[1].url}, api_key=servers[1].key).update_automation(
            scheduled, enabled=False)
        fired = settled(servers[1], scheduled.id, 1, timeout=LEASE_SECONDS + 20)
        # Firings due as the automation was disabled, and not sent yet, are suppressed rather than sent: only the
        # last ones (CI once met this race).
        held_back = [delivery for delivery in fired if delivery["status"] == "SUPPRESSED"]
        assert held_back == fired[len(fired) - len(held_back):], fired
        assert all(delivery["error"] == "its automation was disabled" for delivery in held_back), held_back
        fired = fired[:len(fired) - len(held_back)]
        sent = deliveries(servers[1], crashed.id) + fired

        # Nothing lost, nothing twice: every step once, every file whole.
        reader = servers[2]
        for n, run_id in enumerate(run_ids):
            run = reader.run(run_id, project=PROJECT, samples=STEPS * 2)
            assert run is not None and run["state"] == "finished" and run["historyLineCount"] == STEPS
            assert [json.loads(row)["_step"] for row in run["history"]] == list(range(STEPS))
            notes = (tmp_path / f"worker-{n}").glob("runs/**/files/notes.txt")
            assert _run_files(reader, run_id)["notes.txt"] == hashlib.sha256(next(notes).read_bytes()).hexdigest()
            api = runbase.Api(overrides={"base_url": servers[n % 3].url}, api_key=reader.key)
            got = Path(api.artifact(f"admin/{PROJECT}/data-{run_id}:latest").download(tmp_path / f"got-{n}"))
            sent_files = sorted((tmp_path / f"worker-{n}" / "data").iterdir())
            assert sorted(path.name for path in got.iterdir()) == [path.name for path in sent_files]
            assert all((got / path.name).read_bytes() == path.read_bytes() for path in sent_files)
        assert reader.run("doomed", project=PROJECT)["state"] == "crashed"

        # Each delivery sent once; one crash delivery; the schedule fired once per due time, on its grid. A
        # server killed in the instant of a send may have sent it before it could record so, and the delivery
        # goes again under the same id (receivers deduplicate on it): at most one such repeat per kill.
        received = [request for request in hook.requests if request.json["kind"] in ("crash", "schedule")]
        arrivals = Counter(request.headers[DELIVERY_HEADER] for request in received)
        assert set(arrivals) == {delivery["id"] for delivery in sent}
        assert sum(arrivals.values()) - len(arrivals) <= KILLS, arrivals
        assert {delivery["status"] for delivery in sent} == {"SUCCEEDED"}
        ends = [request.json["end"] for request in received if request.json["kind"] == "schedule"]
        assert len(ends) == len(fired) >= 3 and len(set(ends)) == len(ends)
        times = sorted(datetime.fromisoformat(end) for end in ends)
        assert all((later - earlier) % timedelta(seconds=SCHEDULE_SECONDS) == timedelta(0)
                   for earlier, later in zip(times, times[1:])), ends
    finally:
        for process in processes:
            process.kill()
            process.wait()
        for server in servers:
            server.stop()


def test_a_job_runs_on_one_server_at_a_time_and_once_per_interval(postgres: PostgresDatabases, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    """jobs.in_turn, as three servers' engines on one database meet it (on SQLite every turn is the one
    server's)."""
    from runbase_server import jobs
    from runbase_server.database import Database, upgrade

    url = postgres.create()
    first, second, third = servers = [Database(url) for _ in range(3)]
    try:
        upgrade(first.engine)
        started, release = threading.Event(), threading.Event()

        def slow() -> str:
            started.set()
            release.wait(10)
            return "ran"

        with ThreadPoolExecutor(1) as pool:
            under_way = pool.submit(jobs.in_turn, first, jobs.HOUSEKEEPING, slow, every=60)
            assert started.wait(10)
            assert jobs.in_turn(second, jobs.HOUSEKEEPING, lambda: "twice", every=60) is None  # skipped, not queued
            assert jobs.in_turn(second, jobs.CRASH_SWEEP, lambda: "other job") == "other job"
            release.set()
            assert under_way.result() == "ran"
        assert jobs.in_turn(third, jobs.HOUSEKEEPING, lambda: "early", every=60) is None  # not due yet
        assert jobs.in_turn(third, jobs.HOUSEKEEPING, lambda: "due", every=0) == "due"

        def failing() -> None:
            raise RuntimeError("the pass failed")

        with pytest.raises(RuntimeError):
            jobs.in_turn(first, jobs.CRASH_SWEEP, failing)
        assert [jobs.in_turn(db, jobs.CRASH_SWEEP, lambda: "free") for db in servers] == ["free"] * 3

        def lose_the_lock_connection() -> str:  # the database ends the backend that holds the lock mid-pass
            with second.engine.connect() as other:
                other.execute(text("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
                                   "AND objid = :lock AND database = (SELECT oid FROM pg_database "
                                   "WHERE datname = current_database())"), {"lock": jobs.CRASH_SWEEP.lock})
            return "done"

        def free_again() -> None:  # the lock goes with its ended backend, a moment after it is signalled
            deadline = time.monotonic() + 10
            while jobs.in_turn(third, jobs.CRASH_SWEEP, lambda: "free") is None and time.monotonic() < deadline:
                time.sleep(0.05)
            assert [jobs.in_turn(db, jobs.CRASH_SWEEP, lambda: "free") for db in servers] == ["free"] * 3

        assert jobs.in_turn(first, jobs.CRASH_SWEEP, lose_the_lock_connection) == "done"
        assert "was lost during the work it guarded" in caplog.text  # another server may have run it too
        free_again()

        def interrupted(_connection: Any, _lock: int) -> bool:  # as the unlock is about to go
            raise KeyboardInterrupt

        with monkeypatch.context() as patch:
            patch.setattr(Database, "_unlock", staticmethod(interrupted))
            with pytest.raises(KeyboardInterrupt):
                jobs.in_turn(first, jobs.CRASH_SWEEP, lambda: "interrupted")
        free_again()  # not pooled with the lock still held
    finally:
        for db in servers:
            db.dispose()
    alone = Database(f"sqlite:///{tmp_path / 'one.db'}")
    with alone.exclusive(jobs.CRASH_SWEEP.lock) as mine, alone.exclusive(jobs.CRASH_SWEEP.lock) as again:
        assert mine and again
    alone.dispose()
