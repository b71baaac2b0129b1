"""runbase.Image end to end (SQLite and PostgreSQL): a script logs images from arrays, a PIL image, a file,
a list, and with boxes and masks; the Public API reads W&B's descriptors from history and summary, and the
files downloaded from the run hold exactly the logged pixels. The reference's Image examples run as written."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

np = pytest.importorskip("numpy")
PILImage = pytest.importorskip("PIL.Image")

import runbase as wandb
from conftest import Server, run_script, sdk_environment

PROJECT = "media-images"

SCRIPT = """
import numpy as np
from PIL import Image as PILImage
import runbase as wandb

rng = np.random.default_rng(12)
arrays = {"u8": rng.integers(0, 256, (8, 10, 3), dtype=np.uint8), "float": rng.random((6, 7)),
          "rgba": rng.integers(0, 256, (5, 4, 4), dtype=np.uint8), "photo": rng.integers(0, 256, (9, 3, 3),
                                                                                        dtype=np.uint8),
          "mask": rng.integers(0, 4, (8, 10))}
np.savez("expected.npz", **arrays)
PILImage.fromarray(arrays["photo"]).save("photo.png")
boxes = {"pred": {"box_data": [{"position": {"minX": 0.1, "maxX": 0.4, "minY": 0.2, "maxY": 0.9}, "class_id": 1,
                                "box_caption": "cat", "scores": {"p": 0.75}}], "class_labels": {1: "cat"}}}
with wandb.init(project="PROJECT", id="RUN_ID") as run:
    run.log({"u8": wandb.Image(arrays["u8"], caption="from uint8"), "loss": 0.5})
    run.log({"float": wandb.Image(arrays["float"]), "pil": wandb.Image(PILImage.fromarray(arrays["rgba"])),
             "file": wandb.Image("photo.png")})
    run.log({"batch": [wandb.Image(arrays["u8"], caption="first"), wandb.Image(arrays["u8"][::-1].copy())]})
    run.log({"labelled": wandb.Image(arrays["u8"], boxes=boxes, masks={"truth": {"mask_data": arrays["mask"]}})})
"""


@dataclass
class Logged:
    """A run that a script logged media to, read back through the Public API."""

    run: Any
    rows: list[dict[str, Any]]
    expected: dict[str, Any]  # the arrays the script logged (its expected.npz)
    downloads: Path

    def download(self, path: str) -> Path:
        self.run.file(path).download(root=self.downloads, exist_ok=True)
        return self.downloads / path

    def file(self, described: dict[str, Any]) -> Path:
        """A descriptor's file downloaded from the run, checked against the descriptor's sha256 and size."""
        local = self.download(described["path"])
        content = local.read_bytes()
        assert described["sha256"] == hashlib.sha256(content).hexdigest() and described["size"] == len(content)
        return local


def log_script(server: Server, work: Path, project: str, script: str) -> Logged:
    """Run a user's script that logs to run RUN_ID of PROJECT and saves the arrays it logged as expected.npz."""
    run_id = uuid.uuid4().hex[:12]
    run_script(script.replace("PROJECT", project).replace("RUN_ID", run_id), sdk_environment(server, work), cwd=work)
    run = api_for(server).run(f"admin/{project}/{run_id}")
    with np.load(work / "expected.npz") as stored:
        expected = {name: stored[name] for name in stored.files}
    return Logged(run, list(run.scan_history()), expected, work / "downloads")


def api_for(server: Server) -> wandb.Api:
    return wandb.Api(overrides={"base_url": server.url}, api_key=server.key)


