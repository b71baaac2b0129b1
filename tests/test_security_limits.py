"""Request limits and bad input on the server: no request may cost the server more than its limits allow,
and input no database can store gets a clear error (BAD_USER_INPUT) that loses nothing else."""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import plain_http
from balancer import Balancer
from conftest import PG_ADMIN_URL, Server
from test_run_files import put_blob, upsert_files

LOG = """mutation($i: LogHistoryInput!) { logHistory(input: $i) { accepted refused { index step reason }
           historyLineCount lastHistoryStep state } }"""
UPSERT = """mutation($i: UpsertBucketInput!) { upsertBucket(input: $i) { bucket { name state tags } } }"""
MADE = """mutation($i: UpsertBucketInput!) { upsertBucket(input: $i) { inserted bucket { name } } }"""
TWO_MADE = """mutation($a: UpsertBucketInput!, $b: UpsertBucketInput!) {
    a: upsertBucket(input: $a) { inserted } b: upsertBucket(input: $b) { inserted } }"""
FILE_MD5 = """query($p: String!, $r: String!) { project(name: $p) { run(name: $r) {
    files { edges { node { md5 } } } } } }"""
RUN = """query($p: String!, $r: String!) { project(name: $p) { run(name: $r) {
           state historyLineCount history historyKeys summaryMetrics } } }"""


def post(server: Server, body: bytes | str, timeout: float = 60) -> httpx.Response:
    return plain_http.post(f"{server.url}/graphql", content=body, timeout=timeout,
                           headers={"Authorization": f"Bearer {server.key}", "Content-Type": "application/json"})


