"""runbase.Image, with the bounding boxes, masks and class labels drawn over it: W&B's `image-file`, stored as
`media/images/KEY_STEP_SHA20.png` (boxes as `media/metadata/boxes2D/...boxes2D.json`, masks as
`media/images/mask/...mask.png`), and a list of images as one `images/separated` descriptor.

Arrays become 8-bit pixels by W&B 0.21's rule, so that the same script logs the same pixels on both: values
in [0, 1] are scaled by 255, values in [-1, 1] mapped onto [0, 255], anything else clipped to it. PNG is
lossless: the file read back holds exactly those pixels. Pillow encodes; it is imported when an image is made."""

from __future__ import annotations

import dataclasses
import io
import json
import math
import numbers
import os
import sys
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from ..optional import require
from .encoding import as_array
from .media import Media, MediaSource, MediaStore, WBValue, media_file, tmp_path

MAX_ITEMS = 108  # images logged per list and step, as in W&B
MAX_DIMENSION = 65500  # Pillow's limit on a side
FILE_TYPES = ("png", "jpg", "jpeg", "bmp")
PIL_FORMATS = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG", "bmp": "BMP"}
CHANNEL_MODES = {3: "RGB", 4: "RGBA"}


def _numpy() -> Any:
    return require("numpy", what="runbase.Image")


def _pil() -> Any:
    return require("PIL.Image", what="runbase.Image", package="Pillow")


def caption_of(caption: Any) -> str | None:
    """W&B shows any caption as text: numbers and labels are logged as their string."""
    return None if caption is None else caption if isinstance(caption, str) else str(caption)


def first_captions(items: Sequence[Media]) -> list[str | None] | bool:
    """W&B's captions of a list of images or videos: every caption if the first has one, else False."""
    return [item._caption for item in items] if items and items[0]._caption is not None else False


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _plain(value: Any) -> Any:
    """A user's boxes as JSON: numpy numbers and arrays as Python numbers and lists, dicts and lists copied."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value.tolist() if hasattr(value, "tolist") and not isinstance(value, (str, bytes)) else value


def _class_labels(labels: Any, what: str) -> dict[int, str]:
    if not isinstance(labels, Mapping) or not all(
            isinstance(key, numbers.Integral) and not isinstance(key, bool) and isinstance(name, str)
            for key, name in labels.items()):
        raise TypeError(f"{what} class_labels must be a dict of integer class ids to names (strings), "
                        f"not {labels!r}")
    return {int(key): name for key, name in labels.items()}


def _stored_json(content: Any, extension: str) -> Path:
    path = tmp_path(extension)
    path.write_text(json.dumps(content), encoding="utf-8")
    return path


class Classes(WBValue):
    """The class ids and names that an image's boxes and masks label their regions with
    (`[{"id": 1, "name": "cat"}, ...]`); W&B stores them beside images added to an artifact."""

    log_type = "classes"

    def __init__(self, class_set: Sequence[Mapping[str, Any]]) -> None:
        if isinstance(class_set, (str, bytes)) or not isinstance(class_set, Sequence):
            raise TypeError(f"Classes class_set must be a list of {{'id': int, 'name': str}} dicts, not "
                            f"{type(class_set).__name__}")
        self._class_set: list[dict[str, Any]] = []
        for index, entry in enumerate(class_set):
            if not isinstance(entry, Mapping) or not isinstance(entry.get("id"), numbers.Integral) \
                    or isinstance(entry.get("id"), bool) or not isinstance(entry.get("name"), str):
                raise TypeError(f"Classes class_set[{index}] must be a dict with an integer 'id' and a string "
                                f"'name', not {entry!r}")
            self._class_set.append({**_plain(entry), "id": int(entry["id"])})

    @property
    def labels(self) -> dict[int, str]:
        return {entry["id"]: entry["name"] for entry in self._class_set}

    def to_json(self, store: MediaStore | None = None) -> dict[str, Any]:
        return {"_type": "classes", "class_set": self._class_set}

    @classmethod
    def from_json(cls, described: Mapping[str, Any], source: MediaSource | None = None) -> Classes:
        return cls(described["class_set"])

    def file_json(self, store: MediaStore) -> dict[str, Any]:
        """W&B's `classes-file` reference that an image in an artifact carries, with the classes stored."""
        stored = media_file(_stored_json(self.to_json(), "_cls.classes.json"), is_tmp=True,
                            extension="_cls.classes.json")
        path = store.add(stored.path, subdir="classes", extension=stored.extension, digest=stored.digest,
                         is_tmp=True)
        return {"type": "classes-file", "path": path, "digest": stored.digest}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Classes) and self._class_set == other._class_set

    __hash__ = None  # type: ignore[assignment]


