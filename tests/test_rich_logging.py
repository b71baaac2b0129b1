"""How run.log converts what is not a plain number (numpy values and arrays, histograms, lists of them), against
a real server on SQLite and PostgreSQL, read back through the Public API as W&B users read them."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import runbase
from conftest import Server, run_script


def init(server: Server, tmp_path: Path, **kwargs: Any) -> runbase.Run:
    settings = runbase.Settings(api_key=server.key, base_url=server.url, root_dir=str(tmp_path), quiet=True)
    return runbase.init(settings=settings, **kwargs)


def history(server: Server, run: runbase.Run) -> list[dict[str, Any]]:
    api = runbase.Api(overrides={"base_url": server.url}, api_key=server.key)
    return list(api.run(f"{run.project}/{run.id}").history(pandas=False))


def test_numpy_values_follow_wandbs_rules(server: Server, tmp_path: Path) -> None:
    run = init(server, tmp_path, project="rich")
    big = np.linspace(-3.0, 5.0, 1000)
    run.log({"scalar": np.float32(0.5), "int": np.int64(7), "flag": np.bool_(True), "one": np.array([[3.0]]),
             "small": np.arange(6).reshape(2, 3), "big": big, "mixed": [np.float64(1.5), 2, "x"]})
    run.finish()
    [row] = history(server, run)
    assert row["scalar"] == 0.5 and row["int"] == 7 and row["flag"] is True and row["one"] == 3.0
    assert row["small"] == [[0, 1, 2], [3, 4, 5]] and row["mixed"] == [1.5, 2, "x"]
    counts, edges = np.histogram(big, bins=32)
    assert row["big"] == {"_type": "histogram", "values": counts.tolist(), "bins": pytest.approx(edges.tolist())}
    summary = runbase.Api(overrides={"base_url": server.url}, api_key=server.key).run(f"rich/{run.id}").summary
    assert summary["big"]["_type"] == "histogram" and summary["big"]["values"] == counts.tolist()


def test_histograms_keep_their_bins(server: Server, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    data = rng.normal(size=5000)
    counts, edges = np.histogram(data, bins=20)
    run = init(server, tmp_path, project="rich")
    run.log({"default": runbase.Histogram(data), "given": runbase.Histogram(np_histogram=(counts, edges)),
             "few": runbase.Histogram([1, 2, 2, 3], num_bins=3), "nested": {"h": runbase.Histogram([1.0, 2.0])}})
    run.finish()
    [row] = history(server, run)
    default_counts, default_edges = np.histogram(data, bins=64)
    assert row["default"]["values"] == default_counts.tolist() and len(row["default"]["bins"]) == 65
    assert row["default"]["bins"] == pytest.approx(default_edges.tolist())
    assert row["given"] == {"_type": "histogram", "values": counts.tolist(), "bins": pytest.approx(edges.tolist())}
    assert row["few"]["values"] == [1, 2, 1]
    assert row["nested/h"]["_type"] == "histogram"
    rebuilt = runbase.Histogram.from_json(row["given"])
    assert rebuilt.histogram == counts.tolist() and rebuilt.bins == pytest.approx(edges.tolist())


@pytest.mark.parametrize(("make", "message"), [
    (lambda: runbase.Histogram([1.0, float("nan")]), "NaN or infinite"),
    (lambda: runbase.Histogram([1, 2], num_bins=513), "num_bins must be an integer from 1 to 512"),
    (lambda: runbase.Histogram([1, 2], num_bins=0), "num_bins"),
    (lambda: runbase.Histogram(np_histogram=([1, 2], [0, 1])), "one more bin edge than counts"),
    (lambda: runbase.Histogram(np_histogram=([1], [0, 1]), sequence=[1]), "not both"),
    (lambda: runbase.Histogram(["a", "b"]), "must be numbers"),
    (lambda: runbase.Histogram(), "needs a sequence"),
])
def test_bad_histograms_are_refused_at_the_call(make: Any, message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_a_refused_value_loses_nothing_else(server: Server, tmp_path: Path) -> None:
    run = init(server, tmp_path, project="rich")
    run.log({"loss": 0.5})
    bad = np.array([1.0] * 40 + [float("nan")])
    with pytest.raises(ValueError, match="'grads'.*histogram"):
        run.log({"loss": 0.4, "grads": bad})
    with pytest.raises(TypeError, match="'obj'.*object"):
        run.log({"obj": object()})
    run.log({"loss": 0.3, "grads": np.ones(40)})
    run.finish()
    rows = history(server, run)
    assert [row["loss"] for row in rows] == [0.5, 0.3] and [row["_step"] for row in rows] == [0, 1]
    assert sum(rows[1]["grads"]["values"]) == 40 and len(rows[1]["grads"]["bins"]) == 33


def test_chart_panels_reach_the_raw_config(server: Server, tmp_path: Path) -> None:
    run = init(server, tmp_path, project="rich", config={"lr": 0.1})
    run.config.update({"_wandb": {"visualize": {"old": {"panel_type": "Vega2"}}}}, allow_val_change=True)
    run.finish()
    api_run = runbase.Api(overrides={"base_url": server.url}, api_key=server.key).run(f"rich/{run.id}")
    assert api_run.config == {"lr": 0.1}  # W&B's bookkeeping stays out of the config users read
    assert json.loads(json.dumps(api_run.rawconfig))["_wandb"]["value"]["visualize"]["old"]["panel_type"] == "Vega2"


def test_offline_media_reach_the_server_with_runbase_sync(server: Server, sdk_env: dict[str, str],
                                                          tmp_path: Path) -> None:
    """Media stay in the run directory of an offline run; `runbase sync` uploads them with the history."""
    result = run_script("""
        import numpy as np, runbase as wandb
        pixels = (np.arange(12 * 10 * 3) % 251).astype(np.uint8).reshape(12, 10, 3)
        with wandb.init(project="offline-media", mode="offline") as run:
            run.log({"img": wandb.Image(pixels, caption="c"), "page": wandb.Html("<p>hi</p>")})
            run.log({"imgs": [wandb.Image(pixels), wandb.Image(255 - pixels)]})
        print("RUN", run.id)
    """, sdk_env)
    run_id = result.stdout.split("RUN ")[1].split()[0]
    synced = subprocess.run([sys.executable, "-m", "runbase.cli", "sync", sdk_env["RUNBASE_DIR"]], env=sdk_env,
                            capture_output=True, text=True, timeout=120)
    assert synced.returncode == 0, synced.stderr
    api_run = runbase.Api(overrides={"base_url": server.url}, api_key=server.key).run(f"offline-media/{run_id}")
    first, second = api_run.history(pandas=False)
    assert first["img"]["_type"] == "image-file" and first["img"]["caption"] == "c"
    assert first["img"]["path"].startswith("media/images/img_0_") and first["page"]["_type"] == "html-file"
    assert second["imgs"]["_type"] == "images/separated" and second["imgs"]["count"] == 2
    names = {file.name for file in api_run.files()}
    assert {first["img"]["path"], first["page"]["path"], *second["imgs"]["filenames"]} <= names
    downloaded = api_run.file(first["img"]["path"]).download(root=str(tmp_path / "got"))
    from PIL import Image as PILImage

    expected = (np.arange(12 * 10 * 3) % 251).astype(np.uint8).reshape(12, 10, 3)
    assert (np.asarray(PILImage.open(downloaded.name)) == expected).all()


def test_run_log_does_not_wait_for_media_uploads(server: Server, tmp_path: Path) -> None:
    """Uploads go on a thread beside the sender: a slow server delays finish(), never run.log."""
    from runbase.files import FileClient

    original = FileClient.send
    sent: list[int] = []

    def slow_send(self: FileClient, files: Any, progress: Any = None) -> None:
        time.sleep(0.5)
        sent.append(len(files))
        original(self, files, progress)

    FileClient.send = slow_send  # type: ignore[method-assign]
    try:
        run = init(server, tmp_path, project="rich")
        started = time.perf_counter()
        for step in range(20):
            run.log({"img": runbase.Image(np.full((8, 8, 3), step, dtype=np.uint8))})
        logging = time.perf_counter() - started
        run.finish()
    finally:
        FileClient.send = original  # type: ignore[method-assign]
    assert logging < 0.5, logging
    assert sum(sent) == 21  # the 20 images and the run's wandb-metadata.json
    rows = history(server, run)
    assert len(rows) == 20 and all(row["img"]["_type"] == "image-file" for row in rows)


def test_rich_values_set_on_the_summary(server: Server, tmp_path: Path) -> None:
    run = init(server, tmp_path, project="rich")
    pixels = np.arange(4 * 5 * 3, dtype=np.uint8).reshape(4, 5, 3)
    run.summary["best"] = runbase.Image(pixels)
    run.summary.update({"weights": np.arange(50.0), "small": np.arange(3), "hist": runbase.Histogram([1, 2])})
    run.finish()
    api_run = runbase.Api(overrides={"base_url": server.url}, api_key=server.key).run(f"rich/{run.id}")
    best = api_run.summary["best"]
    assert best["_type"] == "image-file" and best["path"].startswith("media/images/best_summary_")
    assert best["width"] == 5 and best["height"] == 4
    from PIL import Image as PILImage

    downloaded = api_run.file(best["path"]).download(root=str(tmp_path / "got"))
    assert (np.asarray(PILImage.open(downloaded.name)) == pixels).all()
    weights = api_run.summary["weights"]
    assert weights["_type"] == "numpy.ndarray" and weights["size"] == 50 and weights["max"] == 49.0
    assert weights["mean"] == pytest.approx(24.5) and weights["25%"] == pytest.approx(np.percentile(np.arange(50.0), 25))
    assert api_run.summary["small"] == [0, 1, 2] and api_run.summary["hist"]["_type"] == "histogram"


def test_images_with_boxes_and_masks_round_trip_through_an_artifact(server: Server, tmp_path: Path) -> None:
    pixels = np.zeros((8, 10, 3), dtype=np.uint8)
    boxes = {"preds": {"box_data": [{"position": {"minX": 0.1, "maxX": 0.5, "minY": 0.2, "maxY": 0.6},
                                      "class_id": 1, "box_caption": "cat", "scores": {"acc": 0.9}}],
                       "class_labels": {1: "cat"}}}
    masks = {"truth": {"mask_data": np.eye(8, 10, dtype=np.uint8), "class_labels": {0: "bg", 1: "cat"}}}
    run = init(server, tmp_path, project="rich")
    artifact = runbase.Artifact("annotated", "dataset")
    table = runbase.Table(columns=["image"])
    table.add_data(runbase.Image(pixels, boxes=boxes, masks=masks))
    artifact.add(table, "tab")
    artifact.add(runbase.Image(pixels, boxes=boxes), "single")
    run.log_artifact(artifact).wait()
    run.finish()
    api = runbase.Api(overrides={"base_url": server.url}, api_key=server.key)
    fetched = api.artifact("rich/annotated:latest")
    got = fetched.get("tab").get_column("image")[0]
    assert (np.asarray(got.image) == pixels).all()
    assert got._boxes["preds"]._box_data[0]["box_caption"] == "cat"
    assert (np.asarray(got._masks["truth"].mask_data) == np.eye(8, 10)).all()
    single = fetched.get("single")  # in an artifact, class names travel in the image's classes file, as in W&B
    assert single._boxes["preds"]._box_data[0]["class_id"] == 1 and {"id": 1, "name": "cat"} in single._classes._class_set


def test_keys_that_cannot_name_a_file_still_log(server: Server, tmp_path: Path) -> None:
    run = init(server, tmp_path, project="rich")
    image = runbase.Image(np.zeros((2, 2), dtype=np.uint8))
    run.log({"a\nb": image, "k" * 300: image, "plain": image, "t" * 180: runbase.Table(columns=["x"], data=[[1]])})
    with pytest.raises(TypeError, match="'bad'"):  # refused whole: its table's artifact is not logged either
        run.log({"refused": runbase.Table(columns=["y"], data=[[2]]), "bad": object()})
    run.finish()
    [row] = history(server, run)
    names = {file.name for file in runbase.Api(overrides={"base_url": server.url},
                                               api_key=server.key).run(f"rich/{run.id}").files()}
    assert row["a\nb"]["path"].startswith("media/images/a_b_0_") and row["a\nb"]["path"] in names
    assert len(row["k" * 300]["path"].split("/")[-1]) < 160 and row["k" * 300]["path"] in names
    assert row["plain"]["path"] in names and row["t" * 180]["_type"] == "table-file"
    tables = [artifact.name for artifact in runbase.Api(overrides={"base_url": server.url}, api_key=server.key)
              .run(f"rich/{run.id}").logged_artifacts()]
    assert len(tables) == 1 and tables[0].startswith(f"run-{run.id}-ttt") and len(tables[0].split(":")[0]) <= 128


def test_a_disabled_run_takes_rich_values_and_stores_nothing(tmp_path: Path) -> None:
    run = runbase.init(mode="disabled")
    run.log({"img": runbase.Image(np.zeros((2, 2), dtype=np.uint8))})
    run.summary["best"] = runbase.Image(np.zeros((2, 2), dtype=np.uint8))
    assert run.summary["best"]["_type"] == "image-file" and run.summary["best"]["path"].startswith("media/images/")
    run.finish()


@pytest.mark.parametrize(("package", "hint"), [("Pillow", "pip install 'runbase[media]' (or pip install Pillow)"),
                                               ("pandas", "pip install pandas"), ("rdkit", "pip install rdkit")])
def test_a_missing_library_is_named_with_what_installs_it(package: str, hint: str) -> None:
    from runbase.optional import require

    with pytest.raises(ImportError, match="needs the package") as raised:
        require("runbase_no_such_module", what="this type", package=package)
    assert str(raised.value).endswith(hint)


def test_a_disabled_run_describes_summary_values_as_others_do() -> None:
    run = runbase.init(mode="disabled")
    run.summary["lr"] = np.float32(0.5)
    run.summary["small"] = np.arange(3)
    run.summary["img"] = runbase.Image(np.zeros((2, 3), dtype=np.uint8))
    assert run.summary["lr"] == 0.5 and run.summary["small"] == [0, 1, 2]
    assert run.summary["img"]["_type"] == "image-file" and run.summary["img"]["width"] == 3
    run.finish()


def test_tables_under_awkward_keys_and_long_run_ids(server: Server, tmp_path: Path) -> None:
    from runbase.data_types.media import safe_key
    from runbase.run import _table_artifact_name

    run = init(server, tmp_path, project="rich")
    run.log({"a\x01b\\c": runbase.Table(columns=["x"], data=[[1]]), "n": 1})
    run.finish()
    [row] = history(server, run)
    assert row["n"] == 1 and row["a\x01b\\c"]["_type"] == "table-file"
    for run_id in ("abc", "r" * 30, "i" * 128):
        for key in ("k", "k" * 300, "a/b c"):
            name = _table_artifact_name(run_id, key)
            assert len(name) <= 128 and name.startswith("run-"), name
    long_path = safe_key("/".join(["p" * 110] * 12))
    assert len(long_path.encode()) <= 600 and "//" not in long_path and not long_path.endswith("/")
