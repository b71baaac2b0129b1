"""The sender keeps the server busy: rows logged while a batch of rows is in flight are recorded meanwhile and go
together in the next request, and a refused request that carried several batches costs only what was refused.
A real server behind the test's HTTP proxy, which can hold a request or refuse it."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
import runbase
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


def _recorded_batches(log: Path) -> list[list[int]]:
    return [[row["_step"] for row in json.loads(record["rows"])] for record in records.read(log)
            if record["t"] == records.HISTORY and record["rows"] != "[]"]


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


def test_a_bad_batch_among_merged_ones_costs_only_itself(server: Server, tmp_path: Path) -> None:
    """Rows recorded while the first request is held go merged; the server refuses any request holding step 1500:
    the merged request, then that batch alone, which alone is dropped (from an independent review)."""
    held, release = threading.Event(), threading.Event()
    hold_first = holding(release, first_only=held)
    refused: list[list[int]] = []

    def policy(method: str, path: str, body: bytes) -> int | None:
        steps = [row["_step"] for row in logged_rows(body)]
        if steps and not held.is_set():
            hold_first(method, path, body)
        elif 1500 in steps:
            refused.append(steps)
            return 400
        return None

    with LoggingProxy(server, before=policy) as proxy:
        proxy_run = start_run(proxy, server, tmp_path, "sender-bad-batch")
        proxy_run.log({"x": 0})
        assert held.wait(30)
        [log] = tmp_path.rglob(f"run-{proxy_run.id}.runbase")
        for step in range(1, 3001):
            proxy_run.log({"x": step})
            if step % 1000 == 0:
                _wait_recorded(log, step)
        release.set()
        proxy_run.finish()
    bad = next(batch for batch in _recorded_batches(log) if 1500 in batch)
    assert len(refused) == 2 and refused[-1] == bad, refused
    assert stored_steps(server, proxy_run.id, "sender-bad-batch") == [s for s in range(3001) if s not in bad]


def test_rows_logged_fast_through_an_outage_arrive_once_in_order(server: Server, tmp_path: Path) -> None:
    """A server down (502) while rows are logged fast, and a merged request handled but its answer lost: every row
    arrives once, in order (from an independent review)."""
    down = threading.Event()
    dropped: list[int] = []

    def policy(method: str, path: str, body: bytes) -> int | None:
        if down.is_set() and b"LogHistory" in body:
            return 502
        return None

    def drop_merged(exchange: Exchange) -> bool:  # a merged request handled, its answer lost
        steps = [row["_step"] for row in logged_rows(exchange.body)]
        if len(steps) > 1500:
            dropped.extend(steps)
            return True
        return False

    with LoggingProxy(server, before=policy, drop_once=drop_merged) as proxy:
        run = start_run(proxy, server, tmp_path, "sender-outage", x_file_stream_retry_wait_min_seconds=0.1,
                        x_file_stream_retry_wait_max_seconds=0.5)
        for step in range(0, 2000):
            run.log({"x": step})
        down.set()
        for step in range(2000, 6000):
            run.log({"x": step, "s": "q" * (step % 50)})
            if step % 500 == 0:
                time.sleep(0.3)
        down.clear()
        for step in range(6000, 8000):
            run.log({"x": step})
        run.finish()
    assert dropped, "no merged request was sent"
    assert stored_steps(server, run.id, "sender-outage") == list(range(8000))


def test_a_summary_too_large_for_a_request_costs_only_itself(backend: str, tmp_path: Path) -> None:
    """The summary rides along with batches of rows: when a request carrying both is refused, the summary goes
    apart and the rows again (Sender._drop_rejected), so a summary too large for any request costs only itself;
    rows were dropped with it (from an independent review). A server of its own (SQLite, as `backend` says), with a
    small request limit."""
    assert backend == "sqlite"
    server = Server(tmp_path / "srv", None, {"RUNBASE_MAX_REQUEST_BYTES": "100000"}).start()
    try:
        run = runbase.init(settings=runbase.Settings(api_key=server.key, base_url=server.url, quiet=True,
                                                     root_dir=str(tmp_path)), project="sender-big-summary")
        for step in range(500):
            run.log({"x": step})
        run.summary["big"] = "x" * 200_000  # more than a request may carry: refused whatever goes with it
        for step in range(500, 3000):
            run.log({"x": step})
            if step % 500 == 0:
                time.sleep(0.2)
        run.finish()
        assert stored_steps(server, run.id, "sender-big-summary") == list(range(3000))
    finally:
        server.stop()
