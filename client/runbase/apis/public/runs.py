"""Public runs: read and change runs after they were logged, and read their history."""

from __future__ import annotations

import json
import os
import time
import warnings
from collections.abc import Collection, Iterator, Mapping
from itertools import chain
from typing import TYPE_CHECKING, Any, cast

from ..._generated.fragments import PublicRunFields
from ..._generated.input_types import (
    ArtifactAliasInput,
    DeleteRunInput,
    StopRunInput,
    UpdateArtifactInput,
    UpsertBucketInput,
    UseArtifactInput,
)
from ..._generated.runs_events import RunsEventsProject, RunsEventsProjectRunsEdgesNode
from ..._generated.runs_histories import RunsHistoriesProject
from ...config import from_wandb_shape, wandb_shaped
from ...connection import Connection
from ...errors import UsageError, present
from ...files import FileClient, name_under
from ...links import page_url
from ...states import LIVE_STATES
from ..paginator import Paginator
from . import history
from .files import File, Files

if TYPE_CHECKING:
    from ...artifacts import Artifact
    from .artifacts import RunArtifacts
    from .sweeps import Sweep


def _frame(rows: list[dict[str, Any]], format: str) -> Any:
    """Rows as a DataFrame; pandas and polars stay optional."""
    if format == "pandas":
        try:
            import pandas
        except ImportError:
            raise UsageError("pandas is not installed: pip install pandas, or pass pandas=False / "
                             "format='default' for a list of dicts") from None
        return pandas.DataFrame(rows)
    if format == "polars":
        try:
            import polars
        except ImportError:
            raise UsageError("polars is not installed: pip install polars, or pass format='default'") from None
        return polars.DataFrame(rows)
    if format != "default":
        raise UsageError(f"format must be 'default', 'pandas' or 'polars', not {format!r}")
    return rows


def _system_stream(stream: str, keys: list[str] | None) -> bool:
    """Whether `stream` names the system stream (W&B's events), which is read whole: W&B refuses keys for it."""
    if stream not in ("default", "system"):
        raise UsageError(f"stream must be 'default' or 'system', not {stream!r}")
    if stream == "system" and keys:
        raise UsageError("keys cannot be given with stream='system' (as in W&B): its rows are read whole")
    return stream == "system"


def _checked_keys(keys: list[str] | None) -> list[str] | None:
    if keys is not None and (isinstance(keys, str) or not all(isinstance(k, str) for k in keys)):
        raise UsageError("keys must be a list of strings")
    return None if keys is None else list(keys)


def _spec(samples: int, keys: list[str] | None, x_axis: str) -> str:
    _checked_keys(keys)
    return json.dumps({"keys": list(keys) if keys is not None else None, "samples": samples, "xAxis": x_axis})


class Summary(dict[str, Any]):
    """A run's summary; update(), item assignment and deletion persist to the server at once, and
    run.update() persists other edits (pop(), a nested value changed in place). None is a value the
    server keeps, as in W&B: only deletion removes a key. Saving one change leaves the other unsaved
    edits (of the summary, tags, name, config) in place for run.update()."""

    def __init__(self, run: Run, data: dict[str, Any]) -> None:
        super().__init__(data)
        self._run = run

    def update(self, *args: Any, **kwargs: Any) -> None:
        changes = dict(*args, **kwargs)
        text = json.dumps(changes)  # a value JSON cannot hold fails here, before anything changed
        super().update(changes)
        self._run._save_summary(summaryMetrics=text)

    def __setitem__(self, key: str, value: Any) -> None:
        self.update({key: value})

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self._run._save_summary(removeSummaryKeys=[key])


