"""What a review of the web app's tables found, each fixed and kept fixed: on both databases, the server's
groups of runs by state and by tag (Project.runGroups `by`) and the project's config and summary keys
(Project.runKeys); then in Chromium, tags and notes edited without loss, artifact tags named latest kept, keys
with a dot offered only where they work, groups by state and tags, Previous after a reload, the project's keys
offered beyond the page, compare charting keys only some runs have, automation payloads per event type, long
names kept inside the window, and errors and sessions recovered from."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from browser import browser, chart_data, page, sdk_output, signed_in_context, web_server
from conftest import Server

__all__ = ["browser", "page", "web_server"]  # fixtures, used by name

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
    for start in range(0, len(mutations), 20):  # within the server's limit of tokens per request
        answer = server.graphql("mutation { " + " ".join(mutations[start:start + 20]) + " }")
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
    deleted = server.delete_run("r0", project=project)
    assert "errors" not in deleted, deleted
    after = _data(server, KEYS, {"p": project})["runKeys"]
    assert "c00" not in after["config"] and "m00" not in after["summary"]
    refused = server.graphql(KEYS, {"p": project, "n": 5000})
    assert "first must be" in refused["errors"][0]["message"]


# ------------------------------------------------------------------ in the browser

PROJECT = "review"
LONG_ID = "r" * 128
LONG_NAME = "n" * 256
LONG_TAG = "t" * 200
LONG_KEY = "k" * 300


def _history(server: Server, project: str, run: str, rows: list[dict[str, Any]]) -> None:
    answer = server.graphql("""mutation($p: String!, $r: String!, $rows: JSONString!) { logHistory(input: {
        projectName: $p, runName: $r, rows: $rows}) { historyLineCount } }""",
                            {"p": project, "r": run, "rows": json.dumps(rows)})
    assert "errors" not in answer, answer


@pytest.fixture(scope="module")
def review(web_server: Server) -> None:
    """Runs with a tag holding a comma, keys with a dot, several tags and states, long names; a paged project
    whose oldest run alone has a key; two runs whose histories share one key of two."""
    _make_runs(web_server, PROJECT, [
        {"name": "comma", "state": "finished", "tags": ["lr=0.1,bs=32", "keep"], "config": {"a.b": 1, "plain": 2}},
        {"name": "multi", "state": "running", "tags": ["keep", "other"], "config": {"a.b": 3, "plain": 1}},
        {"name": "bare", "state": "failed", "tags": [], "config": {"plain": 3}},
        {"name": LONG_ID, "state": "finished", "tags": [LONG_TAG], "config": {LONG_KEY: 1}},
    ])
    renamed = web_server.graphql('mutation($i: UpsertBucketInput!) { upsertBucket(input: $i) { inserted } }',
                                 {"i": {"modelName": PROJECT, "name": LONG_ID, "displayName": LONG_NAME}})
    assert "errors" not in renamed, renamed
    _make_runs(web_server, "paged", [{"name": f"p{i:03d}", "config": {"rare": i}} if i == 0 else
                                     {"name": f"p{i:03d}", "config": {"common": i}} for i in range(120)])
    _make_runs(web_server, "overlay", [{"name": "both"}, {"name": "one"}])
    _history(web_server, "overlay", "both", [{"_step": s, "loss": 1.0 / (s + 1), "only_both": float(s)} for s in range(5)])
    _history(web_server, "overlay", "one", [{"_step": s, "loss": 2.0 / (s + 1)} for s in range(4)])


@pytest.fixture(scope="module")
def context(browser: Any, web_server: Server, review: None) -> Iterator[Any]:
    ctx = signed_in_context(browser, web_server, f"/admin/{PROJECT}")
    yield ctx
    ctx.close()


def _open(page: Any, server: Server, path: str, ready: str = ".runs-table") -> None:
    page.goto(server.url + path)
    page.wait_for_selector(ready)


def _run(server: Server, name: str, project: str = PROJECT) -> Any:
    answer = server.graphql('query($p: String!, $r: String!) { project(name: $p) { run(name: $r) { notes tags } } }',
                            {"p": project, "r": name})
    assert "errors" not in answer, answer
    return answer["data"]["project"]["run"]


def _edits(page: Any) -> list[str]:
    """Records the EditRun requests the page sends."""
    sent: list[str] = []

    def record(request: Any) -> None:
        if request.url.endswith("/graphql") and (request.post_data_json or {}).get("operationName") == "EditRun":
            sent.append(request.url)
    page.on("request", record)
    return sent


def test_tags_are_edited_as_items_and_an_unchanged_save_changes_nothing(page: Any, web_server: Server,
                                                                         review: None) -> None:
    sent = _edits(page)
    _open(page, web_server, f"/admin/{PROJECT}")
    row = 'tr[data-run="comma"]'
    page.click(f'{row} button[aria-label="Edit tags"]')
    page.press(f'{row} input[aria-label="new tag"]', "Enter")  # nothing typed: saves, and nothing changed
    page.wait_for_selector(f'{row} input[aria-label="new tag"]', state="detached")
    assert sent == [] and _run(web_server, "comma")["tags"] == ["lr=0.1,bs=32", "keep"]
    page.click(f'{row} button[aria-label="Edit tags"]')
    page.click(f'{row} button[aria-label="remove tag keep"]')
    page.fill(f'{row} input[aria-label="new tag"]', "x, y")
    page.press(f'{row} input[aria-label="new tag"]', "Enter")  # one tag, as typed
    page.click(f'{row} .tags-edit button:has-text("Save")')
    page.wait_for_selector(f'{row} input[aria-label="new tag"]', state="detached")
    assert _run(web_server, "comma")["tags"] == ["lr=0.1,bs=32", "x, y"]
    # The row shows the saved tags once the table has the answer: the old ones were two tags as well.
    page.wait_for_function("() => [...document.querySelectorAll('tr[data-run=comma] .tag')].map(t => t.dataset.tag)"
                           ".join('|') === 'lr=0.1,bs=32|x, y'")


def test_an_editor_closes_onto_what_was_saved_while_the_table_is_read_again(page: Any, web_server: Server,
                                                                            review: None) -> None:
    """The table is read again after a save; until then the row must not show the old tags, nor a second edit start
    from them (saving it would bring back the tag just removed)."""
    import time

    _open(page, web_server, f"/admin/{PROJECT}")

    def slowly(route: Any) -> None:
        if (route.request.post_data_json or {}).get("operationName") == "ProjectRuns":
            time.sleep(1.5)
        route.continue_()
    page.route("**/graphql", slowly)
    row = 'tr[data-run="multi"]'
    tags = f"() => [...document.querySelectorAll('{row} .tag')].map(t => t.dataset.tag)"
    page.click(f'{row} button[aria-label="Edit tags"]')
    page.click(f'{row} button[aria-label="remove tag other"]')
    page.click(f'{row} .tags-edit button:has-text("Save")')
    page.wait_for_selector(f'{row} input[aria-label="new tag"]', state="detached")
    assert page.evaluate(tags) == ["keep"]
    page.click(f'{row} button[aria-label="Edit tags"]')
    assert page.evaluate(tags) == ["keep"]
    page.fill(f'{row} input[aria-label="new tag"]', "new")
    page.click(f'{row} .tags-edit button:has-text("Save")')
    page.wait_for_selector(f'{row} input[aria-label="new tag"]', state="detached")
    assert _run(web_server, "multi")["tags"] == ["keep", "new"]
    assert page.evaluate(tags) == ["keep", "new"]
    page.unroute("**/graphql", slowly)


def test_notes_keep_their_line_breaks(page: Any, web_server: Server, review: None) -> None:
    notes = "first line\n  second, indented\n\nlast"
    _open(page, web_server, f"/admin/{PROJECT}")
    row = 'tr[data-run="bare"]'
    page.click(f'{row} button[aria-label="Edit notes"]')
    field = page.locator(f'{row} textarea[aria-label="notes"]')
    field.fill("thrown away")
    field.press("Escape")  # gives up
    page.wait_for_selector(f'{row} textarea[aria-label="notes"]', state="detached")
    assert _run(web_server, "bare")["notes"] in (None, "")
    page.click(f'{row} button[aria-label="Edit notes"]')
    field.fill("first line")
    field.press("Enter")  # a line break, not a save
    field.press_sequentially("  second, indented")
    assert field.input_value() == "first line\n  second, indented"
    field.fill(notes)
    field.press("Control+Enter")
    page.wait_for_selector(f'{row} textarea[aria-label="notes"]', state="detached")
    assert _run(web_server, "bare")["notes"] == notes
    page.wait_for_function("n => document.querySelector('tr[data-run=bare] .notes-text').innerText === n", arg=notes)
    page.click(f'{row} button[aria-label="Edit notes"]')  # edited again from what was saved, breaks and all
    assert page.locator(f'{row} textarea[aria-label="notes"]').input_value() == notes
    page.click(f'{row} .inline-edit button:has-text("Cancel")')
    _open(page, web_server, f"/admin/{PROJECT}/runs/bare", ".run")
    cell = page.locator('table.pairs tr[data-key="Notes"] td')
    assert cell.inner_text() == notes


ARTIFACT_SCRIPT = """
import pathlib, tempfile, runbase
data = pathlib.Path(tempfile.mkdtemp()) / "data.txt"
data.write_text("rows")
with runbase.init(project="review-arts") as run:
    art = runbase.Artifact("tagged", type="dataset")
    art.add_file(str(data))
    print("URL", run.log_artifact(art).wait().url)
