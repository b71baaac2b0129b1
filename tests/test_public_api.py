"""The Public API (runbase.Api) against a real server, as analysts use it."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import textwrap
from functools import partial
from pathlib import Path
from typing import Any

import pytest

import runbase as wandb
import plain_http
from conftest import Server

UPSERT = ("mutation($i: UpsertBucketInput!) { upsertBucket(input: $i) { inserted } }")


def make_runs(server: Server, project: str, docs: list[dict[str, Any]], key: str | None = None) -> None:
    """Create runs straight through GraphQL (fast), each doc: name, config, summary, tags, state..."""
    with plain_http.Client(headers={"Authorization": f"Bearer {key or server.key}"}, timeout=60) as client:
        for doc in docs:
            fields = {"modelName": project, "name": doc["name"],
                      "config": json.dumps({k: {"value": v} for k, v in doc.get("config", {}).items()}),
                      "summaryMetrics": json.dumps(doc.get("summary", {})), "tags": doc.get("tags", [])}
            for field in ("displayName", "state", "groupName", "jobType", "notes", "entityName"):
                if field in doc:
                    fields[field] = doc[field]
            result = client.post(f"{server.url}/graphql", json={"query": UPSERT, "variables": {"i": fields}}).json()
            assert "errors" not in result, result


def api_for(server: Server, key: str | None = None) -> wandb.Api:
    return wandb.Api(overrides={"base_url": server.url}, api_key=key or server.key)


@pytest.fixture(scope="module")
def reference_project(server: Server) -> str:
    make_runs(server, "reference", [
        {"name": "r1", "displayName": "foo-one", "config": {"experiment_name": "foo"}, "summary": {"loss": 0.5}},
        {"name": "r2", "displayName": "bar-two", "config": {"experiment_name": "bar"}, "summary": {"loss": 0.1}},
        {"name": "r3", "displayName": "baz-foo", "config": {"experiment_name": "baz"}, "summary": {"loss": 0.9}},
        {"name": "r4", "displayName": "qux", "config": {"experiment_name": "qux"}, "summary": {"loss": 0.3},
         "state": "finished"},
    ])
    rows = json.dumps([{"_step": 0, "loss": 0.5}, {"_step": 1, "loss": 0.25}])
    result = server.graphql('mutation($r: JSONString!) { logHistory(input: {projectName: "reference", '
                            'runName: "r1", rows: $r}) { accepted } }', {"r": rows})
    assert result["data"]["logHistory"]["accepted"] == 2
    return "reference"


def names(runs: Any) -> list[str]:
    return [run.id for run in runs]


def test_every_example_of_the_reference_api_runs_docstring(server: Server, reference_project: str) -> None:
    api = api_for(server)
    path = f"admin/{reference_project}"
    assert names(api.runs(path=path, filters={"config.experiment_name": "foo"})) == ["r1"]
    assert sorted(names(api.runs(path=path, filters={"$or": [{"config.experiment_name": "foo"},
                                                             {"config.experiment_name": "bar"}]}))) == ["r1", "r2"]
    assert sorted(names(api.runs(path=path, filters={"config.experiment_name": {"$regex": "b.*"}}))) == ["r2", "r3"]
    assert names(api.runs(path=path, filters={"display_name": {"$regex": "^foo.*"}})) == ["r1"]
    assert names(api.runs(path=path, order="+summary_metrics.loss")) == ["r2", "r4", "r1", "r3"]


def test_runs_filters_order_len_and_indexing(server: Server, reference_project: str) -> None:
    api = api_for(server)
    runs = api.runs(f"admin/{reference_project}", filters={"summary_metrics.loss": {"$gte": 0.3}},
                    order="-summary_metrics.loss", per_page=2)
    assert len(runs) == 3 and not runs.objects  # counted on the server, nothing fetched
    assert runs[0].id == "r3" and runs[2].id == "r4"
    assert [r.id for r in runs[0:2]] == ["r3", "r1"]
    assert names(runs) == ["r3", "r1", "r4"]
    assert names(api.runs(f"admin/{reference_project}", filters={"state": "finished"})) == ["r4"]
    with pytest.raises(wandb.CommError, match=r"\$where"):
        list(api.runs(f"admin/{reference_project}", filters={"$where": "sleep(1000)"}))


@pytest.mark.parametrize("order", ["+config.bucket.value", "-config.bucket", "+summary_metrics.score",
                                   "-summary_metrics.score", "+created_at", "-created_at"])
def test_pagination_visits_every_run_once_in_order(server: Server, order: str) -> None:
    project = "paged"
    api = api_for(server)
    try:
        exists = bool(api.runs(f"admin/{project}", per_page=1))
    except ValueError:  # no such project yet
        exists = False
    if not exists:
        make_runs(server, project, [{"name": f"run{i:04d}", "config": {"bucket": i % 7},
                                     "summary": {"score": (i * 37) % 100}} for i in range(1234)])
    runs = list(api.runs(f"admin/{project}", order=order, per_page=50))
    assert len(runs) == 1234 and len({r.id for r in runs}) == 1234
    field = order[1:]
    if field != "created_at":
        values = [r.config["bucket"] if "bucket" in field else r.summary["score"] for r in runs]
        assert values == sorted(values, reverse=order.startswith("-"))


def test_public_run_attributes_and_updates(server: Server, tmp_path: Path) -> None:
    settings = wandb.Settings(api_key=server.key, base_url=server.url, root_dir=str(tmp_path), quiet=True)
    with wandb.init(project="public", config={"lr": 0.1}, tags=["a"], notes="first", group="g",
                    job_type="train", settings=settings) as logged:
        for i in range(10):
            logged.log({"loss": 1 / (i + 1)})
    api = api_for(server)
    run = api.run(f"admin/public/{logged.id}")
    assert run.id == logged.id and run.name == logged.name and run.state == "finished"
    assert run.config == {"lr": 0.1} and run.tags == ["a"] and run.notes == "first"
    assert run.group == "g" and run.job_type == "train" and run.user == "admin"
    assert run.path == ["admin", "public", logged.id] and run.lastHistoryStep == 9
    assert run.summary["loss"] == 0.1 and not run.read_only and run.created_at
    assert run.history_keys["keys"]["loss"]["typeCounts"][0]["count"] == 10
    assert run.url.endswith(f"/admin/public/runs/{logged.id}")
    run.tags.append("b")
    run.notes = "second"
    run.name = "renamed"
    run.config["layers"] = 3
    run.update()
    run.summary.update({"best": 0.01})
    api.flush()
    again = api.run(f"public/{logged.id}")  # entity from the viewer
    assert again.tags == ["a", "b"] and again.notes == "second" and again.name == "renamed"
    assert again.config == {"lr": 0.1, "layers": 3} and again.summary["best"] == 0.01
    again.wait_until_finished()
    again.delete()
    with pytest.raises(ValueError, match="no run"):
        again.load(force=True)


def test_a_page_of_runs_reads_tricky_values_as_the_server_sent_them(server: Server) -> None:
    """Runs from a page parse config and summary on first read: NaN, infinities, big integers, unicode and
    dotted keys and nested dicts come out as one run loaded alone and as the raw GraphQL text give them."""
    config = {"nan": math.nan, "inf": math.inf, "big": 2**63, "ünï.cödé": "✓", "a.b": {"c.d": [1, math.nan]}}
    summary = {"nan": math.nan, "-inf": -math.inf, "big": 2**63 + 1, "huge": -(2**70),
               "ключ": {"x.y": {"z": [math.inf]}}, "none": None}
    ordered = partial(json.dumps, sort_keys=True)  # PostgreSQL keeps no key order; NaN equals NaN as text
    make_runs(server, "tricky", [{"name": "t1", "config": config, "summary": summary}])
    raw = server.graphql('{ project(name: "tricky") { run(name: "t1") { config summaryMetrics } } }')
    sent = raw["data"]["project"]["run"]
    api = api_for(server)
    paged, alone = api.runs("admin/tricky")[0], api.run("admin/tricky/t1")
    for run in (paged, alone):
        assert ordered(run.config) == ordered(config) and ordered(run.summary) == ordered(summary)
        assert json.dumps(run.rawconfig) == json.dumps(json.loads(sent["config"]))
        assert json.dumps(dict(run.summary)) == json.dumps(json.loads(sent["summaryMetrics"]))
        assert run.summary["big"] == 2**63 + 1 and isinstance(run.summary["big"], int)
    paged.config["added"] = 1  # an edit after a lazy read persists like any other
    paged.update()
    api.flush()
    assert ordered(api.run("admin/tricky/t1").config) == ordered({**config, "added": 1})


RUN_FIELDS = ("id name displayName state config summaryMetrics tags group jobType notes host exitCode createdAt "
              "heartbeatAt finishedAt historyLineCount lastHistoryStep historyKeys readOnly systemMetrics sweepName "
              "user { username } project { name entityName }")


def test_nodes_text_holds_what_the_fields_of_each_run_give(server: Server, tmp_path: Path) -> None:
    """RunConnection.nodesText (the SDK's page of runs in one field) equals the same fields asked one by one, for a
    logged run (history, times, user) and runs with tricky values, tags, group and notes; and the SDK's runs from
    a page carry the attributes of the run loaded alone."""
    settings = wandb.Settings(api_key=server.key, base_url=server.url, root_dir=str(tmp_path), quiet=True)
    with wandb.init(project="nodes-text", config={"lr": 0.1}, tags=["a"], settings=settings) as logged:
        logged.log({"loss": 0.5})
    make_runs(server, "nodes-text", [
        {"name": "tricky", "config": {"nan": math.nan, "big": 2**70, "ü": {"a.b": [math.inf]}},
         "summary": {"-inf": -math.inf, "none": None, "big": -(2**64)}, "tags": ["x", "y"], "groupName": "g",
         "jobType": "eval", "notes": "ñ\n\"quoted\"", "displayName": "shown", "state": "crashed"},
        {"name": "bare"},
    ])
    found = server.graphql('{ project(name: "nodes-text") { runs(order: "+name") { nodesText '
                           'edges { node { %s } } } } }' % RUN_FIELDS)["data"]["project"]["runs"]
    nodes = [edge["node"] for edge in found["edges"]]
    assert len(nodes) == 3 and json.loads(found["nodesText"]) == nodes
    api = api_for(server)
    for run in api.runs("admin/nodes-text", order="+name"):
        assert run._attrs == api.run(f"admin/nodes-text/{run.id}")._attrs


def test_summary_none_is_kept_and_update_persists_other_edits(server: Server) -> None:
    """Run.summary keeps a key set to None (W&B keeps null); deleting removes it; run.update() also persists
    edits made around the summary's own methods (pop, a nested value)."""
    make_runs(server, "summary-null", [{"name": "s1", "summary": {"acc": 0.5, "loss": 1.0, "gone": 1, "old": 2,
                                                                  "nested": {"a": 1}}}])
    api = api_for(server)
    run = api.run("admin/summary-null/s1")
    run.summary.update({"acc": None})
    run.summary["loss"] = None
    del run.summary["gone"]
    again = api.run("admin/summary-null/s1")
    assert again.summary == {"acc": None, "loss": None, "old": 2, "nested": {"a": 1}}
    assert "acc" in again.summary and again.summary["acc"] is None
    again.summary.pop("old")
    again.summary["nested"]["b"] = None
    dict.__setitem__(again.summary, "added", None)  # what a dict method other than update() would do
    again.notes = "edited"
    again.update()
    third = api.run("admin/summary-null/s1")
    assert third.summary == {"acc": None, "loss": None, "nested": {"a": 1, "b": None}, "added": None}
    assert third.notes == "edited"
    with pytest.raises(TypeError):
        third.summary.update({"bad": object()})  # refused before anything changed
    assert "bad" not in third.summary
    both = server.graphql("mutation($i: UpsertBucketInput!) { upsertBucket(input: $i) { inserted } }", {"i": {
        "modelName": "summary-null", "name": "s1", "summaryMetrics": '{"acc": 1}', "removeSummaryKeys": ["acc"]}})
    assert both["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT" and "both" in both["errors"][0]["message"]
    assert api.run("admin/summary-null/s1").summary == third.summary


def test_projects_and_create(server: Server) -> None:
    api = api_for(server)
    project = api.create_project("made-by-api")
    assert project.name == "made-by-api" and project.entity == "admin"
    assert "made-by-api" in [p.name for p in api.projects()]
    run = api.create_run(project="made-by-api", run_id="created")
    assert api.run("admin/made-by-api/created").state == "running" and run.id == "created"
    assert isinstance(api.from_path("admin/made-by-api"), wandb.apis.public.Project)
    assert api.from_path("admin/made-by-api/runs/created").id == "created"
    assert api.viewer.username == "admin" and api.default_entity == "admin"


def test_another_user_cannot_see_a_private_project(server: Server) -> None:
    key_a = server.create_user("analyst-a")
    key_b = server.create_user("analyst-b")
    make_runs(server, "secret", [{"name": "s1", "entityName": "analyst-a"}], key=key_a)
    assert names(api_for(server, key_a).runs("analyst-a/secret")) == ["s1"]
    api_b = api_for(server, key_b)
    with pytest.raises(ValueError, match="no project"):
        list(api_b.runs("analyst-a/secret"))
    with pytest.raises(ValueError, match="no run"):
        api_b.run("analyst-a/secret/s1")
    assert "secret" not in [p.name for p in api_b.projects("analyst-a")]


def test_history_sample_is_deterministic_and_keeps_extremes(server: Server, tmp_path: Path) -> None:
    settings = wandb.Settings(api_key=server.key, base_url=server.url, root_dir=str(tmp_path), quiet=True)
    with wandb.init(project="hist", settings=settings) as logged:
        for i in range(20_000):
            value = math.sin(i / 500)
            if i == 7_777:
                value = 50.0  # a spike a sampler must not miss
            if i == 12_345:
                value = -50.0
            logged.log({"loss": value, "other": i})
    run = api_for(server).run(f"admin/hist/{logged.id}")
    first = run.history(samples=100, keys=["loss"], pandas=False)
    assert first == run.history(samples=100, keys=["loss"], pandas=False)
    assert len(first) <= 100
    steps = [row["_step"] for row in first]
    assert steps[0] == 0 and steps[-1] == 19_999 and 7_777 in steps and 12_345 in steps
    assert all(set(row) <= {"_step", "loss"} for row in first)


def test_scan_history_returns_every_row(server: Server, tmp_path: Path) -> None:
    settings = wandb.Settings(api_key=server.key, base_url=server.url, root_dir=str(tmp_path), quiet=True)
    with wandb.init(project="hist", settings=settings) as logged:
        for i in range(200_000):
            logged.log({"loss": i * 0.5} if i % 3 else {"loss": i * 0.5, "every3": i}, step=1000 + i)
    run = api_for(server).run(f"admin/hist/{logged.id}")
    rows = list(run.scan_history(keys=["loss"], page_size=10_000))
    assert len(rows) == 200_000
    assert all(row["_step"] == 1000 + i and row["loss"] == i * 0.5 for i, row in enumerate(rows))
    sparse = list(run.scan_history(keys=["every3"], page_size=777, min_step=1000, max_step=2000))
    assert [row["every3"] for row in sparse] == list(range(0, 1000, 3))
    # max_step is exclusive (W&B's [min_step, max_step)): consecutive windows share no row at their edge
    windows = [[row["_step"] for row in run.scan_history(keys=["every3"], page_size=2, min_step=low, max_step=low + 6)]
               for low in (1003, 1009)]
    assert windows == [[1003, 1006], [1009, 1012]]


def test_runs_histories_in_one_request_per_page(server: Server, tmp_path: Path) -> None:
    settings = wandb.Settings(api_key=server.key, base_url=server.url, root_dir=str(tmp_path), quiet=True)
    ids = []
    for r in range(3):
        with wandb.init(project="histories", settings=settings, config={"r": r}, reinit="create_new") as logged:
            for i in range(50):
                logged.log({"acc": r + i / 100})
        ids.append(logged.id)
    rows = api_for(server).runs("admin/histories").histories(samples=10, keys=["acc"])
    assert {row["run_id"] for row in rows} == set(ids)
    assert all(len([r for r in rows if r["run_id"] == i]) == 10 for i in ids)
    pandas = pytest.importorskip("pandas")
    frame = api_for(server).runs("admin/histories").histories(samples=10, keys=["acc"], format="pandas")
    assert isinstance(frame, pandas.DataFrame) and len(frame) == 30


def test_pandas_is_optional(server: Server, reference_project: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "pandas", None)
    run = api_for(server).run(f"admin/{reference_project}/r2")
    with pytest.raises(wandb.UsageError, match="pandas is not installed"):
        run.history()
    assert run.history(pandas=False) == []


def test_raw_graphql_from_nodejs(server: Server, reference_project: str, tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the raw-GraphQL client test needs Node.js")
    script = tmp_path / "client.mjs"
    script.write_text(textwrap.dedent("""
        const [url, key] = process.argv.slice(2);
        async function gql(query, variables) {
          const response = await fetch(url + "/graphql", {method: "POST",
            headers: {"Content-Type": "application/json", "Authorization": "Bearer " + key},
            body: JSON.stringify({query, variables})});
          const body = await response.json();
          if (body.errors) throw new Error(JSON.stringify(body.errors));
          return body.data;
        }
        const runs = await gql(`query($f: JSONString) { project(name: "reference") {
            runs(filters: $f, order: "-summary_metrics.loss") { edges { node { name summaryMetrics } } } } }`,
          {f: JSON.stringify({"summary_metrics.loss": {"$lt": 0.6}})});
        const names = runs.project.runs.edges.map(e => e.node.name);
        const history = await gql(`{ project(name: "reference") { run(name: "r1") {
            historyPage(limit: 10) { rows nextStep } } } }`);
        console.log(JSON.stringify({names, rows: JSON.parse(history.project.run.historyPage.rows)}));
    """))
    result = subprocess.run([node, str(script), server.url, server.key], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer == {"names": ["r1", "r4", "r2"], "rows": [{"_step": 0, "loss": 0.5}, {"_step": 1, "loss": 0.25}]}


def test_users_keys_and_teams(server: Server, tmp_path: Path) -> None:
    admin = api_for(server)
    user = admin.create_user("dana@example.com")
    assert user.username == "dana" and user.email == "dana@example.com" and not user.admin
    assert [u.username for u in admin.users("dana")] == ["dana"]
    assert [u.username for u in admin.users("example.com")][:1] == ["dana"]
    key = user.generate_api_key("laptop")
    dana = api_for(server, key)
    assert dana.viewer.username == "dana" and len(dana.viewer.api_keys) == 1
    with pytest.raises(wandb.CommError, match="only admins"):
        dana.users("a")

    team = dana.create_team("vision-team")
    assert [(m.username, m.role) for m in team.members] == [("dana", "admin")]
    admin.create_user("eve@example.com")
    assert team.invite("eve") is True and team.invite("eve") is False and team.invite("nobody-here") is False
    assert {m.username: m.role for m in team.members} == {"dana": "admin", "eve": "member"}
    eve_key = admin.user("eve").generate_api_key()
    eve = api_for(server, eve_key)
    with pytest.raises(wandb.CommError, match="only admins of team"):
        eve.team("vision-team").invite("admin")
    # a member logs to the team's entity
    settings = wandb.Settings(api_key=eve_key, base_url=server.url, root_dir=str(tmp_path), quiet=True)
    with wandb.init(entity="vision-team", project="shared", settings=settings) as run:
        run.log({"x": 1})
    assert dana.run(f"vision-team/shared/{run.id}").user == "eve"
    [member] = [m for m in team.members if m.username == "eve"]
    assert member.delete()
    with pytest.raises(wandb.CommError, match="cannot write"):
        wandb.init(entity="vision-team", project="shared", settings=settings)
    # and keys can be revoked by name
    viewer = dana.viewer
    assert viewer.delete_api_key(viewer.api_keys[0])
    with pytest.raises(wandb.AuthenticationError):
        api_for(server, key).viewer