def _snapshot(value: Any) -> Any:
    """copy.deepcopy for parsed JSON (dicts, lists and immutable leaves, no shared containers), at a fraction
    of its cost: the same leaf objects, fresh containers."""
    if isinstance(value, dict):
        return {key: _snapshot(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_snapshot(item) for item in value]
    return value


def _summary_changes(summary: Mapping[str, Any], saved: dict[str, Any]) -> dict[str, Any]:
    """The upsertBucket fields that bring the server's summary (`saved`) to `summary`: keys changed, keys
    removed; only those, so that what the logging run sets meanwhile is not overwritten."""
    if not isinstance(summary, Mapping):
        raise UsageError("run.summary must be a dict")
    changed = {key: value for key, value in summary.items() if key not in saved or saved[key] != value}
    removed = [key for key in saved if key not in summary]
    return {**({"summaryMetrics": json.dumps(changed)} if changed else {}),
            **({"removeSummaryKeys": removed} if removed else {})}


_UNREAD = object()  # a lazily parsed attribute not read yet


class Run:
    """A run that has been logged. Edit tags, notes, name, group, job_type or config, then call update()."""

    def __init__(self, client: Connection, entity: str, project: str, run_id: str, *,
                 attrs: dict[str, Any] | None = None, include_sweeps: bool = True) -> None:
        self.client = client
        self.entity = entity
        self.project = project
        self._id = run_id
        self._attrs: dict[str, Any] = {}
        if attrs is None:
            self.load(force=True)
        else:
            self._set(attrs)

    def _set(self, attrs: dict[str, Any]) -> None:
        """Take the server's attributes; config and summary stay JSON text until first read, since parsing
        them was most of what a page of runs cost the caller."""
        self._attrs = attrs
        self.entity = (attrs.get("project") or {}).get("entity_name", self.entity)
        self._config: Any = _UNREAD
        self._summary: Any = _UNREAD
        self._loaded_summary: dict[str, Any] = {}  # as the server has it, once the summary is read
        self.tags = list(attrs.get("tags") or [])
        self.name = self.display_name = attrs.get("display_name")
        self.notes = attrs.get("notes")
        self.group = attrs.get("group")
        self.job_type = attrs.get("job_type")

    @property
    def config(self) -> dict[str, Any]:
        """The config's plain values, without W&B's bookkeeping keys; edit it, then call update()."""
        if self._config is _UNREAD:
            self._config = from_wandb_shape(json.loads(self._attrs.get("config") or "{}"))
        return cast(dict[str, Any], self._config)  # or whatever the caller assigned

    @config.setter
    def config(self, value: dict[str, Any]) -> None:
        self._config = value

    @property
    def summary(self) -> Summary:
        """The summary (a Summary unless replaced); read with the server's copy that update() compares to."""
        if self._summary is _UNREAD:
            self._summary = Summary(self, json.loads(self._attrs.get("summary_metrics") or "{}"))
            self._loaded_summary = _snapshot(dict(self._summary))
        return cast(Summary, self._summary)  # or whatever the caller assigned

    @summary.setter
    def summary(self, value: Summary) -> None:
        if self._summary is _UNREAD:  # update() compares the new summary with the server's
            self._loaded_summary = json.loads(self._attrs.get("summary_metrics") or "{}")
        self._summary = value

    def load(self, force: bool = False) -> dict[str, Any]:
        """Fetch the run's attributes from the server."""
        if force or not self._attrs:
            found = self.client.public_run(entity=self.entity, project=self.project, name=self._id).project
            if found is None or found.run is None:
                raise ValueError(f"no run {self.entity}/{self.project}/{self._id} (or no access to it)")
            self._set(found.run.model_dump())
        return self._attrs

    # -- attributes ----------------------------------------------------------------------------
    @property
    def id(self) -> str:
        return self._id

    @property
    def storage_id(self) -> str:
        return str(self._attrs["id"])

    @property
    def state(self) -> str:
        return str(self._attrs["state"])

    @property
    def created_at(self) -> str:
        return str(self._attrs["created_at"])

    @property
    def heartbeat_at(self) -> str | None:
        return self._attrs.get("heartbeat_at")

    @property
    def user(self) -> str | None:
        return (self._attrs.get("user") or {}).get("username")

    @property
    def username(self) -> str:
        return self.entity

    @property
    def path(self) -> list[str]:
        return [self.entity, self.project, self._id]

    @property
    def url(self) -> str:
        return page_url(self.client.base_url, self.entity, self.project, "runs", self._id)

    @property
    def read_only(self) -> bool:
        return bool(self._attrs.get("read_only"))

    @property
    def history_keys(self) -> dict[str, Any]:
        return dict(self._attrs.get("history_keys") or {})

    @property
    def lastHistoryStep(self) -> int:  # noqa: N802 - W&B's name
        step = self._attrs.get("last_history_step")
        return -1 if step is None else step

    @property
    def rawconfig(self) -> dict[str, Any]:
        """The config as stored, W&B's bookkeeping keys included (`_wandb`: custom chart panels)."""
        return dict(json.loads(self._attrs.get("config") or "{}"))

    @property
    def system_metrics(self) -> dict[str, Any]:
        """The latest system metrics recorded for the run: the latest value of each key of its system stream
        ({"system.cpu": 12.5, "system.gpu.0.gpu": 30, ...}) with the _timestamp and _runtime of the latest row;
        {} before any. W&B's server decides its shape there and does not document it: this is runbase's."""
        return dict(json.loads(self._attrs.get("system_metrics") or "{}"))

    @property
    def metadata(self) -> dict[str, Any] | None:
        """The run's wandb-metadata.json (what init recorded: OS, Python, program, git, machine), parsed;
        None for a run that has none (made through the API, or with x_disable_meta)."""
        import tempfile

        try:
            file = self.file("wandb-metadata.json")
        except ValueError:
            return None
        with tempfile.TemporaryDirectory() as root, file.download(root) as opened:
            return dict(json.load(opened))

    @property
    def sweep(self) -> Sweep | None:
        """The sweep the run belongs to, or None."""
        from .sweeps import sweep_of

        return sweep_of(self)

    # -- changes -------------------------------------------------------------------------------
    def _upsert(self, **fields: Any) -> dict[str, Any]:
        """Send the fields; the run's attributes as the server now has them."""
        result = self.client.upsert_bucket(UpsertBucketInput.model_validate(
            {"entityName": self.entity, "modelName": self.project, "name": self._id, **fields}))
        return self._attrs | present(result.upsert_bucket, "run").bucket.model_dump()

    def _save_summary(self, **fields: Any) -> None:
        """Persist one summary change without reloading: the other unsaved edits stay, and only the
        record of what the server holds moves on (so update() still sends a popped key's removal)."""
        local = self.summary  # read before the server's answer replaces the text it is parsed from
        before = self._loaded_summary
        self._attrs = self._upsert(**fields)
        after = json.loads(self._attrs.get("summary_metrics") or "{}")
        for key, value in after.items():  # what others changed meanwhile, where this copy has no edit
            if (key in before and key in local and local[key] == before[key]) or (key not in before
                                                                                   and key not in local):
                dict.__setitem__(local, key, value)
        for key in before.keys() - after.keys():
            if key in local and local[key] == before[key]:
                dict.__delitem__(local, key)
        self._loaded_summary = _snapshot(after)

    def update(self) -> None:
        """Persist edits to tags, notes, name, group, job_type, config and summary."""
        if not isinstance(self.config, dict):
            raise UsageError("run.config must be a dict")
        self._set(self._upsert(
            displayName=self.name, notes=self.notes, tags=list(self.tags), groupName=self.group,
            jobType=self.job_type,
            config=json.dumps(wandb_shaped(self.config)),
            **_summary_changes(self.summary, self._loaded_summary),
        ))

    save = update

    def delete(self, delete_artifacts: bool = False) -> None:
        """Delete the run, its history and files; with delete_artifacts, also the artifact versions it logged
        (not those it only used), aliases and registry links included, as W&B does."""
        if not isinstance(delete_artifacts, bool):
            raise UsageError(f"delete_artifacts must be True or False, not {delete_artifacts!r}")
        self.client.delete_run(DeleteRunInput(id=self.storage_id, delete_artifacts=delete_artifacts))

    def stop(self) -> None:
        """Ask the run to stop, as W&B's "Stop run" does: the process logging it (the official wandb client's)
        ends it within its polling interval, killed. A run that already ended is left as it is."""
        self.client.stop_run(StopRunInput(id=self.storage_id))

    def wait_until_finished(self, poll_seconds: float = 1.0) -> None:
        while self.load(force=True)["state"] in LIVE_STATES:
            time.sleep(poll_seconds)

    # -- history --------------------------------------------------------------------------------
    def history(self, samples: int = 500, keys: list[str] | None = None, x_axis: str = "_step",
                pandas: bool = True, stream: str = "default", *, min_step: int | None = None,
                max_step: int | None = None) -> Any:
        """A deterministic sample that keeps the first and last rows and each key's extremes, of the rows with
        min_step <= _step < max_step (both optional; max_step exclusive as in scan_history). stream="system"
        gives the system metrics instead, as W&B's rows: "system."-prefixed keys, _timestamp, _runtime and
        "_wandb": True (no _step; no keys, no step range, and x_axis does not apply)."""
        for name, value in (("min_step", min_step), ("max_step", max_step)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise UsageError(f"{name} must be an integer or None, not {value!r:.100}")
        if min_step is not None and max_step is not None and max_step <= min_step:
            raise UsageError(f"max_step ({max_step}) is exclusive: it must be greater than min_step ({min_step})")
        if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
            raise UsageError(f"samples must be a positive integer, not {samples!r:.100}")
        if _system_stream(stream, keys):
            if min_step is not None or max_step is not None:
                raise UsageError("the system stream has no steps: min_step and max_step do not apply")
            events = self.client.run_events(entity=self.entity, project=self.project, name=self._id,
                                            samples=samples).project
            rows = [json.loads(line) for line in present(present(events, "project").run, "run").events]
        else:
            rows = history.sample(self.client, self.entity, self.project, self._id, keys=_checked_keys(keys),
                                  samples=samples, x_axis=x_axis,
                                  min_step=min_step, max_step=max_step)
        return _frame(rows, "pandas" if pandas else "default")

    def scan_history(self, keys: list[str] | None = None, page_size: int = 1000, min_step: int | None = None,
                     max_step: int | None = None) -> Iterator[dict[str, Any]]:
        """Every row with min_step <= _step < max_step in step order (only rows holding all `keys`), fetched a
        page at a time. max_step is exclusive, as in W&B, so scans of [a, b) and [b, c) share no row."""
        # Rows pass to the caller at C speed; nothing is checked or fetched until the first is asked for.
        return chain.from_iterable(self._history_pages(keys, page_size, min_step, max_step))

    def _history_pages(self, keys: list[str] | None, page_size: int, min_step: int | None,
                       max_step: int | None) -> Iterator[list[dict[str, Any]]]:
        if keys is not None and (isinstance(keys, str) or not all(isinstance(k, str) for k in keys)):
            raise UsageError("keys must be a list of strings")
        yield from history.pages(self.client, self.entity, self.project, self._id,
                                 keys=None if keys is None else list(keys), page_size=page_size, min_step=min_step,
                                 max_step=max_step)

    # -- console --------------------------------------------------------------------------------
    def console_output(self, tail: int = 100) -> list[str]:
        """The last `tail` lines (at most 10,000) the run printed to stdout and stderr, oldest first.

        W&B keeps this as the run file output.log; runbase also stores it on the server line by line,
        so a monitor or a notebook can read the end of a long log without downloading all of it."""
        if isinstance(tail, bool) or not isinstance(tail, int) or not 0 <= tail <= 10_000:
            raise UsageError(f"tail must be a number of lines from 0 to 10000, not {tail!r}")
        found = self.client.run_console(entity=self.entity, project=self.project, run=self._id, lines=tail).project
        if found is None or found.run is None:
            raise ValueError(f"no run {self.entity}/{self.project}/{self._id} (or no access to it)")
        return found.run.console_tail

    # -- files --------------------------------------------------------------------------------------
    def files(self, names: list[str] | None = None, pattern: str | None = None, per_page: int = 50) -> Files:
        """The run's saved files: all, exact `names`, or those matching a LIKE `pattern` such as "%.json"."""
        return Files(self.client, self.entity, self.project, self._id, names=names, per_page=per_page,
                     pattern=pattern)

    def file(self, name: str) -> File:
        """One saved file by its path in the run."""
        found = self.client.run_file(entity=self.entity, project=self.project, run=self._id, name=name).project
        if found is None or found.run is None:
            raise ValueError(f"no run {self.entity}/{self.project}/{self._id} (or no access to it)")
        if found.run.file is None:
            raise ValueError(f"run {self.entity}/{self.project}/{self._id} has no file {name!r}")
        return File.of(self.client, found.run.file)

    def upload_file(self, path: str | os.PathLike[str], root: str | os.PathLike[str] = ".") -> File:
        """Save a local file to this run, named by its path relative to `root`."""
        name = name_under(path, root)
        saved = FileClient(self.client).upload(self.entity, self.project, self._id, [(name, path)])
        return File.of(self.client, saved[0])

    # -- artifacts ----------------------------------------------------------------------------------
    def logged_artifacts(self, per_page: int = 100) -> RunArtifacts:
        """Versions this run logged, in the order it logged them."""
        from .artifacts import RunArtifacts

        return RunArtifacts(self.client, self, "logged", per_page=per_page)

    def used_artifacts(self, per_page: int = 100) -> RunArtifacts:
        """Versions this run declared as inputs, in the order it used them."""
        from .artifacts import RunArtifacts

        return RunArtifacts(self.client, self, "used", per_page=per_page)

    def use_artifact(self, artifact: Artifact | str, use_as: str | None = None) -> Artifact:
        """Record a logged version (from Api().artifact(), or its name in this run's project) as an input of
        this run, so a finished run's lineage can be completed."""
        from .artifacts import artifact_from, logged_version

        if use_as is not None:
            warnings.warn("use_as is deprecated and runbase does not record it", DeprecationWarning, stacklevel=2)
        version = logged_version(self.client, artifact, self.entity, self.project)
        result = self.client.use_artifact(UseArtifactInput(entity_name=self.entity, project_name=self.project,
                                                           run_name=self._id, artifact_id=version.id))
        return artifact_from(self.client, present(result.use_artifact, "artifact").artifact)

    def log_artifact(self, artifact: Artifact, aliases: Collection[str] | None = None,
                     tags: Collection[str] | None = None) -> Artifact:
        """Add aliases and tags to a logged version of this run's project. Logging the same contents again
        makes no new version, so the version keeps the run that first logged it as its logger."""
        from ...artifacts import names
        from .artifacts import artifact_from, logged_version

        aliases, tags = names.user_aliases(aliases), names.check_tags(tags)
        version = logged_version(self.client, artifact, self.entity, self.project)
        source = version.source_collection
        if (source.entity_name, source.project_name) != (self.entity, self.project):
            raise ValueError(f"run {'/'.join(self.path)} can only log artifacts of its own project, not one of "
                             f"{source.entity_name}/{source.project_name}")
        result = self.client.update_artifact(UpdateArtifactInput(
            artifact_id=version.id, aliases=[ArtifactAliasInput(alias=alias, artifact_collection_name=source.name)
                                             for alias in names.user_aliases([*version.aliases, *aliases])],
            tags=list(dict.fromkeys([*version.tags, *tags]))))
        return artifact_from(self.client, present(result.update_artifact, "artifact").artifact)

    def __repr__(self) -> str:
        return f"<Run {'/'.join(self.path)} ({self._attrs.get('state')})>"


class Runs(Paginator[Run]):
    """The runs of a project that match a filter, fetched a page at a time."""

    def __init__(self, client: Connection, entity: str, project: str, *, filters: dict[str, Any] | None = None,
                 order: str = "+created_at", per_page: int = 50, include_sweeps: bool = True) -> None:
        super().__init__(per_page)
        if filters is not None and not isinstance(filters, dict):
            raise UsageError(f"filters must be a dict, not {type(filters).__name__}")
        self.client = client
        self.entity = entity
        self.project = project
        self.filters = filters
        self.order = order
        self._filters_json = json.dumps(filters) if filters else None

    def _query(self) -> dict[str, Any]:
        return {"entity": self.entity, "project": self.project, "filters": self._filters_json, "order": self.order}

    def _fetch(self, after: str | None) -> tuple[list[Run], str | None, bool]:
        found = self.client.runs(**self._query(), first=self.per_page, after=after).project
        if found is None:
            raise ValueError(f"no project {self.entity}/{self.project} (or no access to it)")
        # One JSON field holds the page (nodesText): the server renders it without resolving each run's fields.
        nodes = [PublicRunFields.model_validate(node) for node in json.loads(found.runs.nodes_text)]
        runs = [Run(self.client, self.entity, self.project, node.name, attrs=node.model_dump()) for node in nodes]
        return runs, found.runs.page_info.end_cursor, found.runs.page_info.has_next_page

    def _count(self) -> int:
        found = self.client.run_count(entity=self.entity, project=self.project, filters=self._filters_json).project
        if found is None:
            raise ValueError(f"no project {self.entity}/{self.project} (or no access to it)")
        return found.run_count

    def histories(self, samples: int = 500, keys: list[str] | None = None, x_axis: str = "_step",
                  format: str = "default", stream: str = "default") -> Any:
        """Sampled history (stream="system": system metrics, as Run.history gives them) of every matching run,
        one request per page of runs; rows carry a run_id."""
        system = _system_stream(stream, keys)
        spec = _spec(samples, keys, x_axis)
        rows: list[dict[str, Any]] = []
        after, more = None, True
        while more:
            page = {**self._query(), "first": self.per_page, "after": after}
            found: RunsEventsProject | RunsHistoriesProject | None = (
                self.client.runs_events(**page, samples=samples) if system
                else self.client.runs_histories(**page, specs=[spec])).project
            if found is None:
                raise ValueError(f"no project {self.entity}/{self.project} (or no access to it)")
            for edge in found.runs.edges:
                node = edge.node
                got = [json.loads(line) for line in node.events] if isinstance(node, RunsEventsProjectRunsEdgesNode) \
                    else json.loads(node.sampled_history_text[0])
                rows.extend({"run_id": node.name, **row} for row in got)
            after, more = found.runs.page_info.end_cursor, found.runs.page_info.has_next_page
        return _frame(rows, format)

    def __repr__(self) -> str:
        return f"<Runs {self.entity}/{self.project}>"
