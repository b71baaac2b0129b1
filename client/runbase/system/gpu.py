"""NVIDIA GPU metrics with W&B v0.21's keys and units (its gpu_stats sidecar, gpu_nvidia.rs), read through
pynvml (the nvidia-ml-py package), which makes the same NVML calls.

Everything NVML is reached through the `Nvml` interface, which the pynvml module satisfies as it is and a
test satisfies with a fake, so the whole GPU path runs without a GPU. Where W&B differs from what the issue
asks, runbase keeps W&B's keys and adds to them:
- `gpu.process.{i}.*` are, as in W&B, copies of the device's values, sent for the GPUs that the process
  (x_stats_pid) or one of its descendants runs on. W&B 0.21 never sends them (its pid is always 0) and
  matches only descendants, not the process itself; runbase matches both, as W&B's docs describe.
- The process's own GPU memory, which W&B never records, goes in two added keys:
  `gpu.process.{i}.processMemoryAllocatedBytes` (the sum of NVML's usedGpuMemory over the processes of
  ours on that GPU) and `gpu.process.{i}.processMemoryAllocated` (that, as a percent of the GPU's memory).
  W&B's `gpu.process.{i}.memoryAllocatedBytes` stays the device-wide copy, so W&B's charts mean the same."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, Protocol

log = logging.getLogger("runbase.system")
# NVML's enum values (nvml.h), the same as pynvml's constants: a fake need not define them.
NVML_TEMPERATURE_GPU = 0
NVML_CLOCK_SM = 1
NVML_CLOCK_MEM = 2
NVML_MEMORY_ERROR_TYPE_CORRECTED = 0
NVML_MEMORY_ERROR_TYPE_UNCORRECTED = 1
NVML_VOLATILE_ECC = 0
NVML_MEMORY_LOCATION_DEVICE_MEMORY = 2  # nvml.h: an alias of NVML_MEMORY_LOCATION_DRAM


class Nvml(Protocol):
    """The NVML calls the sampler makes, by pynvml's names. Any of them may raise (NVMLError for pynvml)."""

    def nvmlShutdown(self) -> None: ...
    def nvmlDeviceGetCount(self) -> int: ...
    def nvmlDeviceGetHandleByIndex(self, index: int) -> Any: ...
    def nvmlDeviceGetUtilizationRates(self, handle: Any) -> Any: ...  # .gpu, .memory (percent)
    def nvmlDeviceGetMemoryInfo(self, handle: Any) -> Any: ...  # .total, .used (bytes)
    def nvmlDeviceGetTemperature(self, handle: Any, sensor: int) -> int: ...  # °C
    def nvmlDeviceGetPowerUsage(self, handle: Any) -> int: ...  # mW
    def nvmlDeviceGetEnforcedPowerLimit(self, handle: Any) -> int: ...  # mW
    def nvmlDeviceGetClockInfo(self, handle: Any, clock: int) -> int: ...  # MHz
    def nvmlDeviceGetMemoryErrorCounter(self, handle: Any, error_type: int, counter_type: int,
                                        location: int) -> int: ...
    def nvmlDeviceGetFanSpeed_v2(self, handle: Any, fan: int) -> int: ...  # percent
    def nvmlDeviceGetComputeRunningProcesses(self, handle: Any) -> list[Any]: ...  # .pid, .usedGpuMemory
    def nvmlDeviceGetGraphicsRunningProcesses(self, handle: Any) -> list[Any]: ...
    # For the run's metadata only (describe_gpus; its optional calls, such as the core count, are looked up).
    def nvmlDeviceGetName(self, handle: Any) -> str | bytes: ...
    def nvmlSystemGetCudaDriverVersion(self) -> int: ...  # 12040 for CUDA 12.4


# NVML's nvmlDeviceArchitecture_t values, named as W&B names them.
ARCHITECTURES = {2: "Kepler", 3: "Maxwell", 4: "Pascal", 5: "Volta", 6: "Turing", 7: "Ampere", 8: "Ada",
                 9: "Hopper", 10: "Blackwell"}


def _optional(call: Callable[..., Any] | None, *args: Any) -> Any:
    """The call's result, or None where NVML (or the installed pynvml) lacks it or it fails."""
    if call is None:
        return None
    try:
        return call(*args)
    except Exception as e:  # noqa: BLE001 - the field is simply left out, as W&B leaves out zero fields
        log.debug("GPU description: %s", e)
        return None


