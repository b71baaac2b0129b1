"""While a run is live the interpreter's switch interval is shortened, so that the sender's threads are not
kept waiting on a training loop that holds the GIL; a script's own interval is left alone, and the default
comes back once the last run ends."""

from __future__ import annotations

import io
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import runbase
from runbase import switch_interval
from runbase.sender import Sender


@pytest.fixture(autouse=True)
def default_interval() -> Iterator[None]:
    before = sys.getswitchinterval()
    sys.setswitchinterval(switch_interval.DEFAULT)
    yield
    sys.setswitchinterval(before)


def offline_run(tmp_path: Path, name: str) -> runbase.Run:
    return runbase.init(mode="offline", project="gil", id=name, reinit="create_new",
                        settings={"root_dir": str(tmp_path), "quiet": True})


def test_a_live_run_shortens_the_interval_and_finishing_gives_the_default_back(tmp_path: Path) -> None:
    run = offline_run(tmp_path, "one")
    run.log({"loss": 1.0})
    assert sys.getswitchinterval() == pytest.approx(switch_interval.WHILE_LIVE)
    run.finish()
    assert sys.getswitchinterval() == switch_interval.DEFAULT


def test_the_interval_stays_short_until_the_last_of_two_runs_ends(tmp_path: Path) -> None:
    first, second = offline_run(tmp_path, "first"), offline_run(tmp_path, "second")
    first.finish()
    assert sys.getswitchinterval() == pytest.approx(switch_interval.WHILE_LIVE)
    second.finish()
    assert sys.getswitchinterval() == switch_interval.DEFAULT


def test_a_scripts_own_interval_is_left_alone(tmp_path: Path) -> None:
    sys.setswitchinterval(0.02)
    run = offline_run(tmp_path, "own")
    run.log({"loss": 1.0})
    assert sys.getswitchinterval() == pytest.approx(0.02)
    run.finish()
    assert sys.getswitchinterval() == pytest.approx(0.02)


def test_an_interval_the_script_changes_during_a_run_is_kept_after_it(tmp_path: Path) -> None:
    run = offline_run(tmp_path, "changed")
    sys.setswitchinterval(0.01)
    run.finish()
    assert sys.getswitchinterval() == pytest.approx(0.01)


# -- a script's interval, forks and a failed init -------------------------------------------------------


def wait_until_shortened() -> None:
    """The sender shortens the interval from its own thread, just after init returns."""
    deadline = time.monotonic() + 5
    while sys.getswitchinterval() != switch_interval.WHILE_LIVE and time.monotonic() < deadline:
        time.sleep(0.001)


def test_an_interval_the_script_set_during_a_run_is_kept_when_a_second_run_starts(tmp_path: Path) -> None:
    first = offline_run(tmp_path, "first")
    wait_until_shortened()
    sys.setswitchinterval(0.01)  # the script's own choice, made while the first run is live
    second = offline_run(tmp_path, "second")
    second.log({"loss": 1.0})
    time.sleep(0.1)  # the second sender is up
    assert sys.getswitchinterval() == pytest.approx(0.01)
    first.finish()
    second.finish()
    assert sys.getswitchinterval() == pytest.approx(0.01)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX only")
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded")  # 3.12+: fork() with threads
def test_a_forked_childs_own_run_gives_the_default_back_when_it_ends(tmp_path: Path) -> None:
    parent = offline_run(tmp_path, "parent")
    wait_until_shortened()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its parent's sender is not running here
        code = 1
        try:
            child = offline_run(tmp_path, "child")
            child.log({"loss": 1.0})
            child.finish()
            os.write(write_end, repr(sys.getswitchinterval()).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    got = os.read(read_end, 100).decode()
    os.close(read_end)
    os.waitpid(pid, 0)
    parent.finish()
    assert float(got) == switch_interval.DEFAULT
    assert sys.getswitchinterval() == switch_interval.DEFAULT


def test_an_init_that_fails_after_starting_the_sender_leaves_the_default_interval(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = set(threading.enumerate())
    closed = io.StringIO()
    closed.close()
    monkeypatch.setattr(sys, "stderr", closed)  # init's "started run" line cannot be written
    try:
        with pytest.raises(ValueError, match="closed file"):
            runbase.init(mode="offline", project="gil", id="failed", settings={"root_dir": str(tmp_path)})
        monkeypatch.undo()
        time.sleep(0.2)
        assert sys.getswitchinterval() == switch_interval.DEFAULT
    finally:  # the sender the failed init left running must not hold the interval short for later tests
        monkeypatch.undo()
        for thread in set(threading.enumerate()) - before:
            if isinstance(thread, Sender):
                thread.close(None, timeout=5)


# -- more of the same rules -----------------------------------------------------------------------------


def test_a_script_that_set_the_short_interval_itself_keeps_it_after_the_run(tmp_path: Path) -> None:
    sys.setswitchinterval(switch_interval.WHILE_LIVE)
    offline_run(tmp_path, "own-short").finish()
    assert sys.getswitchinterval() == switch_interval.WHILE_LIVE


def test_runs_started_and_finished_from_many_threads_give_the_default_back(tmp_path: Path) -> None:
    def runs(n: int) -> None:
        for i in range(5):
            run = offline_run(tmp_path, f"t{n}-{i}")
            run.log({"loss": float(i)})
            run.finish()

    threads = [threading.Thread(target=runs, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert switch_interval._live == 0
    assert sys.getswitchinterval() == switch_interval.DEFAULT
