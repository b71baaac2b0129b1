"""`define_metric` rules and the automatic summary they drive.

`MetricRules.observe` runs once per committed history row, so the case with no definitions is
kept to a single dict update and every per-key decision is cached. The definitions are also kept in the run's
config as W&B's client keeps them (`_wandb.m`), which is how the web app draws a metric against its step metric
and how a resumed run gets them back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .errors import UsageError
from .summary import Summary

_AGGREGATIONS = ("min", "max", "mean", "first", "last", "best", "copy", "none")
_GOALS = ("minimize", "maximize")

# W&B's MetricRecord (wandb_internal.proto) as its client stores one in the config's `_wandb.m` list: a dict keyed by
# field numbers, nested messages of booleans as the list of the numbers that are true.
_NAME, _GLOB_NAME, _STEP_METRIC, _STEP_INDEX, _OPTIONS, _SUMMARY, _GOAL = "1", "2", "4", "5", "6", "7", "8"
_STEP_SYNC, _HIDDEN, _DEFINED = 1, 2, 3  # MetricOptions
_SUMMARY_FIELDS = {"min": 1, "max": 2, "mean": 3, "best": 4, "last": 5, "none": 6, "copy": 7, "first": 8}
_GOAL_NUMBERS = {"minimize": 1, "maximize": 2}


@dataclass(frozen=True)
class Metric:
    """One metric definition, as returned by `define_metric`.

    `summary` holds canonical aggregation names: the deprecated "copy" is stored as "last" and
    "best" as "min" or "max" according to `goal`.
    """

    name: str
    step_metric: str | None = None
    step_sync: bool | None = None
    hidden: bool | None = None
    summary: tuple[str, ...] = ()
    goal: str | None = None


class _Aggregate:
    """Running aggregates for one key; NaN is kept as the last value but never ranks or averages."""

    __slots__ = ("first", "last", "low", "high", "total", "count", "seen")

    def __init__(self) -> None:
        self.first: Any = None
        self.last: Any = None
        self.low: float | None = None
        self.high: float | None = None
        self.total = 0.0
        self.count = 0
        self.seen = False

    @classmethod
    def resumed(cls, earlier: Any) -> _Aggregate:
        """Aggregates that go on from a resumed (or rewound) run's summary value ({"min": 4, ...}), so a
        minimum still covers the rows logged before the resume. A mean cannot: its count was not kept."""
        aggregate = cls()
        if not isinstance(earlier, dict):
            return aggregate
        if "first" in earlier:
            aggregate.first, aggregate.seen = earlier["first"], True
        for name, slot in (("min", "low"), ("max", "high")):
            value = earlier.get(name)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isnan(value):
                setattr(aggregate, slot, value)
        return aggregate

    def add(self, value: Any) -> None:
        if not self.seen:
            self.first, self.seen = value, True
        self.last = value
        if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
            return
        if self.low is None or value < self.low:
            self.low = value
        if self.high is None or value > self.high:
            self.high = value
        self.total += value
        self.count += 1

    def result(self, names: tuple[str, ...]) -> dict[str, Any]:
        available = {"first": self.first, "last": self.last}
        if self.count:
            available.update(min=self.low, max=self.high, mean=self.total / self.count)
        return {name: available[name] for name in names if name in available}


class MetricRules:
    """All `define_metric` definitions of one run, plus the state their summaries need."""

    def __init__(self) -> None:
        self._defs: dict[str, Metric] = {}
        self._exact: dict[str, Metric] = {}
        self._globs: list[tuple[str, Metric]] = []  # (prefix, metric), longest prefix first
        self._resolved: dict[str, Metric | None] = {}
        self._aggregates: dict[str, _Aggregate] = {}
        self._step_keys: frozenset[str] = frozenset()
        self._last_steps: dict[str, Any] = {}
        self._any_sync = False

    def define(
        self,
        name: str,
        *,
        step_metric: str | Metric | None = None,
        step_sync: bool | None = None,
        hidden: bool | None = None,
        summary: str | None = None,
        goal: str | None = None,
        overwrite: bool | None = None,
    ) -> Metric:
        """Add or change a definition; without overwrite, unspecified arguments keep earlier values."""
        _check_name(name)
        if isinstance(step_metric, Metric):
            step_metric = step_metric.name
        if step_metric is not None and (not isinstance(step_metric, str) or not step_metric or "*" in step_metric):
            raise UsageError(f"step_metric must be a metric name without '*', not {step_metric!r}")
        for arg, value in (("step_sync", step_sync), ("hidden", hidden), ("overwrite", overwrite)):
            if value is not None and not isinstance(value, bool):
                raise UsageError(f"{arg} must be a bool, not {value!r}")
        if goal is not None and goal not in _GOALS:
            raise UsageError(f"goal must be one of {_GOALS}, not {goal!r}")
        requested = _parse_summary(summary)

        previous = None if overwrite else self._defs.get(name)
        if previous is not None:
            step_metric = previous.step_metric if step_metric is None else step_metric
            step_sync = previous.step_sync if step_sync is None else step_sync
            hidden = previous.hidden if hidden is None else hidden
            requested = previous.summary if requested is None else requested
            goal = previous.goal if goal is None else goal
        if step_metric is not None and step_sync is None:
            step_sync = True
        metric = Metric(
            name=name,
            step_metric=step_metric,
            step_sync=step_sync,
            hidden=hidden,
            summary=_canonical(requested or (), goal),
            goal=goal,
        )
        self._defs[name] = metric
        self._reindex()
        return metric

    def definitions(self) -> list[Metric]:
        return list(self._defs.values())

    def wandb_records(self) -> list[dict[str, Any]]:
        """The definitions as W&B's `_wandb.m`, in definition order: a step metric is named by the 1-based
        place of its record in the list, so one that was never defined gets a record of its own, at the end."""
        names = list(self._defs)
        for metric in self._defs.values():
            if metric.step_metric and metric.step_metric not in names:
                names.append(metric.step_metric)
        place = {name: i + 1 for i, name in enumerate(names)}
        return [_record(name, self._defs.get(name), place) for name in names]

    @classmethod
    def from_wandb(cls, bookkeeping: Any) -> MetricRules:
        """The definitions a run's config records (`_wandb`, as runbase or W&B's client wrote it), so that a
        resumed run goes on with them. Records that are not definitions (a step metric nobody defined, W&B's
        expansion of a glob for one key) and records that do not make sense are passed over."""
        rules = cls()
        records = bookkeeping.get("m") if isinstance(bookkeeping, dict) else None
        if not isinstance(records, list):
            return rules
        for record in records:
            if isinstance(record, dict) and _DEFINED in _numbers(record.get(_OPTIONS)):
                try:
                    rules._define_from(record, records)
                except UsageError:
                    continue
        return rules

    def _define_from(self, record: dict[str, Any], records: list[Any]) -> None:
        at = record.get(_STEP_INDEX)
        step = record.get(_STEP_METRIC)
        if type(at) is int and 0 < at <= len(records) and isinstance(records[at - 1], dict):
            step = records[at - 1].get(_NAME)
        options = _numbers(record.get(_OPTIONS))
        summary = [name for name, number in _SUMMARY_FIELDS.items() if number in _numbers(record.get(_SUMMARY))]
        goal = next((name for name, number in _GOAL_NUMBERS.items() if record.get(_GOAL) == number), None)
        self.define(record.get(_NAME) or record.get(_GLOB_NAME) or "", step_metric=step or None,
                    step_sync=(_STEP_SYNC in options) if step else None, hidden=True if _HIDDEN in options else None,
                    summary=",".join(summary) or None, goal=goal, overwrite=True)

    def observe(self, row: dict[str, Any], summary: Summary) -> None:
        """Fold one committed history row into the summary, leaving hand-set keys alone."""
        if not self._defs and not summary._explicit:
            summary._data.update(row)
            return
        data, explicit, resolved = summary._data, summary._explicit, self._resolved
        step_keys, last_steps = self._step_keys, self._last_steps
        for key, value in row.items():
            metric = resolved[key] if key in resolved else self._resolve(key)
            if key in step_keys:
                last_steps[key] = value
            if key in explicit:
                continue
            if metric is None or not metric.summary:
                data[key] = value
            elif metric.summary == ("none",):
                data.pop(key, None)
            else:
                aggregate = self._aggregates.get(key)
                if aggregate is None:
                    aggregate = self._aggregates[key] = _Aggregate.resumed(data.get(key))
                aggregate.add(value)
                result = aggregate.result(metric.summary)
                if result:
                    data[key] = result

    def sync_steps(self, row: dict[str, Any]) -> None:
        """Add the last seen step_metric value to a row that logs a synced metric without it."""
        if not self._any_sync:
            return
        for key in list(row):
            metric = self._resolved[key] if key in self._resolved else self._resolve(key)
            if metric is None or not metric.step_sync:
                continue
            step = metric.step_metric
            if step not in row and step in self._last_steps:
                row[step] = self._last_steps[step]

    def _resolve(self, key: str) -> Metric | None:
        metric = self._exact.get(key)
        if metric is None and not key.startswith("_"):
            metric = next((m for prefix, m in self._globs if key.startswith(prefix)), None)
        self._resolved[key] = metric
        return metric

    def _reindex(self) -> None:
        self._exact = {n: m for n, m in self._defs.items() if not n.endswith("*")}
        globs = [(n[:-1], m) for n, m in self._defs.items() if n.endswith("*")]
        self._globs = sorted(globs, key=lambda pair: len(pair[0]), reverse=True)
        self._resolved.clear()
        self._step_keys = frozenset(m.step_metric for m in self._defs.values() if m.step_metric)
        self._any_sync = any(m.step_metric and m.step_sync for m in self._defs.values())


def _record(name: str, metric: Metric | None, place: dict[str, int]) -> dict[str, Any]:
    """One MetricRecord of `_wandb.m`; `place` gives each name's 1-based index in the list."""
    record: dict[str, Any] = {_GLOB_NAME if name.endswith("*") else _NAME: name}
    if metric is None:
        return record
    if metric.step_metric:
        record[_STEP_INDEX] = place[metric.step_metric]
    record[_OPTIONS] = [n for n, on in ((_STEP_SYNC, metric.step_sync), (_HIDDEN, metric.hidden), (_DEFINED, True)) if on]
    summary = sorted(_SUMMARY_FIELDS[name] for name in metric.summary)
    if summary:
        record[_SUMMARY] = summary
    if metric.goal:
        record[_GOAL] = _GOAL_NUMBERS[metric.goal]
    return record


