"""The runs table beyond slice 1: the server's new orders (name, display name, state) and its groups of runs
by a config value (Project.runGroups), on both databases; then in Chromium, the filter builder writing the
filter the API answers, tags, notes and names edited in place, runs deleted, groups opened, and runs compared
on overlaid charts with their config and summary side by side."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import Server

RUNS_OF = """query($p: String!, $f: JSONString, $o: String) { project(name: $p) {
    runs(filters: $f, order: $o, first: 1000) { edges { node { name displayName state } } } } }"""
GROUPS = """query($p: String!, $k: String!, $f: JSONString, $n: Int) { project(name: $p) {
    runGroups(key: $k, filters: $f, first: $n) { groups { value count } hasMore } } }"""
COUNT = "query($p: String!, $f: JSONString) { project(name: $p) { runCount(filters: $f) } }"


def _data(server: Server, query: str, variables: dict[str, Any]) -> Any:
    answer = server.graphql(query, variables)
    assert "errors" not in answer, answer
    return answer["data"]["project"]


@pytest.fixture(scope="module")
def grouped(server: Server) -> str:
    """A project whose runs' `opt` config is a string, a number, a boolean, a list, null or missing."""
    project = f"groups-{server.port}"
    values: list[Any] = ["adam", "adam", "sgd", 1, 1.0, True, ["p", "q"], None, {"a": 1}]
    mutations = []
    for i, value in enumerate(values + ["missing"]):
        config = {"seed": {"value": i}} if value == "missing" else {"opt": {"value": value}, "seed": {"value": i}}
        state = ("running", "finished", "failed")[i % 3]
        name = "" if i % 4 == 0 else f', displayName: "{chr(ord("z") - i)}-run"'
        mutations.append(f'r{i}: upsertBucket(input: {{modelName: "{project}", name: "g{i:02d}", state: "{state}", '
                         f'config: {json.dumps(json.dumps(config))}{name}}}) {{ inserted }}')
    answer = server.graphql("mutation { " + " ".join(mutations) + " }")
    assert "errors" not in answer, answer
    return project


@pytest.mark.parametrize("order", ["name", "-name", "display_name", "-displayName", "state", "-state"])
def test_runs_sort_by_name_display_name_and_state(server: Server, grouped: str, order: str) -> None:
    nodes = [e["node"] for e in _data(server, RUNS_OF, {"p": grouped, "o": order})["runs"]["edges"]]
    field = order.lstrip("+-")
    def key(node: dict[str, Any]) -> tuple[str, str]:
        value = {"name": node["name"], "state": node["state"]}.get(field, node["displayName"] or node["name"])
        return value, node["name"]  # the server breaks ties by creation, which here is the name's order
    assert [n["name"] for n in nodes] == [n["name"] for n in sorted(nodes, key=key, reverse=order.startswith("-"))]


def test_groups_by_a_config_value_count_what_the_filters_find(server: Server, grouped: str) -> None:
    answer = _data(server, GROUPS, {"p": grouped, "k": "opt"})["runGroups"]
    def shown(value: Any) -> str:  # 1 and 1.0 are one group, written either way
        return json.dumps(int(value) if isinstance(value, float) and value.is_integer() else value, sort_keys=True)
    groups = {shown(json.loads(g["value"])): g["count"] for g in answer["groups"]}
    assert groups == {'"adam"': 2, '"sgd"': 1, "1": 2, "true": 1, '["p", "q"]': 1, "null": 2, '{"a": 1}': 1}
    assert not answer["hasMore"]
    counts = [g["count"] for g in answer["groups"]]
    assert counts == sorted(counts, reverse=True)
    for group in answer["groups"]:
        value = json.loads(group["value"])
        if isinstance(value, list):
            continue  # the group of a whole list; its filter also finds lists holding it, by MongoDB's rules
        found = _data(server, COUNT, {"p": grouped, "f": json.dumps({"config.opt": value})})["runCount"]
        assert found == group["count"], group


def test_groups_follow_the_filter_and_are_bounded(server: Server, grouped: str) -> None:
    within = json.dumps({"state": "finished"})
    answer = _data(server, GROUPS, {"p": grouped, "k": "opt.value", "f": within})["runGroups"]
    total = _data(server, COUNT, {"p": grouped, "f": within})["runCount"]
    assert sum(g["count"] for g in answer["groups"]) == total
    first = _data(server, GROUPS, {"p": grouped, "k": "opt", "n": 2})["runGroups"]
    assert len(first["groups"]) == 2 and first["hasMore"]
    seeds = _data(server, GROUPS, {"p": grouped, "k": "seed", "n": 1000})["runGroups"]
    assert len(seeds["groups"]) == 10 and all(g["count"] == 1 for g in seeds["groups"])


@pytest.mark.parametrize(("variables", "message"), [
    ({"k": "opt..x"}, "empty key"),
    ({"k": "opt", "n": 5000}, "first must be"),
    ({"k": "opt", "f": "{not json"}, "filters"),
])
def test_bad_group_requests_are_refused_clearly(server: Server, grouped: str, variables: dict[str, Any],
                                                message: str) -> None:
    answer = server.graphql(GROUPS, {"p": grouped, **variables})
    assert message in answer["errors"][0]["message"], answer
