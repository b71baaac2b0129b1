"""The web app in Debian's Chromium (Playwright), against a real server: sign-in and sign-out, a run.url the SDK
printed opening its run with charts that draw the logged values and a zoom that loads the visible steps,
the runs table's filter, sort and paging compared with the API's answer, hostile names shown as text with
nothing executed, and GraphiQL working with every address but the server's blocked.

Screenshots of the main pages go to test-outputs/web/ (gitignored)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from browser import browser, chart_data, shot, sign_in, signed_in_context, web_server
from conftest import ROOT, Server, run_script, sdk_environment

__all__ = ["browser", "web_server"]  # fixtures, used by name
HOSTILE = "<img src=x onerror=alert(1)>"
STEPS = 3000
TABLE_RUNS = 120
# What a run logs: loss and acc at every step, a line printed, the URL it was given.
SCRIPT = """
import runbase
run = runbase.init(project="web", config={"lr": 0.01, "layers": 4}, tags=["baseline"])
for i in range(%d):
    run.log({"loss": 1 / (i + 1), "acc": (i %% 97) / 97})
print("hello from the training script")
print("URL", run.url)
run.finish()
hostile = runbase.init(project="web", name=%r, tags=[%r, "<script>alert(2)</script>"],
                       config={%r: "<b onmouseover=alert(3)>x</b>"})
hostile.log({%r: 1.0})
hostile.summary[%r] = "<svg onload=alert(4)>"
print("HOSTILE", hostile.id)
hostile.finish()
""" % (STEPS, HOSTILE, HOSTILE, HOSTILE, HOSTILE, HOSTILE)


@pytest.fixture(scope="module")
def logged(web_server: Server, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The SDK's runs (their URL and ids) and a project of many runs made through the API."""
    env = sdk_environment(web_server, tmp_path_factory.mktemp("sdk"))
    env["RUNBASE_DISABLE_STATS"] = "true"
    output = run_script(SCRIPT, env).stdout
    url = re.search(r"^URL (\S+)$", output, re.M)
    hostile = re.search(r"^HOSTILE (\S+)$", output, re.M)
    assert url and hostile, output
    run_id = url.group(1).rsplit("/", 1)[1]
    rows = [{"_wandb": True, "_timestamp": 1733400000.0 + i, "_runtime": float(i), "system.cpu": 10.0 * i}
            for i in range(5)]
    answer = web_server.graphql("""mutation($rows: JSONString!, $run: String!) { logHistory(input: {
        projectName: "web", runName: $run, rows: "[]", systemRows: $rows, systemStart: 0}) { eventsLineCount } }""",
                                {"rows": json.dumps(rows), "run": run_id})
    assert "errors" not in answer, answer
    mutations = [
        f'r{i}: upsertBucket(input: {{modelName: "table", name: "t{i:03d}", tags: ["t{i % 3}"], '
        f'config: {json.dumps(json.dumps({"lr": {"value": (i * 37) % TABLE_RUNS / 1000}, "seed": {"value": i}}))}, '
        f'summaryMetrics: {json.dumps(json.dumps({"acc": (i * 11) % 17}))}}}) {{ inserted }}'
        for i in range(TABLE_RUNS)]
    for start in range(0, TABLE_RUNS, 30):  # the server allows 30 aliases a document
        answer = web_server.graphql("mutation { " + " ".join(mutations[start:start + 30]) + " }")
        assert "errors" not in answer, answer
    return {"url": url.group(1), "run": run_id, "hostile": hostile.group(1)}


@pytest.fixture(scope="module")
def context(browser: Any, web_server: Server, logged: dict[str, str]) -> Iterator[Any]:
    ctx = signed_in_context(browser, web_server, "/admin/web")
    yield ctx
    ctx.close()


def test_sign_in_and_out(browser: Any, web_server: Server, logged: dict[str, str]) -> None:
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(web_server.url + "/admin/web?order=-created_at")
    page.wait_for_url(re.compile(r"/signin\?next="))
    page.fill("#api-key", "not_a_key_" + "x" * 40)
    page.click("button[type=submit]")
    page.wait_for_selector(".error")
    assert page.url.startswith(web_server.url + "/signin")
    shot(page, "signin")
    page.fill("#api-key", web_server.key)
    page.click("button[type=submit]")
    page.wait_for_url(web_server.url + "/admin/web?order=-created_at")
    page.wait_for_selector(".runs-table")
    assert not any("key" in cookie["name"].lower() for cookie in ctx.cookies())
    assert page.evaluate("document.cookie") == ""  # HttpOnly: no page script can read the session
    page.click("a.brand")  # the viewer's projects
    page.wait_for_selector(".projects a[href='/admin/table']")
    assert page.url == web_server.url + "/"
    shot(page, "projects")
    page.click("button.signout")
    page.wait_for_url(web_server.url + "/signin")
    assert page.request.get(web_server.url + "/api/session").status == 401
    page.goto(web_server.url + "/signin?next=//example.com/x")  # next= never leaves the server
    page.fill("#api-key", web_server.key)
    page.click("button[type=submit]")
    page.wait_for_url(web_server.url + "/")
    ctx.close()


