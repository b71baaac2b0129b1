"""Optional dependencies: the client installs none of the libraries that rich data types encode with
(numpy, Pillow, imageio, plotly, pandas, rdkit, ...); a type that needs a missing one says what to install."""

from __future__ import annotations

import importlib
from types import ModuleType

MEDIA = ("numpy", "Pillow", "imageio-ffmpeg")  # what `pip install 'runbase[media]'` installs


def require(module: str, *, what: str, package: str | None = None) -> ModuleType:
    """The module, or an ImportError naming the package that provides it (and the extra, where one does)."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        name = package or module.split(".")[0]
        hint = f"pip install 'runbase[media]' (or pip install {name})" if name in MEDIA else f"pip install {name}"
        raise ImportError(f"{what} needs the package {name!r}, which is not installed: {hint}") from exc
