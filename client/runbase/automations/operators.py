"""MongoDB query documents as Python values.

Automation filters over run fields (and artifact fields) are MongoDB documents on the wire. Here
they are small immutable trees: `FilterExpr(field, op)` leaves under `And` / `Or` / `Nor`, built
with `FilterField` comparisons and combined with `&`, `|` and `~`. `to_mongo` writes the one
canonical document for a tree and `parse_filter` reads any document back, so a filter survives a
round trip through the server unchanged. Documents the server would refuse (unknown operators,
an empty `$or`, a top-level `$not`) are refused here first, with the same reasons.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, ClassVar

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

_SCALARS = (str, int, float, bool, type(None))


def json_value(value: Any, where: str) -> Any:
    """A filter operand as JSON: datetimes become ISO-8601 strings, timedeltas seconds."""
    if isinstance(value, Enum):
        return json_value(value.value, where)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, float) and math.isnan(value):
        raise ValueError(f"{where}: NaN matches nothing; compare with a number")
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, (list, tuple)):
        return [json_value(item, where) for item in value]
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        if any(key.startswith("$") for key in value):
            raise ValueError(f"{where}: an operator document is not a value: {value!r}")
        return {key: json_value(item, where) for key, item in value.items()}
    raise ValueError(f"{where}: {value!r} is not a JSON value")


def _scalar(value: Any, where: str) -> Any:
    value = json_value(value, where)
    if not isinstance(value, _SCALARS):
        raise ValueError(f"{where} compares with a number, string, boolean or null, not {value!r}")
    return value


def _values(values: Any, where: str) -> tuple[Any, ...]:
    if isinstance(values, (str, bytes, dict)) or not isinstance(values, Iterable):
        raise ValueError(f"{where} needs a list of values, not {values!r}")
    return tuple(json_value(item, where) for item in values)


# ------------------------------------------------------------------ conditions on one field


class Op:
    """A condition on a field's value: the `{"$gt": 5}` in `{"loss": {"$gt": 5}}`."""

    key: ClassVar[str]

    def to_mongo(self) -> dict[str, Any]:
        raise NotImplementedError


@dataclass(frozen=True)
class _ValueOp(Op):
    value: Any

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", json_value(self.value, self.key))

    def to_mongo(self) -> dict[str, Any]:
        return {self.key: self.value}


@dataclass(frozen=True)
class Eq(_ValueOp):
    key: ClassVar[str] = "$eq"


@dataclass(frozen=True)
class Ne(_ValueOp):
    key: ClassVar[str] = "$ne"


@dataclass(frozen=True)
class Contains(_ValueOp):
    """A string containing the value, or an array holding it (W&B's operator)."""

    key: ClassVar[str] = "$contains"


@dataclass(frozen=True)
class _CompareOp(_ValueOp):
    def __post_init__(self) -> None:
        object.__setattr__(self, "value", _scalar(self.value, self.key))


@dataclass(frozen=True)
class Gt(_CompareOp):
    key: ClassVar[str] = "$gt"


@dataclass(frozen=True)
class Gte(_CompareOp):
    key: ClassVar[str] = "$gte"


@dataclass(frozen=True)
class Lt(_CompareOp):
    key: ClassVar[str] = "$lt"


@dataclass(frozen=True)
class Lte(_CompareOp):
    key: ClassVar[str] = "$lte"


@dataclass(frozen=True)
class _ListOp(Op):
    values: tuple[Any, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", _values(self.values, self.key))

    def to_mongo(self) -> dict[str, Any]:
        return {self.key: list(self.values)}


@dataclass(frozen=True)
class In(_ListOp):
    key: ClassVar[str] = "$in"


@dataclass(frozen=True)
class NotIn(_ListOp):
    key: ClassVar[str] = "$nin"


@dataclass(frozen=True)
class All(_ListOp):
    """An array holding every one of the values."""

    key: ClassVar[str] = "$all"


@dataclass(frozen=True)
class Exists(Op):
    key: ClassVar[str] = "$exists"
    exists: bool = True

    def __post_init__(self) -> None:
        if self.exists not in (True, False):
            raise ValueError(f"$exists needs true or false, not {self.exists!r}")
        object.__setattr__(self, "exists", bool(self.exists))

    def to_mongo(self) -> dict[str, Any]:
        return {self.key: self.exists}


@dataclass(frozen=True)
class Size(Op):
    """An array of exactly this many elements."""

    key: ClassVar[str] = "$size"
    size: int

    def __post_init__(self) -> None:
        if not isinstance(self.size, int) or isinstance(self.size, bool) or self.size < 0:
            raise ValueError(f"$size needs a non-negative integer, not {self.size!r}")

    def to_mongo(self) -> dict[str, Any]:
        return {self.key: self.size}


@dataclass(frozen=True)
class Regex(Op):
    """A string matching the pattern; `options="i"` ignores case (the only option the server has)."""

    key: ClassVar[str] = "$regex"
    pattern: str
    options: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.pattern, str):
            raise ValueError(f"$regex needs a pattern string, not {self.pattern!r}")
        if self.options not in ("", "i"):
            raise ValueError(f"$options may only be 'i' (ignore case), not {self.options!r}")

    def to_mongo(self) -> dict[str, Any]:
        return {"$regex": self.pattern, "$options": self.options} if self.options else {"$regex": self.pattern}


