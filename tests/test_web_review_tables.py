"""What a review of the web app's tables found, each fixed and kept fixed: on both databases, the server's
groups of runs by state and by tag (Project.runGroups `by`) and the project's config and summary keys
(Project.runKeys); then in Chromium, tags and notes edited without loss, artifact tags named latest kept, keys
with a dot offered only where they work, groups by state and tags, Previous after a reload, the project's keys
offered beyond the page, compare charting keys only some runs have, automation payloads per event type, long
names kept inside the window, and errors and sessions recovered from."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import Server

GROUPS = """query($p: String!, $k: String, $f: JSONString, $n: Int, $by: String) { project(name: $p) {
    runGroups(key: $k, filters: $f, first: $n, by: $by) { groups { value count } hasMore } } }"""
COUNT = "query($p: String!, $f: JSONString) { project(name: $p) { runCount(filters: $f) } }"
KEYS = """query($p: String!, $n: Int) { project(name: $p) { runKeys(first: $n) { config summary hasMore } } }"""


def _data(server: Server, query: str, variables: dict[str, Any]) -> Any:
    answer = server.graphql(query, variables)
    assert "errors" not in answer, answer
    return answer["data"]["project"]


def _make_runs(server: Server, project: str, runs: list[dict[str, Any]]) -> None:
    mutations = []
    for i, run in enumerate(runs):
        fields = [f'modelName: "{project}"', f'name: "{run["name"]}"']
        if "state" in run:
            fields.append(f'state: "{run["state"]}"')
        if "tags" in run:
            fields.append(f"tags: {json.dumps(run['tags'])}")
        if "config" in run:
            config = {key: {"value": value} for key, value in run["config"].items()}
            fields.append(f"config: {json.dumps(json.dumps(config))}")
        if "summary" in run:
            fields.append(f"summaryMetrics: {json.dumps(json.dumps(run['summary']))}")
        mutations.append(f"r{i}: upsertBucket(input: {{{', '.join(fields)}}}) {{ inserted }}")
    answer = server.graphql("mutation { " + " ".join(mutations) + " }")
    assert "errors" not in answer, answer


@pytest.fixture(scope="module")
def tagged(server: Server) -> str:
    project = f"tagged-{server.port}"
    _make_runs(server, project, [
        {"name": "a", "state": "finished", "tags": ["x", "lr=0.1,bs=32"]},
        {"name": "b", "state": "finished", "tags": ["x"]},
        {"name": "c", "state": "failed", "tags": []},
        {"name": "d", "state": "running", "tags": ["y", "x"]},
    ])
    return project


def test_groups_by_state_count_what_the_state_filter_finds(server: Server, tagged: str) -> None:
    answer = _data(server, GROUPS, {"p": tagged, "by": "state"})["runGroups"]
    groups = {json.loads(g["value"]): g["count"] for g in answer["groups"]}
    assert groups == {"finished": 2, "failed": 1, "running": 1}
    assert answer["groups"][0] == {"value": '"finished"', "count": 2}
    for state, count in groups.items():
        assert _data(server, COUNT, {"p": tagged, "f": json.dumps({"state": state})})["runCount"] == count


def test_groups_by_tag_put_a_run_under_each_of_its_tags(server: Server, tagged: str) -> None:
    answer = _data(server, GROUPS, {"p": tagged, "by": "tags"})["runGroups"]
    groups = {json.loads(g["value"]): g["count"] for g in answer["groups"]}
    assert groups == {"x": 3, "y": 1, "lr=0.1,bs=32": 1, None: 1}
    assert answer["groups"][0] == {"value": '"x"', "count": 3} and not answer["hasMore"]
    for tag, count in groups.items():
        found = {"tags": {"$size": 0}} if tag is None else {"tags": tag}
        assert _data(server, COUNT, {"p": tagged, "f": json.dumps(found)})["runCount"] == count, tag
    within = _data(server, GROUPS, {"p": tagged, "by": "tags", "f": json.dumps({"state": "finished"}), "n": 1})
    assert within["runGroups"] == {"groups": [{"value": '"x"', "count": 2}], "hasMore": True}


@pytest.mark.parametrize(("variables", "message"), [
    ({"by": "owner"}, "not 'owner'"),
    ({"by": "config"}, "needs the config key"),
    ({}, "needs the config key"),
])
def test_bad_groupings_are_refused_clearly(server: Server, tagged: str, variables: dict[str, Any],
                                          message: str) -> None:
    answer = server.graphql(GROUPS, {"p": tagged, **variables})
    assert message in answer["errors"][0]["message"], answer


def test_run_keys_list_every_runs_keys_bounded(server: Server) -> None:
    project = f"keys-{server.port}"
    long_key = "k" * 250
    _make_runs(server, project, [
        {"name": f"r{i}", "config": {f"c{i:02d}": i, "a.b": "dotted", "shared": [1, 2]}, "summary": {f"m{i:02d}": 0.5}}
        for i in range(12)
    ] + [{"name": "odd", "config": {long_key: 1, "flag": True}, "summary": {"text": "hi"}}])
    keys = _data(server, KEYS, {"p": project})["runKeys"]
    assert sorted(keys["config"]) == sorted(["a.b", "shared", *(f"c{i:02d}" for i in range(12))])
    assert sorted(keys["summary"]) == sorted(["text", *(f"m{i:02d}" for i in range(12))])
    assert not keys["hasMore"]
    cut = _data(server, KEYS, {"p": project, "n": 5})["runKeys"]
    assert len(cut["config"]) == 5 and len(cut["summary"]) == 5 and cut["hasMore"]
    assert set(cut["config"]) <= set(keys["config"])
    deleted = server.graphql(f'mutation {{ deleteRun(input: {{projectName: "{project}", runName: "r0"}}) '
                             "{ success } }")
    assert "errors" not in deleted, deleted
    after = _data(server, KEYS, {"p": project})["runKeys"]
    assert "c00" not in after["config"] and "m00" not in after["summary"]
    refused = server.graphql(KEYS, {"p": project, "n": 5000})
    assert "first must be" in refused["errors"][0]["message"]