def describe_gpus(nvml: Nvml, device_ids: Sequence[int] | None = None) -> dict[str, Any]:
    """W&B's GPU fields of wandb-metadata.json: gpu (device 0's name), gpu_count, gpu_nvidia [{name,
    memoryTotal (bytes, a string), cudaCores, architecture, uuid}] and cudaVersion (the driver's, "12.4")."""
    devices = []
    for index in range(nvml.nvmlDeviceGetCount()):
        if device_ids is not None and index not in device_ids:
            continue
        handle = nvml.nvmlDeviceGetHandleByIndex(index)
        name = nvml.nvmlDeviceGetName(handle)
        device: dict[str, Any] = {"name": name.decode() if isinstance(name, bytes) else name,
                                  "memoryTotal": str(nvml.nvmlDeviceGetMemoryInfo(handle).total)}
        cores = _optional(getattr(nvml, "nvmlDeviceGetNumGpuCores", None), handle)
        architecture = ARCHITECTURES.get(_optional(getattr(nvml, "nvmlDeviceGetArchitecture", None), handle))
        uuid = _optional(getattr(nvml, "nvmlDeviceGetUUID", None), handle)
        extra = {"cudaCores": cores, "architecture": architecture,
                 "uuid": uuid.decode() if isinstance(uuid, bytes) else uuid}
        devices.append({**device, **{key: value for key, value in extra.items() if value}})
    if not devices:
        return {}
    info: dict[str, Any] = {"gpu": devices[0]["name"], "gpu_count": len(devices), "gpu_nvidia": devices}
    version = _optional(nvml.nvmlSystemGetCudaDriverVersion)
    if version:
        info["cudaVersion"] = f"{version // 1000}.{version % 1000 // 10}"
    return info


def gpu_description(device_ids: Sequence[int] | None = None) -> dict[str, Any]:
    """describe_gpus of this machine's NVIDIA GPUs; {} without NVML or a GPU."""
    nvml = load_nvml()
    if nvml is None:
        return {}
    try:
        return describe_gpus(nvml, device_ids)
    except Exception as e:  # noqa: BLE001 - no description, no GPU fields
        log.debug("GPU description: %s", e)
        return {}
    finally:
        _shutdown(nvml)


def _shutdown(nvml: Nvml) -> None:
    try:
        nvml.nvmlShutdown()
    except Exception as e:  # noqa: BLE001 - nothing is left to do with NVML
        log.debug("system metrics: nvmlShutdown: %s", e)


def load_nvml() -> Nvml | None:
    """pynvml, initialised; None where it is not installed or NVML cannot start (no driver, no GPU), which
    is no error: such a machine simply has no GPU keys."""
    try:
        import pynvml
    except ImportError:
        return None
    try:
        pynvml.nvmlInit()
    except Exception as e:  # noqa: BLE001 - NVMLError_LibraryNotFound, _DriverNotLoaded, ...: no GPU keys
        log.debug("system metrics: no NVIDIA GPU metrics: %s", e)
        return None
    nvml: Nvml = pynvml
    return nvml


def process_tree(pid: int) -> set[int]:
    """The process and its descendants (all of them: a GPU is "ours" if any of them uses it)."""
    import psutil

    try:
        process = psutil.Process(pid)
        return {pid, *(child.pid for child in process.children(recursive=True))}
    except psutil.Error:
        return {pid}


