"""Crash detection counts a run's silence only while heartbeats could be stored (jobs.Hearing)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from runbase_server import jobs


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [1000.0]
    monkeypatch.setattr(jobs, "time", SimpleNamespace(monotonic=lambda: now[0]))
    return now


def test_nothing_counts_before_the_server_started(clock: list[float]) -> None:
    hearing = jobs.Hearing(timeout=300)
    clock[0] += 299
    assert hearing.silent_for() is None  # up for less than a timeout: who was silent before, it cannot tell
    clock[0] += 1
    assert hearing.silent_for() == 300
    clock[0] += 50
    assert hearing.silent_for() == 300


def test_an_outage_delays_marking_by_its_own_length(clock: list[float]) -> None:
    hearing = jobs.Hearing(timeout=300)
    clock[0] += 1000
    assert hearing.silent_for() == 300
    hearing.lost()  # passes fail from here: the database is unreachable, or a standby
    clock[0] += 600
    assert hearing.silent_for() == 900  # back: the 600 s of the outage do not count as silence
    clock[0] += 200
    assert hearing.silent_for() == 900  # a timeout heard: 200 s after the outage, 100 s before it
    clock[0] += 300
    assert hearing.silent_for() == 300 and hearing.gaps == []  # the outage is a timeout behind


def test_a_flapping_database_delays_marking_without_stopping_it(clock: list[float]) -> None:
    hearing = jobs.Hearing(timeout=4)
    answers = []
    for second in range(200):  # a pass a second; the database refuses every other one
        clock[0] += 1
        if second % 2:
            hearing.lost()
        else:
            answers.append(hearing.silent_for())
    # Each refusal is a gap up to the next good pass, and the time since the good pass before it counts: half
    # the time is heard, so a timeout of hearing spans about two.
    assert answers[-1] is not None and 4 <= answers[-1] <= 2 * 4 + 1
    assert len(hearing.gaps) <= 5  # the older ones are let go
