"""The Run a training script logs to: step/commit semantics, config, summary, lifecycle."""

from __future__ import annotations

import atexit
import base64
import datetime
import enum
import fnmatch
import glob
import json
import os
import re
import threading
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

from .artifacts.code import _is_py_requirements_or_dockerfile, code_artifact, exclude_runbase_fn
from .config import Config, unstorable
from .errors import CommError, UsageError
from .links import page_url
from .metrics import Metric, MetricRules
from .settings import filled
from .states import exit_status
from .summary import Summary

if TYPE_CHECKING:
    from .apis.public.files import File
    from .artifacts import Artifact
    from .artifacts.transfer import ArtifactJob
    from .connection import Connection
    from .console import ConsoleCapture
    from .data_types.media import RunMediaStore
    from .files import FileClient
    from .sender import Sender
    from .settings import Settings
    from .system import SystemSampler
    from .watcher import Module, Watcher

RESERVED_KEYS = frozenset(("_step", "_runtime", "_timestamp"))
SCALARS = (int, float, str, bool, type(None))
MAX_ALERT_TITLE = 63  # W&B: "must be less than 64 characters long"
MAX_ALERT_TEXT = 10_000  # the server's limit; checked here because alerts are sent in the background
MAX_ALERT_WAIT = datetime.timedelta(days=366)
DEFAULT_ALERT_WAIT = datetime.timedelta(minutes=1)  # W&B's default
SAVE_POLICIES = ("live", "now", "end")
MODEL_REGISTRY = "wandb-registry-model"
STATUS_WAIT = 10.0  # seconds run.status() waits for what was logged before it to be recorded


@dataclass
class SavedFile:
    """A file run.save() matched: where it is, when to upload it, and what was last sent."""

    source: str
    policy: str
    uploaded_digest: str | None = None


@dataclass
class RunStatus:
    """What run.status() returns, as W&B's RunStatus."""

    sync_items_total: int = 0
    sync_items_pending: int = 0
    sync_time: datetime.datetime | None = None


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


_CHART = object()  # what _rich returns for a custom chart, which adds its table to the row instead
# This process's id, kept here on fork (os.getpid() is a system call, and run.log() asks on every call).
_pid = os.getpid()


def _after_fork_in_child() -> None:
    global _pid
    _pid = os.getpid()


if hasattr(os, "register_at_fork"):  # POSIX; Windows cannot fork
    os.register_at_fork(after_in_child=_after_fork_in_child)
MAX_ARTIFACT_NAME = 128  # the server's limit, which a table's artifact name (run-ID-KEY) must fit


def _is_rich(value: Any) -> bool:
    """A value that run.log converts (see runbase.data_types.encoding): told apart without importing it
    for the numbers, strings, lists and dicts most calls hold."""
    if isinstance(value, (list, tuple)):
        return any(_is_rich(item) for item in value)
    if type(value).__module__ in ("builtins", "numpy") and not hasattr(value, "ndim"):
        return False
    from .data_types.encoding import is_rich

    return is_rich(value) or _is_chart(value)


def _is_chart(value: Any) -> bool:
    return type(value).__name__ == "CustomChart" and type(value).__module__.startswith("runbase.plot")


def _byte_size(size: int) -> str:
    """A size for a person: bytes, KiB or MiB as fits (a limit set to a few bytes is not "0 MiB")."""
    if size < 1024:
        return f"{size} bytes"
    return f"{size / 1024:.1f} KiB" if size < 2**20 else f"{size / 2**20:.1f} MiB"


def _table_artifact_name(run_id: str, key: str) -> str:
    """W&B's name for a logged table's artifact: run-ID-KEY, with characters an artifact name may not hold
    dropped and a short checksum of the key added when any were, so that keys stay apart."""
    def tag(text: str) -> str:
        return base64.urlsafe_b64encode(zlib.crc32(text.encode()).to_bytes(4, "big")).decode()[:6]

    if len(run_id) > MAX_ARTIFACT_NAME // 2:  # a very long run id leaves the key no room: shorten it too
        run_id = f"{run_id[:MAX_ARTIFACT_NAME // 4]}-{tag(run_id)}"
    room = MAX_ARTIFACT_NAME - len(f"run-{run_id}-")
    kept = re.sub(r"[^A-Za-z0-9_.-]", "", key)
    if kept == key and len(key) <= room:
        return f"run-{run_id}-{key}"
    return f"run-{run_id}-{kept[:room - 7]}-{tag(key)}"


def _table_entry(key: str) -> str:
    """A table's file name in its artifact: the key as media files name it (slashes kept as folders)."""
    from .data_types.media import safe_key

    return safe_key(key)


