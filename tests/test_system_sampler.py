"""The system sampler in this process: its rows match what psutil reports here, it starts and stops
promptly, x_disable_stats records nothing, a fake NVML's GPU keys reach the rows, and real OpenMetrics
endpoints (a local http.server) are scraped, filtered and skipped when they fail."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psutil
import pytest
from runbase.settings import Settings
from runbase.system import SystemSampler
from runbase.system import gpu as gpu_module

sys.path.insert(0, str(Path(__file__).parent / "unit"))
from test_system_gpu import FakeNvml, device, proc

INTERVAL = 0.2
MIB = 1024 ** 2
GIB = 1024 ** 3


class Rows:
    """An emit that keeps the rows, and waits for them."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self._arrived = threading.Condition()

    def __call__(self, row: dict[str, Any]) -> None:
        with self._arrived:
            self.rows.append(row)
            self._arrived.notify_all()

    def wait(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        with self._arrived:
            assert self._arrived.wait_for(lambda: len(self.rows) >= count, timeout), f"{len(self.rows)} rows"
            return list(self.rows)


def sampling(rows: Rows, **settings: Any) -> SystemSampler:
    sampler = SystemSampler(Settings(x_stats_sampling_interval=INTERVAL, **settings), rows)
    sampler.start()
    return sampler


def test_rows_match_psutil_in_this_process(tmp_path: Path) -> None:
    rows = Rows()
    started = time.time()
    sampler = sampling(rows, x_stats_disk_paths=(str(tmp_path), "/"))
    try:
        found = rows.wait(3)
        process = psutil.Process()
        memory = psutil.virtual_memory()
        usage = psutil.disk_usage(str(tmp_path))
        threads = process.num_threads()
        rss = process.memory_info().rss
    finally:
        sampler.stop()
    last = found[-1]
    assert last["proc.memory.rssMB"] == pytest.approx(rss / MIB, rel=0.1, abs=20)
    assert last["proc.memory.percent"] == pytest.approx(rss / memory.total * 100, rel=0.1, abs=0.5)
    assert abs(last["proc.cpu.threads"] - threads) <= 2
    assert last["memory_percent"] == pytest.approx(memory.percent, abs=3)
    assert last["proc.memory.availableMB"] == pytest.approx(memory.available / MIB, rel=0.1)
    assert last[f"disk.{tmp_path}.usageGB"] == pytest.approx(usage.used / GIB, abs=0.5)
    assert last[f"disk.{tmp_path}.usagePercent"] == pytest.approx(usage.percent, abs=1)
    assert "disk./.usagePercent" in last
    assert 0 <= last["cpu"] <= 100 * (psutil.cpu_count() or 1)
    assert {f"cpu.{i}.cpu_percent" for i in range(psutil.cpu_count() or 0)} <= set(last)
    assert last["proc.openFiles"] >= 0
    counters = [key for key in last if key.startswith("network.") or key.endswith((".in", ".out"))]
    assert {"network.sent", "network.recv"} <= set(counters)
    for key in counters:  # since the sampler started: from 0, never going down
        values = [row[key] for row in found]
        assert values[0] >= 0 and values == sorted(values), key
    # The first reading one interval after start; then about one per interval, in order.
    assert found[0]["_runtime"] >= INTERVAL * 0.9
    assert [row["_runtime"] for row in found] == sorted(row["_runtime"] for row in found)
    assert found[0]["_timestamp"] == pytest.approx(started + found[0]["_runtime"], abs=0.05)
    assert not [key for key in last if key.startswith(("system.", "gpu")) or key == "_step"]


def test_stop_is_prompt_safe_twice_and_before_start_and_emits_nothing_after() -> None:
    SystemSampler(Settings(), lambda row: None).stop()  # before start
    rows = Rows()
    sampler = SystemSampler(Settings(), rows)  # 15 s: the thread is waiting for its first tick
    sampler.start()
    time.sleep(0.1)
    began = time.monotonic()
    sampler.stop()
    assert time.monotonic() - began < 1.0
    sampler.stop()
    sampler.start()  # a stopped sampler stays stopped
    fast = sampling(rows)
    rows.wait(1)
    fast.stop()
    count = len(rows.rows)
    time.sleep(INTERVAL * 2)
    assert len(rows.rows) == count
    assert not [t for t in threading.enumerate() if t.name == "runbase-system-metrics"]


def test_disabled_records_nothing() -> None:
    rows = Rows()
    sampler = sampling(rows, x_disable_stats=True)
    time.sleep(INTERVAL * 3)
    sampler.stop()
    assert rows.rows == []
    assert not [t for t in threading.enumerate() if t.name == "runbase-system-metrics"]


def test_samples_to_average_sends_the_mean_of_that_many_readings() -> None:
    rows = Rows()
    sampler = sampling(rows, x_stats_samples_to_average=3)
    try:
        found = rows.wait(2)
    finally:
        sampler.stop()
    assert found[0]["_runtime"] >= 3 * INTERVAL * 0.9  # the first row after three readings
    # the second after six: readings keep to start + k * INTERVAL, so a late first row leaves a shorter gap to the
    # second; how much longer they take depends on the machine's load, so no upper bound
    assert found[1]["_runtime"] >= 6 * INTERVAL * 0.9
    assert isinstance(found[0]["proc.cpu.threads"], float)


def test_the_process_tree_counts_its_children_when_asked() -> None:
    """Sampling a process of its own that has exactly one child: this test's process may have others (servers
    that other tests started)."""
    parent = subprocess.Popen([sys.executable, "-c", "import subprocess, sys, time; child = subprocess.Popen("
                               "[sys.executable, '-c', 'import time; time.sleep(30)']); print(child.pid, flush=True); "
                               "time.sleep(30)"], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        child_pid = int(parent.stdout.readline())
        alone, tree = Rows(), Rows()
        samplers = [sampling(alone, x_stats_pid=parent.pid),
                    sampling(tree, x_stats_pid=parent.pid, x_stats_track_process_tree=True)]
        try:
            rss_alone = alone.wait(1)[0]["proc.memory.rssMB"]
            rss_tree = tree.wait(1)[0]["proc.memory.rssMB"]
        finally:
            for sampler in samplers:
                sampler.stop()
        child_rss = psutil.Process(child_pid).memory_info().rss / MIB
        assert rss_tree - rss_alone == pytest.approx(child_rss, rel=0.3, abs=5)
    finally:
        for process in psutil.Process(parent.pid).children(recursive=True) + [psutil.Process(parent.pid)]:
            process.kill()
        parent.wait()


def test_a_failing_emit_does_not_stop_the_sampler() -> None:
    calls: list[int] = []

    def emit(row: dict[str, Any]) -> None:
        calls.append(1)
        raise RuntimeError("the sender is gone")

    sampler = SystemSampler(Settings(x_stats_sampling_interval=INTERVAL), emit)
    sampler.start()
    deadline = time.monotonic() + 5
    while len(calls) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    sampler.stop()
    assert len(calls) >= 2


def test_gpu_keys_come_from_nvml_and_no_gpu_gives_none(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = Rows()
    sampler = sampling(rows)  # this machine: no NVIDIA driver
    rows.wait(1)
    sampler.stop()
    assert not [key for key in rows.rows[0] if key.startswith("gpu")]
    nvml = FakeNvml([device(compute=[proc(os.getpid(), 5 * GIB)]), device()])
    monkeypatch.setattr(gpu_module, "load_nvml", lambda: nvml)
    rows = Rows()
    sampler = sampling(rows, x_stats_gpu_device_ids=[0])
    row = rows.wait(1)[0]
    sampler.stop()
    assert row["gpu.0.memoryAllocatedBytes"] == 20 * GIB and row["gpu.0.powerWatts"] == 250.5
    assert row["gpu.process.0.processMemoryAllocatedBytes"] == 5 * GIB
    assert not [key for key in row if key.startswith("gpu.1.")]
    assert "cpu" in row  # one row per reading, with the host's keys
    assert nvml.shut_down


def test_a_process_that_is_gone_costs_only_its_own_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    monkeypatch.setattr(gpu_module, "load_nvml", lambda: FakeNvml([device()]))
    rows = Rows()
    sampler = sampling(rows, x_stats_pid=child.pid)
    row = rows.wait(1)[0]
    sampler.stop()
    assert row["gpu.0.gpu"] == 87.0
    assert "cpu" not in row and "memory_percent" not in row


EXPOSITION = """\
# TYPE DCGM_FI_DEV_GPU_TEMP gauge
DCGM_FI_DEV_GPU_TEMP{gpu="0",UUID="GPU-a"} 41
DCGM_FI_DEV_GPU_TEMP{gpu="1",UUID="GPU-b"} 45
# TYPE DCGM_FI_DEV_XID_ERRORS counter
DCGM_FI_DEV_XID_ERRORS{gpu="0"} 0
# TYPE process_open_fds gauge
process_open_fds 9
"""


@pytest.fixture
def exporter() -> Iterator[tuple[str, list[dict[str, str]]]]:
    """A local Prometheus exporter: /metrics serves EXPOSITION, /broken a 500, /garbage bad text, /slow
    EXPOSITION after 2 s."""
    requests: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(dict(self.headers))
            if self.path == "/slow":
                time.sleep(2)
                self.path = "/metrics"
            status, body = {"/metrics": (200, EXPOSITION), "/garbage": (200, "up{ 1 2\n")}.get(self.path, (500, "no"))
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", requests
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def openmetrics_row(base: str, **settings: Any) -> dict[str, Any]:
    rows = Rows()
    sampler = sampling(rows, x_stats_open_metrics_endpoints={
        "dcgm": f"{base}/metrics", "down": f"http://127.0.0.1:{closed_port()}/metrics",
        "broken": f"{base}/broken", "garbage": f"{base}/garbage"}, **settings)
    try:
        return rows.wait(2)[-1]
    finally:
        sampler.stop()


def om_keys(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key.startswith("openmetrics.")}


def test_openmetrics_endpoints_are_scraped_and_failing_ones_skipped(
        exporter: tuple[str, list[dict[str, str]]]) -> None:
    base, requests = exporter
    row = openmetrics_row(base, x_stats_open_metrics_http_headers={"Authorization": "Bearer t0ken"})
    assert om_keys(row) == {
        "openmetrics.dcgm.DCGM_FI_DEV_GPU_TEMP.0": 41.0, "openmetrics.dcgm.DCGM_FI_DEV_GPU_TEMP.1": 45.0,
        "openmetrics.dcgm.DCGM_FI_DEV_XID_ERRORS.0": 0.0, "openmetrics.dcgm.process_open_fds.0": 9.0}
    assert "cpu" in row  # the failing endpoints cost the rest of the reading nothing
    assert all(request.get("Authorization") == "Bearer t0ken" for request in requests)


@pytest.mark.parametrize(("filters", "expected"), [
    (["dcgm\\.DCGM_FI_DEV_GPU_TEMP$", "fds"], {"openmetrics.dcgm.DCGM_FI_DEV_GPU_TEMP.0": 41.0,
                                             "openmetrics.dcgm.DCGM_FI_DEV_GPU_TEMP.1": 45.0,
                                             "openmetrics.dcgm.process_open_fds.0": 9.0}),
    ({"DCGM_FI_DEV_GPU_TEMP": {"UUID": "GPU-b"}}, {"openmetrics.dcgm.DCGM_FI_DEV_GPU_TEMP.0": 45.0}),
])
def test_openmetrics_filters_in_both_forms(exporter: tuple[str, list[dict[str, str]]], filters: Any,
                                           expected: dict[str, float]) -> None:
    assert om_keys(openmetrics_row(exporter[0], x_stats_open_metrics_filters=filters)) == expected


def test_stop_does_not_wait_for_a_slow_endpoint_and_drops_its_reading(
        exporter: tuple[str, list[dict[str, str]]]) -> None:
    rows = Rows()
    sampler = sampling(rows, x_stats_open_metrics_endpoints={"slow": f"{exporter[0]}/slow"})
    time.sleep(INTERVAL * 2)  # the first reading is waiting on the endpoint
    began = time.monotonic()
    sampler.stop()
    assert time.monotonic() - began < 1.5
    time.sleep(2)
    assert rows.rows == []


def test_the_sampler_never_imports_its_libraries_into_runbase() -> None:
    """...and starting it imports them in the calling thread: a fork while the sampler thread imported them
    would leave the child a partially initialized module."""
    code = textwrap.dedent("""
        import runbase, runbase.system, sys
        from runbase.system.sampler import SystemSampler
        print([m for m in ('psutil', 'pynvml', 'prometheus_client') if m in sys.modules])
        SystemSampler._run = lambda self, started: None  # the thread imports nothing
        SystemSampler(runbase.Settings(), print).start()
        print("runbase.system.host" in sys.modules and "psutil" in sys.modules)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["[]", "True"]



def test_x_label_names_every_series_as_wandb_does() -> None:
    rows = Rows()
    sampler = sampling(rows, x_label="node-1")
    try:
        row = rows.wait(1)[0]
    finally:
        sampler.stop()
    assert "proc.memory.rssMB/l:node-1" in row and "_timestamp" in row and "_runtime" in row
    assert all(key.startswith("_") or key.endswith("/l:node-1") for key in row)
