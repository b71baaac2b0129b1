"""init(), finish(), setup() and teardown(): starting runs, ending them, and the
process-wide state behind `runbase.run`, `runbase.config` and `runbase.summary`."""

from __future__ import annotations

import argparse
import atexit
import datetime
import glob
import json
import logging
import os
import random
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NoReturn

from . import credentials, jupyter
from .config import Config, from_wandb_shape, initial_config, wandb_shaped
from .console import ConsoleCapture, ignore_this_thread
from .errors import AuthenticationError, CommError, UsageError, present
from .records import RUN, SUPERSEDED, SYNCED, RecordLog
from .run import Run
from .run_moment import RunMoment, run_moment
from .sender import Sender, warner
from .settings import Settings, filled
from .states import SIGNAL_EXIT_BASE, ended_state, exception_exit_code, exit_status
from .summary import Summary
from .system import SystemSampler
from .term import termsetup

if TYPE_CHECKING:
    from .artifacts import Artifact
    from .connection import Connection
    from .metrics import Metric
    from .run import AlertLevel
    from .watcher import Module

FORBIDDEN_ID_CHARS = set('/\\#?%:')
ADJECTIVES = ("amber", "bold", "brisk", "calm", "clever", "cosmic", "crisp", "dark", "eager", "fancy", "gentle",
              "glad", "golden", "hardy", "icy", "jolly", "keen", "lively", "lucky", "misty", "noble", "polar",
              "proud", "quiet", "rapid", "royal", "rustic", "serene", "silver", "solar", "stellar", "sunny",
              "swift", "tidy", "vivid", "wandering", "wise", "young", "zesty", "honest")
NOUNS = ("badger", "breeze", "brook", "canyon", "cedar", "comet", "dawn", "delta", "dune", "ember", "falcon",
         "fern", "field", "forest", "frost", "galaxy", "glade", "harbor", "haze", "lake", "leaf", "meadow",
         "moon", "night", "ocean", "otter", "pine", "planet", "rain", "river", "sky", "snow", "sound", "star",
         "storm", "sun", "thunder", "tree", "valley", "wave")
NOT_BUILT = ("sync_tensorboard", "tensorboard", "monitor_gym")

_lock = threading.RLock()
_active: list[Run] = []
_setup_settings: Settings | None = None
_exit_code = 0  # what the process is exiting with, as far as runbase saw: the exit code atexit finishes runs with
_exit_hooked = False  # sys.exit, exit() and quit() record their code, and sys.excepthook an uncaught exception's
_sigterm_pid: int | None = None  # the process that installed our SIGTERM handler; None when it is not installed
_exiting = False  # the interpreter is running its atexit callbacks

METADATA_WAIT = 60.0  # seconds finish() waits for the metadata thread (git in a huge repository)
# Seconds a SIGTERMed process spends delivering its runs' last data before it dies of the signal: container
# platforms kill it outright 10 to 30 s after SIGTERM (Kubernetes' grace period is 30 s, SLURM's KillWait 30 s,
# Docker's stop 10 s), and what is not delivered stays in the record log for `runbase sync` anyway.
SIGTERM_FINISH_WAIT = 5.0
FAILED_START_WAIT = 10.0  # seconds an init that failed after starting its sender waits for it to end the run


def _set_globals(run: Run | None) -> None:
    import runbase

    runbase.run = run
    runbase.config = run.config if run is not None else None
    runbase.summary = run.summary if run is not None else None


def _random_name() -> str:
    return f"{random.choice(ADJECTIVES)}-{random.choice(NOUNS)}-{random.randint(1, 999)}"


def _new_run_id() -> str:
    return "".join(random.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(8))


def check_run_id(run_id: Any) -> str:
    """W&B's rules for a run id, which names files and URLs (the server's: names.check_name)."""
    if not isinstance(run_id, str) or not run_id:
        raise UsageError(f"run id must be a non-empty string, not {run_id!r}")
    bad = FORBIDDEN_ID_CHARS.intersection(run_id)
    if bad:
        raise UsageError(f"run id {run_id!r} must not contain any of / \\ # ? % : (found {''.join(sorted(bad))})")
    if len(run_id) > 128:
        raise UsageError("run id must be at most 128 characters")
    if any(ord(c) < 32 for c in run_id):
        raise UsageError(f"run id {run_id!r} must not contain control characters")
    return run_id


