"""Bad input gets a clear error and loses nothing."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

import runbase
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
])
def test_unknown_init_argument_values(kwargs: dict, match: str, tmp_path: Path) -> None:
    kwargs.setdefault("settings", {})
    kwargs["settings"] = {"root_dir": str(tmp_path), "mode": kwargs.pop("mode", "offline"), **kwargs["settings"]}
    with pytest.raises(runbase.UsageError, match=match):
        runbase.init(**kwargs)


def test_features_not_built_say_so(tmp_path: Path) -> None:
    with pytest.raises(NotImplementedError, match="fork_from"):
        runbase.init(mode="offline", fork_from="abc?_step=3", dir=tmp_path)
    artifact = runbase.Artifact("table", type="dataset")
    with pytest.raises(NotImplementedError, match="data objects"):
        artifact.add(object(), "table")


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
    response = httpx.post(f"{server.url}/graphql", content=body, timeout=60,
                          headers={"Authorization": f"Bearer {server.key}", "Content-Type": "application/json"})
    assert response.status_code == 413
    assert "larger than the server's limit" in response.json()["errors"][0]["message"]


def test_deeply_nested_query_is_rejected(server: Server) -> None:
    query = "{ project(name: \"p\") { " + "run(name: \"r\") { project { " * 25 + "name" + " } }" * 25 + " } }"
    result = server.graphql(query)
    assert result["data"] is None
    assert "exceeds maximum operation depth" in result["errors"][0]["message"]


def test_malformed_requests(server: Server) -> None:
    headers = {"Authorization": f"Bearer {server.key}"}
    response = httpx.post(f"{server.url}/graphql", content=b"not json", headers=headers)
    assert response.status_code == 400 and "must be JSON" in response.text
    result = server.graphql("{ nosuchfield }")
    assert "Cannot query field 'nosuchfield'" in result["errors"][0]["message"]


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
