"""Settings: what init() runs with, under W&B's names, and where each value comes from."""

from __future__ import annotations

import datetime
import os
import socket
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..errors import UnknownSettingError, UsageError
from ..links import page_url
from ..run_moment import RunMoment, branch_points
from . import files
from .environment import env_setting, env_values
from .fields import FIELDS, MODE_ALIASES, MODES, WANDB_CLOUD_URL, filled
from .kinds import redacted

# Settings whose feature runbase does not have: setting them is an error at init(), never silently ignored.
NOT_BUILT = {
    "identity_token_file": "identity-token (JWT) logins are not supported: runbase needs an API key",
    "x_files_dir": "x_files_dir (run files kept outside the run's folder) is not supported: runbase sync reads "
                   "them from the run's folder",
}


# Settings whose values (a dict's values) repr() shows as ***.
SECRET_VALUES = ("api_key", "azure_account_url_to_access_key", "x_extra_http_headers",
                 "x_stats_open_metrics_http_headers")


def _no_debug_log(name: str) -> property:
    """A W&B debug-log path property that runbase cannot give: it has no internal process and writes no debug
    logs."""
    def refuse(self: object) -> str:
        raise NotImplementedError(f"{name}: runbase writes no debug logs (its messages go to the 'runbase' logger)")

    return property(refuse)


