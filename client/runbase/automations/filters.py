"""The conditions of run events: a metric crossing a threshold, changing, jumping (z-score), or
a run reaching a state, each optionally narrowed to the runs a MongoDB filter selects.

The models dump (`model_dump(mode="json")`) to exactly the `eventFilter` JSON the server stores
and validate from it, so what is saved reads back equal. Constructors accept the spellings people
write (`">"`, `"avg"`, `"INCREASE"`) and store one canonical form.
"""

from __future__ import annotations

import math
from enum import Enum
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StrictFloat,
    StrictInt,
    Tag,
    field_validator,
    model_validator,
)

from .operators import And, Filter, combine, parse_filter


class Agg(str, Enum):
    """How a metric's values over a window are reduced to one number."""

    MIN = "min"
    MAX = "max"
    MEAN = "mean"
    SUM = "sum"


class ChangeType(str, Enum):
    ABSOLUTE = "absolute"
    RELATIVE = "relative"


class ChangeDir(str, Enum):
    INCREASE = "increase"
    DECREASE = "decrease"
    ANY = "any"


class RunState(str, Enum):
    """States a RUN_STATE automation can wait for."""

    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
    CRASHED = "crashed"
    KILLED = "killed"
    PREEMPTING = "preempting"
    PREEMPTED = "preempted"


_CMP_ALIASES = {">": "$gt", ">=": "$gte", "<": "$lt", "<=": "$lte", "==": "$eq", "!=": "$ne"}
_AGG_ALIASES = {"average": "mean", "avg": "mean"}


def _lower_choice(value: Any, choices: type[Enum], what: str, aliases: dict[str, str] | None = None) -> Any:
    """An enum member from any-case text, naming the valid choices when it is none of them."""
    if isinstance(value, choices):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        text = (aliases or {}).get(text, text)
        for member in choices:
            if member.value == text:
                return member
    names = ", ".join(member.value for member in choices)
    raise ValueError(f"unknown {what} {value!r}; use one of {names}")


def _agg(value: Any) -> Agg | None:
    return None if value is None else _lower_choice(value, Agg, "agg", _AGG_ALIASES)


def _threshold_cmp(value: Any) -> str:
    if isinstance(value, str) and value.strip() in _CMP_ALIASES:
        return _CMP_ALIASES[value.strip()]
    if isinstance(value, str) and value.strip() in _CMP_ALIASES.values():
        return value.strip()
    raise ValueError(f"unknown cmp {value!r}; use one of >, >=, <, <=, ==, != (or $gt, $gte, $lt, $lte, $eq, $ne)")


def _change_cmp(value: Any) -> str:
    if value is None or value in (">=", "$gte"):
        return "$gte"
    if value in ("<", "$lt"):
        return "$lt"
    raise ValueError(f"a change filter's cmp is None or '$gte' (changed by at least the threshold) or '$lt' "
                     f"(changed by less than it, a plateau), not {value!r}")


def _finite(value: float) -> float:
    if math.isnan(value) or math.isinf(value):
        raise ValueError(f"threshold must be a finite number, not {value!r}")
    return value


Number = Union[StrictInt, StrictFloat]
Window = Annotated[int, Field(strict=True, ge=1)]


