"""runbase.Image in-process: descriptors, pixels, W&B's rescaling, boxes and masks, lists, and bad input."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

np = pytest.importorskip("numpy")
PILImage = pytest.importorskip("PIL.Image")

from runbase.data_types.image import BoundingBoxes2D, Classes, Image, ImageMask
from runbase.data_types.media import DirectorySource, RunMediaStore

BOXES = {"pred": {"box_data": [
    {"position": {"minX": 0.1, "maxX": 0.5, "minY": 0.2, "maxY": 0.6}, "class_id": 1, "box_caption": "cat",
     "scores": {"acc": 0.9}},
    {"position": {"middle": [3, 4], "width": 2, "height": 2}, "domain": "pixel", "class_id": 2}],
    "class_labels": {1: "cat", 2: "dog"}}}


class FolderArtifactStore:
    """An artifact's draft as a folder: files named after their contents, as ArtifactMediaStore names them."""

    is_artifact = True

    def __init__(self, root: Path) -> None:
        self.root = root

    def add(self, source: Path, *, subdir: str, extension: str, digest: str, is_tmp: bool) -> str:
        name = f"media/{subdir}/{digest[:20]}{extension}"
        (self.root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, self.root / name)
        return name

    def for_cells(self) -> FolderArtifactStore:
        return self

    def class_labels(self, kind: str, layer: str, labels: Mapping[int, str]) -> None:
        """As ArtifactMediaStore: an artifact's images carry their classes in a classes file."""


@pytest.fixture
def store(tmp_path: Path) -> RunMediaStore:
    return RunMediaStore(tmp_path, "img", 7, lambda name: None)


def pixels(store: RunMediaStore, described: dict[str, Any]) -> Any:
    with PILImage.open(store.root / described["path"]) as image:
        return np.asarray(image)


def test_uint8_array_descriptor_and_exact_pixels(store: RunMediaStore) -> None:
    data = np.random.default_rng(1).integers(0, 256, (8, 10, 3), dtype=np.uint8)
    described = Image(data, caption="cap").to_json(store)
    assert list(described) == ["caption", "_type", "sha256", "size", "path", "format", "width", "height"]
    assert described["_type"] == "image-file" and described["format"] == "png"
    assert (described["width"], described["height"]) == (10, 8)
    assert re.fullmatch(r"media/images/img_7_[0-9a-f]{20}\.png", described["path"])
    content = (store.root / described["path"]).read_bytes()
    assert described["sha256"] == hashlib.sha256(content).hexdigest() and described["size"] == len(content)
    assert described["path"].endswith(f"_{described['sha256'][:20]}.png")
    assert np.array_equal(pixels(store, described), data)


@pytest.mark.parametrize(("data", "expected"), [
    (np.array([[0.5, 0.25], [1.0, 0.0]]), [[127, 63], [255, 0]]),  # [0, 1]: times 255, truncated
    (np.array([[-1.0, 0.0], [1.0, 0.5]]), [[0, 127], [255, 191]]),  # [-1, 1]: onto [0, 255]
    (np.array([[-5, 300], [17, 255]]), [[0, 255], [17, 255]]),  # else clipped
    (np.array([[0, 1], [1, 0]], dtype=np.uint8), [[0, 255], [255, 0]]),  # W&B scales any data in [0, 1]
    (np.array([[2, 200], [255, 9]]), [[2, 200], [255, 9]]),  # int64 of 0..255 as it is
])
def test_normalization_follows_wandb_0_21(store: RunMediaStore, data: Any, expected: list[list[int]]) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        image = Image(data)
    # W&B warns when values fall outside [0, 255] (which [-1, 1] data does).
    warned = ("Image data should consist of values in the range [0, 255]; values in [-1, 1] are mapped onto it, "
              "others clipped to it")
    assert [str(w.message) for w in caught] == ([warned] if data.min() < 0 or data.max() > 255 else [])
    assert pixels(store, image.to_json(store)).tolist() == expected


def test_normalize_false_keeps_values_and_refuses_out_of_range(store: RunMediaStore) -> None:
    data = np.array([[0.0, 1.0], [2.9, 255.0]])
    assert pixels(store, Image(data, normalize=False).to_json(store)).tolist() == [[0, 1], [2, 255]]
    with pytest.raises(ValueError, match="normalize=False must hold values from 0 to 255"):
        Image(np.array([[-1.0, 300.0]]), normalize=False)


