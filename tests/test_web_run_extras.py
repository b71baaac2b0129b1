"""The run page's define_metric axes, settings in the URL, artifacts and paged files, in Debian's Chromium: a chart
of a metric with a step metric drawn against it (as the SDK and W&B's own client record the definitions in the
config's `_wandb.m`), a hidden metric without a chart, an explicit x axis over all charts, a zoom on a step-metric
axis loading the steps in view; the x axis, smoothing and log scale kept in the URL (reopened, back button, bad
values ignored); the versions a run logged and used, each linking to its page; 1,005 files paged by cursor; a
running run stopped from its page (a writer's Stop button, after a confirmation), which its SDK script obeys."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import plain_http
from browser import browser, chart_data, page, sdk_output, shot, signed_in_context, web_server, zoom
from conftest import Server, label_names, sdk_environment

__all__ = ["browser", "page", "web_server"]  # fixtures, used by name
PROJECT = "extras"
STEPS = 60
LONG_STEPS = 3000
FILES = 1005
SCRIPT = """
import os, tempfile, runbase
here = tempfile.mkdtemp()
for name, text in (("corpus.txt", "the corpus"), ("weights.bin", "some weights!")):
    with open(os.path.join(here, name), "w") as f:
        f.write(text)
with runbase.init(project=%(project)r, job_type="prep") as prep:
    corpus = runbase.Artifact("corpus", type="dataset")
    corpus.add_file(os.path.join(here, "corpus.txt"))
    prep.log_artifact(corpus)

