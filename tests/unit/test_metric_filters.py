"""The incremental metric conditions: fed one value at a time, as history arrives."""

from __future__ import annotations

import math
from typing import Any

import pytest
from runbase_server.automations import metric_filters
from runbase_server.errors import UserError


def firings(event_type: str, spec: dict[str, Any], values: list[float]) -> list[tuple[int, float]]:
    """(index, judged value) of each value at which the condition became true."""
    spec = metric_filters.normalize(event_type, spec)
    keep = metric_filters.kept(event_type, spec)
    kept: list[float] = []
    held, fired = False, []
    for seen, value in enumerate(values, start=1):
        kept = (kept + [value])[-keep:]
        now, judged = metric_filters.holds(event_type, spec, kept, seen, before=held)
        if now and not held:
            fired.append((seen - 1, judged))
        held = now
    return fired


def test_threshold_on_the_latest_value_fires_on_each_crossing() -> None:
    spec = {"name": "loss", "cmp": "$gt", "threshold": 5}
    assert firings("RUN_METRIC_THRESHOLD", spec, [1, 6, 7, 2, 9]) == [(1, 6), (4, 9)]


@pytest.mark.parametrize(("agg", "expected"), [("mean", [(3, 6.0)]), ("max", [(2, 9.0)]), ("min", [(5, 6.0)]),
                                               ("sum", [(2, 12.0)])])
def test_threshold_on_a_window_aggregate(agg: str, expected: list[tuple[int, float]]) -> None:
    spec = {"name": "x", "agg": agg, "window": 3, "cmp": "$gte", "threshold": 6 if agg != "sum" else 12}
    assert firings("RUN_METRIC_THRESHOLD", spec, [0, 9, 3, 6, 9, 9]) == expected


def test_change_compares_tumbling_windows_only_at_their_boundaries() -> None:
    spec = {"name": "acc", "agg": "mean", "window": 2, "change_type": "absolute", "change_dir": "decrease",
            "threshold": 0.3}
    # windows: (1, 1) (0.9, 0.9) (0.5, 0.5) (0.5, 0.5): only the third is 0.3 below its prior
    assert firings("RUN_METRIC_CHANGE", spec, [1, 1, 0.9, 0.9, 0.5, 0.5, 0.5, 0.5]) == [(5, 0.5)]
    # the same drop straddling a boundary is halved by tumbling windows: (1, 1) (1, 0.5) (0.5, 0.5)
    assert firings("RUN_METRIC_CHANGE", spec, [1, 1, 1, 0.5, 0.5, 0.5]) == []


def test_relative_change_in_any_direction_and_plateaus() -> None:
    spec = {"name": "x", "change_type": "relative", "change_dir": "any", "threshold": 0.5}
    assert firings("RUN_METRIC_CHANGE", spec, [2, 3, 1, 1]) == [(1, 3.0)]  # +50%, then -67% while still held
    plateau = {"name": "x", "agg": "mean", "window": 2, "change_type": "absolute", "change_dir": "any",
               "threshold": 0.01, "cmp": "$lt"}
    assert firings("RUN_METRIC_CHANGE", plateau, [5, 4, 3, 2, 1.001, 1.0, 1.0, 1.001]) == [(7, 1.0005)]


def test_relative_change_from_zero() -> None:
    spec = {"name": "x", "change_type": "relative", "change_dir": "increase", "threshold": 10}
    assert firings("RUN_METRIC_CHANGE", spec, [0, 0, 1]) == [(2, 1.0)]


def test_zscore_against_the_previous_window() -> None:
    spec = {"name": "loss", "window": 4, "threshold": 3, "change_dir": "increase"}
    assert firings("RUN_METRIC_ZSCORE", spec, [1, 1.1, 0.9, 1, 1.05, 5, 1, 0.95]) == [(5, 5.0)]
    down = {**spec, "change_dir": "decrease"}
    assert firings("RUN_METRIC_ZSCORE", down, [1, 1.1, 0.9, 1, 1.05, 5, 1, 0.95]) == []
    flat = {**spec, "change_dir": "any"}
    assert firings("RUN_METRIC_ZSCORE", flat, [2, 2, 2, 2, 2, 3]) == [(5, 3.0)]  # zero spread: any move is infinite


@pytest.mark.parametrize(("event_type", "spec", "message"), [
    ("RUN_METRIC_THRESHOLD", {"name": "x", "cmp": ">", "threshold": 1}, "cmp"),
    ("RUN_METRIC_THRESHOLD", {"name": "x", "cmp": "$gt", "threshold": math.nan}, "finite"),
    ("RUN_METRIC_THRESHOLD", {"name": "x", "cmp": "$gt", "threshold": True}, "finite"),
    ("RUN_METRIC_THRESHOLD", {"name": "x", "cmp": "$gt", "threshold": 1, "window": 0}, "window"),
    ("RUN_METRIC_THRESHOLD", {"name": "x", "cmp": "$gt", "threshold": 1, "agg": "median"}, "agg"),
    ("RUN_METRIC_THRESHOLD", {"name": "", "cmp": "$gt", "threshold": 1}, "name"),
    ("RUN_METRIC_THRESHOLD", {"name": "_step", "cmp": "$gt", "threshold": 1}, "system"),
    ("RUN_METRIC_CHANGE", {"name": "x", "change_type": "absolute", "change_dir": "up", "threshold": 1}, "change_dir"),
    ("RUN_METRIC_CHANGE", {"name": "x", "change_type": "absolute", "change_dir": "any", "threshold": -1}, "at least"),
    ("RUN_METRIC_ZSCORE", {"name": "x", "window": 1, "threshold": 3}, "window"),
    ("RUN_METRIC_ZSCORE", {"name": "x", "threshold": 0}, "above"),
])
def test_bad_filters_are_refused(event_type: str, spec: dict[str, Any], message: str) -> None:
    with pytest.raises(UserError, match=message):
        metric_filters.normalize(event_type, spec)


def test_aliases_and_case_are_normalized() -> None:
    spec = metric_filters.normalize("RUN_METRIC_THRESHOLD", {"name": "x", "agg": "AVERAGE", "window": 3,
                                                             "cmp": "$lte", "threshold": 1})
    assert spec == {"name": "x", "agg": "mean", "window": 3, "cmp": "$lte", "threshold": 1.0}
