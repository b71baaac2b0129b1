"""What the browser tests share: Debian's Chromium driven by Playwright (skipped where it is missing, required
in CI), a server for a test module, signing in through the page, one signed-in context that records dialogs and
console errors, screenshots (test-outputs/web/, gitignored) and reading a chart's data."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REQUIRE_POSTGRES, ROOT, Server, run_script, sdk_environment

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "test-outputs" / "web"


def _need_chromium() -> Any:
    """Playwright's sync API, or a skip (a failure in CI, where the test command installs Chromium)."""
    reason = None
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (the test command installs it with `apt-get install -y chromium`)"
    try:
        from playwright import sync_api
    except ImportError:
        reason = "the playwright package is not installed (it is in the dev extra)"
    if reason:
        if REQUIRE_POSTGRES:
            pytest.fail(f"browser tests are required in CI (RUNBASE_REQUIRE_POSTGRES=1): {reason}")
        pytest.skip(reason)
    return sync_api


@pytest.fixture(scope="module")
def web_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = Server(tmp_path_factory.mktemp("web-server"), None).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = _need_chromium()
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        chromium.close()


def sign_in(page: Any, server: Server, path: str) -> None:
    """Open `path` signed out: the page sends to /signin?next=..., the key signs in and brings it back."""
    page.goto(server.url + path)
    page.wait_for_url(re.compile(r"/signin\?next="))
    page.fill("#api-key", server.key)
    page.click("button[type=submit]")
    page.wait_for_url(server.url + path)


def signed_in_context(browser: Any, server: Server, path: str) -> Any:
    """A browser context signed in by opening `path`; every page's dialogs and console errors are kept in
    `.problems`."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    ctx.problems = []

    def watch(page: Any) -> None:
        page.on("dialog", lambda dialog: (ctx.problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
        page.on("console", lambda m: m.type == "error" and ctx.problems.append(f"console: {m.text}"))
        page.on("pageerror", lambda error: ctx.problems.append(f"pageerror: {error}"))

    ctx.on("page", watch)
    page = ctx.new_page()
    sign_in(page, server, path)
    page.close()
    ctx.problems.clear()  # signed out, GET /api/session answered 401: Chromium logs that as an error
    return ctx


@pytest.fixture
def page(context: Any) -> Iterator[Any]:
    """A new page of the module's `context` fixture (a signed_in_context), closed after the test, which must have
    left no dialog or console error."""
    opened = context.new_page()
    yield opened
    opened.close()
    assert context.problems == []


def sdk_output(server: Server, tmp_path_factory: pytest.TempPathFactory, script: str) -> str:
    """What a training script using the SDK against `server` printed (no system metrics sampled)."""
    env = sdk_environment(server, tmp_path_factory.mktemp("sdk"))
    env["RUNBASE_DISABLE_STATS"] = "true"
    return run_script(script, env).stdout


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def chart_data(page: Any, key: str) -> list[list[float | None]]:
    selector = f'.chart[data-key="{key}"]'
    page.wait_for_function("s => document.querySelector(s)?.uplot !== undefined", arg=selector)
    return page.eval_on_selector(selector, "e => e.uplot.data.map(s => Array.from(s))")


def zoom(page: Any, key: str, start: float, end: float) -> tuple[float, float]:
    """Drag across the chart of `key` from `start` to `end` (fractions of its width) and wait for the finer sample
    of that range: the x range it zoomed to."""
    over = page.locator(f'.chart[data-key="{key}"] .u-over')
    over.scroll_into_view_if_needed()
    box = over.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * start, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * end, y, steps=5)
    page.mouse.up()
    page.wait_for_selector(f'.chart[data-key="{key}"][data-refined]')
    low, high = (float(v) for v in page.get_attribute(f'.chart[data-key="{key}"]', "data-refined").split(":"))
    return low, high



# A text node holding `marker` that is not the whole text of a bidi-isolating element: a right-to-left override
# in a user string there reorders the page's own text around it.
_UNISOLATED = """marker => {
  const found = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walk.nextNode(); node; node = walk.nextNode()) {
    if (!node.data.includes(marker) || ["OPTION", "TITLE", "SCRIPT", "TEXTAREA"].includes(node.parentElement.tagName)) continue;
    const element = node.parentElement;
    const bidi = getComputedStyle(element).unicodeBidi;
    if (!["isolate", "plaintext"].includes(bidi) || element.textContent !== node.data)
      found.push(element.outerHTML.slice(0, 160));
  }
  return found;
}"""


def unisolated(page: Any, marker: str) -> list[str]:
    """The elements showing `marker` (part of a user string) without isolating it from the text around it."""
    return page.evaluate(_UNISOLATED, marker)
