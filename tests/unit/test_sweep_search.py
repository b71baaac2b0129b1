"""The server's sweep configuration and search: configurations checked with errors that name the key, grid
enumerating each combination once, and random samples that fit W&B's definition of every distribution
(a goodness-of-fit test per distribution, with a fixed seed)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from runbase_server.errors import UserError
from runbase_server.sweeps import config as sweep_config
from runbase_server.sweeps.search import suggestion
from scipy import stats

SEED, N = 20261123, 3000


def _samples(parameter: dict[str, Any], n: int = N) -> list[Any]:
    config = sweep_config.parse({"method": "random", "parameters": {"x": parameter}})
    return [suggestion(config, seed=SEED, number=i)["x"] for i in range(n)]


def _uniform_log(low: float, high: float) -> Callable[[Any], Any]:
    return lambda x: stats.uniform.cdf(np.log(np.maximum(x, 1e-300)), low, high - low)


def _inverse_log(low: float, high: float) -> Callable[[Any], Any]:
    """exp(-U), U uniform over (low, high)."""
    return lambda x: 1 - stats.uniform.cdf(-np.log(np.maximum(x, 1e-300)), low, high - low)


CONTINUOUS: dict[str, tuple[dict[str, Any], Callable[[Any], Any]]] = {
    "uniform": ({"distribution": "uniform", "min": -2.0, "max": 5.0}, stats.uniform(-2, 7).cdf),
    "inferred uniform": ({"min": 0.5, "max": 1.5}, stats.uniform(0.5, 1).cdf),
    "log_uniform": ({"distribution": "log_uniform", "min": -3, "max": 1}, _uniform_log(-3, 1)),
    "log_uniform_values": ({"distribution": "log_uniform_values", "min": 1e-4, "max": 0.1},
                           _uniform_log(math.log(1e-4), math.log(0.1))),
    "inv_log_uniform": ({"distribution": "inv_log_uniform", "min": 0, "max": 3}, _inverse_log(0, 3)),
    "inv_log_uniform_values": ({"distribution": "inv_log_uniform_values", "min": 0.01, "max": 10},
                               _inverse_log(-math.log(10), -math.log(0.01))),
    "normal": ({"distribution": "normal", "mu": 3, "sigma": 2}, stats.norm(3, 2).cdf),
    "normal defaults": ({"distribution": "normal"}, stats.norm(0, 1).cdf),
    "log_normal": ({"distribution": "log_normal", "mu": 0.5, "sigma": 0.7},
                   stats.lognorm(s=0.7, scale=math.exp(0.5)).cdf),
    "beta": ({"distribution": "beta", "a": 2, "b": 5}, stats.beta(2, 5).cdf),
}


@pytest.mark.parametrize("name", sorted(CONTINUOUS))
def test_continuous_samples_fit_their_distribution(name: str) -> None:
    parameter, cdf = CONTINUOUS[name]
    samples = _samples(parameter)
    assert all(isinstance(x, float) for x in samples)
    assert stats.kstest(samples, cdf).pvalue > 0.01


QUANTIZED: dict[str, tuple[dict[str, Any], Callable[[Any], Any]]] = {
    "q_uniform": ({"distribution": "q_uniform", "min": 0, "max": 10, "q": 2}, stats.uniform(0, 10).cdf),
    "q_uniform float q": ({"distribution": "q_uniform", "min": 0.0, "max": 1.0, "q": 0.25}, stats.uniform(0, 1).cdf),
    "q_log_uniform": ({"distribution": "q_log_uniform", "min": 0, "max": 3, "q": 1}, _uniform_log(0, 3)),
    "q_log_uniform_values": ({"distribution": "q_log_uniform_values", "min": 1, "max": 64, "q": 4},
                             _uniform_log(0, math.log(64))),
    "q_normal": ({"distribution": "q_normal", "mu": 0, "sigma": 3, "q": 1}, stats.norm(0, 3).cdf),
    "q_log_normal": ({"distribution": "q_log_normal", "mu": 1, "sigma": 0.5, "q": 1},
                     stats.lognorm(s=0.5, scale=math.e).cdf),
    "q_beta": ({"distribution": "q_beta", "a": 2, "b": 2, "q": 0.1}, stats.beta(2, 2).cdf),
}


@pytest.mark.parametrize("name", sorted(QUANTIZED))
def test_quantized_samples_are_multiples_of_q_with_the_rounded_distribution(name: str) -> None:
    """W&B's quantized values: round(x / q) * q of the continuous draw; integers when q is an integer."""
    parameter, cdf = QUANTIZED[name]
    q = parameter["q"]
    samples = _samples(parameter)
    assert all(isinstance(x, int) for x in samples) if isinstance(q, int) else all(isinstance(x, float)
                                                                                    for x in samples)
    counts = Counter(round(x / q) for x in samples)
    expected = {k: N * (cdf((k + 0.5) * q) - cdf((k - 0.5) * q)) for k in range(min(counts) - 2, max(counts) + 3)}
    assert set(counts) <= set(expected)
    _chi_square(counts, expected)


