"""The runs table beyond slice 1: the server's new orders (name, display name, state) and its groups of runs
by a config value (Project.runGroups), on both databases; then in Chromium, the filter builder writing the
filter the API answers, tags, notes and names edited in place, runs deleted, groups opened, and runs compared
on overlaid charts with their config and summary side by side."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from browser import browser, chart_data, shot, signed_in_context, unisolated, web_server
from conftest import Server

__all__ = ["browser", "web_server"]  # fixtures, used by name

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


# ------------------------------------------------------------------ in the browser

HOSTILE = "<img src=x onerror=alert(1)>"
PROJECT = "table"
OPTS = ("adam", "sgd", "adam", "rmsprop", "adam", "sgd")


def _runs(server: Server, filters: dict[str, Any] | None = None, order: str = "-created_at") -> list[str]:
    answer = server.graphql("""query($p: String!, $f: JSONString, $o: String) { project(name: $p) {
        runs(filters: $f, order: $o, first: 1000) { edges { node { name } } } } }""",
                            {"p": PROJECT, "f": json.dumps(filters) if filters else None, "o": order})
    assert "errors" not in answer, answer
    return [e["node"]["name"] for e in answer["data"]["project"]["runs"]["edges"]]


@pytest.fixture(scope="module")
def table(web_server: Server) -> dict[str, Any]:
    """Runs with an optimizer, a learning rate, a state, tags, and a loss history each; one named hostilely."""
    mutations = []
    for i, opt in enumerate(OPTS):
        config = {"opt": {"value": opt}, "lr": {"value": 0.001 * (i + 1)}, "shared": {"value": 1}}
        mutations.append(
            f'r{i}: upsertBucket(input: {{modelName: "{PROJECT}", name: "run{i}", state: '
            f'"{("finished", "running")[i % 2]}", tags: ["t{i % 2}"], config: {json.dumps(json.dumps(config))}, '
            f'summaryMetrics: {json.dumps(json.dumps({"acc": i / 10}))}}}) {{ inserted }}')
    hostile = {HOSTILE: {"value": HOSTILE}, "opt": {"value": HOSTILE}}
    mutations.append(f'h: upsertBucket(input: {{modelName: "{PROJECT}", name: "hostile", '
                     f'displayName: {json.dumps(HOSTILE)}, '
                     f'notes: {json.dumps(HOSTILE)}, tags: [{json.dumps(HOSTILE)}], '
                     f'config: {json.dumps(json.dumps(hostile))}}}) {{ inserted }}')
    answer = web_server.graphql("mutation { " + " ".join(mutations) + " }")
    assert "errors" not in answer, answer
    histories = {}
    for i, run in enumerate([f"run{i}" for i in range(len(OPTS))] + ["hostile"]):
        rows = [{"_step": s, "loss": (i + 1) / (s + 1), HOSTILE: float(s * i)} for s in range(0, 40 + 5 * i)]
        histories[run] = rows
        answer = web_server.graphql("""mutation($r: String!, $rows: JSONString!) { logHistory(input: {
            projectName: "table", runName: $r, rows: $rows}) { historyLineCount } }""",
                                    {"r": run, "rows": json.dumps(rows)})
        assert "errors" not in answer, answer
    return {"histories": histories}


@pytest.fixture(scope="module")
def context(browser: Any, web_server: Server, table: dict[str, Any]) -> Iterator[Any]:
    ctx = signed_in_context(browser, web_server, f"/admin/{PROJECT}")
    yield ctx
    ctx.close()


def _names(page: Any, table_class: str = "runs-table") -> list[str]:
    return page.eval_on_selector_all(f".{table_class} tbody tr", "rows => rows.map(r => r.dataset.run)")


def _open(context: Any, web_server: Server, path: str) -> Any:
    page = context.new_page()
    page.goto(web_server.url + path)
    page.wait_for_selector(".runs-table, .compare, .sweep, .groups, .error")
    return page


def test_filter_builder_writes_the_filter_the_api_answers(context: Any, web_server: Server) -> None:
    page = _open(context, web_server, f"/admin/{PROJECT}")
    page.select_option("#builder-field", "config.opt")
    page.select_option("#builder-op", "=")
    page.fill("#builder-value", "adam")
    page.click(".builder button[type=submit]")
    page.wait_for_url(re.compile(r"filters="))
    page.select_option("#builder-field", "config.lr")
    page.select_option("#builder-op", ">")
    page.fill("#builder-value", "0.002")
    page.click(".builder button[type=submit]")
    expected_filter = {"$and": [{"config.opt": "adam"}, {"config.lr": {"$gt": 0.002}}]}
    page.wait_for_function("f => document.querySelector('#runs-filter').value === f",
                           arg=json.dumps(expected_filter, separators=(",", ":")))
    page.wait_for_selector(".runs-table")
    expected = _runs(web_server, expected_filter)
    assert expected == ["run4", "run2"]
    page.wait_for_function("n => document.querySelectorAll('.runs-table tbody tr').length === n", arg=len(expected))
    assert _names(page) == expected and page.inner_text(".count .total") == "2"
    page.click(".filter .clear")
    page.select_option("#builder-field", "tags")
    page.select_option("#builder-op", "in")
    page.fill("#builder-value", "t1, nope")
    page.click(".builder button[type=submit]")
    page.wait_for_function("() => document.querySelector('#runs-filter').value.includes('$in')")
    assert json.loads(page.input_value("#runs-filter")) == {"tags": {"$in": ["t1", "nope"]}}
    page.click('th[data-sort="display_name"]')  # the server sorts by name now
    page.wait_for_url(re.compile(r"order=%2Bdisplay_name"))
    expected = _runs(web_server, {"tags": {"$in": ["t1", "nope"]}}, "+display_name")
    page.wait_for_function("e => [...document.querySelectorAll('.runs-table tbody tr')].map(r => r.dataset.run)"
                           ".join() === e", arg=",".join(expected))
    shot(page, "runs-table-builder")
    page.close()
    assert context.problems == []


def _api_run(server: Server, name: str) -> dict[str, Any] | None:
    answer = server.graphql('query($r: String!) { project(name: "table") { run(name: $r) { displayName notes tags } '
                            '} }',
                            {"r": name})
    assert "errors" not in answer, answer
    return answer["data"]["project"]["run"]


def _edit(page: Any, row: str, label: str, text: str) -> None:
    """Edit the name (Enter saves) or the notes (a text area: Ctrl+Enter saves)."""
    page.click(f'tr[data-run="{row}"] button[aria-label="Edit {label}"]')
    field = page.locator(f'tr[data-run="{row}"] [aria-label="{label}"]')
    field.fill(text)
    field.press("Control+Enter" if label == "notes" else "Enter")
    page.wait_for_selector(f'tr[data-run="{row}"] [aria-label="{label}"]', state="detached")


def _edit_tags(page: Any, row: str, remove: list[str], add: list[str]) -> None:
    """Remove tags by their chips' buttons, add each one as typed, then Enter on the empty field saves."""
    page.click(f'tr[data-run="{row}"] button[aria-label="Edit tags"]')
    for tag in remove:
        page.click(f'tr[data-run="{row}"] button[aria-label="remove tag {tag}"]')
    field = page.locator(f'tr[data-run="{row}"] input[aria-label="new tag"]')
    for tag in add:
        field.fill(tag)
        field.press("Enter")
    field.press("Enter")
    page.wait_for_selector(f'tr[data-run="{row}"] input[aria-label="new tag"]', state="detached")


