"""Metric filters evaluated incrementally: each new value of a run's metric
updates a small window state (the last values the filter needs), never a
rescan of the run's history.

- RUN_METRIC_THRESHOLD: the latest value, or min/max/mean/sum of the last
  `window` values, compared with `threshold`.
- RUN_METRIC_CHANGE: tumbling windows. Each time `window` new values have
  arrived, their aggregate (or the last of them, with no agg) is compared
  with that of the `prior_window` values before them; the change is absolute
  or relative to the prior, in a direction (increase, decrease, any). `cmp`
  "$gte" asks for a change of at least `threshold`, "$lt" for less (a plateau).
- RUN_METRIC_ZSCORE: the newest value's z-score against the `window` values
  before it.

An automation fires when its condition becomes true; it re-arms once the
condition is false again, so a metric that stays past a threshold fires once."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

from ..errors import UserError

EVENT_TYPES = ("RUN_METRIC_THRESHOLD", "RUN_METRIC_CHANGE", "RUN_METRIC_ZSCORE")
MAX_WINDOW = 1000
AGGREGATES: dict[str, Callable[[list[float]], float]] = {
    "min": min, "max": max, "sum": math.fsum, "mean": lambda values: math.fsum(values) / len(values),
}
COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "$gt": operator.gt, "$gte": operator.ge, "$lt": operator.lt, "$lte": operator.le,
    "$eq": operator.eq, "$ne": operator.ne,
}
DIRECTIONS = ("increase", "decrease", "any")
CHANGE_TYPES = ("absolute", "relative")


def _number(spec: dict[str, Any], key: str, low: float | None = None, strict: bool = False) -> float:
    value = spec.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not _finite(value):
        raise UserError(f"metric filter {key} must be a finite number, not {value!r}")
    if low is not None and (value <= low if strict else value < low):
        raise UserError(f"metric filter {key} must be {'above' if strict else 'at least'} {low}, not {value!r}")
    return float(value)


def _finite(value: int | float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer beyond float's range
        return False


def _window(spec: dict[str, Any], key: str, default: int | None, low: int = 1) -> int:
    value = spec.get(key, default)
    if value is None:
        value = default
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_WINDOW:
        raise UserError(f"metric filter {key} must be an integer from {low} to {MAX_WINDOW}, not {value!r}")
    return value


_REQUIRED = object()
_ALIASES = {"average": "mean", "avg": "mean"}


def _choice(spec: dict[str, Any], key: str, choices: Any, default: Any = _REQUIRED) -> Any:
    value = spec.get(key)
    if value is None:
        if default is _REQUIRED:
            raise UserError(f"metric filter needs {key}, one of {', '.join(choices)}")
        return default
    if not isinstance(value, str):
        raise UserError(f"metric filter {key} must be one of {', '.join(choices)}, not {value!r}")
    if key != "cmp":
        value = _ALIASES.get(value.lower(), value.lower())
    if value not in choices:
        raise UserError(f"metric filter {key} must be one of {', '.join(choices)}, not {value!r}")
    return value


def normalize(event_type: str, spec: Any) -> dict[str, Any]:
    """The metric part of an event filter, checked and in its stored form."""
    if not isinstance(spec, dict):
        raise UserError('a metric event filter needs "metric": {"name": ..., ...}')
    name = spec.get("name")
    if not isinstance(name, str) or not name or name.startswith("_"):
        raise UserError("metric filter name must be a metric's key, not a system key or empty")
    if event_type == "RUN_METRIC_THRESHOLD":
        return {"name": name, "agg": _choice(spec, "agg", AGGREGATES, None), "window": _window(spec, "window", 1),
                "cmp": _choice(spec, "cmp", COMPARISONS), "threshold": _number(spec, "threshold")}
    if event_type == "RUN_METRIC_CHANGE":
        window = _window(spec, "window", 1)
        return {"name": name, "agg": _choice(spec, "agg", AGGREGATES, None), "window": window,
                "prior_window": _window(spec, "prior_window", window),
                "change_type": _choice(spec, "change_type", CHANGE_TYPES),
                "change_dir": _choice(spec, "change_dir", DIRECTIONS),
                "cmp": _choice(spec, "cmp", ("$gte", "$lt"), "$gte"), "threshold": _number(spec, "threshold", 0)}
    if event_type == "RUN_METRIC_ZSCORE":
        return {"name": name, "window": _window(spec, "window", 30, low=2),
                "threshold": _number(spec, "threshold", 0, strict=True),
                "change_dir": _choice(spec, "change_dir", DIRECTIONS, "any")}
    raise UserError(f"{event_type} is not a metric event")


def kept(event_type: str, spec: dict[str, Any]) -> int:
    """How many recent values the window state must keep."""
    if event_type == "RUN_METRIC_THRESHOLD":
        return int(spec["window"]) if spec["agg"] else 1
    if event_type == "RUN_METRIC_CHANGE":
        return int(spec["window"] + spec["prior_window"])
    return int(spec["window"]) + 1


def _summary(values: list[float], agg: str | None) -> float:
    return AGGREGATES[agg](values) if agg else values[-1]


def _directed(change: float, direction: str) -> float:
    return change if direction == "increase" else -change if direction == "decrease" else abs(change)


def holds(event_type: str, spec: dict[str, Any], values: list[float], seen: int, *,
          before: bool) -> tuple[bool, float]:
    """Whether the condition holds after the newest of `values` (the kept tail of `seen` values in all), and the
    value it judged (the aggregate, the current window's, or the newest value); `before` is whether it held until
    now, which a change filter keeps between its window boundaries."""
    newest = values[-1]
    if len(values) < kept(event_type, spec):
        return False, newest
    if event_type == "RUN_METRIC_THRESHOLD":
        judged = _summary(values, spec["agg"])
        return COMPARISONS[spec["cmp"]](judged, spec["threshold"]), judged
    if event_type == "RUN_METRIC_CHANGE":
        window = spec["window"]
        if seen % window:  # between boundaries the last verdict stands
            return before, newest
        current = _summary(values[-window:], spec["agg"])
        prior = _summary(values[-window - spec["prior_window"]:-window], spec["agg"])
        change = current - prior
        if spec["change_type"] == "relative":
            change = change / abs(prior) if prior else (math.inf if change > 0 else -math.inf if change else 0.0)
        return COMPARISONS[spec["cmp"]](_directed(change, spec["change_dir"]), spec["threshold"]), current
    previous = values[:-1]
    mean = math.fsum(previous) / len(previous)
    spread = math.sqrt(math.fsum((v - mean) ** 2 for v in previous) / len(previous))
    if spread == 0:
        score = 0.0 if newest == mean else math.copysign(math.inf, newest - mean)
    else:
        score = (newest - mean) / spread
    return _directed(score, spec["change_dir"]) >= spec["threshold"], newest
