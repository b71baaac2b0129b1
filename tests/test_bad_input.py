"""Bad input gets a clear error and loses nothing."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

import runbase
import plain_http
from conftest import Server


def init(server: Server, tmp_path: Path, **kwargs):
    settings = runbase.Settings(api_key=server.key, base_url=server.url, root_dir=str(tmp_path), quiet=True)
    return runbase.init(settings=settings, **kwargs)


@pytest.mark.parametrize("kwargs, match", [
    ({"mode": "bogus"}, "mode must be one of"),
    ({"resume": "sometimes"}, "resume must be one of"),
    ({"reinit": "maybe"}, "reinit must be one of"),
    ({"id": "a/b"}, "must not contain"),
    ({"id": "what?"}, "must not contain"),
    ({"tags": "not-a-list"}, "tags must be a list"),
    ({"tags": [1, 2]}, "tags must be a list"),
    ({"project": 42}, "project must be a string"),
    ({"config": 3.5}, "config"),
    ({"config": "/no/such/file.yaml"}, "file.yaml"),
    ({"config": {"a": 1}, "config_include_keys": ["a"], "config_exclude_keys": ["b"]}, "include"),
    ({"settings": {"no_such_setting": 1}}, "no_such_setting"),
    ({"fork_from": "abc?_step=three"}, "cannot read the run moment"),
    ({"settings": {"resume_from": "abc?_step=3", "fork_from": "abc?_step=3"}}, "cannot be used together"),
])
def test_unknown_init_argument_values(kwargs: dict, match: str, tmp_path: Path) -> None:
    kwargs.setdefault("settings", {})
    kwargs["settings"] = {"root_dir": str(tmp_path), "mode": kwargs.pop("mode", "offline"), **kwargs["settings"]}
    with pytest.raises(runbase.UsageError, match=match):
        runbase.init(**kwargs)


def test_features_not_built_say_so(tmp_path: Path) -> None:
    with pytest.raises(NotImplementedError, match="sync_tensorboard"):
        runbase.init(mode="offline", sync_tensorboard=True, dir=tmp_path)
    artifact = runbase.Artifact("table", type="dataset")
    with pytest.raises(TypeError, match="runbase data types"):
        artifact.add(object(), "table")  # only runbase's data types are stored that way


def test_bad_log_calls_lose_nothing_else(server: Server, tmp_path: Path) -> None:
    run = init(server, tmp_path, project="bad")
    run.log({"ok": 1})
    with pytest.raises(TypeError, match="keys must be strings"):
        run.log({1: 2.0})
    with pytest.raises(TypeError, match="dict"):
        run.log([("a", 1)])
    with pytest.raises(TypeError, match="object"):
        run.log({"thing": object()})
    with pytest.raises(TypeError, match="step must be an int"):
        run.log({"a": 1}, step="3")
    with pytest.raises(runbase.UsageError, match="_step"):
        run.log({"_step": 4})
    with pytest.raises(ValueError, match="limit for one step"):
        run.log({"huge": "x" * (50 * 1024 * 1024)})  # a 50 MB payload
    run.log({"ok": 2})
    run.finish()
    data = server.run(run.id, project="bad")
    assert [{k: v for k, v in json.loads(r).items() if not k.startswith("_")} for r in data["history"]] == [
        {"ok": 1}, {"ok": 2}]
    assert data["state"] == "finished"


def test_oversized_request_is_refused_with_413(server: Server) -> None:
    body = b'{"query": "' + b" " * (65 * 1024 * 1024) + b'{ viewer { username } }"}'
    response = plain_http.post(f"{server.url}/graphql", content=body, timeout=60,
                               headers={"Authorization": f"Bearer {server.key}", "Content-Type": "application/json"})
    assert response.status_code == 413


@pytest.mark.parametrize("body", [b" " * (65 * 1024 * 1024) + b"{}", b"[" * 100_000 + b"]" * 100_000],
                         ids=["oversized", "deeply-nested"])
def test_a_direct_upload_body_is_bounded_and_checked(server: Server, body: bytes) -> None:
    """POST /files/direct/uploads reads its body within RUNBASE_MAX_REQUEST_BYTES, as GraphQL does (a 65 MiB body
    was read whole: any key holder could make a server hold gigabytes), and a deeply nested one is a 400, not a
    500 (from an independent review)."""
    response = plain_http.post(f"{server.url}/files/direct/uploads", content=body, timeout=60,
                               headers={"Authorization": f"Bearer {server.key}", "Content-Type": "application/json"})
    oversized = len(body) > 64 * 1024 * 1024
    assert response.status_code == (413 if oversized else 400)
    assert ("larger than the server's limit" if oversized else "nested too deeply") in \
        response.json()["errors"][0]["message"]


def test_deeply_nested_query_is_rejected(server: Server) -> None:
    query = "{ project(name: \"p\") { " + "run(name: \"r\") { project { " * 25 + "name" + " } }" * 25 + " } }"
    result = server.graphql(query)
    assert result["data"] is None
    assert "exceeds maximum operation depth" in result["errors"][0]["message"]


def test_malformed_requests(server: Server) -> None:
    headers = {"Authorization": f"Bearer {server.key}"}
    response = plain_http.post(f"{server.url}/graphql", content=b"not json", headers=headers)
    assert response.status_code == 400 and "must be JSON" in response.text
    result = server.graphql("{ nosuchfield }")
    assert "Cannot query field 'nosuchfield'" in result["errors"][0]["message"]


def post(server: Server, body: dict) -> httpx.Response:
    return plain_http.post(f"{server.url}/graphql", json=body, headers={"Authorization": f"Bearer {server.key}"},
                           timeout=30)


def request_error(server: Server, body: dict, *words: str) -> str:
    """The one error of a request refused before anything ran: HTTP 200, no data, code BAD_USER_INPUT."""
    response = post(server, body)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert not answer.get("data") and len(answer["errors"]) == 1, answer
    [error] = answer["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and error["message"] != "Internal server error", answer
    for word in words:
        assert word in error["message"], answer
    return error["message"]


TWO_OPERATIONS = ('query Look { viewer { username } } '
                  'mutation Make { upsertBucket(input: {modelName: "two-operations", name: "r"}) { inserted } }')


def test_operation_name_picks_one_operation(server: Server) -> None:
    """The W&B public API sends operationName "": no name. Several operations need one; a name that is not
    there, or a document without operations, is a clear error instead of an internal one (HTTP 500)."""
    for name in ("", None, "Look"):
        answer = post(server, {"query": "query Look { viewer { username } }", "operationName": name}).json()
        assert answer == {"data": {"viewer": {"username": "admin"}}}, answer
    request_error(server, {"query": TWO_OPERATIONS}, "2 operations (Look, Make)", "operationName")
    request_error(server, {"query": TWO_OPERATIONS, "operationName": ""}, "operationName")
    request_error(server, {"query": "{ viewer { username } } " + TWO_OPERATIONS}, "(anonymous), Look, Make")
    assert server.run("r", project="two-operations") is None  # nothing ran, the mutation least of all
    request_error(server, {"query": TWO_OPERATIONS, "operationName": "Nope"}, "no operation named 'Nope'")
    request_error(server, {"query": "fragment F on Query { viewer { username } }"}, "no operation")
    request_error(server, {"query": ""}, "empty")
    assert post(server, {"query": TWO_OPERATIONS, "operationName": "Make"}).json() == {
        "data": {"upsertBucket": {"inserted": True}}}
    assert post(server, {"query": TWO_OPERATIONS, "operationName": "Look"}).json() == {
        "data": {"viewer": {"username": "admin"}}}
    for name in (5, ["Look"], {"name": "Look"}):
        response = post(server, {"query": TWO_OPERATIONS, "operationName": name})
        assert response.status_code == 400 and "operationName" in response.text, response.text


HISTORY_FROM = 'query($s: Int64) { project(name: "p") { run(name: "r") { history(minStep: $s) } } }'
NAMED = "query($n: String!) { project(name: $n) { name } }"


@pytest.mark.parametrize("query, variables, words", [
    (NAMED, {}, ["$n", "String!", "to be provided"]),
    (NAMED, {"n": None}, ["$n", "String!", "not to be None"]),
    (NAMED, {"n": 5}, ["$n", "String cannot represent"]),
    (NAMED, {"n": ["a"]}, ["$n", "String cannot represent"]),
    ('query($f: Int!) { project(name: "p") { runs(first: $f) { edges { node { name } } } } }', {"f": "ten"},
     ["$f", "Int cannot represent"]),
    (HISTORY_FROM, {"s": "abc"}, ["$s", "Int64 cannot represent 'abc'"]),
    (HISTORY_FROM, {"s": 1.5}, ["$s", "Int64 cannot represent 1.5"]),
    (HISTORY_FROM, {"s": 2**64}, ["$s", "Int64 cannot represent"]),
    (HISTORY_FROM, {"s": True}, ["$s", "Int64 cannot represent True"]),
    ('{ project(name: "p") { run(name: "r") { history(minStep: "abc") } } }', {}, ["Int64 cannot represent 'abc'"]),
    ('query($n: String) { project(name: "p") { run(name: $n) { name } } }', {"n": "r"}, ["$n", "String!"]),
    ("query($n: String!) { viewer { username } }", {"n": "x"}, ["$n", "never used"]),
])
def test_missing_and_mistyped_variables_are_user_errors(server: Server, query: str, variables: dict,
                                                        words: list[str]) -> None:
    """graphql-core words them; they used to reach clients as "Internal server error" (and be retried)."""
    request_error(server, {"query": query, "variables": variables}, *words)


def test_json_string_variables_take_json_values(server: Server) -> None:
    """A JSONString variable sent as JSON itself (an object) is that JSON, not Python's repr of it."""
    server.graphql('mutation { upsertBucket(input: {modelName: "json-vars", name: "r", state: "finished"}) '
                   '{ inserted } }')
    query = ('query($f: JSONString) { project(name: "json-vars") { runs(filters: $f) { edges { node { name } } } } }')
    for filters in ({"state": "finished"}, json.dumps({"state": "finished"})):
        answer = post(server, {"query": query, "variables": {"f": filters}}).json()
        assert answer["data"]["project"]["runs"]["edges"] == [{"node": {"name": "r"}}], answer