def _check_str(name: str, value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise UsageError(f"{name} must be a string, not {type(value).__name__}")
    return value


def _check_tags(tags: Any) -> tuple[str, ...] | None:
    if tags is None:
        return None
    if isinstance(tags, str) or not isinstance(tags, Sequence) or not all(isinstance(t, str) for t in tags):
        raise UsageError(f"tags must be a list of strings, not {tags!r}")
    if any(len(t) > 64 or not t for t in tags):
        raise UsageError("each tag must be 1 to 64 characters")
    return tuple(tags)


def _stopper(path: str, warn: Callable[[str], None]) -> Callable[[], None]:
    """What a run does once the server says it was asked to stop (stopRun), as W&B's client does: Ctrl-C in the
    main thread, so that the script ends where it is and the exit hook finishes the run with exit code 255 (which
    the server records as killed). A signal to the main thread itself, not only Python's flag for it, wakes a
    script blocked in a sleep or a read. Nothing is interrupted in a sweep agent's function (W&B's agent leaves
    it too: the agent would stop with it)."""

    def stop() -> None:
        from .sweeps import agents

        if agents.running_functions:
            warn(f"run {path} was asked to stop, which an agent's function is not: it goes on")
            return
        warn(f"run {path} was asked to stop (stopRun): interrupting the script")
        if sys.platform == "win32":
            signal.raise_signal(signal.SIGINT)  # Windows delivers it to the main thread
        else:
            signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)

    return stop


def _warner(settings: Settings) -> Callable[[str], None]:
    return warner(settings)


def _initial_config(s: Settings, config: dict[str, Any] | str | argparse.Namespace | None,
                    include_keys: list[str] | None, exclude_keys: list[str] | None) -> dict[str, Any]:
    """The config init() starts with: the config_paths files in order, then `config` over them."""
    merged: dict[str, Any] = {}
    for path in s.config_paths or ():
        merged.update(initial_config(os.fspath(path), None, None))
    merged.update(initial_config(config, None, None))
    return initial_config(merged, include_keys, exclude_keys)


def base_settings(given: Settings | dict[str, Any] | None = None) -> Settings:
    """The settings files, then the environment (Settings.from_sources), then setup()'s: what init() starts
    from, and where sync, login and Api find the server and the network options. A settings_system that
    `given` (init's settings) or setup() sets names the system file read."""
    chosen = Settings().updated(_setup_settings).updated(given).settings_system
    base = Settings.from_sources(settings_system=chosen)
    return base.updated(_setup_settings) if _setup_settings is not None else base


def setup(settings: Settings | dict[str, Any] | None = None) -> None:
    """Set process-wide settings that later init() calls start from."""
    global _setup_settings
    with _lock:
        _setup_settings = (_setup_settings or Settings()).updated(settings)


def teardown(exit_code: int | None = None) -> None:
    """Finish every run this process started that is still active, and wait for its data to be sent."""
    for run in _own():
        finish_run(run, exit_code if exit_code is not None else _exit_code)


def _own() -> list[Run]:
    """The active runs this process started: a forked child has its parent's too, but none of their threads."""
    return [run for run in _active if run._pid == os.getpid()]


def finish(exit_code: int | None = None, quiet: bool | None = None) -> None:
    """Finish the current run (runbase.run)."""
    import runbase

    if runbase.run is not None:
        runbase.run.finish(exit_code, quiet)


def _current(what: str, error: type[UsageError] = UsageError) -> Run:
    import runbase

    if runbase.run is None:
        raise error(f"call runbase.init() before runbase.{what}()")
    return runbase.run


def log(data: dict[str, Any], step: int | None = None, commit: bool | None = None) -> None:
    """Log to the current run (runbase.run)."""
    _current("log").log(data, step=step, commit=commit)


def log_artifact(artifact_or_path: Artifact | str | os.PathLike[str], name: str | None = None,
                 type: str | None = None, aliases: list[str] | None = None,
                 tags: list[str] | None = None) -> Artifact:
    """run.log_artifact() on the current run."""
    return _current("log_artifact").log_artifact(artifact_or_path, name=name, type=type, aliases=aliases, tags=tags)


def use_artifact(artifact_or_name: Artifact | str, type: str | None = None, aliases: list[str] | None = None,
                 use_as: str | None = None) -> Artifact:
    """run.use_artifact() on the current run."""
    return _current("use_artifact").use_artifact(artifact_or_name, type=type, aliases=aliases, use_as=use_as)


def log_model(path: str | os.PathLike[str], name: str | None = None, aliases: list[str] | None = None) -> None:
    """run.log_model() on the current run."""
    _current("log_model").log_model(path, name=name, aliases=aliases)


def use_model(name: str) -> str:
    """run.use_model() on the current run."""
    return _current("use_model").use_model(name)


def link_model(path: str | os.PathLike[str], registered_model_name: str, name: str | None = None,
               aliases: list[str] | None = None) -> Artifact | None:
    """run.link_model() on the current run."""
    return _current("link_model").link_model(path, registered_model_name, name=name, aliases=aliases)


def watch(models: Module | Sequence[Module], criterion: Any = None,
          log: Literal["gradients", "parameters", "all"] | None = "gradients", log_freq: int = 1000,
          idx: int | None = None, log_graph: bool = False) -> None:
    """run.watch() on the current run; before init() a ValueError, as the reference says."""
    from .watcher import WatchError

    _current("watch", WatchError).watch(models, criterion, log, log_freq, idx, log_graph)


def unwatch(models: Module | Sequence[Module] | None = None) -> None:
    """run.unwatch() on the current run."""
    from .watcher import WatchError

    _current("unwatch", WatchError).unwatch(models)


