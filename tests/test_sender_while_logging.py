"""The sender while a run keeps logging and each request of rows takes a while (a server across a network): the
summary, printed lines and the stop check still go while the run logs, a run killed meanwhile leaves them on disk,
and what is logged while a batch is held arrives once and in order. A real server behind the test's HTTP proxy,
which delays or holds requests of rows. (Written by an independent review of the rows-in-flight change.)"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import runbase
from conftest import Server, run_script, sdk_environment
from official_client import LoggingProxy
from proxied_runs import holding, logged_rows, start_run, stored_steps
from runbase import records

# What the SDK sends does not depend on the server's database: SQLite only.
pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

LATENCY = 0.1  # seconds each request of rows takes through the proxy (a server across a network)
PATIENCE = 20.0  # seconds of logging (a row every few ms) within which a change must reach the server


def _slow_rows(method: str, path: str, body: bytes) -> None:
    if logged_rows(body):
        time.sleep(LATENCY)


def _sent(proxy: LoggingProxy, best: int) -> bool:
    """Whether a request carried the summary value best=`best`."""
    return any(re.search(rb'\\"best\\": ?%d' % best, exchange.body) is not None
               for exchange in list(proxy.exchanges))


def _log_until(run: runbase.Run, check: Callable[[], bool]) -> bool:
    """Log a row every few milliseconds (a training loop) until `check()` is true or PATIENCE runs out."""
    deadline = time.monotonic() + PATIENCE
    step = 0
    next_check = 0.0
    while time.monotonic() < deadline:
        run.log({"loss": 1.0 / (step + 1)})
        step += 1
        time.sleep(0.002)
        if time.monotonic() >= next_check:
            next_check = time.monotonic() + 0.5
            if check():
                return True
    return False


def test_a_summary_change_reaches_the_server_while_the_run_keeps_logging(server: Server, tmp_path: Path) -> None:
    with LoggingProxy(server, before=_slow_rows) as proxy:
        run = start_run(proxy, server, tmp_path, "review-starve-summary")
        try:
            _log_until(run, lambda: len(proxy.exchanges) > 3)  # the sender is busy sending rows
            run.summary["best"] = 41
            _log_until(run, lambda: _sent(proxy, 41))
            run.summary["best"] = 42

            # Looked for in what the proxy saw: asking the server would pause the loop (and let the sender out).
            reached = _log_until(run, lambda: _sent(proxy, 42))
        finally:
            run.finish()
    assert reached, "run.summary['best'] reached the server only at finish(), not while the run was logging"


def test_printed_lines_reach_the_server_while_the_run_keeps_logging(server: Server, tmp_path: Path) -> None:
    with LoggingProxy(server, before=_slow_rows) as proxy:
        run = start_run(proxy, server, tmp_path, "review-starve-console")
        try:
            _log_until(run, lambda: len(proxy.exchanges) > 3)
            print("epoch 1 done", flush=True)
            reached = _log_until(run, lambda: any(b"epoch 1 done" in exchange.body
                                                        for exchange in list(proxy.exchanges)))
            [output] = tmp_path.rglob("output.log")
            written = "epoch 1 done" in output.read_text()
        finally:
            run.finish()
    assert written, "the printed line was not written to output.log while the run was logging"
    assert reached, "the printed line reached the server only at finish(), not while the run was logging"


def test_a_run_that_keeps_logging_still_asks_whether_it_was_stopped(server: Server, tmp_path: Path) -> None:
    """stopRun from the web app: the sender asks every heartbeat_seconds (here 1 s) whether the run was stopped."""
    with LoggingProxy(server, before=_slow_rows) as proxy:
        run = start_run(proxy, server, tmp_path, "review-starve-stop", heartbeat_seconds=1)

        def asked() -> int:
            return sum(b"query RunStopped" in exchange.body for exchange in list(proxy.exchanges))

        try:
            _log_until(run, lambda: asked() > 0 and len(proxy.exchanges) > 3)
            before = asked()
            again = _log_until(run, lambda: asked() > before)
        finally:
            run.finish()
    assert again, "while the run kept logging, the sender never asked again whether the run was stopped"


def test_what_is_logged_while_a_batch_is_held_arrives_once_and_in_order(server: Server, tmp_path: Path) -> None:
    """Rows, an alert, a summary change, a config change and a printed line logged
    while the first batch is held; run.status() answers meanwhile; the alert goes after the rows logged before
    it, every row arrives once, the summary and config hold the last values."""
    held, release = threading.Event(), threading.Event()
    with LoggingProxy(server, before=holding(release, first_only=held)) as proxy:
        run = start_run(proxy, server, tmp_path, "review-held")
        run.log({"x": 0})
        assert held.wait(30), "the first row was never sent"
        for step in range(1, 501):
            run.log({"x": step})
        run.alert(title="after 500", text="rows 0-500 went before me")
        for step in range(501, 1001):
            run.log({"x": step})
        run.summary["best"] = 7
        run.config.update({"lr": 0.5})
        print("held line", flush=True)
        status = threading.Thread(target=run.status)  # answered once the request comes back
        status.start()
        release.set()
        status.join(60)
        assert not status.is_alive()
        run.finish()
        bodies = [exchange.body for exchange in proxy.exchanges]
    alert_at = next(i for i, body in enumerate(bodies) if b"NotifyScriptableRunAlert" in body)
    sent = [logged_rows(body) for body in bodies[:alert_at]]
    assert {row["_step"] for rows in sent for row in rows} >= set(range(501)), "the alert overtook rows before it"
    assert stored_steps(server, run.id, "review-held") == list(range(1001))
    stored = server.run(run.id, project="review-held")
    assert stored is not None
    assert json.loads(stored["summaryMetrics"])["best"] == 7 and json.loads(stored["summaryMetrics"])["x"] == 1000
    assert json.loads(stored["config"])["lr"]["value"] == 0.5
    assert sum(b"NotifyScriptableRunAlert" in body for body in bodies) == 1
    assert any(b"held line" in body for body in bodies)


KILLED_WHILE_LOGGING = """
    import os, signal, time, runbase
    run = runbase.init(project="review-killed", settings={{"base_url": {url!r}, "quiet": True}})
    print(run._sender.log.path, flush=True)
    def log_for(seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            run.log({{"loss": 0.5}})
            time.sleep(0.002)
    log_for(2)
    run.summary["best"] = 42
    print("epoch 1 done", flush=True)
    log_for(4)
    os.kill(os.getpid(), signal.SIGKILL)  # the OOM killer, a preempted node
"""


def test_a_run_killed_while_logging_has_its_summary_and_printed_lines_on_disk(server: Server,
                                                                               tmp_path: Path) -> None:
    """What the record log is for: a run killed while it logs leaves on disk what it did up to a moment ago
    (for `runbase sync` and output.log). While the sender stays in its loop of row requests, neither the summary
    change nor the printed line is written to disk, however long the run goes on."""
    with LoggingProxy(server, before=_slow_rows) as proxy:
        env = sdk_environment(server, tmp_path)
        result = run_script(KILLED_WHILE_LOGGING.format(url=proxy.url), env, check=False)
    assert result.returncode == -signal.SIGKILL, result.stderr
    log = Path(result.stdout.splitlines()[0])
    summaries = [json.loads(record["summaryMetrics"]) for record in records.read(log) if "summaryMetrics" in record]
    kept_summary = any(summary.get("best") == 42 for summary in summaries)
    output = log.parent / "files" / "output.log"
    kept_line = output.exists() and "epoch 1 done" in output.read_text()
    assert (kept_summary, kept_line) == (True, True), "(summary change, printed line) 4 s before the kill: lost"


HELD_AT_FINISH = """
    import time, runbase
    run = runbase.init(project="review-sync", settings={{"base_url": {url!r}, "quiet": True,
                                                         "x_finish_timeout": 3}})
    print(run.id, run._sender.log.path, flush=True)
    run.log({{"x": 0}})
    time.sleep(1)  # the first batch is in flight, and held
    for step in range(1, 2001):
        run.log({{"x": step}})
    run.summary["best"] = 7
    run.config.update({{"lr": 0.5}})
    time.sleep(0.5)  # recorded meanwhile
    for step in range(2001, 3001):
        run.log({{"x": step}})
    run.finish()  # the request never comes back: finish() gives up, the rest goes by `runbase sync`
"""


def test_a_record_log_written_while_a_batch_was_held_syncs_exactly(server: Server, tmp_path: Path) -> None:
    """Rows recorded while a batch was in flight, then finish() with that request
    never answered; `runbase sync` of the (binary-written) record log gives the server every row once, the
    summary, config and final state."""
    release = threading.Event()
    with LoggingProxy(server, before=holding(release)) as proxy:
        env = sdk_environment(server, tmp_path)
        result = run_script(HELD_AT_FINISH.format(url=proxy.url), env, check=False, timeout=120)
        release.set()
    assert "runbase sync" in result.stderr, result.stderr
    run_id, log_path = result.stdout.split()
    log = Path(log_path)
    assert b"\r" not in log.read_bytes()
    synced = subprocess.run([sys.executable, "-m", "runbase.cli", "sync", str(log.parent)], env=env,
                            capture_output=True, text=True, timeout=120)
    assert synced.returncode == 0, synced.stderr
    assert stored_steps(server, run_id, "review-sync") == list(range(3001))
    stored = server.run(run_id, project="review-sync")
    assert stored is not None
    summary = json.loads(stored["summaryMetrics"])
    assert (summary["best"], summary["x"]) == (7, 3000)
    assert json.loads(stored["config"])["lr"]["value"] == 0.5
    assert stored["state"] == "finished"
