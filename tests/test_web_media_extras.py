"""The run page's panels for the rich values beyond plain images, in Debian's Chromium (Playwright), for a run
the SDK logged: an image's boxes and mask drawn over it (read back from the SVG and the mask canvas's pixels and
compared with what was logged), per layer and per class toggles that hold as the step slider moves, point clouds
and a lidar scene in the 3D viewer (the points drawn counted), PDB and SDF molecules (atoms and bonds counted) and
a type it does not parse, plotly figures drawn by plotly.js (its trace data and SVG points), model graphs, and
every logged string shown as text: hostile class names, captions, labels and plotly titles run nothing."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import closing
from typing import Any

import pytest
from browser import browser, sdk_output, shot, signed_in_context, unisolated, web_server
from conftest import Server

__all__ = ["browser", "web_server"]  # fixtures, used by name
pytest.importorskip("numpy")
pytest.importorskip("plotly")

# Hostile strings: were any of them parsed as HTML, its handler would mark the page (or, blocked by the CSP,
# Chromium would log the refusal, which the page fixture counts as a problem).
HOSTILE = '<img src=x onerror="document.body.dataset.pwned=1">'
HOSTILE_LINK = '<a href="javascript:document.body.dataset.pwned=2">link</a>'
STYLE_REFUSED = re.compile(r"^console: Applying inline style violates the following Content Security Policy "
                           r"directive 'style-src 'self''")
PLOTLY_TEXT = re.compile(r'^<(text|tspan) class="(gtitle|legendtext|annotation-text|xtitle|ytitle|line)"')
RECORD_REFUSED = """window.refusedByCsp = [];
document.addEventListener('securitypolicyviolation', e => window.refusedByCsp.push(
  [e.violatedDirective, /\\/assets\\/plotly-cartesian[^/]*\\.js$/.test(e.sourceFile)]));"""
WIDTH, HEIGHT = 40, 30
CLOUD_POINTS = 500
FIRST_CLOUD_POINTS = 250  # the cloud logged a step earlier
PDB = """\
HETATM    1  O1  HOH     1       0.000   0.000   0.000  1.00  0.00           O
HETATM    2  H1  HOH     1       0.957   0.000   0.000  1.00  0.00           H
HETATM    3  H2  HOH     1      -0.240   0.927   0.000  1.00  0.00           H
HETATM    4  C1  MET     2       3.000   0.000   0.000  1.00  0.00           C
HETATM    5 CL1  MET     2       4.770   0.000   0.000  1.00  0.00          CL
CONECT    1    2    3
CONECT    2    1
CONECT    3    1
CONECT    4    5
CONECT    5    4
END
"""
SDF = """ethanol
  runbase

  3  2  0  0  0  0  0  0  0  0999 V2000
   -0.8883    0.1670    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
    0.4658   -0.5116    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
    1.4475    0.4777    0.0000 O   0  0  0  0  0  0  0  0  0  0  0  0
  1  2  1  0
  2  3  1  0
M  END
$$$$
"""
SCRIPT = """
import numpy as np, plotly.graph_objects as go, runbase
from plotly.subplots import make_subplots

work = %(work)r
open(work + "/water.pdb", "w").write(%(pdb)r)
open(work + "/ethanol.sdf", "w").write(%(sdf)r)
open(work + "/packed.mmtf", "wb").write(b"\\x82\\xa4not parsed here")
run = runbase.init(project="extras")
mask = np.zeros((%(height)d, %(width)d), dtype=np.uint8)
mask[5:15, 5:20] = 1
mask[18:28, 24:38] = 3
for step in range(2):
    shift = step / 10
    boxes = {"pred": {"box_data": [
        {"position": {"minX": 0.1 + shift, "maxX": 0.5 + shift, "minY": 0.2, "maxY": 0.6}, "class_id": 1,
         "scores": {"acc": 0.9}},
        {"position": {"middle": [30, 10], "width": 10, "height": 8}, "domain": "pixel", "class_id": 2,
         "box_caption": %(hostile)r}],
        "class_labels": {1: "cat", 2: %(hostile)r}}}
    image = runbase.Image(np.full((%(height)d, %(width)d, 3), 200, dtype=np.uint8), caption=%(hostile)r,
                          boxes=boxes, masks={"truth": {"mask_data": mask, "class_labels": {0: "ground", 1: "cat",
                                                                                              3: %(hostile)r}}})
    run.log({"labelled": image})