def _check_position(position: Any, where: str) -> None:
    if not isinstance(position, Mapping):
        raise TypeError(f"{where} needs a 'position' dict with minX, maxX, minY and maxY, or middle [x, y], "
                        f"width and height; got {position!r}")
    middle = position.get("middle")
    if "middle" in position:
        names = ["width", "height"]
        if not isinstance(middle, (list, tuple)) or len(middle) != 2 or not all(_is_number(v) for v in middle):
            raise TypeError(f"{where} position 'middle' must be [x, y] (two numbers), not {middle!r}")
    else:
        names = ["minX", "maxX", "minY", "maxY"]
    missing = [name for name in names if name not in position]
    if missing:
        raise TypeError(f"{where} position lacks {', '.join(missing)}: give minX, maxX, minY and maxY, or "
                        "middle [x, y], width and height")
    for name in names:
        if not _is_number(position[name]):
            raise TypeError(f"{where} position {name} must be a number, not {position[name]!r}")
    values = [float(position[name]) for name in names] + [float(v) for v in middle or ()]
    if not all(math.isfinite(value) for value in values):
        raise ValueError(f"{where} position must hold finite numbers, not {dict(position)!r}")


def _check_box(box: Any, where: str) -> None:
    if not isinstance(box, Mapping):
        raise TypeError(f"{where} must be a dict with a 'position', not {box!r}")
    if "position" not in box:
        raise TypeError(f"{where} lacks its 'position' (minX, maxX, minY and maxY, or middle [x, y], width and "
                        "height)")
    _check_position(box["position"], where)
    scores = box.get("scores")
    if scores is not None and (not isinstance(scores, Mapping) or not all(
            isinstance(name, str) and _is_number(value) for name, value in scores.items())):
        raise TypeError(f"{where} scores must be a dict of names (strings) to numbers, not {scores!r}")
    class_id = box.get("class_id")
    if "class_id" in box and (not isinstance(class_id, numbers.Integral) or isinstance(class_id, bool)):
        raise TypeError(f"{where} class_id must be an integer, not {class_id!r}")
    if "box_caption" in box and not isinstance(box["box_caption"], str):
        raise TypeError(f"{where} box_caption must be a string, not {box['box_caption']!r}")
    if "domain" in box and not isinstance(box["domain"], str):
        raise TypeError(f"{where} domain must be a string ('pixel', or leave it out for fractions of the image)")


class _Layer(Media):
    """A layer drawn over an image (boxes, a mask): named by the image's `boxes`/`masks` key, with the names
    of the class ids it uses."""

    _key: str
    _class_labels: dict[int, str]
    _labels_given: bool  # named by the user, not class_ID defaults: those win when an image merges its layers

    def _set_file_named(self, path: Path, extension: str) -> None:
        """Store under W&B's extension as spelt (media_file lowercases: ".boxes2D.json" keeps its capital)."""
        self._file = dataclasses.replace(media_file(path, is_tmp=True), extension=extension)