@dataclass(repr=False)
class Settings:
    """What init() runs with. A setting not set (or set to None) reads its default (fields.FIELDS), yet stays
    apart from one set to that value: init() arguments win over Settings, which win over setup(), the
    RUNBASE_*/WANDB_* variables and the settings files (see from_sources), which win over the defaults, and
    only what is set takes part (as_dict, updated). The instance holds what is set, the class the defaults.
    Every value is checked when it is set (a UsageError naming the setting); the reference's computed
    settings (files_dir, run_url, ...) are read-only properties."""

    allow_offline_artifacts: bool | None = None
    allow_val_change: bool | None = None
    anonymous: Literal["must", "allow", "never"] | None = None
    api_key: str | None = None
    azure_account_url_to_access_key: dict[str, str] | None = None
    base_url: str | None = None
    code_dir: str | os.PathLike[str] | None = None
    # YAML files whose values init() loads into the config first (its `config` argument wins over them).
    config_paths: Sequence[str | os.PathLike[str]] | None = None
    console: str | None = None  # "auto"
    console_multipart: bool | None = None
    credentials_file: str | None = None
    disable_code: bool | None = None
    disable_git: bool | None = None
    disable_job_creation: bool | None = None
    docker: str | None = None
    email: str | None = None
    entity: str | None = None
    organization: str | None = None
    force: bool | None = None
    git_commit: str | None = None
    git_remote: str | None = None
    git_remote_url: str | None = None
    git_root: str | None = None
    heartbeat_seconds: float | None = None  # 30
    host: str | None = None
    http_proxy: str | None = None
    https_proxy: str | None = None
    identity_token_file: str | None = None
    ignore_globs: Sequence[str] | None = None
    init_timeout: float | None = None  # 90
    insecure_disable_ssl: bool | None = None
    job_name: str | None = None
    job_source: Literal["repo", "artifact", "image"] | None = None
    label_disable: bool | None = None
    launch: bool | None = None
    launch_config_path: str | None = None
    login_timeout: float | None = None
    mode: str | None = None  # "online"
    notebook_name: str | None = None
    program: str | os.PathLike[str] | None = None
    program_abspath: str | None = None
    program_relpath: str | None = None
    project: str | None = None
    quiet: bool | None = None  # no "started run" line
    reinit: str | bool | None = None
    relogin: bool | None = None
    resume: str | bool | None = None
    resume_from: RunMoment | str | None = None
    fork_from: RunMoment | str | None = None
    resumed: bool | None = None
    root_dir: str | None = None
    run_group: str | None = None
    run_id: str | None = None
    run_job_type: str | None = None
    run_name: str | None = None
    run_notes: str | None = None
    run_tags: tuple[str, ...] | None = None
    sagemaker_disable: bool | None = None
    save_code: bool | None = None
    settings_system: str | None = None
    max_end_of_run_history_metrics: int | None = None
    max_end_of_run_summary_metrics: int | None = None
    show_colors: bool | None = None
    show_emoji: bool | None = None
    show_errors: bool | None = None
    show_info: bool | None = None
    show_warnings: bool | None = None
    silent: bool | None = None  # no line of runbase's own at all, warnings included
    start_method: str | None = None
    strict: bool | None = None
    summary_timeout: int | None = None
    summary_warnings: int | None = None
    sweep_id: str | None = None
    sweep_param_path: str | None = None
    symlink: bool | None = None
    sync_tensorboard: bool | None = None
    table_raise_on_max_row_limit_exceeded: bool | None = None
    username: str | None = None
    x_cli_only_mode: bool | None = None
    x_disable_meta: bool | None = None
    x_disable_viewer: bool | None = None
    x_disable_machine_info: bool | None = None
    x_executable: str | None = None
    x_extra_http_headers: dict[str, str] | None = None
    x_file_stream_max_bytes: int | None = None
    x_file_stream_max_line_bytes: int | None = None
    x_file_stream_transmit_interval: float | None = None
    x_file_stream_retry_max: int | None = None
    x_file_stream_retry_wait_min_seconds: float | None = None
    x_file_stream_retry_wait_max_seconds: float | None = None
    x_file_stream_timeout_seconds: float | None = None
    x_file_transfer_retry_max: int | None = None
    x_file_transfer_retry_wait_min_seconds: float | None = None
    x_file_transfer_retry_wait_max_seconds: float | None = None
    x_file_transfer_timeout_seconds: float | None = None
    x_files_dir: str | None = None
    x_flow_control_custom: bool | None = None
    x_flow_control_disabled: bool | None = None
    x_graphql_retry_max: int | None = None
    x_graphql_retry_wait_min_seconds: float | None = None
    x_graphql_retry_wait_max_seconds: float | None = None
    x_graphql_timeout_seconds: float | None = None
    x_internal_check_process: float | None = None
    x_jupyter_name: str | None = None
    x_jupyter_path: str | None = None
    x_jupyter_root: str | None = None
    x_label: str | None = None
    x_live_policy_rate_limit: int | None = None
    x_live_policy_wait_time: int | None = None
    x_log_level: int | None = None
    x_network_buffer: int | None = None
    x_primary: bool | None = None
    x_proxies: dict[str, str] | None = None
    x_runqueue_item_id: str | None = None
    x_save_requirements: bool | None = None
    x_server_side_derived_summary: bool | None = None
    x_server_side_expand_glob_metrics: bool | None = None
    x_service_transport: str | None = None
    x_service_wait: float | None = None
    x_skip_transaction_log: bool | None = None
    x_start_time: float | None = None
    x_sync: bool | None = None
    x_update_finish_state: bool | None = None
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
    # settings also accept JSON text, as W&B's do. The metadata's CPU and GPU counts and GPU type, if set,
    # replace what is detected.
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
    x_stats_cpu_count: int | None = None
    x_stats_cpu_logical_count: int | None = None
    x_stats_gpu_count: int | None = None
    x_stats_gpu_type: str | None = None
    x_stats_buffer_size: int | None = None
    x_stats_dcgm_exporter: str | None = None
    x_stats_neuron_monitor_config_path: str | os.PathLike[str] | None = None
    x_stats_coreweave_metadata_base_url: str | None = None
    x_stats_coreweave_metadata_endpoint: str | None = None

    def __new__(cls, *args: Any, **values: Any) -> Settings:
        """An unknown name is the UsageError every bad setting is (and the TypeError of an unknown keyword)."""
        unknown = sorted(set(values) - set(FIELDS))
        if unknown:
            raise UnknownSettingError(f"unknown setting(s): {', '.join(unknown)}")
        return super().__new__(cls)

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in FIELDS:
            if isinstance(getattr(type(self), name, None), property):
                raise UsageError(f"{name} is computed from the other settings and cannot be set")
            raise UnknownSettingError(f"unknown setting: {name}")
        if value is None:
            vars(self).pop(name, None)
        else:
            object.__setattr__(self, name, FIELDS[name].kind.check(name, value))

    def __copy__(self) -> Settings:
        """A copy that shares no dict or list with this one (each value is checked, so copied, anew)."""
        return self._replaced({})

    def __repr__(self) -> str:
        """The settings that are set, secrets hidden: the API key, access keys and header values as ***, and
        the passwords in proxy URLs."""
        def shown(name: str, value: Any) -> Any:
            if name in SECRET_VALUES:
                return {key: "***" for key in value} if isinstance(value, dict) else "***"
            if name in ("http_proxy", "https_proxy"):
                return redacted(value)
            return {key: redacted(url) for key, url in value.items()} if name == "x_proxies" else value

        return f"Settings({', '.join(f'{name}={shown(name, value)!r}' for name, value in self.as_dict().items())})"

    # -- where values come from --------------------------------------------------------------------------
    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Every setting from its RUNBASE_/WANDB_ variable: W&B's names (NAME, NOTES, TAGS, JOB_TYPE, DIR,
        HTTP_TIMEOUT, FILE_PUSHER_TIMEOUT, USER_EMAIL) or the setting's upper-cased (RUN_ID, SILENT, ...; x_
        ones also as WANDB__NAME); lists are comma-separated, flags true/false, dicts JSON. A value that
        cannot be read is an error naming the variable."""
        return cls(**env_values(environ))

    @classmethod
    def from_sources(cls, environ: Mapping[str, str] | None = None, *,
                     settings_system: str | None = None) -> Settings:
        """W&B's order, each over the one before: the system settings file (`settings_system`, else the one its
        variable names, else the usual ones), the workspace settings file (under the root directory the system
        file names, else the working directory), the environment."""
        settings = cls(settings_system=settings_system or env_setting("settings_system", environ))
        settings.update_from_system_config_file()
        settings.update_from_workspace_config_file()
        settings.update_from_env_vars(os.environ if environ is None else environ)
        return settings

    def update_from_system_config_file(self) -> None:
        """The settings_system file if set, else W&B's and runbase's system settings files."""
        paths = [Path(self.settings_system)] if self.settings_system else files.system_files()
        self.update_from_dict(files.read_all(paths))

    def update_from_workspace_config_file(self) -> None:
        """<root_dir>/wandb/settings, then <root_dir>/runbase/settings, less what a workspace file may not set
        (files.WORKSPACE_REFUSED)."""
        self.update_from_dict(files.read_all(files.workspace_files(self.root_dir), workspace=True))

    def update_from_env_vars(self, environ: Mapping[str, str]) -> None:
        self.update_from_dict(env_values(environ))

    def update_from_system_environment(self) -> None:
        """What W&B infers from the machine where not set: the host name, the Python executable and, unless
        x_cli_only_mode, the program and its paths (as the run's metadata records them)."""
        from ..metadata import find_program

        inferred: dict[str, Any] = {"host": self.host or socket.gethostname(),
                                    "x_executable": self.x_executable or sys.executable}
        if not self.x_cli_only_mode:
            program = find_program(self)
            inferred.update(program=program.program, program_abspath=program.abspath,
                            program_relpath=program.relpath)
        self.update_from_dict({name: value for name, value in inferred.items() if getattr(self, name) is None})

    def update_from_dict(self, settings: Mapping[str, Any]) -> None:
        """Set the given non-None values, all or (on an unknown name or a bad value) none of them."""
        vars(self).update(vars(self.updated(dict(settings))))

    def update_from_settings(self, settings: Settings) -> None:
        self.update_from_dict(settings.as_dict())

    def as_dict(self) -> dict[str, Any]:
        """The settings that are set (not those that read their defaults)."""
        return {name: vars(self)[name] for name in FIELDS if name in vars(self)}

    def to_proto(self) -> Any:
        raise NotImplementedError("Settings.to_proto: runbase has no wandb-core service to hand settings to")

    def updated(self, values: Settings | dict[str, Any] | None) -> Settings:
        """A copy with the given non-None values applied; unknown names are an error. W&B's older private
        names (_stats_pid) are read as their x_ names."""
        if values is None:
            return self._replaced({})
        if isinstance(values, Settings):
            values = values.as_dict()
        if not isinstance(values, dict):
            raise UsageError(f"settings must be a runbase.Settings or a dict, not {type(values).__name__}")
        values = {f"x{key}" if key.startswith("_") and not key.startswith("__") else key: value
                  for key, value in values.items()}
        unknown = sorted(set(values) - set(FIELDS))
        if unknown:
            raise UnknownSettingError(f"unknown setting(s): {', '.join(unknown)}")
        return self._replaced({k: v for k, v in values.items() if v is not None})

    def _replaced(self, values: Mapping[str, Any]) -> Settings:
        """A copy of what is set, with `values` set over it (None: not set)."""
        copy = type(self)(**self.as_dict())
        for name, value in values.items():
            setattr(copy, name, value)
        return copy

    def checked(self) -> Settings:
        """A copy with the mode, resume and branch points in their one form and the process the sampler
        measures fixed, or an error naming the first setting init() cannot run with."""
        for name, message in NOT_BUILT.items():
            if getattr(self, name) is not None:
                raise NotImplementedError(message)
        if self.sync_tensorboard:
            raise NotImplementedError("sync_tensorboard is not supported yet")
        if self.anonymous == "must":
            raise NotImplementedError("anonymous runs are not supported: runbase needs an API key")
        mode = filled(self.mode, "mode")
        mode = MODE_ALIASES.get(mode, mode)
        if mode == "shared":
            raise NotImplementedError("mode='shared' (several processes logging to one run) is not supported yet")
        if self.x_skip_transaction_log and mode == "offline":  # W&B's validate_skip_transaction_log
            raise UsageError("x_skip_transaction_log cannot be set for an offline run: the log is all it keeps")
        assert mode in MODES
        resume = "auto" if self.resume is True else None if self.resume is False else self.resume
        rewind, fork = branch_points(run_id=self.run_id, resume=resume, resume_from=self.resume_from,
                                     fork_from=self.fork_from)
        return self._replaced({"x_stats_pid": self.x_stats_pid, "mode": mode, "resume": resume, "resume_from": rewind,
                               "fork_from": fork, "run_id": self.run_id or (rewind.run if rewind else None)})

    # -- computed settings (the reference's read-only properties) ----------------------------------------
    @property
    def wandb_dir(self) -> str:
        """The run folder of the root directory: <root_dir>/runbase (W&B's wandb/)."""
        return os.path.join(os.path.abspath(self.root_dir or os.getcwd()), "runbase")

    @property
    def settings_workspace(self) -> str:
        return os.path.join(self.wandb_dir, files.FILE_NAME)

    @property
    def run_mode(self) -> Literal["run", "offline-run"]:
        return "offline-run" if self.mode in ("offline", "dryrun") else "run"

    @property
    def timespec(self) -> str:
        """The run's start time as its folder names it (known once init() has set x_start_time)."""
        if self.x_start_time is None:
            raise UsageError("timespec is known once the run has started (x_start_time is not set)")
        return datetime.datetime.fromtimestamp(self.x_start_time).strftime("%Y%m%d_%H%M%S")

    @property
    def sync_dir(self) -> str:
        """The run's folder: <wandb_dir>/<run_mode>-<timespec>-<run_id>."""
        if self.run_id is None:
            raise UsageError("sync_dir is known once the run has an id (run_id is not set)")
        return os.path.join(self.wandb_dir, f"{self.run_mode}-{self.timespec}-{self.run_id}")

    @property
    def files_dir(self) -> str:
        return os.path.join(self.sync_dir, "files")

    @property
    def sync_file(self) -> str:
        """The run's record log, runbase's transaction log."""
        return os.path.join(self.sync_dir, f"run-{self.run_id}.runbase")

    @property
    def sync_symlink_latest(self) -> str:
        return os.path.join(self.wandb_dir, "latest-run")

    @property
    def resume_fname(self) -> str:
        return os.path.join(self.wandb_dir, "resume.json")

    # W&B's paths of its debug logs: runbase writes none (its messages go to the 'runbase' logger).
    log_dir = _no_debug_log("log_dir")
    log_user = _no_debug_log("log_user")
    log_internal = _no_debug_log("log_internal")
    log_symlink_user = _no_debug_log("log_symlink_user")
    log_symlink_internal = _no_debug_log("log_symlink_internal")

    @property
    def is_local(self) -> bool:
        return self._base_url() != WANDB_CLOUD_URL

    @property
    def deployment(self) -> Literal["local", "cloud"]:
        return "local" if self.is_local else "cloud"

    @property
    def colab_url(self) -> str | None:
        """None: runbase does not detect Colab."""
        return None

    @property
    def project_url(self) -> str:
        """"" until the entity and project are known (init() sets them)."""
        if not (self.entity and self.project):
            return ""
        return page_url(self._base_url(), self.entity, self.project)

    @property
    def run_url(self) -> str:
        return page_url(self.project_url, "runs", self.run_id) if self.project_url and self.run_id else ""

    @property
    def sweep_url(self) -> str:
        return page_url(self.project_url, "sweeps", self.sweep_id) if self.project_url and self.sweep_id else ""

    def _base_url(self) -> str:
        from ..credentials import normalize_host

        assert self.base_url is not None, "an unset base_url reads runbase's default"
        return normalize_host(self.base_url)


class _ReadDefault:
    """A default worked out when it is read: the server runbase uses when none is set (the environment's, else
    the one logged in to last), and the process that reads x_stats_pid. An instance's set value wins over it."""

    def __init__(self, default: Callable[[], Any]) -> None:
        self.default = default

    def __get__(self, instance: Settings | None, owner: type[Settings]) -> Any:
        return self.default()


def _default_base_url() -> str:
    from ..credentials import default_base_url

    return default_base_url()


# After @dataclass, so the class attributes are what an unset setting reads but not __init__'s defaults (None:
# not set).
for _name, _field in FIELDS.items():
    setattr(Settings, _name, _field.default)
setattr(Settings, "base_url", _ReadDefault(_default_base_url))
setattr(Settings, "x_stats_pid", _ReadDefault(os.getpid))
