"""Html, Plotly, Object3D and Molecule logged by a training script in its own process against a real server
(SQLite and PostgreSQL), read back through the Public API: W&B's descriptors in history and summary, and
each stored file downloaded and compared with what was logged."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
import runbase as wandb
from conftest import Server, run_script, sdk_environment

np = pytest.importorskip("numpy")
pytest.importorskip("plotly")
pytest.importorskip("matplotlib")

PROJECT = "media-objects"
INJECTED = ('<base target="_blank"><style>html{font-family:system-ui,sans-serif;line-height:1.5}'
            'body{margin:0;padding:8px}</style>')
ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"
OBJ = "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n"
PDB = "HETATM    1  C1  UNL     1       0.000   0.000   0.000  1.00  0.00           C  \nEND\n"

SCRIPT = """
import io
import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import plotly.graph_objects as go
import runbase as wandb

work = {work!r}
with wandb.init(project={project!r}) as run:
    run.log({{"page": wandb.Html("<p>hi</p>"), "raw": wandb.Html(work + "/raw.html", inject=False),
              "streamed": wandb.Html(io.StringIO("<html><body>s</body></html>"))}})

    figure, axes = plt.subplots()
    axes.plot([1, 2, 3], [4.0, 5.5, 6.0])
    shown, image_axes = plt.subplots()
    image_axes.imshow(np.eye(4))
    chart = go.Figure(go.Scatter(x=np.arange(5), y=np.linspace(0.0, 1.0, 5), name="line"))
    run.log({{"chart": wandb.Plotly(chart), "mpl": figure, "shown": shown}})

    points = np.array([[0.5, 1.0, -2.0, 255, 0, 10], [3.0, 4.0, 5.0, 0, 128, 255]])
    box = wandb.box3d(center=(1, 2, 3), size=(2, 4, 6), orientation=(0, 0, 0, 1), color=(1, 0, 0), label="car",
                      score=0.9)
    scene = wandb.Object3D.from_point_cloud(points[:, :3], [box], [{{"start": [0, 0, 0], "end": [1, 1, 1]}}])
    run.log({{"cloud": wandb.Object3D(points, caption="rgb"), "scene": scene,
              "mesh": wandb.Object3D(work + "/model.obj"),
              "clouds": [wandb.Object3D(points[:, :3]), wandb.Object3D.from_numpy(np.array([[0, 0, 0, 3]]))]}})

    run.log({{"mol": wandb.Molecule.from_smiles({aspirin!r}, caption="aspirin"),
              "pdb": wandb.Molecule(work + "/one.pdb"),
              "mols": [wandb.Molecule(io.StringIO({pdb!r}), caption="first", file_type="pdb"),
                       wandb.Molecule.from_smiles("CCO", convert_to_3d_and_optimize=False)],
              "pages": [wandb.Html("<p>1</p>"), wandb.Html("<p>2</p>", inject=False)]}})
print(run.id)
"""


class Logged:
    """The run the script logged, as the Public API reads it back."""

    def __init__(self, server: Server, path: str, downloads: Path) -> None:
        self.run = wandb.Api(overrides={"base_url": server.url}, api_key=server.key).run(path)
        self.rows = list(self.run.scan_history())
        self.downloads = downloads

    def value(self, key: str) -> tuple[int, dict[str, Any]]:
        """(step, descriptor) of the one row that logged `key`."""
        [(step, described)] = [(row["_step"], row[key]) for row in self.rows if row.get(key) is not None]
        return step, described

    def content(self, path: str) -> bytes:
        self.run.file(path).download(root=self.downloads, replace=True).close()
        return (self.downloads / path).read_bytes()

    def check(self, described: dict[str, Any], key: str, step: int, log_type: str, subdir: str,
              extension: str) -> bytes:
        """The file a descriptor names, checked against W&B's layout and its own hash and size."""
        assert described["_type"] == log_type
        assert re.fullmatch(rf"media/{subdir}/{key}_{step}_[0-9a-f]{{20}}{re.escape(extension)}", described["path"])
        content = self.content(described["path"])
        digest = hashlib.sha256(content).hexdigest()
        assert described["sha256"] == digest and described["size"] == len(content)
        assert described["path"].rsplit("_", 1)[1].startswith(digest[:20])
        return content

    def single(self, key: str, log_type: str, subdir: str, extension: str) -> tuple[dict[str, Any], bytes]:
        step, described = self.value(key)
        assert self.run.summary[key] == described  # the summary keeps the last value logged
        return described, self.check(described, key, step, log_type, subdir, extension)