run = runbase.init(project=%(project)r)
run.define_metric("epoch")
run.define_metric("val/*", step_metric="epoch")
run.define_metric("secret", hidden=True)
run.use_artifact("corpus:latest")
for i in range(%(steps)d):
    row = {"train/loss": 1 / (i + 1), "secret": i %% 7}
    if i %% 10 == 9:
        row.update({"val/loss": 2.0 / (i + 1), "epoch": i // 10})
    elif i %% 10 == 4 and i > 10:
        row["val/acc"] = i / 100  # no epoch in the row: the SDK adds the last one (step_sync)
    run.log(row)
weights = runbase.Artifact("weights", type="model")
weights.add_file(os.path.join(here, "weights.bin"))
run.log_artifact(weights, aliases=["best"])
print("RUN", run.id)
run.finish()

with runbase.init(project=%(project)r) as long:
    long.define_metric("val/*", step_metric="epoch")
    for i in range(%(long_steps)d):
        long.log({"val/loss": 1 / (i + 1) + (i %% 13) / 100, "epoch": i / 100})
    print("LONG", long.id)
""" % {"project": PROJECT, "steps": STEPS, "long_steps": LONG_STEPS}


@pytest.fixture(scope="module")
def logged(web_server: Server, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    output = sdk_output(web_server, tmp_path_factory, SCRIPT)
    found = {name: re.search(rf"^{name} (\S+)$", output, re.M) for name in ("RUN", "LONG")}
    assert all(found.values()), output
    ids = {name: match.group(1) for name, match in found.items() if match}
    run = web_server.run(ids["RUN"], project=PROJECT)
    assert run is not None
    return {"id": ids["RUN"], "long": ids["LONG"], "rows": [json.loads(row) for row in run["history"]]}


@pytest.fixture(scope="module")
def context(browser: Any, web_server: Server, logged: dict[str, Any]) -> Iterator[Any]:
    ctx = signed_in_context(browser, web_server, f"/admin/{PROJECT}")
    yield ctx
    ctx.close()


def _open(page: Any, server: Server, run: str, query: str = "", chart: str = "train/loss") -> None:
    page.goto(f"{server.url}/admin/{PROJECT}/runs/{run}{query}")
    chart_data(page, chart)


def _x_label(page: Any, key: str) -> str:
    return str(page.eval_on_selector(f'.chart[data-key="{key}"]', "e => e.uplot.series[0].label"))


def _wait_label(page: Any, key: str, label: str) -> None:
    page.wait_for_function("([k, l]) => document.querySelector(`.chart[data-key=\"${k}\"]`)?.uplot?.series[0].label "
                           "=== l", arg=[key, label])


def _against(rows: list[dict[str, Any]], key: str, x: str) -> list[list[float]]:
    return [[row[x] for row in rows if key in row], [row[key] for row in rows if key in row]]


def test_a_metric_is_drawn_against_its_step_metric_and_a_hidden_one_not_at_all(
        page: Any, web_server: Server, logged: dict[str, Any]) -> None:
    rows = logged["rows"]
    _open(page, web_server, logged["id"])
    xs, ys = chart_data(page, "val/loss")
    assert [xs, ys] == _against(rows, "val/loss", "epoch") and xs == [0, 1, 2, 3, 4, 5]  # the logged epochs
    assert _x_label(page, "val/loss") == "epoch"
    xs, _ = chart_data(page, "val/acc")  # "val/*" matched it; the SDK synced each row to the last epoch
    assert xs == [row["epoch"] for row in rows if "val/acc" in row] == [0, 1, 2, 3, 4]
    assert chart_data(page, "train/loss") == _against(rows, "train/loss", "_step")  # no step metric of its own
    assert _x_label(page, "train/loss") == "Step"
    assert page.locator('.chart[data-key="secret"]').count() == 0  # hidden
    assert "secret" in page.eval_on_selector_all("#x-axis option", "os => os.map(o => o.value)")  # still an axis
    shot(page, "run-step-metrics")
    # An x axis chosen for the page overrides every chart's step metric.
    page.select_option("#x-axis", "_step")
    _wait_label(page, "val/loss", "Step")
    assert chart_data(page, "val/loss") == _against(rows, "val/loss", "_step")
    assert page.locator('.chart[data-key="secret"]').count() == 0


def test_zoom_on_a_step_metric_axis_loads_every_step_in_view(page: Any, web_server: Server,
                                                             logged: dict[str, Any]) -> None:
    _open(page, web_server, logged["long"], chart="val/loss")
    assert _x_label(page, "val/loss") == "epoch"
    xs, _ = chart_data(page, "val/loss")
    assert len(xs) <= 1000 and xs[0] == 0 and xs[-1] == (LONG_STEPS - 1) / 100  # a sample of the whole run
    low, high = zoom(page, "val/loss", 0.40, 0.45)
    xs, ys = chart_data(page, "val/loss")
    steps = [round(x * 100) for x in xs if x is not None]  # each point's step: its epoch is step / 100
    in_view = [i for i in range(LONG_STEPS) if low <= i / 100 <= high]
    assert len(in_view) > 100 and set(in_view) <= set(steps)  # every logged step in view
    assert ys == pytest.approx([1 / (step + 1) + (step % 13) / 100 for step in steps])


def test_definitions_written_by_wbs_client_drive_the_charts_too(page: Any, web_server: Server) -> None:
    """`_wandb.m` as W&B's clients write it: a step metric by its place (5), by name in older clients (4), a glob
    (2), a key expanded from a glob, a step metric's own record saying nothing; wrapped as a config value."""
    records = [{"1": "epoch", "6": [3]}, {"1": "val/loss", "5": 1, "6": [1]}, {"2": "eval/*", "5": 1, "6": [1, 3]},
               {"1": "old", "4": "epoch", "6": [1, 3]}, {"1": "hidden", "6": [2, 3]}, {"1": "_step"}]
    config = {"lr": {"value": 0.1, "desc": None}, "_wandb": {"value": {"m": records, "cli_version": "0.19.0"}}}
    rows = [{"_step": i, "epoch": i // 4, "val/loss": 1.0 / (i + 1), "eval/acc": i / 10, "old": i, "hidden": 1,
             "plain": i * 2} for i in range(12)]
    made = web_server.graphql("""mutation($c: JSONString!, $r: JSONString!) {
        a: upsertBucket(input: {modelName: "extras", name: "official", config: $c}) { inserted }
        b: logHistory(input: {projectName: "extras", runName: "official", rows: $r}) { historyLineCount } }""",
                              {"c": json.dumps(config), "r": json.dumps(rows)})
    assert "errors" not in made, made
    _open(page, web_server, "official", chart="plain")
    epochs = [row["epoch"] for row in rows]
    for key in ("val/loss", "eval/acc", "old"):
        _wait_label(page, key, "epoch")
        assert chart_data(page, key)[0] == epochs, key
    assert _x_label(page, "plain") == "Step" and _x_label(page, "epoch") == "Step"
    assert page.locator('.chart[data-key="hidden"]').count() == 0


def _query(page: Any) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def _view(page: Any) -> tuple[str, str, bool]:
    return (page.eval_on_selector("#x-axis", "s => s.value"), page.eval_on_selector("#smoothing", "i => i.value"),
            page.is_checked("#log-y"))


def test_chart_settings_live_in_the_url(page: Any, context: Any, web_server: Server, logged: dict[str, Any]) -> None:
    _open(page, web_server, logged["id"])
    assert _query(page) == {} and _view(page) == ("", "0", False)  # the default: each chart's step metric
    page.select_option("#x-axis", "_runtime")
    _wait_label(page, "val/loss", "Runtime (s)")
    page.fill("#smoothing", "0.6")
    page.check("#log-y")
    page.wait_for_function("() => document.querySelector('.chart[data-key=\"train/loss\"]').uplot.scales.y.distr === 3")
    assert _query(page) == {"x": ["_runtime"], "smoothing": ["0.6"], "log": ["1"]}
    # A shared link opens the same view.
    shared = context.new_page()
    _open(shared, web_server, logged["id"], "?" + urlsplit(page.url).query)
    assert _view(shared) == ("_runtime", "0.6", True)
    assert _x_label(shared, "val/loss") == "Runtime (s)"
    xs, raw, smoothed = chart_data(shared, "train/loss")
    assert len(smoothed) == len(raw) == len(xs) and smoothed != raw
    assert shared.eval_on_selector('.chart[data-key="train/loss"]', "e => e.uplot.scales.y.distr") == 3
    shared.close()
    # The back button undoes one change at a time.
    page.go_back()
    page.wait_for_function("() => !document.querySelector('#log-y').checked")
    assert _view(page) == ("_runtime", "0.6", False)
    page.go_back()
    page.wait_for_function("() => document.querySelector('#smoothing').value === '0'")
    assert _view(page) == ("_runtime", "0", False)
    page.go_back()
    _wait_label(page, "val/loss", "epoch")
    assert _view(page) == ("", "0", False) and _query(page) == {}


@pytest.mark.parametrize("query", ["?x=nope&smoothing=abc&log=yes", "?x=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E"
                                   "&smoothing=5", "?smoothing=-1&x=&log=", "?smoothing=NaN&x=__proto__"])
def test_bad_settings_in_the_url_are_ignored(page: Any, web_server: Server, logged: dict[str, Any],
                                             query: str) -> None:
    _open(page, web_server, logged["id"], query)
    _wait_label(page, "val/loss", "epoch")
    assert _view(page) == ("", "0", False)
    assert chart_data(page, "val/loss")[0] == [0, 1, 2, 3, 4, 5]


def _api_versions(server: Server, run: str, field: str) -> list[dict[str, Any]]:
    answer = server.graphql(f"""query($r: String!) {{ project(name: "{PROJECT}") {{ run(name: $r) {{
        {field}(first: 100) {{ edges {{ node {{ id versionIndex size aliases {{ alias }} typeName }} }} }} }} }} }}""",
                            {"r": run})
    return [label_names(edge["node"]) for edge in answer["data"]["project"]["run"][field]["edges"]]


def test_artifacts_section_lists_logged_and_used_versions_with_links(page: Any, web_server: Server,
                                                                     logged: dict[str, Any]) -> None:
    _open(page, web_server, logged["id"])
    expected = {"logged": ("weights", "model", ["best", "latest"]), "used": ("corpus", "dataset", ["latest"])}
    for direction, field in (("logged", "outputArtifacts"), ("used", "inputArtifacts")):
        [version] = _api_versions(web_server, logged["id"], field)
        name, type_name, aliases = expected[direction]
        assert (version["typeName"], sorted(version["aliases"])) == (type_name, aliases)
        table = page.locator(f'table.run-artifacts[data-direction="{direction}"]')
        row = table.locator(f'tr[data-artifact-id="{version["id"]}"]')
        cells = row.locator("td").all_inner_texts()
        assert cells[0] == f"admin/{PROJECT}/{name}:v0" and cells[1] == type_name
        assert sorted(row.locator(".alias").all_inner_texts()) == aliases
        assert cells[3] == f"{version['size']} B" and table.locator("tbody tr").count() == 1
        row.locator("a").click()  # the app moves to the version's page
        page.wait_for_url(f"{web_server.url}/admin/{PROJECT}/artifacts/{type_name}/{name}/v0")
        assert page.locator(".version-name").inner_text() == f"{name}:v0"
        page.go_back()
        chart_data(page, "train/loss")
    shot(page, "run-artifacts")


def test_a_run_with_more_files_than_a_page_pages_to_all_of_them(page: Any, web_server: Server) -> None:
    content = b"one of many files\n"
    digest = hashlib.sha256(content).hexdigest()
    stored = plain_http.put(f"{web_server.url}/files/blobs/{digest}", content=content,
                            headers={"Authorization": f"Bearer {web_server.key}"})
    assert stored.status_code in (200, 201), stored.text
    names = [f"out/file-{i:04d}.txt" for i in range(FILES)]
    made = web_server.graphql('mutation { upsertBucket(input: {modelName: "extras", name: "many-files"}) { inserted } }')
    assert "errors" not in made, made
    for start in range(0, FILES, 1000):
        files = [{"name": name, "sha256": digest, "size": len(content)} for name in names[start:start + 1000]]
        saved = web_server.graphql("""mutation($f: JSONString!) { upsertRunFiles(input: {projectName: "extras",
            runName: "many-files", files: $f}) { files { name } } }""", {"f": json.dumps(files)})
        assert "errors" not in saved, saved
    page.goto(f"{web_server.url}/admin/{PROJECT}/runs/many-files")
    shown = page.locator("table.files tbody tr")
    shown.first.wait_for()
    counts = []
    while True:
        counts.append((shown.count(), page.inner_text(".count-shown")))
        more = page.locator("table.files + .show-more button")
        if more.count() == 0:
            break
        more.click()
        page.wait_for_function("n => document.querySelectorAll('table.files tbody tr').length > n", arg=counts[-1][0])
    assert counts == [(500, "500 of 1,005 files"), (1000, "1,000 of 1,005 files"), (1005, "1,005 files")]
    assert page.eval_on_selector_all("table.files tbody tr td:first-child", "cs => cs.map(c => c.textContent)") == names
    link = page.locator("table.files tbody tr").last.locator("a")
    answer = page.context.request.get(web_server.url + link.get_attribute("href"))
    assert answer.ok and answer.body() == content


# Logs into a team's project until stopped (a run the SDK learns was stopped is interrupted: KeyboardInterrupt).
UNTIL_STOPPED = """
import time, runbase
run = runbase.init(entity=%(team)r, project="stoppable", id="live")
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    run.log({"loss": 1.0})
    time.sleep(0.05)
raise SystemExit("never stopped")
"""


def test_a_running_run_is_stopped_from_its_page_by_a_writer_after_confirming(
        browser: Any, page: Any, web_server: Server, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The Stop button shows on a running run's page for those who may write it (not for a team's viewer), asks
    first (Cancel leaves the run going), then shows the run as stopping; the SDK's script is interrupted, and the
    page shows the run killed."""
    team, viewer = f"stops-{uuid.uuid4().hex[:6]}", f"viewer-{uuid.uuid4().hex[:6]}"
    viewer_key = web_server.create_user(viewer)
    for query in (f'mutation {{ createTeam(input: {{teamName: "{team}", adminUserName: "admin"}}) {{ entity {{ name }} }} }}',
                  f'mutation {{ createInvite(input: {{entityName: "{team}", username: "{viewer}", role: "viewer"}}) '
                  "{ member { id } } }"):
        assert "errors" not in web_server.graphql(query), query
    env = sdk_environment(web_server, tmp_path_factory.mktemp("stop"))
    script = subprocess.Popen([sys.executable, "-c", UNTIL_STOPPED % {"team": team}], env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while (web_server.run("live", project="stoppable", entity=team) or {}).get("lastHistoryStep") is None:
            assert time.monotonic() < deadline and script.poll() is None, "the script logged nothing"
            time.sleep(0.2)
        url = f"{web_server.url}/{team}/stoppable/runs/live"
        viewing = browser.new_context()
        try:
            seen = viewing.new_page()
            seen.goto(url)
            seen.wait_for_url(re.compile(r"/signin\?next="))
            seen.fill("#api-key", viewer_key)
            seen.click("button[type=submit]")
            seen.wait_for_url(url)
            seen.wait_for_selector("h1 .state-running")
            assert seen.locator("button.stop-run").count() == 0  # a viewer may read the run, not stop it
        finally:
            viewing.close()
        page.goto(url)
        page.click("button.stop-run")
        assert "Its script is interrupted" in page.locator(".confirm-stop").inner_text()
        page.click(".confirm-stop button:has-text('Cancel')")
        assert page.locator(".state-running").count() == 1
        assert web_server.graphql(f'{{ project(name: "stoppable", entityName: "{team}") {{ run(name: "live") '
                                  "{ stopped } } }")["data"]["project"]["run"]["stopped"] is False
        page.click("button.stop-run")
        page.click(".confirm-stop button.danger")
        page.wait_for_selector("h1 .state-stopping")
        assert page.locator("button.stop-run").count() == 0
        shot(page, "run-stopping")
        _, stderr = script.communicate(timeout=60)
    finally:
        if script.poll() is None:
            script.kill()
    assert "KeyboardInterrupt" in stderr and "never stopped" not in stderr, stderr[-2000:]
    page.reload()
    page.wait_for_selector("h1 .state-killed")
    assert page.locator("button.stop-run").count() == 0
