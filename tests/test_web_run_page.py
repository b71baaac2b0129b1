"""The run page's charts and media panels in Debian's Chromium (Playwright), for a run the SDK logged: the x axis
switched to _runtime, _timestamp and a define_metric step metric, W&B's smoothing against the formula computed
here, a log y axis, charts in sections by key prefix, an image panel showing the logged pixels with a step
slider, a table panel that pages and sorts with hostile cells as text, HTML in a frame that can reach neither the
page, its cookies nor the API, a histogram heatmap, and plot.* charts drawn from their tables."""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from browser import browser, chart_data, sdk_output, shot, signed_in_context, web_server
from conftest import Server

__all__ = ["browser", "web_server"]  # fixtures, used by name
HOSTILE = "<img src=x onerror=alert(1)>"
STEPS = 60
IMAGE_STEPS = (0, 20, 40)
TABLE_ROWS = 25
# A logged page whose script runs and tries what it must not: each attempt's outcome is written into its own DOM.
FRAME = ("<p id='inside'>inside the frame</p><p id='outcome'></p><script>"
         "const seen = [];"
         "const attempt = (name, act) => { try { act(); seen.push(name + ':done'); } catch (e) { seen.push(name + ':' + e.name); } };"
         "document.getElementById('inside').dataset.ran = 'yes';"
         "attempt('parent', () => { parent.document.body.dataset.pwned = 'yes'; });"
         "attempt('cookie', () => document.cookie);"
         "if (window !== top) attempt('top', () => { top.location.href = '/pwned'; });"
         "attempt('popup', () => { if (!window.open('/pwned')) throw new RangeError('refused'); });"
         "Promise.all([fetch('/api/session?from=frame'), fetch('/graphql?from=frame', {method: 'POST', body: '{}'})]"
         ".map(p => p.then(() => 'reached', e => e.name)))"
         ".then(r => { seen.push('fetch:' + r.join(',')); document.getElementById('outcome').textContent = seen.join(' '); });"
         "</script>")
HTML_CSP = ("sandbox allow-scripts; default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
            "img-src data:")
# What Chromium reports of the logged page's refused attempts: the sandbox and its CSP at work, not page faults.
SANDBOXED = re.compile(
    r"^console: (Connecting to '[^']*/(api/session|graphql)(\?from=frame)?' violates the following Content Security "
    r"Policy directive: \"default-src 'none'\"|Fetch API cannot load \S*/(api/session|graphql)(\?from=frame)?\. Refused "
    r"to connect because it violates the document's Content Security Policy\.$|Blocked opening '[^']*/pwned' in a new "
    r"window because the request was made in a sandboxed frame|Unsafe attempt to initiate navigation for frame with "
    r"origin '[^']*' from frame with URL '[^']*/media/html/page_)")
SCRIPT = """
import numpy as np, runbase
run = runbase.init(project="media", config={"lr": 0.1})
run.define_metric("epoch")
run.define_metric("val/*", step_metric="epoch")
for i in range(%(steps)d):
    row = {"train/loss": 1 / (i + 1) + (i %% 7) / 10, "train/acc": i / %(steps)d, "lr": 10.0 ** -(i %% 5)}
    if i in %(image_steps)r:
        row["sample"] = runbase.Image(np.full((6, 9, 3), (i * 4, 255 - i * 4, 7 * i // 20), dtype=np.uint8),
                                      caption="picture at %%d" %% i)
        row["weights"] = runbase.Histogram(np.arange(100) / 10 + i)
    if i %% 10 == 9:
        row["val/loss"] = 2.0 / (i + 1)
        row["epoch"] = i // 10
    run.log(row)
cells = [[n, %(hostile)r if n == 3 else "row %%02d" %% n, (n * 7) %% 11] for n in range(%(rows)d)]
run.log({"predictions": runbase.Table(columns=["n", "text", "score"], data=cells)})
run.log({"page": runbase.Html(%(frame)r)})
run.log({"tone": runbase.Audio(np.sin(np.arange(800) / 5).astype(np.float32), sample_rate=8000, caption="a tone"),
         "clip": runbase.Video(np.zeros((3, 3, 8, 8), dtype=np.uint8), fps=3, format="gif")})
run.log({"curve": runbase.plot.line(runbase.Table(columns=["x", "y"], data=[[1, 3], [2, 5], [3, 4]]), "x", "y",
                                    title="a curve")})
run.log({"matrix": runbase.plot.confusion_matrix(y_true=[0, 1, 1, 0], preds=[0, 1, 0, 0], class_names=["a", "b"])})
print("RUN", run.id)
run.finish()
""" % {"steps": STEPS, "image_steps": IMAGE_STEPS, "hostile": HOSTILE, "rows": TABLE_ROWS, "frame": FRAME}


