from __future__ import annotations

import argparse
import enum
import math

import pytest
from runbase.config import Config, initial_config
from runbase.errors import ConfigError, UsageError


class Recorder:
    def __init__(self) -> None:
        self.snapshots: list[dict] = []

    def __call__(self, snapshot: dict) -> None:
        self.snapshots.append(snapshot)


@pytest.fixture
def calls() -> Recorder:
    return Recorder()


@pytest.fixture
def config(calls: Recorder) -> Config:
    return Config(on_change=calls)


# --- access -----------------------------------------------------------------


def test_attribute_and_item_access_are_the_same_store(config: Config) -> None:
    config.lr = 0.1
    config["epochs"] = 3
    assert config["lr"] == 0.1
    assert config.epochs == 3
    assert "lr" in config and "missing" not in config
    assert len(config) == 2
    assert list(config) == ["lr", "epochs"]
    assert list(config.keys()) == ["lr", "epochs"]
    assert list(config.values()) == [0.1, 3]
    assert dict(config.items()) == {"lr": 0.1, "epochs": 3}
    assert config.get("lr") == 0.1
    assert config.get("missing") is None
    assert config.get("missing", 5) == 5


def test_missing_attribute_and_item_raise_the_usual_errors(config: Config) -> None:
    with pytest.raises(AttributeError):
        config.nope
    with pytest.raises(KeyError):
        config["nope"]
    assert not hasattr(config, "nope")
    assert getattr(config, "nope", 7) == 7


def test_underscore_names_are_real_attributes_not_keys(config: Config) -> None:
    config._scratch = 1
    assert config._scratch == 1
    assert "_scratch" not in config
    with pytest.raises(AttributeError):
        config._never_set


def test_underscore_keys_work_through_item_access(config: Config) -> None:
    config["_private"] = 1
    assert config["_private"] == 1
    assert "_private" in config


def test_as_dict_is_a_deep_copy(config: Config) -> None:
    config.opt = {"name": "adam", "betas": [0.9, 0.99]}
    copied = config.as_dict()
    copied["opt"]["betas"].append(1)
    copied["new"] = 1
    assert config.opt == {"name": "adam", "betas": [0.9, 0.99]}
    assert "new" not in config


def test_repr_shows_contents(config: Config) -> None:
    config.lr = 0.5
    assert "lr" in repr(config) and "0.5" in repr(config)


# --- update -----------------------------------------------------------------


def test_update_from_dict_namespace_and_flags(config: Config) -> None:
    config.update({"a": 1})
    config.update(argparse.Namespace(b=2, c="x"))

    class Flags:
        def flag_values_dict(self) -> dict:
            return {"d": True}

    config.update(Flags())
    config.update(None)
    assert config.as_dict() == {"a": 1, "b": 2, "c": "x", "d": True}


def test_update_rejects_unsupported_sources(config: Config) -> None:
    with pytest.raises(UsageError):
        config.update([("a", 1)])
    with pytest.raises(UsageError):
        config.update("a=1")


def test_setdefault_returns_existing_or_sets_default(config: Config, calls: Recorder) -> None:
    config.a = 1
    assert config.setdefault("a", 2) == 1
    assert config.a == 1
    assert config.setdefault("b", (1, 2)) == [1, 2]
    assert config.b == [1, 2]
    assert len(calls.snapshots) == 2


def test_setdefaults_only_fills_missing_keys(config: Config, calls: Recorder) -> None:
    config.a = 1
    config.setdefaults({"a": 99, "b": 2, "c": 3})
    assert config.as_dict() == {"a": 1, "b": 2, "c": 3}
    assert len(calls.snapshots) == 2
    config.setdefaults({"a": 5, "b": 6})
    assert len(calls.snapshots) == 2


# --- change protection --------------------------------------------------------


def test_changing_a_value_raises_config_error_naming_key_and_values(config: Config) -> None:
    config.lr = 0.1
    with pytest.raises(ConfigError) as info:
        config.lr = 0.2
    message = str(info.value)
    assert "'lr'" in message and "0.1" in message and "0.2" in message
    assert "allow_val_change=True" in message
    assert config.lr == 0.1


def test_config_error_is_a_usage_error(config: Config) -> None:
    config["lr"] = 0.1
    with pytest.raises(UsageError):
        config.update({"lr": 0.3})


