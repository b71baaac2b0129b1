"""The Run a training script logs to: step/commit semantics, config, summary, lifecycle."""

from __future__ import annotations

import datetime
import enum
import json
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .config import Config
from .errors import UsageError
from .metrics import Metric, MetricRules
from .summary import Summary

if TYPE_CHECKING:
    from .console import ConsoleCapture
    from .sender import Sender
    from .settings import Settings

RESERVED_KEYS = frozenset(("_step", "_runtime", "_timestamp"))
SCALARS = (int, float, str, bool, type(None))
MAX_ALERT_TITLE = 63  # W&B: "must be less than 64 characters long"
MAX_ALERT_TEXT = 10_000  # the server's limit; checked here because alerts are sent in the background
MAX_ALERT_WAIT = datetime.timedelta(days=366)
DEFAULT_ALERT_WAIT = datetime.timedelta(minutes=1)  # W&B's default


class AlertLevel(str, enum.Enum):
    """How serious a run.alert() is."""

    INFO = "INFO"
    WARN = "WARN"
    ERROR = "ERROR"


def _alert_fields(title: Any, text: Any, level: Any, wait_duration: Any) -> dict[str, Any]:
    """NotifyScriptableRunAlertInput fields for run.alert(), or ValueError/TypeError naming what is wrong."""
    if not isinstance(title, str) or not isinstance(text, str):
        raise TypeError("run.alert() takes a title and a text that are strings")
    if not title or len(title) > MAX_ALERT_TITLE:
        raise ValueError(f"an alert's title must be 1 to {MAX_ALERT_TITLE} characters, not {len(title)}")
    if len(text) > MAX_ALERT_TEXT:
        raise ValueError(f"an alert's text must be at most {MAX_ALERT_TEXT} characters, not {len(text)}")
    if level is None:
        level = AlertLevel.INFO
    elif not isinstance(level, AlertLevel):
        try:
            level = AlertLevel(level)
        except ValueError:
            raise ValueError(f"level must be one of 'INFO', 'WARN' or 'ERROR' (or runbase.AlertLevel), "
                             f"not {level!r}") from None
    if wait_duration is None:
        wait_duration = DEFAULT_ALERT_WAIT
    if isinstance(wait_duration, datetime.timedelta):
        seconds = wait_duration.total_seconds()
    elif isinstance(wait_duration, (int, float)) and not isinstance(wait_duration, bool):
        seconds = wait_duration
    else:
        raise TypeError(f"wait_duration must be seconds (int or float) or a datetime.timedelta, "
                        f"not {type(wait_duration).__name__}")
    if not 0 <= seconds <= MAX_ALERT_WAIT.total_seconds():  # NaN fails too
        raise ValueError(f"wait_duration must be from 0 seconds to {MAX_ALERT_WAIT.days} days, not {wait_duration!r}")
    return {"title": title, "text": text, "severity": level.value, "waitDuration": float(seconds)}


def _normalized(value: Any, key: str) -> tuple[Any, bool]:
    """A JSON-ready copy of a logged value that is not a plain scalar, and whether it holds NaN or infinity."""
    kind = type(value)
    if kind.__module__ == "numpy":
        return _normalized(value.tolist(), key)  # numpy scalars become Python scalars too
    if kind is float:
        return value, value - value != 0.0
    if kind in SCALARS:
        return value, False
    if isinstance(value, (list, tuple)):
        items = [_normalized(item, key) for item in value]
        return [item for item, _ in items], any(flag for _, flag in items)
    if isinstance(value, Mapping):
        items = {str(k): _normalized(v, key) for k, v in value.items()}
        return {k: item for k, (item, _) in items.items()}, any(flag for _, flag in items.values())
    raise TypeError(f"cannot log {key!r}: values of type {kind.__name__} are not supported "
                    "(log numbers, strings, booleans, lists, dicts or numpy arrays)")


