"""runbase.Object3D and runbase.box3d: 3D scenes as W&B's `object3D-file`.

A point cloud (a numpy array, or a lidar scene of points, boxes and vectors) is written as W&B's `.pts.json`
(a JSON list of rows, or `{"type": "lidar/beta", "points", "boxes", "vectors"}`); a mesh file (.obj, .gltf,
.glb, .babylon, .stl) is stored as it is, keeping its extension, which is how the UI knows how to draw it."""

from __future__ import annotations

import itertools
import json
import math
import os
import posixpath
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from ..optional import require
from .html import read_stream
from .media import Media, MediaStore, tmp_path

SUPPORTED_TYPES = ("pts.json", "obj", "gltf", "glb", "babylon", "stl")
POINT_CLOUD_TYPES = ("lidar/beta",)
POINT_WIDTHS = {3: "[x, y, z]", 4: "[x, y, z, category]", 6: "[x, y, z, r, g, b]"}
CATEGORIES = (1, 14)  # the UI's palette for N x 4 point clouds
SCENE_KEYS = ("type", "points", "boxes", "vectors")


def _numpy() -> Any:
    return require("numpy", what="runbase.Object3D")


def typed_file(data: str | os.PathLike[str] | IO[Any], file_type: str | None, supported: Sequence[str],
               what: str) -> tuple[Path, bool, str]:
    """(file, is_tmp, extension) for a value given as a path (typed by its extension) or an open stream (typed
    by `file_type`, else by the name of the file it was opened from), refusing types the UI cannot show."""
    if isinstance(data, (str, os.PathLike)):
        return Path(data), False, "." + _file_type(os.fspath(data), None, supported, what)
    if not hasattr(data, "read"):
        raise TypeError(f"{what} must be a path or an open file, not {type(data).__name__}")
    name = getattr(data, "name", None)
    kind = _file_type(name if isinstance(name, str) else None, file_type, supported, what)
    content = read_stream(data, what)
    path = tmp_path("." + kind)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return path, True, "." + kind


def file_type_option(what: str, caption: Any, options: dict[str, Any]) -> str | None:
    """The `file_type=` of a value built from a file (the only keyword W&B's signatures take), with its
    caption checked."""
    file_type: str | None = options.pop("file_type", None)
    if options:
        raise TypeError(f"{what} got unexpected keyword arguments {sorted(options)}; only file_type is known")
    if caption is not None and not isinstance(caption, str):
        raise TypeError(f"{what} caption must be a string, not {type(caption).__name__}")
    return file_type


def _file_type(name: str | None, file_type: str | None, supported: Sequence[str], what: str) -> str:
    choices = ", ".join(supported)
    if file_type is not None:
        if not isinstance(file_type, str) or file_type.lower().lstrip(".") not in supported:
            raise ValueError(f"{what}: file_type must be one of {choices}, not {file_type!r}")
        return file_type.lower().lstrip(".")
    if name is None:
        raise ValueError(f"{what}: pass file_type= (one of {choices}) when giving an open stream")
    for kind in sorted(supported, key=len, reverse=True):  # "pts.json" before a plain "json"
        if name.lower().endswith("." + kind):
            return kind
    raise ValueError(f"{what}: {name!r} is not a supported file type; expected one of {choices}")


def _finite(values: Any, shape: tuple[int, ...], what: str) -> Any:
    """`values` as a float array of `shape` (-1: any length), or a clear error."""
    np = _numpy()
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{what} must be numbers, not {values!r}") from None
    if array.ndim != len(shape) or any(want not in (-1, got) for want, got in zip(shape, array.shape)):
        wanted = " x ".join("N" if n == -1 else str(n) for n in shape)
        raise ValueError(f"{what} must have shape {wanted}, not {' x '.join(map(str, array.shape)) or 'scalar'}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{what} holds NaN or infinite values")
    return array


def _point_rows(points: Any, what: str) -> list[list[float]]:
    """The rows of a point cloud, checked against the widths and ranges the UI draws."""
    np = _numpy()
    array = np.asarray(points)
    if array.size == 0 and array.ndim < 2:
        return []
    if array.ndim != 2 or array.shape[1] not in POINT_WIDTHS:
        shapes = ", ".join(f"N x {width} ({row})" for width, row in POINT_WIDTHS.items())
        raise ValueError(f"{what} must be an array of shape {shapes}, not shape {array.shape}")
    if array.dtype == bool or not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise TypeError(f"{what} must hold real numbers, not {array.dtype}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{what} holds NaN or infinite values")
    low, high = CATEGORIES
    if array.shape[1] == 4:
        categories = array[:, 3]
        bad = (categories != np.round(categories)) | (categories < low) | (categories > high)
        if bad.any():
            raise ValueError(f"{what}: the category column (the 4th) must hold whole numbers from {low} to {high}, "
                             f"not {categories[bad][0].item()!r} (row {int(np.flatnonzero(bad)[0])})")
    if array.shape[1] == 6:
        colors = array[:, 3:]
        bad_rows = ((colors < 0) | (colors > 255)).any(axis=1)
        if bad_rows.any():
            raise ValueError(f"{what}: r, g, b (columns 4 to 6) must be from 0 to 255, not "
                             f"{colors[bad_rows][0].tolist()} (row {int(np.flatnonzero(bad_rows)[0])})")
    rows: list[list[float]] = array.tolist()
    return rows