@pytest.fixture(scope="module")
def logged(web_server: Server, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    output = sdk_output(web_server, tmp_path_factory, SCRIPT)
    found = re.search(r"^RUN (\S+)$", output, re.M)
    assert found, output
    run = web_server.run(found.group(1), project="media")
    assert run is not None
    rows = [json.loads(row) for row in run["history"]]
    return {"id": found.group(1), "rows": rows, "summary": json.loads(run["summaryMetrics"])}


@pytest.fixture(scope="module")
def context(browser: Any, web_server: Server, logged: dict[str, Any]) -> Iterator[Any]:
    ctx = signed_in_context(browser, web_server, "/admin/media")
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any, web_server: Server, logged: dict[str, Any]) -> Iterator[Any]:
    opened = context.new_page()
    opened.goto(f"{web_server.url}/admin/media/runs/{logged['id']}")
    chart_data(opened, "train/loss")
    yield opened
    opened.close()
    # Chromium reports the logged HTML's script being refused what it tried: the sandbox at work, not page faults
    assert [problem for problem in context.problems if not SANDBOXED.search(problem)] == []
    context.problems.clear()


def _logged(rows: list[dict[str, Any]], key: str, x: str) -> list[list[float]]:
    """The x and y values of `key` against `x` as the API answers them: the steps where both were logged."""
    return [[row[x] for row in rows if key in row and x in row], [row[key] for row in rows if key in row and x in row]]


AXIS_LABELS = {"_runtime": "Runtime (s)", "_timestamp": "Time"}


def _switch_x(page: Any, axis: str, chart: str = "train/loss") -> None:
    """Choose the page's x axis and wait for `chart` drawn against it."""
    page.select_option("#x-axis", axis)
    page.wait_for_function("([key, label]) => document.querySelector(`.chart[data-key=\"${key}\"]`)?.uplot"
                           "?.series[0].label === label", arg=[chart, AXIS_LABELS.get(axis, axis)])


def test_x_axis_switches_to_runtime_timestamp_and_a_step_metric(page: Any, logged: dict[str, Any]) -> None:
    rows = logged["rows"]
    xs, ys = chart_data(page, "train/loss")
    assert [xs, ys] == _logged(rows, "train/loss", "_step")
    for axis in ("_runtime", "_timestamp"):
        _switch_x(page, axis)
        assert chart_data(page, "train/loss") == _logged(rows, "train/loss", axis)
    time_axis = page.eval_on_selector('.chart[data-key="train/loss"]', "e => e.uplot.scales.x.time")
    assert time_axis is True  # _timestamp is drawn as dates and times
    _switch_x(page, "epoch", "val/loss")  # the step metric define_metric gave val/*
    xs, ys = chart_data(page, "val/loss")
    assert [xs, ys] == _logged(rows, "val/loss", "epoch") and xs == [0, 1, 2, 3, 4, 5]
    # sections by prefix, as W&B groups them
    names = page.eval_on_selector_all("details.chart-section", "ds => ds.map(d => d.dataset.sectionName)")
    assert names == ["Charts", "train", "val"]
    shot(page, "run-charts-epoch")


