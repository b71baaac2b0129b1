"""Html, Plotly, Object3D (+ box3d) and Molecule in-process: the files and descriptors they make, how they read
back, and the clear errors they give for bad input."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import itertools
import json
import math
import sys
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import numpy as np
import pytest
from runbase.data_types.html import INJECTED_HEAD, Html
from runbase.data_types.media import DirectorySource, RunMediaStore
from runbase.data_types.molecule import Molecule
from runbase.data_types.object3d import Object3D, box3d
from runbase.data_types.plotly import Plotly


class Stored:
    """A run's media store over a temporary directory, and what it queued for upload."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.names: list[str] = []
        self.store = RunMediaStore(root, "key", 7, self.names.append)

    def descriptor(self, value: Any) -> dict[str, Any]:
        return value.to_json(self.store)

    def text(self, described: dict[str, Any]) -> str:
        return (self.root / described["path"]).read_text(encoding="utf-8")

    def data(self, described: dict[str, Any]) -> Any:
        return json.loads(self.text(described))


@pytest.fixture
def stored(tmp_path: Path) -> Stored:
    return Stored(tmp_path / "run")


def check_common(described: dict[str, Any], stored: Stored, log_type: str, subdir: str, extension: str) -> None:
    content = (stored.root / described["path"]).read_bytes()
    digest = hashlib.sha256(content).hexdigest()
    assert described["_type"] == log_type
    assert described["sha256"] == digest and described["size"] == len(content)
    assert described["path"] == f"media/{subdir}/key_7_{digest[:20]}{extension}"
    assert described["path"] in stored.names


# ---------------------------------------------------------------------------------------------- Html
@pytest.mark.parametrize(("html", "expected"), [
    ("<p>hi</p>", f"{INJECTED_HEAD}<p>hi</p>"),
    ("<html><head><title>t</title></head><body>x</body></html>",
     f"<html><head>{INJECTED_HEAD}<title>t</title></head><body>x</body></html>"),
    ("<html><body>x</body></html>", f"<html><head>{INJECTED_HEAD}</head><body>x</body></html>"),
    ("  \n<p>pad</p>\n  ", f"{INJECTED_HEAD}  \n<p>pad</p>"),
])
def test_html_is_injected_as_w_and_b_does(stored: Stored, html: str, expected: str) -> None:
    described = stored.descriptor(Html(html))
    check_common(described, stored, "html-file", "html", ".html")
    assert stored.text(described) == expected
    assert stored.text(stored.descriptor(Html(html, inject=False))) == html


def test_html_from_a_file_a_path_and_streams(stored: Stored, tmp_path: Path) -> None:
    page = tmp_path / "index.html"
    page.write_text("<h1>é</h1>", encoding="utf-8")
    assert stored.text(stored.descriptor(Html(str(page)))) == f"{INJECTED_HEAD}<h1>é</h1>"
    raw = stored.descriptor(Html(page, inject=False))  # a user's file, stored unchanged
    assert (stored.root / raw["path"]).read_bytes() == page.read_bytes()
    assert stored.text(stored.descriptor(Html(str(page), data_is_not_path=True, inject=False))) == str(page)
    stream = io.StringIO("<b>s</b>")
    stream.read()  # already read: W&B rewinds it
    assert stored.text(stored.descriptor(Html(stream, inject=False))) == "<b>s</b>"
    assert stored.text(stored.descriptor(Html(io.BytesIO("<i>ü</i>".encode()), inject=False))) == "<i>ü</i>"
    # A string that is not an existing .html file is HTML, even one naming another kind of file.
    other = tmp_path / "notes.txt"
    other.write_text("x")
    assert stored.text(stored.descriptor(Html(str(other), inject=False))) == str(other)


def test_html_is_stored_never_interpreted(stored: Stored) -> None:
    hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>{{7*7}}${7*7}"
    assert stored.text(stored.descriptor(Html(hostile, inject=False))) == hostile


def test_html_list_and_reading_back(stored: Stored) -> None:
    pages = [Html("<p>1</p>"), Html("<p>2</p>")]
    described = Html.seq_to_json(pages, stored.store)
    assert described["_type"] == "html" and described["count"] == 2
    assert [stored.text(d) for d in described["html"]] == [p.html for p in pages]
    again = Html.from_json(described["html"][1], DirectorySource(stored.root))
    assert again.html == pages[1].html and again == pages[1]  # not injected twice


