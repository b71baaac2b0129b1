"""Hyperband early termination as W&B's sweeps compute it: the brackets, and exactly which running runs they
stop (worked by hand below)."""

from __future__ import annotations

import pytest
from runbase_server.errors import UserError
from runbase_server.sweeps import config as sweep_config
from runbase_server.sweeps import hyperband


def _rule(**early: object) -> sweep_config.Hyperband:
    config = sweep_config.parse({"method": "random", "metric": {"name": "loss"}, "parameters": {"a": {"value": 1}},
                                 "early_terminate": {"type": "hyperband", **early}})
    assert config.early_terminate is not None
    return config.early_terminate


def test_brackets_from_max_iter_and_s_or_from_min_iter() -> None:
    assert hyperband.brackets(_rule(max_iter=81, eta=3, s=3)) == [3, 9, 27]
    assert hyperband.brackets(_rule(max_iter=10, eta=3, s=5)) == [1, 3]  # 10/27 < 1 ends them
    assert hyperband.brackets(_rule(min_iter=2, eta=3))[:4] == [2, 6, 18, 54]
    assert hyperband.brackets(_rule(min_iter=3))[:3] == [3, 9, 27]  # eta defaults to 3
    assert _rule(min_iter=1).strict is True  # W&B's default
    with pytest.raises(UserError, match="no bracket"):
        _rule(max_iter=2, eta=3, s=2)


# min_iter 1, eta 3: brackets 1, 3, 9; a run goes on in the top 1/3 (index int(n / 3) of the sorted values).
# Bracket 1 (first values): a 4, b 5, c 3, d 6, f 1, g 7 -> [1, 3, 4, 5, 6, 7][2] = 4.
# Bracket 3 (third values): a 2, b 6, c 2, f 1 -> [1, 2, 2, 6][1] = 2. Bracket 9: none reached.
HISTORIES = {"a": [4, 3, 2, 1], "b": [5, 4, 6, 6], "c": [3, 2.5, 2], "d": [6, 9], "e": [], "f": [1, 1, 1],
             "g": [7, 2.9]}
RUNNING = ["b", "c", "d", "e", "g"]  # a finished, f failed: they set thresholds, are never stopped


@pytest.mark.parametrize(("strict", "stopped"), [
    # b at 3: 6 > 2; c at 3: 2, not above 2; d at 1: 6 > 4; e: no bracket yet; g at 1: 7 > 4 (its best, 2.9, is not)
    (True, ["b", "d", "g"]),
    (False, ["b", "d"]),  # by their best so far: b 4 > 2, c 2, d 6 > 4, g 2.9
])
def test_exactly_the_runs_the_brackets_say_are_stopped(strict: bool, stopped: list[str]) -> None:
    rule = _rule(min_iter=1, eta=3, strict=strict)
    histories = {name: hyperband.values(h, maximize=False) for name, h in HISTORIES.items()}
    assert hyperband.to_stop(rule, histories, RUNNING) == stopped
    flipped = {name: hyperband.values([-v for v in h], maximize=True) for name, h in HISTORIES.items()}
    assert hyperband.to_stop(rule, flipped, RUNNING) == stopped


def test_only_finite_numbers_count_as_the_metric_history() -> None:
    assert hyperband.values([1, None, "x", float("nan"), True, 2.5, float("inf")], maximize=True) == [-1.0, -2.5]
