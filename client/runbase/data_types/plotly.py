"""runbase.Plotly: an interactive chart stored as its plotly JSON, `media/plotly/KEY_STEP_SHA20.plotly.json`,
W&B's `plotly-file`; and how run.log turns matplotlib and plotly figures into one (or into an Image)."""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..optional import require
from .encoding import _typename
from .media import Media, MediaSource, tmp_path

if TYPE_CHECKING:
    from .image import Image

# plotly.js typed-array codes (what plotly 6+ writes numpy arrays as) -> numpy dtypes, little-endian.
TYPED_ARRAYS = {"i1": "<i1", "u1": "<u1", "i2": "<i2", "u2": "<u2", "i4": "<i4", "u4": "<u4", "f4": "<f4", "f8": "<f8"}


def is_matplotlib(value: Any) -> bool:
    return _typename(value).startswith("matplotlib.") or value is sys.modules.get("matplotlib.pyplot")


def matplotlib_figure(value: Any) -> Any:
    """The figure a matplotlib value draws in: pyplot itself means its current figure, an Axes its figure."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None and value is pyplot:
        value = pyplot.gcf()
    figure = getattr(value, "figure", None) if not hasattr(value, "savefig") else value
    if figure is None or not hasattr(figure, "axes"):
        raise ValueError(f"cannot log a matplotlib {type(value).__name__}: log a Figure, an Axes or pyplot itself")
    if not any(axes.has_data() for axes in figure.axes):
        raise ValueError("the matplotlib figure is empty (nothing plotted, or plt.close() was called before logging):"
                         " log the figure itself after drawing into it")
    return figure


def shows_images(figure: Any) -> bool:
    return any(axes.images for axes in figure.axes)


def _mpl_to_plotly() -> Any:
    """plotly's matplotlib converter, or None where the installed plotly no longer has it."""
    tools = require("plotly.tools", what="logging a matplotlib figure as a chart", package="plotly")
    return getattr(tools, "mpl_to_plotly", None)


def _as_lists(value: Any) -> Any:
    """The figure's JSON with every array a plain list: plotly 6+ writes numpy arrays as base64 typed arrays
    (`{"dtype": "f8", "bdata": ...}`), which W&B's readers and older plotly.js versions do not expect."""
    if isinstance(value, dict):
        if set(value) in ({"dtype", "bdata"}, {"dtype", "bdata", "shape"}) \
                and isinstance(value["dtype"], str) and value["dtype"] in TYPED_ARRAYS:
            np = require("numpy", what="runbase.Plotly")
            array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=TYPED_ARRAYS[value["dtype"]])
            if "shape" in value:
                array = array.reshape([int(n) for n in str(value["shape"]).split(",")])
            return array.tolist()
        return {key: _as_lists(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_as_lists(item) for item in value]
    if hasattr(value, "tolist") and type(value).__module__ == "numpy":
        return value.tolist()
    return value


class Plotly(Media):
    """A plotly figure, or a matplotlib figure converted to one with plotly's `mpl_to_plotly`, shown as an
    interactive chart. A matplotlib figure that shows images cannot be converted: log it as an Image (run.log
    does so itself). Where the installed plotly has no `mpl_to_plotly` any more, run.log logs matplotlib
    figures as PNG Images instead, and Plotly(figure) says to."""

    log_type = "plotly-file"
    subdir = "plotly"

    def __init__(self, val: Any) -> None:
        if is_matplotlib(val):
            figure = matplotlib_figure(val)
            if shows_images(figure):
                raise ValueError("Plotly cannot convert a matplotlib figure that shows images: log it as "
                                 "runbase.Image(figure)")
            convert = _mpl_to_plotly()
            if convert is None:
                raise ValueError("the installed plotly has no mpl_to_plotly to convert matplotlib figures: log the "
                                 "figure as runbase.Image(figure)")
            val = convert(figure)
        if not _typename(val).startswith("plotly.") or not hasattr(val, "to_plotly_json"):
            raise TypeError(f"Plotly val must be a plotly or matplotlib figure, not {type(val).__name__}")
        encoder = require("plotly.utils", what="runbase.Plotly", package="plotly").PlotlyJSONEncoder
        path = tmp_path(".plotly.json")
        path.write_text(json.dumps(_as_lists(val.to_plotly_json()), cls=encoder), encoding="utf-8")
        self._set_file(path, is_tmp=True, extension=".plotly.json")

    @classmethod
    def make_plot_media(cls, value: Any) -> Plotly | Image:
        """What run.log stores for a figure: a matplotlib figure that shows images (or any matplotlib figure,
        where plotly cannot convert them) as a PNG Image, anything else as a Plotly chart."""
        if is_matplotlib(value):
            figure = matplotlib_figure(value)
            if shows_images(figure) or _mpl_to_plotly() is None:
                from .image import Image

                return Image(figure)
        return cls(value)

    @classmethod
    def from_json(cls, described: Mapping[str, Any], source: MediaSource) -> Plotly:
        """The chart a descriptor names, its stored JSON kept byte for byte."""
        chart = cls.__new__(cls)
        chart._set_file(source.local_path(described["path"]), is_tmp=False, extension=".plotly.json")
        return chart

    def __repr__(self) -> str:
        return "Plotly()"
