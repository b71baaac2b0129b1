"""runbase.Histogram: counts over bins, held inline in the row (no file), as W&B's `"histogram"` descriptor."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ..optional import require
from .media import WBValue

np = require("numpy", what="runbase.Histogram")

MAX_BINS = 512


def _numbers(values: Any, what: str) -> Any:
    try:
        array = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        raise TypeError(f"Histogram {what} must be numbers, not {type(values).__name__}") from None
    return array


class Histogram(WBValue):
    """Like numpy.histogram: from a sequence of values binned into `num_bins` (default 64, at most 512), or
    from a precomputed `np_histogram=(counts, edges)`."""

    MAX_LENGTH = MAX_BINS
    log_type = "histogram"

    def __init__(self, sequence: Sequence[Any] | Any | None = None, np_histogram: tuple[Any, Any] | None = None,
                 num_bins: int = 64) -> None:
        if isinstance(num_bins, bool) or not isinstance(num_bins, int) or not 1 <= num_bins <= MAX_BINS:
            raise ValueError(f"num_bins must be an integer from 1 to {MAX_BINS}, not {num_bins!r}")
        if np_histogram is not None:
            if sequence is not None:
                raise ValueError("give Histogram a sequence or np_histogram, not both")
            if not isinstance(np_histogram, (tuple, list)) or len(np_histogram) != 2:
                raise ValueError("np_histogram must be a (counts, bin edges) pair, as numpy.histogram returns")
            counts, edges = _numbers(np_histogram[0], "counts"), _numbers(np_histogram[1], "bin edges")
            if len(counts) > MAX_BINS:
                raise ValueError(f"np_histogram has {len(counts)} bins; at most {MAX_BINS} are allowed")
            if len(edges) != len(counts) + 1:
                raise ValueError(f"np_histogram needs one more bin edge than counts, not {len(edges)} edges for "
                                 f"{len(counts)} counts")
        else:
            if sequence is None:
                raise ValueError("Histogram needs a sequence of values or np_histogram")
            values = _numbers(sequence, "values")
            finite = values[np.isfinite(values)]
            if len(finite) < len(values):
                raise ValueError(f"Histogram values hold {len(values) - len(finite)} NaN or infinite values; "
                                 "drop them first")
            counts, edges = np.histogram(finite, bins=num_bins)
        if not (np.all(np.isfinite(counts)) and np.all(np.isfinite(edges))):
            raise ValueError("a histogram's counts and bin edges must be finite numbers")
        self.histogram: list[Any] = [int(c) if float(c).is_integer() else float(c) for c in counts]
        self.bins: list[float] = [float(e) for e in edges]

    def to_json(self, store: Any = None) -> dict[str, Any]:
        return {"_type": "histogram", "values": self.histogram, "bins": self.bins}

    @classmethod
    def from_json(cls, described: dict[str, Any], source: Any = None) -> Histogram:
        return cls(np_histogram=(described["values"], described["bins"]))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Histogram) and self.histogram == other.histogram and all(
            math.isclose(a, b) for a, b in zip(self.bins, other.bins)) and len(self.bins) == len(other.bins)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Histogram({len(self.histogram)} bins from {self.bins[0]:g} to {self.bins[-1]:g})"
