"""SDK settings with W&B's names: init() arguments over Settings over RUNBASE_*/WANDB_* variables."""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .errors import UsageError
from .run_moment import RunMoment, branch_points

DEFAULT_BASE_URL = "http://127.0.0.1:8080"
MODES = ("online", "offline", "disabled")
MODE_ALIASES = {"run": "online", "dryrun": "offline"}
RESUME = ("allow", "never", "must", "auto")
REINIT = ("default", "return_previous", "finish_previous", "create_new")
# W&B's console modes. runbase captures by wrapping sys.stdout/sys.stderr for all but "off";
# "redirect" (file-descriptor capture in W&B) falls back to that with a warning.
CONSOLE = ("auto", "off", "wrap", "redirect", "wrap_raw", "wrap_emu")


def _first_set(names: Sequence[str]) -> tuple[str, str] | None:
    """(full name, value) of the first non-empty variable among RUNBASE_<name>, then WANDB_<name>: every
    RUNBASE_ spelling wins over every WANDB_ one, so runbase's own variables always beat W&B's."""
    for prefix in ("RUNBASE_", "WANDB_"):
        for name in names:
            value = os.environ.get(prefix + name)
            if value:
                return prefix + name, value
    return None


def env(name: str) -> str | None:
    """RUNBASE_X, or WANDB_X so that W&B users' environments keep working."""
    found = _first_set((name,))
    return found[1] if found is not None else None


TRUE = ("true", "1", "yes", "on")
FALSE = ("false", "0", "no", "off")
# W&B's variable names for settings whose own upper-cased name is not the variable's (both are read).
ENV_NAMES = {"root_dir": ("DIR",), "run_name": ("NAME",), "run_notes": ("NOTES",), "run_tags": ("TAGS",),
             "run_job_type": ("JOB_TYPE",)}


def _env_names(setting: str) -> list[str]:
    """The variables (without RUNBASE_/WANDB_) a setting is read from: W&B's name, then the setting's own
    upper-cased, and for x_ settings also W&B's double-underscore form (WANDB__FINISH_TIMEOUT)."""
    names = [*ENV_NAMES.get(setting, ()), setting.upper()]
    return names + ([f"_{setting[2:].upper()}"] if setting.startswith("x_") else [])


def env_setting(setting: str) -> Any:
    """One setting's value from the environment (None when unset), parsed as from_environment parses it,
    so a value that cannot be read is the same error wherever it is read."""
    found = _first_set(_env_names(setting))
    if found is None:
        return None
    parse = ENV_PARSERS.get(setting)
    return parse(*found) if parse is not None else found[1]


def _flag(variable: str, value: str) -> bool:
    if value.strip().lower() in TRUE:
        return True
    if value.strip().lower() in FALSE:
        return False
    raise UsageError(f"{variable} must be true or false (or 1/0, yes/no, on/off), not {value!r}")


def _number(kind: type[int] | type[float]) -> Callable[[str, str], int | float]:
    def parse(variable: str, value: str) -> int | float:
        try:
            return kind(value.strip())
        except ValueError:
            what = "an integer" if kind is int else "a number"
            raise UsageError(f"{variable} must be {what}, not {value!r}") from None

    return parse


def _check_number(name: str, value: Any, default: int | float) -> None:
    """A positive, finite number no larger than the setting allows (1e400 reads as inf, which would pass
    `> 0` and then overflow a timer), of the default's kind."""
    kinds, what = ((int,), "integer") if isinstance(default, int) else ((int, float), "number")
    if isinstance(value, bool) or not isinstance(value, kinds) or not 0 < value <= MAXIMA[name]:
        raise UsageError(f"{name} must be a positive {what} of at most {MAXIMA[name]:g}, not {value!r}")


def _flag_or_word(variable: str, value: str) -> bool | str:
    """reinit's and resume's true/false, or one of their words (checked() checks those)."""
    return _flag(variable, value) if value.strip().lower() in TRUE + FALSE else value.strip()