def test_shapes_and_modes(store: RunMediaStore) -> None:
    gray = np.arange(12, dtype=np.uint8).reshape(3, 4) + 10
    assert Image(gray).image.mode == "L"
    assert np.array_equal(pixels(store, Image(gray[..., None]).to_json(store)), gray)  # (H, W, 1) is gray
    rgba = np.full((2, 3, 4), 200, dtype=np.uint8)
    assert Image(rgba).image.mode == "RGBA"
    assert Image(rgba[None]).image.size == (3, 2)  # a leading batch of one is dropped
    assert Image(np.full((2, 2, 3), 90, dtype=np.uint8), mode="L").image.mode == "L"


def test_file_types_and_jpeg_without_alpha(store: RunMediaStore) -> None:
    data = np.full((4, 4, 3), 128, dtype=np.uint8)
    for file_type, pil_format in (("jpg", "JPEG"), ("jpeg", "JPEG"), ("bmp", "BMP"), ("png", "PNG")):
        described = Image(data, file_type=file_type).to_json(store)
        assert described["format"] == file_type and described["path"].endswith(f".{file_type}")
        with PILImage.open(store.root / described["path"]) as stored:
            assert stored.format == pil_format
    with pytest.warns(UserWarning, match="cannot be saved as jpg; it is saved as RGB"):
        image = Image(np.full((4, 4, 4), 9, dtype=np.uint8), file_type="jpg")
    assert image.image.mode == "RGB"