def test_setting_the_same_value_again_is_fine(config: Config, calls: Recorder) -> None:
    config.update({"lr": 0.1, "layers": [1, 2], "opt": {"b": (1, 2)}})
    config.update({"lr": 0.1, "layers": (1, 2), "opt": {"b": [1, 2]}})
    config.lr = 0.1
    assert len(calls.snapshots) == 1


def test_nan_equals_nan_for_change_checks(config: Config, calls: Recorder) -> None:
    config.x = float("nan")
    config.x = float("nan")
    config.update({"nested": {"v": float("nan")}})
    config.update({"nested": {"v": float("nan")}})
    assert len(calls.snapshots) == 2
    assert math.isnan(config.x)


def test_allow_val_change_per_call(config: Config, calls: Recorder) -> None:
    config.lr = 0.1
    config.update({"lr": 0.2}, allow_val_change=True)
    assert config.lr == 0.2
    assert calls.snapshots[-1] == {"lr": 0.2}
    with pytest.raises(ConfigError):
        config.update({"lr": 0.3}, allow_val_change=False)


def test_allow_val_change_for_the_whole_config(calls: Recorder) -> None:
    config = Config(on_change=calls, allow_val_change=True)
    config.lr = 0.1
    config.lr = 0.2
    config.update({"lr": 0.3}, allow_val_change=False)
    assert config.lr == 0.3


def test_failed_update_changes_nothing(config: Config, calls: Recorder) -> None:
    config.a = 1
    with pytest.raises(ConfigError):
        config.update({"b": 2, "a": 3})
    assert config.as_dict() == {"a": 1}
    assert len(calls.snapshots) == 1


# --- on_change --------------------------------------------------------------


def test_on_change_once_per_update_with_a_full_deep_snapshot(config: Config, calls: Recorder) -> None:
    config.update({"a": 1, "b": {"c": 2}})
    config.update({"d": 4})
    assert calls.snapshots == [{"a": 1, "b": {"c": 2}}, {"a": 1, "b": {"c": 2}, "d": 4}]
    calls.snapshots[0]["b"]["c"] = 99
    assert config.b == {"c": 2}


def test_on_change_not_called_for_no_op_updates(config: Config, calls: Recorder) -> None:
    config.update({})
    config.update(None)
    config.update({"a": 1})
    config.update({"a": 1})
    assert len(calls.snapshots) == 1


def test_config_without_callback_works() -> None:
    config = Config()
    config.a = 1
    assert config.a == 1


def test_load_replaces_contents_without_checks_or_callback(config: Config, calls: Recorder) -> None:
    config.a = 1
    config._load({"a": 2, "b": 3})
    assert config.as_dict() == {"a": 2, "b": 3}
    assert calls.snapshots == [{"a": 1}]
    with pytest.raises(ConfigError):
        config.a = 5


# --- normalization ------------------------------------------------------------


def test_keys_must_be_str(config: Config) -> None:
    with pytest.raises(UsageError, match="1"):
        config.update({1: "x"})
    with pytest.raises(UsageError, match=r"\('a', 'b'\)"):
        config[("a", "b")] = 1
    with pytest.raises(UsageError):
        config.setdefault(3, 1)


def test_containers_are_normalized(config: Config) -> None:
    config.update(
        {
            "t": (1, 2),
            "s": {3, 1, 2},
            "nested": {"inner": (4, {"deep": (5,)}), 7: "int key"},
            "ns": argparse.Namespace(x=1, y=(2,)),
        }
    )
    assert config.t == [1, 2]
    assert config.s == [1, 2, 3]
    assert config.nested == {"inner": [4, {"deep": [5]}], "7": "int key"}
    assert config.ns == {"x": 1, "y": [2]}


def test_scalar_subclasses_become_plain_types(config: Config) -> None:
    class Size(enum.IntEnum):
        SMALL = 1

    config.size = Size.SMALL
    assert type(config.size) is int and config.size == 1


def test_unserializable_values_name_key_and_type(config: Config) -> None:
    with pytest.raises(UsageError) as info:
        config.update({"fn": object()})
    assert "'fn'" in str(info.value) and "object" in str(info.value)
    with pytest.raises(UsageError, match="opt.sched"):
        config.opt = {"sched": lambda: None}
    with pytest.raises(UsageError):
        config.nested = {(1, 2): "tuple key"}
    assert "fn" not in config and "opt" not in config