def test_html_bad_input(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="data_is_not_path=True"):
        Html("./missing/index.html")
    assert Html("./missing/index.html", data_is_not_path=True, inject=False).html == "./missing/index.html"
    with pytest.raises(FileNotFoundError, match="names no file"):
        Html(tmp_path / "missing.html")
    with pytest.raises(TypeError, match="Html data must be"):
        Html(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="inject must be True or False"):
        Html("<p/>", inject="yes")  # type: ignore[arg-type]
    latin = tmp_path / "latin.html"
    latin.write_bytes("<p>caf\xe9</p>".encode("latin-1"))
    with pytest.raises(ValueError, match="not UTF-8"):
        Html(str(latin))


# -------------------------------------------------------------------------------------------- Plotly
def test_plotly_figure_is_stored_with_numpy_arrays_as_lists(stored: Stored) -> None:
    go = pytest.importorskip("plotly.graph_objects")
    z = np.arange(6, dtype=np.float32).reshape(2, 3) / 4
    figure = go.Figure([go.Scatter(x=np.arange(4), y=np.array([0.5, -1.25, 2.0, 1e300]), name="s"),
                        go.Heatmap(z=z), go.Bar(x=["a", "b"], y=[1, 2])])
    figure.update_layout(title="t")
    described = stored.descriptor(Plotly(figure))
    check_common(described, stored, "plotly-file", "plotly", ".plotly.json")
    data = stored.data(described)["data"]
    assert data[0]["x"] == [0, 1, 2, 3] and data[0]["y"] == [0.5, -1.25, 2.0, 1e300] and data[0]["name"] == "s"
    assert data[1]["z"] == z.tolist()
    assert data[2] == {"type": "bar", "x": ["a", "b"], "y": [1, 2]}
    assert stored.data(described)["layout"]["title"]["text"] == "t"
    gaps = stored.descriptor(Plotly(go.Figure(go.Scatter(y=np.array([1.0, math.nan, math.inf])))))
    assert json.loads(stored.text(gaps), parse_constant=lambda token: pytest.fail(f"{token} in JSON")) == \
        {"data": [{"type": "scatter", "y": [1.0, None, None]}], "layout": {"template": ANY}}
    again = Plotly.from_json(described, DirectorySource(stored.root))
    assert again == Plotly(figure) and again.sha256 == described["sha256"]


def test_matplotlib_lines_become_a_plotly_chart(stored: Stored) -> None:
    pytest.importorskip("plotly.tools")
    plt = pytest.importorskip("matplotlib.pyplot")
    for form in ("pyplot", "figure", "axes"):  # pyplot itself means its current figure
        figure, axes = plt.subplots()
        axes.plot([1, 2, 3], [4.0, 5.5, 6.0])
        chart = Plotly.make_plot_media({"pyplot": plt, "figure": figure, "axes": axes}[form])
        assert isinstance(chart, Plotly)
        trace = stored.data(stored.descriptor(chart))["data"][0]
        assert (trace["x"], trace["y"]) == ([1.0, 2.0, 3.0], [4.0, 5.5, 6.0])
        plt.close(figure)


def test_a_matplotlib_figure_showing_images_becomes_an_image(stored: Stored) -> None:
    plt = pytest.importorskip("matplotlib.pyplot")
    from runbase.data_types.image import Image

    figure, axes = plt.subplots()
    axes.imshow(np.eye(4))
    assert isinstance(Plotly.make_plot_media(figure), Image)
    with pytest.raises(ValueError, match="runbase.Image"):
        Plotly(figure)
    plt.close(figure)


def test_without_mpl_to_plotly_matplotlib_figures_become_images(monkeypatch: pytest.MonkeyPatch) -> None:
    tools = pytest.importorskip("plotly.tools")
    plt = pytest.importorskip("matplotlib.pyplot")
    from runbase.data_types.image import Image

    monkeypatch.delattr(tools, "mpl_to_plotly", raising=False)
    figure, axes = plt.subplots()
    axes.plot([1, 2])
    assert isinstance(Plotly.make_plot_media(figure), Image)
    with pytest.raises(ValueError, match="no mpl_to_plotly"):
        Plotly(figure)
    plt.close(figure)


