"""What an automation waits for: run metrics, run states, a schedule, or artifact events.

`event >> action` (or `event.then(action)`) makes a NewAutomation. `to_event_filter()` is the
`eventFilter` JSON the server stores for the event's `event_type`; `event_from_wire` rebuilds the
event from it.
"""

from __future__ import annotations

from datetime import timedelta
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, field_validator, model_validator

from .filters import (
    MetricChangeFilter,
    MetricThresholdFilter,
    MetricZScoreFilter,
    RunMetricFilter,
    RunStateFilter,
    metric_kind,
)
from .operators import And, Filter, to_mongo
from .scopes import ArtifactCollectionScope, AutomationScope, ProjectScope, RegistryScope, scope_validator

if TYPE_CHECKING:
    from .actions import Action
    from .automation import NewAutomation


class EventType(str, Enum):
    RUN_METRIC_THRESHOLD = "RUN_METRIC_THRESHOLD"
    RUN_METRIC_CHANGE = "RUN_METRIC_CHANGE"
    RUN_METRIC_ZSCORE = "RUN_METRIC_ZSCORE"
    RUN_STATE = "RUN_STATE"
    SCHEDULE = "SCHEDULE"
    CREATE_ARTIFACT = "CREATE_ARTIFACT"
    LINK_ARTIFACT = "LINK_ARTIFACT"
    ADD_ARTIFACT_ALIAS = "ADD_ARTIFACT_ALIAS"


class _Event(BaseModel):
    """Events are values: build a new one to change one."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def then(self, action: Action) -> NewAutomation:
        """A new automation running `action` on this event; save it to make it live."""
        from .automation import NewAutomation

        return NewAutomation(event=self, action=action)

    def __rshift__(self, action: Action) -> NewAutomation:
        return self.then(action)

    def to_event_filter(self) -> dict[str, Any]:
        raise NotImplementedError


def _project_scope(owner: str) -> Any:
    return BeforeValidator(scope_validator(owner, ProjectScope))


# ------------------------------------------------------------------ run events

_METRIC_EVENT_TYPES = {cls.__name__: EventType(cls.event_type)
                       for cls in (MetricThresholdFilter, MetricChangeFilter, MetricZScoreFilter)}


def _as_run_metric_filter(value: Any) -> Any:
    """A bare metric condition watches every run of the scope."""
    if isinstance(value, (MetricThresholdFilter, MetricChangeFilter, MetricZScoreFilter)):
        return RunMetricFilter(metric=value)
    return value


class OnRunMetric(_Event):
    """A run's metric satisfies a condition (threshold, change or z-score). `event_type` follows
    from the filter's kind."""

    event_type: Literal[EventType.RUN_METRIC_THRESHOLD, EventType.RUN_METRIC_CHANGE, EventType.RUN_METRIC_ZSCORE] = (
        EventType.RUN_METRIC_THRESHOLD)  # set from the filter by the validator below
    scope: Annotated[ProjectScope, _project_scope("OnRunMetric")]
    filter: Annotated[RunMetricFilter, BeforeValidator(_as_run_metric_filter)]

    @model_validator(mode="before")
    @classmethod
    def _event_type_of_filter(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        given = data.get("filter")
        metric = given.metric if isinstance(given, RunMetricFilter) else (
            given.get("metric") if isinstance(given, dict) else given)
        expected = _METRIC_EVENT_TYPES.get(metric_kind(metric) or "")
        if expected is None:
            return data
        if data.get("event_type") not in (None, expected, expected.value):
            raise ValueError(f"event_type {data['event_type']!r} does not fit the filter, whose event type is "
                             f"{expected.value}")
        return {**data, "event_type": expected}

    def to_event_filter(self) -> dict[str, Any]:
        return self.filter.model_dump(mode="json")


class OnRunState(_Event):
    """A run reaches one of the filter's states."""

    event_type: Literal[EventType.RUN_STATE] = EventType.RUN_STATE
    scope: Annotated[ProjectScope, _project_scope("OnRunState")]
    filter: RunStateFilter

    def to_event_filter(self) -> dict[str, Any]:
        return self.filter.model_dump(mode="json")


_CRON_RANGES = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12), ("day of week", 0, 7))


def check_cron(expression: str) -> str:
    """A 5-field cron expression (minute hour day-of-month month day-of-week, UTC; numbers, `*`,
    ranges, lists and /steps), checked field by field and with its spacing normalized."""
    fields = expression.split() if isinstance(expression, str) else []
    if len(fields) != 5:
        raise ValueError(f"cron takes 5 fields (minute hour day-of-month month day-of-week, in UTC), "
                         f"not {expression!r}")
    for text, (what, low, high) in zip(fields, _CRON_RANGES):
        for part in text.split(","):
            base, slash, step = part.partition("/")
            bounds = [] if base == "*" else base.split("-")
            good = (bool(base) and len(bounds) <= 2 and all(b.isdigit() and low <= int(b) <= high for b in bounds)
                    and (len(bounds) < 2 or int(bounds[0]) <= int(bounds[1]))
                    and (not slash or (step.isdigit() and int(step) > 0)))
            if not good:
                raise ValueError(f"cron {expression!r}: bad {what} {part!r} (numbers {low}-{high}, *, a-b, "
                                 f"lists with ',' and steps with '/')")
    return " ".join(fields)