NEXTS = [  # next= after sign-in, and where the page then is
    ("/%09/evil.example/x", "/%09/evil.example/x"),  # an encoded tab is a path segment on this server
    ("/\t/evil.example/x", "/"), ("/\n/evil.example/x", "/"),  # the browser drops tabs and newlines: "//evil..."
    ("/\\evil.example/x", "/"), ("/\\/evil.example", "/"),  # a backslash is a slash
    ("/%5Cevil.example/x", "/%5Cevil.example/x"), ("/.//evil.example/x", "/"), ("https://evil.example/", "/"),
    ("/admin/web?order=-created_at#top", "/admin/web?order=-created_at#top"),
]


def test_sign_in_follows_next_only_to_this_origin(browser: Any, web_server: Server) -> None:
    for next_, arrives in NEXTS:
        ctx = browser.new_context()  # signed out: the form
        page = ctx.new_page()
        page.goto(web_server.url + "/signin?next=" + quote(next_, safe=""))
        page.fill("#api-key", web_server.key)
        page.click("button[type=submit]")
        page.wait_for_function("() => location.pathname !== '/signin'")
        assert page.url == web_server.url + arrives, next_
        page.goto(web_server.url + "/signin?next=" + quote(next_, safe=""))  # signed in: on to the same place
        page.wait_for_function("() => location.pathname !== '/signin'")
        assert page.url == web_server.url + arrives, next_
        ctx.close()


def test_printed_run_url_draws_the_logged_values_and_zoom_loads_the_visible_steps(
        context: Any, logged: dict[str, str]) -> None:
    page = context.new_page()
    page.goto(logged["url"])
    xs, loss = chart_data(page, "loss")
    assert xs[0] == 0 and xs[-1] == STEPS - 1 and len(xs) <= 1000  # a sample of the whole run
    assert all(y == pytest.approx(1 / (x + 1)) for x, y in zip(xs, loss, strict=True))
    _, acc = chart_data(page, "acc")
    assert max(v for v in acc if v is not None) == pytest.approx(96 / 97)  # the sampler keeps the extremes
    system_x, cpu = chart_data(page, "system.cpu")
    assert system_x == [0, 1, 2, 3, 4] and cpu == [0, 10, 20, 30, 40]
    assert "hello from the training script" in page.inner_text("pre.console")
    assert "wandb-metadata.json" in page.inner_text("table.files")
    assert "python" in page.inner_text('table[aria-label="overview"]')
    shot(page, "run")
    # Drag across a twentieth of the chart: the chart then holds every logged step of that range, and the logged
    # step just outside each edge, so that the line runs to the edges.
    box = page.locator('.chart[data-key="loss"] .u-over').bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.40, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.45, y, steps=5)
    page.mouse.up()
    page.wait_for_selector('.chart[data-key="loss"][data-refined]')
    low, high = (float(v) for v in page.get_attribute('.chart[data-key="loss"]', "data-refined").split(":"))
    xs, loss = chart_data(page, "loss")
    assert xs == list(range(math.floor(low) - 1, math.ceil(high) + 2)) and len(xs) > 100  # every step in view
    assert all(y == pytest.approx(1 / (x + 1)) for x, y in zip(xs, loss, strict=True))
    page.close()
    assert context.problems == []


def _api_names(server: Server, filters: str, order: str) -> list[str]:
    names: list[str] = []
    after = None
    while True:
        answer = server.graphql("""query($f: JSONString, $o: String, $a: String) { project(name: "table") {
            runs(filters: $f, order: $o, first: 100, after: $a) { edges { node { name } }
            pageInfo { endCursor hasNextPage } } } }""", {"f": filters, "o": order, "a": after})
        runs = answer["data"]["project"]["runs"]
        names += [edge["node"]["name"] for edge in runs["edges"]]
        if not runs["pageInfo"]["hasNextPage"]:
            return names
        after = runs["pageInfo"]["endCursor"]


def _table_names(page: Any) -> list[str]:
    return page.eval_on_selector_all(".runs-table tbody tr", "rows => rows.map(r => r.dataset.run)")


