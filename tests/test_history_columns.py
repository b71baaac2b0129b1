"""scan_history through POST /history/columns against real servers on SQLite and PostgreSQL: the rows are those
GraphQL's historyPage gives as JSON, exactly; the route authenticates, refuses and limits as GraphQL does; and the
SDK reads without numpy, and through GraphQL where the server has no such route."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import runbase
import plain_http
from conftest import Server, run_script, sdk_environment
from runbase.apis.public import history
from runbase.errors import CommError
from test_history import canon, exact, hard_rows

LOG = "mutation($i: LogHistoryInput!) { logHistory(input: $i) { accepted } }"
UPSERT = 'mutation($r: String!) { upsertBucket(input: {modelName: "columns", name: $r}) { inserted } }'
PAGE = """query($p: String!, $r: String!, $k: [String!], $min: Int64, $max: Int64, $l: Int) { project(name: $p) {
  run(name: $r) { historyPage(keys: $k, minStep: $min, maxStep: $max, limit: $l) { rows nextStep } } } }"""
ROWS = 10_600  # 10,000 compacted when the second batch arrives, 600 in the tail


@pytest.fixture(scope="module")
def logged(server: Server) -> tuple[str, list[dict[str, Any]]]:
    """A run of hard values (NaN, infinities, integers beyond 64 bits, strings, bools, nulls, lists, dicts, keys
    missing in some rows, dotted and unicode keys) in compacted segments and the tail."""
    run = f"hard-{uuid.uuid4().hex[:8]}"
    rows = hard_rows(ROWS)
    log(server, run, rows[:6_000], rows[6_000:])
    return run, rows


def log(server: Server, run: str, *batches: list[dict[str, Any]]) -> None:
    assert "errors" not in server.graphql(UPSERT, {"r": run})
    for batch in batches:
        answer = server.graphql(LOG, {"i": {"projectName": "columns", "runName": run, "rows": json.dumps(batch)}})
        assert "errors" not in answer, answer


def graphql_rows(server: Server, run: str, keys: list[str] | None, limit: int, min_step: int | None = None,
                 max_step: int | None = None) -> list[dict[str, Any]]:
    """The rows as GraphQL's historyPage gives them, page after page."""
    rows: list[dict[str, Any]] = []
    while True:
        answer = server.graphql(PAGE, {"p": "columns", "r": run, "k": keys, "min": min_step, "max": max_step,
                                       "l": limit})
        page = answer["data"]["project"]["run"]["historyPage"]
        rows += json.loads(page["rows"])
        if page["nextStep"] is None:
            return rows
        min_step = page["nextStep"]