def _items(values: Any, what: str) -> list[Any]:
    items = values.tolist() if hasattr(values, "tolist") else values
    if not isinstance(items, (list, tuple)):
        raise TypeError(f"{what} must be a sequence, not {type(values).__name__}")
    return list(items)


def _box(box: Any, index: int) -> dict[str, Any]:
    what = f"boxes[{index}]"
    if not isinstance(box, Mapping) or "corners" not in box or "color" not in box:
        raise ValueError(f"{what} must be a dict with 'corners' (8 points) and 'color' (r, g, b), as box3d makes")
    plain = dict(box)
    plain["corners"] = _finite(box["corners"], (8, 3), f"{what}['corners']").tolist()
    plain["color"] = _finite(box["color"], (3,), f"{what}['color']").tolist()
    if plain.get("label") is not None and not isinstance(plain["label"], str):
        raise TypeError(f"{what}['label'] must be a string or None, not {plain['label']!r}")
    if plain.get("score") is not None:
        plain["score"] = float(_finite(plain["score"], (), f"{what}['score']"))
    return plain


def _vector(vector: Any, index: int) -> dict[str, Any]:
    what = f"vectors[{index}]"
    if not isinstance(vector, Mapping) or "start" not in vector or "end" not in vector:
        raise ValueError(f"{what} must be a dict with 'start' and 'end' points [x, y, z]")
    return {**vector, **{end: _finite(vector[end], (3,), f"{what}[{end!r}]").tolist() for end in ("start", "end")}}


def _scene(scene: Mapping[str, Any]) -> dict[str, Any]:
    """W&B's lidar scene, checked: the UI draws nothing at all when one part is malformed."""
    unknown = sorted(map(str, set(scene) - set(SCENE_KEYS)))
    if unknown:
        raise ValueError(f"Object3D scene: unknown keys {unknown}; a scene has {', '.join(SCENE_KEYS)}")
    if scene["type"] not in POINT_CLOUD_TYPES:
        raise ValueError(f"Object3D scene type must be one of {', '.join(POINT_CLOUD_TYPES)}, not {scene['type']!r}")
    return {"type": scene["type"],
            "points": _point_rows(scene.get("points", []), "points"),
            "boxes": [_box(box, i) for i, box in enumerate(_items(scene.get("boxes", []), "boxes"))],
            "vectors": [_vector(vector, i) for i, vector in enumerate(_items(scene.get("vectors", []), "vectors"))]}


