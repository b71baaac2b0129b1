"""`RunEvent`: the operator-style way to write run event conditions.

    RunEvent.metric("loss") > 10                                # threshold on each new value
    RunEvent.metric("acc").mean(5) < 0.8                        # threshold on a windowed mean
    RunEvent.metric("loss").mean(10).decreases_by(frac=0.1)     # change between tumbling windows
    RunEvent.metric("loss").mean(10).changes_less_than(diff=1e-3)   # plateau
    RunEvent.metric("loss").zscore(window=30) > 3               # jump up: z reaches 3
    RunEvent.metric("loss").zscore(window=30) < -3              # jump down: z reaches -3
    abs(RunEvent.metric("loss").zscore(window=30)) > 3          # jump either way: |z| reaches 3
    RunEvent.state.in_(["failed", "crashed"])                   # run state
    (RunEvent.config("lr") > 0.01) & (RunEvent.metric("loss") > 10)   # narrowed to some runs
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .filters import (
    Agg,
    ChangeDir,
    ChangeType,
    MetricChangeFilter,
    MetricThresholdFilter,
    MetricZScoreFilter,
    RunState,
    RunStateFilter,
)
from .operators import FilterField


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class MetricOperand:
    """A metric, or its aggregate over a window: compare it or ask how it changes.

    Comparisons build filters instead of booleans, so a MetricOperand is not hashable."""

    __hash__ = None  # type: ignore[assignment]

    def __init__(self, name: str, agg: Agg | None = None, window: int = 1) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(f"a metric name must be a non-empty string, not {name!r}")
        self.name, self.agg, self.window = name, agg, window

    def _threshold(self, cmp: str, threshold: Any) -> MetricThresholdFilter:
        return MetricThresholdFilter(name=self.name, agg=self.agg, window=self.window, cmp=cmp, threshold=threshold)

    def __gt__(self, threshold: Any) -> MetricThresholdFilter:
        return self._threshold("$gt", threshold)

    def __ge__(self, threshold: Any) -> MetricThresholdFilter:
        return self._threshold("$gte", threshold)

    def __lt__(self, threshold: Any) -> MetricThresholdFilter:
        return self._threshold("$lt", threshold)

    def __le__(self, threshold: Any) -> MetricThresholdFilter:
        return self._threshold("$lte", threshold)

    def __eq__(self, threshold: object) -> MetricThresholdFilter:  # type: ignore[override]
        return self._threshold("$eq", threshold)

    def __ne__(self, threshold: object) -> MetricThresholdFilter:  # type: ignore[override]
        return self._threshold("$ne", threshold)

    # -- aggregates over the last `window` values ---------------------------------------------
    def _aggregate(self, agg: Agg, window: int) -> MetricOperand:
        if self.agg is not None:
            raise ValueError(f"{self!r} is already aggregated; aggregate the metric once")
        if not isinstance(window, int) or isinstance(window, bool) or window < 1:
            raise ValueError(f"window must be a positive integer, not {window!r}")
        return MetricOperand(self.name, agg, window)

    def mean(self, window: int) -> MetricOperand:
        return self._aggregate(Agg.MEAN, window)

    def max(self, window: int) -> MetricOperand:
        return self._aggregate(Agg.MAX, window)

    def min(self, window: int) -> MetricOperand:
        return self._aggregate(Agg.MIN, window)

    def sum(self, window: int) -> MetricOperand:
        return self._aggregate(Agg.SUM, window)

    # -- changes between the current window and the one before it ---------------------------
    def _change(self, change_dir: ChangeDir, cmp: str, diff: float | None, frac: float | None) -> MetricChangeFilter:
        if (diff is None) == (frac is None):
            raise ValueError("give exactly one of diff= (an absolute change) or frac= (a relative change, 0.1 = 10%)")
        change_type = ChangeType.ABSOLUTE if diff is not None else ChangeType.RELATIVE
        return MetricChangeFilter(name=self.name, agg=self.agg, window=self.window, cmp=cmp,
                                  threshold=diff if diff is not None else frac,
                                  change_type=change_type, change_dir=change_dir)

    def changes_by(self, *, diff: float | None = None, frac: float | None = None) -> MetricChangeFilter:
        """Fires when the metric moves either way by at least diff (absolute) or frac (relative)."""
        return self._change(ChangeDir.ANY, "$gte", diff, frac)

    def increases_by(self, *, diff: float | None = None, frac: float | None = None) -> MetricChangeFilter:
        return self._change(ChangeDir.INCREASE, "$gte", diff, frac)

    def decreases_by(self, *, diff: float | None = None, frac: float | None = None) -> MetricChangeFilter:
        return self._change(ChangeDir.DECREASE, "$gte", diff, frac)

    def changes_less_than(self, *, diff: float | None = None, frac: float | None = None) -> MetricChangeFilter:
        """Fires when the metric moves (either way) by less than diff or frac: a plateau."""
        return self._change(ChangeDir.ANY, "$lt", diff, frac)

    def zscore(self, window: int = 30) -> ZScore:
        """The newest value's z-score against the previous `window` values; compare it with > or <."""
        if self.agg is not None:
            raise ValueError("a z-score is taken over raw values; drop the aggregate")
        return ZScore(self.name, window)

    def __repr__(self) -> str:
        base = f"RunEvent.metric({self.name!r})"
        return base if self.agg is None else f"{base}.{self.agg.value}({self.window})"