def _listed(variable: str, value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


def _json(variable: str, value: str) -> Any:
    """W&B reads its dict- and list-valued x_stats_* variables as JSON."""
    try:
        return json.loads(value)
    except ValueError:
        raise UsageError(f"{variable} must be JSON, not {value!r}") from None


def _json_or_listed(variable: str, value: str) -> Any:
    """A JSON list (W&B's form), or comma-separated items."""
    return _json(variable, value) if value.lstrip().startswith("[") else _listed(variable, value)


def _device_ids(variable: str, value: str) -> Any:
    """GPU indices as a JSON list (W&B's form) or comma-separated integers."""
    if value.lstrip().startswith("["):
        return _json(variable, value)
    try:
        return tuple(int(item) for item in _listed(variable, value))
    except ValueError:
        raise UsageError(f"{variable} must be a JSON list or comma-separated GPU indices, not {value!r}") from None


# How a variable's text becomes a setting's value; settings not named here take the text as it is.
ENV_PARSERS: dict[str, Callable[[str, str], Any]] = {
    "allow_val_change": _flag, "quiet": _flag, "silent": _flag, "reinit": _flag_or_word, "resume": _flag_or_word,
    "heartbeat_seconds": _number(float), "init_timeout": _number(float), "x_finish_timeout": _number(float),
    "x_max_row_bytes": _number(int), "run_tags": _listed, "config_paths": _listed,
    "x_disable_stats": _flag, "x_stats_track_process_tree": _flag, "x_stats_sampling_interval": _number(float),
    "x_stats_samples_to_average": _number(int), "x_stats_pid": _number(int), "x_stats_disk_paths": _json_or_listed,
    "x_stats_gpu_device_ids": _device_ids, "x_stats_open_metrics_endpoints": _json,
    "x_stats_open_metrics_filters": _json, "x_stats_open_metrics_http_headers": _json,
    "x_stats_cpu_count": _number(int), "x_stats_cpu_logical_count": _number(int), "x_stats_gpu_count": _number(int),
    "x_stats_buffer_size": _number(int), "save_code": _flag, "disable_code": _flag, "disable_git": _flag,
    "ignore_globs": _listed, "x_disable_meta": _flag, "x_disable_machine_info": _flag,
}
# Defaults of the settings that are None until checked(), so that an explicit Settings value, even one equal
# to the default, wins over the environment and an unset one does not hide it.
DEFAULTS: dict[str, Any] = {"quiet": False, "silent": False, "allow_val_change": False, "heartbeat_seconds": 30.0,
                            "init_timeout": 90.0, "x_finish_timeout": 300.0, "x_max_row_bytes": 16 * 1024 * 1024,
                            "x_disable_stats": False, "x_stats_track_process_tree": False,
                            "x_stats_sampling_interval": 15.0, "x_stats_samples_to_average": 1,
                            "save_code": False, "disable_code": False, "disable_git": False,
                            "x_disable_meta": False, "x_disable_machine_info": False}
T = TypeVar("T")


def filled(value: T | None, name: str) -> T:
    """A setting that checked() fills in, as the set value it then is (the default if never checked)."""
    return DEFAULTS[name] if value is None else value


# Upper bounds of the numeric settings: a week of seconds for the timers, 1 GiB for a history row.
# The system sampler averages at most 30 readings per row (the bound W&B's older monitor clamped to).
MAXIMA: dict[str, float] = {"heartbeat_seconds": 7 * 86400, "init_timeout": 7 * 86400, "x_finish_timeout": 7 * 86400,
                            "x_max_row_bytes": 1024 ** 3, "x_stats_sampling_interval": 7 * 86400,
                            "x_stats_samples_to_average": 30}


@dataclass
class Settings:
    """What init() runs with. None means "not set": init() arguments win over Settings, which win over the
    RUNBASE_*/WANDB_* variables (see from_environment), which win over the defaults that checked() fills in."""

    api_key: str | None = None
    base_url: str | None = None
    entity: str | None = None
    project: str | None = None
    mode: str | None = None
    root_dir: str | None = None
    run_id: str | None = None
    run_name: str | None = None
    run_notes: str | None = None
    run_tags: tuple[str, ...] | None = None
    run_group: str | None = None
    run_job_type: str | None = None
    resume: str | bool | None = None
    reinit: str | bool | None = None
    # "<run id>?_step=<step>" or a RunMoment: the run to rewind to that step (resume_from), or to fork a new
    # run from (fork_from); checked() makes them RunMoments (see runbase.run_moment).
    resume_from: RunMoment | str | None = None
    fork_from: RunMoment | str | None = None
    allow_val_change: bool | None = None
    # YAML files whose values init() loads into the config first (its `config` argument wins over them).
    config_paths: Sequence[str | os.PathLike[str]] | None = None
    heartbeat_seconds: float | None = None  # 30
    init_timeout: float | None = None  # 90
    quiet: bool | None = None  # no "started run" line
    silent: bool | None = None  # no line of runbase's own at all, warnings included
    # Console capture (W&B's Settings.console); None means "auto".
    console: str | None = None
    # Seconds finish() waits for an unreachable server before leaving the data for `runbase sync` (300).
    x_finish_timeout: float | None = None
    # Largest serialized history row the SDK accepts (16 MiB).
    x_max_row_bytes: int | None = None
    # The system-metrics sampler (runbase.system), with W&B's names: no sampler at all (False); seconds between
    # readings (15.0, at least 0.1); readings averaged into each row (1: W&B's older monitor's
    # _stats_samples_to_average, at most 30); the process measured (the process that calls init); whether its
    # descendants count too (False); paths whose disk usage is recorded (("/",)); the NVML indices of the GPUs
    # measured (None: all); OpenMetrics endpoints {name: URL} scraped each reading, the metrics kept (regexes on
    # "name.metric", or {regex: {label: value regex}}; None: all) and the headers sent. The dict and list
    # settings also accept JSON text, as W&B's do.
    x_disable_stats: bool | None = None
    x_stats_sampling_interval: float | None = None
    x_stats_samples_to_average: int | None = None
    x_stats_pid: int | None = None
    x_stats_track_process_tree: bool | None = None
    x_stats_disk_paths: Sequence[str | os.PathLike[str]] | None = None
    x_stats_gpu_device_ids: Sequence[int] | None = None
    x_stats_open_metrics_endpoints: dict[str, str] | None = None
    x_stats_open_metrics_filters: dict[str, dict[str, str]] | Sequence[str] | None = None
    x_stats_open_metrics_http_headers: dict[str, str] | None = None
    # The reference's other x_stats_* settings, checked here; the sampler does not read them. The metadata's
    # CPU and GPU counts and GPU type, if set, replace what is detected; W&B's in-memory sample buffer
    # (run._system_metrics; 0: none, -1: all), its DCGM Prometheus query URL, its AWS neuron-monitor config
    # and its CoreWeave metadata server (defaults http://169.254.169.254 and /api/v2/cloud-init/meta-data).
    x_stats_cpu_count: int | None = None
    x_stats_cpu_logical_count: int | None = None
    x_stats_gpu_count: int | None = None
    x_stats_gpu_type: str | None = None
    x_stats_buffer_size: int | None = None
    x_stats_dcgm_exporter: str | None = None
    x_stats_neuron_monitor_config_path: str | os.PathLike[str] | None = None
    x_stats_coreweave_metadata_base_url: str | None = None
    x_stats_coreweave_metadata_endpoint: str | None = None
    # The run's metadata and code (runbase.metadata): save the main program under code/ and, in a git
    # repository, `git diff HEAD` as diff.patch (False unless set); never save code (disable_code wins over
    # save_code); no git fields or diff (disable_git); with save_code, also log the source files under
    # code_dir as a "code" artifact (run.log_code); the program's path instead of __main__'s (program);
    # run-file names matched by these globs are not uploaded (ignore_globs); no wandb-metadata.json at all
    # (x_disable_meta); no machine fields in it, and no diff (x_disable_machine_info).
    save_code: bool | None = None
    disable_code: bool | None = None
    disable_git: bool | None = None
    code_dir: str | os.PathLike[str] | None = None
    program: str | None = None
    ignore_globs: Sequence[str] | None = None
    x_disable_meta: bool | None = None
    x_disable_machine_info: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_environment(cls) -> Settings:
        """Every setting from its RUNBASE_/WANDB_ variable: W&B's names (NAME, NOTES, TAGS, JOB_TYPE, DIR)
        or the setting's upper-cased (RUN_ID, RUN_GROUP, RESUME, CONFIG_PATHS, SILENT, QUIET, ...); lists
        are comma-separated, flags true/false. A value that cannot be read is an error naming the variable."""
        values = {f.name: env_setting(f.name) for f in dataclasses.fields(cls) if f.name != "extra"}
        return cls(**{name: value for name, value in values.items() if value is not None})

    def updated(self, values: Settings | dict[str, Any] | None) -> Settings:
        """A copy with the given non-None values applied; unknown names are an error."""
        if values is None:
            return dataclasses.replace(self)
        if isinstance(values, Settings):
            values = {f.name: getattr(values, f.name) for f in dataclasses.fields(values) if f.name != "extra"}
        if not isinstance(values, dict):
            raise UsageError(f"settings must be a runbase.Settings or a dict, not {type(values).__name__}")
        known = {f.name for f in dataclasses.fields(self)} - {"extra"}
        unknown = sorted(set(values) - known)
        if unknown:
            raise UsageError(f"unknown setting(s): {', '.join(unknown)}")
        return dataclasses.replace(self, **{k: v for k, v in values.items() if v is not None})

    def checked(self) -> Settings:
        """A copy with the defaults filled in, or a UsageError naming the first setting that is wrong."""
        mode = MODE_ALIASES.get(self.mode or "online", self.mode or "online")
        if mode == "shared":
            raise NotImplementedError("mode='shared' (several processes logging to one run) is not supported yet")
        if mode not in MODES:
            raise UsageError(f"mode must be one of {', '.join(MODES)}, not {self.mode!r}")
        resume = "auto" if self.resume is True else None if self.resume is False else self.resume
        if resume is not None and resume not in RESUME:
            raise UsageError(f"resume must be one of {', '.join(RESUME)} (or True/False), not {self.resume!r}")
        if self.reinit is not None and not isinstance(self.reinit, bool) and self.reinit not in REINIT:
            raise UsageError(f"reinit must be one of {', '.join(REINIT)} (or True/False), not {self.reinit!r}")
        rewind, fork = branch_points(run_id=self.run_id, resume=resume, resume_from=self.resume_from,
                                     fork_from=self.fork_from)
        console = self.console or "auto"
        if console not in CONSOLE:
            raise UsageError(f"console must be one of {', '.join(CONSOLE)}, not {self.console!r}")
        filled = {name: default if getattr(self, name) is None else getattr(self, name)
                  for name, default in DEFAULTS.items()}
        for name, value in filled.items():
            default = DEFAULTS[name]
            if isinstance(default, bool):
                if not isinstance(value, bool):
                    raise UsageError(f"{name} must be True or False, not {value!r}")
                continue
            _check_number(name, value, default)
        for name in ("program", "code_dir"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, (str, os.PathLike)):
                raise UsageError(f"{name} must be a path, not {value!r}")
        globs = self.ignore_globs
        if globs is not None and (isinstance(globs, str) or not isinstance(globs, Sequence)
                                  or not all(isinstance(g, str) for g in globs)):
            raise UsageError(f"ignore_globs must be a list of glob patterns, not {globs!r}")
        return dataclasses.replace(self, mode=mode, resume=resume, console=console, resume_from=rewind,
                                   fork_from=fork, run_id=self.run_id or (rewind.run if rewind else None),
                                   config_paths=_paths(self.config_paths), **{**filled, **stats_values(self)},
                                   ignore_globs=tuple(globs or ()))


def _paths(value: Any) -> tuple[str, ...] | None:
    """config_paths as a tuple of paths; one path alone (not a list) is taken as a list of one."""
    if value is None:
        return None
    if isinstance(value, (str, os.PathLike)):
        value = [value]
    if not isinstance(value, Sequence) or not all(isinstance(path, (str, os.PathLike)) for path in value):
        raise UsageError(f"config_paths must be a list of file paths, not {value!r}")
    return tuple(os.fspath(path) for path in value)


def stats_values(settings: Settings) -> dict[str, Any]:
    """The system sampler's settings as it reads them: defaults filled in, JSON text parsed, sequences as
    tuples, every regex checked, or a UsageError naming the setting. checked() and the sampler both call it,
    so a bad setting is refused at init() and the sampler thread never meets one."""
    values = {name: filled(getattr(settings, name), name) for name in STATS_DEFAULTS}
    for name, value in values.items():
        if isinstance(DEFAULTS[name], bool):
            if not isinstance(value, bool):
                raise UsageError(f"{name} must be True or False, not {value!r}")
        else:
            _check_number(name, value, DEFAULTS[name])
    if values["x_stats_sampling_interval"] < 0.1:  # W&B's floor
        raise UsageError("x_stats_sampling_interval cannot be less than 0.1 seconds, "
                         f"not {values['x_stats_sampling_interval']!r}")
    pid = os.getpid() if settings.x_stats_pid is None else settings.x_stats_pid
    if isinstance(pid, bool) or not isinstance(pid, int) or pid <= 0:
        raise UsageError(f"x_stats_pid must be a positive process id, not {pid!r}")
    return {**values, **_other_stats(settings), "x_stats_pid": pid,
            "x_stats_disk_paths": _disk_paths(settings.x_stats_disk_paths),
            "x_stats_gpu_device_ids": _gpu_ids(_parsed("x_stats_gpu_device_ids", settings.x_stats_gpu_device_ids)),
            "x_stats_open_metrics_endpoints": _text_dict(
                "x_stats_open_metrics_endpoints", settings.x_stats_open_metrics_endpoints, urls=True),
            "x_stats_open_metrics_filters": _filters(settings.x_stats_open_metrics_filters),
            "x_stats_open_metrics_http_headers": _text_dict(
                "x_stats_open_metrics_http_headers", settings.x_stats_open_metrics_http_headers)}


def _other_stats(settings: Settings) -> dict[str, Any]:
    """The x_stats_* settings the sampler does not read, checked and with W&B's defaults."""
    values: dict[str, Any] = {}
    for name, least in (("x_stats_cpu_count", 1), ("x_stats_cpu_logical_count", 1), ("x_stats_gpu_count", 0),
                        ("x_stats_buffer_size", -1)):
        value = values[name] = getattr(settings, name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < least):
            raise UsageError(f"{name} must be an integer of at least {least}, not {value!r}")
    for name, url in (("x_stats_gpu_type", False), ("x_stats_dcgm_exporter", True),
                      ("x_stats_coreweave_metadata_base_url", True), ("x_stats_coreweave_metadata_endpoint", False)):
        value = getattr(settings, name)
        if value is not None and not (isinstance(value, str) and (not url or _is_url(value))):
            raise UsageError(f"{name} must be {'an http:// or https:// URL' if url else 'a string'}, not {value!r}")
    path = settings.x_stats_neuron_monitor_config_path
    if path is not None and not isinstance(path, (str, os.PathLike)):
        raise UsageError(f"x_stats_neuron_monitor_config_path must be a file path, not {path!r}")
    return {**values, "x_stats_buffer_size": values["x_stats_buffer_size"] or 0,
            "x_stats_coreweave_metadata_base_url": (settings.x_stats_coreweave_metadata_base_url
                                                    or "http://169.254.169.254").rstrip("/"),
            "x_stats_coreweave_metadata_endpoint": (settings.x_stats_coreweave_metadata_endpoint
                                                    or "/api/v2/cloud-init/meta-data"),
            "x_stats_neuron_monitor_config_path": None if path is None else os.fspath(path)}


def _is_url(text: str) -> bool:
    return re.match(r"https?://[^/\s]+", text) is not None


# The sampler's settings that DEFAULTS fills in.
STATS_DEFAULTS = ("x_disable_stats", "x_stats_track_process_tree", "x_stats_sampling_interval",
                  "x_stats_samples_to_average")


def _parsed(name: str, value: Any) -> Any:
    """W&B's validators read a str given for a dict or list setting as JSON."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        raise UsageError(f"{name} given as text must be JSON, not {value!r}") from None


def _disk_paths(value: Any) -> tuple[str, ...]:
    if value is None:
        return ("/",)
    if isinstance(value, (str, os.PathLike)):
        value = [value]
    if not isinstance(value, Sequence) or not all(isinstance(path, (str, os.PathLike)) for path in value):
        raise UsageError(f"x_stats_disk_paths must be a list of paths, not {value!r}")
    return tuple(os.fspath(path) for path in value)


def _gpu_ids(value: Any) -> tuple[int, ...] | None:
    if value is None:
        return None
    if (isinstance(value, (str, bytes)) or not isinstance(value, Sequence)
            or not all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in value)):
        raise UsageError(f"x_stats_gpu_device_ids must be a list of GPU indices (integers from 0), not {value!r}")
    return tuple(value)


def _text_dict(name: str, value: Any, *, urls: bool = False) -> dict[str, str] | None:
    """A {name: text} setting; with urls, every value an http(s) URL."""
    value = _parsed(name, value)
    if value is None:
        return None
    if not isinstance(value, dict) or not all(isinstance(k, str) and k and isinstance(v, str)
                                              for k, v in value.items()):
        raise UsageError(f"{name} must be a dict of non-empty names to strings, not {value!r}")
    for key, url in value.items():
        if urls and not _is_url(url):
            raise UsageError(f"{name}[{key!r}] must be an http:// or https:// URL, not {url!r}")
    return dict(value)


def _regex(name: str, pattern: Any) -> str:
    if not isinstance(pattern, str):
        raise UsageError(f"{name} must hold regular expressions (strings), not {pattern!r}")
    try:
        re.compile(pattern)
    except re.error as e:
        raise UsageError(f"{name}: {pattern!r} is not a valid regular expression ({e})") from None
    return pattern


def _filters(value: Any) -> dict[str, dict[str, str]] | tuple[str, ...] | None:
    """W&B's two forms: regexes on "endpoint.metric", or {metric regex: {label: value regex}}."""
    name = "x_stats_open_metrics_filters"
    value = _parsed(name, value)
    if value is None:
        return None
    if isinstance(value, dict):
        if not all(isinstance(labels, dict) for labels in value.values()):
            raise UsageError(f"{name} as a dict must map metric regexes to {{label: value regex}} dicts, "
                             f"not {value!r}")
        return {_regex(name, metric): {_label(name, label): _regex(name, pattern)
                                       for label, pattern in labels.items()}
                for metric, labels in value.items()}
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise UsageError(f"{name} must be a list of regexes or a dict of them, not {value!r}")
    return tuple(_regex(name, pattern) for pattern in value)


def _label(name: str, label: Any) -> str:
    if not isinstance(label, str) or not label:
        raise UsageError(f"{name}: label names must be non-empty strings, not {label!r}")
    return label
