"""The sender keeps the server busy: rows logged while a batch of rows is in flight are recorded meanwhile and go
together in the next request, and a refused request that carried several batches costs only what was refused.
A real server behind the test's HTTP proxy, which can hold a request or refuse it."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from conftest import Server
from official_client import Exchange, LoggingProxy
from proxied_runs import holding, logged_rows, start_run, stored_steps
from runbase import records

# What the SDK sends does not depend on the server's database: SQLite only.
pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

STEPS = 3_000


def _row_steps(body: bytes) -> list[int]:
    """The steps of the rows a logHistory request carried (none for any other request)."""
    return [row["_step"] for row in logged_rows(body)]


def _batches(proxy: LoggingProxy) -> list[Exchange]:
    return [exchange for exchange in proxy.exchanges if _row_steps(exchange.body)]


def _recorded_steps(log: Path) -> list[int]:
    return [row["_step"] for record in records.read(log) if record["t"] == records.HISTORY
            for row in json.loads(record["rows"])]


def _wait_recorded(log: Path, step: int) -> None:
    """Until the record log holds the row of `step` (the first request is held meanwhile)."""
    deadline = time.monotonic() + 30
    while _recorded_steps(log)[-1:] != [step]:
        assert time.monotonic() < deadline, "rows logged during a request were not recorded during it"
        time.sleep(0.05)


def test_rows_logged_while_a_batch_is_in_flight_are_recorded_then_and_go_together(server: Server,
                                                                                  tmp_path: Path) -> None:
    held, release = threading.Event(), threading.Event()
    with LoggingProxy(server, before=holding(release, first_only=held)) as proxy:
        run = start_run(proxy, server, tmp_path, "sender-in-flight")
        run.log({"x": 0})
        assert held.wait(30), "the first row was never sent"
        for step in range(1, STEPS + 1):
            run.log({"x": step})
        [log] = tmp_path.rglob(f"run-{run.id}.runbase")
        _wait_recorded(log, STEPS)
        assert not _batches(proxy), "the held request was answered"
        release.set()
        run.finish()
        sent = [_row_steps(exchange.body) for exchange in _batches(proxy)]
    assert sent[0] == [0]
    assert sent[1] == list(range(1, STEPS + 1)), "the rows recorded meanwhile did not go in one request"
    assert stored_steps(server, run.id, "sender-in-flight") == list(range(STEPS + 1))


def test_a_refused_request_carrying_several_batches_goes_again_one_batch_at_a_time(
        server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    held, release = threading.Event(), threading.Event()
    refused: list[list[int]] = []
    hold_first_batch = holding(release, first_only=held)

    def hold_then_refuse(method: str, path: str, body: bytes) -> int | None:
        steps = _row_steps(body)
        if steps and not held.is_set():
            hold_first_batch(method, path, body)
        elif len(steps) > 1 and not refused:
            refused.append(steps)
            return 400  # not worth trying again: the sender drops what it refused
        return None

    with LoggingProxy(server, before=hold_then_refuse) as proxy:
        run = start_run(proxy, server, tmp_path, "sender-refused")
        run.log({"x": 0})
        assert held.wait(30), "the first row was never sent"
        [log] = tmp_path.rglob(f"run-{run.id}.runbase")
        for step in range(1, STEPS + 1):
            run.log({"x": step})
            if step % 1_000 == 0:  # three batches recorded while the first request is held
                _wait_recorded(log, step)
        release.set()
        run.finish()
        resent = [_row_steps(exchange.body) for exchange in _batches(proxy)][2:]
    assert refused == [list(range(1, STEPS + 1))], "the batches recorded meanwhile did not go together"
    assert len(resent) > 1 and [step for steps in resent for step in steps] == list(range(1, STEPS + 1))
    assert "whose parts go again one at a time" in capsys.readouterr().err
    assert stored_steps(server, run.id, "sender-refused") == list(range(STEPS + 1))
