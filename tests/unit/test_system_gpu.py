"""The GPU path of the system sampler, driven through a fake NVML: W&B 0.21's keys, units and types, a
failing call turning its metric off for that device, the process's own GPUs, and no GPU at all."""

from __future__ import annotations

import os
import sys
from types import SimpleNamespace
from typing import Any

import pytest
from runbase.system import gpu as gpu_module
from runbase.system.gpu import GpuMetrics, load_nvml, open_gpu

PID = 4242
CHILD = 4343
GIB = 1024 ** 3


class NVMLError(Exception):
    """What pynvml raises; the sampler treats any exception alike."""


class FakeNvml:
    """An NVML with the given devices: each a dict of the values its calls return; a value that is an
    exception is raised instead. `calls` counts each call by (name, device index)."""

    def __init__(self, devices: list[dict[str, Any]]) -> None:
        self.devices = devices
        self.calls: dict[tuple[str, int], int] = {}
        self.shut_down = False

    def _get(self, name: str, handle: int) -> Any:
        self.calls[name, handle] = self.calls.get((name, handle), 0) + 1
        value = self.devices[handle][name]
        if isinstance(value, BaseException):
            raise value
        return value

    def nvmlShutdown(self) -> None:
        self.shut_down = True

    def nvmlDeviceGetCount(self) -> int:
        return len(self.devices)

    def nvmlDeviceGetHandleByIndex(self, index: int) -> int:
        if self.devices[index].get("handle_fails"):
            raise NVMLError("GPU is lost")
        return index

    def nvmlDeviceGetUtilizationRates(self, handle: int) -> Any:
        return self._get("utilization", handle)

    def nvmlDeviceGetMemoryInfo(self, handle: int) -> Any:
        return self._get("memory", handle)

    def nvmlDeviceGetTemperature(self, handle: int, sensor: int) -> Any:
        assert sensor == 0  # NVML_TEMPERATURE_GPU
        return self._get("temperature", handle)

    def nvmlDeviceGetPowerUsage(self, handle: int) -> Any:
        return self._get("power", handle)

    def nvmlDeviceGetEnforcedPowerLimit(self, handle: int) -> Any:
        return self._get("limit", handle)

    def nvmlDeviceGetClockInfo(self, handle: int, clock: int) -> Any:
        return self._get({1: "sm_clock", 2: "mem_clock"}[clock], handle)

    def nvmlDeviceGetMemoryErrorCounter(self, handle: int, error_type: int, counter_type: int, location: int) -> Any:
        assert (counter_type, location) == (0, 2)  # volatile ECC, device memory
        return self._get({0: "corrected", 1: "uncorrected"}[error_type], handle)

    def nvmlDeviceGetFanSpeed_v2(self, handle: int, fan: int) -> Any:
        assert fan == 0
        return self._get("fan", handle)

    def nvmlDeviceGetComputeRunningProcesses(self, handle: int) -> Any:
        return self._get("compute", handle)

    def nvmlDeviceGetGraphicsRunningProcesses(self, handle: int) -> Any:
        return self._get("graphics", handle)


def device(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "utilization": SimpleNamespace(gpu=87, memory=41),
        "memory": SimpleNamespace(total=80 * GIB, used=20 * GIB, free=60 * GIB),
        "temperature": 64, "power": 250_500, "limit": 700_000, "sm_clock": 1980, "mem_clock": 2619,
        "corrected": 0, "uncorrected": 2, "fan": 30, "compute": [], "graphics": [],
    }
    return {**values, **changes}


def proc(pid: int, used: int | None) -> SimpleNamespace:
    return SimpleNamespace(pid=pid, usedGpuMemory=used)


def ours(pid: int) -> set[int]:
    return {pid, CHILD}


DEVICE_KEYS = {
    "gpu.0.gpu": 87.0, "gpu.0.memory": 41, "gpu.0.memoryAllocated": 25.0, "gpu.0.memoryAllocatedBytes": 20 * GIB,
    "gpu.0.temp": 64.0, "gpu.0.powerWatts": 250.5, "gpu.0.enforcedPowerLimitWatts": 700.0,
    "gpu.0.powerPercent": 250.5 / 700 * 100, "gpu.0.smClock": 1980, "gpu.0.memoryClock": 2619,
    "gpu.0.correctedMemoryErrors": 0, "gpu.0.uncorrectedMemoryErrors": 2, "gpu.0.fanSpeed": 30,
}


def test_a_device_gives_exactly_wandbs_keys_units_and_types() -> None:
    nvml = FakeNvml([device()])
    metrics = GpuMetrics(nvml, pid=PID, processes=ours).sample()
    assert metrics == DEVICE_KEYS
    for key, value in DEVICE_KEYS.items():
        assert type(metrics[key]) is type(value), key  # ints where W&B sends ints