def refused(answer: dict[str, Any], *phrases: str) -> str:
    """The message of a request refused as the user's mistake, checked to hold every phrase."""
    assert answer.get("errors"), answer
    error = answer["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", answer
    for phrase in phrases:
        assert phrase in error["message"], answer
    return error["message"]


def new_run(server: Server, project: str, rows: int = 0) -> str:
    name = uuid.uuid4().hex[:10]
    answer = server.graphql(UPSERT, {"i": {"modelName": project, "name": name}})
    assert "errors" not in answer, answer
    for start in range(0, rows, 5000):
        batch = [{"_step": step, "loss": 1 / (step + 1), "acc": step % 7} for step in range(start, min(rows, start + 5000))]
        answer = server.graphql(LOG, {"i": {"projectName": project, "runName": name, "rows": json.dumps(batch)}})
        assert "errors" not in answer, answer
    return name


@pytest.fixture(scope="module")
def big_run(server: Server) -> str:
    """A run of 40,000 rows, shared by the tests that only read it."""
    return new_run(server, "limits", rows=40_000)


def run_fields(server: Server, run: str, fields: str, variables: str = "", **values: Any) -> dict[str, Any]:
    query = f"query($p: String!, $r: String!{variables}) {{ project(name: $p) {{ run(name: $r) {{ {fields} }} }} }}"
    return server.graphql(query, {"p": "limits", "r": run, **values})


def test_sampled_history_specs_count_toward_the_answer(server: Server, big_run: str) -> None:
    specs = [json.dumps({"keys": ["loss"], "samples": 100_000})] * 400
    started = time.monotonic()
    answer = run_fields(server, big_run, "sampledHistory(specs: $s)", ", $s: [JSONString!]!", s=specs)
    refused(answer, "1000000 rows", "sampledHistory (400 specs)")
    assert time.monotonic() - started < 10
    answer = run_fields(server, big_run, "sampledHistory(specs: $s)", ", $s: [JSONString!]!", s=specs[:3])
    assert "errors" not in answer, answer  # within the budget, answered in full
    assert [len(h) for h in answer["data"]["project"]["run"]["sampledHistory"]] == [40_000] * 3  # W&B's JSON values


def test_aliases_share_one_answer_budget(server: Server, big_run: str) -> None:
    pages = " ".join(f"h{i}: historyPage(limit: 100000) {{ nextStep }}" for i in range(30))
    refused(run_fields(server, big_run, pages), "1000000 rows", "historyPage")
    samples = " ".join(f"h{i}: history(samples: 100000)" for i in range(30))
    refused(run_fields(server, big_run, samples), "1000000 rows", "history")
    answer = run_fields(server, big_run, " ".join(f"h{i}: history" for i in range(20)))
    assert "errors" not in answer and len(answer["data"]["project"]["run"]["h19"]) == 40_000
    refused(run_fields(server, big_run, " ".join(f"h{i}: history" for i in range(26))), "1000000 rows")


def test_a_huge_list_argument_is_refused_quickly_naming_it(server: Server) -> None:
    run = new_run(server, "limits")
    before = server.log.stat().st_size
    query = """query($p: String!, $r: String!, $names: [String!]) { project(name: $p) { run(name: $r) {
                 files(names: $names) { edges { node { name } } } } } }"""
    started = time.monotonic()
    names = [f"file-{i}.txt" for i in range(1_000_000)]
    refused(server.graphql(query, {"p": "limits", "r": run, "names": names}), "$names", "1000000 items", "10000")
    assert time.monotonic() - started < 10
    answer = server.graphql(query, {"p": "limits", "r": run, "names": names[:10_000]})
    assert answer["data"]["project"]["run"]["files"]["edges"] == [], answer
    # Variables count toward the cost: many short lists add up.
    many = {"p": "limits", "r": run, "names": ["a"], "x": [[1] * 9000 for _ in range(20)]}
    refused(server.graphql(query, many), "more than 100000 values")
    assert server.log.stat().st_size - before < 64 * 1024  # no megabytes of SQL or values in the log


def test_a_bad_key_refuses_its_row_alone(server: Server) -> None:
    run = new_run(server, "badkeys")
    rows = [{"_step": step, "ok": step} for step in range(100)]
    rows[5]["a\x00b"] = 1
    rows[7]["c\ud800"] = 2
    rows[9]["text"] = "lone \udc00"
    answer = server.graphql(LOG, {"i": {"projectName": "badkeys", "runName": run, "rows": json.dumps(rows)}})
    assert "errors" not in answer, answer
    result = answer["data"]["logHistory"]
    assert result["accepted"] == 97 and result["state"] == "running"
    assert [(r["index"], r["step"]) for r in result["refused"]] == [(5, 5), (7, 7), (9, 9)]
    assert "NUL" in result["refused"][0]["reason"] and "surrogate" in result["refused"][1]["reason"]
    # Sent as a JSON value rather than a string, a raw NUL reaches the rows too: still refused row by row.
    more = [{"_step": 100, "ok": 100}, {"_step": 101, "x\x00": 1}, {"_step": 102, "ok": 102}]
    answer = server.graphql(LOG, {"i": {"projectName": "badkeys", "runName": run, "rows": more}})
    assert answer["data"]["logHistory"]["accepted"] == 2, answer
    assert [r["index"] for r in answer["data"]["logHistory"]["refused"]] == [1]
    answer = server.graphql(UPSERT, {"i": {"modelName": "badkeys", "name": run, "state": "finished"}})
    assert answer["data"]["upsertBucket"]["bucket"]["state"] == "finished", answer
    data = server.graphql(RUN, {"p": "badkeys", "r": run})["data"]["project"]["run"]
    assert data["state"] == "finished" and data["historyLineCount"] == 99
    steps = [json.loads(row)["_step"] for row in data["history"]]
    assert steps == [s for s in range(103) if s not in (5, 7, 9, 101)]


@pytest.mark.parametrize("fields, where", [
    ({"name": "r\ud800"}, "$i.name"),
    ({"modelName": "p\udfff"}, "$i.modelName"),
    ({"tags": ["ok", "t\ud800"]}, "$i.tags.1"),
    ({"tags": ["t\x00"]}, "$i.tags.0"),
    ({"notes": "n\udc00"}, "$i.notes"),
])
def test_strings_no_database_can_store_are_refused(server: Server, fields: dict[str, Any], where: str) -> None:
    body = {"query": UPSERT, "variables": {"i": {"modelName": "strings", **fields}}}
    # json.dumps escapes the surrogate, as any JSON encoder must: the server decodes it back.
    refused(post(server, json.dumps(body)).json(), where)


@pytest.mark.parametrize("field, document", [
    ("config", '{"k\\ud800": {"value": 1}}'),
    ("config", '{"k": {"value": "\\udc00"}}'),
    ("summaryMetrics", '{"s\\ud800": 1}'),
    ("summaryMetrics", '{"s": "\\u0000"}'),
])
def test_documents_no_database_can_store_are_refused(server: Server, field: str, document: str) -> None:
    answer = server.graphql(UPSERT, {"i": {"modelName": "strings", "name": uuid.uuid4().hex[:8], field: document}})
    refused(answer, "must not contain" if "\\u0000" in document else "lone surrogate")


def test_integration_names_with_surrogates_are_refused(server: Server) -> None:
    query = """mutation($i: CreateGenericWebhookIntegrationInput!) {
                 createGenericWebhookIntegration(input: $i) { integration { id } } }"""
    body = {"query": query, "variables": {"i": {"entityName": "admin", "name": "hook\ud800",
                                               "urlEndpoint": "http://127.0.0.1:9/x"}}}
    refused(post(server, json.dumps(body)).json(), "$i.name", "surrogate")


def test_a_step_beyond_64_bits_is_a_clear_error(server: Server) -> None:
    run = new_run(server, "steps")
    for step in (2**63, 2**64 + 5):
        rows = json.dumps([{"_step": 1, "a": 1}, {"_step": step, "a": 2}])
        answer = server.graphql(LOG, {"i": {"projectName": "steps", "runName": run, "rows": rows}})
        refused(answer, "row 1", "2^63-1")
    rows = json.dumps([{"_step": 2**63 - 1, "a": 1}])
    assert server.graphql(LOG, {"i": {"projectName": "steps", "runName": run, "rows": rows}})[
        "data"]["logHistory"]["accepted"] == 1


def test_a_cursor_beyond_64_bits_is_a_clear_error(server: Server) -> None:
    new_run(server, "cursors")
    query = """query($p: String!, $a: String) { project(name: $p) { runs(after: $a) { edges { node { name } } } } }"""
    for offset in (2**63, 10**30):
        cursor = base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()
        refused(server.graphql(query, {"p": "cursors", "a": cursor}), "cursor")


@pytest.mark.parametrize("value", ["Infinity", "-Infinity", "NaN", "1e400"])
def test_a_non_finite_int_variable_is_a_clear_error(server: Server, value: str) -> None:
    query = 'query($p: String!, $f: Int) { project(name: $p) { runs(first: $f) { edges { cursor } } } }'
    response = post(server, f'{{"query": {json.dumps(query)}, "variables": {{"p": "cursors", "f": {value}}}}}')
    assert response.status_code in (200, 400), response.text
    answer = response.json()
    assert answer["errors"][0]["extensions"]["code"] in ("BAD_USER_INPUT", "BAD_REQUEST"), answer
    assert "Internal" not in answer["errors"][0]["message"]


@pytest.mark.parametrize("filters", [
    {"config.x": int("9" * 401)},
    {"config.x": {"$gt": -int("9" * 401)}},
    {"tags": {"$size": 1e30}},
    {"tags": {"$size": int("9" * 30)}},
])
def test_huge_numbers_in_filters_are_clear_errors(server: Server, filters: dict[str, Any]) -> None:
    new_run(server, "filters")
    query = """query($p: String!, $f: JSONString) { project(name: $p) { runs(filters: $f) { edges { cursor } } } }"""
    answer = server.graphql(query, {"p": "filters", "f": json.dumps(filters)})
    if "errors" in answer:  # refusing is clear; matching nothing would be as good
        refused(answer)
    else:
        assert answer["data"]["project"]["runs"]["edges"] == [], answer


def _answered_despite_a_dropped_connection(server: Server, send: Callable[[], httpx.Response]) -> httpx.Response:
    """`send` runs while the test holds a lock on the API keys, so the server's key lookup waits on it; the test
    kills the server's connection there, as a failover or a restarted PostgreSQL would, and returns the answer."""
    import psycopg

    database = server.database_url.rsplit("/", 1)[1]
    admin_url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{database}"
    answers: list[httpx.Response] = []
    with psycopg.connect(admin_url) as locker, psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        locker.execute("LOCK TABLE api_keys IN ACCESS EXCLUSIVE MODE")
        request = threading.Thread(target=lambda: answers.append(send()))
        request.start()
        deadline = time.monotonic() + 20
        killed = 0
        while not killed and time.monotonic() < deadline:
            killed = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()", (database,)).fetchone()[0]
            time.sleep(0.05)
        assert killed, "the request never waited on the lock"
        locker.rollback()
        request.join(30)
    assert answers, "the request was not answered"
    return answers[0]


def test_a_connection_dropped_while_authenticating_is_retried(backend: str, fresh_server: Server) -> None:
    """The request is answered, not failed with a plain 500."""
    if backend != "postgresql":
        pytest.skip("only PostgreSQL connections can be dropped from outside")
    answer = _answered_despite_a_dropped_connection(
        fresh_server, lambda: post(fresh_server, json.dumps({"query": "{ viewer { username } }"})))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"data": {"viewer": {"username": "admin"}}}