@pytest.fixture(scope="module")
def logged(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Logged:
    return log_script(server, tmp_path_factory.mktemp("media-images"), PROJECT, SCRIPT)


def pixels(path: Path) -> Any:
    with PILImage.open(path) as image:
        return np.asarray(image)


def check_file_descriptor(logged: Logged, described: dict[str, Any], key: str, step: int) -> Path:
    """The common fields of W&B's descriptor, checked against the file downloaded from the run."""
    assert described["_type"] == "image-file"
    assert described["path"] == f"media/images/{key}_{step}_{described['sha256'][:20]}.{described['format']}"
    local = logged.file(described)
    with PILImage.open(local) as image:
        assert (described["width"], described["height"]) == image.size
    return local


def test_images_from_arrays_pil_and_files_round_trip(logged: Logged) -> None:
    first, second = logged.rows[0], logged.rows[1]
    assert first["_step"] == 0 and first["loss"] == 0.5
    u8 = first["u8"]
    assert u8["caption"] == "from uint8" and u8["format"] == "png" and (u8["width"], u8["height"]) == (10, 8)
    assert np.array_equal(pixels(check_file_descriptor(logged, u8, "u8", 0)), logged.expected["u8"])
    # Floats in [0, 1] are scaled by 255 and truncated, as W&B 0.21 does.
    float_pixels = pixels(check_file_descriptor(logged, second["float"], "float", 1))
    assert np.array_equal(float_pixels, (logged.expected["float"] * 255).astype(np.uint8))
    assert np.array_equal(pixels(check_file_descriptor(logged, second["pil"], "pil", 1)), logged.expected["rgba"])
    assert np.array_equal(pixels(check_file_descriptor(logged, second["file"], "file", 1)), logged.expected["photo"])
    assert "caption" not in second["float"]
    summary = logged.run.summary
    for key, row in (("u8", first), ("float", second), ("pil", second), ("file", second)):
        assert summary[key] == row[key]  # the summary holds the last descriptor


def test_a_list_of_images_is_one_images_separated_descriptor(logged: Logged) -> None:
    batch = logged.rows[2]["batch"]
    assert {k: batch[k] for k in ("_type", "width", "height", "format", "count")} == {
        "_type": "images/separated", "width": 10, "height": 8, "format": "png", "count": 2}
    assert batch["captions"] == ["first", None] and "all_masks" not in batch and "all_boxes" not in batch
    first, flipped = (pixels(logged.download(name)) for name in batch["filenames"])
    assert all(re.fullmatch(r"media/images/batch_2_[0-9a-f]{20}\.png", name) for name in batch["filenames"])
    assert np.array_equal(first, logged.expected["u8"]) and np.array_equal(flipped, logged.expected["u8"][::-1])


def test_boxes_and_masks_are_run_files(logged: Logged) -> None:
    labelled = logged.rows[3]["labelled"]
    check_file_descriptor(logged, labelled, "labelled", 3)
    box = labelled["boxes"]["pred"]
    assert box["_type"] == "boxes2D"
    assert re.fullmatch(r"media/metadata/boxes2D/labelled_3_[0-9a-f]{20}\.boxes2D\.json", box["path"])
    assert json.loads(logged.file(box).read_text()) == {"box_data": [
        {"position": {"minX": 0.1, "maxX": 0.4, "minY": 0.2, "maxY": 0.9}, "class_id": 1, "box_caption": "cat",
         "scores": {"p": 0.75}}], "class_labels": {"1": "cat"}}
    mask = labelled["masks"]["truth"]
    assert mask["_type"] == "mask"
    assert re.fullmatch(r"media/images/mask/labelled_3_[0-9a-f]{20}\.mask\.png", mask["path"])
    assert np.array_equal(pixels(logged.file(mask)), logged.expected["mask"])


REFERENCE_EXAMPLES = '''
import numpy as np
import runbase as wandb

with wandb.init() as run:
    examples = []
    for i in range(3):
        pixels = np.random.randint(low=0, high=256, size=(100, 100, 3))
        image = wandb.Image(pixels, caption=f"random field {i}")
        examples.append(image)
    run.log({"examples": examples})

import numpy as np
from PIL import Image as PILImage
import runbase as wandb

with wandb.init() as run:
    examples = []
    for i in range(3):
        pixels = np.random.randint(
            low=0, high=256, size=(100, 100, 3), dtype=np.uint8
        )
        pil_image = PILImage.fromarray(pixels, mode="RGB")
        image = wandb.Image(pil_image, caption=f"random field {i}")
        examples.append(image)
    run.log({"examples": examples})

import numpy as np
import runbase as wandb

with wandb.init() as run:
    examples = []
    for i in range(3):
        pixels = np.random.randint(low=0, high=256, size=(100, 100, 3))
        image = wandb.Image(
            pixels, caption=f"random field {i}", file_type="jpg"
        )
        examples.append(image)
    run.log({"examples": examples})

import runbase as wandb
import matplotlib.pyplot as plt
# Generate an image for demonstration purposes
path_to_img = "cafe.png"
im = plt.imread(path_to_img)
# Initialize a new run
with wandb.init(project="awesome-project") as run:
    # Log the image
    run.log({"img": [wandb.Image(im, caption="Cafe")]})
'''


def test_the_reference_image_examples_run_as_written(server: Server, tmp_path: Path) -> None:
    project = f"reference-images-{uuid.uuid4().hex[:6]}"
    cafe = np.random.default_rng(3).integers(0, 256, (12, 16, 3), dtype=np.uint8)
    PILImage.fromarray(cafe).save(tmp_path / "cafe.png")
    env = {**sdk_environment(server, tmp_path), "RUNBASE_PROJECT": project, "MPLBACKEND": "Agg"}
    run_script(REFERENCE_EXAMPLES, env, cwd=tmp_path)
    api = api_for(server)
    runs = list(api.runs(f"admin/{project}"))
    formats = sorted(run.summary["examples"]["format"] for run in runs)
    assert formats == ["jpg", "png", "png"]
    for run in runs:
        examples = run.summary["examples"]
        file_type = examples["format"]
        assert {k: examples[k] for k in ("_type", "width", "height", "count")} == {
            "_type": "images/separated", "width": 100, "height": 100, "count": 3}
        assert examples["captions"] == [f"random field {i}" for i in range(3)]
        for name in examples["filenames"]:
            assert name.endswith(f".{file_type}")
            run.file(name).download(root=tmp_path / run.id)
            with PILImage.open(tmp_path / run.id / name) as image:
                assert image.size == (100, 100) and image.format == ("JPEG" if file_type == "jpg" else "PNG")
    # The example names its own project; plt.imread gives floats in [0, 1], scaled by 255 and truncated.
    (cafe_run,) = api.runs("admin/awesome-project")
    img = cafe_run.summary["img"]
    assert img["captions"] == ["Cafe"] and (img["width"], img["height"]) == (16, 12)
    cafe_run.file(img["filenames"][0]).download(root=tmp_path / "cafe")
    import matplotlib.pyplot as plt

    expected = (plt.imread(tmp_path / "cafe.png").astype(np.float64) * 255).astype(np.uint8)
    assert np.abs(expected.astype(int) - cafe).max() <= 1
    assert np.array_equal(pixels(tmp_path / "cafe" / img["filenames"][0]), expected)
