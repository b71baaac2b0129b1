"""While a run is live the interpreter's switch interval is shortened, so that the sender's threads are not
kept waiting on a training loop that holds the GIL; a script's own interval is left alone, and the default
comes back once the last run ends."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import runbase
from runbase import switch_interval


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