def _seconds(period: timedelta | None) -> float | int | None:
    if period is None:
        return None
    seconds = period.total_seconds()
    return int(seconds) if seconds.is_integer() else seconds


class OnSchedule(_Event):
    """A time-based trigger (runbase's own), e.g. a daily digest of the runs `filter` selects.

    Give `cron` (5 fields, UTC) or `every` (a timedelta or seconds). Each firing covers the last
    `lookback`; left out, that is the period since the previous firing."""

    event_type: Literal[EventType.SCHEDULE] = EventType.SCHEDULE
    scope: Annotated[ProjectScope, _project_scope("OnSchedule")]
    cron: str | None = None
    every: timedelta | None = None
    lookback: timedelta | None = None
    filter: Filter = And(())

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        return None if value is None else check_cron(value)

    @field_validator("every", "lookback")
    @classmethod
    def _positive(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value <= timedelta(0):
            raise ValueError(f"a period must be positive, not {value}")
        return value

    @model_validator(mode="after")
    def _one_period(self) -> OnSchedule:
        if (self.cron is None) == (self.every is None):
            raise ValueError("an OnSchedule takes exactly one of cron='0 9 * * *' or every=timedelta(...)")
        return self

    def to_event_filter(self) -> dict[str, Any]:
        return {"run_filter": to_mongo(self.filter), "cron": self.cron, "every_seconds": _seconds(self.every),
                "lookback_seconds": _seconds(self.lookback)}


# ------------------------------------------------------------------ artifact events


class _ArtifactEvent(_Event):
    """`filter` is a MongoDB document over the artifact's fields, e.g. {"alias": {"$regex": "^prod"}}."""

    filter: Filter = And(())

    def to_event_filter(self) -> dict[str, Any]:
        return {"filter": to_mongo(self.filter)}


_ANY_ARTIFACT_SCOPE = (ArtifactCollectionScope, ProjectScope, RegistryScope)


class OnCreateArtifact(_ArtifactEvent):
    """A new artifact version is created in a collection."""

    event_type: Literal[EventType.CREATE_ARTIFACT] = EventType.CREATE_ARTIFACT
    scope: Annotated[ArtifactCollectionScope,
                     BeforeValidator(scope_validator("OnCreateArtifact", ArtifactCollectionScope))]


class OnLinkArtifact(_ArtifactEvent):
    """An artifact is linked to a collection (for instance of a registry)."""

    event_type: Literal[EventType.LINK_ARTIFACT] = EventType.LINK_ARTIFACT
    scope: Annotated[Union[ArtifactCollectionScope, ProjectScope, RegistryScope],
                     BeforeValidator(scope_validator("OnLinkArtifact", *_ANY_ARTIFACT_SCOPE))]


class OnAddArtifactAlias(_ArtifactEvent):
    """An alias is added to an artifact."""

    event_type: Literal[EventType.ADD_ARTIFACT_ALIAS] = EventType.ADD_ARTIFACT_ALIAS
    scope: Annotated[Union[ArtifactCollectionScope, ProjectScope, RegistryScope],
                     BeforeValidator(scope_validator("OnAddArtifactAlias", *_ANY_ARTIFACT_SCOPE))]


Event = Union[OnRunMetric, OnRunState, OnSchedule, OnCreateArtifact, OnLinkArtifact, OnAddArtifactAlias]
_ARTIFACT_EVENTS: dict[str, type[OnCreateArtifact | OnLinkArtifact | OnAddArtifactAlias]] = {
    EventType.CREATE_ARTIFACT: OnCreateArtifact, EventType.LINK_ARTIFACT: OnLinkArtifact,
    EventType.ADD_ARTIFACT_ALIAS: OnAddArtifactAlias,
}


def event_from_wire(event_type: str, event_filter: dict[str, Any], scope: AutomationScope) -> Event:
    """An event from a Trigger's eventType and eventFilter as the server returns them."""
    if event_type in (EventType.RUN_METRIC_THRESHOLD, EventType.RUN_METRIC_CHANGE, EventType.RUN_METRIC_ZSCORE):
        return OnRunMetric(event_type=event_type, scope=scope, filter=event_filter)
    if event_type == EventType.RUN_STATE:
        return OnRunState(scope=scope, filter=event_filter)
    if event_type == EventType.SCHEDULE:
        return OnSchedule(scope=scope, cron=event_filter.get("cron"), every=event_filter.get("every_seconds"),
                          lookback=event_filter.get("lookback_seconds"), filter=event_filter.get("run_filter", {}))
    if event_type in _ARTIFACT_EVENTS:
        return _ARTIFACT_EVENTS[event_type](scope=scope, filter=event_filter.get("filter", {}))
    raise ValueError(f"this runbase client does not know event type {event_type!r}; upgrade runbase")


def with_scope(event: Event, scope: Any) -> Event:
    """The same event in another scope (checked as the event's constructor checks it)."""
    return type(event).model_validate({**dict(event), "scope": scope})