class _MetricFilter(BaseModel):
    """What every metric condition has: the metric's name."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    event_type: ClassVar[str]

    name: str = Field(min_length=1)

    @field_validator("name")
    @classmethod
    def _logged_key(cls, value: str) -> str:
        if value.startswith("_"):
            raise ValueError(f"{value!r} is a system key (_step, _runtime, ...); name a metric the run logs")
        return value

    def __and__(self, other: Any) -> RunMetricFilter:
        if isinstance(other, (Filter, dict)):
            return RunMetricFilter(run_filter=other, metric=self)
        return NotImplemented

    __rand__ = __and__


class _WindowedFilter(_MetricFilter):
    agg: Annotated[Agg | None, BeforeValidator(_agg)] = None
    window: Window = 1


class MetricThresholdFilter(_WindowedFilter):
    """The metric (or its aggregate over the last `window` values) compared with a threshold."""

    event_type: ClassVar[str] = "RUN_METRIC_THRESHOLD"

    cmp: Annotated[Literal["$gt", "$gte", "$lt", "$lte", "$eq", "$ne"], BeforeValidator(_threshold_cmp)]
    threshold: Number

    _check_threshold = field_validator("threshold")(_finite)

    @model_validator(mode="after")
    def _window_needs_agg(self) -> MetricThresholdFilter:
        if self.agg is None and self.window != 1:
            raise ValueError(f"window={self.window} needs an agg (min, max, mean or sum) to reduce it to one value")
        return self


class MetricChangeFilter(_WindowedFilter):
    """The change between the current window and the prior, non-overlapping ("tumbling") one.

    Each window is reduced by `agg` (without one, to its last value). `prior_window` defaults to
    `window`. With cmp None or "$gte" it fires when the change reaches `threshold` (W&B's
    meaning); with "$lt" when it stays below it, i.e. the metric has plateaued. `relative` changes
    are fractions of the prior window's value (0.1 = 10%)."""

    event_type: ClassVar[str] = "RUN_METRIC_CHANGE"

    cmp: Annotated[Literal["$gte", "$lt"], BeforeValidator(_change_cmp)] = "$gte"
    threshold: Annotated[Number, Field(ge=0)]
    prior_window: Window | None = None
    change_type: Annotated[ChangeType, BeforeValidator(lambda v: _lower_choice(v, ChangeType, "change_type"))]
    change_dir: Annotated[ChangeDir, BeforeValidator(lambda v: _lower_choice(v, ChangeDir, "change_dir"))]

    _check_threshold = field_validator("threshold")(_finite)

    @model_validator(mode="before")
    @classmethod
    def _prior_defaults_to_window(cls, data: Any) -> Any:
        """Stored explicitly, as the server stores it, so a saved filter reads back equal."""
        if isinstance(data, dict) and data.get("prior_window") is None:
            return {**data, "prior_window": data.get("window", 1)}
        return data

    @model_validator(mode="after")
    def _plateau_needs_room(self) -> MetricChangeFilter:
        if self.cmp == "$lt" and self.threshold == 0:
            raise ValueError("a change is never less than 0: give a positive threshold for a plateau")
        return self


class MetricZScoreFilter(_MetricFilter):
    """The newest value's z-score against the previous `window` values reaches `threshold`:
    z >= threshold (increase), z <= -threshold (decrease) or |z| >= threshold (any)."""

    event_type: ClassVar[str] = "RUN_METRIC_ZSCORE"

    window: Annotated[int, Field(strict=True, ge=2)] = 30
    threshold: Annotated[Number, Field(gt=0)] = 3.0
    change_dir: Annotated[ChangeDir, BeforeValidator(lambda v: _lower_choice(v, ChangeDir, "change_dir"))] = (
        ChangeDir.ANY)

    _check_threshold = field_validator("threshold")(_finite)


def metric_kind(value: Any) -> str | None:
    """Which metric filter a dict from the server describes: change filters name a change_type,
    threshold filters a cmp, z-score filters neither."""
    if isinstance(value, BaseModel):
        return type(value).__name__
    if isinstance(value, dict):
        if "change_type" in value:
            return "MetricChangeFilter"
        return "MetricThresholdFilter" if "cmp" in value else "MetricZScoreFilter"
    return None


MetricFilter = Annotated[
    Union[
        Annotated[MetricThresholdFilter, Tag("MetricThresholdFilter")],
        Annotated[MetricChangeFilter, Tag("MetricChangeFilter")],
        Annotated[MetricZScoreFilter, Tag("MetricZScoreFilter")],
    ],
    Discriminator(metric_kind, custom_error_type="metric_filter",
                  custom_error_message="expected a MetricThresholdFilter, MetricChangeFilter or MetricZScoreFilter"),
]


class _RunScopedFilter(BaseModel):
    """A condition with a MongoDB filter over run fields narrowing which runs it watches."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    run_filter: Filter = And(())

    def __and__(self, other: Any) -> Any:
        if isinstance(other, (Filter, dict)):
            return self.model_copy(update={"run_filter": combine(self.run_filter, parse_filter(other))})
        return NotImplemented

    __rand__ = __and__


class RunMetricFilter(_RunScopedFilter):
    """A metric condition on the runs `run_filter` selects (every run when it is empty)."""

    metric: MetricFilter


class RunStateFilter(_RunScopedFilter):
    """Runs (of those `run_filter` selects) reaching one of `states`."""

    states: list[RunState] = Field(min_length=1)

    @field_validator("states", mode="before")
    @classmethod
    def _canonical(cls, value: Any) -> list[RunState]:
        """Any case, any order, repeats allowed; stored once each, sorted (as the server stores them)."""
        if isinstance(value, str) or not isinstance(value, (list, tuple, set, frozenset)):
            value = [value]
        wanted = {_lower_choice(state, RunState, "run state") for state in value}
        return sorted(wanted, key=lambda state: state.value)
