"""A sweep's page in Chromium (the URL the SDK prints): its state and configuration, the parallel-coordinates
chart holding exactly the runs' parameters and metric with the best run marked, the runs table kept to the
sweep's runs, the project's sweeps list linked from the project page, and hostile names shown as text."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

import pytest
from browser import browser, shot, signed_in_context, web_server
from conftest import Server

__all__ = ["browser", "web_server"]  # fixtures, used by name
HOSTILE = "<img src=x onerror=alert(1)>"
PROJECT = "tuning"
CONFIG = {
    "method": "grid",
    "metric": {"name": "val_loss", "goal": "minimize"},
    "parameters": {"lr": {"values": [0.1, 0.01, 0.001]}, "opt": {"values": ["adam", HOSTILE]},
                   "arch": {"parameters": {"width": {"values": [32, 64]}}}},
}


@pytest.fixture(scope="module")
def sweep(web_server: Server) -> dict[str, Any]:
    """A grid sweep with runs that joined it (one without the metric), and a run outside it."""
    made = web_server.graphql("""mutation($c: String!) { upsertSweep(input: {projectName: "tuning", config: $c}) {
        sweep { name } } }""", {"c": json.dumps(CONFIG)})
    assert "errors" not in made, made
    name = made["data"]["upsertSweep"]["sweep"]["name"]
    runs = {}
    grid = [(0.1, "adam", 32), (0.01, HOSTILE, 64), (0.001, "adam", 64), (0.1, HOSTILE, 32)]
    for i, (lr, opt, width) in enumerate(grid):
        config = {"lr": {"value": lr}, "opt": {"value": opt}, "arch": {"value": {"width": width}}}
        summary = {} if i == 3 else {"val_loss": [0.5, 0.2, 0.9][i]}
        runs[f"s{i}"] = {"config": config, "summary": summary}
        answer = web_server.graphql("""mutation($r: String!, $s: String!, $c: JSONString!, $m: JSONString!) {
            upsertBucket(input: {modelName: "tuning", name: $r, sweep: $s, config: $c, summaryMetrics: $m,
            state: "finished"}) { inserted } }""", {"r": f"s{i}", "s": name, "c": json.dumps(config),
                                                      "m": json.dumps(summary)})
        assert "errors" not in answer, answer
    outside = web_server.graphql('mutation { upsertBucket(input: {modelName: "tuning", name: "outside"}) '
                                 '{ inserted } }')
    assert "errors" not in outside, outside
    return {"name": name, "runs": runs}


@pytest.fixture(scope="module")
def context(browser: Any, web_server: Server, sweep: dict[str, Any]) -> Iterator[Any]:
    ctx = signed_in_context(browser, web_server, f"/admin/{PROJECT}")
    yield ctx
    ctx.close()


def test_sweep_page_charts_the_runs_parameters_against_the_metric(context: Any, web_server: Server,
                                                                 sweep: dict[str, Any]) -> None:
    page = context.new_page()
    page.goto(web_server.url + f"/admin/{PROJECT}")
    page.click(".project-links a:has-text('Sweeps')")
    page.wait_for_selector(f'.sweeps-table tr[data-sweep="{sweep["name"]}"]')
    row = f'.sweeps-table tr[data-sweep="{sweep["name"]}"]'
    assert "grid" in page.inner_text(row)
    page.click(f'.sweeps-table tr[data-sweep="{sweep["name"]}"] a')
    page.wait_for_url(web_server.url + f"/admin/{PROJECT}/sweeps/{sweep['name']}")
    page.wait_for_selector(".parcoords path.line")
    chart = page.eval_on_selector(".parcoords", "e => e.parcoords")
    assert [axis["name"] for axis in chart["axes"]] == ["lr", "opt", "arch.width", "val_loss"]
    assert chart["metric"] == "val_loss" and chart["goal"] == "minimize" and chart["best"] == "s1"
    lines = {line["run"]: line["values"] for line in chart["lines"]}
    expected = {run: [data["config"]["lr"]["value"], data["config"]["opt"]["value"],
                      data["config"]["arch"]["value"]["width"], data["summary"].get("val_loss")]
                for run, data in sweep["runs"].items()}
    assert lines == expected  # s3 has no metric: null there
    drawn = page.eval_on_selector_all(".parcoords path.line", "ps => ps.map(p => [p.dataset.run, p.getAttribute('d')])")
    assert sorted(run for run, _ in drawn) == sorted(sweep["runs"])
    assert drawn[-1][0] == "s1" and page.get_attribute('path[data-run="s1"]', "class") == "line best"
    segments = {run: d.count("L") + d.count("M") for run, d in drawn}
    assert segments["s3"] == 3 and segments["s0"] == 4  # s3 has no metric: its line stops at the last parameter
    numbers = [float(n) for _, d in drawn for n in d.replace("M", " ").replace("L", " ").replace(",", " ").split()]
    assert numbers and all(math.isfinite(n) for n in numbers)
    assert "Best run" in page.inner_text(".best-run") and "s1" in page.inner_text(".best-run")
    facts = page.inner_text('table[aria-label="sweep"]')
    assert sweep["name"] in facts and "grid" in facts and "4 of 12" in facts
    assert "minimize" in page.inner_text('table[aria-label="metric"]')
    page.wait_for_selector(".runs-table")
    names = page.eval_on_selector_all(".runs-table tbody tr", "rows => rows.map(r => r.dataset.run)")
    assert sorted(names) == sorted(sweep["runs"])  # not "outside"
    shot(page, "sweep")
    page.close()
    assert context.problems == []


def test_sweep_runs_table_filters_within_the_sweep_and_hostile_names_stay_text(
        context: Any, web_server: Server, sweep: dict[str, Any]) -> None:
    page = context.new_page()
    page.goto(web_server.url + f"/admin/{PROJECT}/sweeps/{sweep['name']}")
    page.wait_for_selector(".runs-table")
    page.select_option("#builder-field", "config.opt")
    page.fill("#builder-value", HOSTILE)
    page.click(".builder button[type=submit]")
    page.wait_for_function("() => document.querySelectorAll('.runs-table tbody tr').length === 2")
    assert page.url.startswith(web_server.url + f"/admin/{PROJECT}/sweeps/{sweep['name']}?filters=")
    names = page.eval_on_selector_all(".runs-table tbody tr", "rows => rows.map(r => r.dataset.run)")
    assert sorted(names) == ["s1", "s3"]
    assert json.loads(page.input_value("#runs-filter")) == {"config.opt": HOSTILE}  # the sweep is the page's own
    ticks = page.eval_on_selector_all('.parcoords g[data-axis="opt"] text', "ts => ts.map(t => t.textContent)")
    assert HOSTILE in ticks and HOSTILE in page.inner_text('table[aria-label="parameters"]')
    assert page.evaluate("document.querySelectorAll('main img, main script').length") == 0
    page.close()
    assert context.problems == []


def test_a_missing_sweep_says_so(context: Any, web_server: Server) -> None:
    page = context.new_page()
    page.goto(web_server.url + f"/admin/{PROJECT}/sweeps/nosuch")
    page.wait_for_selector(".error")
    assert "No sweep nosuch" in page.inner_text(".error")
    page.close()
    assert context.problems == []