def test_plotly_bad_input(monkeypatch: pytest.MonkeyPatch) -> None:
    plt = pytest.importorskip("matplotlib.pyplot")
    with pytest.raises(TypeError, match="plotly or matplotlib figure, not dict"):
        Plotly({"data": []})
    empty = plt.figure()
    with pytest.raises(ValueError, match="figure is empty"):
        Plotly.make_plot_media(empty)
    plt.close(empty)
    figure, axes = plt.subplots()
    axes.plot([1, 2])
    monkeypatch.setitem(sys.modules, "plotly.tools", None)  # plotly not installed
    with pytest.raises(ImportError, match="'plotly'.*pip install"):
        Plotly.make_plot_media(figure)
    plt.close(figure)


# ------------------------------------------------------------------------------------------ Object3D
@pytest.mark.parametrize("points", [
    [[0.5, -1.0, 2.0], [3.0, 4.0, 5.0]],
    [[0.0, 0.0, 0.0, 1.0], [1.0, 2.0, 3.0, 14.0]],
    [[0.0, 0.0, 0.0, 255.0, 0.0, 12.0], [1.0, 1.0, 1.0, 0.0, 128.0, 255.0]],
])
def test_point_clouds_are_written_as_pts_json(stored: Stored, points: list[list[float]]) -> None:
    for cloud in (Object3D(np.array(points)), Object3D.from_numpy(np.array(points, dtype=np.float32))):
        described = stored.descriptor(cloud)
        check_common(described, stored, "object3D-file", "object3D", ".pts.json")
        assert stored.data(described) == points
    text = stored.text(stored.descriptor(Object3D(np.array([[1, 2, 3]]), caption="c")))
    assert text == json.dumps([[1, 2, 3]], indent=4, separators=(",", ":"))  # W&B's layout, ints kept


def test_a_lidar_scene_and_box3d(stored: Stored) -> None:
    points = np.array([[0.0, 1.0, 2.0, 3.0], [1.0, 1.0, 1.0, 14.0]])
    box = box3d(center=(1, 2, 3), size=(2, 4, 6), orientation=(0, 0, 0, 1), color=(1, 0.5, 0), label="car",
                score=0.75)
    vector = {"start": [0, 0, 0], "end": [1, 2, 3]}
    described = stored.descriptor(Object3D.from_point_cloud(points, [box], [vector]))
    check_common(described, stored, "object3D-file", "object3D", ".pts.json")
    scene = stored.data(described)
    assert list(scene) == ["boxes", "points", "type", "vectors"]  # sorted, as W&B writes it
    assert scene["type"] == "lidar/beta" and scene["points"] == points.tolist()
    assert scene["vectors"] == [{"start": [0.0, 0.0, 0.0], "end": [1.0, 2.0, 3.0]}]
    assert scene["boxes"] == [{"corners": [list(c) for c in box["corners"]], "color": [1.0, 0.5, 0.0],
                               "label": "car", "score": 0.75}]
    # W&B's scene dict of numpy arrays (boxes an object array of dicts), vectors left out.
    from_dict = Object3D({"type": "lidar/beta", "points": points, "boxes": np.array([box])})
    assert stored.data(stored.descriptor(from_dict)) == {**scene, "vectors": []}


def _rotated(quaternion: Any, vector: Any) -> list[float]:
    """q v q*, with the Hamilton product written out: an independent check of box3d's matrix."""
    def product(a: Any, b: Any) -> Any:
        (ar, ax, ay, az), (br, bx, by, bz) = a, b
        return (ar * br - ax * bx - ay * by - az * bz, ar * bx + ax * br + ay * bz - az * by,
                ar * by - ax * bz + ay * br + az * bx, ar * bz + ax * by - ay * bx + az * br)
    norm = math.sqrt(sum(c * c for c in quaternion))
    q = [c / norm for c in quaternion]
    conjugate = (q[0], -q[1], -q[2], -q[3])
    return list(product(product(q, (0.0, *vector)), conjugate)[1:])