def test_a_failing_call_drops_its_metric_for_that_device_for_good() -> None:
    nvml = FakeNvml([device(temperature=NVMLError("not supported"), fan=NVMLError("no fan")), device()])
    gpu = GpuMetrics(nvml, pid=PID, processes=ours)
    for _ in range(3):
        metrics = gpu.sample()
        assert "gpu.0.temp" not in metrics and "gpu.0.fanSpeed" not in metrics
        assert metrics["gpu.0.gpu"] == 87.0 and metrics["gpu.1.temp"] == 64.0 and metrics["gpu.1.fanSpeed"] == 30
    assert nvml.calls["temperature", 0] == 1 and nvml.calls["fan", 0] == 1  # never asked again
    assert nvml.calls["temperature", 1] == 3


def test_power_percent_needs_both_power_calls_as_in_wandb() -> None:
    nvml = FakeNvml([device(limit=NVMLError("no limit")), device(power=NVMLError("no power"))])
    metrics = GpuMetrics(nvml, pid=PID, processes=ours).sample()
    assert metrics["gpu.0.powerWatts"] == 250.5
    assert not {"gpu.0.enforcedPowerLimitWatts", "gpu.0.powerPercent"} & set(metrics)
    assert not {key for key in metrics if key.startswith("gpu.1.power") or key == "gpu.1.enforcedPowerLimitWatts"}
    assert ("limit", 1) not in nvml.calls  # W&B asks for the limit only after the usage


def test_the_process_gpus_get_wandbs_copies_and_the_process_own_memory() -> None:
    nvml = FakeNvml([
        device(compute=[proc(PID, 3 * GIB), proc(999, 17 * GIB)], graphics=[proc(PID, 3 * GIB)]),
        device(compute=[proc(999, GIB)]),  # someone else's
        device(compute=[proc(CHILD, GIB)], graphics=[proc(PID, None)]),  # a child's; NVML may not know a size
        device(compute=NVMLError("no listing"), graphics=[proc(PID, None)]),
    ])
    metrics = GpuMetrics(nvml, pid=PID, processes=ours).sample()
    copies = {key.replace("gpu.0.", "gpu.process.0."): value for key, value in DEVICE_KEYS.items()
              if key.split(".")[-1] in {"gpu", "memory", "memoryAllocated", "memoryAllocatedBytes", "temp",
                                        "powerWatts", "enforcedPowerLimitWatts", "powerPercent"}}
    process_0 = {key: value for key, value in metrics.items() if key.startswith("gpu.process.0.")}
    assert process_0 == {**copies, "gpu.process.0.processMemoryAllocatedBytes": 3 * GIB,
                         "gpu.process.0.processMemoryAllocated": 3 / 80 * 100}
    assert not [key for key in metrics if key.startswith("gpu.process.1.")]
    assert metrics["gpu.process.2.processMemoryAllocatedBytes"] == GIB
    assert metrics["gpu.process.3.memoryAllocatedBytes"] == 20 * GIB
    assert "gpu.process.3.processMemoryAllocatedBytes" not in metrics  # in use, size unknown
    assert metrics["gpu.3.gpu"] == 87.0  # a failed listing costs nothing else


def test_device_ids_keep_nvml_indices_and_a_lost_device_is_skipped() -> None:
    nvml = FakeNvml([device(), device(handle_fails=True), device(), device()])
    metrics = GpuMetrics(nvml, pid=PID, device_ids=[1, 2], processes=ours).sample()
    assert {key.split(".")[1] for key in metrics} == {"2"}
    assert ("utilization", 0) not in nvml.calls and ("utilization", 3) not in nvml.calls


def test_the_enum_values_are_pynvmls() -> None:
    import pynvml

    for name in ("NVML_TEMPERATURE_GPU", "NVML_CLOCK_SM", "NVML_CLOCK_MEM", "NVML_MEMORY_ERROR_TYPE_CORRECTED",
                 "NVML_MEMORY_ERROR_TYPE_UNCORRECTED", "NVML_VOLATILE_ECC", "NVML_MEMORY_LOCATION_DEVICE_MEMORY"):
        assert getattr(gpu_module, name) == getattr(pynvml, name), name


def test_the_real_process_tree_contains_the_process() -> None:
    assert os.getpid() in gpu_module.process_tree(os.getpid())


def test_no_pynvml_or_no_driver_means_no_gpu_and_no_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # This machine has no NVIDIA driver: pynvml is installed but NVML cannot start.
    assert open_gpu(pid=os.getpid(), device_ids=None) is None
    monkeypatch.setitem(sys.modules, "pynvml", None)  # not installed at all
    assert load_nvml() is None
    assert open_gpu(pid=os.getpid(), device_ids=None) is None


def test_a_driver_with_no_device_is_no_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    nvml = FakeNvml([])
    monkeypatch.setattr(gpu_module, "load_nvml", lambda: nvml)
    assert open_gpu(pid=PID, device_ids=None) is None
    assert nvml.shut_down