def test_file_routes_retry_a_dropped_connection_too(backend: str, fresh_server: Server) -> None:
    if backend != "postgresql":
        pytest.skip("only PostgreSQL connections can be dropped from outside")
    answer = _answered_despite_a_dropped_connection(fresh_server, lambda: plain_http.post(
        f"{fresh_server.url}/files/blobs/held", json={"digests": []}, timeout=60,
        headers={"Authorization": f"Bearer {fresh_server.key}"}))
    assert (answer.status_code, answer.json()) == (200, {"held": []}), answer.text


def _drop_the_servers_connections(server: Server) -> int:
    """Terminate the connections the server holds to its database at rest in its pool, as a restarted PostgreSQL
    would; how many there were. (One in use fails its statement whatever the pool does: the background jobs,
    which look every half second, then log that pass as failed; so does a job whose lock a connection holds.)"""
    import psycopg

    database = server.database_url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        dropped: int = admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                     "WHERE datname = %s AND state = 'idle' AND pid <> pg_backend_pid() AND pid NOT IN "
                                     "(SELECT pid FROM pg_locks WHERE locktype = 'advisory')",
                                     (database,)).fetchone()[0]
    return dropped


def test_pooled_connections_dropped_between_requests_are_replaced(backend: str, fresh_server: Server) -> None:
    """A database restart between requests: a request takes a pooled connection without pinging it (a round
    trip saved), so it meets a dropped one at its first statement and runs again on a fresh one. Every kind of
    request is answered so: GraphQL, the history and file routes, and the health check; the background jobs,
    which are not run again, ping theirs and fail nothing."""
    if backend != "postgresql":
        pytest.skip("only PostgreSQL connections can be dropped from outside")
    run = new_run(fresh_server, "drops", rows=50)
    headers = {"Authorization": f"Bearer {fresh_server.key}"}

    def sample() -> int:
        answer = plain_http.post(f"{fresh_server.url}/history/sample", headers=headers, timeout=60,
                                 json={"project": "drops", "run": run, "keys": ["loss"], "samples": 10})
        assert answer.status_code != 200 or len(answer.content) > 100, answer.content
        return answer.status_code

    def viewer() -> int:
        answer = post(fresh_server, json.dumps({"query": "{ viewer { username } }"}))
        assert answer.status_code != 200 or answer.json() == {"data": {"viewer": {"username": "admin"}}}, answer.text
        return answer.status_code

    def run_read() -> int:  # the first statement in a resolver, where the error is a GraphQL error
        answer = post(fresh_server, json.dumps({"query": RUN, "variables": {"p": "drops", "r": run}}))
        assert answer.status_code != 200 or answer.json()["data"]["project"]["run"]["historyLineCount"] == 50, \
            answer.text
        return answer.status_code

    def run_made() -> int:  # made by the try that ran to its end: the answer says it was new
        name = uuid.uuid4().hex[:10]
        answer = post(fresh_server, json.dumps({"query": MADE, "variables": {"i": {"modelName": "drops",
                                                                                    "name": name}}}))
        assert answer.status_code != 200 or answer.json()["data"]["upsertBucket"] == {
            "inserted": True, "bucket": {"name": name}}, answer.text
        return answer.status_code

    def held() -> int:
        return plain_http.post(f"{fresh_server.url}/files/blobs/held", json={"digests": []}, timeout=60,
                               headers=headers).status_code

    def health() -> int:
        return plain_http.get(f"{fresh_server.url}/healthz", timeout=60).status_code

    kinds = [sample, viewer, run_read, run_made, held, health]
    # Several at once, so that the pool holds several connections to drop.
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(lambda kind: kind(), kinds * 4)) == [200] * len(kinds) * 4
    for first in kinds:  # each kind the first request to meet the dropped connections
        assert _drop_the_servers_connections(fresh_server) >= 1
        assert [first(), *(kind() for kind in kinds)] == [200] * (len(kinds) + 1), first.__name__
    # Dropped with no request to meet it first: the background jobs (the delivery worker looks every half second)
    # ping theirs, and nothing fails.
    logged = fresh_server.log.stat().st_size
    assert _drop_the_servers_connections(fresh_server) >= 1
    time.sleep(1.5)
    assert "Traceback" not in fresh_server.log.read_text()[logged:]
    assert [kind() for kind in kinds] == [200] * len(kinds)