def _chi_square(counts: Counter[Any], expected: dict[Any, float]) -> None:
    """Bins expected to hold fewer than 5 are pooled, as the test needs."""
    big = [k for k, e in expected.items() if e >= 5]
    observed = [counts.get(k, 0) for k in big] + [N - sum(counts.get(k, 0) for k in big)]
    wanted = [expected[k] for k in big] + [N - sum(expected[k] for k in big)]
    if wanted[-1] < 1e-9:
        observed, wanted = observed[:-1], wanted[:-1]
    wanted = [w * sum(observed) / sum(wanted) for w in wanted]
    assert stats.chisquare(observed, wanted).pvalue > 0.01, (observed, wanted)


@pytest.mark.parametrize(("parameter", "probabilities"), [
    ({"values": ["a", "b", "c", "d"]}, {"a": 0.25, "b": 0.25, "c": 0.25, "d": 0.25}),
    ({"values": ["a", "b", "c"], "probabilities": [0.6, 0.3, 0.1]}, {"a": 0.6, "b": 0.3, "c": 0.1}),
    ({"distribution": "int_uniform", "min": -2, "max": 3}, {k: 1 / 6 for k in range(-2, 4)}),
    ({"min": 1, "max": 4}, {k: 1 / 4 for k in range(1, 5)}),
])
def test_discrete_samples_fit_their_probabilities(parameter: dict[str, Any], probabilities: dict[Any, float]) -> None:
    samples = _samples(parameter)
    assert set(samples) == set(probabilities)
    _chi_square(Counter(samples), {k: N * p for k, p in probabilities.items()})


def test_constant_and_nested_parameters_and_reproducible_suggestions() -> None:
    config = sweep_config.parse({"method": "random", "parameters": {
        "epochs": {"value": 5}, "optimizer": {"parameters": {"lr": {"min": 0.0, "max": 1.0},
                                                               "name": {"values": ["adam", "sgd"]}}}}})
    first = suggestion(config, seed=7, number=3)
    assert first["epochs"] == 5 and set(first["optimizer"]) == {"lr", "name"}
    assert suggestion(config, seed=7, number=3) == first != suggestion(config, seed=7, number=4)


def test_grid_enumerates_every_combination_exactly_once() -> None:
    config = sweep_config.parse({"method": "grid", "parameters": {
        "a": {"values": [1, 2, 3]}, "b": {"distribution": "int_uniform", "min": 0, "max": 1},
        "c": {"distribution": "q_uniform", "min": 0.0, "max": 1.0, "q": 0.5},
        "n": {"parameters": {"x": {"value": "fixed"}, "y": {"values": [True, False]}}}}})
    size = sweep_config.grid_size(config)
    assert size == 3 * 2 * 2 * 2  # q_uniform's grid is W&B's numpy.arange(min, max, q): max is not one
    seen = [suggestion(config, seed=0, number=i) for i in range(size)]
    keys = {(s["a"], s["b"], s["c"], s["n"]["x"], s["n"]["y"]) for s in seen}
    assert len(keys) == size
    assert {s["c"] for s in seen} == {0.0, 0.5} and {s["b"] for s in seen} == {0, 1}