class ZScore:
    """`z > t` fires on jumps up, `z < -t` on jumps down, `abs(z) > t` on either (t > 0); the
    server fires when the score reaches the bound, so the boundary itself counts."""

    def __init__(self, name: str, window: int, either_way: bool = False) -> None:
        self.name, self.window, self.either_way = name, window, either_way

    def _filter(self, threshold: Any, change_dir: ChangeDir) -> MetricZScoreFilter:
        return MetricZScoreFilter(name=self.name, window=self.window, threshold=threshold, change_dir=change_dir)

    def __gt__(self, threshold: Any) -> MetricZScoreFilter:
        return self._filter(threshold, ChangeDir.ANY if self.either_way else ChangeDir.INCREASE)

    def __lt__(self, threshold: Any) -> MetricZScoreFilter:
        if self.either_way:
            raise ValueError("abs(z) < t would fire on ordinary values; use abs(z) > t")
        if not _is_number(threshold) or threshold >= 0:
            raise ValueError(f"write z < -t with t > 0 for jumps down, not z < {threshold!r}")
        return self._filter(-threshold, ChangeDir.DECREASE)

    def __abs__(self) -> ZScore:
        return ZScore(self.name, self.window, either_way=True)

    def __repr__(self) -> str:
        text = f"RunEvent.metric({self.name!r}).zscore({self.window})"
        return f"abs({text})" if self.either_way else text


class RunStateField:
    """`RunEvent.state`: the states a RUN_STATE automation waits for."""

    __hash__ = None  # type: ignore[assignment]

    def __eq__(self, state: object) -> RunStateFilter:  # type: ignore[override]
        return RunStateFilter(states=[state])

    def __ne__(self, state: object) -> RunStateFilter:  # type: ignore[override]
        excluded = RunStateFilter(states=[state]).states[0]
        return RunStateFilter(states=[other for other in RunState if other is not excluded])

    def in_(self, states: Iterable[str | RunState]) -> RunStateFilter:
        return RunStateFilter(states=list(states))

    def __repr__(self) -> str:
        return "RunEvent.state"


class RunEvent:
    """Builders for run event conditions; run fields map to the server's filter fields
    (`job_type` is `jobType`, `summary("acc")` is `summary_metrics.acc`, `duration` is in
    seconds from creation to finish and also takes a timedelta)."""

    name = FilterField("name")
    display_name = FilterField("display_name")
    state = RunStateField()
    tags = FilterField("tags")
    group = FilterField("group")
    job_type = FilterField("jobType")
    username = FilterField("username")
    duration = FilterField("duration")
    created_at = FilterField("createdAt")
    heartbeat_at = FilterField("heartbeatAt")

    @staticmethod
    def metric(name: str) -> MetricOperand:
        return MetricOperand(name)

    @staticmethod
    def config(key: str) -> FilterField:
        return FilterField(f"config.{key}")

    @staticmethod
    def summary(key: str) -> FilterField:
        return FilterField(f"summary_metrics.{key}")