def _ema(values: list[float | None], weight: float) -> list[float | None]:
    """W&B's smoothing: an exponential moving average, debiased as Adam's moments are."""
    last, count, out = 0.0, 0, []
    for value in values:
        if value is None:
            out.append(None)
            continue
        last = last * weight + (1 - weight) * value
        count += 1
        out.append(last / (1 - weight ** count))
    return out


def test_smoothing_is_wbs_debiased_moving_average_over_the_faint_raw_line(page: Any) -> None:
    page.fill("#smoothing", "0.8")
    page.wait_for_function("() => document.querySelector('.chart[data-key=\"train/loss\"]').uplot.data.length === 3")
    xs, raw, smoothed = chart_data(page, "train/loss")
    assert smoothed == pytest.approx(_ema(raw, 0.8))
    assert smoothed[0] == pytest.approx(raw[0]) and smoothed[-1] != pytest.approx(raw[-1])
    strokes = page.eval_on_selector('.chart[data-key="train/loss"]',
                                    "e => e.uplot.series.slice(1).map(s => s.width)")
    assert strokes[0] < strokes[1]  # the raw values stay, thinner and faint, under the smoothed line


def test_log_scale(page: Any, logged: dict[str, Any]) -> None:
    page.check("#log-y")
    page.wait_for_function("() => document.querySelector('.chart[data-key=\"lr\"]').uplot.scales.y.distr === 3")
    assert chart_data(page, "lr") == _logged(logged["rows"], "lr", "_step")
    low, high = page.eval_on_selector('.chart[data-key="lr"]', "e => [e.uplot.scales.y.min, e.uplot.scales.y.max]")
    assert low <= 1e-4 and high >= 1


# A chart's x labels as uPlot drew them, or its log y labels as the page drew them: (label, the width it needs in
# the axis font, its place), then the axis's own size.
AXIS = """([key, index]) => { const element = document.querySelector(`.chart[data-key="${key}"]`);
  const chart = element.uplot, axis = chart.axes[index], ruler = document.createElement("canvas").getContext("2d");
  ruler.font = '12px system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", sans-serif';
  const width = text => Math.max(...String(text).split("\\n").map(line => ruler.measureText(line).width));
  const drawn = index === 1 ? element.yTicks.map(t => [t.label, width(t.label), t.y])
    : axis._splits.map((v, i) => [axis._values[i], width(axis._values[i]), chart.valToPos(v, "x")])
        .filter(([label]) => label !== null && label !== "");
  return [drawn, axis._size / devicePixelRatio]; }"""


def _axis(page: Any, key: str, index: int) -> tuple[list[tuple[str, float, float]], float]:
    drawn = "yTicks" if index else "uplot?.axes[0]._splits"
    page.wait_for_function(f"k => document.querySelector(`.chart[data-key='${{k}}']`)?.{drawn}", arg=key)
    labels, size = page.evaluate(AXIS, [key, index])
    return [tuple(row) for row in labels], size


