"""Findings of a security review of the web app, each held in Debian's Chromium (Playwright): a logged HTML file
opened top level is a download, never a live page of this origin; history naming a media file by a path with
".." fetches nothing outside its run; a file link followed from another site (no SameSite=Strict cookie) goes
through the sign-in page to the file; entity pages say the same of an entity the viewer cannot see as of one
that does not exist."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from browser import browser, sdk_output, signed_in_context, web_server
from conftest import Server

__all__ = ["browser", "web_server"]  # fixtures, used by name
# A logged page that, were it a page of this origin, would send its window elsewhere twice over.
LURE = ("<meta http-equiv='refresh' content='0;url=/pwned?from=refresh'>"
        "<p id='lure'>session expired: type your API key</p>"
        "<script>document.title = 'ran'; location.href = '/pwned?from=script';</script>")
ESCAPE = "../../../admin/secret/victim/media/table/t.table.json"
SCRIPT = """
import runbase
run = runbase.init(project="review")
run.log({"lure": runbase.Html(%(lure)r)})
run.log({"notes": runbase.Html("<p>notes</p>")})
print("RUN", run.id)
run.finish()
""" % {"lure": LURE}
# What a crafted client can log (the SDK would flatten these dicts): descriptors naming files of another run.
CRAFTED = {"escape": {"_type": "table-file", "path": ESCAPE, "sha256": "0" * 64, "size": 1},
           "peek": {"_type": "image-file", "path": "../../secret/victim/p.png", "width": 1, "height": 1}}
LOG = "mutation($i: LogHistoryInput!) { logHistory(input: $i) { accepted } }"


@pytest.fixture(scope="module")
def logged(web_server: Server, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    output = sdk_output(web_server, tmp_path_factory, SCRIPT)
    found = re.search(r"^RUN (\S+)$", output, re.M)
    assert found, output
    crafted = web_server.graphql(LOG, {"i": {"projectName": "review", "runName": found.group(1), "rows": json.dumps(
        [{"_step": 2, **CRAFTED}]), "summaryMetrics": json.dumps(CRAFTED)}})
    assert "errors" not in crafted, crafted
    run = web_server.run(found.group(1), project="review")
    assert run is not None
    return {"id": found.group(1), "run": run}


@pytest.fixture(scope="module")
def context(browser: Any, web_server: Server, logged: dict[str, Any]) -> Iterator[Any]:
    ctx = signed_in_context(browser, web_server, "/admin/review")
    yield ctx
    ctx.close()


def test_a_logged_page_opened_top_level_is_a_download_not_a_page(context: Any, web_server: Server,
                                                                 logged: dict[str, Any]) -> None:
    run_page = context.new_page()
    run_page.goto(f"{web_server.url}/admin/review/runs/{logged['id']}")
    notes = run_page.locator('.media-panel[data-key="notes"] iframe')
    notes.wait_for()  # the panel still frames a logged page, which shows
    notes.element_handle().content_frame().get_by_text("notes").wait_for()
    src = run_page.locator('.media-panel[data-key="lure"] iframe').get_attribute("src")
    assert src.startswith("/files/admin/review/")

    asked: list[str] = []
    alone = context.new_page()  # a typed address, "open in new tab": the browser saves the file
    alone.route("**/*", lambda route: (asked.append(route.request.url), route.continue_()))
    with alone.expect_download() as download:
        try:
            alone.goto(web_server.url + src)
        except Exception as error:  # Playwright may report the navigation that became a download
            assert "Download is starting" in str(error)
    assert download.value.suggested_filename.endswith(".html")
    with open(download.value.path(), encoding="utf-8") as saved:
        assert saved.read().endswith(LURE)  # the SDK heads it with a default style
    alone.wait_for_timeout(300)  # a refresh of 0 s or a script would have moved it by now
    assert "pwned" not in alone.url and alone.title() != "ran"
    assert [url for url in asked if "pwned" in url] == []
    alone.close()
    run_page.close()
    context.problems.clear()  # the framed lure navigating its own frame: the sandbox lets it, in the frame


def test_media_paths_out_of_the_run_fetch_nothing(context: Any, web_server: Server, logged: dict[str, Any]) -> None:
    asked: list[str] = []
    page = context.new_page()
    page.route("**/*", lambda route: (asked.append(route.request.url), route.continue_()))
    page.goto(f"{web_server.url}/admin/review/runs/{logged['id']}")
    page.locator('.media-panel[data-key="peek"]').get_by_text("Not a file path of this run").wait_for()
    page.get_by_text(f"{ESCAPE}: not a file path of this run").wait_for()
    own = f"{web_server.url}/files/admin/review/{logged['id']}/"
    assert [url for url in asked if "/files/" in url and not url.startswith(own)] == []
    assert [url for url in asked if "secret" in url or "victim" in url] == []
    page.close()
    context.problems.clear()


def test_a_file_link_from_another_site_goes_through_sign_in_to_the_file(
        context: Any, web_server: Server, logged: dict[str, Any]) -> None:
    page = context.new_page()
    run_page = context.new_page()
    run_page.goto(f"{web_server.url}/admin/review/runs/{logged['id']}")
    src = run_page.locator('.media-panel[data-key="notes"] iframe').get_attribute("src")
    run_page.close()
    link = web_server.url + src
    answers: list[tuple[int, str]] = []
    page.on("response", lambda response: answers.append((response.status, response.url)))
    context.route("http://elsewhere.test/", lambda route: route.fulfill(
        content_type="text/html", body=f"<a id='go' href='{link}'>the notes</a>"))
    page.goto("http://elsewhere.test/")
    with page.expect_download() as download:
        page.click("#go")
    with open(download.value.path(), encoding="utf-8") as saved:
        assert saved.read().endswith("<p>notes</p>")
    # the first request carried no cookie (another site's link): sent to sign in, which found the session
    assert (303, link) in answers and (200, link) in answers
    assert "/signin?next=" in page.url
    page.close()
    context.unroute("http://elsewhere.test/")


def test_a_printed_run_url_with_spaces_and_bars_opens_its_run(context: Any, web_server: Server,
                                                                tmp_path_factory: pytest.TempPathFactory) -> None:
    """run.url (and the public API's) is percent-encoded per segment: a terminal keeps it whole, Slack's <url|text>
    is not cut at '|', and the page's router decodes it back to the names."""
    project = "two words|a>b"
    output = sdk_output(web_server, tmp_path_factory, f"""
import runbase
run = runbase.init(project={project!r})
run.log({{"loss": 0.5}})
print("URL", run.url)
run.finish()
print("API", runbase.Api().run(run.path).url)
""")
    printed = re.search(r"^URL (\S+)$", output, re.M)
    assert printed, output
    url = printed.group(1)
    assert url.startswith(web_server.url + "/admin/two%20words%7Ca%3Eb/runs/")
    assert re.search(r"^API (\S+)$", output, re.M).group(1) == url  # type: ignore[union-attr]
    page = context.new_page()
    page.goto(url)
    page.locator(".crumbs").get_by_text(project).wait_for()
    page.wait_for_function("id => document.title.startsWith(id)", arg=url.rsplit("/", 1)[1])
    page.close()


ENTITY_PAGES = ("/{e}", "/{e}?tab=automations", "/{e}/review/automations", "/{e}/review/automations/new")


def test_entity_pages_tell_an_outsider_nothing_of_whether_the_entity_exists(
        browser: Any, web_server: Server, logged: dict[str, Any]) -> None:
    """An outsider at the admin's pages reads what anyone reads at a name nobody has: no read access claimed,
    no "yet". (The GraphQL API's entity(name) does answer whether a user or team exists, as W&B's does.)"""
    outsider = f"olive-{logged['id']}"
    key = web_server.create_user(outsider)
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(web_server.url + "/")
    page.wait_for_url(re.compile(r"/signin\?next="))
    page.fill("#api-key", key)
    page.click("button[type=submit]")
    page.wait_for_url(web_server.url + "/")
    missing = f"nobody-{logged['id']}"
    for shape in ENTITY_PAGES:
        texts = []
        for entity in ("admin", missing):
            page.goto(web_server.url + shape.format(e=entity))
            page.locator(".nothing-visible").wait_for()
            text = page.inner_text(".app").replace(entity, "ENTITY")
            for claim in ("You can read", "yet", "No entity named", "no access"):
                assert claim not in text, (shape, entity, text)
            assert page.locator("form").count() == 0 and page.locator("a", has_text="New automation").count() == 0
            texts.append(text)
        assert texts[0] == texts[1], shape
    ctx.close()
