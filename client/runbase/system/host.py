"""Host and process metrics with W&B v0.21's keys and units (its wandb-core monitor, system.go, which reads
gopsutil), read here with psutil and computed as gopsutil computes them, so the values match W&B's for the
same machine. Two keys W&B no longer sends are added because the issue asks for them: per-core CPU
(`cpu.{i}.cpu_percent`, as W&B up to 0.19 sent it) and the process's open files (`proc.openFiles`)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import psutil

log = logging.getLogger("runbase.system")
MIB = 1024 ** 2
GIB = 1024 ** 3
# Block devices W&B leaves out when it falls back to "every real disk".
PSEUDO_DEVICES = ("loop", "ram", "zram")


def _real(device: str) -> bool:
    return not device.startswith(PSEUDO_DEVICES)


def _trim(device: str) -> str:
    return device.removeprefix("/dev/")


def disk_devices(paths: Sequence[str], partitions: Iterable[Any], io_devices: Iterable[str]) -> set[str]:
    """The block devices whose reads and writes W&B 0.21 reports for these paths: those of the mounted
    partitions whose mount point is a (string) prefix of a path; all real ones when "/" is not a mount
    point (overlay roots, as in Docker) and only "/" is watched; all real devices with I/O counters when
    none of those has any."""
    partitions = list(partitions)
    io_devices = set(io_devices)
    devices = {_trim(part.device) for part in partitions for path in paths if path.startswith(part.mountpoint)}
    if not any(part.mountpoint == "/" for part in partitions) and list(paths) == ["/"]:
        devices |= {dev for dev in map(_trim, (part.device for part in partitions)) if _real(dev)}
    return (devices & io_devices) or {dev for dev in io_devices if _real(dev)}


def _cpu_total(times: Any) -> float:
    """All CPU time of a core, less guest time that Linux already counts in user time (as psutil does)."""
    return float(sum(times) - getattr(times, "guest", 0.0) - getattr(times, "guest_nice", 0.0))


def core_percent(before: Any, after: Any) -> float:
    """A core's busy share between two psutil.cpu_times(percpu=True) readings, as psutil.cpu_percent
    computes it, without sharing psutil's module-wide "last reading" with the user's own calls."""
    total = _cpu_total(after) - _cpu_total(before)
    idle = float((after.idle + getattr(after, "iowait", 0.0)) - (before.idle + getattr(before, "iowait", 0.0)))
    if total <= 0:
        return 0.0
    return min(100.0, max(0.0, (total - idle) / total * 100))


def lifetime_cpu_percent(process: psutil.Process, now: float) -> float:
    """gopsutil's Process.CPUPercent, which W&B reports: the process's user, system and I/O-wait time over
    its whole life, as a percentage of the wall time since it started (not the last interval's usage)."""
    times = process.cpu_times()
    alive = now - process.create_time()
    busy = times.user + times.system + getattr(times, "iowait", 0.0)
    return 100 * busy / alive if alive > 0 else 0.0


class HostMetrics:
    """Reads W&B's host keys: `cpu` (the process's lifetime CPU percent over the physical cores),
    `proc.cpu.threads`, `proc.memory.rssMB`/`percent`, `memory_percent`, `proc.memory.availableMB` (the
    system's), `disk.{path}.usagePercent`/`usageGB`, `disk.{device}.in`/`out` (MiB since the sampler
    started) and `network.sent`/`recv` (bytes since it started, all interfaces), plus `cpu.{i}.cpu_percent`
    and `proc.openFiles`. With track_process_tree the process's descendants count in the process keys."""

    def __init__(self, *, pid: int, disk_paths: Sequence[str], track_process_tree: bool) -> None:
        self._process = psutil.Process(pid)
        self._track_tree = track_process_tree
        self._disk_paths = tuple(disk_paths)
        self._cores = psutil.cpu_count(logical=False) or 0
        io = _disk_io()
        self._devices = sorted(disk_devices(self._disk_paths, _partitions(), io))
        self._disk_start = {dev: (io[dev].read_bytes, io[dev].write_bytes) for dev in self._devices}
        net = psutil.net_io_counters(pernic=False)
        self._net_start = (net.bytes_sent, net.bytes_recv) if net is not None else (0, 0)
        self._core_times = psutil.cpu_times(percpu=True)
        self._memory_total = 0  # from the reading's system memory, for proc.memory.percent

    def sample(self) -> dict[str, float]:
        """One reading; a part that fails (a vanished process, an unmounted path) is left out alone."""
        metrics: dict[str, float] = {}
        parts: tuple[Callable[[dict[str, float]], None], ...] = (
            self._network, self._memory, self._process_tree, self._disk_usage, self._disk_io, self._per_core)
        for part in parts:
            try:
                part(metrics)
            except (psutil.Error, OSError, ValueError) as e:
                log.debug("system metrics: %s failed: %s", part.__name__, e)
        return metrics

    def close(self) -> None:
        """Nothing to release."""

    def _network(self, metrics: dict[str, float]) -> None:
        net = psutil.net_io_counters(pernic=False)
        if net is not None:
            metrics["network.sent"] = float(net.bytes_sent - self._net_start[0])
            metrics["network.recv"] = float(net.bytes_recv - self._net_start[1])

    def _memory(self, metrics: dict[str, float]) -> None:
        memory = psutil.virtual_memory()
        # gopsutil's UsedPercent, unrounded (psutil's .percent is rounded to one decimal).
        metrics["memory_percent"] = (memory.total - memory.available) / memory.total * 100
        metrics["proc.memory.availableMB"] = memory.available / MIB
        self._memory_total = memory.total

    def _processes(self) -> list[psutil.Process]:
        if not self._track_tree:
            return [self._process]
        return [self._process, *self._process.children(recursive=True)]

    def _process_tree(self, metrics: dict[str, float]) -> None:
        """Sums over the tracked processes; one that cannot be read (it just ended) adds nothing."""
        processes = self._processes()  # raises NoSuchProcess when the process itself is gone
        now = time.time()
        rss = cpu = threads = files = 0.0
        for process in processes:
            rss += _or_zero(_rss, process)
            cpu += _or_zero(lifetime_cpu_percent, process, now)
            threads += _or_zero(psutil.Process.num_threads, process)
            files += _or_zero(_open_files, process)
        metrics["proc.memory.rssMB"] = rss / MIB
        if self._memory_total:
            metrics["proc.memory.percent"] = rss / self._memory_total * 100
        metrics["cpu"] = cpu / self._cores if self._cores > 0 else cpu
        metrics["proc.cpu.threads"] = threads
        metrics["proc.openFiles"] = files

    def _disk_usage(self, metrics: dict[str, float]) -> None:
        for path in self._disk_paths:
            try:
                usage = psutil.disk_usage(path)
            except OSError as e:
                log.debug("system metrics: disk usage of %s: %s", path, e)
                continue
            # gopsutil's UsedPercent: used over what an unprivileged user could use (df's Use%), unrounded.
            room = usage.used + usage.free
            metrics[f"disk.{path}.usagePercent"] = usage.used / room * 100 if room else 0.0
            metrics[f"disk.{path}.usageGB"] = usage.used / GIB

    def _disk_io(self, metrics: dict[str, float]) -> None:
        io = _disk_io()
        for dev in self._devices:
            if dev in io:
                read, written = self._disk_start.get(dev, (0, 0))
                metrics[f"disk.{dev}.in"] = (io[dev].read_bytes - read) / MIB
                metrics[f"disk.{dev}.out"] = (io[dev].write_bytes - written) / MIB

    def _per_core(self, metrics: dict[str, float]) -> None:
        times = psutil.cpu_times(percpu=True)
        for i, (before, after) in enumerate(zip(self._core_times, times)):
            metrics[f"cpu.{i}.cpu_percent"] = core_percent(before, after)
        self._core_times = times


def _rss(process: psutil.Process) -> int:
    return process.memory_info().rss


def _open_files(process: psutil.Process) -> int:
    return len(process.open_files())


def _or_zero(read: Callable[..., float], *args: Any) -> float:
    """One process's share of a sum; a process that ended or cannot be read adds nothing (as W&B's)."""
    try:
        return read(*args)
    except (psutil.Error, OSError):
        return 0.0


def _partitions() -> list[Any]:
    try:
        return list(psutil.disk_partitions(all=False))
    except OSError:
        return []


def _disk_io() -> dict[str, Any]:
    """Per-device I/O counters; none where the platform has none (some containers)."""
    try:
        return psutil.disk_io_counters(perdisk=True) or {}
    except (OSError, RuntimeError, NotImplementedError):
        return {}


def describe_machine(disk_paths: Sequence[str]) -> dict[str, Any]:
    """The machine as W&B's wandb-metadata.json describes it: physical and logical CPU counts, and memory and
    disk totals as byte strings (W&B's protojson writes uint64 as strings). Parts that cannot be read, such
    as a disk path that does not exist, are left out, as zero fields are in W&B's file."""
    info: dict[str, Any] = {}
    for key, logical in (("cpu_count", False), ("cpu_count_logical", True)):
        count = psutil.cpu_count(logical=logical)
        if count:
            info[key] = count
    disks = {}
    for path in disk_paths:
        try:
            usage = psutil.disk_usage(path)
        except OSError:
            continue
        disks[path] = {"total": str(usage.total), "used": str(usage.used)}
    if disks:
        info["disk"] = disks
    info["memory"] = {"total": str(psutil.virtual_memory().total)}
    return info
