"""The column types of a runbase.Table, in W&B's type language: a column's type is inferred from its first
value that is not None and every later value must fit it (a column of numbers takes no strings), and the
types are written into the table's JSON as W&B writes them (`{"wb_type": "number"}`, unions, lists, ...), so
that W&B's UI and Public API code read them.

Each type answers `assign(value)`: the column's type once `value` is in it (an unknown type becomes the
value's type, an optional one stays optional), or None when the value does not fit. For speed, `fast` holds
the Python classes whose values fit without changing the type, which lets a table check a whole column of
plain values with one set comparison."""

from __future__ import annotations

import datetime
import decimal
import json
import math
from collections.abc import Callable, Collection, Iterable
from functools import cached_property, partial
from typing import Any

from .encoding import as_array
from .media import WBValue

NONE_CLASS = type(None)
PLAIN = frozenset({NONE_CLASS, bool, int, float, str})  # cells JSON holds as they are


class ColumnType:
    """A type of the values of one column (or of the elements of a list, the values of a dict)."""

    name: str
    fast: frozenset[type] = frozenset()
    as_is: bool = True  # its values are written to JSON unchanged, and read back unchanged

    def assign(self, value: Any) -> ColumnType | None:
        """This type once `value` (a cell made plain) is in the column; None if it does not fit."""
        return self.assign_type(type_of(value))

    def assign_type(self, other: ColumnType) -> ColumnType | None:
        return self if self == other else None

    def params(self) -> dict[str, Any]:
        return {}

    def to_json(self) -> dict[str, Any]:
        params = self.params()
        return {"wb_type": self.name, "params": params} if params else {"wb_type": self.name}

    @cached_property
    def takes_nan(self) -> bool:
        """Whether a float NaN (typed as None, as in W&B) fits."""
        return self.assign_type(NONE) is not None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ColumnType) and type(other) is type(self) and other.to_json() == self.to_json()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return self.name.capitalize()


class _Simple(ColumnType):
    """A type with no parameters, fitting the values of some Python classes."""

    def __init__(self, name: str, classes: Iterable[type] = (), *, as_is: bool = True) -> None:
        self.name, self.fast, self.as_is = name, frozenset(classes), as_is

    def assign_type(self, other: ColumnType) -> ColumnType | None:
        return self if isinstance(other, _Simple) and other.name == self.name else None


NONE = _Simple("none", [NONE_CLASS])
STRING = _Simple("string", [str])
NUMBER = _Simple("number", [int, float])
BOOLEAN = _Simple("boolean", [bool])
TIMESTAMP = _Simple("timestamp", [datetime.datetime, datetime.date], as_is=False)  # as epoch milliseconds


class UnknownType(ColumnType):
    """A column with no values yet: the first one (not None) decides its type."""

    name = "unknown"

    def assign_type(self, other: ColumnType) -> ColumnType | None:
        return None if other == NONE else other


class AnyType(ColumnType):
    """Any value but None (W&B's type for allow_mixed_types=True, made optional)."""

    name = "any"
    fast = PLAIN - {NONE_CLASS}
    as_is = False

    def assign_type(self, other: ColumnType) -> ColumnType | None:
        return None if other == NONE else self


class OpaqueType(ColumnType):
    """A type runbase does not model, read from a table W&B wrote (an ndarray, a foreign key, an image-file
    with box layers, ...): kept as written, and any value fits it."""

    fast = PLAIN
    as_is = False

    def __init__(self, described: dict[str, Any]) -> None:
        self.name, self.described = str(described.get("wb_type")), described

    def assign_type(self, other: ColumnType) -> ColumnType | None:
        return self

    def to_json(self) -> dict[str, Any]:
        return self.described


class MediaType(ColumnType):
    """Rich values of one kind (image-file, audio-file, ..., histogram), told apart by their log type."""

    as_is = False

    def __init__(self, name: str, kind: type | None = None) -> None:
        self.name = name
        self.fast = frozenset([kind]) if kind is not None else frozenset()

    def assign_type(self, other: ColumnType) -> ColumnType | None:
        return self if isinstance(other, MediaType) and other.name == self.name else None