@dataclass(frozen=True)
class Not(Op):
    """The field does not satisfy `op` (a missing field satisfies Not, as in MongoDB)."""

    key: ClassVar[str] = "$not"
    op: Op

    def __post_init__(self) -> None:
        if not isinstance(self.op, Op):
            raise ValueError(f"$not wraps an operator such as Regex(...) or Gt(...), not {self.op!r}")

    def to_mongo(self) -> dict[str, Any]:
        return {self.key: self.op.to_mongo()}


# ------------------------------------------------------------------ documents


def _check_field(name: Any) -> None:
    if not isinstance(name, str) or not name or name.startswith("$"):
        raise ValueError(f"a filter field must be a non-empty name not starting with '$', not {name!r}")


class Filter:
    """A MongoDB query document; combine with `&`, `|` and `~`."""

    def to_mongo(self) -> dict[str, Any]:
        raise NotImplementedError

    def __and__(self, other: Any) -> Any:
        if not isinstance(other, (Filter, dict)):
            return NotImplemented
        return combine(self, parse_filter(other))

    def __rand__(self, other: Any) -> Any:
        if not isinstance(other, dict):
            return NotImplemented
        return combine(parse_filter(other), self)

    def __or__(self, other: Any) -> Any:
        if not isinstance(other, (Filter, dict)):
            return NotImplemented
        other = parse_filter(other)
        return Or([*_items(self, Or), *_items(other, Or)])

    def __ror__(self, other: Any) -> Any:
        if not isinstance(other, dict):
            return NotImplemented
        return parse_filter(other) | self

    def __invert__(self) -> Filter:
        return Nor([self])

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        """Model fields typed Filter accept documents or trees and serialize as documents."""
        return core_schema.no_info_plain_validator_function(
            parse_filter, serialization=core_schema.plain_serializer_function_ser_schema(to_mongo))


def _items(tree: Filter, kind: type[_Junction]) -> tuple[Filter, ...]:
    return tree.filters if isinstance(tree, kind) else (tree,)


@dataclass(frozen=True)
class FilterExpr(Filter):
    """One field's condition: `FilterExpr("config.lr", Gt(0.01))` is `{"config.lr": {"$gt": 0.01}}`."""

    field: str
    op: Op

    def __post_init__(self) -> None:
        _check_field(self.field)
        if not isinstance(self.op, Op):
            raise ValueError(f"{self.field}: {self.op!r} is not an operator such as Eq(...) or Gt(...)")

    def to_mongo(self) -> dict[str, Any]:
        return {self.field: self.op.to_mongo()}

    def __invert__(self) -> Filter:
        return FilterExpr(self.field, self.op.op if isinstance(self.op, Not) else Not(self.op))


@dataclass(frozen=True, init=False)
class _Junction(Filter):
    key: ClassVar[str]
    filters: tuple[Filter, ...]

    def __init__(self, filters: Iterable[Filter | dict[str, Any]]) -> None:
        """Takes any iterable of trees or documents (a list reads best) and keeps them as a tuple of trees."""
        if isinstance(filters, (dict, Filter)) or not isinstance(filters, Iterable):
            raise ValueError(f"{self.key} takes a list of filters, not {filters!r}")
        object.__setattr__(self, "filters", tuple(parse_filter(item) for item in filters))


@dataclass(frozen=True, init=False)
class And(_Junction):
    """Every filter matches; `And([])` matches every document and is written `{}`."""

    key: ClassVar[str] = "$and"

    def to_mongo(self) -> dict[str, Any]:
        return {self.key: [to_mongo(item) for item in self.filters]} if self.filters else {}


@dataclass(frozen=True, init=False)
class _NonEmptyJunction(_Junction):
    def __init__(self, filters: Iterable[Filter | dict[str, Any]]) -> None:
        super().__init__(filters)
        if not self.filters:
            raise ValueError(f"{self.key} needs at least one filter")

    def to_mongo(self) -> dict[str, Any]:
        return {self.key: [to_mongo(item) for item in self.filters]}


@dataclass(frozen=True, init=False)
class Or(_NonEmptyJunction):
    key: ClassVar[str] = "$or"

    def __invert__(self) -> Filter:
        return Nor(self.filters)


@dataclass(frozen=True, init=False)
class Nor(_NonEmptyJunction):
    """No filter matches."""

    key: ClassVar[str] = "$nor"

    def __invert__(self) -> Filter:
        return self.filters[0] if len(self.filters) == 1 else Or(self.filters)


def combine(left: Filter, right: Filter) -> Filter:
    """left AND right, flattening nested Ands; the empty And is the identity."""
    items = [*_items(left, And), *_items(right, And)]
    return items[0] if len(items) == 1 else And(items)