class BoundingBoxes2D(_Layer):
    """One layer of boxes over an image (`{"box_data": [...], "class_labels": {id: name}}`), named `key`
    (predictions, ground_truth, ...). Each box has a `position` (minX/maxX/minY/maxY, or middle/width/height),
    in fractions of the image unless its `domain` is "pixel", and optionally `class_id`, `box_caption` and
    `scores`. Without class_labels, each class id is named class_ID."""

    log_type = "boxes2D"
    subdir = "metadata/boxes2D"

    def __init__(self, val: Mapping[str, Any], key: str) -> None:
        if not isinstance(val, Mapping) or "box_data" not in val:
            raise TypeError(f"boxes {key!r} must be a dict with 'box_data' (a list of boxes) and optionally "
                            "'class_labels'")
        box_data = _plain(val["box_data"])
        if not isinstance(box_data, list):
            raise TypeError(f"boxes {key!r} box_data must be a list of boxes, not {type(val['box_data']).__name__}")
        for index, box in enumerate(box_data):
            _check_box(box, f"boxes {key!r} box_data[{index}]")
        self._key = key
        self._box_data: list[dict[str, Any]] = box_data
        if "class_labels" in val:
            self._class_labels = _class_labels(val["class_labels"], f"boxes {key!r}")
        else:
            ids = sorted({int(box["class_id"]) for box in self._box_data if "class_id" in box})
            self._class_labels = {class_id: f"class_{class_id}" for class_id in ids}
        self._labels_given = "class_labels" in val
        stored = {"box_data": self._box_data, "class_labels": self._class_labels}
        self._set_file_named(_stored_json(stored, ".boxes2D.json"), ".boxes2D.json")

    def describe(self, store: MediaStore) -> Any:
        """In a run, the boxes file's descriptor; in an artifact W&B writes the boxes themselves."""
        return self._box_data if store.is_artifact else self.to_json(store)

    @classmethod
    def from_json(cls, described: Any, source: MediaSource) -> BoundingBoxes2D:
        if isinstance(described, list):
            return cls({"box_data": described}, "")
        if "path" in described:
            described = json.loads(source.local_path(described["path"]).read_text(encoding="utf-8"))
        labels = described.get("class_labels")
        val = {"box_data": described["box_data"]}
        return cls(val if labels is None else {**val, "class_labels": {int(k): v for k, v in labels.items()}}, "")

    def __repr__(self) -> str:
        return f"BoundingBoxes2D({self._key!r}, {len(self._box_data)} boxes)"


class ImageMask(_Layer):
    """One layer of per-pixel class ids over an image (`{"mask_data": 2-D integer array 0..255,
    "class_labels": {id: name}}`, or `{"path": a mask PNG}`), named `key`; stored as a grayscale PNG.
    Without class_labels, each value present is named class_VALUE."""

    log_type = "mask"
    subdir = "images/mask"

    def __init__(self, val: Mapping[str, Any], key: str) -> None:
        np = _numpy()
        if not isinstance(val, Mapping) or ("mask_data" not in val and "path" not in val):
            raise TypeError(f"masks {key!r} must be a dict with 'mask_data' (a 2-D array of class ids) and "
                            "optionally 'class_labels', or with the 'path' of a mask PNG")
        if "mask_data" in val:
            data = np.asarray(as_array(val["mask_data"]))
        else:
            with _pil().open(val["path"]) as mask_image:
                data = np.asarray(mask_image)
        if data.ndim != 2:
            raise TypeError(f"masks {key!r} mask_data must be a 2-D array (height, width), not shape "
                            f"{tuple(data.shape)}")
        if data.dtype.kind not in "biuf":
            raise TypeError(f"masks {key!r} mask_data must hold integer class ids, not {data.dtype}")
        data = data.astype(np.uint8) if data.dtype.kind == "b" else data
        if data.size and (not np.all(np.isfinite(data)) or np.any(data != np.round(data))
                          or data.min() < 0 or data.max() > 255):
            raise ValueError(f"masks {key!r} mask_data must hold integer class ids from 0 to 255")
        self._key = key
        self.mask_data = data.astype(np.uint8)
        if "class_labels" in val:
            self._class_labels = _class_labels(val["class_labels"], f"masks {key!r}")
        else:
            self._class_labels = {int(v): f"class_{int(v)}" for v in np.unique(self.mask_data)}
        self._labels_given = "class_labels" in val
        path = tmp_path(".mask.png")
        _pil().fromarray(self.mask_data).save(path, format="PNG")  # 2-D uint8: mode L
        self._set_file_named(path, ".mask.png")

    @classmethod
    def from_json(cls, described: Mapping[str, Any], source: MediaSource) -> ImageMask:
        return cls({"path": source.local_path(described["path"])}, "")

    def __repr__(self) -> str:
        return f"ImageMask({self._key!r}, {self.mask_data.shape[1]}x{self.mask_data.shape[0]})"


Layer = TypeVar("Layer", BoundingBoxes2D, ImageMask)


def _layers(name: str, layers: Mapping[str, Any] | None, kind: type[Layer]) -> dict[str, Layer]:
    """An image's boxes or masks by layer name, each made from its dict unless given built."""
    if layers is None:
        return {}
    if not isinstance(layers, Mapping) or not all(isinstance(layer, str) for layer in layers):
        raise TypeError(f"Image {name} must be a dict of layer names to {kind.__name__} or dicts, not "
                        f"{type(layers).__name__}")
    return {layer: item if isinstance(item, kind) else kind(item, layer) for layer, item in layers.items()}