def _numbers(value: Any) -> set[int]:
    """The field numbers a stored nested message of booleans lists (nothing when it is not such a list)."""
    return {n for n in value if type(n) is int} if isinstance(value, list) else set()


def _check_name(name: Any) -> None:
    if not isinstance(name, str) or not name:
        raise UsageError(f"metric name must be a non-empty str, not {name!r}")
    if "*" in name[:-1]:
        raise UsageError(f"metric name {name!r} may only contain '*' as its last character")


def _parse_summary(summary: str | None) -> tuple[str, ...] | None:
    if summary is None:
        return None
    if not isinstance(summary, str):
        raise UsageError(f"summary must be a comma-separated str, not {summary!r}")
    names = tuple(dict.fromkeys(part.strip() for part in summary.split(",") if part.strip()))
    unknown = [n for n in names if n not in _AGGREGATIONS]
    if unknown:
        raise UsageError(f"unknown summary aggregation(s) {unknown}; choose from {_AGGREGATIONS}")
    return names


def _canonical(names: tuple[str, ...], goal: str | None) -> tuple[str, ...]:
    """Resolve W&B's deprecated aliases once, so observe() only deals with real aggregations."""
    if "none" in names:
        return ("none",)
    if "best" in names and goal is None:
        raise UsageError('summary "best" needs goal="minimize" or goal="maximize"')
    best = "min" if goal == "minimize" else "max"
    aliases = {"copy": "last", "best": best}
    return tuple(dict.fromkeys(aliases.get(n, n) for n in names))