@pytest.mark.parametrize("rows, message", [
    ("not json", "not valid JSON"),
    ('{"_step": 1}', "JSON list"),
    ('[{"x": 1}]', "_step"),
    ('[{"_step": 2}, {"_step": 1}]', "increasing"),
    ('[{"_step": -1}]', "non-negative"),
    ('[{"_step": true}]', "integer"),
])
def test_bad_history_rows_are_refused_whole(server: Server, rows: str, message: str) -> None:
    server.graphql('mutation { upsertBucket(input: {modelName: "bad-rows", name: "r"}) { inserted } }')
    result = server.graphql("mutation($r: JSONString!) { logHistory(input: {projectName: \"bad-rows\", "
                            "runName: \"r\", rows: $r}) { accepted } }", {"r": rows})
    assert message in result["errors"][0]["message"]
    assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert server.run("r", project="bad-rows")["historyLineCount"] == 0


def test_bad_names_and_states(server: Server) -> None:
    result = server.graphql('mutation { upsertBucket(input: {modelName: "p", name: "a/b"}) { inserted } }')
    assert "must not contain" in result["errors"][0]["message"]
    result = server.graphql('mutation { upsertBucket(input: {modelName: "p", name: "s", state: "exploded"}) '
                            '{ inserted } }')
    assert "state must be one of" in result["errors"][0]["message"]
    result = server.graphql('mutation { upsertBucket(input: {modelName: "p", name: "c", config: "{\\"lr\\": 1}"}) '
                            '{ inserted } }')
    assert "shaped" in result["errors"][0]["message"]


