"""Every setting the reference's Settings lists: its kind (how it is checked and read from text) and W&B's
default, which a setting that is not set reads."""

from __future__ import annotations

import multiprocessing
import os
from dataclasses import dataclass
from typing import Any, TypeVar

from ..errors import UsageError
from ..run_moment import run_moment
from .kinds import FLAG, PATH, PROXIES, PROXY, TEXT, TEXT_DICT, TEXT_LIST, URL, Kind, as_is, at_least, choice, \
    flag_or_word, headers, json_text, listed_text, positive
from .stats import STATS_DEFAULTS, STATS_KINDS, WEEK

DEFAULT_BASE_URL = "http://127.0.0.1:8080"
WANDB_CLOUD_URL = "https://api.wandb.ai"
MODES = ("online", "offline", "disabled")
MODE_ALIASES = {"run": "online", "dryrun": "offline"}
RESUME = ("allow", "never", "must", "auto")
REINIT = ("default", "return_previous", "finish_previous", "create_new")
# W&B's console modes. runbase captures by wrapping sys.stdout/sys.stderr for all but "off";
# "redirect" (file-descriptor capture in W&B) falls back to that with a warning.
CONSOLE = ("auto", "off", "wrap", "redirect", "wrap_raw", "wrap_emu")
MAX_TAG = 64


@dataclass(frozen=True)
class Field:
    kind: Kind
    default: Any = None


def _tags(name: str, value: Any) -> tuple[str, ...]:
    """W&B's validate_run_tags: one string is one tag; each 1 to 64 characters."""
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, (list, tuple)) or not all(isinstance(tag, str) for tag in value):
        raise UsageError(f"{name} must be a list of strings, not {value!r}")
    if any(not 0 < len(tag) <= MAX_TAG for tag in value):
        raise UsageError(f"{name}: each tag must be 1 to {MAX_TAG} characters, not {value!r}")
    return tuple(value)


def _paths(name: str, value: Any) -> tuple[str, ...]:
    """config_paths as a tuple of paths; one path alone (not a list) is taken as a list of one."""
    if isinstance(value, (str, os.PathLike)):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(path, (str, os.PathLike)) for path in value):
        raise UsageError(f"{name} must be a list of file paths, not {value!r}")
    return tuple(os.fspath(path) for path in value)


def _start_method(name: str, value: Any) -> str:
    """W&B's: "thread" or one of this platform's multiprocessing start methods."""
    return choice("thread", *multiprocessing.get_all_start_methods()).check(name, value)  # type: ignore[no-any-return]


def _extra_headers(name: str, value: Any) -> dict[str, str]:
    """Headers sent with every request; the API key's Authorization header is not theirs to replace, nor are
    those that frame the request."""
    checked = headers(name, value, refused=("host", "content-length", "transfer-encoding", "connection"))
    if any(key.lower() == "authorization" for key in checked):
        raise UsageError(f"{name} cannot set Authorization: runbase sends the API key in it")
    return checked