rng = np.random.default_rng(7)
cloud = np.concatenate([rng.normal(size=(%(points)d, 3)), rng.integers(0, 256, (%(points)d, 3))], axis=1)
box = runbase.box3d(center=(0, 0, 0), size=(2, 2, 2), orientation=(1, 0, 0, 0), color=(1, 0, 0),
                    label=%(hostile)r, score=0.5)
run.log({"cloud": runbase.Object3D(cloud[:%(first_points)d, :3])})
scene = runbase.Object3D.from_point_cloud(cloud[:40, :3], [box], [{"start": [0, 0, 0], "end": [1, 1, 1]}])
run.log({"cloud": runbase.Object3D(cloud, caption=%(hostile)r), "scene": scene,
         "water": runbase.Molecule(work + "/water.pdb", caption=%(hostile)r),
         "ethanol": runbase.Molecule(work + "/ethanol.sdf"), "packed": runbase.Molecule(work + "/packed.mmtf")})
figure = go.Figure([go.Scatter(x=[1, 2, 3, 4, 5], y=[2.5, 1.0, 4.0, 3.5, 5.0], name=%(hostile)r, mode="lines+markers"),
                    go.Bar(x=[1.5, 2.5, 3.5], y=[3, 1, 2], name="bars")])
figure.update_layout(title=%(hostile)r, xaxis_title=%(link)r)
figure.add_annotation(x=2, y=1.0, text=%(link)r)
flat = go.Figure(go.Scatter3d(x=[0, 1], y=[0, 1], z=[0, 1]))
grid = make_subplots(rows=1, cols=2)
grid.add_trace(go.Histogram(x=[1, 1, 2, 3, 3, 3]), row=1, col=1)
grid.add_trace(go.Heatmap(z=[[1, 2], [3, 4]]), row=1, col=2)
run.log({"chart": runbase.Plotly(figure), "flat": runbase.Plotly(flat), "grid": runbase.Plotly(grid)})
graph = runbase.Graph("torch")
names = ["input", "conv", "relu", "head", %(hostile)r]
nodes = [graph.add_node(id=i, name=name, class_name="Layer%%d" %% i, output_shape=[1, 8], num_parameters=[i * 10])
         for i, name in enumerate(names)]
for a, b in [(0, 1), (1, 2), (2, 3), (1, 4)]:
    graph.add_edge(nodes[a], nodes[b])