class Run:
    """A unit of computation logged to runbase; made by runbase.init()."""

    def __init__(
        self,
        settings: Settings,
        entity: str | None,
        project: str,
        run_id: str,
        name: str | None,
        run_dir: str | None,
        sender: Sender | None,
        config: Config,
        summary: Summary,
        start_step: int = 0,
        resumed: bool = False,
        tags: tuple[str, ...] = (),
        notes: str | None = None,
        group: str | None = None,
        job_type: str | None = None,
        base_url: str | None = None,
    ) -> None:
        self._settings = settings
        self._entity = entity
        self._project = project
        self._id = run_id
        self._name = name
        self._dir = run_dir
        self._sender = sender
        self._config = config
        self._summary = summary
        self._metrics = MetricRules()
        self._step = start_step
        self._pending: dict[str, Any] = {}
        # NaN and infinities need the slower JSON encoder; most rows never have them.
        self._pending_nonfinite = False
        self._resumed = resumed
        self._tags = tuple(tags)
        self._notes = notes
        self._group = group
        self._job_type = job_type
        self._base_url = base_url
        self._start_time = time.time()
        self._disabled = settings.mode == "disabled"
        self._finished = False
        self._console: ConsoleCapture | None = None  # set by lifecycle when the console is captured
        self._max_row_bytes = settings.x_max_row_bytes

    # -- logging ---------------------------------------------------------------------
    def log(self, data: dict[str, Any], step: int | None = None, commit: bool | None = None) -> None:
        """Add data to the current step; commit the step unless told to accumulate."""
        if self._disabled:
            return
        if self._finished:
            raise UsageError("this run has finished; call runbase.init() to start a new one")
        if not isinstance(data, Mapping):
            raise TypeError(f"run.log() takes a dict of values, not {type(data).__name__}")
        values = self._flatten(data, "", {})
        if step is not None:
            if isinstance(step, bool) or not isinstance(step, int):
                if type(step).__module__ == "numpy" and float(step).is_integer():
                    step = int(step)
                else:
                    raise TypeError(f"step must be an int, not {type(step).__name__}")
            if step < self._step:
                self._warn(f"step {step} is before the current step {self._step}; this data was dropped: "
                           f"{sorted(values)[:10]}")
                return
            if step > self._step:
                if self._pending:
                    self._commit()
                self._step = step
            if commit is None:
                commit = False
        elif commit is None:
            commit = True
        self._pending.update(values)
        if commit:
            self._commit()

    def _flatten(self, data: Mapping[str, Any], prefix: str, out: dict[str, Any]) -> dict[str, Any]:
        size = 0
        for key, value in data.items():
            if type(key) is not str:
                raise TypeError(f"run.log() keys must be strings, got {key!r} ({type(key).__name__})")
            if key in RESERVED_KEYS and not prefix:
                raise UsageError(f"{key!r} is set by runbase; pass a step with run.log(data, step=...)")
            kind = type(value)
            if kind is float:
                if value - value != 0.0:  # NaN or an infinity
                    self._pending_nonfinite = True
                out[prefix + key] = value
                continue
            if kind is int or kind is bool:
                out[prefix + key] = value
                continue
            if kind is dict:
                self._flatten(value, f"{prefix}{key}/", out)
                continue
            value, nonfinite = _normalized(value, prefix + key)
            if nonfinite:
                self._pending_nonfinite = True
            if isinstance(value, (str, list)):
                size += len(value) if isinstance(value, str) else len(json.dumps(value))
                if size > self._max_row_bytes:
                    raise ValueError(f"run.log(): {prefix + key!r} makes this step about {size / 2**20:.1f} MiB, "
                                     f"over the {self._max_row_bytes / 2**20:.0f} MiB limit for one step; "
                                     "nothing from this call was logged (log large data as files instead)")
            out[prefix + key] = value
        return out

    def _commit(self) -> None:
        row = self._pending
        nonfinite = self._pending_nonfinite
        self._pending = {}
        self._pending_nonfinite = False
        self._metrics.sync_steps(row)
        now = time.time()
        row["_step"] = self._step
        row["_runtime"] = now - self._start_time
        row["_timestamp"] = now
        self._metrics.observe(row, self._summary)
        self._step += 1
        if self._sender is not None:
            self._sender.row(row, nonfinite)

    def define_metric(
        self,
        name: str,
        step_metric: str | Metric | None = None,
        step_sync: bool | None = None,
        hidden: bool | None = None,
        summary: str | None = None,
        goal: str | None = None,
        overwrite: bool | None = None,
    ) -> Metric:
        """Customize how a metric (or a glob like "val/*") is summarized and plotted."""
        if isinstance(step_metric, Metric):
            step_metric = step_metric.name
        return self._metrics.define(name, step_metric=step_metric, step_sync=step_sync, hidden=hidden,
                                    summary=summary, goal=goal, overwrite=overwrite)

    # -- lifecycle -------------------------------------------------------------------
    def finish(self, exit_code: int | None = None, quiet: bool | None = None) -> None:
        """Send what is left and mark the run finished (or failed for a non-zero exit code)."""
        from . import lifecycle

        lifecycle.finish_run(self, exit_code)

    def __enter__(self) -> Run:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> bool:
        self.finish(exit_code=1 if exc_type is not None else 0)
        return False

    def _update(self, **fields: Any) -> None:
        if self._sender is not None:
            self._sender.update_run(fields)

    def _warn(self, message: str) -> None:
        if not self._settings.silent:
            from .sender import print_warning

            print_warning(message)

    # -- properties --------------------------------------------------------------------
    @property
    def config(self) -> Config:
        return self._config

    @property
    def summary(self) -> Summary:
        return self._summary

    @property
    def id(self) -> str:
        return self._id

    @property
    def name(self) -> str | None:
        return self._name

    @name.setter
    def name(self, value: str) -> None:
        self._name = value
        self._update(displayName=value)

    @property
    def notes(self) -> str | None:
        return self._notes

    @notes.setter
    def notes(self, value: str) -> None:
        self._notes = value
        self._update(notes=value)

    @property
    def tags(self) -> tuple[str, ...]:
        return self._tags

    @tags.setter
    def tags(self, value: Any) -> None:
        tags = tuple(value)
        if not all(isinstance(tag, str) for tag in tags):
            raise TypeError("tags must be strings")
        self._tags = tags
        self._update(tags=list(tags))

    @property
    def group(self) -> str | None:
        return self._group

    @property
    def job_type(self) -> str | None:
        return self._job_type

    @property
    def project(self) -> str:
        return self._project

    @property
    def entity(self) -> str | None:
        return self._entity

    @property
    def path(self) -> str:
        return f"{self._entity}/{self._project}/{self._id}"

    @property
    def url(self) -> str | None:
        if self._settings.mode != "online":
            return None
        return f"{self._base_url}/{self._entity}/{self._project}/runs/{self._id}"

    @property
    def project_url(self) -> str | None:
        return None if self._settings.mode != "online" else f"{self._base_url}/{self._entity}/{self._project}"

    @property
    def dir(self) -> str | None:
        return self._dir

    @property
    def start_time(self) -> float:
        return self._start_time

    @property
    def step(self) -> int:
        return self._step

    @property
    def resumed(self) -> bool:
        return self._resumed

    @property
    def offline(self) -> bool:
        return self._settings.mode == "offline"

    @property
    def disabled(self) -> bool:
        return self._disabled

    @property
    def settings(self) -> Settings:
        from dataclasses import replace

        return replace(self._settings, api_key=None)

    @property
    def sweep_id(self) -> None:
        return None

    def alert(self, title: str, text: str, level: str | AlertLevel | None = None,
              wait_duration: int | float | datetime.timedelta | None = None) -> None:
        """Notify the entity's Slack channels; an alert with the same title is not sent again within
        wait_duration (default one minute). Sent in the background after what was logged before it,
        and kept for `runbase sync` when offline. Arguments are checked in every mode, then disabled
        runs do nothing."""
        fields = _alert_fields(title, text, level, wait_duration)
        if self._disabled:
            return
        if self._finished:
            raise UsageError("this run has finished; alerts must be sent while it is active")
        if self._sender is not None:
            self._sender.alert(fields)

    # -- not built yet ---------------------------------------------------------------------
    def log_artifact(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("Run.log_artifact() is not built yet (it comes with artifacts)")

    def use_artifact(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("Run.use_artifact() is not built yet (it comes with artifacts)")

    def save(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("Run.save() is not built yet (it comes with run files)")

    def __repr__(self) -> str:
        return f"<Run {self.path} ({'disabled' if self._disabled else self._settings.mode})>"