class GpuMetrics:
    """Reads W&B's `gpu.{i}.*` keys for each NVML device (or those in device_ids, keeping their NVML
    index), and the `gpu.process.{i}.*` keys for the devices our processes run on. A call that fails once
    turns its metric off for that device for the rest of the run, as in W&B."""

    def __init__(self, nvml: Nvml, *, pid: int, device_ids: Sequence[int] | None = None,
                 processes: Callable[[int], set[int]] = process_tree) -> None:
        self._nvml = nvml
        self._pid = pid
        self._device_ids = None if device_ids is None else set(device_ids)
        self._processes = processes
        self._count = nvml.nvmlDeviceGetCount()
        self._off: dict[int, set[str]] = {}  # device index -> metrics turned off

    @property
    def device_count(self) -> int:
        return self._count

    def sample(self) -> dict[str, float]:
        """One reading of every watched device; a device whose handle cannot be had is skipped this time."""
        ours = self._processes(self._pid)
        metrics: dict[str, float] = {}
        for index in range(self._count):
            if self._device_ids is not None and index not in self._device_ids:
                continue
            try:
                handle = self._nvml.nvmlDeviceGetHandleByIndex(index)
            except Exception as e:  # noqa: BLE001 - NVML's errors, or a fake's: skip the device this time
                log.debug("system metrics: GPU %d: %s", index, e)
                continue
            metrics.update(self._device(index, handle, ours))
        return metrics

    def close(self) -> None:
        """Releases NVML."""
        try:
            self._nvml.nvmlShutdown()
        except Exception as e:  # noqa: BLE001 - nothing is left to do with NVML
            log.debug("system metrics: nvmlShutdown: %s", e)

    def _call(self, index: int, metric: str, call: Callable[..., Any], *args: Any) -> Any:
        """The call's result, or None (and the metric off for this device from now on) when it fails."""
        off = self._off.setdefault(index, set())
        if metric in off:
            return None
        try:
            return call(*args)
        except Exception as e:  # noqa: BLE001 - any NVML failure turns the metric off (W&B)
            log.debug("system metrics: GPU %d: %s off: %s", index, metric, e)
            off.add(metric)
            return None

    def _own_memory(self, handle: Any, ours: set[int]) -> tuple[bool, int | None]:
        """Whether one of our processes runs on the device, and the GPU memory they use there (None when
        NVML does not say). A process listed as both compute and graphics is counted once."""
        sizes: dict[int, list[int]] = {}  # our pid -> the sizes NVML gives for it (none: not available)
        for listing in (self._nvml.nvmlDeviceGetComputeRunningProcesses,
                        self._nvml.nvmlDeviceGetGraphicsRunningProcesses):
            try:
                entries = listing(handle)
            except Exception as e:  # noqa: BLE001 - W&B treats a failed listing as an empty one
                log.debug("system metrics: GPU process listing: %s", e)
                continue
            for entry in entries:
                if entry.pid in ours:
                    known = sizes.setdefault(entry.pid, [])
                    if entry.usedGpuMemory is not None:
                        known.append(int(entry.usedGpuMemory))
        own = [max(known) for known in sizes.values() if known]
        return bool(sizes), (sum(own) if own else None)

    def _device(self, i: int, handle: Any, ours: set[int]) -> dict[str, float]:
        """One device's keys, in W&B's order and with its types (ints where W&B sends ints)."""
        nvml = self._nvml
        in_use, own_bytes = self._own_memory(handle, ours)
        device: dict[str, float] = {}
        copied: dict[str, float] = {}  # the values W&B repeats under gpu.process.{i}
        rates = self._call(i, "utilization", nvml.nvmlDeviceGetUtilizationRates, handle)
        if rates is not None:
            copied["gpu"] = float(rates.gpu)
            copied["memory"] = int(rates.memory)
        memory = self._call(i, "memory_info", nvml.nvmlDeviceGetMemoryInfo, handle)
        if memory is not None:
            copied["memoryAllocated"] = memory.used / memory.total * 100 if memory.total else 0.0
            copied["memoryAllocatedBytes"] = int(memory.used)
        temperature = self._call(i, "temperature", nvml.nvmlDeviceGetTemperature, handle, NVML_TEMPERATURE_GPU)
        if temperature is not None:
            copied["temp"] = float(temperature)
        copied.update(self._power(i, handle))
        device.update(copied)
        for metric, call, args in (
            ("smClock", nvml.nvmlDeviceGetClockInfo, (NVML_CLOCK_SM,)),
            ("memoryClock", nvml.nvmlDeviceGetClockInfo, (NVML_CLOCK_MEM,)),
            ("correctedMemoryErrors", nvml.nvmlDeviceGetMemoryErrorCounter,
             (NVML_MEMORY_ERROR_TYPE_CORRECTED, NVML_VOLATILE_ECC, NVML_MEMORY_LOCATION_DEVICE_MEMORY)),
            ("uncorrectedMemoryErrors", nvml.nvmlDeviceGetMemoryErrorCounter,
             (NVML_MEMORY_ERROR_TYPE_UNCORRECTED, NVML_VOLATILE_ECC, NVML_MEMORY_LOCATION_DEVICE_MEMORY)),
            ("fanSpeed", nvml.nvmlDeviceGetFanSpeed_v2, (0,)),
        ):
            value = self._call(i, metric, call, handle, *args)
            if value is not None:
                device[metric] = int(value)
        metrics = {f"gpu.{i}.{key}": value for key, value in device.items()}
        if in_use:
            metrics.update({f"gpu.process.{i}.{key}": value for key, value in copied.items()})
            if own_bytes is not None:
                metrics[f"gpu.process.{i}.processMemoryAllocatedBytes"] = own_bytes
                if memory is not None and memory.total:
                    metrics[f"gpu.process.{i}.processMemoryAllocated"] = own_bytes / memory.total * 100
        return metrics

    def _power(self, i: int, handle: Any) -> dict[str, float]:
        """Watts, and the enforced limit and percent of it, which W&B asks for only after the usage."""
        watts = self._call(i, "power_usage", self._nvml.nvmlDeviceGetPowerUsage, handle)
        if watts is None:
            return {}
        power = {"powerWatts": watts / 1000}
        limit = self._call(i, "enforced_power_limit", self._nvml.nvmlDeviceGetEnforcedPowerLimit, handle)
        if limit is not None:
            power["enforcedPowerLimitWatts"] = limit / 1000
            power["powerPercent"] = power["powerWatts"] / power["enforcedPowerLimitWatts"] * 100 if limit else 0.0
        return power


def open_gpu(*, pid: int, device_ids: Sequence[int] | None) -> GpuMetrics | None:
    """The GPU reader, or None where there is no NVIDIA GPU (no pynvml, no driver, no device)."""
    nvml = load_nvml()
    if nvml is None:
        return None
    try:
        gpu = GpuMetrics(nvml, pid=pid, device_ids=device_ids)
    except Exception as e:  # noqa: BLE001 - no device count, no GPU keys
        log.debug("system metrics: NVML device count: %s", e)
        gpu = None
    if gpu is None or gpu.device_count == 0:
        _shutdown(nvml)
        return None
    return gpu