def _logged_key(key: Any, prefix: str) -> str:
    """A run.log() key (nested ones after their parent's `prefix`), or an error naming it: non-strings and
    text the server cannot store are refused before anything from the call is queued."""
    if type(key) is not str:
        raise TypeError(f"run.log() keys must be strings, got {key!r} ({type(key).__name__}) under {prefix!r}"
                        if prefix else f"run.log() keys must be strings, got {key!r} ({type(key).__name__})")
    if "\x00" in key or not key.isascii():
        reason = unstorable(key)
        if reason is not None:
            raise ValueError(f"run.log() key {prefix + key!r} {reason}; the server cannot store it; nothing from "
                             "this call was logged")
    return key


def _normalized(value: Any, key: str) -> tuple[Any, bool]:
    """A JSON-ready copy of a logged value that is not a plain scalar, and whether it holds NaN or infinity."""
    kind = type(value)
    if kind.__module__ == "numpy":
        return _normalized(value.tolist(), key)  # numpy scalars become Python scalars too
    if kind is float:
        return value, value - value != 0.0
    if kind is str:
        reason = unstorable(value)
        if reason is not None:
            raise ValueError(f"cannot log {key!r}: its text {reason}; the server cannot store it; nothing from "
                             "this call was logged")
        return value, False
    if kind in SCALARS:
        return value, False
    if isinstance(value, (list, tuple)):
        items = [_normalized(item, key) for item in value]
        return [item for item, _ in items], any(flag for _, flag in items)
    if isinstance(value, Mapping):
        entries = {_logged_key(k, key + "/"): _normalized(v, key) for k, v in value.items()}
        return {k: item for k, (item, _) in entries.items()}, any(flag for _, flag in entries.values())
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
        *,
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
        summary._encode = self._summary_value
        self._metrics = MetricRules.from_wandb(config.get("_wandb"))  # a resumed run's definitions go on
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
        self._start_time = time.time() if settings.x_start_time is None else settings.x_start_time
        self._disabled = settings.mode == "disabled"
        self._finished = False
        self._pid = _pid  # the process that started the run: a forked child has the run but not its threads
        self._fork_warned = False
        self._preempting = False  # mark_preempting() was called: SIGTERM then ends the run preempted
        self._console: ConsoleCapture | None = None  # set by lifecycle when the console is captured
        self._system: SystemSampler | None = None  # set by lifecycle: the system metrics sampler
        self._metadata: threading.Thread | None = None  # set by lifecycle: gathers the run's metadata
        # W&B's x_file_stream_max_line_bytes is its limit on one history line: the lower limit wins.
        self._max_row_bytes = min(filled(settings.x_max_row_bytes, "x_max_row_bytes"),
                                  settings.x_file_stream_max_line_bytes or 2**63)
        self._saved: dict[str, SavedFile] = {}  # run file name -> the file run.save() matched
        self._file_client: FileClient | None = None
        self._end_hook_registered = False
        self._uploads: list[ArtifactJob] = []  # artifact uploads in flight, which a use by name waits for
        self._media: list[str] = []  # run files the log() call under way stored (its media), uploaded if it succeeds
        self._charts: dict[str, dict[str, Any]] = {}  # custom charts that call logged: key -> their panel config
        self._tables: list[Artifact] = []  # the run_table artifacts of the tables that call logged
        # the class names of the image layers that call logged, as W&B's config keeps them: kind -> layer -> names
        self._labels: dict[str, dict[str, dict[str, str]]] = {}
        self._media_step = start_step
        self._watcher: Watcher | None = None  # the models run.watch() hooked into

    # -- logging ---------------------------------------------------------------------
    def log(self, data: dict[str, Any], step: int | None = None, commit: bool | None = None) -> None:
        """Add data to the current step; commit the step unless told to accumulate."""
        if self._disabled or self._forked("log()"):
            return
        if self._finished:
            raise UsageError("this run has finished; call runbase.init() to start a new one")
        if type(data) is not dict and not isinstance(data, Mapping):
            raise TypeError(f"run.log() takes a dict of values, not {type(data).__name__}")
        if step is not None:
            if isinstance(step, bool) or not isinstance(step, int):
                if type(step).__module__ == "numpy" and float(step).is_integer():
                    step = int(step)
                else:
                    raise TypeError(f"step must be an int, not {type(step).__name__}")
            if step < self._step:
                self._warn(f"step {step} is before the current step {self._step}; this data was dropped: "
                           f"{sorted(map(str, data))[:10]}")
                return
        self._media_step = self._step if step is None else step  # what the files this call stores are named by
        nonfinite_before = self._pending_nonfinite
        try:
            values = self._flatten(data, "", {})
        except BaseException:
            self._pending_nonfinite = nonfinite_before  # nothing of a refused call is kept
            self._media, self._charts, self._tables, self._labels = [], {}, [], {}
            raise
        if self._media or self._charts or self._tables or self._labels:
            self._keep_media()
        if step is not None:
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
            if type(key) is not str or "\x00" in key or not key.isascii():  # the common case without a call
                _logged_key(key, prefix)
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
            if _is_rich(value):
                value = self._rich(prefix + key, value, out)
                if value is _CHART:
                    continue
            value, nonfinite = _normalized(value, prefix + key)
            if nonfinite:
                self._pending_nonfinite = True
            if isinstance(value, (str, list)):
                size += len(value) if isinstance(value, str) else len(json.dumps(value))
                if size > self._max_row_bytes:
                    raise ValueError(f"run.log(): {prefix + key!r} makes this step about {_byte_size(size)}, "
                                     f"over the {_byte_size(self._max_row_bytes)} limit for one step; "
                                     "nothing from this call was logged (log large data as files instead)")
            out[prefix + key] = value
        return out

    def _rich(self, key: str, value: Any, out: dict[str, Any]) -> Any:
        """A rich value's descriptor (see runbase.data_types), its files stored in the run directory. A custom
        chart logs its table under its own key instead, and its panel goes to the config, as in W&B."""
        from .data_types.encoding import encode

        if _is_chart(value):
            table_key = value.table_key(key)
            out[table_key] = self._rich(table_key, value.table, out)
            self._charts[key] = value.config_value(table_key)
            return _CHART
        return encode(value, key, lambda: self._media_store(key))

    def _media_store(self, key: str, step: int | str | None = None) -> RunMediaStore:
        from .data_types.media import RunMediaStore

        if self._dir is None:
            raise UsageError("this run has no directory to store media in")
        return RunMediaStore(Path(self._dir), key, self._media_step if step is None else step, self._media.append,
                             tables=self._log_table_artifact, labels=self._record_labels)

    def _record_labels(self, kind: str, layer: str, labels: dict[str, str]) -> None:
        self._labels.setdefault(kind, {})[layer] = labels

    def _summary_value(self, key: str, value: Any) -> Any:
        """What run.summary[key] = value stores: a rich value as run.log stores it (its media named
        KEY_summary_SHA20, as in W&B), and an array of more than 32 elements W&B's statistics of it."""
        if not _is_rich(value):
            return value
        from .data_types.encoding import encode_summary

        if self._disabled or self._dir is None:  # described as anywhere else; nothing is stored
            from .data_types.media import DiscardingMediaStore

            return encode_summary(value, key, DiscardingMediaStore)
        described = encode_summary(value, key, lambda: self._media_store(key, "summary"))
        self._keep_media()
        return described

    def _keep_media(self) -> None:
        """After a log() call succeeded: upload the files it stored, and record its charts' panels and its image
        layers' class names."""
        if self._media:
            self._send_files(list(dict.fromkeys(self._media)))
        if self._charts:
            charts = (self._config.get("_wandb") or {}).get("visualize") or {}
            self._bookkeep("visualize", {**charts, **self._charts})
        for kind, layers in self._labels.items():
            self._bookkeep(kind, {**((self._config.get("_wandb") or {}).get(kind) or {}), **layers})
        for artifact in self._tables:
            self._log_artifact(artifact, None, None, None)
        self._media, self._charts, self._tables, self._labels = [], {}, [], {}

    def _bookkeep(self, key: str, value: Any) -> None:
        """Set one entry of W&B's bookkeeping in the config (`_wandb`: custom charts, metric definitions)."""
        self._config.update({"_wandb": {**(self._config.get("_wandb") or {}), key: value}}, allow_val_change=True)

    def _log_table_artifact(self, key: str, table_file: Path, cells: list[str]) -> None:
        """W&B keeps a logged table as the artifact run-ID-KEY (type run_table) too, which is how its users
        read tables back (`artifact.get(KEY)`): the same JSON file and media, so nothing is uploaded twice."""
        from .artifacts import Artifact

        artifact = Artifact(_table_artifact_name(self._id, key), "run_table")
        artifact.add_file(os.fspath(table_file), name=f"{_table_entry(key)}.table.json")
        for name in dict.fromkeys(cells):
            artifact.add_file(os.path.join(self._dir or "", *name.split("/")), name=name)
        self._tables.append(artifact)  # logged once the whole call is accepted

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
        """Customize how a metric (or a glob like "val/*") is summarized and plotted; the definitions go to the
        config as W&B's `_wandb.m`, where the web app finds each chart's step metric."""
        if isinstance(step_metric, Metric):
            step_metric = step_metric.name
        metric = self._metrics.define(name, step_metric=step_metric, step_sync=step_sync, hidden=hidden,
                                      summary=summary, goal=goal, overwrite=overwrite)
        self._bookkeep("m", self._metrics.wandb_records())
        return metric

    # -- watching PyTorch models -----------------------------------------------------
    def watch(self, models: Module | Sequence[Module], criterion: Any = None,
              log: Literal["gradients", "parameters", "all"] | None = "gradients", log_freq: int = 1000,
              idx: int | None = None, log_graph: bool = False) -> None:
        """Log a PyTorch model's gradient and/or parameter histograms every `log_freq` batches onto the next
        logged step, and with log_graph its layers as the summary's `graph_IDX` (see runbase.watcher).
        `criterion` is taken, as W&B takes it, and changes nothing that is logged."""
        self._watching().watch(models, criterion, log=log, log_freq=log_freq, idx=idx, log_graph=log_graph)

    def unwatch(self, models: Module | Sequence[Module] | None = None) -> None:
        """Take run.watch()'s hooks off the given models, or off every watched model."""
        self._watching().unwatch(models)

    def _watching(self) -> Watcher:
        from .watcher import Watcher

        if self._watcher is None:
            self._watcher = Watcher(self)
        return self._watcher

    # -- lifecycle -------------------------------------------------------------------
    def finish(self, exit_code: int | None = None, quiet: bool | None = None) -> None:
        """Send what is left and mark the run finished (or failed for a non-zero exit code)."""
        from . import lifecycle

        lifecycle.finish_run(self, exit_code)

    def __enter__(self) -> Run:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> Literal[False]:
        """As W&B's: an exception out of the block is exit code 1; but sys.exit(n) inside it is n, the status
        the process exits with."""
        self.finish(exit_code=exit_status(exc.code) if isinstance(exc, SystemExit) else int(exc is not None))
        return False

    def _update(self, **fields: Any) -> None:
        if self._sender is not None:
            self._sender.update_run(fields)

    def _warn(self, message: str) -> None:
        from .sender import warner

        warner(self._settings)(message)

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
        return page_url(self._base_url, self._entity, self._project, "runs", self._id)

    @property
    def project_url(self) -> str | None:
        return None if self._settings.mode != "online" else page_url(self._base_url, self._entity, self._project)

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
    def sweep_id(self) -> str | None:
        """The sweep the run belongs to (its agent set the sweep_id setting), or None."""
        return self._settings.sweep_id

    @property
    def sweep_url(self) -> str | None:
        """Where the run's sweep is seen, or None (offline runs and runs outside a sweep have none)."""
        return (self._settings.sweep_url or None) if self._settings.mode == "online" else None

    def alert(self, title: str, text: str, level: str | AlertLevel | None = None,
              wait_duration: int | float | datetime.timedelta | None = None) -> None:
        """Notify the entity's Slack channels; an alert with the same title is not sent again within
        wait_duration (default one minute). Sent in the background after what was logged before it,
        and kept for `runbase sync` when offline. Arguments are checked in every mode, then disabled
        runs do nothing."""
        fields = _alert_fields(title, text, level, wait_duration)
        if self._disabled or self._forked("alert()"):
            return
        if self._finished:
            raise UsageError("this run has finished; alerts must be sent while it is active")
        if self._sender is not None:
            self._sender.alert(fields)

    # -- sync status, display, preemption ------------------------------------------------------
    def status(self) -> RunStatus:
        """How much of what the run recorded the server has: the run's records meant for it, those not sent
        yet (all of them offline, until `runbase sync`), and when it last took something (local time)."""
        self._check_active("status()")
        if self._sender is None:
            return RunStatus()
        total, pending, synced_at = self._sender.status(STATUS_WAIT)
        return RunStatus(sync_items_total=total, sync_items_pending=pending,
                         sync_time=datetime.datetime.fromtimestamp(synced_at) if synced_at is not None else None)

    def display(self, height: int = 420, hidden: bool = False) -> bool:
        """Show the run's page in the Jupyter notebook running this; False where there is none to show it in
        (outside Jupyter, a silent, offline or disabled run)."""
        from . import jupyter

        self._check_active("display()")
        markup = jupyter.run_html(self.url or "", self._name or self._id, height=height, hidden=bool(hidden))
        if self._settings.silent or self.url is None or jupyter.shell() is None:
            return False
        return jupyter.show(markup)

    def mark_preempting(self) -> None:
        """Tell the server at once (from this thread: the process may be killed any moment) that this run is
        about to be preempted: if it then goes silent, or is SIGTERMed, it is preempted rather than crashed."""
        self._check_active("mark_preempting()")
        if self._forked("mark_preempting()"):
            return
        self._preempting = True
        if self._sender is not None:
            self._sender.preempting()

    # -- files ---------------------------------------------------------------------------------
    def save(self, glob_str: str | os.PathLike[str], base_path: str | os.PathLike[str] | None = None,
             policy: str = "live") -> list[str]:
        """Save the files matching a glob to the run, keeping their paths below `base_path`.

        policy "now" uploads them at once, "end" when the run finishes, "live" at once and again at
        finish if they changed (runbase does not watch files: there is no upload between the two).
        The glob is expanded now, as in W&B. Returns the links made in the run directory. Uploads
        happen in the calling thread; offline runs keep the links, and `runbase sync` uploads the files."""
        if policy not in SAVE_POLICIES:
            raise ValueError(f"policy must be one of 'live', 'now' or 'end', not {policy!r}")
        if self._disabled:
            return []
        if self._finished:
            raise UsageError("this run has finished; files must be saved while it is active")
        pattern = os.path.abspath(os.fspath(glob_str))
        if base_path is not None:
            base = os.path.abspath(os.fspath(base_path))
        elif self._dir and pattern.startswith(os.path.abspath(self._dir) + os.sep):
            base = os.path.abspath(self._dir)  # files already in the run directory keep their names there
        elif os.path.isabs(os.fspath(glob_str)):
            base = os.path.dirname(os.path.dirname(pattern))  # W&B keeps one directory level
        else:
            base = os.getcwd()
        if os.path.relpath(pattern, base).split(os.sep)[0] == os.pardir:
            raise ValueError(f"the glob {os.fspath(glob_str)!r} may not reach above base_path {base!r}")
        matched = sorted(path for path in glob.glob(pattern) if os.path.isfile(path))
        if not matched:
            self._warn(f"run.save({os.fspath(glob_str)!r}) matched no files")
            return []
        from .files import name_under

        saved = {name_under(path, base): os.path.abspath(path) for path in matched}
        links = [self._link(name, source) for name, source in saved.items()]
        for name, source in saved.items():
            self._saved[name] = SavedFile(source, policy)
        if self._settings.mode != "online":
            self._send_files(list(saved))  # uploaded by `runbase sync`, as they are then
            return links
        if policy != "now":
            self._upload_later()
        if policy != "end":
            try:
                self._upload([name for name in saved])
            except CommError as exc:  # a training script must not die for its server: finish() tries again
                self._warn(f"saved files were not uploaded now ({exc}); they are tried again when the run finishes")
                self._upload_later()
        return links

    def _uploadable(self, names: list[str]) -> list[str]:
        """The names that no ignore_globs pattern matches (patterns are relative to the files directory)."""
        globs = self._settings.ignore_globs or ()
        return [name for name in names if not any(fnmatch.fnmatchcase(name, pattern) for pattern in globs)]

    def _send_files(self, names: list[str]) -> None:
        """Run files for the background uploads (recorded for `runbase sync` too), less the ignored ones."""
        kept = self._uploadable(names)
        if kept and self._sender is not None:
            self._sender.files(kept)

    def _upload_later(self) -> None:
        if not self._end_hook_registered:
            atexit.register(self._upload_at_end)  # runs before lifecycle's exit hook, registered earlier
            self._end_hook_registered = True

    def _link(self, name: str, source: str) -> str:
        """A symlink to the source in the run directory, as W&B makes."""
        link = os.path.join(self._dir or "", *name.split("/"))
        if os.path.abspath(link) == source:
            return link
        if os.path.islink(link):
            os.remove(link)
        elif os.path.exists(link):
            raise UsageError(f"{link} already exists in the run directory; save the file under another name")
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(source, link)
        return link

    def _files(self) -> FileClient:
        if self._file_client is None:
            from .connection import Connection
            from .files import FileClient

            self._file_client = FileClient(Connection.from_settings(self._settings, host=self._base_url))
        return self._file_client

    def _upload(self, names: list[str]) -> None:
        """Upload the saved files named, skipping those unchanged since their last upload."""
        from .files import digest_of

        changed = []
        for name in self._uploadable(names):
            entry = self._saved[name]
            if not os.path.isfile(entry.source):
                self._warn(f"saved file {entry.source} is gone; {name!r} was not uploaded")
                continue
            if entry.uploaded_digest is None or digest_of(entry.source)[0] != entry.uploaded_digest:
                changed.append(name)
        if not changed:
            return
        uploaded = self._files().upload(self._entity, self._project, self._id,
                                        [(name, self._saved[name].source) for name in changed])
        for fields in uploaded:
            self._saved[fields.name].uploaded_digest = fields.digest

    def _upload_at_end(self) -> None:
        """Upload the "end" and "live" files, and "now" files whose upload failed, once, from finish() or at
        exit; failures are warned, not raised, so that the run still finishes. A forked child, which has the
        run (and this exit hook) but is not its process, uploads nothing."""
        if self._pid != _pid:
            return
        if self._end_hook_registered:
            atexit.unregister(self._upload_at_end)
            self._end_hook_registered = False
            try:
                self._upload([name for name, entry in self._saved.items()
                              if entry.policy != "now" or entry.uploaded_digest is None])
            except Exception as exc:  # noqa: BLE001 - finishing must go on; the files stay in the run directory
                self._warn(f"saved files were not uploaded at the end of the run: {exc}")
        if self._file_client is not None:
            self._file_client.connection.close()
            self._file_client = None

    def upload_file(self, path: str | os.PathLike[str], root: str | os.PathLike[str] = ".") -> File:
        """Upload one file now, named by its path relative to `root` (as the Public API's Run.upload_file)."""
        from .apis.public.files import File
        from .files import name_under

        if self._settings.mode != "online":
            raise UsageError("upload_file() needs the server; this run is not online")
        name = name_under(path, root)
        saved = self._files().upload(self._entity, self._project, self._id, [(name, path)])
        return File.of(self._files().connection, saved[0])

    def restore(self, name: str, run_path: str | None = None, replace: bool = False,
                root: str | os.PathLike[str] | None = None) -> IO[str] | None:
        """Download a file of this run (or of `run_path`) into the run directory (or `root`) and return it
        open; None if the run has no such file. An existing local file is kept unless `replace`."""
        from .files import restore_file, split_run_path

        if self._disabled:
            return None
        if self._settings.mode != "online":
            raise UsageError("restore() needs the server; this run is offline")
        entity, project, run_id = split_run_path(run_path, self._entity, self._project) if run_path else (
            self._entity, self._project, self._id)
        return restore_file(self._files().connection, entity, project, run_id, name=name, replace=replace,
                            root=root if root is not None else self._dir or ".")

    # -- artifacts ---------------------------------------------------------------------------------
    def _check_active(self, what: str) -> None:
        if self._finished:
            raise UsageError(f"this run has finished; {what} must be called while it is active")

    def _forked(self, what: str) -> bool:
        """True (with a warning, once) in a process forked from the one that started the run: it has the run
        but none of its threads, so nothing it logs would be sent; as in W&B, a child calls runbase.init()."""
        if self._pid == _pid:
            return False
        if not self._fork_warned:
            self._fork_warned = True
            self._warn(f"run {self._id} belongs to process {self._pid}, which forked this one ({_pid}): "
                       f"its {what} here is ignored; call runbase.init() in this process to log from it")
        return True

    def _online(self, what: str) -> Connection:
        """The run's connection, for calls that need the server now."""
        if self._sender is None or self._sender.connection is None:
            raise UsageError(f"{what} needs the server; this run is offline")
        return self._sender.connection

    def _history_step(self) -> int | None:
        """The step whose history an artifact logged now belongs with: the one being built, else the last."""
        step = self._step if self._pending else self._step - 1
        return step if step >= 0 else None

    def _artifact_of(self, artifact_or_path: Artifact | str | os.PathLike[str], name: str | None,
                     type: str | None) -> tuple[Artifact, list[str]]:
        """The artifact given, or a new one holding a file, directory or URI (left empty in a disabled run,
        which copies nothing); and aliases written in the name ("data:best")."""
        from .artifacts import Artifact, names

        if isinstance(artifact_or_path, Artifact):
            if type is not None and type != artifact_or_path.type:
                raise ValueError(f"type={type!r} does not match the artifact's type {artifact_or_path.type!r}")
            if name is not None and names.split_name(name)[0] != artifact_or_path._name:
                raise ValueError(f"name={name!r} does not match the artifact's name {artifact_or_path._name!r}")
            return artifact_or_path, names.split_name(name)[1] if name is not None else []
        if not isinstance(artifact_or_path, (str, os.PathLike)):
            raise TypeError(f"expected an Artifact or a path, not {artifact_or_path.__class__.__name__}")
        path = os.fspath(artifact_or_path)
        uri = "://" in path
        if not uri and not os.path.exists(path):
            raise ValueError(f"cannot log {path!r} as an artifact: there is no such file or directory")
        base, aliases = names.split_name(name if name is not None else self._default_artifact_name(path))
        artifact = Artifact(base, type or "unspecified")
        if self._disabled:
            return artifact, aliases
        if uri:
            artifact.add_reference(path)
        elif os.path.isdir(path):
            artifact.add_dir(path)
        else:
            artifact.add_file(path)
        return artifact, aliases

    def _log_artifact(self, artifact_or_path: Artifact | str | os.PathLike[str], name: str | None, type: str | None,
                      aliases: list[str] | None, *, tags: list[str] | None = None, commit: bool = True,
                      distributed_id: str | None = None) -> Artifact:
        from .artifacts import names

        aliases = names.check_aliases(aliases)
        tags = names.check_tags(tags)
        artifact, named = self._artifact_of(artifact_or_path, name, type)
        if self._disabled:
            return artifact
        self._check_active("log_artifact()")
        assert self._sender is not None
        job = artifact._start_job(self._sender.connection, self._entity, self._project, commit=commit, use=False,
                                  aliases=aliases + named, tags=tags, distributed_id=distributed_id,
                                  history_step=self._history_step())
        self._send_artifact(job)
        return artifact

    def _send_artifact(self, job: ArtifactJob) -> None:
        assert self._sender is not None
        self._uploads = [upload for upload in self._uploads if not upload.done.is_set()] + [job]
        self._sender.artifact(job)

    def log_artifact(self, artifact_or_path: Artifact | str | os.PathLike[str], name: str | None = None,
                     type: str | None = None, aliases: list[str] | None = None,
                     tags: list[str] | None = None) -> Artifact:
        """Declare an artifact (or a file, directory or URI, named after it) an output of this run. Returns
        at once: the upload happens in the background; artifact.wait() blocks until the server has
        committed it, and finish() waits for it. Offline runs keep it for `runbase sync`."""
        return self._log_artifact(artifact_or_path, name, type, aliases, tags=tags)

    def _distributed_id(self, distributed_id: str | None) -> str:
        distributed_id = distributed_id or self._group
        if not isinstance(distributed_id, str) or not distributed_id:
            raise ValueError("upsert_artifact() and finish_artifact() need a distributed_id shared by the processes "
                             "building the artifact (or a run group, which is the default)")
        return distributed_id

    def upsert_artifact(self, artifact_or_path: Artifact | str | os.PathLike[str], name: str | None = None,
                        type: str | None = None, aliases: list[str] | None = None,
                        distributed_id: str | None = None) -> Artifact:
        """Add files to the version that several processes build together (same distributed_id); it stays
        open until one of them calls finish_artifact()."""
        return self._log_artifact(artifact_or_path, name, type, aliases, commit=False,
                                  distributed_id=self._distributed_id(distributed_id))

    def finish_artifact(self, artifact_or_path: Artifact | str | os.PathLike[str], name: str | None = None,
                        type: str | None = None, aliases: list[str] | None = None,
                        distributed_id: str | None = None) -> Artifact:
        """Add these files to the version built with upsert_artifact() and commit it."""
        return self._log_artifact(artifact_or_path, name, type, aliases,
                                  distributed_id=self._distributed_id(distributed_id))

    def _resolve_artifact(self, name: str, type: str | None) -> Artifact:
        """A logged version by path ("name:alias", "project/name:v2", "entity/project/name:alias",
        "wandb-registry-model/coll:alias"), without recording its use."""
        from .artifacts import Artifact, names

        path = names.parse_path(name, self._entity, self._project)
        connection = self._online("use_artifact()")
        if path.project == self._project and path.entity in (None, self._entity):
            for upload in self._uploads:  # "data:latest" right after logging data means the version just logged
                if upload.create["artifactCollectionName"] == path.name:
                    upload.done.wait()
        found = connection.artifact_by_name(entity=path.entity, project=path.project or self._project,
                                            name=path.full_name).project
        if found is None or found.artifact is None:
            raise ValueError(f"no artifact {path.entity or '(default entity)'}/{path.project}/{path.full_name} "
                             "(or no access to it)")
        if type is not None and found.artifact.type_name != type:
            raise ValueError(f"artifact {name!r} is of type {found.artifact.type_name!r}, not {type!r}")
        return Artifact._from_fields(connection, found.artifact)

    def _record_use(self, artifact: Artifact, aliases: list[str], use_as: str | None) -> Artifact:
        from ._generated.input_types import UseArtifactInput

        connection = self._online("use_artifact()")
        if aliases:
            artifact.aliases = artifact.aliases + [alias for alias in aliases if alias not in artifact.aliases]
            artifact.save()
        connection.use_artifact(UseArtifactInput(entity_name=self._entity, project_name=self._project,
                                                 run_name=self._id, artifact_id=artifact._logged().id))
        artifact._use_as = use_as
        return artifact

    def use_artifact(self, artifact_or_name: Artifact | str, type: str | None = None,
                     aliases: list[str] | None = None, use_as: str | None = None) -> Artifact:
        """Declare an artifact an input of this run (lineage) and return it; download() or file() fetch
        its files. A draft Artifact is logged first (not as this run's output), in the background."""
        from .artifacts import Artifact, names

        aliases = names.user_aliases(aliases)
        if not isinstance(artifact_or_name, Artifact):
            if self._disabled:
                return Artifact(names.parse_path(artifact_or_name).name, type or "unspecified")
            self._check_active("use_artifact()")
            return self._record_use(self._resolve_artifact(artifact_or_name, type), aliases, use_as)
        artifact = artifact_or_name
        if type is not None and artifact.type != type:
            raise ValueError(f"artifact {artifact.name!r} is of type {artifact.type!r}, not {type!r}")
        if self._disabled:
            return artifact
        self._check_active("use_artifact()")
        if artifact._fields is None and artifact._job is None:
            assert self._sender is not None
            job = artifact._start_job(self._sender.connection, self._entity, self._project, commit=True, use=True,
                                      aliases=aliases)
            artifact._use_as = use_as
            self._send_artifact(job)
            return artifact
        return self._record_use(artifact.wait(), aliases, use_as)

    def link_artifact(self, artifact: Artifact, target_path: str, aliases: list[str] | None = None) -> Artifact:
        """Link a version into a portfolio ("{portfolio}", "{project}/{portfolio}", "{entity}/{project}/{portfolio}",
        or a registry: "wandb-registry-model/{name}"); a draft is logged by this run first, and waited for."""
        from .artifacts import names

        names.check_aliases(aliases)
        if self._disabled:
            return artifact
        self._online("link_artifact()")
        if artifact._fields is None and artifact._job is None:
            self.log_artifact(artifact)
        return artifact.wait()._link(target_path, aliases, self._entity, self._project)

    def _default_artifact_name(self, path: str | os.PathLike[str]) -> str:
        """W&B's default name for an artifact logged from a path or URI: its base name after the run id."""
        from .artifacts import names

        base = os.path.basename(os.path.normpath(os.fspath(path).split("://", 1)[-1]))
        return names.safe_name(f"run-{self._id}-{base}")

    def log_model(self, path: str | os.PathLike[str], name: str | None = None,
                  aliases: list[str] | None = None) -> None:
        """Log a file or directory as a "model" artifact output by this run."""
        self._log_artifact(path, name or self._default_artifact_name(path), "model", aliases)

    def use_model(self, name: str) -> str:
        """Download a logged model artifact ("name:alias", "entity/project/name:v1", a registry path) and
        record its use; returns the local path of its files."""
        if self._disabled:
            raise UsageError("use_model() cannot download anything: this run is disabled")
        self._check_active("use_model()")
        artifact = self._resolve_artifact(name, None)
        if "model" not in artifact.type:
            raise ValueError(f"artifact {name!r} is of type {artifact.type!r}: use_model() takes an artifact whose "
                             "type contains 'model'")
        return self._record_use(artifact, [], None).download()

    def link_model(self, path: str | os.PathLike[str], registered_model_name: str, name: str | None = None,
                   aliases: list[str] | None = None) -> Artifact | None:
        """Log a file or directory as a "model" artifact (a version with the same files is reused) and link
        it into the model registry's collection `registered_model_name`."""
        from .artifacts import names

        if not isinstance(registered_model_name, str) or "/" in registered_model_name:
            raise ValueError(f"registered_model_name must be a name, not a path: {registered_model_name!r}")
        names.check_name(registered_model_name)
        names.check_aliases(aliases)
        if self._disabled:
            return None
        self._online("link_model()")
        artifact = self._log_artifact(path, name or self._default_artifact_name(path), "model", None)
        return artifact.wait()._link(f"{MODEL_REGISTRY}/{registered_model_name}", aliases, self._entity,
                                     self._project)

    def log_code(self, root: str | None = ".", name: str | None = None,
                 include_fn: Callable[..., bool] = _is_py_requirements_or_dockerfile,
                 exclude_fn: Callable[..., bool] = exclude_runbase_fn) -> Artifact | None:
        """Log the source files under `root` (default: *.py, requirements*.txt, Dockerfile*) as a "code"
        artifact named source-<project>-<script> by default; None, with a warning, when no file matches."""
        if self._disabled:
            return None
        artifact = code_artifact(root or ".", name, self._project, include_fn=include_fn, exclude_fn=exclude_fn)
        if artifact is None:
            self._warn(f"log_code(): no files under {os.path.abspath(root or '.')} matched; no code artifact was "
                       "logged")
            return None
        return self._log_artifact(artifact, None, None, None)

    def __repr__(self) -> str:
        return f"<Run {self.path} ({'disabled' if self._disabled else self._settings.mode})>"


