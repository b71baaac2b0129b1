"""Crash detection counts a run's silence only while heartbeats could be stored (jobs.Hearing)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from runbase_server import jobs


def test_silence_counts_a_whole_timeout_after_the_start_and_after_each_outage(monkeypatch: pytest.MonkeyPatch
                                                                             ) -> None:
    clock = [1000.0]
    monkeypatch.setattr(jobs, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    hearing = jobs.Hearing(timeout=300)
    clock[0] += 299
    assert not hearing.heard()  # the server started under a timeout ago
    clock[0] += 1
    assert hearing.heard()
    hearing.lost()  # the database refused a pass (unreachable, or a standby)
    clock[0] += 1000
    assert not hearing.heard()  # back now: silence counts from here
    clock[0] += 299
    assert not hearing.heard()
    clock[0] += 1
    assert hearing.heard() and hearing.heard()
