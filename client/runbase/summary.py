"""`run.summary`: one value per metric describing the run as a whole (by default the last logged one)."""

from __future__ import annotations

import copy
from collections.abc import Callable, ItemsView, Iterator, KeysView, Mapping, ValuesView
from typing import Any

from .config import check_key, to_json_value


class Summary:
    """Dict- and attribute-style access to the run's summary.

    `_data` is the live dict that the logging path writes into directly, so it is only ever
    mutated in place. Keys the user sets or deletes by hand go into `_explicit`: a hand-set value
    (say, the best accuracy) must not be overwritten by the next logged row, and a hand-deleted
    key must not reappear on the next row either, so deletions count as explicit too.
    """

    def __init__(self, data: dict[str, Any] | None = None) -> None:
        # Data passed in (a resumed run's summary) is prior state, not a user override.
        self._data: dict[str, Any] = copy.deepcopy(data) if data else {}
        self._explicit: set[str] = set()
        # The run's conversion of rich values (an Image, a large array) into what the summary holds.
        self._encode: Callable[[str, Any], Any] = lambda key, value: value

    def update(self, d: Mapping[str, Any]) -> None:
        """Set many keys; all are validated before any is stored."""
        values = {check_key(k): to_json_value(self._encode(k, v), k) for k, v in d.items()}
        self._data.update(values)
        self._explicit.update(values)

    def get(self, key: str, default: Any = None) -> Any:
        return self._data.get(key, default)

    def keys(self) -> KeysView[str]:
        return self._data.keys()

    def items(self) -> ItemsView[str, Any]:
        return self._data.items()

    def values(self) -> ValuesView[Any]:
        return self._data.values()

    def as_dict(self) -> dict[str, Any]:
        """A copy that later logging will not change underneath the caller."""
        return copy.deepcopy(self._data)

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._data[check_key(key)] = to_json_value(self._encode(check_key(key), value), key)
        self._explicit.add(key)

    def __delitem__(self, key: str) -> None:
        del self._data[key]
        self._explicit.add(key)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(f"summary has no key {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)
        else:
            self[name] = value

    def __delattr__(self, name: str) -> None:
        if name.startswith("_"):
            object.__delattr__(self, name)
            return
        try:
            del self[name]
        except KeyError:
            raise AttributeError(f"summary has no key {name!r}") from None

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"Summary({self._data!r})"