def define_metric(name: str, step_metric: str | Metric | None = None, step_sync: bool | None = None,
                  hidden: bool | None = None, summary: str | None = None, goal: str | None = None,
                  overwrite: bool | None = None) -> Metric:
    """run.define_metric() on the current run."""
    return _current("define_metric").define_metric(name, step_metric=step_metric, step_sync=step_sync,
                                                   hidden=hidden, summary=summary, goal=goal, overwrite=overwrite)


def alert(title: str, text: str, level: str | AlertLevel | None = None,
          wait_duration: int | float | datetime.timedelta | None = None) -> None:
    """run.alert() on the current run."""
    _current("alert").alert(title, text, level=level, wait_duration=wait_duration)


def mark_preempting() -> None:
    """run.mark_preempting() on the current run."""
    _current("mark_preempting").mark_preempting()


def init(
    entity: str | None = None,
    project: str | None = None,
    dir: str | os.PathLike[str] | None = None,
    id: str | None = None,
    name: str | None = None,
    notes: str | None = None,
    tags: Sequence[str] | None = None,
    config: dict[str, Any] | str | argparse.Namespace | None = None,
    config_exclude_keys: list[str] | None = None,
    config_include_keys: list[str] | None = None,
    allow_val_change: bool | None = None,
    group: str | None = None,
    job_type: str | None = None,
    mode: str | None = None,
    force: bool | None = None,
    anonymous: str | None = None,
    reinit: bool | str | None = None,
    resume: bool | str | None = None,
    resume_from: str | RunMoment | None = None,
    fork_from: str | RunMoment | None = None,
    save_code: bool | None = None,
    tensorboard: bool | None = None,
    sync_tensorboard: bool | None = None,
    monitor_gym: bool | None = None,
    settings: Settings | dict[str, Any] | None = None,
) -> Run:
    """Start a run (or resume one) and return it; see the W&B reference for every argument."""
    given = {"sync_tensorboard": sync_tensorboard, "tensorboard": tensorboard, "monitor_gym": monitor_gym}
    for arg in NOT_BUILT:
        if given[arg]:
            raise NotImplementedError(f"runbase.init({arg}=...) is not supported yet")
    if isinstance(resume, bool):
        resume = "auto" if resume else None
    base = base_settings(settings).updated(settings)
    if base.sweep_id:  # W&B's rule: a sweep's run is in the sweep's project, with the id its agent chose
        for key, value in (("entity", entity), ("project", project), ("id", id)):
            if value is not None:
                _warner(base)(f"Ignoring {key}={value!r} passed to runbase.init when running a sweep")
        entity = project = id = None
    s = base.updated({
        "entity": _check_str("entity", entity), "project": _check_str("project", project),
        "root_dir": os.fspath(dir) if dir is not None else None, "run_id": id, "run_name": _check_str("name", name),
        "run_notes": _check_str("notes", notes), "run_tags": _check_tags(tags), "run_group": _check_str("group", group),
        "run_job_type": _check_str("job_type", job_type), "mode": mode, "resume": resume, "reinit": reinit,
        "resume_from": resume_from, "fork_from": fork_from,
        "allow_val_change": allow_val_change, "save_code": save_code, "anonymous": anonymous, "force": force,
    }).checked()
    _check_tags(s.run_tags)  # from the settings or the environment, checked as the argument is
    initial = _initial_config(s, config, config_include_keys, config_exclude_keys)
    reinit_mode = s.reinit if isinstance(s.reinit, str) else {True: "finish_previous", False: "return_previous"}[
        bool(s.reinit)]
    if reinit_mode == "default":
        reinit_mode = "return_previous"
    with _lock:
        live = [run for run in _own() if not run._finished]
        if live and reinit_mode == "return_previous":
            return live[-1]
        if reinit_mode == "finish_previous":
            for run in live:
                finish_run(run, 0)
        # runbase.termlog() and the like follow the silent and show_* settings of the run that becomes the
        # process's run: a second run started beside a live one (create_new) leaves the first one's.
        if not (live and reinit_mode == "create_new"):
            termsetup(s)
        run = _start(s, initial)
        _active.append(run)
        if run._sender is not None:
            _hook_process()
        if reinit_mode != "create_new":
            _set_globals(run)
    return run