class Object3D(Media):
    """A 3D point cloud, lidar scene or mesh.

    `data_or_path` is a numpy array of N points (N x 3 `[x, y, z]`; N x 4 `[x, y, z, category]`, category
    1 to 14; N x 6 `[x, y, z, r, g, b]`, colors 0 to 255), a scene dict `{"type": "lidar/beta", "points",
    "boxes", "vectors"}` (see `from_point_cloud`), the path of a .obj, .gltf, .glb, .babylon, .stl or .pts.json
    file, or an open stream of one with `file_type=`."""

    SUPPORTED_TYPES = frozenset(SUPPORTED_TYPES)
    SUPPORTED_POINT_CLOUD_TYPES = frozenset(POINT_CLOUD_TYPES)
    log_type = "object3D-file"
    subdir = "object3D"

    def __init__(self, data_or_path: Any, caption: str | None = None, **kwargs: str | None) -> None:
        file_type = file_type_option("Object3D", caption, kwargs)
        self._caption = caption
        if isinstance(data_or_path, Mapping):
            if "type" not in data_or_path:
                raise ValueError("an Object3D scene dict needs a 'type' (\"lidar/beta\"), as from_point_cloud makes")
            self._write_points(_scene(data_or_path))
        elif type(data_or_path).__module__ == "numpy" and hasattr(data_or_path, "shape"):
            self._write_points(_point_rows(data_or_path, "Object3D data_or_path"))
        elif isinstance(data_or_path, (str, os.PathLike)) or hasattr(data_or_path, "read"):
            path, is_tmp, extension = typed_file(data_or_path, file_type, SUPPORTED_TYPES, "Object3D")
            self._set_file(path, is_tmp=is_tmp, extension=extension)
        else:
            raise TypeError("Object3D data_or_path must be a numpy array, a scene dict, a file path or an open file, "
                            f"not {type(data_or_path).__name__}")

    def _write_points(self, content: Any) -> None:
        path = tmp_path(".pts.json")
        path.write_text(json.dumps(content, indent=4, separators=(",", ":"), sort_keys=True), encoding="utf-8")
        self._set_file(path, is_tmp=True, extension=".pts.json")

    @classmethod
    def from_file(cls, data_or_path: str | os.PathLike[str] | IO[Any], file_type: str | None = None) -> Object3D:
        """A mesh or point cloud file; `file_type` is needed for a stream and ignored for a path."""
        return cls(data_or_path, file_type=file_type)

    @classmethod
    def from_numpy(cls, data: Any) -> Object3D:
        """A point cloud of N x 3, N x 4 or N x 6 rows (see the class)."""
        if type(data).__module__ != "numpy" or not hasattr(data, "shape"):
            raise TypeError(f"Object3D.from_numpy data must be a numpy array, not {type(data).__name__}")
        return cls(data)

    @classmethod
    def from_point_cloud(cls, points: Any, boxes: Sequence[Mapping[str, Any]],
                         vectors: Sequence[Mapping[str, Any]] | None = None,
                         point_cloud_type: str = "lidar/beta") -> Object3D:
        """A lidar scene: points (as for from_numpy), boxes (made with box3d) and vectors
        (`{"start": [x, y, z], "end": [x, y, z]}`)."""
        return cls({"type": point_cloud_type, "points": points, "boxes": boxes,
                    "vectors": [] if vectors is None else vectors})

    @classmethod
    def seq_to_json(cls, items: list[Media], store: MediaStore) -> dict[str, Any]:
        """W&B's `object3D` descriptor: its filenames are relative to media/object3D."""
        objects = [item.to_json(store) for item in items]
        return {"_type": "object3D",
                "filenames": [posixpath.relpath(obj["path"], f"media/{cls.subdir}") for obj in objects],
                "count": len(objects), "objects": objects}

    def __repr__(self) -> str:
        return f"Object3D({self._file.extension if self._file else ''})"


def box3d(center: Any, size: Any, orientation: Any, color: Sequence[float], label: str | None = None,
          score: float | None = None) -> dict[str, Any]:
    """A 3D box for `Object3D.from_point_cloud`: its 8 corners, computed as W&B does, from the box's center,
    its x, y, z extents and the quaternion `[r, x, y, z]` (any non-zero length) that rotates it; `color` is
    (r, g, b) from 0 to 1."""
    np = _numpy()
    middle = _finite(center, (3,), "box3d center")
    extent = _finite(size, (3,), "box3d size")
    if (extent < 0).any():
        raise ValueError(f"box3d size must not be negative, not {extent.tolist()}")
    rgb = _finite(color, (3,), "box3d color")
    if ((rgb < 0) | (rgb > 1)).any():
        raise ValueError(f"box3d color must be (r, g, b) from 0 to 1, not {rgb.tolist()}")
    if label is not None and not isinstance(label, str):
        raise TypeError(f"box3d label must be a string or None, not {label!r}")
    if score is not None:
        score = float(_finite(score, (), "box3d score"))
    unit = np.array(list(itertools.product((-1.0, 1.0), repeat=3)))
    corners = middle + (0.5 * extent * unit) @ _rotation(_finite(orientation, (4,), "box3d orientation")).T
    return {"corners": tuple(tuple(float(v) for v in corner) for corner in corners),
            "color": tuple(float(v) for v in rgb), "label": label, "score": score}


def _rotation(quaternion: Any) -> Any:
    """The matrix that rotates column vectors by the unit quaternion along `quaternion`."""
    np = _numpy()
    largest = float(np.abs(quaternion).max())
    if largest == 0:
        raise ValueError("box3d orientation must be a non-zero quaternion [r, x, y, z], not all zeros")
    scaled = quaternion / largest  # before the norm: no overflow or underflow for extreme values
    r, x, y, z = scaled / math.sqrt(float(scaled @ scaled))
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - r * z), 2 * (x * z + r * y)],
                     [2 * (x * y + r * z), 1 - 2 * (x * x + z * z), 2 * (y * z - r * x)],
                     [2 * (x * z - r * y), 2 * (y * z + r * x), 1 - 2 * (x * x + y * y)]])