run.summary["graph_0"] = graph
print("RUN", run.id)
run.finish()
plain = runbase.init(project="extras")
plain.log({"picture": runbase.Image(np.zeros((4, 4, 3), dtype=np.uint8))})
print("PLAIN", plain.id)
plain.finish()
"""


@pytest.fixture(scope="module")
def logged(web_server: Server, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("extras-files")
    script = SCRIPT % {"work": str(work), "pdb": PDB, "sdf": SDF, "hostile": HOSTILE, "link": HOSTILE_LINK,
                       "width": WIDTH, "height": HEIGHT, "points": CLOUD_POINTS,
                       "first_points": FIRST_CLOUD_POINTS}
    output = sdk_output(web_server, tmp_path_factory, script)
    found = re.search(r"^RUN (\S+)$", output, re.M)
    assert found, output
    run = web_server.run(found.group(1), project="extras")
    assert run is not None
    plain = re.search(r"^PLAIN (\S+)$", output, re.M)
    assert plain, output
    return {"id": found.group(1), "summary": json.loads(run["summaryMetrics"]), "config": json.loads(run["config"]),
            "plain": plain.group(1)}


def test_the_class_names_of_an_images_layers_are_in_the_config_as_wbs(logged: dict[str, Any]) -> None:
    """A mask's PNG holds class ids only: W&B's SDK records the names in the run's config, and so does runbase's."""
    recorded = logged["config"]["_wandb"]["value"]
    assert recorded["mask/class_labels"] == {"labelled_wandb_delimeter_truth": {"0": "ground", "1": "cat", "3": HOSTILE}}
    assert recorded["bounding_box/class_labels"] == {"labelled_wandb_delimeter_pred": {"1": "cat", "2": HOSTILE}}


@pytest.fixture(scope="module")
def context(browser: Any, web_server: Server, logged: dict[str, Any]) -> Iterator[Any]:
    with closing(signed_in_context(browser, web_server, "/admin/extras")) as signed_in:
        yield signed_in


@pytest.fixture
def page(context: Any, web_server: Server, logged: dict[str, Any]) -> Iterator[Any]:
    opened = context.new_page()
    opened.add_init_script(RECORD_REFUSED)
    opened.goto(f"{web_server.url}/admin/extras/runs/{logged['id']}")
    opened.locator('.media-panel[data-key="labelled"]').wait_for()
    yield opened
    assert opened.evaluate("document.body.dataset.pwned") is None  # no logged string ran
    assert opened.locator('section.media img[src="x"], section.media [onerror]').count() == 0
    # each logged string is isolated from the text around it (plotly.js's own SVG text aside)
    assert [found for found in unisolated(opened, "dataset.pwned") if not PLOTLY_TEXT.match(found)] == []
    # plotly.js's code sets a few style attributes (a link's cursor, a heatmap's pixelation): the CSP refuses
    # them, and refuses nothing else
    refused = opened.evaluate("window.refusedByCsp")
    assert {tuple(entry) for entry in refused} <= {("style-src-attr", True)}
    opened.close()
    reported = [problem for problem in context.problems if STYLE_REFUSED.match(problem)]
    assert len(reported) == len(refused)
    assert [problem for problem in context.problems if problem not in reported] == []  # no dialog, no page error
    context.problems.clear()


def _panel(page: Any, key: str) -> Any:
    return page.locator(f'.media-panel[data-key="{key}"]')


def _boxes(panel: Any, count: int) -> list[dict[str, Any]]:
    """The drawn boxes, once there are `count`: the layer is drawn as soon as the image loads, the boxes when
    their file has come."""
    panel.locator(f'svg.box-layer[data-boxes="{count}"]').wait_for()
    return panel.locator("svg.box-layer rect").evaluate_all(
        "rs => rs.map(r => ({layer: r.dataset.layer, cls: r.dataset.class, label: r.dataset.label,"
        " corners: r.dataset.corners.split(',').map(Number)}))")


def _approx(corners: list[float]) -> list[float]:
    return [round(value, 6) for value in corners]


def test_boxes_are_drawn_where_logged_with_labels_as_text_and_toggle_by_class_and_layer(page: Any) -> None:
    panel = _panel(page, "labelled")
    assert panel.locator(".media-step").inner_text() == "step 1"
    drawn = _boxes(panel, 2)
    # step 1: the fractional box moved right by 0.1 of the width; the pixel box given by its middle and size
    assert [(b["layer"], b["cls"], _approx(b["corners"])) for b in drawn] == [
        ("pred", "1", [8.0, 6.0, 24.0, 18.0]), ("pred", "2", [25.0, 6.0, 35.0, 14.0])]
    assert [b["label"] for b in drawn] == ["cat acc: 0.9", HOSTILE]
    assert panel.locator(".box-label").all_inner_texts() == ["cat acc: 0.9", HOSTILE]  # as text
    assert panel.locator(".overlay-layer[data-type=boxes] .overlay-class").all_inner_texts() == ["cat", HOSTILE]

    panel.locator('.overlay-layer[data-type=boxes] .overlay-class[data-class="2"] input').uncheck()
    assert [b["cls"] for b in _boxes(panel, 1)] == ["1"]
    panel.locator(".step-slider").fill("0")  # hidden at every step
    page.wait_for_function("() => document.querySelector('.media-panel[data-key=\"labelled\"] .media-step')"
                           ".textContent === 'step 0'")
    page.wait_for_function("() => document.querySelector('.media-panel[data-key=\"labelled\"] svg.box-layer')")
    assert [(b["cls"], _approx(b["corners"])) for b in _boxes(panel, 1)] == [("1", [4.0, 6.0, 20.0, 18.0])]
    panel.locator('.overlay-layer[data-type=boxes][data-layer="pred"] legend input').uncheck()
    assert _boxes(panel, 0) == []
    panel.locator('.overlay-layer[data-type=boxes][data-layer="pred"] legend input').check()
    panel.locator('.overlay-layer[data-type=boxes] .overlay-class[data-class="2"] input').check()
    assert len(_boxes(panel, 2)) == 2
    assert panel.locator(".media-item figcaption").inner_text() == HOSTILE
    shot(page, "media-extras-boxes")


_MASK_PIXEL = """([x, y]) => {
  const c = document.querySelector('.media-panel[data-key="labelled"] canvas.mask-layer');
  return Array.from(c.getContext('2d').getImageData(x, y, 1, 1).data);
}"""


def _rgb(swatch: str) -> list[int]:
    return [int(v) for v in re.findall(r"\d+", swatch)]


def test_mask_is_drawn_from_the_mask_png_per_class_and_classes_toggle(page: Any) -> None:
    panel = _panel(page, "labelled")
    panel.locator("canvas.mask-layer").wait_for()
    assert panel.locator("canvas.mask-layer").evaluate("c => [c.width, c.height]") == [WIDTH, HEIGHT]
    classes = panel.locator(".overlay-layer[data-type=masks] .overlay-class")
    assert classes.evaluate_all("ls => ls.map(l => l.dataset.class)") == ["0", "1", "3"]
    assert classes.all_inner_texts() == ["ground", "cat", HOSTILE]  # the class_labels logged with the mask
    colors = {c: _rgb(classes.nth(i).locator(".swatch").get_attribute("data-color")) for i, c in enumerate("013")}
    assert len({tuple(c) for c in colors.values()}) == 3
    # inside each logged region, and outside both, the class's colour, semi-transparent
    for (x, y), cls in (((10, 10), "1"), ((30, 20), "3"), ((2, 2), "0"), ((37, 27), "3"), ((38, 28), "0")):
        r, g, b, a = page.evaluate(_MASK_PIXEL, [x, y])
        assert 100 <= a <= 130 and max(abs(u - v) for u, v in zip((r, g, b), colors[cls])) <= 3, (x, y, cls)
    panel.locator('.overlay-layer[data-type=masks] .overlay-class[data-class="1"] input').uncheck()
    page.wait_for_function(f"() => ({_MASK_PIXEL})([10, 10])[3] === 0")
    assert page.evaluate(_MASK_PIXEL, [30, 20])[3] > 0  # the other classes stay
    panel.locator('.overlay-layer[data-type=masks][data-layer="truth"] legend input').uncheck()
    assert panel.locator("canvas.mask-layer").count() == 0


def _scene(panel: Any) -> Any:
    canvas = panel.locator("canvas.scene-3d")
    canvas.wait_for()
    return canvas


def test_point_cloud_draws_every_logged_point_and_turns_and_zooms(page: Any) -> None:
    canvas = _scene(_panel(page, "cloud"))
    assert canvas.get_attribute("data-points") == str(CLOUD_POINTS)
    assert canvas.get_attribute("data-drawn") == str(CLOUD_POINTS)
    assert _panel(page, "cloud").locator(".scene-summary").inner_text() == f"{CLOUD_POINTS} points"
    assert _panel(page, "cloud").locator(".media-item figcaption").inner_text() == HOSTILE
    before = canvas.evaluate("c => c.toDataURL()")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 100, box["y"] + 100)
    page.mouse.down()
    page.mouse.move(box["x"] + 180, box["y"] + 130, steps=4)
    page.mouse.up()
    page.wait_for_function("([c, b]) => c.toDataURL() !== b", arg=[canvas.element_handle(), before])
    turned = canvas.evaluate("c => c.toDataURL()")
    page.mouse.move(box["x"] + 200, box["y"] + 150)
    page.mouse.wheel(0, -400)
    page.wait_for_function("([c, b]) => c.toDataURL() !== b", arg=[canvas.element_handle(), turned])
    assert int(canvas.get_attribute("data-drawn")) < CLOUD_POINTS  # zoomed in: some points leave the canvas

    _panel(page, "cloud").locator(".step-slider").fill("0")  # the cloud logged a step earlier
    page.wait_for_function(f"() => document.querySelector('.media-panel[data-key=\"cloud\"] canvas.scene-3d')"
                           f"?.dataset.drawn === '{FIRST_CLOUD_POINTS}'")
    assert _panel(page, "cloud").locator(".scene-summary").inner_text() == f"{FIRST_CLOUD_POINTS} points"

    scene = _scene(_panel(page, "scene"))
    assert scene.get_attribute("data-points") == "40" and scene.get_attribute("data-drawn") == "40"
    assert _panel(page, "scene").locator(".scene-summary").inner_text() == "40 points, 1 boxes"
    # the box's red edges are drawn
    red = scene.evaluate("""c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] > 200 && d[i + 1] < 60 && d[i + 2] < 60) n++; return n; }""")
    assert red > 50
    shot(page, "media-extras-3d")


def test_molecules_show_their_atoms_and_bonds_and_an_unparsed_type_is_a_download(page: Any) -> None:
    water = _panel(page, "water")
    _scene(water)
    summary = water.locator(".scene-summary")
    assert (summary.get_attribute("data-atoms"), summary.get_attribute("data-bonds")) == ("5", "3")
    assert summary.inner_text() == "5 atoms, 3 bonds (CH2ClO)"
    assert water.locator("canvas.scene-3d").get_attribute("data-drawn") == "5"
    assert water.locator(".media-item figcaption").inner_text() == HOSTILE
    ethanol = _panel(page, "ethanol").locator(".scene-summary")
    ethanol.wait_for()
    assert ethanol.inner_text() == "3 atoms, 2 bonds (C2O)"
    packed = _panel(page, "packed").locator(".media-note")
    packed.wait_for()
    assert packed.inner_text().startswith("Preview not supported for .mmtf files.")
    link = packed.locator("a[download]")
    assert link.inner_text() == "Download" and link.get_attribute("href").endswith(".mmtf")
    assert page.context.request.get(page.url.split("/admin/")[0] + link.get_attribute("href")).ok
    shot(page, "media-extras-molecules")


def test_plotly_figure_is_drawn_from_its_traces_and_its_strings_stay_text(page: Any) -> None:
    chart = _panel(page, "chart").locator(".plotly-chart")
    page.wait_for_function("() => document.querySelector('.media-panel[data-key=\"chart\"] .plotly-chart')"
                           "?.dataset.drawn === 'true'", timeout=30_000)
    data = chart.evaluate("g => g._fullData.map(t => ({type: t.type, x: Array.from(t.x), y: Array.from(t.y),"
                          " name: t.name}))")
    assert data == [{"type": "scatter", "x": [1, 2, 3, 4, 5], "y": [2.5, 1.0, 4.0, 3.5, 5.0], "name": HOSTILE},
                    {"type": "bar", "x": [1.5, 2.5, 3.5], "y": [3, 1, 2], "name": "bars"}]
    assert chart.locator(".scatterlayer .trace path.point").count() == 5  # a marker per logged point
    assert chart.locator(".barlayer .trace path").count() == 3
    # the markers lie where the data puts them: rising x, and the highest y (5.0) highest on screen
    points = chart.locator(".scatterlayer .trace path.point").evaluate_all(
        "ps => ps.map(p => { const r = p.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })")
    assert [p[0] for p in points] == sorted(p[0] for p in points)
    assert min(points, key=lambda p: p[1]) == points[4] and max(points, key=lambda p: p[1]) == points[1]
    assert chart.locator(".gtitle").text_content() == HOSTILE  # the markup shown as its own text
    assert chart.locator("img, foreignObject, script").count() == 0
    assert chart.locator('a[href^="javascript"], a[*|href^="javascript"]').count() == 0
    assert chart.locator(".legendtext").first.text_content() == HOSTILE

    flat = _panel(page, "flat").locator(".media-note")
    flat.wait_for()
    assert flat.inner_text().startswith("Not drawn: traces of type scatter3d")
    assert flat.locator("a[download]").get_attribute("href").endswith(".plotly.json")
    assert _panel(page, "flat").locator(".main-svg").count() == 0  # not drawn as some other chart

    grid = _panel(page, "grid").locator(".plotly-chart")
    page.wait_for_function("() => document.querySelector('.media-panel[data-key=\"grid\"] .plotly-chart')"
                           "?.dataset.drawn === 'true'")
    assert grid.evaluate("g => g._fullData.map(t => t.type)") == ["histogram", "heatmap"]
    assert grid.locator(".barlayer .trace path").count() == 3  # the histogram's three bins
    assert grid.locator(".heatmaplayer image").get_attribute("href").startswith("data:image/png")
    assert page.evaluate("[...document.scripts].filter(s => !s.src).length") == 0  # nothing inline added
    shot(page, "media-extras-plotly")


def test_model_graph_lists_its_nodes_and_draws_its_edges_in_layers(page: Any) -> None:
    panel = _panel(page, "graph_0")
    rows = panel.locator("table.graph-nodes tbody tr")
    rows.first.wait_for()
    assert rows.evaluate_all("rs => rs.map(r => r.cells[0].textContent)") == [
        "input", "conv", "relu", "head", HOSTILE]
    assert rows.nth(2).evaluate("r => [...r.cells].map(c => c.textContent)") == ["relu", "Layer2", "[1, 8]", "", "20"]
    svg = panel.locator("svg.graph-layers")
    assert (svg.get_attribute("data-nodes"), svg.get_attribute("data-edges")) == ("5", "4")
    assert svg.locator("line").count() == 4
    top = {name: y for name, y in svg.locator("g.graph-node").evaluate_all(
        "gs => gs.map(g => [g.dataset.name, Number(g.querySelector('rect').getAttribute('y'))])")}
    assert top["input"] < top["conv"] < top["relu"] < top["head"] and top[HOSTILE] == top["relu"]
    assert panel.locator(".scene-summary").inner_text() == "5 nodes, 4 edges (torch)"


def test_plotly_js_loads_only_for_a_page_with_a_plotly_panel(context: Any, web_server: Server,
                                                             logged: dict[str, Any]) -> None:
    asked: list[str] = []
    plain = context.new_page()
    plain.on("request", lambda request: asked.append(request.url))
    plain.goto(f"{web_server.url}/admin/extras/runs/{logged['plain']}")
    plain.locator('.media-panel[data-key="picture"] img').wait_for()
    assert [url for url in asked if "/assets/" in url] and not [url for url in asked if "plotly" in url]
    plain.goto(f"{web_server.url}/admin/extras/runs/{logged['id']}")
    plain.locator('.media-panel[data-key="chart"] .plotly-chart[data-drawn="true"]').wait_for()
    assert [url for url in asked if re.search(r"/assets/plotly-cartesian[^/]*\.js$", url)]
    plain.close()
    assert [problem for problem in context.problems if not STYLE_REFUSED.match(problem)] == []  # see `page`
    context.problems.clear()
