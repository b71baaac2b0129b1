"""Bayes search on the server: better than random search on Branin in the same number of runs, every
suggestion inside its parameter's domain, reproducible from the seed."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from runbase_server.sweeps import bayes
from runbase_server.sweeps import config as sweep_config
from runbase_server.sweeps.bayes import Observed, minimum_runs, suggest
from runbase_server.sweeps.search import suggestion

BRANIN_MIN = 0.397887
RUNS, SEEDS = 25, 5


def branin(x1: float, x2: float) -> float:
    b, c, t = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1 ** 2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


def _config(method: str) -> sweep_config.SweepConfig:
    return sweep_config.parse({"method": method, "metric": {"name": "f", "goal": "minimize"},
                               "parameters": {"x1": {"min": -5.0, "max": 10.0}, "x2": {"min": 0.0, "max": 15.0}}})


def _best_bayes(seed: int) -> float:
    config, observed = _config("bayes"), []
    for number in range(RUNS):
        point = suggest(config, seed=seed, number=number, observed=observed)
        observed.append(Observed(point, branin(point["x1"], point["x2"])))
    return min(o.value for o in observed)


def _best_random(seed: int) -> float:
    config = _config("random")
    return min(branin(**suggestion(config, seed=seed, number=n)) for n in range(RUNS))


def test_bayes_beats_random_search_on_branin_in_the_same_number_of_runs() -> None:
    bayes = [_best_bayes(seed) for seed in range(SEEDS)]
    random = [_best_random(seed) for seed in range(SEEDS)]
    assert np.mean(bayes) < np.mean(random), (bayes, random)
    assert np.mean(bayes) - BRANIN_MIN < 0.5 * (np.mean(random) - BRANIN_MIN), (bayes, random)


def test_bayes_suggestions_stay_inside_every_domain_and_repeat_for_a_seed() -> None:
    config = sweep_config.parse({"method": "bayes", "metric": {"name": "m", "goal": "maximize"}, "parameters": {
        "lr": {"distribution": "log_uniform_values", "min": 1e-5, "max": 1e-1},
        "layers": {"min": 1, "max": 6},
        "width": {"distribution": "q_log_uniform_values", "min": 16, "max": 512, "q": 16},
        "act": {"values": ["relu", "gelu", "tanh"]},
        "drop": {"distribution": "q_uniform", "min": 0.0, "max": 0.5, "q": 0.1},
        "noise": {"distribution": "normal", "mu": 0.0, "sigma": 2.0},
        "mom": {"distribution": "beta", "a": 2.0, "b": 5.0},
        "opt": {"parameters": {"eps": {"distribution": "inv_log_uniform_values", "min": 1e-8, "max": 1e-4}}},
        "fixed": {"value": "yes"}}})

    def score(p: dict[str, Any]) -> float:
        return -abs(math.log10(p["lr"]) + 3) - abs(p["layers"] - 3) + (p["act"] == "gelu") - p["drop"]

    observed: list[Observed] = []
    for number in range(minimum_runs(config) + 6):
        p = suggest(config, seed=7, number=number, observed=observed)
        assert 1e-5 <= p["lr"] <= 1e-1 and type(p["layers"]) is int and 1 <= p["layers"] <= 6
        assert p["width"] % 16 == 0 and 16 <= p["width"] <= 512 and type(p["width"]) is int
        assert p["act"] in ("relu", "gelu", "tanh") and p["fixed"] == "yes" and 0 < p["mom"] < 1
        assert any(math.isclose(p["drop"], k / 10) for k in range(6)) and math.isfinite(p["noise"])
        assert 1e-8 <= p["opt"]["eps"] <= 1e-4
        again = suggest(config, seed=7, number=number, observed=observed)
        assert again == p
        observed.append(Observed(p, score(p)))
    pending = [suggest(config, seed=7, number=100, observed=observed)]
    assert suggest(config, seed=7, number=101, observed=observed, pending=pending) != pending[0]


@pytest.mark.parametrize("values", [[1e200, 1, 2, 3, 4, 5], [1.7e308, -1.7e308, 1, 2, 3, 4, 5], [0.0] * 6,
                                    [1e-300 * i for i in range(6)], [1, 2, 3, 4, 5, 1e-320]])
def test_huge_and_tiny_finite_metrics_fit_and_suggest_with_runs_pending(values: list[float]) -> None:
    config = _config("bayes")
    observed = [Observed({"x1": i - 4.0, "x2": float(i)}, v) for i, v in enumerate(values)]
    model = bayes.fit(config, seed=1, observed=observed)
    assert model is not None and np.isfinite(model.y).all()
    assert [model.y[i] < model.y[j] for i in range(6) for j in range(6)] == \
        [values[i] < values[j] for i in range(6) for j in range(6)]  # the order of the runs is kept
    for pending in ([], [{"x1": 2.5, "x2": 7.5}]):
        point = suggest(config, seed=1, number=3, model=model, pending=pending)
        assert -5.0 <= point["x1"] <= 10.0 and 0.0 <= point["x2"] <= 15.0


def test_a_model_that_cannot_fit_or_predict_gives_random_search_and_a_log_line(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    config = _config("bayes")
    observed = [Observed({"x1": float(i), "x2": float(i)}, float(i)) for i in range(6)]
    model = bayes.fit(config, seed=1, observed=observed)
    assert model is not None
    monkeypatch.setattr(model.model, "predict", lambda x, return_std: (np.full(len(x), np.nan),) * 2)
    random = suggest(config, seed=1, number=3)
    assert suggest(config, seed=1, number=3, model=model) == random
    assert "could not predict" in caplog.text

    def failing(x: np.ndarray, y: np.ndarray, *, seed: int) -> None:
        raise np.linalg.LinAlgError("not positive definite")
    monkeypatch.setattr(bayes, "_fit", failing)
    assert bayes.fit(config, seed=1, observed=observed) is None
    assert "could not be fitted" in caplog.text and suggest(config, seed=1, number=3, observed=observed) == random