def test_log_axis_labels_fit_read_well_and_time_labels_do_not_overlap(context: Any, web_server: Server) -> None:
    rows = [{"_step": i, "_timestamp": 1.7e9 + 72 * i, "_runtime": 72.0 * i, "tiny": 10.0 ** -(i % 8),
             "thousands": 10.0 ** (i % 5), "huge": 10.0 ** (300 * (i % 3 - 1)), "negative": -1.0 - i}
            for i in range(40)]
    made = web_server.graphql("""mutation($r: JSONString!) { a: upsertBucket(input: {modelName: "axes",
        name: "scales"}) { inserted } b: logHistory(input: {projectName: "axes", runName: "scales", rows: $r}) {
        historyLineCount } }""", {"r": json.dumps(rows)})
    assert "errors" not in made, made
    page = context.new_page()
    page.goto(f"{web_server.url}/admin/axes/runs/scales")
    chart_data(page, "tiny")
    runtime = page.eval_on_selector('table[aria-label="overview"]', "t => [...t.rows].find(r => "
                                    "r.cells[0].textContent === 'Runtime').cells[1].textContent")
    assert runtime == "46m 48s"  # made and logged in one request, still running: the last _runtime logged
    page.check("#log-y")
    page.wait_for_function("() => document.querySelector('.chart[data-key=\"huge\"]').uplot.scales.y.distr === 3")
    def written(label: str) -> bool:  # as logLabel writes a power of ten: plain between 0.001 and 1e15
        value = float(label.replace(",", ""))
        plain = 1e-3 <= value < 1e15
        return (("e" not in label) == plain and f"{value:,.15g}" == label if plain
                else label == f"{value:.0e}".replace("e-0", "e-").replace("e+0", "e+"))

    for key, wanted in {"tiny": "1e-", "thousands": "1,000", "huge": "e+"}.items():
        labels, size = _axis(page, key, 1)
        shown = [label for label, _, _ in labels]
        assert len(shown) >= 3 and all(map(written, shown)) and any(wanted in label for label in shown), shown
        assert all(width + 8 < size for _, width, _ in labels), (key, labels, size)  # none cut off
        places = sorted(place for _, _, place in labels)
        assert all(b - a >= 14 for a, b in zip(places, places[1:])), (key, labels)  # none over another
    assert "above 0" in page.inner_text('figure:has(.chart[data-key="negative"]) .chart-empty')
    assert page.locator(".chart-empty").count() == 1
    page.select_option("#x-axis", "_timestamp")
    page.wait_for_function("() => document.querySelector('.chart[data-key=\"tiny\"]')?.uplot?.scales.x.time")
    for width in (1280, 1100, 960, 820, 700):  # charts of many widths: labels of many spacings
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_function("w => Math.abs(document.querySelector('.chart[data-key=\"tiny\"]').uplot.width - "
                               "document.querySelector('.chart[data-key=\"tiny\"]').clientWidth) < 2", arg=width)
        labels, _ = _axis(page, "tiny", 0)
        assert len(labels) >= 2
        for (_, width_a, a), (_, width_b, b) in zip(labels, labels[1:]):
            assert b - a > (width_a + width_b) / 2 + 8, (width, labels)  # room between neighbouring labels
    shot(page, "run-log-axes")
    page.close()
    assert context.problems == []


def _pixels(page: Any, src: str) -> bytes:
    from PIL import Image

    answer = page.context.request.get(page.url.split("/admin/")[0] + src)  # with the page's session cookie
    assert answer.ok, answer.status
    with Image.open(io.BytesIO(answer.body())) as image:
        return image.convert("RGB").tobytes()


