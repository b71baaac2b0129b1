"""The host part's computations, as W&B's gopsutil-based monitor makes them: which disks' I/O counts,
per-core busy percent, and the process's lifetime CPU percent."""

from __future__ import annotations

import os
import time
from types import SimpleNamespace

import psutil
import pytest
from runbase.system.host import HostMetrics, core_percent, disk_devices, lifetime_cpu_percent


def part(device: str, mountpoint: str) -> SimpleNamespace:
    return SimpleNamespace(device=device, mountpoint=mountpoint)


def test_disk_devices_are_those_mounted_on_a_prefix_of_a_path() -> None:
    parts = [part("/dev/nvme0n1p2", "/"), part("/dev/nvme0n1p1", "/boot"), part("/dev/sdb1", "/data")]
    io = ["nvme0n1", "nvme0n1p1", "nvme0n1p2", "sdb", "sdb1", "loop0"]
    assert disk_devices(["/"], parts, io) == {"nvme0n1p2"}
    assert disk_devices(["/data/x"], parts, io) == {"nvme0n1p2", "sdb1"}  # "/" is a prefix of every path


def test_overlay_root_and_unknown_devices_fall_back_to_every_real_disk() -> None:
    docker = [part("overlay", "/etc/hosts"), part("/dev/vda1", "/etc/hostname"), part("/dev/loop3", "/snap")]
    assert disk_devices(["/"], docker, ["vda", "vda1", "loop3"]) == {"vda1"}
    assert disk_devices(["/"], [part("/dev/mapper/root", "/")], ["dm-0", "sda", "ram0", "zram0"]) == {"dm-0", "sda"}


def test_core_percent_is_psutils() -> None:
    fields = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest", "guest_nice"]

    class Times(tuple[float, ...]):  # psutil's Linux scputimes: a namedtuple in this order
        def __getattr__(self, name: str) -> float:
            return float(self[fields.index(name)])

    before = Times((10, 0, 5, 80, 5, 0, 0, 0, 2, 0))
    after = Times((40, 0, 15, 110, 15, 0, 0, 0, 12, 0))  # busy +40, idle+iowait +40, guest +10 (inside user)
    assert core_percent(before, after) == pytest.approx(50.0)
    assert core_percent(after, after) == 0.0


def test_lifetime_cpu_percent_is_gopsutils_formula() -> None:
    process = psutil.Process()
    deadline = time.process_time() + 0.05
    while time.process_time() < deadline:
        pass
    now = time.time()
    times = process.cpu_times()
    expected = 100 * (times.user + times.system + getattr(times, "iowait", 0.0)) / (now - process.create_time())
    assert lifetime_cpu_percent(process, now) == pytest.approx(expected, rel=0.05)


def test_a_path_that_does_not_exist_is_left_out_alone(tmp_path: os.PathLike[str]) -> None:
    host = HostMetrics(pid=os.getpid(), disk_paths=["/nonexistent/path", os.fspath(tmp_path)],
                       track_process_tree=False)
    metrics = host.sample()
    assert f"disk.{os.fspath(tmp_path)}.usageGB" in metrics
    assert not [key for key in metrics if "nonexistent" in key]
    assert metrics["proc.cpu.threads"] >= 1