def _figure(value: Any) -> Any:
    """The matplotlib figure to draw: pyplot itself means its current figure, an Axes its figure."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None and value is pyplot:
        return pyplot.gcf()
    if hasattr(value, "savefig"):
        return value
    if hasattr(getattr(value, "figure", None), "savefig"):
        return value.figure
    raise TypeError(f"runbase.Image cannot draw a {type(value).__module__}.{type(value).__name__}: pass a "
                    "matplotlib Figure")


def _is_matplotlib(value: Any) -> bool:
    return type(value).__module__.startswith("matplotlib.") or value is sys.modules.get("matplotlib.pyplot")


def to_uint8(data: Any) -> Any:
    """W&B 0.21's rescaling of pixel values: [0, 1] times 255, [-1, 1] onto [0, 255], else clipped; truncated."""
    np = _numpy()
    low, high = float(data.min()), float(data.max())
    if low < 0 or high > 255:
        warnings.warn("Image data should consist of values in the range [0, 255]; values in [-1, 1] are mapped "
                      "onto it, others clipped to it", stacklevel=5)
    if data.dtype == np.uint8 and high > 1:
        return data  # already what the rules would give: no copy through floats
    values = data.astype(np.float64)
    if low >= 0 and high <= 1:
        values = values * 255
    elif low >= -1 and high <= 1:
        values = 255 * 0.5 * (values + 1)
    return np.clip(values, 0, 255).astype(np.uint8)


def _pixels(data: Any, *, normalize: bool, from_torch: bool) -> Any:
    """An array of image data as (height, width) or (height, width, 3 or 4) uint8, or a clear error."""
    np = _numpy()
    array = np.asarray(data)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"Image data must be an array of numbers, not of {array.dtype}")
    while array.ndim > 3 and array.shape[0] == 1:
        array = array[0]
    if from_torch and array.ndim == 3:
        array = array.transpose(1, 2, 0)  # torch images are (channels, height, width)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    layout = "(channels, height, width)" if from_torch else "(height, width, channels)"
    if array.ndim not in (2, 3):
        raise ValueError(f"Image data must be 2-D (height, width) or 3-D {layout}, not shape {np.shape(data)}")
    if array.ndim == 3 and array.shape[-1] not in CHANNEL_MODES:
        hint = "" if from_torch else "; numpy images are height, width, channels: transpose a channels-first array"
        raise ValueError(f"Image data of shape {np.shape(data)} has {array.shape[-1]} channels; expected 1 (L), 3 "
                         f"(RGB) or 4 (RGBA){hint}")
    if 0 in array.shape[:2] or max(array.shape[:2]) > MAX_DIMENSION:
        raise ValueError(f"Image data must be from 1 to {MAX_DIMENSION} pixels on each side, not shape "
                         f"{np.shape(data)}")
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        raise ValueError("Image data holds NaN or infinite values")
    if normalize:
        return to_uint8(array)
    if array.min() < 0 or array.max() > 255:
        raise ValueError("Image data with normalize=False must hold values from 0 to 255, not "
                         f"{array.min()} to {array.max()}")
    return array.astype(np.uint8)


def _save(image: Any, path: Path, file_type: str) -> None:
    """Encode with Pillow; a mode the format cannot hold (RGBA as JPEG, say) is converted to RGB or RGBA."""
    pil_format = PIL_FORMATS[file_type]
    try:
        image.save(path, format=pil_format)
        return
    except OSError:
        pass
    alpha = "A" in image.getbands() and pil_format != "JPEG"
    converted = "RGBA" if alpha else "RGB"
    warnings.warn(f"an image of mode {image.mode} cannot be saved as {file_type}; it is saved as {converted}",
                  stacklevel=4)
    image.convert(converted).save(path, format=pil_format)


