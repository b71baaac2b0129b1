"""The system sampler's settings: W&B's names, defaults and validation, from Settings, dicts and the
environment (RUNBASE_X_STATS_*, WANDB_X_STATS_*, WANDB__STATS_*)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from runbase.errors import UsageError
from runbase.settings import Settings, stats_values

ENV_PREFIXES = ("RUNBASE_", "WANDB_")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(ENV_PREFIXES) and ("STATS" in name or "DISABLE" in name):
            monkeypatch.delenv(name)


def test_defaults_are_wandbs() -> None:
    checked = Settings().checked()
    assert checked.x_disable_stats is False
    assert checked.x_stats_sampling_interval == 15.0
    assert checked.x_stats_samples_to_average == 1
    assert checked.x_stats_pid == os.getpid()
    assert checked.x_stats_track_process_tree is False
    assert checked.x_stats_disk_paths == ("/",)
    assert checked.x_stats_gpu_device_ids is None
    assert checked.x_stats_open_metrics_endpoints is None
    assert checked.x_stats_open_metrics_filters is None
    assert checked.x_stats_open_metrics_http_headers is None
    assert checked.x_stats_buffer_size == 0
    assert checked.x_stats_coreweave_metadata_base_url == "http://169.254.169.254"
    assert checked.x_stats_coreweave_metadata_endpoint == "/api/v2/cloud-init/meta-data"
    assert (checked.x_stats_cpu_count, checked.x_stats_cpu_logical_count, checked.x_stats_gpu_count,
            checked.x_stats_gpu_type, checked.x_stats_dcgm_exporter, checked.x_stats_neuron_monitor_config_path
            ) == (None,) * 6


def test_the_other_stats_settings_are_accepted_as_the_reference_types_them() -> None:
    checked = Settings(x_stats_cpu_count=8, x_stats_cpu_logical_count=16, x_stats_gpu_count=0, x_stats_gpu_type="H100",
                       x_stats_buffer_size=-1, x_stats_dcgm_exporter="http://prom:9090/api/v1/query?query=DCGM",
                       x_stats_neuron_monitor_config_path=Path("/etc/neuron.json"),
                       x_stats_coreweave_metadata_base_url="http://10.0.0.1/").checked()
    assert (checked.x_stats_cpu_count, checked.x_stats_gpu_count, checked.x_stats_buffer_size) == (8, 0, -1)
    assert checked.x_stats_neuron_monitor_config_path == "/etc/neuron.json"
    assert checked.x_stats_coreweave_metadata_base_url == "http://10.0.0.1"


def test_values_and_wandbs_json_text_are_read() -> None:
    checked = Settings().updated({  # JSON text as W&B's validators take it
        "x_stats_sampling_interval": 0.1, "x_stats_samples_to_average": 30, "x_stats_pid": 1,
        "x_stats_disk_paths": [Path("/tmp"), "/"], "x_stats_gpu_device_ids": "[0, 2]",
        "x_stats_open_metrics_endpoints": '{"dcgm": "http://localhost:9400/metrics"}',
        "x_stats_open_metrics_filters": '{"DCGM_FI_DEV_GPU_UTIL": {"gpu": "0"}}',
        "x_stats_open_metrics_http_headers": {"Authorization": "Bearer x"},
    }).checked()
    assert checked.x_stats_disk_paths == ("/tmp", "/")
    assert checked.x_stats_gpu_device_ids == (0, 2)
    assert checked.x_stats_open_metrics_endpoints == {"dcgm": "http://localhost:9400/metrics"}
    assert checked.x_stats_open_metrics_filters == {"DCGM_FI_DEV_GPU_UTIL": {"gpu": "0"}}
    assert Settings(x_stats_open_metrics_filters=["a.*", "b"]).checked().x_stats_open_metrics_filters == ("a.*", "b")
    assert Settings(x_stats_disk_paths="/data").checked().x_stats_disk_paths == ("/data",)
    assert Settings().updated({"x_disable_stats": True}).checked().x_disable_stats is True


@pytest.mark.parametrize(("values", "message"), [
    ({"x_stats_sampling_interval": 0.05}, "x_stats_sampling_interval cannot be less than 0.1 seconds"),
    ({"x_stats_sampling_interval": 0}, "x_stats_sampling_interval must be a positive number"),
    ({"x_stats_sampling_interval": float("inf")}, "x_stats_sampling_interval must be a positive number"),
    ({"x_stats_sampling_interval": "15"}, "x_stats_sampling_interval must be a positive number"),
    ({"x_stats_samples_to_average": 0}, "x_stats_samples_to_average must be a positive integer of at most 30"),
    ({"x_stats_samples_to_average": 31}, "x_stats_samples_to_average must be a positive integer of at most 30"),
    ({"x_stats_samples_to_average": 2.5}, "x_stats_samples_to_average must be a positive integer"),
    ({"x_disable_stats": "yes"}, "x_disable_stats must be True or False"),
    ({"x_stats_track_process_tree": 1}, "x_stats_track_process_tree must be True or False"),
    ({"x_stats_pid": 0}, "x_stats_pid must be a positive process id"),
    ({"x_stats_pid": True}, "x_stats_pid must be a positive process id"),
    ({"x_stats_disk_paths": ["/", 3]}, "x_stats_disk_paths must be a list of paths"),
    ({"x_stats_gpu_device_ids": [0, -1]}, "x_stats_gpu_device_ids must be a list of GPU indices"),
    ({"x_stats_gpu_device_ids": "0,1"}, "x_stats_gpu_device_ids given as text must be JSON"),
    ({"x_stats_open_metrics_endpoints": {"dcgm": "localhost:9400"}},
     "x_stats_open_metrics_endpoints['dcgm'] must be an http:// or https:// URL"),
    ({"x_stats_open_metrics_endpoints": ["http://x"]}, "x_stats_open_metrics_endpoints must be a dict"),
    ({"x_stats_open_metrics_filters": ["ok", "(unclosed"]},
     "x_stats_open_metrics_filters: '(unclosed' is not a valid regular expression"),
    ({"x_stats_open_metrics_filters": {"m": {"gpu": "[0-"}}},
     "x_stats_open_metrics_filters: '[0-' is not a valid regular expression"),
    ({"x_stats_open_metrics_filters": {"m": ["gpu"]}}, "x_stats_open_metrics_filters as a dict must map"),
    ({"x_stats_open_metrics_filters": 3}, "x_stats_open_metrics_filters must be a list of regexes or a dict"),
    ({"x_stats_open_metrics_http_headers": {"X-Key": 3}}, "x_stats_open_metrics_http_headers must be a dict"),
    ({"x_stats_cpu_count": 0}, "x_stats_cpu_count must be an integer of at least 1"),
    ({"x_stats_buffer_size": -2}, "x_stats_buffer_size must be an integer of at least -1"),
    ({"x_stats_gpu_type": 3}, "x_stats_gpu_type must be a string"),
    ({"x_stats_dcgm_exporter": "prom:9090"}, "x_stats_dcgm_exporter must be an http:// or https:// URL"),
])
def test_bad_values_are_clear_errors(values: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError, match=message.replace("[", r"\[").replace("(", r"\(")):
        Settings().updated(values).checked()
    with pytest.raises(UsageError):  # the sampler refuses them too
        stats_values(Settings().updated(values))


def test_unknown_stats_setting_is_named() -> None:
    with pytest.raises(UsageError, match="unknown setting.*x_stats_sample_rate"):
        Settings().updated({"x_stats_sample_rate": 1})


def test_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WANDB_X_STATS_SAMPLING_INTERVAL", "2.5")
    monkeypatch.setenv("RUNBASE_X_DISABLE_STATS", "true")
    monkeypatch.setenv("WANDB__STATS_DISK_PATHS", "/,/tmp")
    monkeypatch.setenv("WANDB_X_STATS_GPU_DEVICE_IDS", "[1]")
    monkeypatch.setenv("RUNBASE_X_STATS_OPEN_METRICS_ENDPOINTS", '{"node": "http://127.0.0.1:9100/metrics"}')
    monkeypatch.setenv("RUNBASE_X_STATS_OPEN_METRICS_FILTERS", '["node.up"]')
    monkeypatch.setenv("RUNBASE_X_STATS_SAMPLES_TO_AVERAGE", "3")
    checked = Settings.from_environment().checked()
    assert checked.x_stats_sampling_interval == 2.5
    assert checked.x_disable_stats is True
    assert checked.x_stats_disk_paths == ("/", "/tmp")
    assert checked.x_stats_gpu_device_ids == (1,)
    assert checked.x_stats_open_metrics_endpoints == {"node": "http://127.0.0.1:9100/metrics"}
    assert checked.x_stats_open_metrics_filters == ("node.up",)
    assert checked.x_stats_samples_to_average == 3
    monkeypatch.setenv("RUNBASE_X_STATS_GPU_DEVICE_IDS", "0, 3")
    assert Settings.from_environment().x_stats_gpu_device_ids == (0, 3)  # RUNBASE_ wins over WANDB_


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("RUNBASE_X_STATS_SAMPLING_INTERVAL", "fast", "RUNBASE_X_STATS_SAMPLING_INTERVAL must be a number"),
    ("WANDB_X_STATS_PID", "me", "WANDB_X_STATS_PID must be an integer"),
    ("WANDB_X_DISABLE_STATS", "maybe", "WANDB_X_DISABLE_STATS must be true or false"),
    ("WANDB_X_STATS_OPEN_METRICS_ENDPOINTS", "dcgm=http://x", "WANDB_X_STATS_OPEN_METRICS_ENDPOINTS must be JSON"),
    ("WANDB_X_STATS_GPU_DEVICE_IDS", "0,a", "WANDB_X_STATS_GPU_DEVICE_IDS must be a JSON list or comma-separated"),
])
def test_unreadable_variables_are_named(monkeypatch: pytest.MonkeyPatch, variable: str, value: str,
                                        message: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(UsageError, match=message):
        Settings.from_environment()