@pytest.mark.parametrize("orientation", [(1, 0, 0, 0), (0.3, -0.2, 0.9, 0.4), (0, 0, 0, 5), (-2, 1e-3, 7, -1)])
def test_box3d_corners(orientation: tuple[float, ...]) -> None:
    center, size = (1.5, -2.0, 0.25), (2.0, 4.0, 6.0)
    box = box3d(center, size, orientation, (0, 0, 1))
    expected = [[m + r for m, r in zip(center, _rotated(orientation, [s * u / 2 for s, u in zip(size, unit)]))]
                for unit in itertools.product((-1, 1), repeat=3)]
    assert np.allclose(box["corners"], expected, atol=1e-12)
    assert box["color"] == (0.0, 0.0, 1.0) and box["label"] is None and box["score"] is None


def test_box3d_quarter_turn_by_hand() -> None:
    half = math.sqrt(0.5)
    corners = box3d([1, 2, 3], [2, 4, 6], [half, 0, 0, half], [0, 1, 0])["corners"]  # 90 degrees about z
    assert np.allclose(corners[0], (1 + 2, 2 - 1, 3 - 3))  # (-1, -2, -3) turned to (2, -1, -3), then moved


@pytest.mark.parametrize(("args", "error", "message"), [
    (([0, 0], [1, 1, 1], [1, 0, 0, 0], [0, 0, 0]), ValueError, "center must have shape 3"),
    (([0, 0, 0], [1, 1, 1], [1, 0, 0], [0, 0, 0]), ValueError, "orientation must have shape 4"),
    (([0, 0, 0], [1, 1, 1], [0, 0, 0, 0], [0, 0, 0]), ValueError, "non-zero quaternion"),
    (([0, 0, 0], [1, -1, 1], [1, 0, 0, 0], [0, 0, 0]), ValueError, "size must not be negative"),
    (([0, 0, 0], [1, 1, 1], [1, 0, 0, 0], [0, 0, 255]), ValueError, "color must be .* from 0 to 1"),
    (([0, 0, 0], [1, 1, 1], [1, 0, 0, 0], [0, 0, -0.1]), ValueError, "color must be .* from 0 to 1"),
    (([0, math.nan, 0], [1, 1, 1], [1, 0, 0, 0], [0, 0, 0]), ValueError, "center holds NaN"),
    (([0, "a", 0], [1, 1, 1], [1, 0, 0, 0], [0, 0, 0]), TypeError, "center must be numbers"),
    (([0, 0, 0], [1, 1, 1], [1, 0, 0, 0], [0, 0, 0], 5), TypeError, "label must be a string"),
])
def test_box3d_bad_input(args: tuple[Any, ...], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        box3d(*args)


@pytest.mark.parametrize("extension", ["obj", "gltf", "glb", "babylon", "stl", "pts.json"])
def test_mesh_files_keep_their_extension(stored: Stored, tmp_path: Path, extension: str) -> None:
    content = bytes(range(256)) if extension in ("glb", "stl") else b"v 0 0 0\nv 1 0 0\n"
    path = tmp_path / f"model.{extension}"
    path.write_bytes(content)
    for value in (Object3D(path), Object3D(str(path)), Object3D.from_file(str(path)),
                  Object3D.from_file(io.BytesIO(content), file_type=extension),
                  Object3D(io.BytesIO(content), file_type=extension.upper())):
        described = stored.descriptor(value)
        check_common(described, stored, "object3D-file", "object3D", f".{extension}")
        assert (stored.root / described["path"]).read_bytes() == content
    with path.open("rb") as opened:  # an open file is typed by its name
        assert (stored.root / stored.descriptor(Object3D(opened))["path"]).read_bytes() == content
    text = stored.descriptor(Object3D(io.StringIO("v 1 2 3\n"), file_type="obj"))
    assert stored.text(text) == "v 1 2 3\n"


def test_object3d_lists_and_reading_back(stored: Stored) -> None:
    clouds = [Object3D(np.zeros((2, 3)), caption="a"), Object3D(np.ones((1, 6)))]
    described = Object3D.seq_to_json(clouds, stored.store)
    assert described["_type"] == "object3D" and described["count"] == 2
    assert [obj["path"] for obj in described["objects"]] == [f"media/object3D/{n}" for n in described["filenames"]]
    assert described["objects"][0]["caption"] == "a"
    again = Object3D.from_json(described["objects"][0], DirectorySource(stored.root))
    assert again == clouds[0]


@pytest.mark.parametrize(("data", "kwargs", "error", "message"), [
    (np.zeros((3, 5)), {}, ValueError, r"N x 3 \(\[x, y, z\]\).*not shape \(3, 5\)"),
    (np.zeros(3), {}, ValueError, "not shape"),
    (np.zeros((2, 3, 3)), {}, ValueError, "not shape"),
    (np.array([[0, 0, 0, 15]]), {}, ValueError, "category column .* from 1 to 14, not 15"),
    (np.array([[0, 0, 0, 0]]), {}, ValueError, "from 1 to 14, not 0"),
    (np.array([[0, 0, 0, 1.5]]), {}, ValueError, "whole numbers"),
    (np.array([[0, 0, 0, 0, 0, 256]]), {}, ValueError, r"0 to 255, not \[0, 0, 256\] \(row 0\)"),
    (np.array([[0, 0, 0, -1, 0, 0]]), {}, ValueError, "0 to 255"),
    (np.array([[0, math.nan, 0]]), {}, ValueError, "NaN or infinite"),
    (np.array([["a", "b", "c"]]), {}, TypeError, "real numbers"),
    ([[0, 0, 0]], {}, TypeError, "numpy array, a scene dict, a file path or an open file, not list"),
    ("model.ply", {}, ValueError, "'model.ply' is not a supported file type"),
    ("points.json", {}, ValueError, "not a supported file type"),
    (io.StringIO("v 0 0 0"), {}, ValueError, "pass file_type="),
    (io.StringIO("v 0 0 0"), {"file_type": "ply"}, ValueError, "file_type must be one of"),
    (np.zeros((1, 3)), {"format": "obj"}, TypeError, r"unexpected keyword arguments \['format'\]"),
    ({"points": np.zeros((1, 3))}, {}, ValueError, "needs a 'type'"),
    ({"type": "radar"}, {}, ValueError, "lidar/beta"),
    ({"type": "lidar/beta", "point": np.zeros((1, 3))}, {}, ValueError, r"unknown keys \['point'\]"),
    ({"type": "lidar/beta", "points": np.zeros((1, 5))}, {}, ValueError, "points must be an array"),
    ({"type": "lidar/beta", "boxes": [{"corners": [[0, 0, 0]]}]}, {}, ValueError, r"boxes\[0\] must be a dict"),
    ({"type": "lidar/beta", "boxes": [{"corners": [[0, 0, 0]] * 7, "color": [1, 1, 1]}]}, {}, ValueError,
     r"boxes\[0\]\['corners'\] must have shape 8 x 3"),
    ({"type": "lidar/beta", "vectors": [{"start": [0, 0]}]}, {}, ValueError, r"vectors\[0\] must be a dict"),
    ({"type": "lidar/beta", "vectors": [{"start": [0, 0], "end": [1, 1, 1]}]}, {}, ValueError,
     r"vectors\[0\]\['start'\] must have shape 3"),
])
def test_object3d_bad_input(data: Any, kwargs: dict[str, Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        Object3D(data, **kwargs)


def test_object3d_bad_input_elsewhere(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no file"):
        Object3D(str(tmp_path / "missing.obj"))
    with pytest.raises(TypeError, match="from_numpy data must be a numpy array"):
        Object3D.from_numpy([[0, 0, 0]])
    with pytest.raises(ValueError, match="lidar/beta"):
        Object3D.from_point_cloud(np.zeros((1, 3)), [], point_cloud_type="lidar")


# ------------------------------------------------------------------------------------------ Molecule
PDB = "HETATM    1  C1  UNL     1       0.000   0.000   0.000  1.00  0.00           C  \nEND\n"


@pytest.mark.parametrize("extension", ["pdb", "pqr", "mmcif", "mcif", "cif", "sdf", "sd", "gro", "mol2", "mmtf"])
def test_molecule_files_keep_their_extension(stored: Stored, tmp_path: Path, extension: str) -> None:
    content = bytes(range(200)) if extension == "mmtf" else PDB.encode()
    path = tmp_path / f"m.{extension}"
    path.write_bytes(content)
    for value, caption in ((Molecule(path, caption="cap"), "cap"),
                           (Molecule(io.BytesIO(content), file_type=extension), None)):
        described = stored.descriptor(value)
        check_common(described, stored, "molecule-file", "molecule", f".{extension}")
        assert (stored.root / described["path"]).read_bytes() == content
        assert described.get("caption") == caption


def test_molecule_from_smiles_and_rdkit(stored: Stored, tmp_path: Path) -> None:
    chem = pytest.importorskip("rdkit.Chem")
    aspirin = "CC(=O)Oc1ccccc1C(=O)O"
    described = stored.descriptor(Molecule.from_smiles(aspirin, caption="aspirin"))
    check_common(described, stored, "molecule-file", "molecule", ".pdb")
    assert described["caption"] == "aspirin"
    parsed = chem.MolFromPDBBlock(stored.text(described), removeHs=False)
    assert parsed.GetNumHeavyAtoms() == 13 and parsed.GetNumAtoms() == 21  # hydrogens added, 3D embedded
    assert parsed.GetConformer().Is3D()
    flat = stored.descriptor(Molecule.from_smiles("CCO", None, True, False))
    assert chem.MolFromPDBBlock(stored.text(flat), removeHs=False).GetNumAtoms() == 3  # no hydrogens added
    molecule = chem.MolFromSmiles("c1ccccc1O")
    (tmp_path / "phenol.mol").write_text(chem.MolToMolBlock(molecule))
    sdf = tmp_path / "two.sdf"
    with chem.SDWriter(str(sdf)) as writer:
        writer.write(molecule)
        writer.write(chem.MolFromSmiles("CCCC"))
    for value, heavy in ((molecule, 7), (str(tmp_path / "phenol.mol"), 7), (sdf, 7)):  # an sdf's first molecule
        pdb = stored.text(stored.descriptor(Molecule.from_rdkit(value, mmff_optimize_molecule_max_iterations=20)))
        assert chem.MolFromPDBBlock(pdb).GetNumHeavyAtoms() == heavy


def test_molecule_lists_and_reading_back(stored: Stored) -> None:
    molecules = [Molecule(io.StringIO(PDB), caption="a", file_type="pdb"), Molecule(io.StringIO(PDB + "\n"),
                                                                                    file_type="pdb")]
    described = Molecule.seq_to_json(molecules, stored.store)
    assert described["_type"] == "molecule" and described["count"] == 2
    assert described["captions"] == ["a", None]  # listed because the first has one, as in W&B
    assert all(name.startswith("media/molecule/key_7_") for name in described["filenames"])
    assert Molecule.seq_to_json(molecules[::-1], stored.store)["captions"] is False
    again = Molecule.from_json({"path": described["filenames"][0], "caption": "a"}, DirectorySource(stored.root))
    assert again == molecules[0]


def test_molecule_bad_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="'m.xyz' is not a supported file type; expected one of pdb"):
        Molecule("m.xyz")
    with pytest.raises(ValueError, match="pass file_type="):
        Molecule(io.StringIO(PDB))
    with pytest.raises(ValueError, match="file_type must be one of"):
        Molecule(io.StringIO(PDB), file_type="xyz")
    with pytest.raises(TypeError, match="path or an open file, not int"):
        Molecule(5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="caption must be a string"):
        Molecule(io.StringIO(PDB), caption=3, file_type="pdb")  # type: ignore[arg-type]
    if importlib.util.find_spec("rdkit") is not None:
        with pytest.raises(ValueError, match="cannot parse 'C1CC' as a SMILES string"):
            Molecule.from_smiles("C1CC")
        with pytest.raises(ValueError, match="cannot parse ''"):
            Molecule.from_smiles("")
        with pytest.raises(TypeError, match="SMILES string, not bytes"):
            Molecule.from_smiles(b"CCO")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="reads .mol and .sdf files"):
            Molecule.from_rdkit(str(tmp_path / "m.pdb"))
        with pytest.raises(FileNotFoundError):
            Molecule.from_rdkit(str(tmp_path / "m.mol"))
        with pytest.raises(TypeError, match="rdkit.Chem.Mol or the path"):
            Molecule.from_rdkit(42)
        with pytest.raises(ValueError, match="mmff_optimize_molecule_max_iterations must be"):
            Molecule.from_smiles("CCO", mmff_optimize_molecule_max_iterations=-1)
    monkeypatch.setitem(sys.modules, "rdkit.Chem", None)  # rdkit not installed
    with pytest.raises(ImportError, match="'rdkit'.*pip install"):
        Molecule.from_smiles("CCO")
