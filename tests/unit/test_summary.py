from __future__ import annotations

import pytest
from runbase.errors import UsageError
from runbase.summary import Summary


def test_item_and_attribute_access() -> None:
    summary = Summary()
    summary["acc"] = 0.9
    summary.loss = 0.1
    assert summary.acc == 0.9
    assert summary["loss"] == 0.1
    assert "acc" in summary and "nope" not in summary
    assert len(summary) == 2
    assert list(summary) == ["acc", "loss"]
    assert list(summary.keys()) == ["acc", "loss"]
    assert list(summary.values()) == [0.9, 0.1]
    assert dict(summary.items()) == {"acc": 0.9, "loss": 0.1}
    assert summary.get("acc") == 0.9
    assert summary.get("nope") is None
    assert summary.get("nope", 3) == 3


def test_missing_keys_raise_the_usual_errors() -> None:
    summary = Summary()
    with pytest.raises(KeyError):
        summary["nope"]
    with pytest.raises(AttributeError):
        summary.nope
    with pytest.raises(KeyError):
        del summary["nope"]
    with pytest.raises(AttributeError):
        del summary.nope


def test_underscore_names_are_real_attributes() -> None:
    summary = Summary()
    summary._note = "x"
    assert summary._note == "x"
    assert "_note" not in summary
    with pytest.raises(AttributeError):
        summary._never_set


def test_initial_data_is_copied_and_not_explicit() -> None:
    source = {"acc": {"max": 1}}
    summary = Summary(source)
    assert summary.acc == {"max": 1}
    assert summary._explicit == set()
    summary._data["acc"]["max"] = 2
    assert source == {"acc": {"max": 1}}


def test_data_dict_is_mutated_in_place() -> None:
    summary = Summary({"a": 1})
    data = summary._data
    summary["b"] = 2
    summary.update({"c": 3})
    del summary["a"]
    assert summary._data is data
    assert data == {"b": 2, "c": 3}


def test_explicit_keys_are_recorded_for_every_kind_of_set() -> None:
    summary = Summary()
    summary["a"] = 1
    summary.b = 2
    summary.update({"c": 3})
    assert summary._explicit == {"a", "b", "c"}


def test_deleting_a_key_marks_it_explicit() -> None:
    summary = Summary({"loss": 0.5})
    del summary["loss"]
    assert "loss" not in summary
    assert "loss" in summary._explicit
    summary.acc = 1
    del summary.acc
    assert "acc" not in summary and "acc" in summary._explicit


def test_as_dict_is_a_deep_copy() -> None:
    summary = Summary()
    summary["nested"] = {"a": [1]}
    copied = summary.as_dict()
    copied["nested"]["a"].append(2)
    assert summary.nested == {"a": [1]}


def test_repr_shows_contents() -> None:
    summary = Summary({"acc": 0.75})
    assert "acc" in repr(summary) and "0.75" in repr(summary)


def test_values_are_normalized() -> None:
    summary = Summary()
    summary["t"] = (1, 2)
    summary.update({"nested": {"x": (3,)}})
    assert summary.t == [1, 2]
    assert summary.nested == {"x": [3]}


def test_numpy_values_become_python_values() -> None:
    np = pytest.importorskip("numpy")
    summary = Summary()
    summary["f"] = np.float64(0.25)
    summary.i = np.int32(4)
    summary.update({"arr": np.array([1.5, 2.5])})
    assert summary.as_dict() == {"f": 0.25, "i": 4, "arr": [1.5, 2.5]}
    assert type(summary.f) is float and type(summary.i) is int


def test_bad_keys_and_values_raise_usage_error() -> None:
    summary = Summary()
    with pytest.raises(UsageError):
        summary[1] = 2
    with pytest.raises(UsageError):
        summary.update({2: "x"})
    with pytest.raises(UsageError, match="'obj'"):
        summary["obj"] = object()
    assert len(summary) == 0
    assert summary._explicit == set()


def test_failed_update_stores_nothing() -> None:
    summary = Summary()
    with pytest.raises(UsageError):
        summary.update({"ok": 1, "bad": object()})
    assert "ok" not in summary
    assert summary._explicit == set()
