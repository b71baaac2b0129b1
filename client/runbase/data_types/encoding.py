"""How `run.log` and `run.summary` turn a value that is not a plain number, string or dict into what the row
holds, following W&B's rules so that the same script logs the same shapes:

- torch tensors (detached first), TensorFlow eager tensors and JAX arrays are read as numpy arrays; a
  0-dimensional one, or one of a single element, is that number;
- numpy arrays of up to 32 elements become (nested) lists; larger ones a 32-bin Histogram;
- numpy scalars become Python numbers;
- a pandas DataFrame becomes a Table; a matplotlib or plotly figure a Plotly chart (or an Image, for a
  matplotlib figure that shows images);
- rich values (Image, Table, Histogram, ...) become their descriptors, with their files stored;
- a list of rich values of one batchable class becomes one descriptor (W&B's `images/separated`, ...);
  any other list holding rich values, a list of descriptors.

Python lists and tuples of numbers are left as they are, never made histograms."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from .media import Media, MediaStore, WBValue

INLINE_ELEMENTS = 32  # arrays up to this size are logged as lists; larger ones as histograms
HISTOGRAM_BINS = 32


def _typename(value: Any) -> str:
    kind = type(value)
    return f"{kind.__module__}.{kind.__qualname__}"


def as_array(value: Any) -> Any:
    """A tensor of a deep-learning library as a numpy array (or a Python number for a 0-d torch tensor);
    anything else unchanged."""
    name = _typename(value)
    if name.startswith("torch.") and hasattr(value, "detach"):
        tensor = value.detach()
        if tensor.dim() == 0:
            return tensor.item()
        if str(tensor.dtype) in ("torch.bfloat16", "torch.float16"):
            tensor = tensor.float()
        return tensor.cpu().numpy()
    if name.startswith(("tensorflow.", "tensorflow.python.")) and hasattr(value, "numpy"):
        return value.numpy()
    if name.startswith(("jaxlib.", "jax.")) and hasattr(value, "__array__"):
        import numpy

        return numpy.asarray(value)
    return value


def is_rich(value: Any) -> bool:
    """Whether run.log must convert the value (the plain scalars, strings, lists and dicts it stores as
    they are are not)."""
    return isinstance(value, WBValue) or _typename(value).startswith(
        ("numpy.", "torch.", "tensorflow.", "jax", "pandas.", "matplotlib.", "plotly."))


def encode(value: Any, key: str, store: Callable[[], MediaStore]) -> Any:
    """What the row holds for `value` logged under `key`; `store` gives the run's store for this key and step,
    asked for only when a file is to be stored."""
    value = as_array(value)
    if type(value) in (int, float, bool):  # a 0-d tensor's number
        return value
    if _typename(value).startswith("numpy."):
        return _encode_numpy(value, key)
    value = _as_rich(value)
    if isinstance(value, (list, tuple)) and value and any(is_rich(item) for item in value):
        return _encode_list(list(value), key, store)
    if isinstance(value, WBValue):
        return value.to_json(store())
    raise TypeError(f"cannot log {key!r}: values of type {type(value).__name__} are not supported (log numbers, "
                    "strings, booleans, lists, dicts, numpy arrays, tensors or runbase data types such as Image, "
                    "Table and Histogram)")


def encode_summary(value: Any, key: str, store: Callable[[], MediaStore]) -> Any:
    """What run.summary[key] = value holds: as run.log, but an array of more than 32 elements is described by
    its statistics (W&B's summary form), not binned."""
    array = as_array(value)
    if _typename(array) == "numpy.ndarray" and array.size > INLINE_ELEMENTS:
        import numpy as np

        if not np.issubdtype(array.dtype, np.number):
            raise TypeError(f"cannot set summary {key!r}: a numpy array of {array.dtype} is not numbers")
        flat = array.astype(float).ravel()
        percentiles = np.percentile(flat, [10, 25, 75, 90])
        return {"_type": _typename(value), "var": float(flat.var()), "mean": float(flat.mean()),
                "min": float(flat.min()), "max": float(flat.max()), "10%": float(percentiles[0]),
                "25%": float(percentiles[1]), "75%": float(percentiles[2]), "90%": float(percentiles[3]),
                "size": int(array.size)}
    return encode(value, key, store)


def _encode_numpy(value: Any, key: str) -> Any:
    import numpy as np

    from .histogram import Histogram

    if isinstance(value, np.ndarray):
        if value.size == 1:
            return value.reshape(-1)[0].item()
        if value.size <= INLINE_ELEMENTS:
            return value.tolist()
        if not np.issubdtype(value.dtype, np.number) or np.issubdtype(value.dtype, np.complexfloating):
            raise TypeError(f"cannot log {key!r}: a numpy array of {value.dtype} with {value.size} elements is "
                            "neither a list of up to 32 numbers nor a histogram of numbers")
        try:
            return Histogram(value, num_bins=HISTOGRAM_BINS).to_json()
        except ValueError as exc:
            raise ValueError(f"cannot log {key!r}: an array of {value.size} elements is logged as a histogram, "
                             f"and {exc}") from None
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot log {key!r}: values of type numpy {type(value).__name__} are not supported")


def _as_rich(value: Any) -> Any:
    """A DataFrame as a Table, a figure as a Plotly chart or Image: the values W&B converts before logging."""
    name = _typename(value)
    if name.startswith("pandas.") and type(value).__name__ == "DataFrame":
        from .table import Table

        return Table(dataframe=value)
    if name.startswith(("matplotlib.", "plotly.")) or value is sys.modules.get("matplotlib.pyplot"):
        from .plotly import Plotly

        return Plotly.make_plot_media(value)
    return value


def _encode_list(items: list[Any], key: str, store: Callable[[], MediaStore]) -> Any:
    kinds = {type(item) for item in items}
    if len(kinds) == 1:
        kind = kinds.pop()
        if issubclass(kind, Media) and "seq_to_json" in vars(kind):
            return kind.seq_to_json(items, store())
    return [encode(item, key, store) if is_rich(item) else item for item in items]