@pytest.fixture(scope="module")
def logged(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Logged:
    work = tmp_path_factory.mktemp("media-objects")
    (work / "raw.html").write_text("<h1>raw</h1>", encoding="utf-8")
    (work / "model.obj").write_text(OBJ)
    (work / "one.pdb").write_text(PDB)
    env = sdk_environment(server, work)
    result = run_script(SCRIPT.format(work=str(work), project=PROJECT, aspirin=ASPIRIN, pdb=PDB), env, timeout=240)
    return Logged(server, f"admin/{PROJECT}/{result.stdout.split()[-1]}", work / "downloads")


def test_html(logged: Logged) -> None:
    _, page = logged.single("page", "html-file", "html", ".html")
    assert page.decode() == f"{INJECTED}<p>hi</p>"
    _, raw = logged.single("raw", "html-file", "html", ".html")
    assert raw.decode() == "<h1>raw</h1>"
    _, streamed = logged.single("streamed", "html-file", "html", ".html")
    assert streamed.decode() == f"<html><head>{INJECTED}</head><body>s</body></html>"
    step, pages = logged.value("pages")
    assert pages["_type"] == "html" and pages["count"] == 2 and set(pages) == {"_type", "count", "html"}
    contents = [logged.check(single, "pages", step, "html-file", "html", ".html") for single in pages["html"]]
    assert [c.decode() for c in contents] == [f"{INJECTED}<p>1</p>", "<p>2</p>"]


def test_plotly_and_matplotlib(logged: Logged) -> None:
    described, chart = logged.single("chart", "plotly-file", "plotly", ".plotly.json")
    assert set(described) == {"_type", "sha256", "size", "path"}
    trace = json.loads(chart)["data"][0]
    assert trace == {"type": "scatter", "name": "line", "x": [0, 1, 2, 3, 4], "y": [0.0, 0.25, 0.5, 0.75, 1.0]}
    _, mpl = logged.single("mpl", "plotly-file", "plotly", ".plotly.json")
    line = json.loads(mpl)["data"][0]
    assert (line["x"], line["y"]) == ([1.0, 2.0, 3.0], [4.0, 5.5, 6.0])
    # A figure showing images is logged as a PNG, as in W&B.
    pytest.importorskip("PIL")
    described, png = logged.single("shown", "image-file", "images", ".png")
    assert png.startswith(b"\x89PNG") and described["format"] == "png" and described["width"] > 0


def test_object3d(logged: Logged) -> None:
    described, cloud = logged.single("cloud", "object3D-file", "object3D", ".pts.json")
    assert described["caption"] == "rgb"
    assert json.loads(cloud) == [[0.5, 1.0, -2.0, 255, 0, 10], [3.0, 4.0, 5.0, 0, 128, 255]]
    _, scene = logged.single("scene", "object3D-file", "object3D", ".pts.json")
    scene_data = json.loads(scene)
    assert scene_data["type"] == "lidar/beta" and scene_data["points"] == [[0.5, 1.0, -2.0], [3.0, 4.0, 5.0]]
    assert scene_data["vectors"] == [{"start": [0, 0, 0], "end": [1, 1, 1]}]
    [box] = scene_data["boxes"]
    assert (box["label"], box["score"], box["color"]) == ("car", 0.9, [1, 0, 0])
    # Turned half a turn about z: x and y change sign, z stays.
    assert np.allclose(box["corners"][0], [1 + 1, 2 + 2, 3 - 3]) and len(box["corners"]) == 8
    _, mesh = logged.single("mesh", "object3D-file", "object3D", ".obj")
    assert mesh.decode() == OBJ
    step, clouds = logged.value("clouds")
    assert clouds["_type"] == "object3D" and clouds["count"] == 2
    assert clouds["filenames"] == [single["path"].removeprefix("media/object3D/") for single in clouds["objects"]]
    rows = [json.loads(logged.check(single, "clouds", step, "object3D-file", "object3D", ".pts.json"))
            for single in clouds["objects"]]
    assert rows == [[[0.5, 1.0, -2.0], [3.0, 4.0, 5.0]], [[0, 0, 0, 3]]]


def test_molecule(logged: Logged) -> None:
    chem = pytest.importorskip("rdkit.Chem")
    described, pdb = logged.single("mol", "molecule-file", "molecule", ".pdb")
    assert described["caption"] == "aspirin"
    parsed = chem.MolFromPDBBlock(pdb.decode())
    assert parsed.GetNumHeavyAtoms() == chem.MolFromSmiles(ASPIRIN).GetNumHeavyAtoms() == 13
    _, one = logged.single("pdb", "molecule-file", "molecule", ".pdb")
    assert one.decode() == PDB
    step, molecules = logged.value("mols")
    assert molecules["_type"] == "molecule" and molecules["count"] == 2 and molecules["captions"] == ["first", None]
    first, ethanol = (logged.content(path) for path in molecules["filenames"])
    assert all(re.fullmatch(rf"media/molecule/mols_{step}_[0-9a-f]{{20}}\.pdb", p) for p in molecules["filenames"])
    assert first.decode() == PDB and chem.MolFromPDBBlock(ethanol.decode()).GetNumHeavyAtoms() == 3


def test_the_reference_html_examples_as_written(server: Server, tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<html><head></head><body>index</body></html>")
    env = {**sdk_environment(server, tmp_path), "WANDB_PROJECT": "media-reference"}
    result = run_script("""
        import runbase as wandb
        with wandb.init() as run:
            run.log({"html": wandb.Html("./index.html")})
        print(run.id)
        with wandb.init() as run:
            run.log({"html": wandb.Html("<h1>Hello, world!</h1>")})
        print(run.id)
    """, env, cwd=tmp_path)
    expected = [f"<html><head>{INJECTED}</head><body>index</body></html>", f"{INJECTED}<h1>Hello, world!</h1>"]
    for run_id, text in zip(result.stdout.split(), expected, strict=True):
        logged = Logged(server, f"admin/media-reference/{run_id}", tmp_path / run_id)
        assert logged.single("html", "html-file", "html", ".html")[1].decode() == text