def to_mongo(tree: Filter) -> dict[str, Any]:
    return tree.to_mongo()


# ------------------------------------------------------------------ reading documents back

_VALUE_OPS: dict[str, Callable[[Any], Op]] = {
    op.key: op for op in (Eq, Ne, Gt, Gte, Lt, Lte, Contains, In, NotIn, All)
}
_JUNCTIONS: dict[str, type[_Junction]] = {"$and": And, "$or": Or, "$nor": Nor}


def _is_operator_document(value: Any) -> bool:
    return isinstance(value, dict) and any(isinstance(key, str) and key.startswith("$") for key in value)


def _op(field: str, key: str, operand: Any, cond: dict[str, Any]) -> Op:
    if key in _VALUE_OPS:
        return _VALUE_OPS[key](operand)
    if key == "$regex":
        return Regex(operand, cond.get("$options", ""))
    if key == "$exists":
        return Exists(operand)
    if key == "$size":
        return Size(operand)
    raise ValueError(f"{field}: unknown operator {key}")


def _field_filters(field: str, cond: Any) -> list[Filter]:
    """`{field: cond}` as leaves; several operators on one field become several leaves."""
    if not _is_operator_document(cond):
        return [FilterExpr(field, Eq(cond))]
    if not all(isinstance(key, str) and key.startswith("$") for key in cond):
        raise ValueError(f"{field}: can't mix operators and plain keys in {sorted(map(str, cond))}")
    if "$options" in cond and "$regex" not in cond:
        raise ValueError(f"{field}: $options needs $regex beside it")
    found: list[Filter] = []
    for key, operand in cond.items():
        if key == "$not":
            if not _is_operator_document(operand):
                raise ValueError(f"{field}: $not needs an operator document such as {{'$regex': '...'}}")
            inner = _field_filters(field, operand)
            # {"$not": {op1, op2}} is "not (op1 and op2)", which Nor([And(...)]) says as well.
            found.append(~inner[0] if len(inner) == 1 else Nor([And(inner)]))
        elif key != "$options":
            found.append(FilterExpr(field, _op(field, key, operand, cond)))
    return found


def parse_filter(document: Any) -> Filter:
    """A tree for a MongoDB query document (trees pass through unchanged)."""
    if isinstance(document, Filter):
        return document
    if not isinstance(document, dict):
        raise ValueError(f"a filter must be a MongoDB query document (a dict) or built from operators, "
                         f"not {type(document).__name__}: {document!r}")
    parts: list[Filter] = []
    for key, value in document.items():
        if not isinstance(key, str):
            raise ValueError(f"filter keys must be strings, not {key!r}")
        if key in _JUNCTIONS:
            if not isinstance(value, list) or not value:
                raise ValueError(f"{key} needs a non-empty list of filter documents")
            parts.append(_JUNCTIONS[key](value))
        elif key.startswith("$"):
            raise ValueError(f"unknown top-level operator {key}; use $and, $or or $nor, or a field name")
        else:
            parts.extend(_field_filters(key, value))
    return parts[0] if len(parts) == 1 else And(parts)


# ------------------------------------------------------------------ building conditions


class FilterField:
    """A document field to write conditions on: `FilterField("config.lr") > 0.01`.

    Comparisons build `FilterExpr`s instead of booleans, so a FilterField is not hashable."""

    __hash__ = None  # type: ignore[assignment]

    def __init__(self, name: str) -> None:
        _check_field(name)
        self.name = name

    def _expr(self, op: Op) -> FilterExpr:
        return FilterExpr(self.name, op)

    def __eq__(self, value: object) -> FilterExpr:  # type: ignore[override]
        return self._expr(Eq(value))

    def __ne__(self, value: object) -> FilterExpr:  # type: ignore[override]
        return self._expr(Ne(value))

    def __gt__(self, value: Any) -> FilterExpr:
        return self._expr(Gt(value))

    def __ge__(self, value: Any) -> FilterExpr:
        return self._expr(Gte(value))

    def __lt__(self, value: Any) -> FilterExpr:
        return self._expr(Lt(value))

    def __le__(self, value: Any) -> FilterExpr:
        return self._expr(Lte(value))

    def in_(self, values: Iterable[Any]) -> FilterExpr:
        return self._expr(In(values))  # type: ignore[arg-type]

    def not_in(self, values: Iterable[Any]) -> FilterExpr:
        return self._expr(NotIn(values))  # type: ignore[arg-type]

    def contains(self, value: Any) -> FilterExpr:
        """A string field containing `value`, or an array field holding it."""
        return self._expr(Contains(value))

    def regex(self, pattern: str, ignore_case: bool = False) -> FilterExpr:
        return self._expr(Regex(pattern, "i" if ignore_case else ""))

    def exists(self, exists: bool = True) -> FilterExpr:
        return self._expr(Exists(exists))

    def __repr__(self) -> str:
        return f"FilterField({self.name!r})"