"""
VERSION_TAGS = """query { project(name: "review-arts") { artifact(name: "tagged:v0") { tags { name } aliases { alias } } } }"""


def _version_labels(server: Server) -> tuple[list[str], list[str]]:
    answer = server.graphql(VERSION_TAGS)
    assert "errors" not in answer, answer
    found = answer["data"]["project"]["artifact"]
    return sorted(tag["name"] for tag in found["tags"]), sorted(alias["alias"] for alias in found["aliases"])


def test_an_artifact_tag_named_latest_is_kept(page: Any, web_server: Server,
                                              tmp_path_factory: pytest.TempPathFactory) -> None:
    url = re.search(r"^URL (\S+)$", sdk_output(web_server, tmp_path_factory, ARTIFACT_SCRIPT), re.M)
    assert url, "the script printed no URL"
    page.goto(url[1])
    page.wait_for_selector(".artifact-version")
    tags = page.locator(".tag-editor")
    for tag in ("latest", "other"):
        tags.locator('input[aria-label="new tag"]').fill(tag)
        tags.locator("button[type=submit]").click()
        page.wait_for_selector(f'.tag-editor .tag[data-value="{tag}"]')
    assert _version_labels(web_server) == (["latest", "other"], ["latest"])
    tags.locator('button[aria-label="remove tag other"]').click()
    page.wait_for_selector('.tag-editor .tag[data-value="other"]', state="detached")
    assert _version_labels(web_server) == (["latest"], ["latest"])


def _options(page: Any, select: str) -> list[str]:
    return list(page.eval_on_selector_all(f"{select} option", "os => os.map(o => o.value)"))


def test_keys_with_a_dot_are_columns_but_not_offered_to_sort_filter_or_group(page: Any, web_server: Server,
                                                                             review: None) -> None:
    _open(page, web_server, f"/admin/{PROJECT}")
    assert "config.plain" in _options(page, "#builder-field")
    assert "config.a.b" not in _options(page, "#builder-field")
    assert "plain" in _options(page, "#group-by") and "a.b" not in _options(page, "#group-by")
    assert "dot" in (page.get_attribute("#builder-field", "title") or "")
    assert "config:a.b" in _options(page, "#add-column")
    page.select_option("#add-column", "config:a.b")
    page.click(".columns button[type=submit]")
    header = page.locator('th[data-sort="config:a.b"]')
    header.wait_for()
    assert "dot" in (header.get_attribute("title") or "")
    url = page.url
    header.click()  # no sort the server would ignore
    assert page.url == url
    cells = page.eval_on_selector_all(".runs-table tbody tr", "rs => Object.fromEntries(rs.map(r => [r.dataset.run, "
                                      "r.cells[4].textContent]))")
    assert cells["comma"] == "1" and cells["multi"] == "3" and cells["bare"] == ""


def _groups(page: Any) -> dict[str, int]:
    page.wait_for_selector(".groups .group")
    return {json.loads(value): count for value, count in page.eval_on_selector_all(
        ".groups .group", "gs => gs.map(g => [g.dataset.value, Number(g.querySelector('.group-count').textContent)])")}


def test_runs_group_by_state_and_by_tag(page: Any, web_server: Server, review: None) -> None:
    _open(page, web_server, f"/admin/{PROJECT}")
    page.select_option("#group-by", "$state")
    page.wait_for_selector('.groups[data-key="$state"]')
    states = _groups(page)
    assert states["finished"] >= 1 and sum(states.values()) == _data(server=web_server, query=COUNT, variables={
        "p": PROJECT})["runCount"]
    page.select_option("#group-by", "$tags")
    page.wait_for_selector('.groups[data-key="$tags"]')
    tags = _groups(page)
    expected = _data(web_server, GROUPS, {"p": PROJECT, "by": "tags"})["runGroups"]["groups"]
    assert tags == {json.loads(g["value"]): g["count"] for g in expected}
    page.click('.group[data-value="\\"keep\\""] .group-head')
    page.wait_for_selector(".group.open .group-runs")
    shown = page.eval_on_selector_all(".group-runs tbody tr", "rs => rs.map(r => r.dataset.run)")
    assert sorted(shown) == sorted(["multi"] + (["comma"] if "keep" in _run(web_server, "comma")["tags"] else []))
    if None in tags:  # the runs without tags
        page.click('.group[data-value="null"] .group-head')
        page.wait_for_function("() => [...document.querySelectorAll('.group.open .group-runs tbody tr')]"
                               ".some(r => r.dataset.run === 'bare')")


def _page_names(page: Any) -> list[str]:
    return list(page.eval_on_selector_all(".runs-table tbody tr", "rs => rs.map(r => r.dataset.run)"))


def test_previous_after_a_reload_goes_back_one_page(page: Any, web_server: Server, review: None) -> None:
    _open(page, web_server, "/admin/paged")
    first = _page_names(page)
    pages = [first]
    for _ in range(2):
        page.click(".pager button:has-text('Next')")
        page.wait_for_function("f => document.querySelector('.runs-table tbody tr')?.dataset.run !== f",
                               arg=pages[-1][0])
        pages.append(_page_names(page))
    assert [len(p) for p in pages] == [50, 50, 20]
    page.reload()
    page.wait_for_selector(".runs-table")
    assert _page_names(page) == pages[2]
    for expected in (pages[1], pages[0]):
        page.click(".pager button:has-text('Previous')")
        page.wait_for_function("f => document.querySelector('.runs-table tbody tr')?.dataset.run === f",
                               arg=expected[0])
        assert _page_names(page) == expected
    assert "after=" not in page.url and page.locator(".pager button:has-text('Previous')").is_disabled()


def test_keys_of_runs_beyond_the_page_are_offered(page: Any, web_server: Server, review: None) -> None:
    _open(page, web_server, "/admin/paged")
    assert "p000" not in _page_names(page)  # the only run with `rare` is on the last page
    page.wait_for_function("() => [...document.querySelectorAll('#add-column option')]"
                           ".some(o => o.value === 'config:rare')")
    assert "config.rare" in _options(page, "#builder-field") and "rare" in _options(page, "#group-by")


def test_compare_charts_every_key_with_the_runs_that_have_it(page: Any, web_server: Server, review: None) -> None:
    _open(page, web_server, "/admin/overlay/compare?runs=both,one", ".chart[data-key=loss]")
    assert sorted(page.eval_on_selector(".chart[data-key=loss]", "e => e.dataset.runs").split(",")) == ["both", "one"]
    page.wait_for_selector(".chart[data-key=only_both]")
    assert page.eval_on_selector(".chart[data-key=only_both]", "e => e.dataset.runs") == "both"
    data = chart_data(page, "only_both")
    assert {x: y for x, y in zip(data[0], data[1])} == {float(s): float(s) for s in range(5)}
    legend = page.locator(".chart-box", has=page.locator(".chart[data-key=only_both]")).locator(".chart-runs")
    assert "1 of 2 runs" in legend.inner_text() and legend.locator('.chart-run[data-run="both"]').count() == 1


def test_an_automations_default_payload_follows_its_event_type(page: Any, web_server: Server) -> None:
    made = web_server.graphql('mutation($i: CreateGenericWebhookIntegrationInput!) { '
                              'createGenericWebhookIntegration(input: $i) { integration { id } } }',
                              {"i": {"entityName": "admin", "name": "review-hook", "urlEndpoint": "https://ci.example/hook"}})
    assert "errors" not in made, made
    _open(page, web_server, f"/admin/{PROJECT}/automations/new", "form.automation-form")
    form = page.locator("form.automation-form")
    payload = form.locator("textarea[name=payload]")
    assert "${metric_name}" in payload.input_value()
    form.locator("select[name=eventType]").select_option("RUN_STATE")
    assert "${metric_name}" not in payload.input_value() and "${run_state}" in payload.input_value()
    form.locator("select[name=eventType]").select_option("SCHEDULE")
    assert "${digest}" in payload.input_value() and "${run_id}" not in payload.input_value()
    form.locator("select[name=eventType]").select_option("ADD_ARTIFACT_ALIAS")
    assert "${alias}" in payload.input_value() and "${run_id}" not in payload.input_value()
    payload.fill('{"mine": "${event_type}"}')
    form.locator("select[name=eventType]").select_option("CREATE_ARTIFACT")  # an edited payload stays
    assert payload.input_value() == '{"mine": "${event_type}"}'
    # In a fresh form, each event type's default is accepted by the server as it is.
    # (CREATE_ARTIFACT takes LINK_ARTIFACT's default but a collection's scope; SCHEDULE needs a period first.)
    for event in ("RUN_STATE", "LINK_ARTIFACT", "ADD_ARTIFACT_ALIAS"):
        _open(page, web_server, f"/admin/{PROJECT}/automations/new", "form.automation-form")
        form.locator("input[name=name]").fill(f"review-{event.lower()}")
        form.locator("select[name=eventType]").select_option(event)
        form.locator("select[name=integration]").select_option(label="review-hook")
        page.click("button:has-text('Create automation')")
        page.wait_for_selector("h1.automation-name, form.automation-form .submit .error")
        assert page.locator("form.automation-form .submit .error").count() == 0, \
            (event, page.inner_text("form.automation-form .submit .error"))


def _fits(page: Any) -> None:
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width


def test_long_names_stay_inside_the_window(page: Any, web_server: Server, review: None) -> None:
    _open(page, web_server, f"/admin/{PROJECT}?cols=" + quote(f"config:{LONG_KEY}", safe=""))
    page.wait_for_function("() => document.querySelectorAll('#add-column option').length > 1")
    _fits(page)
    link = page.locator(f'tr[data-run="{LONG_ID}"] .run-link')
    assert link.get_attribute("title") == LONG_NAME
    assert link.bounding_box()["width"] > 100  # the name shows, cut, not only an ellipsis
    assert page.locator(f'tr[data-run="{LONG_ID}"] .tag').get_attribute("title") == LONG_TAG
    for select in ("#builder-field", "#add-column", "#group-by"):
        box = page.locator(select).bounding_box()
        assert box["x"] + box["width"] <= 1280, select
    page.select_option("#builder-field", f"config.{LONG_KEY}")
    _fits(page)
    _open(page, web_server, f"/admin/{PROJECT}/runs/{LONG_ID}", ".run")
    _fits(page)
    for element in (".topbar .user", ".topbar .signout"):
        box = page.locator(element).bounding_box()
        assert 0 <= box["x"] and box["x"] + box["width"] <= 1280, element
    assert page.locator(".crumbs .crumb").get_attribute("title") == LONG_ID


def test_an_unreachable_server_is_named_and_retried(browser: Any, web_server: Server, review: None) -> None:
    ctx = signed_in_context(browser, web_server, f"/admin/{PROJECT}")
    page = ctx.new_page()
    page.route("**/graphql", lambda route: route.abort())
    page.goto(f"{web_server.url}/admin/{PROJECT}")
    error = page.locator("main .error", has_text="Cannot reach the runbase server").first
    error.wait_for()
    assert "Failed to fetch" not in page.inner_text("main")
    page.unroute("**/graphql")
    error.locator("button.retry").click()
    page.wait_for_selector(".runs-table")
    page.route("**/api/session", lambda route: route.abort())  # down when the app first loads
    page.goto(f"{web_server.url}/admin/{PROJECT}")
    page.locator(".error", has_text="Cannot reach the runbase server").wait_for()
    page.unroute("**/api/session")
    page.click(".error button.retry")
    page.wait_for_selector(".runs-table")
    ctx.close()


def test_a_signed_in_user_back_on_the_sign_in_page_goes_on(page: Any, web_server: Server) -> None:
    page.goto(f"{web_server.url}/signin?next=" + quote(f"/admin/{PROJECT}", safe=""))
    page.wait_for_url(f"{web_server.url}/admin/{PROJECT}")
    page.wait_for_selector(".runs-table")


def test_signing_in_again_in_another_tab_keeps_this_one_working(browser: Any, web_server: Server,
                                                               review: None) -> None:
    ctx = signed_in_context(browser, web_server, f"/admin/{PROJECT}")
    first = ctx.new_page()
    _open(first, web_server, f"/admin/{PROJECT}")
    other = ctx.new_page()
    other.goto(f"{web_server.url}/signin?next=/")
    other.wait_for_url(re.compile(r"/$|/admin"))  # signed in already: it goes on; sign in anew by the API
    status = other.evaluate("k => fetch('/api/session', {method: 'POST', headers: {'Content-Type': "
                            "'application/json'}, body: JSON.stringify({apiKey: k})}).then(r => r.status)",
                            web_server.key)
    assert status == 200
    row = 'tr[data-run="multi"]'
    first.click(f'{row} button[aria-label="Edit notes"]')
    first.fill(f'{row} textarea[aria-label="notes"]', "after the other tab signed in")
    first.press(f'{row} textarea[aria-label="notes"]', "Control+Enter")
    first.wait_for_selector(f'{row} textarea[aria-label="notes"]', state="detached")
    assert _run(web_server, "multi")["notes"] == "after the other tab signed in"
    # The refused first try shows in the console as a failed resource; nothing else may go wrong.
    assert [p for p in ctx.problems if "Failed to load resource" not in p] == [], ctx.problems
    ctx.close()