def test_names_notes_and_tags_are_edited_in_place(context: Any, web_server: Server) -> None:
    page = _open(context, web_server, f"/admin/{PROJECT}")
    _edit(page, "run3", "name", "renamed ✓")
    _edit(page, "run3", "notes", "a note <b>")
    _edit_tags(page, "run3", ["t1"], ["alpha", " beta ", "alpha"])
    page.wait_for_function("() => document.querySelector('tr[data-run=run3] .tags-cell').innerText.includes('beta')")
    assert _api_run(web_server, "run3") == {"displayName": "renamed ✓", "notes": "a note <b>",
                                            "tags": ["alpha", "beta"]}
    row = page.inner_text('tr[data-run="run3"]')
    assert "renamed ✓" in row and "a note <b>" in row
    page.click('tr[data-run="run3"] button[aria-label="Edit name"]')  # Escape leaves it as it was
    page.press('tr[data-run="run3"] input[aria-label="name"]', "Escape")
    assert _api_run(web_server, "run3")["displayName"] == "renamed ✓"  # type: ignore[index]
    page.close()
    assert context.problems == []


def test_delete_asks_on_the_page_then_deletes(context: Any, web_server: Server) -> None:
    made = web_server.graphql('mutation { upsertBucket(input: {modelName: "table", name: "doomed"}) { inserted } }')
    assert "errors" not in made, made
    page = _open(context, web_server, f"/admin/{PROJECT}")
    page.click('tr[data-run="doomed"] button.delete')
    page.click('tr[data-run="doomed"] .confirm-delete button:has-text("Cancel")')
    assert _api_run(web_server, "doomed") is not None
    page.click('tr[data-run="doomed"] button.delete')
    assert "doomed" in page.inner_text('tr[data-run="doomed"] .confirm-delete')
    page.click('tr[data-run="doomed"] .confirm-delete button.danger')
    page.wait_for_selector('tr[data-run="doomed"]', state="detached")
    assert _api_run(web_server, "doomed") is None
    page.close()
    assert context.problems == []  # no native dialog was used