def test_numpy_values_become_python_values(config: Config) -> None:
    np = pytest.importorskip("numpy")
    config.update(
        {
            "f": np.float32(0.5),
            "i": np.int64(3),
            "b": np.bool_(True),
            "arr": np.arange(3),
            "mat": np.ones((2, 2)),
            "nested": {"x": np.float64(1.5), "xs": [np.int8(1)]},
            "zero_d": np.array(2.0),
        }
    )
    assert config.as_dict() == {
        "f": 0.5,
        "i": 3,
        "b": True,
        "arr": [0, 1, 2],
        "mat": [[1.0, 1.0], [1.0, 1.0]],
        "nested": {"x": 1.5, "xs": [1]},
        "zero_d": 2.0,
    }
    assert type(config.f) is float and type(config.i) is int and type(config.b) is bool
    assert type(config.arr[0]) is int
    config.update({"i": 3, "f": np.float32(0.5)})  # same values: no ConfigError


# --- initial_config -----------------------------------------------------------


def test_initial_config_from_none_dict_and_namespace() -> None:
    assert initial_config(None, None, None) == {}
    source = {"a": 1}
    result = initial_config(source, None, None)
    assert result == {"a": 1}
    result["b"] = 2
    assert source == {"a": 1}
    assert initial_config(argparse.Namespace(a=1, b=2), None, None) == {"a": 1, "b": 2}


def test_initial_config_from_absl_style_flags() -> None:
    class Flags:
        def flag_values_dict(self) -> dict:
            return {"lr": 0.1}

    assert initial_config(Flags(), None, None) == {"lr": 0.1}


def test_initial_config_rejects_other_types() -> None:
    with pytest.raises(UsageError):
        initial_config(42, None, None)  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        initial_config([("a", 1)], None, None)  # type: ignore[arg-type]


def test_include_and_exclude_keys() -> None:
    source = {"a": 1, "b": 2, "c": 3}
    assert initial_config(source, ["a", "c", "zzz"], None) == {"a": 1, "c": 3}
    assert initial_config(source, None, ["b"]) == {"a": 1, "c": 3}
    with pytest.raises(UsageError):
        initial_config(source, ["a"], ["b"])


def test_yaml_file_plain(tmp_path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("lr: 0.01\nlayers: [64, 32]\noptimizer:\n  name: adam\n  value: 3\n  beta: 0.9\n")
    assert initial_config(str(path), None, None) == {
        "lr": 0.01,
        "layers": [64, 32],
        "optimizer": {"name": "adam", "value": 3, "beta": 0.9},
    }


def test_yaml_file_in_wandb_value_wrapped_form(tmp_path) -> None:
    path = tmp_path / "config-defaults.yaml"
    path.write_text(
        "wandb_version: 1\n"
        "_wandb:\n  desc: null\n  value:\n    cli_version: 0.17.0\n"
        "lr:\n  desc: learning rate\n  value: 0.001\n"
        "batch_size:\n  value: 32\n"
        "plain: 5\n"
    )
    assert initial_config(str(path), None, None) == {"lr": 0.001, "batch_size": 32, "plain": 5}


def test_yaml_file_with_include_and_exclude(tmp_path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("a: 1\nb: 2\nc: 3\n")
    assert initial_config(str(path), ["a"], None) == {"a": 1}
    assert initial_config(str(path), None, ["a"]) == {"b": 2, "c": 3}


def test_empty_yaml_file_gives_empty_config(tmp_path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("")
    assert initial_config(str(path), None, None) == {}


def test_missing_yaml_file_names_the_path(tmp_path) -> None:
    path = str(tmp_path / "nope.yaml")
    with pytest.raises(UsageError, match="nope.yaml"):
        initial_config(path, None, None)


def test_yaml_must_be_a_mapping_and_valid(tmp_path) -> None:
    listing = tmp_path / "list.yaml"
    listing.write_text("- 1\n- 2\n")
    with pytest.raises(UsageError):
        initial_config(str(listing), None, None)
    broken = tmp_path / "broken.yaml"
    broken.write_text("a: [1, 2\n")
    with pytest.raises(UsageError):
        initial_config(str(broken), None, None)


def test_initial_config_feeds_config_update(tmp_path, config: Config, calls: Recorder) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("lr:\n  value: 0.1\n  desc: null\nsizes: [1, 2]\n")
    config.update(initial_config(str(path), None, None))
    assert config.lr == 0.1 and config.sizes == [1, 2]
    assert len(calls.snapshots) == 1
