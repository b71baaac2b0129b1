"""Run.history through POST /history/sample against real servers on SQLite and PostgreSQL: the rows are those
GraphQL's sampledHistory keeps, exactly (values, types and key order; NaN, infinities, integers beyond 64 bits,
strings, keys missing in some rows), for any number of samples and step range; the route refuses bad input
clearly, and the SDK reads through GraphQL where the server has no such route."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
import plain_http
from conftest import Server
from runbase.apis.public import history
from runbase.errors import CommError, UsageError
from test_history import exact, hard_rows
from test_history_columns import error, log, sdk_run

SAMPLED = """query($p: String!, $r: String!, $s: [JSONString!]!) { project(name: $p) {
  run(name: $r) { sampledHistoryText(specs: $s) } } }"""
ROWS = 10_600  # 10,000 compacted when the second batch arrives, 600 in the tail; steps 7, 9, ..., 21,205


@pytest.fixture(scope="module")
def logged(server: Server) -> str:
    run = f"sample-{uuid.uuid4().hex[:8]}"
    rows = hard_rows(ROWS)
    log(server, run, rows[:6_000], rows[6_000:])
    return run


def graphql_sample(server: Server, run: str, keys: list[str] | None, samples: int, *, x_axis: str = "_step",
                   low: int | None = None, high: int | None = None) -> list[dict[str, Any]]:
    """sampledHistory's rows of min_step <= _step < max_step (its spec's maxStep is inclusive)."""
    spec: dict[str, Any] = {"keys": keys, "samples": samples, "xAxis": x_axis}
    if low is not None:
        spec["minStep"] = low
    if high is not None:
        spec["maxStep"] = high - 1
    answer = server.graphql(SAMPLED, {"p": "columns", "r": run, "s": [json.dumps(spec)]})
    assert "errors" not in answer, answer
    rows: list[dict[str, Any]] = json.loads(answer["data"]["project"]["run"]["sampledHistoryText"][0])
    return rows


def _through_graphql(*_: Any) -> Any:
    raise AssertionError("read through GraphQL, not /history/sample")


@pytest.fixture
def route_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any sample the SDK would read through GraphQL."""
    monkeypatch.setattr(history, "_graphql_sample", _through_graphql)


CASES: list[tuple[list[str] | None, int, str, int | None, int | None]] = [
    (None, 1_000, "_step", None, None), (None, 37, "_step", 300, 12_000), (["f"], 1_000, "_step", None, None),
    (["f"], 1, "_step", None, None), (["f"], 2, "_step", None, None), (["f", "i"], 500, "_step", 100, 700),
    (["a.b"], 100, "_step", None, None), (["ключ ü", "s"], 250, "f", 19_000, None),
    (["s"], 64, "_step", None, 20_000), (["f"], 20_000, "_step", None, None), (["nowhere"], 10, "_step", None, None),
    (["f"], 10, "_step", 30_000, None), (["f"], 300, "_step", 20_001, 21_000),  # the tail alone
]


@pytest.mark.usefixtures("route_only")
def test_run_history_gives_the_graphql_sample_exactly(server: Server, logged: str) -> None:
    run = sdk_run(server, logged)
    for keys, samples, x_axis, low, high in CASES:
        got = run.history(samples=samples, keys=keys, x_axis=x_axis, pandas=False, min_step=low, max_step=high)
        expected = graphql_sample(server, logged, keys, samples, x_axis=x_axis, low=low, high=high)
        assert exact(got) == exact(expected), (keys, samples, low, high)
        assert len(got) <= samples and (len(got) > 0) == (keys != ["nowhere"] and low != 30_000)
    full = run.history(samples=1_000, pandas=False)
    assert full[0]["_step"] == 7 and full[-1]["_step"] == 7 + 2 * (ROWS - 1)
    assert any(row.get("ключ ü", 0) > 2**64 for row in full) and any(row.get("a.b") == -float("inf") for row in full)


def test_a_server_without_the_route_is_sampled_through_graphql(server: Server, logged: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(history, "SAMPLE_ROUTE", "/history/no-such-route")  # as on a server older than the SDK
    asked: list[dict[str, Any]] = []
    graphql = history._graphql_sample
    monkeypatch.setattr(history, "_graphql_sample", lambda c, body: asked.append(body) or graphql(c, body))
    run = sdk_run(server, logged)
    for keys, samples, x_axis, low, high in CASES:
        got = run.history(samples=samples, keys=keys, x_axis=x_axis, pandas=False, min_step=low, max_step=high)
        assert exact(got) == exact(graphql_sample(server, logged, keys, samples, x_axis=x_axis, low=low, high=high))
    assert len(asked) == len(CASES)


def post(server: Server, body: Any, key: str | None = None) -> httpx.Response:
    return plain_http.post(f"{server.url}/history/sample", content=json.dumps(body).encode(),
                           headers={"Authorization": f"Bearer {key or server.key}"}, timeout=60)


def test_the_route_refuses_clearly(server: Server, logged: str) -> None:
    body = {"project": "columns", "run": logged, "keys": ["f"], "samples": 10}
    answer = post(server, body)
    assert answer.headers["content-type"] == history.MEDIA_TYPE
    assert history.unpack(answer.content) == (graphql_sample(server, logged, ["f"], 10), None)
    assert error(post(server, body, key="x" * 40))[0] == 401
    too_many = '"samples" must be an integer from 1 to 100000, not '
    assert error(post(server, {**body, "samples": 0})) == (400, too_many + "0")
    assert error(post(server, {**body, "samples": -3})) == (400, too_many + "-3")
    assert error(post(server, {**body, "samples": 100_001})) == (400, too_many + "100001")
    assert error(post(server, {**body, "samples": "10"})) == (400, too_many + "'10'")
    assert error(post(server, {**body, "samples": True})) == (400, too_many + "True")
    assert error(post(server, {**body, "minStep": 1.5})) == (400, '"minStep" must be an integer or null, not 1.5')
    assert error(post(server, {**body, "minStep": 10, "maxStep": 10})) == (
        400, '"maxStep" (10) is exclusive: it must be greater than "minStep" (10)')
    assert error(post(server, {**body, "xAxis": 3})) == (400, '"xAxis" must be a string')
    assert error(post(server, {**body, "limit": 5})) == (
        400, "unknown field 'limit' in the body; it takes entity, keys, maxStep, minStep, project, run, samples, xAxis")
    assert error(post(server, {**body, "xAxis": "a\u0000"}))[0] == 400
    status, message = error(post(server, {**body, "run": "no-such-run"}))
    assert status == 404 and message == "no run admin/columns/no-such-run (or no access to it)"
    run = sdk_run(server, logged)
    with pytest.raises(CommError, match="samples.*from 1 to 100000"):
        run.history(samples=100_001, pandas=False)
    for bad in [{"samples": 0}, {"samples": 2.0}, {"min_step": "5"}, {"max_step": True}, {"keys": "f"},
                {"stream": "system", "min_step": 3}, {"min_step": 50, "max_step": 50}, {"min_step": 5, "max_step": 2}]:
        with pytest.raises(UsageError):
            run.history(**{"pandas": False, **bad})