POSITIVE_SECONDS = positive(float, WEEK)
SECONDS = at_least(float, 0)
COUNT = at_least(int, 0)
FIELDS: dict[str, Field] = {
    "allow_offline_artifacts": Field(FLAG, True),
    "allow_val_change": Field(FLAG, False),
    "anonymous": Field(choice("must", "allow", "never")),
    "api_key": Field(TEXT),
    "azure_account_url_to_access_key": Field(TEXT_DICT),
    "base_url": Field(URL),
    "code_dir": Field(PATH),
    "config_paths": Field(Kind(_paths, listed_text)),
    "console": Field(choice(*CONSOLE), "auto"),
    "console_multipart": Field(FLAG, False),
    "credentials_file": Field(PATH),
    "disable_code": Field(FLAG, False),
    "disable_git": Field(FLAG, False),
    "disable_job_creation": Field(FLAG, True),
    "docker": Field(TEXT),
    "email": Field(TEXT),
    "entity": Field(TEXT),
    "organization": Field(TEXT),
    "force": Field(FLAG, False),
    "git_commit": Field(TEXT),
    "git_remote": Field(TEXT, "origin"),
    "git_remote_url": Field(TEXT),
    "git_root": Field(PATH),
    "heartbeat_seconds": Field(POSITIVE_SECONDS, 30.0),
    "host": Field(TEXT),
    "http_proxy": Field(PROXY),
    "https_proxy": Field(PROXY),
    "identity_token_file": Field(PATH),
    "ignore_globs": Field(TEXT_LIST, ()),
    "init_timeout": Field(POSITIVE_SECONDS, 90.0),
    "insecure_disable_ssl": Field(FLAG, False),
    "job_name": Field(TEXT),
    "job_source": Field(choice("repo", "artifact", "image")),
    "label_disable": Field(FLAG, False),
    "launch": Field(FLAG, False),
    "launch_config_path": Field(PATH),
    "login_timeout": Field(SECONDS),
    "mode": Field(choice(*MODES, "shared", *MODE_ALIASES), "online"),
    "notebook_name": Field(TEXT),
    "program": Field(PATH),
    "program_abspath": Field(PATH),
    "program_relpath": Field(PATH),
    "project": Field(TEXT),
    "quiet": Field(FLAG, False),
    "reinit": Field(flag_or_word(*REINIT), "default"),
    "relogin": Field(FLAG, False),
    "resume": Field(flag_or_word(*RESUME)),
    # "<run id>?_step=<step>" or a RunMoment (W&B's RunMoment.from_uri reads the text): the run to rewind to
    # that step (resume_from), or to fork a new run from (fork_from); see runbase.run_moment.
    "resume_from": Field(Kind(run_moment, as_is)),
    "fork_from": Field(Kind(run_moment, as_is)),
    "resumed": Field(FLAG, False),  # set by init(): whether the run goes on from an earlier session
    "root_dir": Field(PATH),
    "run_group": Field(TEXT),
    "run_id": Field(TEXT),
    "run_job_type": Field(TEXT),
    "run_name": Field(TEXT),
    "run_notes": Field(TEXT),
    "run_tags": Field(Kind(_tags, listed_text)),
    "sagemaker_disable": Field(FLAG, False),
    "save_code": Field(FLAG),  # None: W&B's "no preference" (code is not saved)
    "settings_system": Field(PATH),
    "max_end_of_run_history_metrics": Field(COUNT, 10),
    "max_end_of_run_summary_metrics": Field(COUNT, 10),
    "show_colors": Field(FLAG),
    "show_emoji": Field(FLAG),
    "show_errors": Field(FLAG, True),
    "show_info": Field(FLAG, True),
    "show_warnings": Field(FLAG, True),
    "silent": Field(FLAG, False),
    "start_method": Field(Kind(_start_method, as_is)),
    "strict": Field(FLAG),
    "summary_timeout": Field(COUNT, 60),
    "summary_warnings": Field(COUNT, 5),
    "sweep_id": Field(TEXT),
    "sweep_param_path": Field(PATH),
    "symlink": Field(FLAG, os.name != "nt"),
    "sync_tensorboard": Field(FLAG),
    "table_raise_on_max_row_limit_exceeded": Field(FLAG, False),
    "username": Field(TEXT),
    "x_cli_only_mode": Field(FLAG, False),
    "x_disable_meta": Field(FLAG, False),
    "x_disable_viewer": Field(FLAG, False),
    "x_disable_machine_info": Field(FLAG, False),
    "x_executable": Field(PATH),
    "x_extra_http_headers": Field(Kind(_extra_headers, json_text)),
    "x_file_stream_max_bytes": Field(positive(int, 2**40)),
    "x_file_stream_max_line_bytes": Field(positive(int, 2**40)),
    "x_file_stream_transmit_interval": Field(SECONDS),
    "x_file_stream_retry_max": Field(COUNT),
    "x_file_stream_retry_wait_min_seconds": Field(SECONDS),
    "x_file_stream_retry_wait_max_seconds": Field(SECONDS),
    "x_file_stream_timeout_seconds": Field(POSITIVE_SECONDS),
    "x_file_transfer_retry_max": Field(COUNT),
    "x_file_transfer_retry_wait_min_seconds": Field(SECONDS),
    "x_file_transfer_retry_wait_max_seconds": Field(SECONDS),
    "x_file_transfer_timeout_seconds": Field(POSITIVE_SECONDS),
    "x_files_dir": Field(PATH),
    "x_flow_control_custom": Field(FLAG),
    "x_flow_control_disabled": Field(FLAG),
    "x_graphql_retry_max": Field(COUNT),
    "x_graphql_retry_wait_min_seconds": Field(SECONDS),
    "x_graphql_retry_wait_max_seconds": Field(SECONDS),
    "x_graphql_timeout_seconds": Field(POSITIVE_SECONDS),
    "x_internal_check_process": Field(SECONDS, 8.0),
    "x_jupyter_name": Field(TEXT),
    "x_jupyter_path": Field(TEXT),
    "x_jupyter_root": Field(TEXT),
    "x_label": Field(TEXT),
    "x_live_policy_rate_limit": Field(COUNT),
    "x_live_policy_wait_time": Field(COUNT),
    "x_log_level": Field(COUNT, 20),
    "x_network_buffer": Field(COUNT),
    "x_primary": Field(FLAG, True),
    "x_proxies": Field(PROXIES),
    "x_runqueue_item_id": Field(TEXT),
    "x_save_requirements": Field(FLAG, True),
    "x_server_side_derived_summary": Field(FLAG, False),
    "x_server_side_expand_glob_metrics": Field(FLAG, True),
    "x_service_transport": Field(TEXT),
    "x_service_wait": Field(SECONDS, 30.0),
    "x_skip_transaction_log": Field(FLAG, False),
    "x_start_time": Field(SECONDS),
    "x_sync": Field(FLAG, False),
    "x_update_finish_state": Field(FLAG, True),
    # Beyond the reference: finish()'s wait for an unreachable server before leaving the data for
    # `runbase sync`, and the largest serialized history row the SDK accepts.
    "x_finish_timeout": Field(POSITIVE_SECONDS, 300.0),
    "x_max_row_bytes": Field(positive(int, 1024 ** 3), 16 * 1024 * 1024),
    **{name: Field(kind, STATS_DEFAULTS.get(name)) for name, kind in STATS_KINDS.items()},
}
# What a setting that is not set reads (base_url and x_stats_pid are worked out when read: see Settings).
# Settings keeps apart what was set, so an explicit value, even one equal to the default, wins over the
# environment, while an unset one does not hide it.
DEFAULTS: dict[str, Any] = {name: field.default for name, field in FIELDS.items() if field.default is not None}
T = TypeVar("T")


def filled(value: T | None, name: str) -> T:
    """A setting that has a default, typed as the value it reads (an unset one reads its default)."""
    return DEFAULTS[name] if value is None else value