def test_pil_image_path_and_copy(store: RunMediaStore, tmp_path: Path) -> None:
    data = np.random.default_rng(2).integers(0, 256, (5, 6, 4), dtype=np.uint8)
    from_pil = Image(PILImage.fromarray(data, mode="RGBA"), grouping=3).to_json(store)
    assert np.array_equal(pixels(store, from_pil), data) and from_pil["grouping"] == 3
    source = tmp_path / "photo.JPG"
    PILImage.fromarray(data[..., :3]).save(source, format="JPEG")
    image = Image(source)
    described = image.to_json(store)
    assert described["format"] == "jpg" and described["path"].endswith(".jpg")
    assert described["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()  # stored as it is
    assert (described["width"], described["height"]) == (6, 5)
    copy = Image(Image(data, boxes=BOXES), caption="again")
    assert copy.sha256 == Image(data).sha256 and not copy._boxes and copy._caption == "again"


def test_matplotlib_figure(store: RunMediaStore) -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure = plt.figure(figsize=(2, 1), dpi=50)
    plt.plot([1, 2, 3])
    described = Image(figure).to_json(store)
    plt.close(figure)
    assert (described["width"], described["height"]) == (100, 50) and described["format"] == "png"


def test_torch_tensor_is_channels_first(store: RunMediaStore) -> None:
    torch = pytest.importorskip("torch", reason="torch is not installed here; tensors are tested where it is")
    data = np.random.default_rng(3).integers(0, 256, (3, 4, 5), dtype=np.uint8)
    described = Image(torch.tensor(data)).to_json(store)
    assert np.array_equal(pixels(store, described), data.transpose(1, 2, 0))


def test_boxes_and_masks_are_stored_as_wandb_does(store: RunMediaStore) -> None:
    data = np.zeros((8, 10, 3), dtype=np.uint8)
    mask = np.random.default_rng(4).integers(0, 3, (8, 10))
    image = Image(data, boxes=BOXES, masks={"truth": {"mask_data": mask}}, classes=[{"id": 2, "name": "hound"}])
    described = image.to_json(store)
    box = described["boxes"]["pred"]
    assert box["_type"] == "boxes2D" and re.fullmatch(r"media/metadata/boxes2D/img_7_[0-9a-f]{20}\.boxes2D\.json",
                                                      box["path"])
    stored = json.loads((store.root / box["path"]).read_text())
    assert stored == {"box_data": BOXES["pred"]["box_data"], "class_labels": {"1": "cat", "2": "dog"}}
    masked = described["masks"]["truth"]
    assert masked["_type"] == "mask" and re.fullmatch(r"media/images/mask/img_7_[0-9a-f]{20}\.mask\.png",
                                                      masked["path"])
    assert np.array_equal(pixels(store, masked), mask)
    # Named labels win over a mask's class_N defaults; `classes` wins over both.
    assert image._classes is not None and image._classes.labels == {0: "class_0", 1: "cat", 2: "hound"}
    assert "classes" not in described  # written only into artifacts


def test_artifact_descriptor_and_from_json(tmp_path: Path) -> None:
    store = FolderArtifactStore(tmp_path)
    data = np.random.default_rng(5).integers(0, 256, (8, 10, 3), dtype=np.uint8)
    mask = np.random.default_rng(6).integers(0, 4, (8, 10))
    image = Image(data, caption="c", grouping=2, boxes=BOXES,
                  masks={"truth": {"mask_data": mask, "class_labels": {0: "bg", 1: "a", 2: "b", 3: "c"}}})
    described = image.to_json(store)
    assert described["boxes"] == {"pred": BOXES["pred"]["box_data"]}  # W&B writes boxes inline in artifacts
    assert described["classes"]["type"] == "classes-file"
    assert re.fullmatch(r"media/classes/[0-9a-f]{20}_cls\.classes\.json", described["classes"]["path"])
    classes = json.loads((tmp_path / described["classes"]["path"]).read_text())
    assert classes["_type"] == "classes" and {"id": 3, "name": "c"} in classes["class_set"]
    back = Image.from_json(described, DirectorySource(tmp_path))
    assert back == image and back._grouping == 2 and np.array_equal(np.asarray(back.image), data)
    assert back._classes == image._classes
    assert back._boxes["pred"]._box_data == BOXES["pred"]["box_data"]
    assert np.array_equal(back._masks["truth"].mask_data, mask) and back._masks["truth"]._key == "truth"


def test_from_json_of_a_run_descriptor(store: RunMediaStore) -> None:
    image = Image(np.eye(6), boxes=BOXES, masks={"m": {"mask_data": np.eye(6, dtype=int)}})
    back = Image.from_json(image.to_json(store), DirectorySource(store.root))
    assert back == image and back._boxes["pred"]._class_labels == {1: "cat", 2: "dog"}
    assert np.array_equal(back._masks["m"].mask_data, np.eye(6))


def test_list_descriptor(store: RunMediaStore) -> None:
    data = np.zeros((4, 5), dtype=np.uint8)
    images = [Image(data + i, caption=f"c{i}") for i in range(3)] + [Image(np.zeros((6, 5)), masks={
        "m": {"mask_data": np.zeros((6, 5), dtype=int)}})]
    with pytest.warns(UserWarning, match="Images sizes do not match"):
        meta = Image.seq_to_json(images, store)
    assert {k: meta[k] for k in ("_type", "width", "height", "format", "count")} == {
        "_type": "images/separated", "width": 5, "height": 4, "format": "png", "count": 4}
    assert meta["captions"] == ["c0", "c1", "c2", None]
    assert [re.fullmatch(r"media/images/img_7_[0-9a-f]{20}\.png", name) is not None for name in meta["filenames"]] \
        == [True] * 4
    assert meta["all_masks"][:3] == [None, None, None] and meta["all_masks"][3]["m"]["_type"] == "mask"
    assert "all_boxes" not in meta
    plain = Image.seq_to_json([Image(data), Image(data, caption="late")], store)
    assert "captions" not in plain  # only when the first image has one, as in W&B


def test_at_most_108_images_per_list(store: RunMediaStore) -> None:
    images = [Image(np.full((2, 2), i, dtype=np.uint8) + 2) for i in range(110)]
    with pytest.warns(UserWarning, match="Only 108 Image will be uploaded"):
        meta = Image.seq_to_json(images, store)
    assert meta["count"] == 108 and len(meta["filenames"]) == 108


@pytest.mark.parametrize(("data", "kwargs", "error", "message"), [
    (np.zeros(5), {}, ValueError, r"must be 2-D \(height, width\) or 3-D"),
    (np.zeros((2, 3, 4, 5)), {}, ValueError, "must be 2-D"),
    (np.zeros((4, 4, 2)), {}, ValueError, "has 2 channels; expected 1 .*3 .*or 4"),
    (np.zeros((3, 8, 8)), {}, ValueError, "transpose a channels-first array"),
    (np.zeros((0, 4)), {}, ValueError, "from 1 to 65500 pixels"),
    (np.array([[0.1, np.nan]]), {}, ValueError, "NaN or infinite"),
    (np.array([[0.1, np.inf]]), {}, ValueError, "NaN or infinite"),
    (np.array([["a", "b"]]), {}, TypeError, "array of numbers"),
    (np.zeros((2, 2)), {"file_type": "gif"}, ValueError, "file_type must be one of png, jpg, jpeg, bmp"),
    (np.zeros((2, 2)), {"grouping": "x"}, TypeError, "grouping must be an integer"),
    (np.zeros((2, 2)), {"mode": "NOPE"}, ValueError, "mode 'NOPE'"),
    ({"a": 1}, {}, TypeError, "must be a numpy array, a torch tensor, a PIL image"),
])
def test_bad_image_data(data: Any, kwargs: dict[str, Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        Image(data, **kwargs)


def test_bad_paths(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="names no file"):
        Image(tmp_path / "missing.png")
    (tmp_path / "notes.png").write_text("not an image")
    with pytest.raises(ValueError, match="not an image Pillow can read"):
        Image(tmp_path / "notes.png")


@pytest.mark.parametrize(("boxes", "error", "message"), [
    ([1], TypeError, "boxes must be a dict of layer names"),
    ({"p": {"class_labels": {}}}, TypeError, "'box_data'"),
    ({"p": {"box_data": [{"class_id": 1}]}}, TypeError, r"box_data\[0\] lacks its 'position'"),
    ({"p": {"box_data": [{"position": {"minX": 0, "maxX": 1, "minY": 0}}]}}, TypeError, "position lacks maxY"),
    ({"p": {"box_data": [{"position": {"middle": [1, 2], "width": 1}}]}}, TypeError, "position lacks height"),
    ({"p": {"box_data": [{"position": {"middle": [1], "width": 1, "height": 1}}]}}, TypeError, r"\[x, y\]"),
    ({"p": {"box_data": [{"position": {"minX": "0", "maxX": 1, "minY": 0, "maxY": 1}}]}}, TypeError,
     "minX must be a number"),
    ({"p": {"box_data": [{"position": {"minX": np.nan, "maxX": 1, "minY": 0, "maxY": 1}}]}}, ValueError,
     "finite numbers"),
    ({"p": {"box_data": [{"position": {"minX": 0, "maxX": 1, "minY": 0, "maxY": 1}, "scores": {"a": "x"}}]}},
     TypeError, "scores must be a dict of names"),
    ({"p": {"box_data": [{"position": {"minX": 0, "maxX": 1, "minY": 0, "maxY": 1}, "class_id": 1.5}]}},
     TypeError, "class_id must be an integer"),
    ({"p": {"box_data": [], "class_labels": {"a": "b"}}}, TypeError, "class_labels must be a dict of integer"),
])
def test_bad_boxes(boxes: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        Image(np.zeros((4, 4)), boxes=boxes)


@pytest.mark.parametrize(("mask", "error", "message"), [
    ({"mask_data": np.zeros((4, 4, 3))}, TypeError, r"mask_data must be a 2-D array \(height, width\)"),
    ({"mask_data": np.zeros(4)}, TypeError, "must be a 2-D array"),
    ({"mask_data": np.full((4, 4), 256)}, ValueError, "integer class ids from 0 to 255"),
    ({"mask_data": np.full((4, 4), 0.5)}, ValueError, "integer class ids from 0 to 255"),
    ({"mask_data": np.zeros((3, 4), dtype=int)}, ValueError, r"mask_data is 4x3 \(width x height\), the image 4x4"),
    ({"labels": 1}, TypeError, "'mask_data'"),
])
def test_bad_masks(mask: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        Image(np.zeros((4, 4)), masks={"m": mask})


def test_bad_classes() -> None:
    with pytest.raises(TypeError, match=r"class_set\[1\] must be a dict with an integer 'id'"):
        Classes([{"id": 1, "name": "a"}, {"id": "2", "name": "b"}])
    with pytest.raises(TypeError, match="class_set must be a list"):
        Image(np.zeros((2, 2)), classes="cats")  # type: ignore[arg-type]


def test_helper_types_built_directly() -> None:
    boxes = BoundingBoxes2D({"box_data": [{"position": {"minX": 0, "maxX": 1, "minY": 0, "maxY": 1},
                                           "class_id": 4}]}, "gt")
    assert boxes._class_labels == {4: "class_4"}
    mask = ImageMask({"mask_data": np.array([[0, 5], [5, 0]])}, "m")
    image = Image(np.zeros((2, 2)), boxes={"gt": boxes}, masks={"m": mask})
    assert image._classes is not None and image._classes.labels == {4: "class_4", 0: "class_0", 5: "class_5"}
