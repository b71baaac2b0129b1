"""The system sampler's settings (x_stats_*, x_disable_stats): their kinds, and their values as the sampler
reads them, defaults included."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from .kinds import FLAG, HEADERS, TEXT, URL, Kind, at_least, json_text, listed_text, number_text, parsed, positive, \
    text_dict

if TYPE_CHECKING:
    from .model import Settings

WEEK = 7 * 86400.0
SAMPLING_FLOOR = 0.1  # W&B's least x_stats_sampling_interval
COREWEAVE_BASE_URL = "http://169.254.169.254"
COREWEAVE_ENDPOINT = "/api/v2/cloud-init/meta-data"


def _sampling_interval(name: str, value: Any) -> float:
    value = positive(float, WEEK).check(name, value)
    if value < SAMPLING_FLOOR:
        raise UsageError(f"{name} cannot be less than {SAMPLING_FLOOR} seconds, not {value!r}")
    return float(value)


def _pid(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise UsageError(f"{name} must be a positive process id, not {value!r}")
    return value


def _disk_paths(name: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, (str, os.PathLike)):
        value = [value]
    if not isinstance(value, Sequence) or not all(isinstance(path, (str, os.PathLike)) for path in value):
        raise UsageError(f"{name} must be a list of paths, not {value!r}")
    return tuple(os.fspath(path) for path in value)


def _disk_paths_text(where: str, value: str) -> Any:
    """A JSON list (W&B's form), or comma-separated paths."""
    return json_text(where, value) if value.lstrip().startswith("[") else listed_text(where, value)


def _gpu_ids(name: str, value: Any) -> tuple[int, ...]:
    value = parsed(name, value)
    if (isinstance(value, (str, bytes)) or not isinstance(value, Sequence)
            or not all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in value)):
        raise UsageError(f"{name} must be a list of GPU indices (integers from 0), not {value!r}")
    return tuple(value)


def _gpu_ids_text(where: str, value: str) -> Any:
    """GPU indices as a JSON list (W&B's form) or comma-separated integers."""
    if value.lstrip().startswith("["):
        return json_text(where, value)
    try:
        return tuple(int(item) for item in listed_text(where, value))
    except ValueError:
        raise UsageError(f"{where} must be a JSON list or comma-separated GPU indices, not {value!r}") from None


def _regex(name: str, pattern: Any) -> str:
    if not isinstance(pattern, str):
        raise UsageError(f"{name} must hold regular expressions (strings), not {pattern!r}")
    try:
        re.compile(pattern)
    except re.error as e:
        raise UsageError(f"{name}: {pattern!r} is not a valid regular expression ({e})") from None
    return pattern


def _label(name: str, label: Any) -> str:
    if not isinstance(label, str) or not label:
        raise UsageError(f"{name}: label names must be non-empty strings, not {label!r}")
    return label


def _filters(name: str, value: Any) -> dict[str, dict[str, str]] | tuple[str, ...]:
    """W&B's two forms: regexes on "endpoint.metric", or {metric regex: {label: value regex}}."""
    value = parsed(name, value)
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


def _file_path(name: str, value: Any) -> str:
    if not isinstance(value, (str, os.PathLike)):
        raise UsageError(f"{name} must be a file path, not {value!r}")
    return os.fspath(value)


# The sampler reads the first ones; the others are checked and, where the reference says so, replace what
# the run's metadata detects (CPU and GPU counts, GPU type). W&B's in-memory sample buffer (0: none, -1: all),
# its DCGM Prometheus query URL, its AWS neuron-monitor config and its CoreWeave metadata server are accepted.
STATS_KINDS: dict[str, Kind] = {
    "x_disable_stats": FLAG, "x_stats_track_process_tree": FLAG,
    "x_stats_sampling_interval": Kind(_sampling_interval, number_text(float)),
    "x_stats_samples_to_average": positive(int, 30),  # the bound W&B's older monitor clamped to
    "x_stats_pid": Kind(_pid, number_text(int)),
    "x_stats_disk_paths": Kind(_disk_paths, _disk_paths_text),
    "x_stats_gpu_device_ids": Kind(_gpu_ids, _gpu_ids_text),
    "x_stats_open_metrics_endpoints": Kind(lambda name, value: text_dict(name, value, urls=True), json_text),
    "x_stats_open_metrics_filters": Kind(_filters, json_text),
    "x_stats_open_metrics_http_headers": HEADERS,
    "x_stats_cpu_count": at_least(int, 1), "x_stats_cpu_logical_count": at_least(int, 1),
    "x_stats_gpu_count": at_least(int, 0), "x_stats_gpu_type": TEXT, "x_stats_buffer_size": at_least(int, -1),
    "x_stats_dcgm_exporter": URL, "x_stats_coreweave_metadata_base_url": URL,
    "x_stats_coreweave_metadata_endpoint": TEXT,
    "x_stats_neuron_monitor_config_path": Kind(_file_path, lambda where, text: text),
}
# W&B's defaults, but for the number of readings averaged (runbase's; see Settings) and x_stats_pid (the
# process that reads it).
STATS_DEFAULTS: dict[str, Any] = {
    "x_disable_stats": False, "x_stats_track_process_tree": False, "x_stats_sampling_interval": 15.0,
    "x_stats_samples_to_average": 1, "x_stats_buffer_size": 0, "x_stats_disk_paths": ("/",),
    "x_stats_coreweave_metadata_base_url": COREWEAVE_BASE_URL,
    "x_stats_coreweave_metadata_endpoint": COREWEAVE_ENDPOINT,
}


def stats_values(settings: Settings) -> dict[str, Any]:
    """The system sampler's settings as it reads them, defaults included. Settings checks every value when it
    is set, so the sampler thread never meets a bad one."""
    return {name: getattr(settings, name) for name in STATS_KINDS}