def test_an_edit_of_a_run_deleted_meanwhile_fails_and_makes_no_run(context: Any, web_server: Server) -> None:
    made = web_server.graphql('mutation { upsertBucket(input: {modelName: "table", name: "gone"}) { inserted } }')
    assert "errors" not in made, made
    page = _open(context, web_server, f"/admin/{PROJECT}")
    page.click('tr[data-run="gone"] button[aria-label="Edit notes"]')
    deleted = web_server.delete_run("gone", project="table")
    assert "errors" not in deleted, deleted
    page.fill('tr[data-run="gone"] textarea[aria-label="notes"]', "edited after the delete")
    page.press('tr[data-run="gone"] textarea[aria-label="notes"]', "Control+Enter")
    page.wait_for_selector('tr[data-run="gone"] .inline-edit .error')
    assert "no run admin/table/gone" in page.inner_text('tr[data-run="gone"] .inline-edit .error')
    assert _api_run(web_server, "gone") is None
    page.close()
    assert context.problems == []


def test_groups_count_what_the_api_counts_and_open_to_their_runs(context: Any, web_server: Server) -> None:
    filters = {"state": "finished"}
    page = _open(context, web_server, f"/admin/{PROJECT}?filters=" + quote(json.dumps(filters)))
    page.select_option("#group-by", "opt")
    page.wait_for_selector(".groups .group")
    shown = page.eval_on_selector_all(".groups .group", "gs => gs.map(g => [g.dataset.value, "
                                      "Number(g.querySelector('.group-count').textContent)])")
    answer = web_server.graphql("""query($f: JSONString) { project(name: "table") {
        runGroups(key: "opt", filters: $f) { groups { value count } } } }""", {"f": json.dumps(filters)})
    assert shown == [[g["value"], g["count"]] for g in answer["data"]["project"]["runGroups"]["groups"]]
    assert sum(count for _, count in shown) == len(_runs(web_server, filters))
    page.click('.group[data-value="\\"adam\\""] .group-head')
    page.wait_for_selector(".group.open .group-runs")
    expected = _runs(web_server, {"$and": [filters, {"config.opt": "adam"}]})
    assert _names(page, "group-runs") == expected and len(expected) == dict(shown)['"adam"']
    shot(page, "runs-grouped")
    page.close()
    assert context.problems == []


def test_compare_overlays_each_runs_history_and_marks_differences(context: Any, web_server: Server,
                                                                 table: dict[str, Any]) -> None:
    picked = ["run0", "run1", "hostile"]
    page = _open(context, web_server, f"/admin/{PROJECT}")
    for run in picked:
        page.check(f'tr[data-run="{run}"] input.pick')
    page.click("button.compare")
    page.wait_for_url(re.compile(r"/admin/table/compare\?runs="))
    runs = page.eval_on_selector(".chart[data-key=loss]", "e => e.dataset.runs").split(",") \
        if page.wait_for_selector(".chart[data-key=loss]") else []
    assert sorted(runs) == sorted(picked)
    for key in ("loss", HOSTILE):
        data = chart_data(page, key)
        for column, run in enumerate(runs, start=1):
            drawn = {x: y for x, y in zip(data[0], data[column]) if y is not None}
            assert drawn == {row["_step"]: row[key] for row in table["histories"][run]}, (key, run)
    config = page.locator('table[aria-label="compare config"]')
    marked = config.evaluate("t => [...t.querySelectorAll('tbody tr')].map(r => [r.dataset.key, r.className, "
                             "[...r.querySelectorAll('td')].map(c => c.textContent)])")
    assert {key for key, _, _ in marked} == {"opt", "lr", "shared", HOSTILE}
    for key, marking, cells in marked:  # marked exactly where the runs' values differ (one lacks "shared")
        assert (marking == "differs") == (len(set(cells)) > 1), (key, cells)
    summary = page.locator('table[aria-label="compare summary"]')
    assert summary.locator('tr[data-key="acc"] td').all_inner_texts() == ["0", "0.1", ""]
    assert HOSTILE in config.inner_text() and HOSTILE in page.inner_text(".compared")
    page.check(".only-differing input")
    assert config.locator('tr[data-key="opt"]').count() == 1
    assert page.evaluate("document.querySelectorAll('main img, main script').length") == 0
    shot(page, "compare")
    page.close()
    assert context.problems == []