BAD: list[tuple[Any, str]] = [
    ({"method": "anneal", "parameters": {"x": {"value": 1}}}, "method: Input should be 'grid', 'random' or 'bayes'"),
    ({"parameters": {"x": {"value": 1}}}, "method: missing"),
    ({"method": "grid"}, "parameters: missing"),
    ({"method": "grid", "parameters": {}}, "parameters: name at least one parameter"),
    ({"method": "grid", "parameters": {"x": {"value": 1, "values": [1]}}}, "parameters.x: give `value`"),
    ({"method": "grid", "parameters": {"x": {"values": []}}}, "parameters.x: `values` must hold"),
    ({"method": "grid", "parameters": {"x": {"values": [1, 2], "probabilities": [0.5]}}}, "parameters.x: `prob"),
    ({"method": "random", "parameters": {"x": {"min": 3.0, "max": 3.0}}}, "parameters.x: `min` (3.0) must be less"),
    ({"method": "random", "parameters": {"x": {"min": 4, "max": 3}}}, "parameters.x: `min` (4) must be at most"),
    ({"method": "random", "parameters": {"x": {"distribution": "int_uniform", "min": 0.5, "max": 3}}},
     "int_uniform needs integer"),
    ({"method": "random", "parameters": {"x": {"distribution": "q_log_uniform_values", "min": -1, "max": 3}}},
     "parameters.x: q_log_uniform_values takes the values themselves"),
    ({"method": "random", "parameters": {"x": {"distribution": "normal", "sigma": 0}}}, "`sigma` must be above 0"),
    ({"method": "random", "parameters": {"x": {"distribution": "beta", "a": -1}}}, "`a` must be above 0"),
    ({"method": "random", "parameters": {"x": {"distribution": "q_uniform", "min": 0, "max": 1, "q": 0}}},
     "`q` must be above 0"),
    ({"method": "random", "parameters": {"x": {"distribution": "poisson", "min": 0, "max": 1}}},
     "parameters.x.distribution"),
    ({"method": "random", "parameters": {"x": {"distribution": "uniform", "min": 0}}}, "needs ['max']"),
    ({"method": "random", "parameters": {"x": {"distribution": "uniform", "min": 0, "max": 1, "mu": 0}}},
     "takes ['max', 'min'], not ['mu']"),
    ({"method": "random", "parameters": {"x": {"min": 0, "max": float("inf")}}},
     "parameters.x.max: must be a finite number"),
    ({"method": "random", "parameters": {"x": {"min": True, "max": 3}}}, "parameters.x.min"),
    ({"method": "random", "parameters": {"x": {"q": 1}}}, "parameters.x: a parameter needs"),
    ({"method": "random", "parameters": {"x": {"parameters": {"y": {"value": 1}}, "value": 2}}},
     "parameters.x: a nested parameter holds only"),
    ({"method": "random", "parameters": {"x": {"value": 1}}, "metric": {"goal": "minimise", "name": "l"}},
     "metric.goal"),
    ({"method": "random", "parameters": {"x": {"value": 1}}, "metric": {"goal": "minimize"}}, "metric.name"),
    ({"method": "bayes", "parameters": {"x": {"value": 1}}}, "method bayes needs `metric`"),
    ({"method": "random", "parameters": {"x": {"value": 1}}, "run_cap": 0}, "run_cap"),
    ({"method": "random", "parameters": {"x": {"value": 1}}, "command": ["${interpreter}", "${program}"]},
     "command: ${program} needs `program`"),
    ({"method": "random", "parameters": {"x": {"value": 1}}, "program": "t.py", "command": ["${argz}"]},
     "command: Value error, unknown macro ${argz}"),
    ({"method": "random", "parameters": {"x": {"value": 1}}, "program": "t.py", "command": ["sh", "-c", "x ${args}"]},
     "${args} in 'x ${args}': the agent fills a macro only where it is a word of its own"),
    ({"method": "random", "parameters": {"x": {"value": 1}}, "command": ["echo", "${envvar:home}"]},
     "unknown macro ${envvar:home}"),
    ({"method": "random", "parameters": {"x": {"value": 1}}, "metric": {"name": "l"},
      "early_terminate": {"type": "hyperband", "max_iter": 27}}, "needs `s`"),
    ({"method": "random", "parameters": {"x": {"value": 1}}, "metric": {"name": "l"},
      "early_terminate": {"type": "hyperband", "min_iter": 3, "eta": 1}}, "`eta` must be above 1"),
    ({"method": "random", "parameters": {"x": {"value": 1}}, "metric": {"name": "l"},
      "early_terminate": {"type": "median", "min_iter": 3}}, "early_terminate.type"),
    ({"method": "random", "parameters": {"x": {"value": 1}},
      "early_terminate": {"type": "hyperband", "min_iter": 3}}, "early_terminate needs `metric`"),
    ([1, 2], "must be a mapping"),
]


@pytest.mark.parametrize(("document", "words"), BAD, ids=[words[:40] for _, words in BAD])
def test_bad_configurations_name_the_key(document: Any, words: str) -> None:
    with pytest.raises(UserError) as raised:
        sweep_config.parse(document)
    assert words.replace("Value error, ", "") in str(raised.value)


def test_good_configurations_take_w_and_b_defaults() -> None:
    config = sweep_config.parse({
        "method": "random", "program": "train.py", "command": ["${env}", "${interpreter}", "${program}", "${args}",
                                                               "${args_no_boolean_flags}", "--home=${envvar:HOME}"],
        "metric": {"name": "val/loss", "target": 0.1}, "run_cap": 10, "name": "n", "description": "d",
        "early_terminate": {"type": "hyperband", "max_iter": 27, "s": 2},
        "parameters": {"q": {"distribution": "q_normal"}, "b": {"distribution": "beta"}, "c": {"value": None}}})
    q, b, c = (config.parameters[k] for k in ("q", "b", "c"))
    assert (q.mu, q.sigma, q.q, b.a, b.b) == (0.0, 1.0, 1.0, 1.0, 1.0)
    assert c.distribution == "constant" and c.value is None
    assert config.metric is not None and config.metric.goal == "minimize"
    assert config.early_terminate is not None and config.early_terminate.eta == 3
