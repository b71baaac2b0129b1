"""The web app over PostgreSQL: the other browser tests run on SQLite (each page once keeps the suite short);
this walks the main pages against a server on PostgreSQL, where the queries behind them differ (JSON paths,
orders, the runs' value index), and checks what they show against what was logged and what the API says."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from browser import browser, chart_data, sdk_output, signed_in_context
from conftest import PostgresDatabases, Server

__all__ = ["browser"]  # a fixture, used by name
STEPS = 500
SCRIPT = """
import runbase
for lr in (0.1, 0.01, 0.001):
    run = runbase.init(project="pg-web", config={"lr": lr}, tags=["lr-%%g" %% lr])
    for i in range(%d):
        run.log({"loss": lr / (i + 1)})
    artifact = runbase.Artifact("weights-%%g" %% lr, type="model", metadata={"lr": lr})
    with artifact.new_file("weights.txt") as f:
        f.write("lr=%%g" %% lr)
    run.log_artifact(artifact)
    print("URL", run.url)
    run.finish()
""" % STEPS


@pytest.fixture(scope="module")
def pg_server(tmp_path_factory: pytest.TempPathFactory, postgres: PostgresDatabases) -> Iterator[Server]:
    server = Server(tmp_path_factory.mktemp("web-postgres"), postgres.create()).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def urls(pg_server: Server, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    return re.findall(r"^URL (\S+)$", sdk_output(pg_server, tmp_path_factory, SCRIPT), re.M)


@pytest.fixture(scope="module")
def context(browser: Any, pg_server: Server, urls: list[str]) -> Iterator[Any]:
    ctx = signed_in_context(browser, pg_server, "/admin/pg-web")
    yield ctx
    ctx.close()


def _api_runs(server: Server, filters: dict[str, Any], order: str) -> list[str]:
    answer = server.graphql("""query($f: JSONString, $o: String) { project(name: "pg-web") {
        runs(filters: $f, order: $o, first: 100) { edges { node { name } } } } }""",
                            {"f": json.dumps(filters), "o": order})
    assert "errors" not in answer, answer
    return [edge["node"]["name"] for edge in answer["data"]["project"]["runs"]["edges"]]


def test_run_page_draws_what_was_logged(context: Any, urls: list[str]) -> None:
    assert len(urls) == 3
    page = context.new_page()
    page.goto(urls[0])  # lr 0.1
    xs, loss = chart_data(page, "loss")
    assert xs[0] == 0 and xs[-1] == STEPS - 1
    assert all(y == pytest.approx(0.1 / (x + 1)) for x, y in zip(xs, loss, strict=True))
    page.wait_for_selector("table.files")
    assert "wandb-metadata.json" in page.inner_text("table.files")
    page.close()
    assert context.problems == []


def test_runs_table_filter_and_sort_match_the_api(context: Any, pg_server: Server, urls: list[str]) -> None:
    page = context.new_page()
    page.goto(pg_server.url + "/admin/pg-web")
    page.wait_for_selector(".runs-table")
    filters = {"config.lr": {"$lt": 0.05}}
    page.fill("#runs-filter", json.dumps(filters))
    page.click(".filter button[type=submit]")
    page.wait_for_url(re.compile(r"filters="))
    page.select_option("#add-column", "config:lr")
    page.click(".columns button[type=submit]")
    page.wait_for_selector('th[data-sort="config:lr"]')
    page.click('th[data-sort="config:lr"]', position={"x": 8, "y": 8})  # not on its remove button
    page.wait_for_url(re.compile(r"order=%2Bconfig.lr.value"))
    expected = _api_runs(pg_server, filters, "+config.lr.value")
    assert len(expected) == 2
    page.wait_for_function("names => Array.from(document.querySelectorAll('.runs-table tbody tr'),"
                           " r => r.dataset.run).join() === names.join()", arg=expected)
    page.close()
    assert context.problems == []


def test_artifact_version_page_shows_its_files_and_metadata(context: Any, pg_server: Server, urls: list[str]) -> None:
    page = context.new_page()
    page.goto(pg_server.url + "/admin/pg-web/artifacts/model/weights-0.01/v0")
    page.wait_for_selector("text=weights.txt")
    assert "0.01" in page.inner_text("main")
    page.close()
    assert context.problems == []