@pytest.fixture
def columns_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail any page the SDK would read through GraphQL."""
    def refuse(*_: Any) -> Any:
        raise AssertionError("read through GraphQL, not /history/columns")

    monkeypatch.setattr(history, "_graphql_page", refuse)
    yield


def sdk_run(server: Server, run: str) -> Any:
    return runbase.Api(overrides={"base_url": server.url}, api_key=server.key).run(f"admin/columns/{run}")


@pytest.mark.usefixtures("columns_only")
def test_scan_history_gives_the_graphql_rows_exactly(server: Server, logged: tuple[str, list[dict]]) -> None:
    run_id, rows = logged
    run = sdk_run(server, run_id)
    for keys, size, low, high in [(None, 1_000, None, None), (["f"], 4_000, None, None), (["s", "a.b"], 333, 20, 9_000),
                                  (["ключ ü"], 100_000, 19_990, None), (["i"], 7, 20_000, 20_200)]:
        got = list(run.scan_history(keys=keys, page_size=size, min_step=low, max_step=high))
        assert got and exact(got) == exact(graphql_rows(server, run_id, keys, 10_000, low, high)), keys
    everything = list(run.scan_history(page_size=100_000))
    assert exact(everything) == exact(graphql_rows(server, run_id, None, 10_000))
    assert canon(everything) == canon(rows)  # compacted rows hold their keys in sorted order, as through GraphQL
    assert list(run.scan_history(keys=["nowhere"])) == []


def test_a_client_without_numpy_reads_the_same_rows(server: Server, logged: tuple[str, list[dict]],
                                                      tmp_path: Path) -> None:
    run_id, _ = logged
    result = run_script(f"""
        import json, sys
        sys.modules["numpy"] = None  # import numpy fails, as where the media extra is not installed
        import runbase
        from runbase.apis.public import history
        history._graphql_page = None  # the columns are read without numpy, not through GraphQL
        run = runbase.Api().run("admin/columns/{run_id}")
        print(json.dumps(list(run.scan_history(page_size=5_000))))
        assert "numpy" not in [name for name, module in sys.modules.items() if module is not None]
    """, sdk_environment(server, tmp_path))
    assert result.stdout.strip() == exact(graphql_rows(server, run_id, None, 10_000))


def test_a_server_without_the_route_is_read_through_graphql(server: Server, logged: tuple[str, list[dict]],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    run_id, rows = logged
    monkeypatch.setattr(history, "ROUTE", "/history/no-such-route")  # as on a server older than the SDK
    pages: list[int] = []
    graphql_page = history._graphql_page
    monkeypatch.setattr(history, "_graphql_page", lambda *a: pages.append(1) or graphql_page(*a))
    assert exact(list(sdk_run(server, run_id).scan_history(page_size=4_000))) == exact(graphql_rows(server, run_id,
                                                                                                    None, 10_000))
    assert len(pages) == 3 and canon(graphql_rows(server, run_id, None, 10_000)) == canon(rows)


@pytest.mark.usefixtures("columns_only")
def test_the_next_page_is_read_ahead_and_errors_come_in_page_order(server: Server, logged: tuple[str, list[dict]],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """scan_history asks for page n + 1 while the caller holds page n's rows: a caller that stops early has had at
    most one page more read, and a page that fails fails where the caller reaches it, after every page before it."""
    run_id, _ = logged
    expected = graphql_rows(server, run_id, ["f"], 10_000)
    asked: list[int | None] = []
    fetch = history._fetch

    def counted(connection: Any, body: dict[str, Any]) -> Any:
        asked.append(body["minStep"])
        if len(asked) == 4:
            raise CommError("page 4 failed")
        return fetch(connection, body)

    monkeypatch.setattr(history, "_fetch", counted)
    rows = sdk_run(server, run_id).scan_history(keys=["f"], page_size=1_000)
    assert asked == []  # nothing is read before the first row is asked for
    first = [next(rows) for _ in range(1_000)]
    assert exact(first) == exact(expected[:1_000]) and len(asked) <= 2
    del rows  # the caller lets go: the page read ahead is dropped, and no further one is asked for
    time.sleep(0.5)
    assert len(asked) <= 2
    got: list[dict[str, Any]] = []
    with pytest.raises(CommError, match="page 4 failed"):
        asked.clear()
        got.extend(sdk_run(server, run_id).scan_history(keys=["f"], page_size=1_000))
    assert exact(got) == exact(expected[:3_000]) and asked == [None, *(row["_step"] for row in expected[1_000:4_000:1_000])]


def post(server: Server, body: Any, key: str | None = None, raw: bytes | None = None) -> httpx.Response:
    return plain_http.post(f"{server.url}/history/columns", content=raw if raw is not None else json.dumps(body).encode(),
                           headers={"Authorization": f"Bearer {key or server.key}"}, timeout=60)


def error(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["errors"][0]["message"]


def test_the_route_refuses_clearly(server: Server, logged: tuple[str, list[dict]]) -> None:
    run_id, _ = logged
    body = {"project": "columns", "run": run_id, "keys": ["f"], "limit": 10}
    assert post(server, body).headers["content-type"] == history.MEDIA_TYPE
    assert history.unpack(post(server, body).content)[0][0] == {"_step": 7, "f": 0.0}
    assert error(post(server, body, key="x" * 40))[0] == 401
    assert error(post(server, {**body, "limit": 100_001})) == (400, "limit must be between 1 and 100000")
    assert error(post(server, {**body, "limit": 0}))[0] == 400
    assert error(post(server, {**body, "minStep": "3"})) == (400, '"minStep" must be an integer or null, not \'3\'')
    assert error(post(server, {**body, "keys": "f"})) == (400, '"keys" must be a list of strings or null')
    assert error(post(server, {**body, "min_step": 5})) == (
        400, "unknown field 'min_step' in the body; it takes entity, keys, limit, maxStep, minStep, project, run")
    assert error(post(server, {**body, "keys": ["a\u0000b"]}))[0] == 400
    assert error(post(server, {**body, "keys": ["\ud800"]}))[0] == 400
    assert error(post(server, None, raw=b"[1, 2"))[0] == 400
    assert error(post(server, None, raw=b" " * (2 * 1024 * 1024)))[0] == 413
    many = [f"k{i}" for i in range(10_001)]  # GraphQL's cap on a list in a request, worded alike
    assert error(post(server, {**body, "keys": many})) == (
        400, '"keys" is a list of 10001 items; a list in a request holds at most 10000')
    answer = server.graphql(PAGE, {"p": "columns", "r": run_id, "k": many, "l": 5})
    assert answer["errors"][0]["message"] == "$k is a list of 10001 items; a list in a request holds at most 10000"
    assert history.unpack(post(server, {**body, "keys": many[:-1]}).content) == ([], None)
    status, message = error(post(server, {**body, "run": "no-such-run"}))
    assert status == 404 and message == "no run admin/columns/no-such-run (or no access to it)"
    with pytest.raises(CommError, match="limit must be between 1 and 100000"):
        list(sdk_run(server, run_id).scan_history(page_size=100_001))


def test_the_answer_budget_bounds_a_page_and_a_sample(tmp_path: Path) -> None:
    server = Server(tmp_path / "server", None, {"RUNBASE_MAX_ANSWER_ROWS": "100"}).start()
    try:
        log(server, "r", [{"_step": i, "x": i} for i in range(300)])
        status, message = error(post(server, {"project": "columns", "run": "r", "limit": 101}))
        assert status == 400 and "past 100 rows" in message
        assert len(history.unpack(post(server, {"project": "columns", "run": "r", "limit": 100}).content)[0]) == 100
        assert [row["x"] for row in sdk_run(server, "r").scan_history(page_size=100)] == list(range(300))
        sample = plain_http.post(f"{server.url}/history/sample", json={"project": "columns", "run": "r", "samples": 101},
                                 headers={"Authorization": f"Bearer {server.key}"})
        assert sample.status_code == 400 and "past 100 rows" in sample.json()["errors"][0]["message"]
        assert len(sdk_run(server, "r").history(samples=100, pandas=False)) == 100
    finally:
        server.stop()


def test_a_page_whose_columns_outgrow_its_json_is_read_through_graphql(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys that few rows hold take more bytes as columns (a position and a value of 8 bytes each) than as JSON
    text: the route refuses such a page under a byte budget that GraphQL's JSON rows fit, with its own code, and
    the SDK reads that page alone through GraphQL."""
    server = Server(tmp_path / "server", None, {"RUNBASE_MAX_ANSWER_BYTES": "56000"}).start()
    try:
        rows = [{"_step": i, "ab"[i % 2]: 1} for i in range(2_500)]
        log(server, "r", rows)
        json_rows = graphql_rows(server, "r", None, 2_500)
        assert json_rows == rows and len(json.dumps(json_rows, separators=(",", ":"))) < 56_000
        refused = post(server, {"project": "columns", "run": "r", "limit": 2_500})
        assert refused.status_code == 400 and refused.json()["errors"][0]["extensions"]["code"] == "ANSWER_TOO_LARGE"
        assert "past 56000 bytes" in refused.json()["errors"][0]["message"]
        pages: list[int | None] = []
        graphql_page = history._graphql_page
        monkeypatch.setattr(history, "_graphql_page", lambda *a: pages.append(a[1]["minStep"]) or graphql_page(*a))
        assert list(sdk_run(server, "r").scan_history(page_size=2_500)) == rows and pages == [None]
        assert list(sdk_run(server, "r").scan_history(page_size=1_000)) == rows and pages == [None]  # columns fit
        log(server, "long", [{"_step": i, "s": "x" * 100} for i in range(1_000)])  # too large either way
        with pytest.raises(CommError, match="historyPage would take the answer past 56000 bytes"):
            list(sdk_run(server, "long").scan_history(page_size=1_000))
        assert pages[-1] is None and len(pages) == 2
    finally:
        server.stop()
