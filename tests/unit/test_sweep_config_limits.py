"""The sweep configuration against hostile and edge-case input: YAML aliases and non-JSON values refused, grids
of billions of values computed rather than listed, bounds whose draws would overflow refused, and W&B's
rules for grid values and its schema's keys."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest
from runbase_server.errors import UserError
from runbase_server.sweeps import config as sweep_config
from runbase_server.sweeps.search import suggestion


def _config(parameters: dict[str, Any], method: str = "random", **more: Any) -> sweep_config.SweepConfig:
    return sweep_config.parse({"method": method, "parameters": parameters, **more})


def test_yaml_aliases_are_refused_before_they_expand() -> None:
    bomb = 'method: grid\nparameters:\n  x:\n    values:\n      - &a0 ["lol","lol","lol","lol","lol"]\n'
    for level in range(1, 9):
        bomb += f"      - &a{level} [" + ",".join([f"*a{level - 1}"] * 10) + "]\n"
    with pytest.raises(UserError, match=r"YAML alias \(\*a0, line 6\)"):
        sweep_config.read(bomb)


@pytest.mark.parametrize(("text", "words"), [
    ("method: grid\nparameters:\n  x:\n    values: [!!binary aGVsbG8=]\n", "tag:yaml.org,2002:binary has no JSON"),
    ("method: grid\nparameters:\n  x:\n    value: !!set {a, b}\n", "tag:yaml.org,2002:set has no JSON"),
    ("method: grid\nparameters:\n  x:\n    value: !!python/object/apply:os.system ['id']\n", "has no JSON value"),
    ("a: " + "9" * 5000, "neither YAML nor JSON"),
    ("[" * 100_000, "nested too deeply"),
])
def test_yaml_that_is_not_json_is_refused(text: str, words: str) -> None:
    with pytest.raises(UserError, match=words):
        sweep_config.read(text)


def test_yaml_reads_numbers_as_json_does_and_dates_as_text() -> None:
    document = sweep_config.read("method: random\nparameters:\n  x:\n    min: 1e-5\n    max: 1.0\n"
                                 "  d:\n    values: [2020-01-01, -.5, 1_000]\n")
    assert document["parameters"] == {"x": {"min": 1e-5, "max": 1.0}, "d": {"values": ["2020-01-01", -0.5, 1000]}}
    assert sweep_config.read(json.dumps({"lr": 1e-05})) == {"lr": 1e-05}


@pytest.mark.parametrize(("text", "words"), [
    ("method: random\nparameters:\n  x:\n    value: .nan\n", "parameters.x.value: must be a finite number, not nan"),
    ("method: grid\nparameters:\n  x:\n    values: [1, .inf]\n", "parameters.x.values.1: must be a finite number, "
                                                                   "not inf"),
    ('{"method": "grid", "parameters": {"x": {"values": [-Infinity]}}}',
     "parameters.x.values.0: must be a finite number, not -inf"),
    ("method: grid\nparameters:\n  x:\n    value: {1: a}\n", "parameters.x.value: the key 1 is not a string"),
])
def test_non_finite_numbers_and_non_string_keys_are_refused_naming_the_key(text: str, words: str) -> None:
    with pytest.raises(UserError, match=words):
        sweep_config.parse(sweep_config.read(text))


def test_an_int_uniform_grid_of_a_trillion_values_is_computed_not_listed() -> None:
    config = _config({"x": {"min": 0, "max": 10**12}, "y": {"values": [1, 2]}}, "grid")
    assert sweep_config.grid_size(config) == 2 * (10**12 + 1)
    assert suggestion(config, seed=0, number=2 * 10**12 + 1) == {"x": 10**12, "y": 2}
    assert suggestion(config, seed=0, number=3) == {"x": 1, "y": 2}
    with pytest.raises(UserError, match="more than"):
        sweep_config.grid_size(_config({"x": {"min": 0, "max": 2**62}, "y": {"values": [1, 2]}}, "grid"))


@pytest.mark.parametrize(("low", "high", "q"), [(0, 10, 3), (0.0, 1.0, 0.1), (-1, 2, 0.25), (0.5, 7, 2), (1, 9, 2)])
def test_q_uniform_grid_values_are_numpy_arange_as_w_and_b_takes_them(low: Any, high: Any, q: Any) -> None:
    config = _config({"x": {"distribution": "q_uniform", "min": low, "max": high, "q": q}}, "grid")
    values = [suggestion(config, seed=0, number=i)["x"] for i in range(sweep_config.grid_size(config))]
    wanted = np.arange(low, high, q).tolist()
    assert values == wanted and [type(v) for v in values] == [type(v) for v in wanted]


def test_random_q_uniform_rounds_as_w_and_b_does() -> None:
    config = _config({"x": {"distribution": "q_uniform", "min": 0.0, "max": 1.0, "q": 0.3}})
    for number in range(200):
        x = suggestion(config, seed=3, number=number)["x"]
        assert x in {round(k) * 0.3 for k in range(5)}, x


def test_grid_takes_each_distinct_value_once_and_refuses_probabilities() -> None:
    config = _config({"x": {"values": [1, 2, 1, 2.0, "1", [1], [1]]}}, "grid")
    assert sweep_config.grid_size(config) == 4
    assert [suggestion(config, seed=0, number=i)["x"] for i in range(4)] == [1, 2, "1", [1]]
    config = _config({"x": {"values": ["b", 3.0, "a", "b", 3, "c", "a"]}}, "grid")  # where each first stands
    assert [suggestion(config, seed=0, number=i)["x"] for i in range(4)] == ["b", 3.0, "a", "c"]
    with pytest.raises(UserError, match="parameters.x: grid search takes every value once"):
        _config({"x": {"values": [1, 2], "probabilities": [0.5, 0.5]}}, "grid")


def test_int_uniform_with_min_equal_to_max_is_one_value() -> None:
    config = _config({"x": {"min": 4, "max": 4}}, "grid")
    assert sweep_config.grid_size(config) == 1 and suggestion(config, seed=0, number=0) == {"x": 4}
    assert {suggestion(_config({"x": {"min": 4, "max": 4}}), seed=1, number=n)["x"] for n in range(20)} == {4}


@pytest.mark.parametrize(("parameter", "words"), [
    ({"distribution": "log_uniform", "min": 0, "max": 1000}, "`max` must be at most 709.78"),
    ({"distribution": "q_log_uniform", "min": 0, "max": 800}, "`max` must be at most 709.78"),
    ({"distribution": "inv_log_uniform", "min": -1000, "max": 0}, "-`min` must be at most 709.78"),
    ({"distribution": "log_normal", "mu": 1000}, "`mu` \\+ 40 `sigma` must be at most 709.78"),
    ({"distribution": "q_log_normal", "mu": 0, "sigma": 20}, "`mu` \\+ 40 `sigma`"),
    ({"distribution": "normal", "mu": 1e308, "sigma": 1e307}, "beyond the largest float"),
    ({"distribution": "q_normal", "q": 1e-320}, "`q` \\(1e-320\\) is too small"),
    ({"distribution": "q_log_uniform_values", "min": 1, "max": 1.7e308, "q": 0.5}, "`q` \\(0.5\\) is too small"),
    ({"min": -1.7e308, "max": 1.7e308}, "`max` - `min`"),
])
def test_bounds_whose_draws_overflow_are_refused_naming_the_parameter(parameter: dict[str, Any],
                                                                       words: str) -> None:
    with pytest.raises(UserError, match=f"parameters.x: .*{words}"):
        _config({"x": parameter})


@pytest.mark.parametrize("parameter", [
    {"distribution": "log_uniform", "min": 0, "max": 709},
    {"distribution": "log_normal", "mu": 600, "sigma": 2},
    {"distribution": "q_normal", "q": 1e-300},
    {"distribution": "inv_log_uniform", "min": -709, "max": 0},
    {"min": -8e307, "max": 8e307},
    {"distribution": "q_log_uniform_values", "min": 1, "max": 1e300, "q": 1},
])
def test_bounds_at_the_edge_give_finite_draws(parameter: dict[str, Any]) -> None:
    config = _config({"x": parameter})
    for number in range(300):
        x = suggestion(config, seed=11, number=number)["x"]
        assert math.isfinite(x), (parameter, x)
        json.dumps(x, allow_nan=False)


def test_a_stored_configuration_with_overflowing_bounds_still_draws_finite_numbers() -> None:
    """Configurations stored before the bounds were checked: their draws are clamped, never an error."""
    config = _config({"x": {"distribution": "log_uniform", "min": 0, "max": 1}})
    config.parameters["x"].max = 1000
    assert all(math.isfinite(suggestion(config, seed=2, number=n)["x"]) for n in range(50))


def test_w_and_b_schema_keys_are_stored_and_launch_ones_refused_as_not_supported() -> None:
    config = _config({"x": {"value": 1}}, "bayes", apiVersion="v1", kind="sweep", controller={"type": "local"},
                     metric={"name": "loss", "impute": "worst", "impute_while_running": "false"})
    assert config.controller is not None and config.controller.type == "local"
    assert config.metric is not None and config.metric.impute == "worst"
    for more, words in [({"method": "custom"}, "`method: custom`"), ({"job": "j:v0"}, "`job`"),
                        ({"image_uri": "img"}, "`image_uri`"), ({"scheduler": {"engine": "optuna"}}, "`scheduler`"),
                        ({"metrics": [{"name": "a"}, {"name": "b"}]}, "`metrics`")]:
        with pytest.raises(sweep_config.NotBuilt, match=f"uses {words}.*runbase does not support W&B Launch"):
            sweep_config.parse({"method": "random", "parameters": {"x": {"value": 1}}, **more})
    with pytest.raises(UserError, match="controller.type"):
        _config({"x": {"value": 1}}, controller={"type": "remote"})