def test_an_unreachable_database_is_answered_as_unavailable_until_it_is_back(
        backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """An outage: the server reaches PostgreSQL through a proxy that then refuses every connection. Every kind of
    request answers 503 SERVICE_UNAVAILABLE, GraphQL's too (its API key cached, so the failure comes inside
    execution, where it was once answered as a CONFLICT), each logged once; once the database is back, all
    answer again."""
    if backend != "postgresql":
        pytest.skip("only PostgreSQL is reached over a connection that can be cut")
    database = urlsplit(request.getfixturevalue("postgres").create())
    up = [True]
    with Balancer(lambda: [database.port or 5432] if up[0] else []) as proxy:
        proxied = database._replace(netloc=f"{database.username}@127.0.0.1:{proxy.listener.getsockname()[1]}")
        server = Server(tmp_path / "server", proxied.geturl()).start()
        try:
            run = new_run(server, "outage", rows=10)
            headers = {"Authorization": f"Bearer {server.key}"}
            kinds = {
                "viewer": lambda: post(server, json.dumps({"query": "{ viewer { username } }"})),
                "run read": lambda: post(server, json.dumps({"query": RUN, "variables": {"p": "outage", "r": run}})),
                "run made": lambda: post(server, json.dumps({"query": MADE, "variables": {"i": {
                    "modelName": "outage", "name": uuid.uuid4().hex[:10]}}})),
                "sample": lambda: plain_http.post(f"{server.url}/history/sample", headers=headers, timeout=60, json={
                    "project": "outage", "run": run, "keys": ["loss"], "samples": 10}),
                "held": lambda: plain_http.post(f"{server.url}/files/blobs/held", json={"digests": []},
                                                headers=headers, timeout=60),
                "health": lambda: plain_http.get(f"{server.url}/healthz", timeout=60),
            }
            assert {name: send().status_code for name, send in kinds.items()} == dict.fromkeys(kinds, 200)
            up[0] = False
            _drop_the_servers_connections(server)
            for name, send in kinds.items():
                answer = send()
                assert answer.status_code == 503, (name, answer.text)
                assert answer.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE", (name, answer.text)
            logged = server.log.read_text()
            assert "internal error in" not in logged  # GraphQL's retries are not each logged as internal errors
            up[0] = True
            answers = {name: send() for name, send in kinds.items()}
            assert {name: answer.status_code for name, answer in answers.items()} == dict.fromkeys(kinds, 200), \
                {name: answer.text[:200] for name, answer in answers.items()}
            assert "errors" not in answers["run read"].json(), answers["run read"].text
        finally:
            server.stop()


def test_a_standby_after_a_failover_is_answered_as_unavailable_until_a_primary_is_back(
        backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """After a failover a server's new connections may reach a standby (the old primary come back as one, or an
    address not yet moved), which refuses every write as read-only: a write is answered 503
    SERVICE_UNAVAILABLE, not 500, and reads are answered; once the database takes writes again, the first write
    that meets a read-only connection has the pool's connections replaced and runs again on a fresh one."""
    if backend != "postgresql":
        pytest.skip("only PostgreSQL has read-only standbys")
    import psycopg

    from runbase_server.database import REPLACE_ON_STANDBY_EVERY

    url = request.getfixturevalue("postgres").create()
    database = url.rsplit("/", 1)[1]
    server = Server(tmp_path / "server", url).start()
    browser = plain_http.Client(base_url=server.url, timeout=60)
    try:
        run = new_run(server, "standby", rows=10)
        assert browser.post("/api/session", json={"apiKey": server.key}).status_code == 200
        content = b"saved before the failover"
        assert put_blob(server, content).status_code == 201
        assert "errors" not in upsert_files(server, "standby", run, [{"name": "notes.txt", "size": len(content),
                                                                      "sha256": hashlib.sha256(content).hexdigest()}])

        def md5() -> httpx.Response:  # worked out when first asked for, and then kept, where the database takes it
            return post(server, json.dumps({"query": FILE_MD5, "variables": {"p": "standby", "r": run}}))

        def made() -> httpx.Response:
            return post(server, json.dumps({"query": MADE, "variables": {"i": {"modelName": "standby",
                                                                               "name": uuid.uuid4().hex[:10]}}}))

        def read() -> httpx.Response:
            return post(server, json.dumps({"query": RUN, "variables": {"p": "standby", "r": run}}))

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            with psycopg.connect(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{database}", autocommit=True) as inside:
                inside.execute("UPDATE web_sessions SET last_seen_at = last_seen_at - interval '1 hour'")
            admin.execute(f'ALTER DATABASE "{database}" SET default_transaction_read_only = on')
            assert _drop_the_servers_connections(server) >= 1  # they come back to a "standby"
            for _ in range(5):  # one pool replacement in a second: the others fail fast where they are
                refused = made()
                assert refused.status_code == 503, refused.text
                assert refused.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE", refused.text
                both = post(server, json.dumps({"query": TWO_MADE, "variables": {
                    "a": {"modelName": "standby", "name": uuid.uuid4().hex[:10]},
                    "b": {"modelName": "standby", "name": uuid.uuid4().hex[:10]}}}))
                assert both.status_code == 503, both.text  # the second field's error is no internal error
            answer = read()
            assert answer.status_code == 200, answer.text
            assert answer.json()["data"]["project"]["run"]["historyLineCount"] == 10, answer.text
            answer = md5()
            assert answer.status_code == 200, answer.text
            assert answer.json()["data"]["project"]["run"]["files"]["edges"][0]["node"]["md5"] == \
                base64.b64encode(hashlib.md5(content).digest()).decode()
            # A browser's session is read too, though it is due to record when it was last seen.
            assert browser.get("/api/session").json()["username"] == "admin"
            # Signing in with a wrong key is refused before the cookie's old session is ended: 401, not 503.
            assert browser.post("/api/session", json={"apiKey": "x" * 40}).status_code == 401
            admin.execute(f'ALTER DATABASE "{database}" SET default_transaction_read_only = off')
        time.sleep(REPLACE_ON_STANDBY_EVERY)  # then the first write to meet a read-only connection replaces them
        answers = [made() for _ in range(3)]
        assert [(a.status_code, a.json()["data"]["upsertBucket"]["inserted"]) for a in answers] == [(200, True)] * 3
        assert browser.get("/api/session").json()["username"] == "admin"
        assert "internal error in" not in server.log.read_text()
    finally:
        browser.close()
        server.stop()


def test_silence_while_the_database_refused_heartbeats_is_not_a_crash(
        backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """The database read-only (a standby) for longer than the heartbeat timeout: the runs' heartbeats were
    refused, so right after it takes writes again none is marked crashed; a run that then stays silent is."""
    if backend != "postgresql":
        pytest.skip("only PostgreSQL has read-only standbys")
    import psycopg

    url = request.getfixturevalue("postgres").create()
    database = url.rsplit("/", 1)[1]
    server = Server(tmp_path / "server", url, {"RUNBASE_HEARTBEAT_TIMEOUT_SECONDS": "4"}).start()

    def beat(name: str) -> None:
        post(server, json.dumps({"query": 'mutation($n: String!) { logHistory(input: {projectName: "hb", '
                                          'runName: $n, rows: "[]"}) { state } }', "variables": {"n": name}}))

    def states() -> list[str]:
        return [server.run(name, project="hb")["state"] for name in ("back", "gone")]

    try:
        for name in ("back", "gone"):
            assert "errors" not in server.graphql('mutation($n: String!) { upsertBucket(input: {modelName: "hb", '
                                                  'name: $n}) { inserted } }', {"n": name})
        deadline = time.monotonic() + 5  # the server has heard heartbeats for a whole timeout
        while time.monotonic() < deadline:
            beat("back"), beat("gone")
            time.sleep(0.5)
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{database}" SET default_transaction_read_only = on')
            _drop_the_servers_connections(server)
            time.sleep(6)
            admin.execute(f'ALTER DATABASE "{database}" SET default_transaction_read_only = off')
            _drop_the_servers_connections(server)
        time.sleep(1.5)  # a sweep a second
        assert states() == ["running", "running"]
        deadline = time.monotonic() + 20
        while states()[1] != "crashed" and time.monotonic() < deadline:
            beat("back")
            time.sleep(0.5)
        assert states() == ["running", "crashed"]
    finally:
        server.stop()


def _end_backend(pid: int) -> None:
    """Terminate a PostgreSQL backend and wait until it has gone."""
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        deadline = time.monotonic() + 10
        while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone():
            assert time.monotonic() < deadline, "the backend outlived its termination"
            time.sleep(0.01)


def test_a_connection_lost_in_the_commit_is_not_run_again(backend: str, request: pytest.FixtureRequest) -> None:
    """Whether a COMMIT whose connection died was stored is unknown, so the work is not run again (it used to be:
    one generateApiKey made two keys, the client given only the second)."""
    if backend != "postgresql":
        pytest.skip("only PostgreSQL connections can be dropped from outside")
    from runbase_server.database import CommitUnknown, Database
    from runbase_server.http.app import unavailable
    from sqlalchemy import event, text

    db = Database(request.getfixturevalue("postgres").create())
    tries: list[int] = []

    def work(session: Any) -> None:
        session.execute(text("CREATE TABLE IF NOT EXISTS made (x int)"))
        session.execute(text("INSERT INTO made VALUES (1)"))
        tries.append(session.execute(text("SELECT pg_backend_pid()")).scalar_one())

    def cut(_connection: Any) -> None:  # just before the COMMIT goes: its backend is gone when it does
        _end_backend(tries[-1])

    event.listen(db.engine, "commit", cut)
    try:
        with pytest.raises(CommitUnknown) as raised:
            db.attempt(work)
        assert len(tries) == 1
        # Answered with its own code, so that a client can tell it from an outage that stored nothing.
        answer = unavailable(raised.value)
        assert (answer.status_code, json.loads(answer.body)["errors"][0]["extensions"]["code"]) == (503,
                                                                                                  "COMMIT_UNKNOWN")
        event.remove(db.engine, "commit", cut)
        assert db.attempt(lambda session: session.execute(text("SELECT count(*) FROM pg_tables WHERE tablename = "
                                                               "'made'")).scalar_one()) == 0  # not stored, here
    finally:
        db.engine.dispose()


def test_a_connection_lost_in_the_commit_of_work_that_only_read_is_run_again(
        backend: str, request: pytest.FixtureRequest) -> None:
    """Work that only read stored nothing, so a COMMIT lost with its connection is a dropped connection like any
    other: the work runs again on a fresh one and is answered (it was answered 503 COMMIT_UNKNOWN)."""
    if backend != "postgresql":
        pytest.skip("only PostgreSQL connections can be dropped from outside")
    from runbase_server.database import Database
    from sqlalchemy import event, text

    db = Database(request.getfixturevalue("postgres").create())
    tries: list[int] = []

    def work(session: Any) -> int:
        tries.append(session.execute(text("SELECT pg_backend_pid()")).scalar_one())
        return int(session.execute(text("SELECT count(*) FROM pg_tables WHERE tablename = 'runs'")).scalar_one())

    def cut(_connection: Any) -> None:  # the first try's COMMIT only
        if len(tries) == 1:
            _end_backend(tries[-1])

    event.listen(db.engine, "commit", cut)
    try:
        assert db.attempt(work) == 0
        assert len(tries) == 2 and tries[0] != tries[1]
    finally:
        db.engine.dispose()


def test_a_write_before_an_open_savepoint_still_counts_when_the_commit_is_lost(
        backend: str, request: pytest.FixtureRequest) -> None:
    if backend != "postgresql":
        pytest.skip("only PostgreSQL connections can be dropped from outside")
    from runbase_server.database import CommitUnknown, Database
    from sqlalchemy import event, text

    db = Database(request.getfixturevalue("postgres").create())
    tries: list[int] = []

    def work(session: Any) -> None:
        session.execute(text("CREATE TABLE made (x int)"))
        session.begin_nested()  # left open: the COMMIT releases it
        tries.append(session.execute(text("SELECT pg_backend_pid()")).scalar_one())

    event.listen(db.engine, "commit", lambda _connection: _end_backend(tries[-1]))
    try:
        with pytest.raises(CommitUnknown):
            db.attempt(work)
        assert len(tries) == 1
    finally:
        db.engine.dispose()


def test_every_list_counts_toward_the_answer(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """Pages of versions, collections, registries and automations nested under aliases add up: with an
    answer of at most 100 rows, two pages of 60 are refused, one is answered."""
    url = request.getfixturevalue("postgres").create() if backend == "postgresql" else None
    server = Server(tmp_path / "server", url, {"RUNBASE_MAX_ANSWER_ROWS": "100"}).start()
    try:
        create = """mutation($i: CreateArtifactInput!) { createArtifact(input: $i) { artifact { id } } }"""
        commit = "mutation($i: CommitArtifactInput!) { commitArtifact(input: $i) { artifact { id } } }"
        registry = "mutation($n: String!) { createRegistry(input: {name: $n, visibility: \"organization\"}) { registry { id } } }"
        for i in range(60):
            made = server.graphql(create, {"i": {"projectName": "budget", "artifactCollectionName": f"c{i}",
                                                 "artifactTypeName": "model"}})["data"]["createArtifact"]["artifact"]["id"]
            assert "errors" not in server.graphql(commit, {"i": {"artifactID": made}})
            assert "errors" not in server.graphql(registry, {"n": f"r{i}"})
        collections = "artifactCollections(first: 60) { edges { node { name } } }"
        registries = "registries(first: 60) { edges { node { name } } }"
        one = server.graphql(f"{{ project(name: \"budget\") {{ {collections} }} }}")
        assert len(one["data"]["project"]["artifactCollections"]["edges"]) == 60, one
        refused(server.graphql(f"{{ project(name: \"budget\") {{ a: {collections} b: {collections} }} }}"),
                "past 100 rows", "artifactCollections")
        assert len(server.graphql(f"{{ {registries} }}")["data"]["registries"]["edges"]) == 60
        refused(server.graphql(f"{{ a: {registries} b: {registries} }}"), "past 100 rows", "registries")
        refused(server.graphql(f"{{ {registries} project(name: \"budget\") {{ {collections} }} }}"), "past 100 rows")
    finally:
        server.stop()


def test_sampled_history_takes_at_most_100_specs(server: Server, big_run: str) -> None:
    """Each spec reads the run's history, however few samples it asks for: their number is capped."""
    spec = json.dumps({"keys": ["loss"], "samples": 1})
    started = time.monotonic()
    answer = run_fields(server, big_run, "sampledHistory(specs: $s)", ", $s: [JSONString!]!", s=[spec] * 10_000)
    refused(answer, "at most 100 specs", "10000")
    assert time.monotonic() - started < 5
    answer = run_fields(server, big_run, "sampledHistory(specs: $s)", ", $s: [JSONString!]!", s=[spec] * 100)
    assert "errors" not in answer and len(answer["data"]["project"]["run"]["sampledHistory"]) == 100, answer


def test_ids_that_name_nothing_are_not_found(server: Server) -> None:
    """Non-ASCII digits ("²" and "٣" pass str.isdigit) and ids past any row's are missing rows, not
    internal errors; no id with them reaches the database."""
    bad_ids = ["99999999999999999999999", "1" * 5000, "²", "٣", "-1", "1.5", "0x1", ""]
    for bad in bad_ids:
        answer = server.graphql("mutation($id: ID!) { deleteApiKey(input: {id: $id}) { success } }", {"id": bad})
        assert answer["errors"][0]["extensions"]["code"] == "NOT_FOUND", (bad, answer)
    team = f"ids-{uuid.uuid4().hex[:8]}"
    answer = server.graphql("mutation($t: String!) { createTeam(input: {teamName: $t}) { entity { name } } }",
                            {"t": team})
    assert "errors" not in answer, answer
    remove = "mutation($t: String!, $id: ID!) { deleteInvite(input: {entityName: $t, id: $id}) { success } }"
    for bad in bad_ids:
        answer = server.graphql(remove, {"t": team, "id": bad})
        assert answer["errors"][0]["extensions"]["code"] == "NOT_FOUND", (bad, answer)
        assert "Internal" not in answer["errors"][0]["message"]
    # Ids in URLs and version names too: more digits than any number may have are no row either.
    huge = "1" * 5000
    assert plain_http.get(f"{server.url}/files/artifacts/{huge}/x.txt", timeout=30,
                          headers={"Authorization": f"Bearer {server.key}"}).status_code == 404
    answer = server.graphql('{ project(name: "ids") { artifactCollection(name: "c") { artifact(version: $v) '
                            '{ id } } } }'.replace("$v", f'"v{huge}"'))
    assert "errors" not in answer or "Internal" not in answer["errors"][0]["message"], answer
    answer = server.graphql('{ project(name: "ids") { artifactCollection(name: "c") { artifact(version: "v٣") '
                            '{ id } } } }')
    assert "errors" not in answer or "Internal" not in answer["errors"][0]["message"], answer


def test_documents_and_plain_lists_count_toward_the_answer(backend: str, tmp_path: Path,
                                                            request: pytest.FixtureRequest) -> None:
    """A run's config is stored once but rendered wherever nested pages and aliases ask for it: its bytes count
    toward the answer each time. Tags, aliases and other plain lists count as rows, as pages do. The server
    answers at most 100 rows and 1 MiB here."""
    url = request.getfixturevalue("postgres").create() if backend == "postgresql" else None
    server = Server(tmp_path / "server", url, {"RUNBASE_MAX_ANSWER_ROWS": "100",
                                               "RUNBASE_MAX_ANSWER_BYTES": str(1 << 20)}).start()
    try:
        config = json.dumps({"blob": {"value": "x" * 150_000}})
        tags = [f"t{i}" for i in range(60)]
        for name in ("r0", "r1", "r2"):
            answer = server.graphql(UPSERT, {"i": {"modelName": "docs", "name": name, "config": config,
                                                   "summaryMetrics": config, "tags": tags}})
            assert "errors" not in answer, answer

        def ask(fields: str) -> dict[str, Any]:
            return server.graphql(f'{{ project(name: "docs") {{ {fields} }} }}')

        once = ask("runs { edges { node { config } } }")  # 3 x 150 KB
        assert len(once["data"]["project"]["runs"]["edges"]) == 3, once
        refused(ask("runs { edges { node { project { runs { edges { node { config } } } } } } }"),  # 9 x 150 KB
                "config", "bytes")
        refused(ask("run(name: \"r0\") { " + " ".join(f"s{i}: summaryMetrics" for i in range(8)) + " }"),
                "summaryMetrics", "bytes")
        assert len(ask('run(name: "r0") { tags }')["data"]["project"]["run"]["tags"]) == 60
        refused(ask('run(name: "r0") { a: tags b: tags }'), "tags", "past 100 rows")

        aliases = [f"a{i}" for i in range(60)]
        made = server.graphql("mutation($i: CreateArtifactInput!) { createArtifact(input: $i) { artifact { id } } }",
                              {"i": {"projectName": "docs", "artifactCollectionName": "c", "artifactTypeName": "model",
                                     "aliases": [{"alias": alias, "artifactCollectionName": "c"} for alias in aliases],
                                     "metadata": json.dumps({"m": "x" * 150_000})}})
        version = made["data"]["createArtifact"]["artifact"]["id"]
        answer = server.graphql("mutation($i: CommitArtifactInput!) { commitArtifact(input: $i) { artifact { id } } }",
                                {"i": {"artifactID": version}})
        assert "errors" not in answer, answer
        by_id = "query($id: ID!) {{ artifact(id: $id) {{ {} }} }}"
        assert len(server.graphql(by_id.format("aliases { alias }"), {"id": version})["data"]["artifact"]["aliases"]) == 61
        refused(server.graphql(by_id.format("a: aliases { alias } b: aliases { alias }"), {"id": version}), "aliases", "past 100 rows")
        held = "aliases(first: 1000) { edges { node { alias } } }"
        refused(server.graphql(by_id.format(f"collection {{ a: {held} b: {held} }}"), {"id": version}), "aliases")
        refused(server.graphql(by_id.format(" ".join(f"m{i}: metadata" for i in range(8))), {"id": version}),
                "metadata", "bytes")

        types = [f"type{i}" for i in range(60)]
        answer = server.graphql('mutation($t: [String!]) { createRegistry(input: {name: "typed", visibility: '
                                '"organization", artifactTypes: $t}) { registry { name } } }', {"t": types})
        assert "errors" not in answer, answer
        refused(server.graphql('{ a: registry(name: "typed") { artifactTypes } '
                               'b: registry(name: "typed") { artifactTypes } }'), "artifactTypes")

        for i in range(5):
            server.create_user(f"lister{i}")
        listed = server.graphql('{ users(query: "lister", first: 5) { edges { node { username } } } }')
        assert len(listed["data"]["users"]["edges"]) == 5
        many = " ".join(f'u{i}: users(query: "lister", first: 5) {{ edges {{ node {{ username }} }} }}'
                        for i in range(21))  # 105 rows
        refused(server.graphql(f"{{ {many} }}"), "users", "past 100 rows")
    finally:
        server.stop()


def test_an_integer_overflow_is_no_race(tmp_path: Path) -> None:
    """SQLite reports a SUM past 64 bits as an OperationalError, as it does a busy database; but it fails alike
    every time, so it is not retried nor answered as a lost race (CONFLICT). PostgreSQL sums into NUMERIC."""
    from graphql import GraphQLError
    from runbase_server.database import Database
    from runbase_server.errors import is_race
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    db = Database(f"sqlite:///{tmp_path / 'overflow.db'}")
    tries: list[int] = []

    def overflow(session: Any) -> None:
        tries.append(1)
        session.execute(text("SELECT sum(x) FROM (SELECT 9223372036854775807 AS x UNION ALL SELECT 1)"))

    try:
        with pytest.raises(OperationalError, match="integer overflow") as raised:
            db.attempt(overflow)
    finally:
        db.dispose()
    assert tries == [1]
    assert not is_race(GraphQLError("overflow", original_error=raised.value))


@pytest.mark.parametrize("message", ["database or disk is full", "disk I/O error", "unable to open database file",
                                     "attempt to write a readonly database"])
def test_a_full_or_unusable_sqlite_disk_is_no_race(message: str) -> None:
    """Not retried, and never answered as a CONFLICT ("conflicts with data stored meanwhile")."""
    import sqlite3

    from runbase_server.errors import lost_race
    from sqlalchemy.exc import OperationalError

    assert not lost_race(OperationalError("INSERT ...", {}, sqlite3.OperationalError(message)))
    assert lost_race(OperationalError("INSERT ...", {}, sqlite3.OperationalError("database is locked")))


def test_headers_past_the_limit_are_refused_before_they_are_kept(server: Server) -> None:
    """Headers are read before any auth: the server refuses them past h11's 16 KiB rather than buffer what a client
    sends (httptools, which uvicorn takes where it is installed, keeps them all), and goes on serving."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: ")
        answer, sent = b"", 0
        try:
            for sent in range(1, 1025):  # up to 8 MiB, unless refused first
                connection.sendall(b"a" * 8192)
            connection.sendall(b"\r\n\r\n")
            while chunk := connection.recv(65536):
                answer += chunk
        except (ConnectionResetError, BrokenPipeError):
            pass
    # Refused: answered 400, or reset before it all went (the reset may take the 400 with it).
    assert answer.startswith(b"HTTP/1.1 400") or (answer == b"" and sent < 1024), (sent, answer[:200])
    assert plain_http.get(f"{server.url}/healthz", timeout=30).status_code == 200


@pytest.fixture(scope="module")
def deadlined(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server (on SQLite: the protocol is the same on both) that gives a request's head a second to arrive and
    lets its body pause for a second."""
    srv = Server(tmp_path_factory.mktemp("deadlined") / "server", None, {
        "RUNBASE_REQUEST_HEAD_TIMEOUT_SECONDS": "1", "RUNBASE_REQUEST_BODY_IDLE_SECONDS": "1"}).start()
    yield srv
    srv.stop()


def _closed_after(connection: socket.socket, send: Callable[[], None] = lambda: None, *, most: float = 10) -> float:
    """Seconds until the server closes the connection (`send` is called every 0.2 s meanwhile, while it can)."""
    start = time.monotonic()
    connection.settimeout(0.2)
    while time.monotonic() - start < most:
        try:
            if connection.recv(65536) == b"":
                return time.monotonic() - start
        except socket.timeout:
            try:
                send()
            except OSError:  # closed under the sender
                return time.monotonic() - start
        except ConnectionResetError:
            return time.monotonic() - start
    raise AssertionError(f"the connection was still open after {most} s")


def test_a_connection_that_sends_nothing_is_closed(deadlined: Server) -> None:
    with socket.create_connection(("127.0.0.1", deadlined.port), timeout=10) as connection:
        assert 0.8 < _closed_after(connection) < 4
    assert plain_http.get(f"{deadlined.url}/healthz", timeout=30).status_code == 200


def test_headers_sent_a_byte_at_a_time_are_cut_off(deadlined: Server) -> None:
    """Slowloris: each byte resets no clock; the head must be whole within the deadline of its first byte."""
    with socket.create_connection(("127.0.0.1", deadlined.port), timeout=10) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        assert _closed_after(connection, lambda: connection.sendall(b"X-A: b\r\n")) < 4


def _graphql_head(server: Server, length: int) -> bytes:
    return (f"POST /graphql HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {server.key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n").encode()


def test_a_body_that_stops_or_trickles_is_cut_off_and_one_that_keeps_coming_is_read(deadlined: Server) -> None:
    body = json.dumps({"query": "{ viewer { username } }"}).encode().ljust(3000)
    with socket.create_connection(("127.0.0.1", deadlined.port), timeout=10) as connection:
        connection.sendall(_graphql_head(deadlined, len(body)) + body[:5])
        assert 0.8 < _closed_after(connection) < 4
    # A byte every 0.2 s never pauses for the second allowed, but comes slower than 500 bytes a second.
    with socket.create_connection(("127.0.0.1", deadlined.port), timeout=10) as connection:
        connection.sendall(_graphql_head(deadlined, len(body)) + body[:5])
        assert _closed_after(connection, lambda: connection.sendall(b" ")) < 4
    # 500 bytes every 0.3 s: slower in all than the second a pause may last, but never pausing, and fast enough.
    with socket.create_connection(("127.0.0.1", deadlined.port), timeout=10) as connection:
        connection.sendall(_graphql_head(deadlined, len(body)))
        for start in range(0, len(body), 500):
            time.sleep(0.3)
            connection.sendall(body[start:start + 500])
        answer = b""
        while b"username" not in answer and (chunk := connection.recv(65536)):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200") and b'"username":"admin"' in answer, answer


def test_chunk_framing_is_no_body(deadlined: Server) -> None:
    """A chunked body of a byte a chunk, each with 600 bytes of chunk extension: past 500 bytes a second off the
    wire, but 3 bytes a second of body."""
    with socket.create_connection(("127.0.0.1", deadlined.port), timeout=10) as connection:
        connection.sendall(f"POST /graphql HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {deadlined.key}\r\n"
                           "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
        assert _closed_after(connection, lambda: connection.sendall(b"1;" + b"a" * 600 + b"\r\n \r\n")) < 4
    # A connection cut while its body was read is no error of the server's: nothing to log for each.
    assert "Exception in ASGI application" not in deadlined.log.read_text()


@pytest.mark.parametrize("path", ["/graphql", "/files/admin/p/r/file_stream"])
@pytest.mark.parametrize("authorization", ["", "Authorization: Bearer " + "0" * 40 + "\r\n"], ids=["none", "wrong"])
def test_a_request_nobody_may_send_is_refused_before_its_body(deadlined: Server, authorization: str,
                                                              path: str) -> None:
    """Without a valid key the body is never read: a keyless client cannot make the server hold (or wait on) a
    body of up to the limit, on GraphQL or on the W&B client's file_stream."""
    with socket.create_connection(("127.0.0.1", deadlined.port), timeout=10) as connection:
        connection.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\n{authorization}Content-Type: application/json\r\n"
                           f"Content-Length: 60000000\r\n\r\n".encode())
        answer = b""
        while b"UNAUTHENTICATED" not in answer and (chunk := connection.recv(65536)):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 401") and b"UNAUTHENTICATED" in answer, answer


def test_what_is_left_of_a_body_after_the_answer_is_taken_for_a_while_only(deadlined: Server) -> None:
    """Answered at once (the body is past the limit), the client keeps sending a byte at a time: each used to
    keep the connection, before any auth."""
    with socket.create_connection(("127.0.0.1", deadlined.port), timeout=10) as connection:
        connection.sendall(_graphql_head(deadlined, 99_999_999_999))
        answer = connection.recv(65536)
        assert answer.startswith(b"HTTP/1.1 413"), answer
        assert _closed_after(connection, lambda: connection.sendall(b"x")) < 4


def test_requests_sent_ahead_get_the_same_deadlines(deadlined: Server) -> None:
    """A request pipelined behind another is started when the first is answered, not when its bytes come."""
    with socket.create_connection(("127.0.0.1", deadlined.port), timeout=10) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" + _graphql_head(deadlined, 1000) + b'{"q')
        assert _closed_after(connection) < 4


def test_a_kept_alive_connection_may_rest_between_requests(deadlined: Server) -> None:
    """The head's clock starts with its first byte: a connection resting between requests keeps uvicorn's
    keep-alive timeout (5 s), and a head sent whole then is answered."""
    request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    with socket.create_connection(("127.0.0.1", deadlined.port), timeout=10) as connection:
        for _ in range(2):
            connection.sendall(request)
            answer = b""
            while b'"ok"' not in answer and (chunk := connection.recv(65536)):
                answer += chunk
            assert answer.startswith(b"HTTP/1.1 200") and b'"ok"' in answer, answer
            time.sleep(2)
