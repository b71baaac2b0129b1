"""`run.config`: the run's hyperparameters, kept JSON-serializable and guarded against silent changes."""

from __future__ import annotations

import argparse
import copy
import math
import os
from collections.abc import Callable, ItemsView, Iterator, KeysView, Mapping, ValuesView
from typing import Any

from .errors import ConfigError, UsageError

# Keys W&B writes into its own config.yaml files for bookkeeping; they are not hyperparameters.
_YAML_BOOKKEEPING_KEYS = ("wandb_version", "_wandb")


def unstorable(text: str) -> str | None:
    """Why the server cannot store this text (None when it can): PostgreSQL's JSON refuses NUL, and a lone
    surrogate is not Unicode at all (it cannot be encoded as UTF-8 to be sent)."""
    if "\x00" in text:
        return "contains a NUL character (\\x00)"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            return f"contains a lone surrogate ({text[exc.start]!a}), which is not valid Unicode"
    return None


def _checked_text(text: str, what: str) -> str:
    reason = unstorable(text)
    if reason is not None:
        raise UsageError(f"{what} {reason}; the server cannot store it")
    return text


def to_json_value(value: Any, key: str) -> Any:
    """Convert a user value to plain JSON types, so what the server stores equals what the script sees.

    `key` names the value in error messages (nested values get dotted paths).
    """
    kind = type(value)
    if kind is str:
        return _checked_text(value, f"the value for {key!r}")
    if value is None or kind in (int, float, bool):
        return value
    if kind.__module__ == "numpy" and hasattr(value, "tolist"):
        plain = value.item() if getattr(value, "shape", None) == () else value.tolist()
        return to_json_value(plain, key)
    if isinstance(value, argparse.Namespace):
        value = vars(value)
    if isinstance(value, Mapping):
        return {_nested_key(k, key): to_json_value(v, f"{key}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_value(v, key) for v in value]
    if isinstance(value, (set, frozenset)):
        items = [to_json_value(v, key) for v in value]
        try:
            return sorted(items)  # a set has no order; sorting keeps repeated runs comparable
        except TypeError:
            return items
    # Subclasses of the JSON scalars (IntEnum, StrEnum, ...) are stored as their plain base type.
    for base in (int, float, str):
        if isinstance(value, base):
            return to_json_value(base(value), key)
    raise UsageError(f"value for {key!r} has type {kind.__name__}, which cannot be stored as JSON")


def _nested_key(k: Any, path: str) -> str:
    if isinstance(k, str):
        return _checked_text(k, f"nested key {k!r} under {path!r}")
    if isinstance(k, int) and not isinstance(k, bool):
        return str(k)  # what JSON would turn it into anyway
    raise UsageError(f"nested key {k!r} under {path!r} must be a str, not {type(k).__name__}")


def check_key(key: Any) -> str:
    """Reject non-str keys up front: JSON objects and the UI only know string keys."""
    if not isinstance(key, str):
        raise UsageError(f"keys must be str; got {key!r} of type {type(key).__name__}")
    return _checked_text(key, f"key {key!r}")


def _same_value(a: Any, b: Any) -> bool:
    """Equality on normalized values where NaN equals NaN, so re-setting a NaN is not a change."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_value(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


def _as_dict(source: Any) -> dict[str, Any]:
    """Accept the containers W&B accepts for config: dicts, argparse results and absl flags."""
    if source is None:
        return {}
    if isinstance(source, argparse.Namespace):
        return dict(vars(source))
    if isinstance(source, Mapping):
        return dict(source)
    if callable(getattr(source, "flag_values_dict", None)):
        return dict(source.flag_values_dict())
    raise UsageError(
        f"config must be a dict, argparse.Namespace, absl flags or a YAML path, not {type(source).__name__}"
    )


class Config:
    """Dict- and attribute-style access to hyperparameters.

    Values may only change with allow_val_change, because a silently changed hyperparameter makes
    the recorded run lie about how it was produced.
    """

    def __init__(
        self,
        on_change: Callable[[dict[str, Any]], None] | None = None,
        allow_val_change: bool = False,
    ) -> None:
        self._items: dict[str, Any] = {}
        self._on_change = on_change
        self._allow_val_change = allow_val_change

    def update(self, d: Any = None, allow_val_change: bool | None = None) -> None:
        """Set many keys at once; the change is all-or-nothing and reported once."""
        self._set(_as_dict(d), allow_val_change, only_missing=False)

    def setdefault(self, key: str, default: Any = None) -> Any:
        check_key(key)
        if key not in self._items:
            self._set({key: default}, None, only_missing=True)
        return self._items[key]

    def setdefaults(self, d: Mapping[str, Any]) -> None:
        """Fill in keys the user has not set, e.g. defaults a sweep did not override."""
        self._set(_as_dict(d), None, only_missing=True)

    def get(self, key: str, default: Any = None) -> Any:
        return self._items.get(key, default)

    def keys(self) -> KeysView[str]:
        return self._items.keys()

    def items(self) -> ItemsView[str, Any]:
        return self._items.items()

    def values(self) -> ValuesView[Any]:
        return self._items.values()

    def as_dict(self) -> dict[str, Any]:
        """A copy the caller may mutate without bypassing the change checks."""
        return copy.deepcopy(self._items)

    def _load(self, d: dict[str, Any]) -> None:
        """Take the server's config for a resumed run as-is: it was checked when first set."""
        self._items.clear()
        self._items.update(copy.deepcopy(d))

    def _set(self, d: dict[str, Any], allow_val_change: bool | None, only_missing: bool) -> None:
        allow = bool(allow_val_change) or self._allow_val_change
        changes: dict[str, Any] = {}
        for key, raw in d.items():
            check_key(key)
            if only_missing and key in self._items:
                continue
            value = to_json_value(raw, key)
            if key in self._items and _same_value(self._items[key], value):
                continue
            if key in self._items and not allow:
                raise ConfigError(
                    f"config key {key!r} already has value {self._items[key]!r}; refusing to change it "
                    f"to {value!r}. Pass allow_val_change=True to config.update() if the change is intended."
                )
            changes[key] = value
        if not changes:
            return
        self._items.update(changes)
        if self._on_change is not None:
            self._on_change(copy.deepcopy(self._items))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._items[name]
        except KeyError:
            raise AttributeError(f"config has no key {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)
        else:
            self._set({name: value}, None, only_missing=False)

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __setitem__(self, key: str, value: Any) -> None:
        check_key(key)
        self._set({key: value}, None, only_missing=False)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Config({self._items!r})"


def initial_config(
    config: dict[str, Any] | str | argparse.Namespace | None,
    include_keys: list[str] | None,
    exclude_keys: list[str] | None,
) -> dict[str, Any]:
    """Resolve `init(config=..., config_include_keys=..., config_exclude_keys=...)` into a plain dict."""
    if include_keys and exclude_keys:
        raise UsageError("pass config_include_keys or config_exclude_keys, not both")
    values = _load_yaml(config) if isinstance(config, str) else _as_dict(config)
    if include_keys:
        values = {k: v for k, v in values.items() if k in include_keys}
    if exclude_keys:
        values = {k: v for k, v in values.items() if k not in exclude_keys}
    return values


def _load_yaml(path: str) -> dict[str, Any]:
    import yaml  # here: most runs pass their config as a dict, and PyYAML takes a while to import

    if not os.path.isfile(path):
        raise UsageError(f"config file {path!r} does not exist")
    with open(path, encoding="utf-8") as f:
        try:
            loaded = yaml.safe_load(f)
        except yaml.YAMLError as e:
            raise UsageError(f"config file {path!r} is not valid YAML: {e}") from e
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise UsageError(f"config file {path!r} must hold a mapping at the top level")
    return from_wandb_shape(loaded)


def wandb_shaped(config: dict[str, Any]) -> dict[str, Any]:
    """Config as W&B stores and sends it: each key as {"value": x, "desc": None}."""
    return {key: {"value": value, "desc": None} for key, value in config.items()}


def from_wandb_shape(wrapped: dict[str, Any]) -> dict[str, Any]:
    """Plain values from W&B's shape (a config.yaml or the server), without W&B's bookkeeping keys."""
    return {k: _unwrap(v) for k, v in wrapped.items() if k not in _YAML_BOOKKEEPING_KEYS}


def _unwrap(v: Any) -> Any:
    """W&B's config.yaml stores each key as {value: x, desc: ...}; a user's own dict that merely
    contains a "value" key alongside other keys is left alone."""
    if isinstance(v, dict) and "value" in v and v.keys() <= {"value", "desc"}:
        return v["value"]
    return v