def test_runs_table_filter_sort_and_paging_match_the_api(context: Any, web_server: Server) -> None:
    page = context.new_page()
    page.goto(web_server.url + "/admin/table")
    page.wait_for_selector(".runs-table")
    assert page.inner_text(".count .total") == str(TABLE_RUNS)
    page.fill("#runs-filter", '{"config.lr": ')  # not JSON: said at once, nothing sent
    page.click(".filter button[type=submit]")
    assert "Not a filter" in page.inner_text(".filter .error")
    page.fill("#runs-filter", '{"nosuchfield": 1}')  # the server's answer, shown as it says it
    page.click(".filter button[type=submit]")
    page.wait_for_selector("main > .runs > .error")
    assert "nosuchfield" in page.inner_text("main > .runs > .error")
    filters = '{"config.lr": {"$gte": 0.04}, "tags": {"$in": ["t0", "t1"]}}'
    page.fill("#runs-filter", filters)
    page.click(".filter button[type=submit]")
    page.wait_for_url(re.compile(r"filters="))
    page.select_option("#add-column", "config:lr")
    page.click(".columns button[type=submit]")
    page.wait_for_selector('th[data-sort="config:lr"]')
    page.click('th[data-sort="config:lr"]')  # ascending
    page.wait_for_url(re.compile(r"order=%2Bconfig.lr.value"))
    page.wait_for_selector(".runs-table")
    expected = _api_names(web_server, filters, "+config.lr.value")
    assert 50 < len(expected) < 100
    # the table is redrawn once the sorted page comes: until then it shows the filtered one unsorted
    page.wait_for_function("names => [...document.querySelectorAll('.runs-table tbody tr')]"
                           ".map(r => r.dataset.run).join() === names.join()", arg=expected[:50])
    assert page.inner_text(".count .total") == str(len(expected))
    first = _table_names(page)
    page.click(".pager button:has-text('Next')")
    page.wait_for_url(re.compile(r"after="))
    page.wait_for_function("n => document.querySelectorAll('.runs-table tbody tr').length === n",
                           arg=len(expected) - 50)
    assert first + _table_names(page) == expected
    lrs = page.eval_on_selector_all(".runs-table tbody tr td:nth-child(5)", "cells => cells.map(c => c.textContent)")
    assert [float(v) for v in lrs] == sorted(float(v) for v in lrs)
    shot(page, "runs-table")
    page.go_back()  # the History API: back is the first page again
    page.wait_for_function("n => document.querySelectorAll('.runs-table tbody tr').length === n", arg=50)
    assert _table_names(page) == first
    page.click('th[data-sort="config:lr"]')  # descending
    page.wait_for_url(re.compile(r"order=-config.lr.value"))
    page.wait_for_function("name => document.querySelector('.runs-table tbody tr')?.dataset.run === name",
                           arg=_api_names(web_server, filters, "-config.lr.value")[0])
    page.close()
    assert context.problems == []


def test_hostile_names_are_shown_as_text_and_nothing_runs(context: Any, web_server: Server,
                                                         logged: dict[str, str]) -> None:
    page = context.new_page()
    page.goto(web_server.url + f"/admin/web?cols=config:{HOSTILE},summary:{HOSTILE}".replace(" ", "%20"))
    page.wait_for_selector(f'tr[data-run="{logged["hostile"]}"]')
    row = page.inner_text(f'tr[data-run="{logged["hostile"]}"]')
    assert HOSTILE in row and "<b onmouseover=alert(3)>x</b>" in row and "<svg onload=alert(4)>" in row
    assert "<script>alert(2)</script>" in row
    page.click(f'tr[data-run="{logged["hostile"]}"] a')
    page.wait_for_selector(f'.chart[data-key="{HOSTILE}"]')
    assert page.inner_text(".run-name") == HOSTILE
    assert HOSTILE in page.inner_text('table[aria-label="config"]')
    assert page.evaluate("document.querySelectorAll('main img, main script, main svg:not(.u-over svg)').length") == 0
    shot(page, "hostile-run")
    page.close()
    assert context.problems == []


def test_graphiql_works_from_the_servers_own_assets(context: Any, web_server: Server) -> None:
    page = context.new_page()
    outside: list[str] = []

    def only_the_server(route: Any) -> None:
        if route.request.url.startswith(web_server.url + "/"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_server)
    with page.expect_response(lambda r: r.url == web_server.url + "/graphql" and r.request.method == "POST") as schema:
        page.goto(web_server.url + "/graphql")  # GraphiQL asks for the schema first
    assert schema.value.ok and "__schema" in schema.value.text()
    # GraphiQL loads its editors after the schema, and the button does nothing until both the query's (with the
    # query in it) and the response's are there
    page.locator(".graphiql-query-editor .CodeMirror-code", has_text="viewer").wait_for()
    page.locator(".graphiql-response .CodeMirror").wait_for()
    with page.expect_request(lambda r: r.url == web_server.url + "/graphql" and r.method == "POST"
                             and "viewer" in (r.post_data or "")):
        page.click(".graphiql-execute-button")
    page.wait_for_function("() => document.querySelector('.graphiql-response')?.textContent.includes('admin')")
    shot(page, "graphiql")
    page.close()
    assert outside == []
    assert context.problems == []


def test_built_pages_load_scripts_and_styles_only_from_files() -> None:
    """The CSP allows no inline script or style: the built HTML must have none."""
    static = ROOT / "server" / "runbase_server" / "web" / "static"
    for name in ("index.html", "graphiql.html"):
        assert (static / name).is_file(), f"{static / name} is not built: run scripts/build_web.sh"
        html = (static / name).read_text()
        scripts = re.findall(r"<script[^>]*>", html)
        assert scripts and all(" src=" in tag for tag in scripts), html
        assert "<style" not in html and not re.search(r"\s(style|on[a-z]+)=", html, re.I), html
