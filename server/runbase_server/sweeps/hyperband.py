"""Hyperband early termination, as W&B's sweeps compute it (Li et al., https://arxiv.org/abs/1603.06560).

Brackets: with `max_iter` and `s`, max_iter / eta, / eta^2, ... (s of them, those at least 1, as integers,
ascending); with `min_iter`, min_iter * eta^k as integers. A run's metric history is the finite numbers it logged
under the metric's name, in order (negated when the goal is maximize, so lower is better). At each bracket b the
threshold is the value at position b (1-based) of every run of the sweep that got that far, sorted, at index
int(len / eta): the top 1/eta go on. A running run past a bracket is stopped when its value is above the
threshold of the last bracket it passed: its best value so far, or with `strict` (W&B's default) its value at
that bracket."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from ..runs.history import finite_number
from .config import Hyperband

MAX_BRACKETS = 100  # W&B's count of min_iter brackets


def brackets(rule: Hyperband) -> list[int]:
    if rule.max_iter is not None:
        assert rule.s is not None
        found, band = [], float(rule.max_iter)
        for _ in range(rule.s):
            band /= rule.eta
            if band < 1:
                break
            found.append(int(band))
        return sorted(found)
    assert rule.min_iter is not None
    found, band = [], float(rule.min_iter)
    while len(found) < MAX_BRACKETS and band < 2 ** 62:  # later ones no history reaches
        found.append(int(band))
        band *= rule.eta
    return found


def values(history: Sequence[object], *, maximize: bool) -> list[float]:
    """The metric's history as hyperband reads it: finite numbers only, negated for maximize."""
    sign = -1.0 if maximize else 1.0
    return [sign * number for number in map(finite_number, history) if number is not None]


def to_stop(rule: Hyperband, histories: Mapping[str, list[float]], running: Sequence[str], *,
            best: Mapping[str, float] | None = None) -> list[str]:
    """Of the running runs, those hyperband stops; `histories` holds every run of the sweep (as `values`), or
    each as far as the brackets in question (a prefix of it: the thresholds of the brackets it reaches are the
    same). Without `strict`, `best` gives a running run's best value when its history is such a prefix."""
    bands = brackets(rule)
    thresholds = []
    for band in bands:
        reached = sorted(h[band - 1] for h in histories.values() if len(h) >= band)
        thresholds.append(reached[int(1.0 / rule.eta * len(reached))] if reached else math.inf)
    stopped = []
    for name in running:
        history = histories.get(name, [])
        passed = [(band, threshold) for band, threshold in zip(bands, thresholds) if band <= len(history)]
        if not passed:
            continue
        band, threshold = passed[-1]
        value = history[band - 1] if rule.strict else (best or {}).get(name, min(history))
        if value > threshold:
            stopped.append(name)
    return stopped