@pytest.mark.parametrize("field, most", [("commit", 256), ("jobType", 256), ("groupName", 256), ("host", 256),
                                         ("displayName", 256)])
def test_run_text_longer_than_its_column_is_refused_whole(server: Server, field: str, most: int) -> None:
    """Alike on both databases (SQLite would store it, PostgreSQL fail): refused, nothing made or changed."""
    run = f"long-{field}"
    answer = server.graphql("mutation($v: String) { upsertBucket(input: {modelName: \"long\", name: \"%s\", %s: $v}) "
                            "{ inserted } }" % (run, field), {"v": "x" * (most + 1)})
    assert f"at most {most} characters" in answer["errors"][0]["message"], answer
    assert server.run(run, project="long") is None
    kept = server.graphql("mutation($v: String) { upsertBucket(input: {modelName: \"long\", name: \"%s\", %s: $v}) "
                          "{ bucket { name } } }" % (run, field), {"v": "é" * most})
    assert "errors" not in kept, kept


def test_internal_errors_are_masked(server: Server) -> None:
    """A database-level failure must not leak internals: an id that overflows the database integer."""
    result = server.graphql('mutation { deleteApiKey(input: {id: "99999999999999999999999"}) { success } }')
    message = result["errors"][0]["message"]
    assert "Traceback" not in message and "sqlalchemy" not in message.lower()


def test_no_server_running_gives_a_clear_error(tmp_path: Path) -> None:
    settings = runbase.Settings(api_key="k" * 40, base_url="http://127.0.0.1:9", root_dir=str(tmp_path),
                                init_timeout=2)
    with pytest.raises(runbase.CommError, match="cannot reach the runbase server"):
        runbase.init(project="x", settings=settings)
