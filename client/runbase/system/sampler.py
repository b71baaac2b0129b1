"""The system-metrics sampler: a daemon thread that takes a reading every x_stats_sampling_interval
seconds (W&B's default 15 s; the first one interval after start, as W&B's ticker) and hands each row to
`emit`: W&B's raw keys (no "system." prefix, no _step) plus `_timestamp` (epoch seconds) and `_runtime`
(seconds since start_time).

It shares no lock with run.log: the thread only reads the machine and calls emit. Each source (host,
GPUs, OpenMetrics endpoints) is read on its own and one that fails is left out of that reading; nothing
the thread meets is raised. psutil, pynvml and prometheus_client are imported when the sampler starts, not
here.

Where W&B sends one row per source, each with its own timestamp, runbase sends one row per reading with
all of them. With x_stats_samples_to_average = N > 1 (W&B's older monitor's averaging), a row is sent
every N readings and holds each key's mean over the readings that had it (so the first row comes N
intervals after start); with N = 1 (the default, as W&B 0.21) each row is one reading's values."""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from ..settings import Settings, stats_values

log = logging.getLogger("runbase.system")
# How long stop() waits for a reading in progress (a slow OpenMetrics endpoint) before it returns; a row
# that reading would give is then dropped, never emitted after stop().
STOP_WAIT_SECONDS = 1.0


class Source(Protocol):
    """What the sampler reads: host.HostMetrics, gpu.GpuMetrics, openmetrics.OpenMetrics."""

    def sample(self) -> dict[str, float]: ...
    def close(self) -> None: ...


def open_sources(values: dict[str, Any]) -> list[Source]:
    """The sources the settings ask for that this machine has; one that cannot start is left out."""
    sources: list[Source] = []
    pid = values["x_stats_pid"]
    try:
        from .host import HostMetrics

        sources.append(HostMetrics(pid=pid, disk_paths=values["x_stats_disk_paths"],
                                   track_process_tree=values["x_stats_track_process_tree"]))
    except Exception as e:  # noqa: BLE001 - psutil missing, the process gone: the other sources go on
        log.warning("runbase: no CPU, memory, disk or network metrics: %s", e)
    try:
        from .gpu import open_gpu

        gpu = open_gpu(pid=pid, device_ids=values["x_stats_gpu_device_ids"])
        if gpu is not None:
            sources.append(gpu)
    except Exception as e:  # noqa: BLE001 - the other sources go on
        log.warning("runbase: no GPU metrics: %s", e)
    if values["x_stats_open_metrics_endpoints"]:
        try:
            from .openmetrics import OpenMetrics

            sources.append(OpenMetrics(values["x_stats_open_metrics_endpoints"],
                                       filters=values["x_stats_open_metrics_filters"],
                                       headers=values["x_stats_open_metrics_http_headers"]))
        except Exception as e:  # noqa: BLE001 - the other sources go on
            log.warning("runbase: no OpenMetrics metrics: %s", e)
    return sources


def import_sources(values: dict[str, Any]) -> None:
    """Import what open_sources needs in the calling thread (init's), before the sampler thread starts: a
    fork while that thread is importing would leave the child a partially initialized module."""
    names = ["runbase.system.host", "runbase.system.gpu", "pynvml"]
    if values["x_stats_open_metrics_endpoints"]:
        names += ["runbase.system.openmetrics", "prometheus_client.parser"]
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001, S112 - not installed: the thread leaves its source out and says why
            continue


def averaged(readings: list[dict[str, float]]) -> dict[str, float]:
    """Each key's mean over the readings that have it, in first-seen key order."""
    sums: dict[str, list[float]] = {}
    for reading in readings:
        for key, value in reading.items():
            sums.setdefault(key, []).append(value)
    return {key: sum(values) / len(values) for key, values in sums.items()}


class SystemSampler:
    """Samples the machine and the training process for a run's system stream (see the module's doc)."""

    def __init__(self, settings: Settings, emit: Callable[[dict[str, Any]], None], *,
                 start_time: float | None = None) -> None:
        """settings are checked here (a UsageError names a bad one); start_time is the epoch second that
        _runtime counts from (the run's start; when start() is called if None)."""
        self._values = stats_values(settings)
        self._emit = emit
        self._interval: float = self._values["x_stats_sampling_interval"]
        self._to_average: int = self._values["x_stats_samples_to_average"]
        self._label = settings.x_label  # W&B's x_label: each key gets "/l:<label>" (a node's or a rank's series)
        self._start_time = start_time
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Starts the thread (once); returns at once. Does nothing with x_disable_stats."""
        if self._values["x_disable_stats"] or self._thread is not None or self._stopping.is_set():
            return
        if self._start_time is None:
            self._start_time = time.time()
        import_sources(self._values)
        self._thread = threading.Thread(target=self._run, args=(time.monotonic(),), name="runbase-system-metrics",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Wakes the thread and waits for it (at most STOP_WAIT_SECONDS); no row is emitted after it returns.
        Safe to call twice, or before start()."""
        self._stopping.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(STOP_WAIT_SECONDS)

    def _run(self, started: float) -> None:
        """The thread: opens the sources (so start() never waits on NVML), then reads at each tick until
        stopped, then closes them. Ticks stay on start + k * interval; one missed (a slow reading) is
        skipped, as Go's ticker does in W&B."""
        sources: list[Source] = []
        try:
            sources = open_sources(self._values)
            readings: list[dict[str, float]] = []
            tick = started + self._interval
            while sources and not self._stopping.wait(max(0.0, tick - time.monotonic())):
                readings.append(self._reading(sources))
                if len(readings) >= self._to_average:
                    self._send(readings)
                    readings = []
                now = time.monotonic()
                tick += self._interval * (1 + max(0, int((now - tick) // self._interval)))
        except Exception:
            log.exception("runbase: the system-metrics sampler stopped")
        finally:
            for source in sources:
                try:
                    source.close()
                except Exception as e:  # noqa: BLE001 - the thread never raises
                    log.debug("system metrics: closing %s: %s", type(source).__name__, e)

    def _reading(self, sources: list[Source]) -> dict[str, float]:
        reading: dict[str, float] = {"_timestamp": time.time()}
        for source in sources:
            try:
                reading.update(source.sample())
            except Exception as e:  # noqa: BLE001 - one source failing leaves the others in the reading
                log.debug("system metrics: %s failed: %s", type(source).__name__, e)
        return reading

    def _send(self, readings: list[dict[str, float]]) -> None:
        """Emits one row (the reading, or the mean of the readings); a failing emit is logged, not raised."""
        row: dict[str, Any] = readings[0] if len(readings) == 1 else averaged(readings)
        if len(row) <= 1 or self._stopping.is_set():
            return  # nothing but the timestamp, or stop() has returned or is returning
        if self._label:
            row = {key if key.startswith("_") else f"{key}/l:{self._label}": value for key, value in row.items()}
        row["_timestamp"] = readings[-1]["_timestamp"]
        row["_runtime"] = row["_timestamp"] - (self._start_time or row["_timestamp"])
        try:
            self._emit(row)
        except Exception as e:  # noqa: BLE001 - the thread never raises; the next row is tried
            log.warning("runbase: a system-metrics row was not recorded: %s", e)