def _start(s: Settings, initial: dict[str, Any]) -> Run:
    config = Config(allow_val_change=bool(s.allow_val_change))
    if s.mode == "disabled":
        config.update(initial, allow_val_change=True)
        return Run(s, s.entity, s.project or "uncategorized", s.run_id or _new_run_id(), name=s.run_name, run_dir=None,
                   sender=None, config=config, summary=Summary())
    base_url = credentials.server_url(s)
    api_key = credentials.resolve_key(base_url, s.api_key)
    if s.x_log_level is not None:
        logging.getLogger("runbase").setLevel(s.x_log_level)
    if s.insecure_disable_ssl:
        _warner(s)(f"insecure_disable_ssl: the TLS certificate of {base_url} is not verified")
    if s.mode == "online" and not api_key:
        if s.force:
            raise AuthenticationError(f"no API key for {base_url}: call runbase.login() or set RUNBASE_API_KEY")
        _warner(s)(f"no API key for {base_url}; logging offline (upload later with `runbase sync`)")
        s = s.updated({"mode": "offline"})
    rewind, fork = run_moment("resume_from", s.resume_from), run_moment("fork_from", s.fork_from)
    if rewind is not None and s.mode == "offline":
        raise UsageError(f"resume_from={str(rewind)!r} rewinds the run on the server, which an offline run "
                         "cannot reach: run online (fork_from works offline: `runbase sync` forks the run)")
    if rewind is not None and s.run_id != rewind.run:  # "the resume_from argument will take precedence"
        _warner(s)(f"id={s.run_id!r} and resume_from={str(rewind)!r} name different runs: resume_from takes "
                   f"precedence, as in W&B, so run {rewind.run!r} is rewound and logged to")
        s = s.updated({"run_id": rewind.run})
    root = Path(s.root_dir or os.getcwd()) / "runbase"
    run_id = check_run_id(s.run_id) if s.run_id else None
    if s.resume == "auto" and run_id is None:
        run_id = _auto_resume_id(root)
    run_id = run_id or _new_run_id()
    project = s.project or "uncategorized"
    connection = None
    if s.mode == "online":  # imported here: an offline run needs neither httpx nor the generated client
        from .connection import Connection

        connection = Connection.from_settings(s, host=base_url, api_key=api_key,
                                              timeout=filled(s.init_timeout, "init_timeout"))
    entity, existing, max_batch, email = s.entity, None, 8 * 1024 * 1024, None
    if connection is not None:
        viewer = present(connection.viewer().viewer, "viewer")
        entity, email = entity or viewer.entity, viewer.email
        max_batch = min(max_batch, connection.server_info().server_info.max_request_bytes // 4)
        if s.resume in ("allow", "must", "auto") or rewind is not None:  # a rewind marks them superseded
            _sync_earlier_sessions(connection, root, entity, project, run_id=run_id, warn=_warner(s),
                                   silent=bool(s.silent))
        if rewind is not None:
            _rewind(connection, root, entity, project, rewind, warn=_warner(s),
                    live_seconds=3 * float(filled(s.heartbeat_seconds, "heartbeat_seconds")))
        found = connection.run_resume_status(entity=entity, project=project, name=run_id).project
        existing = found.run if found is not None else None
    branch = rewind or fork
    if fork is not None and existing is not None:
        raise UsageError(f"fork_from makes a new run, but run {run_id!r} already exists: give another id (or none)")
    resumed = existing is not None if rewind is not None else _check_resume(s.resume, run_id, existing)
    if existing is not None:
        stored = json.loads(existing.config)
        bookkeeping = stored.get("_wandb")  # W&B's: a fork's branch point, custom charts; kept as the run goes on
        config._load({**from_wandb_shape(stored),
                      **({"_wandb": bookkeeping["value"]} if isinstance(bookkeeping, dict) and "value" in bookkeeping
                         else {})})
    if branch is not None:  # where the run branched off, as W&B records it
        point = {"run_id": branch.run, "step": branch.value}
        config.update({"_wandb": {**(config.get("_wandb") or {}), "branch_point": point}}, allow_val_change=True)
    config.update(initial)
    if s.sweep_param_path:  # the agent's suggestion wins over the script's own values, as in W&B
        config.update(_sweep_parameters(s.sweep_param_path), allow_val_change=True)
    summary = Summary(json.loads(existing.summary_metrics) if existing is not None else {})
    s = s.updated({"entity": entity, "project": project, "run_id": run_id, "resumed": resumed,
                   "x_start_time": time.time() if s.x_start_time is None else s.x_start_time})
    run_dir = Path(s.sync_dir)
    (run_dir / "files").mkdir(parents=True, exist_ok=True)
    if s.symlink:
        _link_latest(run_dir)
    display_name = s.run_name or (existing.display_name if existing is not None else None) or _random_name()
    fields = {
        "displayName": display_name,
        "notes": s.run_notes, "groupName": s.run_group, "jobType": s.run_job_type,
        "tags": list(s.run_tags) if s.run_tags is not None else None, "host": s.host or socket.gethostname(),
        "config": json.dumps(wandb_shaped(config.as_dict())), "state": "running", "sweep": s.sweep_id,
    }
    fields = {k: v for k, v in fields.items() if v is not None}
    log = RecordLog(run_dir / f"run-{run_id}.runbase")
    log.write(RUN, {"entityName": entity, "modelName": project, "name": run_id, **fields})
    if connection is not None:
        from ._generated.input_types import UpsertBucketInput

        try:
            made = present(connection.upsert_bucket(UpsertBucketInput.model_validate(
                {"entityName": entity, "modelName": project, "name": run_id, **fields})).upsert_bucket,
                "upsertBucket")
        except CommError as exc:
            if fork is None:
                raise
            raise _refused(exc, f"cannot fork run {entity}/{project}/{run_id} from {fork}") from None
        if fork is not None and not made.inserted:  # made by another process since we looked: not a fork
            raise UsageError(f"cannot fork run {entity}/{project}/{run_id} from {fork}: a run with that id was "
                             "just made by another process: give the fork another id (or none)")
        if fork is not None:  # the server copied the source's history and summary into it
            summary = Summary(json.loads(made.bucket.summary_metrics))
    if s.resume == "auto":
        (root / "resume.json").write_text(json.dumps({"run_id": run_id}))
    capture = s.console != "off"
    console_start = system_start = 0
    if capture and resumed and connection is not None:
        console = connection.run_console(entity=entity, project=project, run=run_id, lines=0).project
        console_start = present(present(console, "project").run, "run").console_line_count
    if resumed and connection is not None:  # a resumed or rewound run's system stream goes on after its rows
        events = connection.run_events_line_count(entity=entity, project=project, name=run_id).project
        system_start = present(present(events, "project").run, "run").events_line_count
    sender = Sender(connection, log, {"entityName": entity, "projectName": project, "runName": run_id}, summary._data,
                    heartbeat_seconds=float(filled(s.heartbeat_seconds, "heartbeat_seconds")),
                    max_batch_bytes=min(max_batch, s.x_file_stream_max_bytes or max_batch),
                    backoff=(s.x_file_stream_retry_wait_min_seconds, s.x_file_stream_retry_wait_max_seconds),
                    warn=_warner(s), silent=bool(s.silent) or not s.show_info,
                    console_path=run_dir / "files" / "output.log" if capture else None, console_start=console_start,
                    system_start=system_start, on_stop=_stopper(f"{entity}/{project}/{run_id}", _warner(s)))
    last_step = existing.last_history_step if existing is not None else None
    if branch is not None:  # logging goes on after the step, as in W&B, whatever step the history ends at
        last_step = branch.step
    run = Run(s, entity, project, run_id, name=display_name, run_dir=str(run_dir / "files"), sender=sender,
              config=config, summary=summary,
              start_step=last_step + 1 if last_step is not None else 0,
              resumed=resumed, tags=tuple(s.run_tags or (existing.tags if existing is not None else ())),
              notes=s.run_notes, group=s.run_group, job_type=s.run_job_type, base_url=base_url)
    config._on_change = lambda snapshot: sender.update_run({"config": json.dumps(wandb_shaped(snapshot))})
    sender.start()
    try:
        run._system = SystemSampler(s, sender.system, start_time=run._start_time)  # its readings: the system stream
        run._system.start()
        _record_metadata(run, s, email)
        if not s.quiet and not s.silent and s.show_info:
            where = run.url or f"{run_dir} (offline; upload with `runbase sync {run_dir}`)"
            verb = (f"rewound to {rewind.metric} {rewind.value}" if rewind else f"forked from {fork}" if fork
                    else "resumed" if resumed else "started")
            print(f"runbase: {verb} run {run.name} ({run_id}): {where}", file=sys.stderr)
        if capture:
            if s.console == "redirect":
                _warner(s)("console='redirect' is not built: capturing Python's sys.stdout and sys.stderr instead "
                           "(output written straight to file descriptors, e.g. by subprocesses, is not captured)")
            run._console = ConsoleCapture(sender.queue.append)
            run._console.start()
    except BaseException as exc:
        # The script never gets this run: it ends as the error would end it later (Ctrl-C: 255), or its threads
        # (and the short switch interval they hold) would outlive the failed init. The init's own error is raised.
        try:
            finish_run(run, exception_exit_code(exc), timeout=FAILED_START_WAIT)
        except Exception:  # noqa: BLE001, S110 - e.g. the same closed stream again
            pass
        raise
    return run


def _link_latest(run_dir: Path) -> None:
    """<root>/runbase/latest-run, pointing at the newest run's folder, as W&B's wandb/latest-run (symlink)."""
    link = run_dir.parent / "latest-run"
    try:
        link.unlink(missing_ok=True)
        link.symlink_to(run_dir.name, target_is_directory=True)
    except OSError as exc:
        logging.getLogger("runbase").debug("latest-run link not made: %s", exc)


def _record_metadata(run: Run, s: Settings, email: str | None) -> None:
    """wandb-metadata.json and, with save_code, the program and diff.patch, gathered on a thread of their own
    (git and the hardware probes take tens of milliseconds, more in a large repository: init does not wait;
    finish does) and uploaded in the background (by `runbase sync` offline); with save_code and code_dir,
    the code_dir's sources as a "code" artifact."""
    from .metadata import record

    def gather() -> None:
        ignore_this_thread()
        run._send_files(record(Path(run._dir or "."), s, start_time=run._start_time, email=email,
                              warn=_warner(s)))

    run._metadata = threading.Thread(target=gather, name="runbase-metadata", daemon=True)
    run._metadata.start()
    if s.save_code and not s.disable_code and s.code_dir is not None:
        try:
            run.log_code(os.fspath(s.code_dir))
        except Exception as exc:  # noqa: BLE001 - a training script must not die for its code snapshot
            _warner(s)(f"code_dir {os.fspath(s.code_dir)!r} was not logged as a code artifact: {exc}")


def _rewind(connection: Connection, root: Path, entity: str, project: str, moment: RunMoment, *,
            warn: Callable[[str], None], live_seconds: float) -> None:
    """Drop the run's history after the moment's step on the server (W&B's rewindRun), and mark the record
    logs its earlier sessions left on this machine superseded: `runbase sync` must not bring those rows back.
    Warns where the run looks written to by a live process (running, heard from within `live_seconds`),
    whose rows after the step the rewind drops (and whose next ones may land among this session's); a
    script restarted right after a crash looks the same, so it is not refused."""
    found = connection.run_resume_status(entity=entity, project=project, name=moment.run).project
    run = found.run if found is not None else None
    heard = run.heartbeat_at if run is not None and run.state in ("running", "preempting") else None
    if run is not None and heard:
        when = datetime.datetime.fromisoformat(heard)
        if when.tzinfo is None:
            when = when.replace(tzinfo=datetime.timezone.utc)
        age = (datetime.datetime.now(datetime.timezone.utc) - when).total_seconds()
        if age < live_seconds:
            warn(f"run {entity}/{project}/{moment.run} is {run.state} and was heard from {max(age, 0):.0f} s ago: "
                 "another process seems to be writing it still; rewinding it drops what that process logged "
                 f"after {moment.metric} {moment.value}, and what it logs next may clash with this session's")
    try:
        connection.rewind_run(run_name=moment.run, entity=entity, project=project, metric_name=moment.metric,
                              metric_value=float(moment.value))
    except CommError as exc:
        where = f"{entity}/{project}/{moment.run}"
        raise _refused(exc, f"cannot rewind run {where} to {moment.metric} {moment.value}") from None
    for log in _sessions(root, entity, project, moment.run):
        (log.parent / SUPERSEDED).touch()


def _refused(exc: CommError, what: str) -> Exception:
    """The server's refusal of a branch point (no such run or step, no access) as a UsageError."""
    return UsageError(f"{what}: {exc}") if exc.code in ("BAD_USER_INPUT", "NOT_FOUND", "FORBIDDEN") else exc


def _sweep_parameters(path: str) -> dict[str, Any]:
    """The parameters a sweep agent chose for this run, from the file it wrote (W&B's sweep_param_path:
    YAML {name: {"value": v}}, beside W&B's wandb_version key)."""
    import yaml

    try:
        document = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise UsageError(f"cannot read the sweep parameters at {path} (sweep_param_path): {exc}") from None
    if not isinstance(document, dict):
        raise UsageError(f"the sweep parameters at {path} (sweep_param_path) are not a mapping")
    return from_wandb_shape({key: item for key, item in document.items() if key != "wandb_version"})


def _check_resume(resume: str | bool | None, run_id: str, existing: Any) -> bool:
    if resume == "must" and existing is None:
        raise UsageError(f"resume='must' but there is no run with id {run_id!r} to resume")
    if resume == "never" and existing is not None:
        raise UsageError(f"resume='never' but a run with id {run_id!r} already exists")
    if resume is None and existing is not None:
        raise UsageError(f"a run with id {run_id!r} already exists; pass resume='allow' or 'must' to continue it")
    return existing is not None


def _sync_earlier_sessions(connection: Connection, root: Path, entity: str, project: str, *, run_id: str,
                           warn: Callable[[str], None], silent: bool) -> None:
    """Upload what earlier sessions of this run left in their record logs (the server was unreachable
    when they finished, or the process died) before resuming or rewinding it: the new session numbers its
    history steps and console lines after the server's last ones, so anything uploaded later would collide
    with them and be dropped (or, after a rewind, come back)."""
    from .sync import sync_log

    live = {Path(run._dir).parent for run in _active if run._dir is not None and not run._finished}
    for log in _sessions(root, entity, project, run_id):
        directory = log.parent
        if directory in live or (directory / SYNCED).exists() or (directory / SUPERSEDED).exists():
            continue
        warn(f"uploading what an earlier session of run {run_id} left in {directory} before resuming it")
        try:
            sync_log(connection, log, mark_crashed=False, warn=warn, silent=silent)
        except Exception as exc:  # noqa: BLE001 - whatever it was, resuming now would lose that data
            raise UsageError(f"cannot resume run {run_id}: an earlier session left data in {directory} that the "
                             f"server does not have, and uploading it failed ({exc}); upload it with "
                             f"`runbase sync {directory}`, then resume") from None


def _sessions(root: Path, entity: str, project: str, run_id: str) -> Iterator[Path]:
    """The record logs this machine's sessions of the run left under `root` (not those of another project's
    run with the same id)."""
    from .records import read

    for directory in sorted(root.glob(f"*run-*-{glob.escape(run_id)}")):
        log = directory / f"run-{run_id}.runbase"  # also tells "x-abc" from a run "abc"'s folder
        if not log.is_file():
            continue
        first = next((record for record in read(log) if record.get("t") == RUN), None)
        if first is not None and first.get("modelName") == project and first.get("entityName") in (None, entity):
            yield log


def _auto_resume_id(root: Path) -> str | None:
    try:
        run_id = json.loads((root / "resume.json").read_text())["run_id"]
    except (OSError, ValueError, KeyError):
        return None
    return run_id if isinstance(run_id, str) else None


def finish_run(run: Run, exit_code: int | None, state: str | None = None, *, timeout: float | None = None) -> None:
    """End the run: its state is `state`, else finished for exit code 0 and failed for any other (as W&B),
    waiting for the server at most `timeout` seconds (x_finish_timeout if None). Ctrl-C while it waits records
    what is left for `runbase sync` and sends nothing more."""
    if run._forked("finish()"):
        return
    if not run._finished:
        run._upload_at_end()  # saved files go up before the run is marked finished, however it ends
    with _lock:
        if run._finished:
            return
        run._finished = True
    final = {"state": state or ended_state(exit_code), "exitCode": exit_code or 0}
    try:
        _end(run, final, filled(run._settings.x_finish_timeout, "x_finish_timeout") if timeout is None else timeout)
    except KeyboardInterrupt:
        if run._sender is not None:
            _abandon(run, final)
        raise
    finally:
        with _lock:
            if run in _active:
                _active.remove(run)
            import runbase

            if runbase.run is run:
                _set_globals(None)
            if not _own():
                _release_sigterm()


def _end(run: Run, final: dict[str, Any], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    if run._watcher is not None:
        run._watcher.unwatch()  # its hooks would log to a run that is gone
    if run._console is not None:
        run._console.stop()
    if run._system is not None:
        run._system.stop()
    if run._metadata is not None:
        run._metadata.join(min(METADATA_WAIT, timeout))  # its files are recorded before the run's end
    if run._sender is None:
        return
    warn = _warner(run._settings)
    if run._pending:
        run._commit()
    delivered = run._sender.close(_reported(run, final), max(0.0, deadline - time.monotonic()))
    try:
        run._sender.log.close()
    except OSError:
        pass  # reported by the sender already
    run_dir = run._sender.log.path.parent
    if run._sender.broken:
        warn(f"{run._sender.failed}: the run's data is incomplete; what was recorded is in {run_dir}")
    elif run._settings.mode == "online":
        if delivered:
            try:
                (run_dir / SYNCED).touch()
            except OSError:
                pass  # the run folder is gone: nothing is left for `runbase sync` anyway
        else:
            warn(f"could not reach the server ({run._sender.failed}); everything is kept in {run_dir}: "
                 f"upload it with `runbase sync {run_dir}`")
    if run._settings.resume == "auto" and final["state"] == "finished":
        (run_dir.parent / "resume.json").unlink(missing_ok=True)


def _reported(run: Run, final: dict[str, Any]) -> dict[str, Any] | None:
    """The final fields sent: None where another process sets the run's final state (x_update_finish_state)."""
    return final if filled(run._settings.x_update_finish_state, "x_update_finish_state") else None


def _abandon(run: Run, final: dict[str, Any]) -> None:
    """Ctrl-C (or SIGTERM) during finish: the record log gets what is queued (the final state included; `final`
    if finish had not queued its own yet), nothing more is sent, and the process is not held up by a request in
    flight."""
    sender = run._sender
    assert sender is not None
    if sender.abandon(_reported(run, final)):
        try:
            sender.log.close()
        except OSError:
            pass
    run_dir = sender.log.path.parent
    if run._settings.mode == "online":
        _warner(run._settings)(f"interrupted: what the server did not get yet is kept in {run_dir}: upload it "
                               f"with `runbase sync {run_dir}`")


def _hook_process() -> None:
    """From the first run on (at init, as W&B hooks: a hook installed after `import runbase`, as
    rich.traceback.install() does, is chained, not lost): the code sys.exit, exit() or quit() exit with, and
    an uncaught exception, are what runs end with at exit; and SIGTERM, where nothing else handles it, ends
    the runs killed (preempted, if marked preempting) before the process dies of it."""
    global _exit_hooked, _previous_exit, _previous_excepthook, _sigterm_pid
    if not _exit_hooked:
        _exit_hooked = True
        _previous_exit = sys.exit
        sys.exit = _exit
        _previous_excepthook = sys.excepthook
        sys.excepthook = _excepthook
        import builtins

        for name in ("exit", "quit"):  # site's: they raise SystemExit, which atexit cannot see
            if hasattr(builtins, name):
                setattr(builtins, name, ExitRecorder(getattr(builtins, name)))
        _watch_main_module()
    if _sigterm_pid == os.getpid() or threading.current_thread() is not threading.main_thread():
        return  # installed already; or not installable (signal handlers belong to the main thread)
    try:
        current = signal.getsignal(signal.SIGTERM)
        if current is not _on_sigterm:  # ours is inherited by a forked child, which takes it over
            if current is not signal.SIG_DFL:
                return  # the script's own handler (or an ignored SIGTERM) is left alone
            signal.signal(signal.SIGTERM, _on_sigterm)
    except (ValueError, OSError):
        return
    _sigterm_pid = os.getpid()


MONITORING_TOOLS = (4, 3)  # sys.monitoring tool ids free by convention (0-2 and 5 are the named ones)
_main_code: Any = None  # the code of the script's top level that _watch_main_module watches


def _watch_main_module() -> None:
    """`raise SystemExit(n)` in a script, uncaught, reaches neither sys.exit nor sys.excepthook, and the
    interpreter keeps its status to itself. From Python 3.12 on, sys.monitoring reports each exception leaving
    a Python frame (at no cost until one does): one leaving the script's top level (`__main__`'s module code)
    ends the process with its status. Before 3.12 nothing tells it short of tracing every line, which slows
    every script several times: there such a run ends with 0, as W&B's does. Not in a notebook, whose shell
    catches SystemExit."""
    global _main_code
    monitoring = getattr(sys, "monitoring", None)
    main = sys.modules.get("__main__")
    if monitoring is None or main is None or jupyter.shell() is not None:
        return
    frame: Any = sys._getframe()
    while frame is not None:
        if frame.f_code.co_name == "<module>" and frame.f_globals is vars(main):
            _main_code = frame.f_code  # the outermost such frame: runpy's -m runs it below its own
        frame = frame.f_back
    tool = next((tool for tool in MONITORING_TOOLS if monitoring.get_tool(tool) is None), None)
    if _main_code is None or tool is None:
        return
    monitoring.use_tool_id(tool, "runbase")
    monitoring.register_callback(tool, monitoring.events.PY_UNWIND, _on_unwind)
    monitoring.set_events(tool, monitoring.get_events(tool) | monitoring.events.PY_UNWIND)


def _on_unwind(code: Any, offset: int, exception: BaseException) -> None:
    if code is _main_code and isinstance(exception, SystemExit):
        _record_exit(exception.code)


def _release_sigterm() -> None:
    """With no run left, SIGTERM kills at once again (unless someone replaced our handler since)."""
    global _sigterm_pid
    if _sigterm_pid is None or _exiting or threading.current_thread() is not threading.main_thread():
        return  # at exit, signal.signal() would make a Ctrl-C'd Python exit with 1 instead of dying of SIGINT
    try:
        if signal.getsignal(signal.SIGTERM) is _on_sigterm:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
    except (ValueError, OSError):
        return
    _sigterm_pid = None


def _on_sigterm(signum: int, frame: Any) -> None:
    """Mark every active run of this process killed (preempted, if it was marked preempting), with exit code
    128 + the signal, and flush it for at most SIGTERM_FINISH_WAIT seconds; then die of the signal, with the
    status a shell expects. A second SIGTERM while flushing kills at once."""
    signal.signal(signum, signal.SIG_DFL)
    try:
        for run in _own():
            state, code = "preempted" if run._preempting else "killed", SIGNAL_EXIT_BASE + signum
            if not run._finished:
                finish_run(run, code, state, timeout=SIGTERM_FINISH_WAIT)
            elif run._sender is not None and not run._sender.ended.is_set():  # SIGTERM interrupted its finish()
                _abandon(run, {"state": state, "exitCode": code})
    finally:
        os.kill(os.getpid(), signum)
        os._exit(SIGNAL_EXIT_BASE + signum)  # only if the signal did not end the process (it is blocked)


def _record_exit(status: object) -> None:
    """The code sys.exit(status) exits the process with, when the main thread calls it (elsewhere it ends
    only its thread)."""
    global _exit_code
    if threading.current_thread() is threading.main_thread():
        _exit_code = exit_status(status)


def _exit(status: str | int | None = None) -> NoReturn:
    _record_exit(status)
    _previous_exit(status)


class ExitRecorder:
    """builtins.exit or quit, recording the code before doing what it did."""

    def __init__(self, quitter: Callable[..., Any]) -> None:
        self._quitter = quitter

    def __repr__(self) -> str:
        return repr(self._quitter)

    def __call__(self, code: object = None) -> None:
        _record_exit(code)
        self._quitter(code)


def _excepthook(exc_type: type[BaseException], exc: BaseException, tb: Any) -> None:
    global _exit_code
    _exit_code = exception_exit_code(exc)
    _previous_excepthook(exc_type, exc, tb)


def _at_exit() -> None:
    global _exiting, _exit_code
    _exiting = True
    # A hook set after init replaced ours: the exception the interpreter is exiting of is where it always
    # leaves an uncaught one (sys.last_exc, or last_value before 3.12) before calling the hook.
    uncaught = getattr(sys, "last_exc", None) or getattr(sys, "last_value", None)
    if _exit_hooked and sys.excepthook is not _excepthook and _exit_code == 0 and isinstance(uncaught,
                                                                                             BaseException):
        _exit_code = exception_exit_code(uncaught)
    teardown()


_previous_excepthook = sys.excepthook
_previous_exit = sys.exit
atexit.register(_at_exit)