class ConstType(ColumnType):
    """Exactly one value (a dtype given as an example value, such as 3 or "cat")."""

    name = "const"

    def __init__(self, val: Any, is_set: bool = False) -> None:
        self.val, self.is_set = (sorted(val, key=repr) if is_set else val), is_set

    def assign(self, value: Any) -> ColumnType | None:
        return self if (sorted(value, key=repr) if self.is_set else value) == self.val else None

    def assign_type(self, other: ColumnType) -> ColumnType | None:
        return self if other == self else None

    def params(self) -> dict[str, Any]:
        return {"val": self.val, "is_set": self.is_set}

    def __repr__(self) -> str:
        return repr(self.val)


class ListType(ColumnType):
    """Lists (and tuples, sets, arrays) whose elements are of `element`; `length` when all have one length.
    Unlike W&B, elements of several types make a union rather than an error: a list may mix them."""

    name = "list"

    def __init__(self, element: ColumnType | None = None, length: int | None = None) -> None:
        self.element, self.length = element or UnknownType(), length
        self.as_is = self.element.as_is

    def assign(self, value: Any) -> ColumnType | None:
        if not isinstance(value, list):
            return None
        element, length = _elements(value, self.element), self.length if self.length == len(value) else None
        return self if element is self.element and length == self.length else ListType(element, length)

    def assign_type(self, other: ColumnType) -> ColumnType | None:
        if not isinstance(other, ListType):
            return None
        element = self.element.assign_type(other.element) or union([self.element, other.element])
        return ListType(element, self.length if self.length == other.length else None)

    def params(self) -> dict[str, Any]:
        return {"element_type": self.element.to_json(), "length": self.length}

    def __repr__(self) -> str:
        return f"{self.element!r}[]"


class TypedDictType(ColumnType):
    """Dicts with these keys, each of its own type; as in W&B, a dict with a key the type lacks does not fit,
    and a missing key is None."""

    name = "typedDict"

    def __init__(self, type_map: dict[str, ColumnType] | None = None) -> None:
        self.type_map = type_map or {}
        self.as_is = all(kind.as_is for kind in self.type_map.values())

    def assign(self, value: Any) -> ColumnType | None:
        if not isinstance(value, dict) or not set(map(str, value)) <= self.type_map.keys():
            return None
        given = {str(key): item for key, item in value.items()}
        return self._merged({key: kind.assign(given.get(key)) for key, kind in self.type_map.items()})

    def assign_type(self, other: ColumnType) -> ColumnType | None:
        if not isinstance(other, TypedDictType) or not other.type_map.keys() <= self.type_map.keys():
            return None
        return self._merged({key: kind.assign_type(other.type_map.get(key, NONE))
                             for key, kind in self.type_map.items()})

    def _merged(self, type_map: dict[str, ColumnType | None]) -> ColumnType | None:
        if any(kind is None for kind in type_map.values()):
            return None
        if all(kind is self.type_map[key] for key, kind in type_map.items()):
            return self
        return TypedDictType({key: kind for key, kind in type_map.items() if kind is not None})

    def params(self) -> dict[str, Any]:
        return {"type_map": {key: kind.to_json() for key, kind in self.type_map.items()}}

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{key}: {kind!r}" for key, kind in self.type_map.items()) + "}"


