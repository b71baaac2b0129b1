"""The search: the parameters of a sweep's n-th suggestion.

Suggestions are numbered as they are claimed (sweeps.claim), and the n-th is a pure function of the
configuration, the sweep's seed and n: grid decodes n into one combination (each exactly once, the last
parameter in name order varying fastest, as itertools.product does; sweeps.claim passes over those a run of
the sweep already has, as W&B's grid search does); random draws every parameter from a
generator seeded with (seed, n), so any server hands out the same suggestion for the same number. Values
follow W&B's definitions: u ~ U(0, 1) through each distribution's inverse CDF, quantized ones rounded to
the nearest multiple of q (integers when q is an integer)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .config import LARGEST, LOG_LARGEST, Parameter, SweepConfig, leaves, value_key


def suggestion(config: SweepConfig, *, seed: int, number: int) -> dict[str, Any]:
    """The n-th suggestion's parameters, nested as the configuration nests them."""
    if config.method == "bayes":
        raise ValueError("a bayes suggestion depends on the finished runs: bayes.suggest makes it")
    chosen: list[tuple[tuple[str, ...], Any]] = []
    if config.method == "grid":
        chosen = combination(config, number)
    else:
        rng = np.random.default_rng([seed, number])
        chosen = [(path, sample(parameter, rng)) for path, parameter in leaves(config.parameters)]
    return nested(chosen)


def nested(chosen: list[tuple[tuple[str, ...], Any]]) -> dict[str, Any]:
    """Values by path, nested as the configuration nests the parameters."""
    found: dict[str, Any] = {}
    for path, value in chosen:
        place = found
        for key in path[:-1]:
            place = place.setdefault(key, {})
        place[path[-1]] = value
    return found


def combination(config: SweepConfig, number: int) -> list[tuple[tuple[str, ...], Any]]:
    """The n-th grid combination's values by path."""
    axes = config.axes
    picked: list[Any] = []
    for _, axis in reversed(axes):  # mixed radix, the last parameter the lowest digit
        number, digit = divmod(number, axis.size)
        picked.append(axis[digit])
    return [(path, value) for (path, _), value in zip(axes, reversed(picked))]


def grid_key(config: SweepConfig, number: int) -> tuple[str, ...]:
    """The n-th grid combination as W&B's grid search tells combinations apart: the values of the parameters
    it varies (constants left out), each by its text, 3.0 as 3."""
    return tuple(value_key(value) for (_, axis), (_, value) in zip(config.axes, combination(config, number))
                 if not axis.constant)


def run_grid_key(config: SweepConfig, run_config: Any) -> tuple[str, ...] | None:
    """A run's combination (from its config, plain values as stored), as grid_key gives it; None when the
    config lacks one of the parameters, as W&B's then matches no combination."""
    key = []
    for path, axis in config.axes:
        if axis.constant:
            continue
        place = run_config
        for name in path:
            if not isinstance(place, dict) or name not in place:
                return None
            place = place[name]
        key.append(value_key(place))
    return tuple(key)


def finite(x: float) -> float:
    """A draw JSON can hold: config.py refuses bounds whose draws overflow, and this keeps a configuration
    stored before it did from answering with Infinity or an error."""
    return x if math.isfinite(x) else math.copysign(LARGEST, x)


def exp(x: float) -> float:
    return math.exp(min(x, LOG_LARGEST))


def quantized(value: float, q: float) -> float | int:
    """W&B's rounding: round(x / q) * q, an integer when q is one."""
    rounded = finite(float(np.round(value / q) * q))
    return int(rounded) if isinstance(q, int) else rounded


def sample(parameter: Parameter, rng: np.random.Generator) -> Any:
    """One draw from the parameter's distribution."""
    d = parameter.distribution
    if d == "constant":
        return parameter.value
    u = float(rng.random())
    if d == "categorical":
        values = parameter.values or []
        if parameter.probabilities is None:
            return values[min(int(u * len(values)), len(values) - 1)]
        index = int(np.searchsorted(np.cumsum(parameter.probabilities), u, side="right"))
        return values[min(index, len(values) - 1)]
    if d in ("normal", "q_normal", "log_normal", "q_log_normal"):
        assert parameter.mu is not None and parameter.sigma is not None
        x = finite(float(rng.normal(parameter.mu, parameter.sigma)))
        x = exp(x) if d.startswith(("log", "q_log")) else x
        return quantized(x, parameter.q) if d.startswith("q_") and parameter.q is not None else x
    if d in ("beta", "q_beta"):
        assert parameter.a is not None and parameter.b is not None
        x = float(rng.beta(parameter.a, parameter.b))
        return quantized(x, parameter.q) if d == "q_beta" and parameter.q is not None else x
    return bounded(parameter, u)


def bounded(parameter: Parameter, u: float) -> Any:
    """The distributions between `min` and `max` (of the value, or of its logarithm)."""
    d, low, high = parameter.distribution or "", parameter.min, parameter.max
    assert low is not None and high is not None
    if d == "int_uniform":
        return int(low) + min(int(u * (int(high) - int(low) + 1)), int(high) - int(low))
    if d.endswith("_values"):  # bounds given as values: their logarithms bound the draw
        low, high = math.log(low), math.log(high)
    if d.startswith("inv_log_uniform"):
        # W&B's: exp(-x), x uniform over (min, max), or over (-log max, -log min) for the _values form
        if d.endswith("_values"):
            low, high = -high, -low
        return exp(-(low + (1 - u) * (high - low)))
    x = finite(low + u * (high - low))
    if "log_uniform" in d:
        x = exp(x)
    if d.startswith("q_"):
        return quantized(x, parameter.q if parameter.q is not None else 1.0)
    return x