def test_compare_leaves_out_runs_that_are_missing_and_names_them(context: Any, web_server: Server) -> None:
    named = ["run0", "no-such-run", "../../x", HOSTILE, "run1"]
    page = _open(context, web_server, f"/admin/{PROJECT}/compare?runs=" + ",".join(quote(n, safe="") for n in named))
    page.wait_for_selector(".chart[data-key=loss]")
    assert sorted(page.eval_on_selector(".chart[data-key=loss]", "e => e.dataset.runs").split(",")) == ["run0", "run1"]
    assert page.eval_on_selector_all(".missing-runs li", "ls => ls.map(l => l.textContent)") == named[1:4]
    assert page.inner_text("h1") == "Compare 2 runs"
    page.goto(web_server.url + f"/admin/{PROJECT}/compare?runs=gone1,gone2")
    page.wait_for_selector(".error")
    assert "gone1, gone2" in page.inner_text(".error")
    page.close()
    assert context.problems == []


def test_hostile_names_in_the_table_tools_stay_text(context: Any, web_server: Server) -> None:
    page = _open(context, web_server, f"/admin/{PROJECT}?group=" + quote(HOSTILE))
    page.wait_for_selector(".groups .group")
    assert HOSTILE in page.inner_text(".groups")
    page.select_option("#group-by", "")
    page.wait_for_selector('tr[data-run="hostile"]')
    row = page.inner_text('tr[data-run="hostile"]')
    assert row.count(HOSTILE) >= 3  # name, notes, tag
    page.select_option("#builder-field", f"config.{HOSTILE}")
    page.fill("#builder-value", HOSTILE)
    page.click(".builder button[type=submit]")
    page.wait_for_function("n => document.querySelectorAll('.runs-table tbody tr').length === n", arg=1)
    assert _names(page) == ["hostile"]
    assert page.evaluate("document.querySelectorAll('main img, main script').length") == 0
    page.close()
    assert context.problems == []


RTL = "\u202eevil"  # a right-to-left override: shown reversed, it must not reorder the text around it


def test_right_to_left_overrides_in_user_strings_stay_isolated(context: Any, web_server: Server) -> None:
    config = {RTL: {"value": RTL}, "plain": {"value": 1}}
    made = web_server.graphql(
        """mutation($c: JSONString!, $s: JSONString!, $r: String!) { a: upsertBucket(input: {modelName: "bidi",
        name: "rtl", displayName: $r, notes: $r, tags: [$r, "ok"], config: $c, summaryMetrics: $s}) { inserted }
        b: upsertBucket(input: {modelName: "bidi", name: "plain"}) { inserted } }""",
        {"c": json.dumps(config), "s": json.dumps({RTL: RTL, "acc": 1}), "r": RTL})
    assert "errors" not in made, made
    logged = web_server.graphql("""mutation($rows: JSONString!) { logHistory(input: {projectName: "bidi",
        runName: "rtl", rows: $rows}) { historyLineCount } }""", {"rows": json.dumps([{"_step": 0, RTL: 1.0}])})
    assert "errors" not in logged, logged
    page = context.new_page()
    for path, ready in [(f"/admin/bidi?columns={quote('config.' + RTL)}&columns={quote('summary.' + RTL)}",
                         ".runs-table"),
                        ("/admin/bidi/runs/rtl", ".chart"), ("/admin/bidi/compare?runs=rtl,plain", ".compared")]:
        page.goto(web_server.url + path)
        page.wait_for_selector(ready)
        page.wait_for_function("m => document.body.innerText.includes(m)", arg=RTL)
        assert unisolated(page, "evil") == [], path
    shot(page, "bidi-compare")
    page.close()
    assert context.problems == []