class UnionType(ColumnType):
    """One of several types; an unknown member takes the type of the first value no other member fits (so an
    optional column is `none or unknown` until its first value)."""

    name = "union"

    def __init__(self, members: list[ColumnType]) -> None:
        self.members = members
        self.fast = frozenset().union(*(member.fast for member in members))
        self.as_is = all(member.as_is for member in members)

    def assign(self, value: Any) -> ColumnType | None:
        return self._resolved(lambda member: member.assign(value), partial(UnknownType().assign, value))

    def assign_type(self, other: ColumnType) -> ColumnType | None:
        result: ColumnType | None = self
        for each in other.members if isinstance(other, UnionType) else [other]:
            if result is None:
                return None
            result = result._resolved(partial(_assign_type, other=each), partial(UnknownType().assign_type, each)) \
                if isinstance(result, UnionType) else result.assign_type(each)
        return result

    def _resolved(self, fit: Callable[[ColumnType], ColumnType | None],
                  new: Callable[[], ColumnType | None]) -> ColumnType | None:
        """The first member (not unknown) that fits, narrowed; else an unknown member made the new type."""
        members = self.members
        for index, member in enumerate(members):
            if not isinstance(member, UnknownType):
                fitted = fit(member)
                if fitted is member:
                    return self
                if fitted is not None:
                    return union([*members[:index], fitted, *members[index + 1:]])
        unknown = next((index for index, member in enumerate(members) if isinstance(member, UnknownType)), None)
        created = new() if unknown is not None else None
        if unknown is None or created is None:
            return None
        return union([*members[:unknown], *members[unknown + 1:], created])

    def params(self) -> dict[str, Any]:
        return {"allowed_types": [member.to_json() for member in self.members]}

    def __repr__(self) -> str:
        return " or ".join(map(repr, self.members))


def _assign_type(member: ColumnType, other: ColumnType) -> ColumnType | None:
    return member.assign_type(other)


def union(members: list[ColumnType]) -> ColumnType:
    """The union of types, flattened and in W&B's order (by their names)."""
    flat: list[ColumnType] = []
    for member in members:
        flat.extend(member.members if isinstance(member, UnionType) else [member])
    unique: list[ColumnType] = []
    for member in flat:
        if member not in unique or isinstance(member, UnknownType):
            unique.append(member)
    unique.sort(key=repr)
    return unique[0] if len(unique) == 1 else UnionType(unique)


def optional(kind: ColumnType) -> ColumnType:
    return union([kind, NONE])


def _elements(items: list[Any], start: ColumnType) -> ColumnType:
    element = start
    for item in items:
        element = element.assign(item) or union([element, type_of(item)])
    return element


_SIMPLE: dict[type, ColumnType] = {NONE_CLASS: NONE, bool: BOOLEAN, int: NUMBER, str: STRING,
                                   datetime.datetime: TIMESTAMP, datetime.date: TIMESTAMP}


def type_of(value: Any) -> ColumnType:
    """The type of a plain cell (see `plain`); a float NaN is typed as None, as in W&B."""
    kind = type(value)
    if kind is float:
        return NONE if math.isnan(value) else NUMBER
    simple = _SIMPLE.get(kind)
    if simple is not None:
        return simple
    if kind is list:
        return ListType(_elements(value, UnknownType()), len(value))
    if kind is dict:
        return TypedDictType({str(key): type_of(item) for key, item in value.items()})
    if isinstance(value, datetime.date):  # a pandas Timestamp, say
        return TIMESTAMP
    if isinstance(value, WBValue):
        return MediaType(value.log_type, kind)
    raise TypeError(f"values of type {kind.__name__} cannot be table cells")


def typename(value: Any) -> str:
    return f"{type(value).__module__}.{type(value).__qualname__}"


def plain(value: Any) -> Any:
    """A cell as the table keeps it: numpy values and arrays, tensors, tuples and sets become Python numbers
    and lists, missing values (pandas NA, NaT) None; rich values (Image, ...) stay as they are. Raises
    TypeError for values a table cannot hold."""
    kind = type(value)
    if kind in PLAIN or isinstance(value, WBValue):
        return value
    if kind.__name__ in ("NAType", "NaTType"):
        return None
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {plain(key): plain(item) for key, item in value.items()}
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value
    for base in (bool, int, float, str):  # subclasses: an IntEnum, numpy's float64 and str_
        if isinstance(value, base):
            return base(value)
    if isinstance(value, decimal.Decimal):
        return float(value)
    value = as_array(value)  # a tensor: a numpy array, or a number
    name = typename(value)
    if name == "numpy.datetime64":
        return value.astype("datetime64[us]").item()
    if name.startswith("numpy.") and hasattr(value, "tolist"):
        return plain(value.tolist())
    if type(value) in PLAIN:
        return value
    raise TypeError(f"values of type {kind.__name__} cannot be table cells (use numbers, strings, booleans, None, "
                    "lists, dicts, datetimes, numpy values or runbase data types such as Image)")