def test_image_panel_shows_the_logged_pixels_and_the_step_slider_moves(page: Any) -> None:
    panel = page.locator('.media-panel[data-kind="image"][data-key="sample"]')
    panel.locator("img").wait_for()
    expected = {i: (i * 4, 255 - i * 4, 7 * i // 20) for i in IMAGE_STEPS}
    assert panel.locator(".media-step").inner_text() == "step 40"
    assert _pixels(page, panel.locator("img").get_attribute("src")) == bytes(expected[40]) * 54
    assert panel.locator(".media-item figcaption").inner_text() == "picture at 40"
    natural = panel.locator("img").evaluate("i => i.decode().then(() => [i.naturalWidth, i.naturalHeight])")
    assert natural == [9, 6]
    panel.locator(".step-slider").fill("0")
    page.wait_for_function("() => document.querySelector('.media-panel[data-key=\"sample\"] .media-step')"
                           ".textContent === 'step 0'")
    assert _pixels(page, panel.locator("img").get_attribute("src")) == bytes(expected[0]) * 54
    assert panel.locator(".media-item figcaption").inner_text() == "picture at 0"
    shot(page, "run-media")


def _table_rows(panel: Any) -> list[list[str]]:
    return panel.locator("tbody tr").evaluate_all("rs => rs.map(r => [...r.cells].map(c => c.textContent))")


def test_table_panel_pages_and_sorts_with_hostile_cells_as_text(page: Any) -> None:
    panel = page.locator('.media-panel[data-kind="table"][data-key="predictions"]')
    panel.locator("tbody tr").first.wait_for()
    cells = [[str(n), HOSTILE if n == 3 else f"row {n:02d}", str((n * 7) % 11)] for n in range(TABLE_ROWS)]
    assert _table_rows(panel) == cells[:10]
    assert panel.locator("tbody img").count() == 0  # the hostile cell is text, not an element
    panel.get_by_role("button", name="Next").click()
    assert _table_rows(panel) == cells[10:20]
    panel.get_by_role("button", name="score").click()  # ascending, from the first page
    by_score = sorted(cells, key=lambda row: int(row[2]))
    assert _table_rows(panel) == by_score[:10]
    panel.get_by_role("button", name="score").click()  # descending
    assert [row[2] for row in _table_rows(panel)] == [row[2] for row in by_score[::-1][:10]]
    assert "Page 1 of 3 (25 rows)" in panel.inner_text()


def test_html_frame_runs_its_script_but_cannot_reach_the_page_its_cookies_or_the_api(
        page: Any, context: Any, web_server: Server) -> None:
    asked: list[str] = []
    page.route("**/*", lambda route: (asked.append(route.request.url), route.continue_()))  # all the browser sends
    opened: list[Any] = []
    context.on("page", lambda opened_page: opened.append(opened_page))
    page.reload()
    frame_element = page.locator('.media-panel[data-kind="html"] iframe')
    frame_element.wait_for()
    assert frame_element.get_attribute("sandbox") == "allow-scripts"
    frame = frame_element.element_handle().content_frame()
    frame.locator("#outcome:not(:empty)").wait_for()  # the logged script ran, in the frame's own DOM
    assert frame.locator("#inside").get_attribute("data-ran") == "yes"
    outcome = frame.locator("#outcome").inner_text().split()
    assert "parent:SecurityError" in outcome  # no reaching the page that frames it
    assert "cookie:SecurityError" in outcome  # an opaque origin of its own: no cookie of this server
    assert "popup:RangeError" in outcome and "fetch:TypeError,TypeError" in outcome  # no popup; CSP refused both
    assert page.evaluate("document.body.dataset.pwned") is None and "/pwned" not in page.url
    assert opened == [] and [url for url in asked if "from=frame" in url or "pwned" in url] == []
    src = web_server.url + frame_element.get_attribute("src")
    served = page.context.request.get(src, headers={"Sec-Fetch-Dest": "iframe"}).headers
    assert served["content-security-policy"] == HTML_CSP
    assert served["content-type"] == "text/html; charset=utf-8" and served["x-content-type-options"] == "nosniff"

    alone = context.new_page()  # the file opened as a page of its own is a download: its script never runs
    alone.route("**/*", lambda route: (asked.append(route.request.url), route.continue_()))
    with alone.expect_download() as download:
        try:
            alone.goto(src)
        except Exception as error:  # Playwright may report the navigation that became a download
            assert "Download is starting" in str(error)
    assert download.value.suggested_filename.endswith(".html")
    assert opened == [alone] and [url for url in asked if "from=frame" in url or "pwned" in url] == []
    alone.close()


def test_audio_and_video_panels_play_the_logged_files(page: Any, logged: dict[str, Any]) -> None:
    for key, element in (("tone", "audio"), ("clip", "img")):  # a GIF video shows as an image
        media = page.locator(f'.media-panel[data-key="{key}"] {element}')
        media.wait_for()
        answer = page.context.request.get(page.url.split("/admin/")[0] + media.get_attribute("src"))
        assert hashlib.sha256(answer.body()).hexdigest() == logged["summary"][key]["sha256"]
    assert page.locator('.media-panel[data-key="tone"] audio').get_attribute("controls") is not None
    assert page.locator('.media-panel[data-key="tone"] .media-item figcaption').inner_text() == "a tone"


def test_histogram_panel_draws_each_logged_step(page: Any) -> None:
    canvas = page.locator('.media-panel[data-kind="histogram"][data-key="weights"] canvas')
    canvas.wait_for()
    assert canvas.get_attribute("data-steps") == ",".join(str(i) for i in IMAGE_STEPS)
    # each step's column holds blue cells: 100 values over 10 units, a band that climbs with the step
    columns = canvas.evaluate("""c => { const g = c.getContext('2d'), w = c.width - 48, out = [];
        for (let i = 0; i < 3; i++) { const d = g.getImageData(48 + Math.floor((i + 0.5) * w / 3), 0, 1, c.height - 20).data;
          let first = -1, count = 0;
          for (let y = 0; y < d.length / 4; y++) if (d[y * 4 + 2] > d[y * 4] + 60) { count++; if (first < 0) first = y; }
          out.push([first, count]); } return out; }""")
    assert all(count > 10 for _, count in columns)
    assert columns[0][0] > columns[1][0] > columns[2][0]  # higher values higher up


def test_custom_charts_draw_from_their_tables(page: Any) -> None:
    curve = page.locator('.media-panel[data-kind="custom-chart"][data-key="curve"]')
    curve.locator(".chart").wait_for()
    assert curve.locator(".chart").evaluate("e => e.uplot.data.map(s => Array.from(s))") == [[1, 2, 3], [3, 5, 4]]
    assert curve.locator("figcaption").inner_text() == "a curve"
    matrix = page.locator('.media-panel[data-kind="custom-chart"][data-key="matrix"] canvas')
    assert matrix.get_attribute("data-classes") == "a\nb"
    assert page.locator('.media-panel[data-key="curve_table"]').count() == 0  # shown as its chart


def test_overview_runtime_exact_big_integers_and_console_without_escapes(context: Any, web_server: Server) -> None:
    config = {"huge": {"value": 2 ** 70}, "nested": {"value": {"id": 2 ** 64 + 1, "f": 1.5e300}}, "safe": {"value": 12}}
    summary = {"big": 2 ** 64 + 1, "negative": -(2 ** 53) - 1, "_runtime": 0}
    made = web_server.graphql("""mutation($c: JSONString!, $s: JSONString!) { upsertBucket(input: {
        modelName: "quick", name: "at-once", state: "finished", config: $c, summaryMetrics: $s}) { inserted } }""",
                              {"c": json.dumps(config), "s": json.dumps(summary)})
    assert "errors" not in made, made
    console = ["\x1b[31mred\x1b[0m plain", "\x1b]0;a title\x07after a title", "\x1b[2K\x1b[1Gprogress 50%"]
    logged = web_server.graphql("""mutation($r: JSONString!, $c: JSONString!) { logHistory(input: {
        projectName: "quick", runName: "at-once", rows: $r, consoleLines: $c, consoleStart: 0}) { historyLineCount } }""",
                                {"r": json.dumps([{"_step": i, "_runtime": 617.0 * i, "loss": 1.0} for i in range(3)]),
                                 "c": json.dumps(console)})
    assert "errors" not in logged, logged
    page = context.new_page()
    page.goto(f"{web_server.url}/admin/quick/runs/at-once")
    page.wait_for_selector("pre.console")

    def pairs(label: str) -> dict[str, str]:
        return dict(page.eval_on_selector_all(f'table[aria-label="{label}"] tr',
                                              "rows => rows.map(r => [r.cells[0].textContent, r.cells[1].textContent])"))

    assert pairs("overview")["Runtime"] == "20m 34s"  # created finished, so the history's last _runtime: 1234 s
    assert pairs("config") == {"huge": "1180591620717411303424", "nested": '{"id":18446744073709551617,"f":1.5e+300}',
                               "safe": "12"}
    shown = pairs("summary")
    assert shown["big"] == "18446744073709551617" and shown["negative"] == "-9007199254740993"
    assert page.inner_text("pre.console") == "red plain\nafter a title\nprogress 50%"
    assert "\x1b" not in page.inner_text("pre.console")
    page.close()
    assert context.problems == []
