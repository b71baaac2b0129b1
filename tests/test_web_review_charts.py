"""The run page after a review, in Debian's Chromium: many charts load in small batches, the ones in view first,
each drawn when its own sample arrives; a zoom keeps the line to the logged points just outside the window (and
across a window between two sparse points); smoothing and a log scale keep the zoom, a new x axis ends it; a
non-monotonic x axis is drawn in the order of x; the console pages back to its first line and downloads whole;
the summary shows rich values as short labels that scroll to their panels."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any, cast

import pytest
from browser import browser, chart_data, page, sdk_output, signed_in_context, web_server, zoom
from conftest import Server

__all__ = ["browser", "page", "web_server"]  # fixtures, used by name
PROJECT = "review"
WIDE_KEYS = 300
WIDE_STEPS = 20
DENSE_STEPS = 3000
ZIGZAG_STEPS = 40
BATCH = 10  # specs a sampledHistory request of the run page carries at most (chartLoader.ts)
PARALLEL = 3  # sampledHistory requests the run page has out at a time (chartLoader.ts)


def _log(server: Server, run: str, rows: list[dict[str, Any]], summary: dict[str, Any] | None = None) -> None:
    made = server.graphql("""mutation($p: String!, $r: String!, $rows: JSONString!, $s: JSONString) {
        a: upsertBucket(input: {modelName: $p, name: $r}) { inserted }
        b: logHistory(input: {projectName: $p, runName: $r, rows: $rows, summaryMetrics: $s}) { historyLineCount } }""",
                          {"p": PROJECT, "r": run, "rows": json.dumps(rows), "s": json.dumps(summary or {})})
    assert "errors" not in made, made


def _wide(key: int, step: int) -> float:
    return key + step / 100


def _dense(step: int) -> float:
    return round(math.sin(step / 50) + step / 1000, 6)


def _zig(step: int) -> int:
    return (step * 7) % 10  # not monotonic, with ties


@pytest.fixture(scope="module")
def runs(web_server: Server) -> dict[str, list[dict[str, Any]]]:
    wide = [{"_step": s, **{f"k{k:03d}": _wide(k, s) for k in range(WIDE_KEYS)}} for s in range(WIDE_STEPS)]
    _log(web_server, "wide", wide)
    dense = []
    for s in range(DENSE_STEPS):
        row: dict[str, Any] = {"_step": s, "dense": _dense(s), "zig": _zig(s), "mono": s * 2}
        if s % 100 == 0:
            row["ev"] = s / 100
        dense.append(row)
    _log(web_server, "dense", dense)
    zigzag = [{"_step": s, "zig": _zig(s), "mono": s * 2} for s in range(ZIGZAG_STEPS)]
    _log(web_server, "zigzag", zigzag)
    return {"wide": wide, "dense": dense, "zigzag": zigzag}


@pytest.fixture(scope="module")
def context(browser: Any, web_server: Server, runs: dict[str, Any]) -> Iterator[Any]:
    ctx = signed_in_context(browser, web_server, f"/admin/{PROJECT}")
    yield ctx
    ctx.close()


def _open(page: Any, server: Server, run: str, query: str = "") -> None:
    page.goto(f"{server.url}/admin/{PROJECT}/runs/{run}{query}")


def _specs(request: Any) -> list[dict[str, Any]]:
    """The sampledHistory specs a GraphQL request of the page carries (none for other requests)."""
    if not request.url.endswith("/graphql") or request.method != "POST":
        return []
    body = json.loads(request.post_data or "{}")
    if body.get("operationName") != "RunSampledHistory":
        return []
    return [json.loads(spec) for spec in body["variables"]["specs"]]


class _Stall:
    """Holds back up to two of the page's sampledHistory requests (never one for the first chart): the loader has
    three out at most, so a third stays free for the charts scrolled into view, and the charts between cannot be
    asked for meanwhile. The order checked below is then the loader's, not a race between the test's scroll and
    the background batches on a loaded machine."""

    def __init__(self, page: Any, first: str) -> None:
        self.held: list[Any] = []
        self.on = True
        self.first = first
        page.route("**/graphql", self.route)

    def route(self, route: Any) -> None:
        keys = [key for spec in _specs(route.request) for key in spec["keys"]]
        if self.on and keys and self.first not in keys and len(self.held) < PARALLEL - 1:
            self.held.append(route)
        else:
            route.continue_()

    def release(self) -> None:
        self.on = False
        while self.held:
            self.held.pop(0).continue_()


def test_many_charts_load_in_small_batches_those_in_view_first(page: Any, web_server: Server,
                                                                runs: dict[str, Any]) -> None:
    requests: list[list[str]] = []

    def record(request: Any) -> None:
        specs = _specs(request)
        if specs:
            requests.append([key for spec in specs for key in spec["keys"]])

    page.on("request", record)
    first = "k000"
    stall = _Stall(page, first)
    _open(page, web_server, "wide")
    assert chart_data(page, first) == [list(range(WIDE_STEPS)), [_wide(0, s) for s in range(WIDE_STEPS)]]
    # The last chart, far below: scrolled into view, it loads before the charts between, while the background's
    # requests are still out.
    last = f"k{WIDE_KEYS - 1:03d}"
    # Scrolled by the page itself: the placeholder may be swapped for its chart between a locator's steps.
    page.evaluate("k => document.querySelector(`[data-chart=\"${k}\"], .chart[data-key=\"${k}\"]`).scrollIntoView()",
                  last)
    assert chart_data(page, last) == [list(range(WIDE_STEPS)), [_wide(WIDE_KEYS - 1, s) for s in range(WIDE_STEPS)]]
    asked = [key for batch in requests for key in batch]
    middle = f"k{WIDE_KEYS // 2:03d}"
    assert requests[0][0] == first and all(len(batch) <= BATCH for batch in requests)
    assert stall.held and middle not in asked
    stall.release()
    # The rest follow in the background: every chart is drawn in the end, each from its own sample.
    page.wait_for_function("n => document.querySelectorAll('[data-section=\"history\"] .chart').length === n",
                           arg=WIDE_KEYS, timeout=120_000)
    asked = [key for batch in requests for key in batch]
    assert asked.index(last) < asked.index(middle)
    assert sorted(asked) == sorted(runs["wide"][0].keys() - {"_step"})  # each chart asked for once
    assert chart_data(page, middle)[1] == [_wide(WIDE_KEYS // 2, s) for s in range(WIDE_STEPS)]
    # Another x axis reloads every chart: those in view (still the last ones) first again.
    seen = len(requests)
    stall.on = True
    # (chosen in script: Playwright's select_option would scroll the page up to the select)
    page.eval_on_selector("#x-axis", "(s, k) => { s.value = k; s.dispatchEvent(new Event('change')); }", first)
    page.wait_for_function("k => document.querySelector(`.chart[data-key=\"${k}\"]`)?.uplot?.series[0].label === 'k000'",
                           arg=last)
    asked = [key for batch in requests[seen:] for key in batch]
    assert stall.held and middle not in asked
    stall.release()


def _dense_points(rows: list[dict[str, Any]], key: str, steps: range) -> list[list[Any]]:
    kept = [row for row in rows if row["_step"] in steps and key in row]
    return [[row["_step"] for row in kept], [row[key] for row in kept]]


def test_a_zoom_keeps_the_line_to_the_points_outside_the_window(page: Any, web_server: Server,
                                                                runs: dict[str, Any]) -> None:
    rows = runs["dense"]
    _open(page, web_server, "dense")
    # `ev`, logged every 100 steps: a window between two of its points still shows the line through them.
    assert chart_data(page, "ev")[0] == list(range(0, DENSE_STEPS, 100))
    low, high = zoom(page, "ev", 0.524, 0.544)  # about steps 1520 to 1578
    before, after = math.floor(low / 100) * 100, math.ceil(high / 100) * 100
    assert after - before == 100  # no logged point in the window
    assert chart_data(page, "ev") == [[before, after], [before / 100, after / 100]]
    # A dense metric: every step in view, and the logged step just outside each edge.
    low, high = zoom(page, "dense", 0.40, 0.45)
    xs, ys = chart_data(page, "dense")
    assert xs[0] is not None and xs[-1] is not None and xs[0] < low and xs[-1] > high
    assert [xs, ys] == _dense_points(rows, "dense", range(math.floor(low) - 1, math.ceil(high) + 2))


def _refined(page: Any, key: str) -> str | None:
    return cast(str | None, page.get_attribute(f'.chart[data-key="{key}"]', "data-refined"))


def _x_scale(page: Any, key: str) -> list[float]:
    return cast(list[float], page.eval_on_selector(f'.chart[data-key="{key}"]',
                                                   "e => [e.uplot.scales.x.min, e.uplot.scales.x.max]"))


def test_smoothing_and_a_log_scale_keep_the_zoom_a_new_x_axis_ends_it(page: Any, web_server: Server,
                                                                      runs: dict[str, Any]) -> None:
    _open(page, web_server, "dense")
    chart_data(page, "dense")
    low, high = zoom(page, "dense", 0.40, 0.45)
    xs, ys = chart_data(page, "dense")
    page.fill("#smoothing", "0.5")
    page.wait_for_function("() => document.querySelector('.chart[data-key=\"dense\"]').uplot.data.length === 3")
    page.wait_for_selector('.chart[data-key="dense"][data-refined]')
    assert [float(v) for v in str(_refined(page, "dense")).split(":")] == [low, high]
    assert _x_scale(page, "dense") == pytest.approx([low, high])
    smoothed_xs, raw, smoothed = chart_data(page, "dense")
    assert [smoothed_xs, raw] == [xs, ys] and smoothed != raw  # the finer sample, smoothed
    page.check("#log-y")
    page.wait_for_function("() => document.querySelector('.chart[data-key=\"dense\"]').uplot.scales.y.distr === 3")
    page.wait_for_selector('.chart[data-key="dense"][data-refined]')
    assert _x_scale(page, "dense") == pytest.approx([low, high])
    assert chart_data(page, "dense")[0] == xs
    # Another x axis: other points, so the zoom ends and nothing says it is refined.
    page.select_option("#x-axis", "mono")
    page.wait_for_function("() => document.querySelector('.chart[data-key=\"dense\"]')?.uplot?.series[0].label "
                           "=== 'mono'")
    assert _refined(page, "dense") is None
    assert chart_data(page, "dense")[0][-1] == (DENSE_STEPS - 1) * 2


def test_a_non_monotonic_x_axis_is_drawn_in_the_order_of_x(page: Any, web_server: Server,
                                                           runs: dict[str, Any]) -> None:
    _open(page, web_server, "zigzag", "?x=zig")
    page.wait_for_function("() => document.querySelector('.chart[data-key=\"mono\"]')?.uplot?.series[0].label "
                           "=== 'zig'")
    by_x = sorted(runs["zigzag"], key=lambda row: row["zig"])  # stable: equal x stay in step order
    assert chart_data(page, "mono") == [[row["zig"] for row in by_x], [row["mono"] for row in by_x]]


CONSOLE_LINES = 2_500


def test_console_pages_back_to_the_first_line_and_downloads_whole(page: Any, web_server: Server) -> None:
    lines = [f"line {i} <b>not bold</b>" for i in range(CONSOLE_LINES)]
    made = web_server.graphql("""mutation($c: JSONString!) {
        a: upsertBucket(input: {modelName: "review", name: "chatty"}) { inserted }
        b: logHistory(input: {projectName: "review", runName: "chatty", rows: "[]", consoleLines: $c,
                              consoleStart: 0}) { historyLineCount } }""", {"c": json.dumps(lines)})
    assert "errors" not in made, made
    _open(page, web_server, "chatty")
    page.wait_for_selector("pre.console")
    assert page.inner_text("pre.console") == "\n".join(lines[-1000:])  # the tail first
    assert page.inner_text(".console-count").startswith(f"Lines 1501 to {CONSOLE_LINES} of {CONSOLE_LINES}.")
    page.click("#console-earlier")
    page.wait_for_function("() => document.querySelector('pre.console').textContent.startsWith('line 500 ')")
    assert page.inner_text("pre.console") == "\n".join(lines[500:])
    page.click("#console-earlier")
    page.wait_for_function("() => document.querySelector('pre.console').textContent.startsWith('line 0 ')")
    assert page.inner_text("pre.console") == "\n".join(lines)
    assert page.locator("#console-earlier").count() == 0  # nothing before the first line
    with page.expect_download() as download:
        page.click("#console-download")
    assert download.value.suggested_filename == "chatty-output.log"
    with open(download.value.path(), encoding="utf-8") as saved:
        assert saved.read() == "".join(f"{line}\n" for line in lines)


MEDIA_SCRIPT = """
import numpy as np, runbase
run = runbase.init(project="review-media")
run.log({"img": runbase.Image(np.zeros((64, 64, 3), dtype=np.uint8)), "hist": runbase.Histogram(np.arange(640)),
         "tbl": runbase.Table(columns=["a", "b", "c"], data=[[i, i * 2, str(i)] for i in range(100)]),
         "page": runbase.Html("<p>hi</p>"), "loss": 0.5})
print("RUN", run.id)
run.finish()
"""


def test_summary_shows_media_as_labels_that_lead_to_their_panels(page: Any, web_server: Server,
                                                                 tmp_path_factory: pytest.TempPathFactory) -> None:
    output = sdk_output(web_server, tmp_path_factory, MEDIA_SCRIPT)
    run = output.split("RUN ", 1)[1].split()[0]
    page.goto(f"{web_server.url}/admin/review-media/runs/{run}")
    page.wait_for_selector('.media-panel[data-key="img"]')
    cells = page.eval_on_selector_all('table[aria-label="summary"] tr',
                                      "rows => rows.map(r => [r.cells[0].textContent, r.cells[1].textContent])")
    assert cells == [["hist", "histogram (64 bins)"], ["img", "image 64×64"], ["loss", "0.5"], ["page", "html"],
                     ["tbl", "table 100×3"]]
    for key in ("img", "tbl"):
        page.click(f'button[data-media-key="{key}"]')
        page.wait_for_function("""k => { const r = document.querySelector(`.media-panel[data-key="${k}"]`)
            .getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight; }""", arg=key)