class Image(Media):
    """An image to show in the UI: a numpy array (height, width[, channels]), a torch tensor (channels,
    height, width), a PIL image, a matplotlib figure, another Image, or the path of an image file (stored
    as it is, its format its extension). Arrays and tensors are rescaled to 0..255 unless `normalize=False`,
    then encoded as `file_type` (png by default; jpg, jpeg or bmp). `boxes` and `masks` map layer names to
    BoundingBoxes2D / ImageMask or their dicts; `classes` names the class ids they use."""

    MAX_ITEMS = MAX_ITEMS
    MAX_DIMENSION = MAX_DIMENSION
    log_type = "image-file"
    subdir = "images"
    format: str
    _width: int
    _height: int

    def __init__(self, data_or_path: Any, mode: str | None = None, caption: str | None = None,
                 grouping: int | None = None, classes: Classes | Sequence[dict[str, Any]] | None = None,
                 boxes: Mapping[str, BoundingBoxes2D | Mapping[str, Any]] | None = None,
                 masks: Mapping[str, ImageMask | Mapping[str, Any]] | None = None,
                 file_type: str | None = None, normalize: bool = True) -> None:
        file_type = "png" if file_type is None else str(file_type).lower()
        if file_type not in FILE_TYPES:
            raise ValueError(f"Image file_type must be one of {', '.join(FILE_TYPES)}, not {file_type!r}")
        if mode is not None and not isinstance(mode, str):
            raise TypeError(f"Image mode must be a Pillow mode such as 'L', 'RGB' or 'RGBA', not {mode!r}")
        if grouping is not None and (not isinstance(grouping, numbers.Integral) or isinstance(grouping, bool)):
            raise TypeError(f"Image grouping must be an integer, not {grouping!r}")
        self._grouping = None if grouping is None else int(grouping)
        self._caption = caption_of(caption)
        self._classes: Classes | None = None
        self._boxes: dict[str, BoundingBoxes2D] = {}
        self._masks: dict[str, ImageMask] = {}
        if isinstance(data_or_path, Image):
            self._copy(data_or_path)
        elif isinstance(data_or_path, (str, os.PathLike)):
            self._from_path(data_or_path)
        else:
            self._encode(self._pil_image(data_or_path, mode, normalize), mode, file_type)
        self._set_labels(classes, boxes, masks)

    def _copy(self, other: Image) -> None:
        """The other image's file and size (not its boxes or masks, as in W&B)."""
        self._file, self.format = other._file, other.format
        self._width, self._height = other._width, other._height
        self._caption = self._caption if self._caption is not None else other._caption
        self._grouping = self._grouping if self._grouping is not None else other._grouping
        self._classes = other._classes

    def _from_path(self, path: str | os.PathLike[str]) -> None:
        local = Path(path)
        if not local.is_file():
            raise FileNotFoundError(f"Image data_or_path names no file: {os.fspath(path)!r}")
        try:
            with _pil().open(local) as opened:
                self._width, self._height = opened.size
                found = str(opened.format or "").lower()
        except (OSError, ValueError) as exc:
            raise ValueError(f"Image data_or_path {os.fspath(path)!r} is not an image Pillow can read: {exc}") \
                from None
        self.format = local.suffix[1:].lower() or found
        self._set_file(local, is_tmp=False, extension=f".{self.format}")

    def _pil_image(self, data: Any, mode: str | None, normalize: bool) -> Any:
        pil = _pil()
        if isinstance(data, pil.Image):
            return data
        if _is_matplotlib(data):
            buffer = io.BytesIO()
            _figure(data).savefig(buffer, format="png")
            buffer.seek(0)
            with pil.open(buffer) as drawn:
                drawn.load()
                return drawn
        from_torch = type(data).__module__.startswith("torch")
        if isinstance(data, (list, tuple)) or hasattr(data, "__array__") or hasattr(data, "numpy"):
            return pil.fromarray(_pixels(as_array(data), normalize=normalize, from_torch=from_torch))
        raise TypeError(f"Image data_or_path must be a numpy array, a torch tensor, a PIL image, a matplotlib "
                        f"figure, an Image or the path of an image file, not {type(data).__name__}")

    def _encode(self, image: Any, mode: str | None, file_type: str) -> None:
        if mode is not None and mode != image.mode:
            try:
                image = image.convert(mode)
            except ValueError as exc:
                raise ValueError(f"Image mode {mode!r}: the {image.mode} image cannot be converted to it ({exc})") \
                    from None
        if max(image.size) > MAX_DIMENSION or min(image.size) < 1:
            raise ValueError(f"Image must be from 1 to {MAX_DIMENSION} pixels on each side, not {image.size}")
        path = tmp_path(f".{file_type}")
        _save(image, path, file_type)
        self.format = file_type
        self._width, self._height = image.size
        self._set_file(path, is_tmp=True, extension=f".{file_type}")

    def _set_labels(self, classes: Classes | Sequence[dict[str, Any]] | None,
                    boxes: Mapping[str, BoundingBoxes2D | Mapping[str, Any]] | None,
                    masks: Mapping[str, ImageMask | Mapping[str, Any]] | None) -> None:
        """Boxes and masks by layer; the classes are their labels merged, those given in `classes` winning."""
        self._boxes = _layers("boxes", boxes, BoundingBoxes2D)
        self._masks = _layers("masks", masks, ImageMask)
        for layer, mask in self._masks.items():
            height, width = mask.mask_data.shape
            if (width, height) != (self._width, self._height):
                raise ValueError(f"Image masks {layer!r}: mask_data is {width}x{height} (width x height), the image "
                                 f"{self._width}x{self._height}")
        labels: dict[int, str] = {}
        layers: list[_Layer] = [*self._boxes.values(), *self._masks.values()]
        for layer_item in sorted(layers, key=lambda item: item._labels_given):
            labels.update(layer_item._class_labels)
        if classes is not None:
            labels.update((classes if isinstance(classes, Classes) else Classes(classes)).labels)
        if labels:
            self._classes = Classes([{"id": class_id, "name": name} for class_id, name in labels.items()])

    @property
    def image(self) -> Any:
        """The image as a PIL image, read from the file it is stored as (so a JPEG shows its losses)."""
        if self._file is None:
            return None
        with _pil().open(self._file.path) as opened:
            opened.load()
            return opened

    def _fields(self, store: MediaStore) -> dict[str, Any]:
        fields: dict[str, Any] = {"format": self.format, "width": self._width, "height": self._height}
        if self._grouping:
            fields["grouping"] = self._grouping
        if store.is_artifact and self._classes is not None:
            fields["classes"] = self._classes.file_json(store)
        if self._boxes:
            fields["boxes"] = {layer: box.describe(store) for layer, box in self._boxes.items()}
        if self._masks:
            fields["masks"] = {layer: mask.to_json(store) for layer, mask in self._masks.items()}
        for kind, layers in (("bounding_box/class_labels", self._boxes), ("mask/class_labels", self._masks)):
            for layer, item in layers.items():  # a mask's PNG holds only ids: the UI reads the names there
                store.class_labels(kind, layer, item._class_labels)
        return fields

    @classmethod
    def seq_to_json(cls, items: list[Media], store: MediaStore) -> dict[str, Any]:
        """W&B's `images/separated` descriptor: the first image's size and format, each image's path,
        captions, masks and boxes; at most MAX_ITEMS images, the rest dropped with a warning."""
        if not items or not all(isinstance(item, Image) for item in items):
            raise ValueError("Image.seq_to_json needs a non-empty list of Images")
        if len(items) > MAX_ITEMS:
            warnings.warn(f"Only {MAX_ITEMS} Image will be uploaded.", stacklevel=3)
            items = items[:MAX_ITEMS]
        images: list[Image] = items  # type: ignore[assignment]
        described = [image.to_json(store) for image in images]
        first = images[0]
        if any((image._width, image._height) != (first._width, first._height) for image in images):
            warnings.warn("Images sizes do not match. This will causes images to be display incorrectly in the UI.",
                          stacklevel=3)
        meta: dict[str, Any] = {"_type": "images/separated", "width": first._width, "height": first._height,
                                "format": first.format, "count": len(images),
                                "filenames": [entry["path"] for entry in described]}
        captions = first_captions(images)
        if captions:
            meta["captions"] = captions
        for name, field in (("all_masks", "masks"), ("all_boxes", "boxes")):
            groups = [entry.get(field) for entry in described]
            if any(group is not None for group in groups):
                meta[name] = groups
        return meta

    @classmethod
    def from_json(cls, described: Mapping[str, Any], source: MediaSource) -> Image:
        """The image a descriptor names (a table cell's, an artifact entry's), with its boxes, masks and classes."""
        classes = None
        if described.get("classes"):
            stored = source.local_path(described["classes"]["path"]).read_text(encoding="utf-8")
            classes = Classes.from_json(json.loads(stored))
        boxes = {layer: BoundingBoxes2D.from_json(box, source) for layer, box in (described.get("boxes") or {}).items()}
        masks = {layer: ImageMask.from_json(mask, source) for layer, mask in (described.get("masks") or {}).items()}
        named: list[tuple[str, _Layer]] = [*boxes.items(), *masks.items()]
        for layer, item in named:
            item._key = layer
        return cls(source.local_path(described["path"]), caption=described.get("caption"),
                   grouping=described.get("grouping"), classes=classes, boxes=boxes or None, masks=masks or None)

    def __repr__(self) -> str:
        return f"Image({self.format} {self._width}x{self._height})"