def _class_type(dtype: type) -> ColumnType:
    if issubclass(dtype, ColumnType):
        return dtype()
    if issubclass(dtype, WBValue) and hasattr(dtype, "log_type"):
        return MediaType(dtype.log_type, dtype)
    for base, kind in ((bool, BOOLEAN), (NONE_CLASS, NONE), (int, NUMBER), (float, NUMBER), (str, STRING),
                       (datetime.date, TIMESTAMP), (list, ListType()), (tuple, ListType()), (dict, TypedDictType())):
        if issubclass(dtype, base):
            return kind
    if dtype.__module__ == "numpy":  # numpy's scalar classes not derived from Python's (int64, bool_, ...)
        for prefix, kind in (("bool", BOOLEAN), ("datetime64", TIMESTAMP), ("int", NUMBER), ("uint", NUMBER),
                             ("float", NUMBER)):
            if dtype.__name__.startswith(prefix):
                return kind
    raise TypeError(f"dtype {dtype.__name__} has no table column type: use a Python type (int, float, str, bool, "
                    "list, dict, datetime), a runbase data type (Image, ...), [type] for lists of it, [type, type] "
                    "for either, a dict of types, or an example value")


def from_dtype(dtype: Any) -> ColumnType:
    """A column type from what Table(dtype=...) and cast() take: a Python class, a runbase data type (class or
    example), a column type, `[t]` (lists of t), `[t1, t2, ...]` (any of them), `{key: t}` (dicts), or any
    other value (exactly that value)."""
    if isinstance(dtype, ColumnType):
        return dtype
    if dtype is None:
        return NONE
    if isinstance(dtype, type):
        return _class_type(dtype)
    if isinstance(dtype, list):
        if len(dtype) <= 1:
            return ListType(from_dtype(dtype[0]) if dtype else None)
        return union([from_dtype(each) for each in dtype])
    if isinstance(dtype, dict):
        return TypedDictType({str(key): from_dtype(each) for key, each in dtype.items()})
    if isinstance(dtype, WBValue):
        return MediaType(dtype.log_type, type(dtype))
    if isinstance(dtype, (set, frozenset)):
        return ConstType(plain(dtype), is_set=True)
    value = plain(dtype)
    try:
        json.dumps(value)  # a constant is written into the table's JSON
    except (TypeError, ValueError):
        raise TypeError(f"dtype {dtype!r} is neither a type nor a constant that JSON can hold") from None
    return ConstType(value)


def from_json(described: Any, media: Collection[str] = ()) -> ColumnType:
    """A column type as W&B's JSON writes it; `media` names the log types of rich values (image-file, ...)."""
    if not isinstance(described, dict):
        raise TypeError(f"a column type is a dict with 'wb_type', not {described!r}")
    name = described.get("wb_type")
    params = described.get("params") or {}
    simple = {kind.name: kind for kind in (NONE, STRING, NUMBER, BOOLEAN, TIMESTAMP)}
    if name in simple:
        return simple[name]
    if name == "unknown":
        return UnknownType()
    if name == "any":
        return AnyType()
    if name == "union":
        return union([from_json(each, media) for each in params.get("allowed_types", [])])
    if name == "list" and "element_type" in params:
        return ListType(from_json(params["element_type"], media), params.get("length"))
    if name == "typedDict":
        return TypedDictType({key: from_json(each, media) for key, each in params.get("type_map", {}).items()})
    if name == "const" and "val" in params:
        return ConstType(params["val"], bool(params.get("is_set")))
    if isinstance(name, str) and name in media and not params:
        return MediaType(name)
    return OpaqueType(described)
