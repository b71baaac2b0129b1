"""W&B's rich data types: images, audio, video, tables, histograms, HTML, charts, 3D objects and molecules.
Each is imported when first used, so that `import runbase` stays quick and needs none of the optional
libraries they encode with."""

from __future__ import annotations

import importlib
from typing import Any

# Public name -> the module (in this package) that defines it.
WHERE = {
    "WBValue": "media", "Media": "media",
    "Histogram": "histogram",
    "Graph": "graph", "Node": "graph", "Edge": "graph",
    "Image": "image", "BoundingBoxes2D": "image", "ImageMask": "image", "Classes": "image",
    "Audio": "audio",
    "Video": "video",
    "Table": "table",
    "Html": "html",
    "Plotly": "plotly",
    "Object3D": "object3d", "box3d": "object3d",
    "Molecule": "molecule",
}

__all__ = sorted(WHERE)


def __getattr__(name: str) -> Any:
    if name not in WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{WHERE[name]}"), name)
    globals()[name] = value
    return value
