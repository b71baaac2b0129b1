"""MongoDB query documents over runs, registries, artifact collections and artifact versions,
translated to SQL (never evaluated row by row in Python).

`run_filter(filters, dialect)` gives a WHERE clause over `Run` (and `User` for `username`: the
caller selects `select(Run).outerjoin(User, Run.user_id == User.id)`); given the project, it also narrows
to the runs that the index of their values (tables.run_values) says may match, so that the exact
predicate reads those runs' JSON only (see "candidates" below); `run_order(order,
dialect)` gives ORDER BY expressions ending with `Run.id` as a tiebreaker. `registry_filter`,
`collection_filter` and `version_filter` give WHERE clauses over `Registry` (joined with its
`Project`), `ArtifactCollection` and `Artifact`, with the same operators over their own fields.
Bad filters raise `UserError` naming the operator or field.

Semantics follow MongoDB as `mongomock` implements it (the reference oracle of
tests/test_filters.py): type brackets (numbers compare only with numbers, int and float alike;
booleans are not numbers; strings with strings, by code point), missing fields (`$ne`, `$nin`,
`$not`, `$nor` match them; `{"f": null}` matches null or missing), arrays (`{"tags": "a"}` matches
an array holding "a"; comparisons, `$regex` and equality match if any element does; an array
value also matches the identical array) and exact document equality.

Dotted paths follow MongoDB 8's traversal (src/mongo/db/matcher/path.cpp; mongomock's differs,
so the oracle's is replaced): an array met halfway fans out over its elements that are documents
(`config.layers.units` against `layers: [{units: 64}, {units: 128}]` yields 64 and 128); such a
document without the key yields "missing", while scalars and nested arrays in it yield nothing,
so `{"config.nest.inner": {"$ne": null}}` matches `nest: []` and `nest: [1]` but not
`nest: [{}]`. A scalar met halfway yields "missing". A numeric component (ASCII digits, no leading
zero) also names an array position: `config.layers.0.units` reads `units` of the first element,
besides `"0".units` of each document in the array; an array reached by position is matched as a
whole, not by its elements. Every operator then holds if some value the path yields satisfies it
(`$ne`, `$nin`, `$not`, `$nor` and `{$exists: false}` are their negations). A path with no array
on the way costs what a plain lookup does: the fan-out (a join per key) runs only where the
lookup finds nothing and an array stands on the way, and on PostgreSQL equality with a scalar
stays a GIN-indexed jsonpath (`@@`) unless a key after the first is numeric.

Deliberate differences:

* NaN equals nothing, not even NaN, and matches no comparison (mongomock; MongoDB would have
  NaN == NaN and order NaN below every number). Infinities are ordinary numbers.
* Comparisons never match a missing field (mongomock; MongoDB's `{$gte: null}` matches one).
* Object equality ignores key order (JSONB keeps none; mongomock also ignores it).
* Comparison operands must be scalars: `$gt` with an array or object is refused.
* `$regex` takes a safe subset of the syntax (no backreferences, lookaround, nested
  quantifiers or possessive quantifiers; counts up to 1,000; at most 1,000 characters), with
  PCRE's ASCII meaning of `\\d \\w \\s`; `$options` may only hold "i", which folds case by
  simple one-to-one mapping (`str.lower`/`str.upper`). Matching runs in time linear in the text
  (a lazily built DFA on SQLite; PostgreSQL's own engine there).
* `$contains` (W&B's): a string containing the given string, or an array holding an element
  equal to the given value.
* `$size` matches arrays only (mongomock also counts object keys and scalars).
* A version's `alias` is a list held as rows (its aliases in the collection it is seen through):
  never missing, and equal to a whole list holding the same aliases in any order. `version` is the
  text "v3", compared as text.
* Time fields (`createdAt`, `heartbeatAt`) compare with ISO-8601 strings, taken as UTC when they
  carry no offset; `duration` is seconds from creation to finish (or last heartbeat).
  Unset columns (a run without group, host, user, sweep...) count as missing fields; `sweep` is the
  name (id) of the run's sweep.

Sorting puts missing and null values last in both directions, then orders by type bracket
(NaN, numbers, strings, booleans, objects, arrays; reversed when descending), then by value
(numbers numerically, strings by code point), then by run id. It reads a dotted path through
objects only: an array on the way makes the value missing (MongoDB would sort by the values the
path fans out to).
"""

from __future__ import annotations

import copy
import json
import math
import operator
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from functools import cached_property
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, SQLColumnExpression
from sqlalchemy.dialects.postgresql import JSONB, JSONPATH
from sqlalchemy.orm import aliased

from .errors import UserError
from .names import REGISTRY_PREFIX
from .regex import Regex, compile_regex
from .tables import (
    DOCUMENT_CODES,
    NONFINITE_TAG,
    VALUE_KEY_PREFIX,
    VALUE_TEXT_PREFIX,
    Artifact,
    ArtifactAlias,
    ArtifactCollection,
    ArtifactMembership,
    Entity,
    Project,
    Registry,
    Run,
    Sweep,
    User,
    UTCDateTime,
    run_values,
)

MAX_CLAUSES = 1000
MAX_DEPTH = 32  # nested documents; lists inside values may nest as deep again
MAX_SQLITE_NESTING = 20

COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "$gt": operator.gt, "$gte": operator.ge, "$lt": operator.lt, "$lte": operator.le,
}
_SQL_OPS = {"$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<=", "$eq": "="}
OPERATORS = ("$and", "$or", "$nor", "$not", "$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin",
             "$exists", "$regex", "$options", "$contains", "$all", "$size")


# ------------------------------------------------------------------ predicates
#
# Predicates are built as a little boolean tree over SQL leaves: constants fold away, NOT is
# pushed down to the leaves (De Morgan) and nested ANDs and ORs merge, so the SQL nests only
# where ANDs and ORs alternate. (SQLite's parser overflows at about 30 levels of nesting.)

class _Junction:
    """AND (conj=True) or OR of two or more predicates, none of them a junction of the same kind."""

    __slots__ = ("conj", "items")

    def __init__(self, conj: bool, items: tuple[Pred, ...]) -> None:
        self.conj = conj
        self.items = items


class _Negation:
    """NOT of an SQL leaf: a leaf may be NULL where it means "no match", which NOT must treat as false."""

    __slots__ = ("item",)

    def __init__(self, item: ColumnElement[Any]) -> None:
        self.item = item


Pred = bool | ColumnElement[Any] | _Junction | _Negation  # True / False fold away before reaching SQL
Expr = SQLColumnExpression[Any]  # a column, an ORM attribute (Run.config) or any SQL expression


def _junction(conj: bool, preds: Any) -> Pred:
    parts: list[Pred] = []
    for p in preds:
        if p is (not conj):  # False in an AND, True in an OR
            return not conj
        if p is conj:
            continue
        if isinstance(p, _Junction) and p.conj == conj:
            parts.extend(p.items)
        else:
            parts.append(p)
    if not parts:
        return conj
    return parts[0] if len(parts) == 1 else _Junction(conj, tuple(parts))


def _and(*preds: Pred) -> Pred:
    return _junction(True, preds)


def _or(*preds: Pred) -> Pred:
    return _junction(False, preds)


def _not(pred: Pred) -> Pred:
    if pred is True or pred is False:
        return not pred
    if isinstance(pred, _Negation):
        return pred.item  # NULL there was "no match" and still is
    if isinstance(pred, _Junction):
        return _junction(not pred.conj, [_not(p) for p in pred.items])
    return _Negation(pred)


def _sql(pred: Pred) -> ColumnElement[bool]:
    if pred is True:
        return sa.true()
    if pred is False:
        return sa.false()
    if isinstance(pred, _Junction):
        return (sa.and_ if pred.conj else sa.or_)(*(_sql(p) for p in pred.items))
    if isinstance(pred, _Negation):
        return sa.not_(sa.func.coalesce(pred.item, sa.false(), type_=sa.Boolean))
    return pred


def _nesting(pred: Pred) -> int:
    if isinstance(pred, _Junction):
        return 1 + max(_nesting(p) for p in pred.items)
    return 1 if isinstance(pred, _Negation) else 0


# ------------------------------------------------------------------ value helpers

def _has_nan(value: Any) -> bool:
    if isinstance(value, float):
        return value != value
    if isinstance(value, list):
        return any(_has_nan(v) for v in value)
    if isinstance(value, dict):
        return any(_has_nan(v) for v in value.values())
    return False


def _encode(value: Any) -> Any:
    """The stored form: infinities become {"$float": "Infinity"} (NaN never reaches here)."""
    if isinstance(value, float) and math.isinf(value):
        return {NONFINITE_TAG: "Infinity" if value > 0 else "-Infinity"}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_number(value: Any, where: str) -> None:
    """Numbers are compared as 64-bit floats; an integer beyond them (a 401-digit literal) is a user error."""
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            float(value)
        except OverflowError:
            raise UserError(f"{where}: the number {str(value)[:20]}... is too large (filters compare numbers as "
                            "64-bit floats)") from None


def _check_literal(value: Any, where: str, depth: int = 0) -> None:
    """A value compared for equality: JSON data, with no operator documents inside."""
    if depth > 2 * MAX_DEPTH:
        raise UserError(f"{where}: value nested too deeply")
    if value is None or isinstance(value, (bool, int, float, str, datetime)):
        _check_number(value, where)
        return
    if isinstance(value, list):
        for item in value:
            _check_literal(item, where, depth + 1)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise UserError(f"{where}: object keys must be strings")
            if key.startswith("$"):
                raise UserError(f"{where}: {key} is an operator and can't appear inside a value")
            _check_literal(item, where, depth + 1)
        return
    raise UserError(f"{where}: unsupported value of type {type(value).__name__}")


def _parse_time(value: str, field: str) -> datetime:
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1:] in "zZ" and text else text)
    except ValueError:
        raise UserError(f"{field}: {value!r} is not an ISO-8601 timestamp (e.g. 2023-01-01T12:00:00Z)") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def _sqlite_number(value: int | float) -> int | float:
    # sqlite3 can't bind integers beyond 64 bits; SQLite's JSON reads such numbers as REAL anyway.
    if isinstance(value, int) and not -(2**63) <= value < 2**63:
        return float(value)
    return value


# ------------------------------------------------------------------ nodes: where a field's value lives
#
# A node answers "which JSON type is the value" by `dispatch(table, missing)`: `table` maps a type
# (null, true, false, number, string, array, object, date) to the predicate that holds for a value
# of that type, `missing` is what holds when there is no value. The per-type predicates come from
# the node's methods (each valid only inside its type's branch). Everything Mongo-specific is
# written once, in terms of nodes, further down, as a `Spec` (node -> table and missing) that
# `test` applies to every value the field's path yields.

_TYPES = ("null", "true", "false", "number", "string", "array", "object", "date")
_NOT_ARRAY: dict[str, Pred] = {t: True for t in _TYPES if t != "array"}


class _Node:
    traverse = True  # an array here also matches by its elements (not one a path reaches by index)

    def dispatch(self, table: dict[str, Pred], missing: Pred) -> Pred:
        raise NotImplementedError

    def test(self, spec: Spec) -> Pred:
        """Whether a value the field's path yields passes `spec`: the node's own value, and for a dotted
        path into a document also the values reached through arrays (see _Path)."""
        table, missing = spec(self)
        return self.dispatch(table, missing)

    def leaf_elements(self, fn: Callable[[_Node], Pred]) -> Pred:
        """MongoDB's implicit match of an array's elements, which an array reached by index doesn't get."""
        return self.any_element(fn) if self.traverse else False

    def indexed(self) -> _Node:
        """This value as a path reaches it through an array index: matched as a whole only."""
        node = copy.copy(self)
        node.traverse = False
        return node

    def coerce(self, value: Any) -> Any:
        return value

    # per-type predicates; a type the node never holds is never asked about, so False is safe
    def num_cmp(self, op: str, value: int | float) -> Pred:
        return False

    def str_cmp(self, op: str, value: str) -> Pred:
        return False

    def date_cmp(self, op: str, value: datetime) -> Pred:
        return False

    def regex(self, rx: Regex) -> Pred:
        return False

    def substring(self, value: str) -> Pred:
        return False

    def is_tag(self, name: str) -> Pred:
        return False

    def is_nonfinite(self) -> Pred:
        """Whether an object is the stored form of NaN or an infinity (a number, not a document)."""
        return _or(*(self.is_tag(name) for name in ("NaN", "Infinity", "-Infinity")))

    def array_len(self, n: int) -> Pred:
        return False

    def array_eq(self, value: list[Any]) -> Pred:
        return False

    def object_eq(self, value: dict[str, Any]) -> Pred:
        return False

    def any_element(self, fn: Callable[[_Node], Pred]) -> Pred:
        return False

    def contains_eq(self, value: Any) -> Pred | None:
        """An index-friendly equivalent of _eq(self, value), where the node has one."""
        return None


Spec = Callable[[_Node], tuple[dict[str, Pred], Pred]]  # per-type predicates and what holds when missing


def _by_type(typeof: ColumnElement[Any], absent: ColumnElement[bool], branches: dict[str, Pred], missing: Pred) -> Pred:
    """CASE over a JSON type name (`absent`: no value), folded to a test of the type where it can be."""
    if all(p is True or p is False for p in branches.values()):
        chosen = [t for t, p in branches.items() if p is True]
        present: Pred = (False if not chosen else typeof.is_not(None) if len(chosen) == len(branches)
                         else typeof == chosen[0] if len(chosen) == 1 else typeof.in_(chosen))
        if missing is True or missing is False:
            return _or(present, absent) if missing is True else present
        return _or(present, _and(absent, missing))
    if missing is True or missing is False:
        whens = {t: _sql(p) for t, p in branches.items() if p is not False or missing is not False}
        return sa.case(whens, value=typeof, else_=_sql(missing))
    whens = {t: _sql(p) for t, p in branches.items() if p is not False}
    return sa.case(whens, value=typeof, else_=_sql(_and(absent, missing)))  # types left out are false


class _Column(_Node):
    """A plain column holding one kind of scalar; NULL means the field is missing."""

    def __init__(self, column: Expr, kind: str, dialect: str, field: str) -> None:
        self.column = column
        self.kind = kind
        self.dialect = dialect
        self.field = field

    def dispatch(self, table: dict[str, Pred], missing: Pred) -> Pred:
        parts: list[Pred] = []
        if missing is not False:
            parts.append(_and(self.column.is_(None), missing))
        present = table.get(self.kind, False)
        if present is True:
            parts.append(self.column.is_not(None))
        elif present is not False:
            parts.append(present)  # NULL when the column is: no match
        return _or(*parts)

    def coerce(self, value: Any) -> Any:
        if self.kind == "date" and isinstance(value, str):
            return _parse_time(value, self.field)
        if isinstance(value, datetime):
            return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
        return value

    def _text(self) -> Expr:
        return sa.collate(self.column, "C") if self.dialect == "postgresql" else self.column

    def num_cmp(self, op: str, value: int | float) -> Pred:
        if self.kind != "number":
            return False
        if self.dialect == "sqlite":
            value = _sqlite_number(value)
        return self.column.op(_SQL_OPS[op], is_comparison=True)(sa.literal(value))

    def str_cmp(self, op: str, value: str) -> Pred:
        if self.kind != "string":
            return False
        if op == "$eq":
            return self.column == value
        return self._text().op(_SQL_OPS[op], is_comparison=True)(sa.literal(value, sa.String))

    def date_cmp(self, op: str, value: datetime) -> Pred:
        if self.kind != "date":
            return False
        return self.column.op(_SQL_OPS[op], is_comparison=True)(sa.literal(value, UTCDateTime()))  # every time field is one

    def regex(self, rx: Regex) -> Pred:
        if self.kind != "string":
            return False
        return _regex_sql(self.column, rx, self.dialect)

    def substring(self, value: str) -> Pred:
        if self.kind != "string":
            return False
        return _substring_sql(self.column, value, self.dialect)


def _regex_sql(text: Expr, rx: Regex, dialect: str) -> Pred:
    if rx.never:
        return False
    if dialect == "postgresql":
        return text.op("~", is_comparison=True)(sa.literal(rx.pg, sa.Text))
    return sa.func.runbase_regexp(sa.literal(rx.key, sa.Text), text, type_=sa.Boolean)


def _substring_sql(text: Expr, value: str, dialect: str) -> Pred:
    if dialect == "postgresql":
        return sa.func.strpos(text, sa.literal(value, sa.Text)) > 0
    return sa.func.instr(text, sa.literal(value, sa.Text)) > 0


def _array_index(key: str) -> int | None:
    """The array position a path component also names (MongoDB: ASCII digits without a leading zero)."""
    if key.isascii() and key.isdigit() and len(key) <= 9 and str(int(key)) == key:
        return int(key)
    return None


class _Path(_Node):
    """A value inside a JSON document; `root`/`keys` say where, when it is reached from the document by
    keys (element nodes have no root). A dotted path follows objects; when the value there is missing
    because an array stands halfway, `test` traverses the array as MongoDB does (_fan_out)."""

    dialect: str
    root: Expr | None
    keys: tuple[str, ...]

    def child(self, key: str) -> _Path:
        raise NotImplementedError

    def elements(self) -> tuple[sa.FromClause, _Path, ColumnElement[Any]]:
        """The rows of this array value: the row source, its element, its position (from 0)."""
        raise NotImplementedError

    def wrapped(self) -> _Path:
        """This value if it is an array, else a one-element array holding it (null when missing)."""
        raise NotImplementedError

    def pick(self, cond: ColumnElement[bool], other: _Path) -> _Path:
        """This value where `cond` holds, else `other`'s."""
        raise NotImplementedError

    def selector(self) -> tuple[sa.FromClause, ColumnElement[Any]]:
        """A two-row source (0 and 1) and its column: both ways of reading one path component."""
        raise NotImplementedError

    def test(self, spec: Spec) -> Pred:
        table, missing = spec(self)
        if self.root is not None and len(self.keys) > 1:
            missing = self._through_arrays(spec, missing)
        return self.dispatch(table, missing)

    def _through_arrays(self, spec: Spec, missing: Pred) -> Pred:
        """What holds where the value is missing: if an array stands on the way (the keys after it find
        nothing by object lookup), the values MongoDB reaches through it decide; else `missing`."""
        assert self.root is not None
        found = _fan_out(_json_node(self.root, [], self.dialect), self.keys, spec)
        if missing is False and found is False:
            return False
        on_the_way = _or(*(_json_node(self.root, list(self.keys[:depth]), self.dialect).dispatch({"array": True}, False)
                           for depth in range(1, len(self.keys))))
        return sa.case((_sql(on_the_way), _sql(found)), else_=_sql(missing))


def _fan_out(start: _Path, keys: tuple[str, ...], spec: Spec) -> Pred:
    """Whether a value that `keys` reach from `start` passes `spec`, as MongoDB 8 reads a dotted path: an
    object goes on with the key's value (missing where the key is absent), a scalar is missing, and an
    array fans out: its elements that are documents go on with the key (nested arrays and stored NaN or
    infinities don't), and a numeric key also picks the element at that position, which goes on with
    the next key if it is an array or a document (an array at the end of the path is matched whole).

    Per key, one row source reads the value before it, as its elements or (not an array) as a
    one-element array holding it; a numeric key adds a selector for its two readings. The SQL grows
    linearly with the path."""
    sources: list[sa.FromClause] = []
    where: list[Pred] = []
    value = start
    for depth, key in enumerate(keys):
        wrapped = value.dispatch(_NOT_ARRAY, True)  # the rows hold the value itself, not its elements
        rows, element, position = value.wrapped().elements()
        sources.append(rows)
        index = _array_index(key)
        document = _not(element.is_nonfinite())
        by_key = _or(wrapped, element.dispatch({"object": document}, False))
        by_index = False if index is None else _and(_not(wrapped), position == index)
        field = element.child(key)
        if depth == len(keys) - 1:
            where.append(_or(_and(by_key, field.test(spec)), _and(by_index, element.indexed().test(spec))))
            break
        if by_index is not False:  # a scalar reached by index ends the path (one reached by key is missing)
            by_index = _and(by_index, element.dispatch({"array": True, "object": document}, False))
        if by_index is False:
            value = field
            where.append(by_key)
        else:
            choice, picked = value.selector()
            sources.append(choice)
            value = element.pick(picked == 1, field)
            where.append(sa.case((picked == 1, _sql(by_index)), else_=_sql(by_key)))
    found = _and(*where)
    if found is False:
        return False
    joined = sources[0]
    for source in sources[1:]:
        joined = joined.join(source, sa.true())  # each function reads the sources before it
    return sa.exists(sa.select(sa.literal(1)).select_from(joined).where(_sql(found)))


_SQLITE_TYPES = (("integer", "number"), ("real", "number"), ("text", "string"), ("true", "true"),
                 ("false", "false"), ("null", "null"), ("array", "array"), ("object", "object"))


class _SqliteJson(_Path):
    """A value inside a JSON document on SQLite, found by a JSON path into `doc`.

    SQLite 3.40 matches a path's key against the key's raw text in the document, so a key
    written with escapes (json.dumps writes "é" as "\u00e9"; orjson writes it as is) has two
    spellings: `raw` and `escaped` are the path both ways, and where they differ the one the
    document uses is picked. Element nodes (from json_each over an array) carry its row's
    type and atom instead."""

    dialect = "sqlite"

    def __init__(self, doc: Expr, raw: str, escaped: str, *,
                 type_: ColumnElement[Any] | None = None, atom: ColumnElement[Any] | None = None,
                 root: Expr | None = None, keys: tuple[str, ...] = ()) -> None:
        self.doc = doc
        self.raw = raw
        self.escaped = escaped
        self.root = root
        self.keys = keys
        if type_ is not None:
            self.type_ = type_
        if atom is not None:
            self.atom = atom

    # Built when first asked for: a fan-out makes many nodes whose expressions go unused.
    @cached_property
    def path(self) -> ColumnElement[Any]:
        raw = sa.literal(self.raw, sa.Text)
        if self.raw == self.escaped:
            return raw
        return sa.case((sa.func.json_type(self.doc, raw).is_not(None), raw), else_=sa.literal(self.escaped, sa.Text))

    @cached_property
    def type_(self) -> ColumnElement[Any]:
        return sa.func.json_type(self.doc, self.path, type_=sa.Text)

    @cached_property
    def atom(self) -> ColumnElement[Any]:
        return sa.func.json_extract(self.doc, self.path)

    def child(self, key: str) -> _SqliteJson:
        if '"' in key:
            raise UserError(f"key {key!r}: keys containing a double quote can't be filtered on with SQLite")
        raw = json.dumps(key, ensure_ascii=False)[1:-1]
        escaped = json.dumps(key)[1:-1]
        return _SqliteJson(self.doc, f'{self.raw}."{raw}"', f'{self.escaped}."{escaped}"',
                           root=self.root, keys=self.keys + (key,))

    def index(self, i: int) -> _SqliteJson:
        return _SqliteJson(self.doc, f"{self.raw}[{i}]", f"{self.escaped}[{i}]")

    def dispatch(self, table: dict[str, Pred], missing: Pred) -> Pred:
        branches = {sql_type: table.get(kind, False) for sql_type, kind in _SQLITE_TYPES}
        return _by_type(self.type_, self.type_.is_(None), branches, missing)

    def _container(self) -> ColumnElement[Any]:
        """The value's JSON text where it is an array or object (json_each and json() take nothing else)."""
        return _container(self.type_, sa.func.json_extract(self.doc, self.path))

    def elements(self) -> tuple[sa.FromClause, _SqliteJson, ColumnElement[Any]]:
        each = sa.func.json_each(self.doc, self.path).table_valued("key", "type", "atom", "value").alias()
        return each, _SqliteJson(_container(each.c.type, each.c.value), "$", "$",
                                 type_=each.c.type, atom=each.c.atom), each.c.key

    def wrapped(self) -> _SqliteJson:
        container = self._container()  # NULL for a scalar, and json_array(NULL) is [null]: fine for one
        return _SqliteJson(sa.case((self.type_ == "array", container),
                                   else_=sa.func.json_array(sa.func.json(container))), "$", "$")

    def pick(self, cond: ColumnElement[bool], other: _Path) -> _SqliteJson:
        assert isinstance(other, _SqliteJson)
        return _SqliteJson(sa.case((cond, self._container()), else_=other._container()), "$", "$",
                           type_=sa.case((cond, self.type_), else_=other.type_),
                           atom=sa.case((cond, self.atom), else_=other.atom))

    def selector(self) -> tuple[sa.FromClause, ColumnElement[Any]]:
        pair = sa.func.json_each(sa.literal("[0,1]", sa.Text)).table_valued("key").alias()
        return pair, pair.c.key

    def num_cmp(self, op: str, value: int | float) -> Pred:
        return self.atom.op(_SQL_OPS[op], is_comparison=True)(sa.literal(_sqlite_number(value)))

    def str_cmp(self, op: str, value: str) -> Pred:
        return self.atom.op(_SQL_OPS[op], is_comparison=True)(sa.literal(value, sa.Text))

    def regex(self, rx: Regex) -> Pred:
        return _regex_sql(self.atom, rx, "sqlite")

    def substring(self, value: str) -> Pred:
        return _substring_sql(self.atom, value, "sqlite")

    def is_tag(self, name: str) -> ColumnElement[bool]:
        return self.child(NONFINITE_TAG).atom == sa.literal(name, sa.Text)

    def array_len(self, n: int) -> Pred:
        return sa.func.json_array_length(self.doc, self.path) == n

    def _key_count(self) -> ColumnElement[Any]:
        each = sa.func.json_each(self.doc, self.path).table_valued("key").alias()
        return sa.select(sa.func.count()).select_from(each).scalar_subquery()

    # Equality with an array or object is one flat conjunction of checks by path (nesting the
    # checks instead would overflow SQLite's parser on deep values).
    def _flat_eq(self, value: Any, terms: list[Pred]) -> None:
        if value is None or isinstance(value, bool):
            terms.append(self.type_ == ("null" if value is None else "true" if value else "false"))
        elif _is_number(value):
            if math.isinf(value):
                terms += [self.type_ == "object", self.is_tag("Infinity" if value > 0 else "-Infinity")]
            else:
                terms += [self.type_.in_(["integer", "real"]), self.num_cmp("$eq", value)]
        elif isinstance(value, str):
            terms += [self.type_ == "text", self.str_cmp("$eq", value)]
        elif isinstance(value, list):
            terms += [self.type_ == "array", self.array_len(len(value))]
            for i, item in enumerate(value):
                self.index(i)._flat_eq(item, terms)
        else:
            terms += [self.type_ == "object", self._key_count() == len(value)]
            for key, item in value.items():
                self.child(key)._flat_eq(item, terms)

    def array_eq(self, value: list[Any]) -> Pred:
        terms: list[Pred] = []
        self._flat_eq(value, terms)
        return _and(*terms[1:])  # the type is known in the array branch

    def object_eq(self, value: dict[str, Any]) -> Pred:
        terms: list[Pred] = []
        self._flat_eq(value, terms)
        return _and(*terms[1:])

    def any_element(self, fn: Callable[[_Node], Pred]) -> Pred:
        each, element, _ = self.elements()
        pred = fn(element)
        if pred is False:
            return False
        query = sa.select(sa.literal(1)).select_from(each)
        return sa.exists(query if pred is True else query.where(_sql(pred)))


def _container(type_: ColumnElement[Any], value: ColumnElement[Any]) -> ColumnElement[Any]:
    """json_each's `value` is JSON text only for arrays and objects: never hand a bare scalar to json_*()."""
    return sa.case((type_.in_(["array", "object"]), value))


def _jsonb(value: Any) -> ColumnElement[Any]:
    return sa.literal(_encode(value), JSONB)


class _PgJson(_Path):
    """A value inside a JSONB document."""

    dialect = "postgresql"

    def __init__(self, x: Expr, root: Expr | None = None, keys: tuple[str, ...] = ()) -> None:
        self.x = x
        self.root = root
        self.keys = keys

    def child(self, key: str) -> _PgJson:
        return _PgJson(self.x.op("->", return_type=JSONB)(sa.literal(key, sa.Text)), self.root, self.keys + (key,))

    def dispatch(self, table: dict[str, Pred], missing: Pred) -> Pred:
        pt, pf = table.get("true", False), table.get("false", False)
        if pt is pf:
            boolean = pt
        elif pt is True and pf is False:
            boolean = self.x == _jsonb(True)
        elif pt is False and pf is True:
            boolean = self.x == _jsonb(False)
        else:
            boolean = sa.case((self.x == _jsonb(True), _sql(pt)), else_=_sql(pf))
        branches = {"number": table.get("number", False), "string": table.get("string", False),
                    "boolean": boolean, "null": table.get("null", False), "array": table.get("array", False),
                    "object": table.get("object", False)}
        return _by_type(sa.func.jsonb_typeof(self.x, type_=sa.Text), self.x.is_(None), branches, missing)

    def elements(self) -> tuple[sa.FromClause, _PgJson, ColumnElement[Any]]:
        each = (sa.func.jsonb_array_elements(self.x)
                .table_valued(sa.column("value", JSONB), with_ordinality="ordinality").alias())
        return each, _PgJson(each.c.value), each.c.ordinality - 1

    def wrapped(self) -> _PgJson:
        return _PgJson(sa.case((sa.func.jsonb_typeof(self.x) == "array", self.x),
                               else_=sa.func.jsonb_build_array(self.x, type_=JSONB)))

    def pick(self, cond: ColumnElement[bool], other: _Path) -> _PgJson:
        assert isinstance(other, _PgJson)
        return _PgJson(sa.case((cond, self.x), else_=other.x))

    def selector(self) -> tuple[sa.FromClause, ColumnElement[Any]]:
        pair = sa.func.generate_series(0, 1).table_valued("pick").render_derived()
        return pair, pair.c.pick

    def _text(self) -> ColumnElement[Any]:
        return self.x.op("#>>", return_type=sa.Text)(sa.literal_column("'{}'"))

    def num_cmp(self, op: str, value: int | float) -> Pred:
        return self.x.op(_SQL_OPS[op], is_comparison=True)(_jsonb(value))

    def str_cmp(self, op: str, value: str) -> Pred:
        if op == "$eq":
            return self.x == _jsonb(value)
        return sa.collate(self._text(), "C").op(_SQL_OPS[op], is_comparison=True)(sa.literal(value, sa.Text))

    def regex(self, rx: Regex) -> Pred:
        return _regex_sql(self._text(), rx, "postgresql")

    def substring(self, value: str) -> Pred:
        return _substring_sql(self._text(), value, "postgresql")

    def is_tag(self, name: str) -> ColumnElement[bool]:
        return self.x == sa.literal({NONFINITE_TAG: name}, JSONB)

    def array_len(self, n: int) -> Pred:
        return sa.func.jsonb_array_length(self.x) == n

    def array_eq(self, value: list[Any]) -> Pred:
        return self.x == _jsonb(value)

    def object_eq(self, value: dict[str, Any]) -> Pred:
        return self.x == _jsonb(value)

    def any_element(self, fn: Callable[[_Node], Pred]) -> Pred:
        elements = sa.func.jsonb_array_elements(self.x).table_valued(sa.column("value", JSONB)).alias()
        pred = fn(_PgJson(elements.c.value))
        if pred is False:
            return False
        query = sa.select(sa.literal(1)).select_from(elements)
        return sa.exists(query if pred is True else query.where(_sql(pred)))

    def contains_eq(self, value: Any) -> Pred | None:
        # `doc @> {"k": v}` or `doc @> {"k": [v]}` is exactly "doc.k equals v or is an array
        # holding v" for a scalar v, and lets a GIN (jsonb_path_ops) index find the runs.
        if self.root is None or value is None or _has_nan(value):
            return None
        if len(self.keys) > 1:
            return self._path_match(value)

        def nest(leaf: Any) -> Any:
            for key in reversed(self.keys):
                leaf = {key: leaf}
            return leaf

        contains = self.root.op("@>", is_comparison=True)
        found = _or(contains(_jsonb(nest(value))), contains(_jsonb(nest([value]))))
        if isinstance(value, (list, dict)) or (isinstance(value, float) and math.isinf(value)):
            return None if found is False else _and(found, _generic_eq(self, value))  # containment only narrows
        return found

    def _path_match(self, value: Any) -> Pred | None:
        """`doc @@ '$."a"."b" == v'` for a dotted path and a finite scalar v, which a GIN index answers too.
        jsonpath's lax mode reads the path as MongoDB does when no key after the first is a number (an
        index): it goes on into the documents of an array met halfway but not into nested arrays, skips
        scalars, and compares an array at the end by its elements."""
        if (self.root is None or not isinstance(value, (str, int, float))
                or (isinstance(value, float) and math.isinf(value))
                or any(_array_index(key) is not None for key in self.keys[1:])):
            return None
        path = "$" + "".join("." + json.dumps(key, ensure_ascii=False) for key in self.keys)
        query = f"{path} == {json.dumps(value, ensure_ascii=False)}"  # JSON's literals are jsonpath's
        return self.root.op("@@", is_comparison=True)(sa.literal(query, JSONPATH))


# ------------------------------------------------------------------ Mongo semantics over nodes

def _strict_eq_table(node: _Node, value: Any) -> dict[str, Pred]:
    """Per-type predicates for "the value equals `value`" (no array-element matching)."""
    if _has_nan(value):
        return {}
    if value is None:
        return {"null": True}
    if value is True:
        return {"true": True}
    if value is False:
        return {"false": True}
    if _is_number(value):
        if math.isinf(value):
            return {"object": node.is_tag("Infinity" if value > 0 else "-Infinity")}
        return {"number": node.num_cmp("$eq", value)}
    if isinstance(value, str):
        return {"string": node.str_cmp("$eq", value)}
    if isinstance(value, datetime):
        return {"date": node.date_cmp("$eq", value)}
    if isinstance(value, list):
        return {"array": node.array_eq(value)}
    if isinstance(value, dict):
        return {"object": node.object_eq(value)}
    raise UserError(f"unsupported value {value!r}")


def _strict_eq(node: _Node, value: Any) -> Pred:
    return node.dispatch(_strict_eq_table(node, value), False)


def _generic_eq(node: _Node, value: Any) -> Pred:
    def spec(n: _Node) -> tuple[dict[str, Pred], Pred]:
        table = _strict_eq_table(n, value)
        table["array"] = _or(table.get("array", False), n.leaf_elements(lambda e: _strict_eq(e, value)))
        return table, value is None

    return node.test(spec)


def _eq(node: _Node, value: Any) -> Pred:
    value = node.coerce(value)
    fast = node.contains_eq(value)
    return _generic_eq(node, value) if fast is None else fast


def _compare_table(node: _Node, op: str, value: Any) -> dict[str, Pred]:
    fn = COMPARISONS[op]
    if value is None:
        return {"null": True} if op in ("$gte", "$lte") else {}
    if isinstance(value, bool):
        return {kind: True for kind, b in (("true", True), ("false", False)) if fn(b, value)}
    if _is_number(value):
        if value != value:
            return {}
        table: dict[str, Pred] = {}
        if math.isinf(value):
            if fn(0.0, value):  # every finite number is on the same side of an infinity
                table["number"] = True
        else:
            table["number"] = node.num_cmp(op, value)
        tags = [node.is_tag(name) for name, inf in (("Infinity", math.inf), ("-Infinity", -math.inf))
                if fn(inf, value)]
        if tags:
            table["object"] = _or(*tags)
        return table
    if isinstance(value, str):
        return {"string": node.str_cmp(op, value)}
    if isinstance(value, datetime):
        return {"date": node.date_cmp(op, value)}
    raise AssertionError(value)


def _compare(node: _Node, op: str, value: Any) -> Pred:
    value = node.coerce(value)

    def spec(n: _Node) -> tuple[dict[str, Pred], Pred]:
        table = _compare_table(n, op, value)
        if table:
            table["array"] = n.leaf_elements(lambda e: e.dispatch(_compare_table(e, op, value), False))
        return table, False

    return node.test(spec)


def _regex(node: _Node, rx: Regex) -> Pred:
    return node.test(lambda n: ({"string": n.regex(rx),
                                 "array": n.leaf_elements(lambda e: e.dispatch({"string": e.regex(rx)}, False))},
                                False))


def _contains(node: _Node, value: Any) -> Pred:
    def spec(n: _Node) -> tuple[dict[str, Pred], Pred]:  # an operator on the value: arrays by index too
        table: dict[str, Pred] = {"array": n.any_element(lambda e: _strict_eq(e, value))}
        if isinstance(value, str):
            table["string"] = n.substring(value)
        return table, False

    return node.test(spec)


def _exists(node: _Node) -> Pred:
    return node.test(lambda n: (dict.fromkeys(_TYPES, True), False))


# ------------------------------------------------------------------ fields

class _Rows(_Node):
    """A list held as rows of another table (a version's aliases): an array, never missing, whose
    elements are the values of `column` in the rows `where` selects (correlated to the outer row)."""

    def __init__(self, column: Expr, where: tuple[ColumnElement[bool], ...], dialect: str,
                 field: str) -> None:
        self.column = column
        self.where = where
        self.dialect = dialect
        self.field = field

    def dispatch(self, table: dict[str, Pred], missing: Pred) -> Pred:
        return table.get("array", False)

    def _rows(self) -> sa.Select[Any]:
        return sa.select(sa.literal(1)).where(*self.where)

    def array_len(self, n: int) -> Pred:
        return self._rows().with_only_columns(sa.func.count()).scalar_subquery() == n

    def array_eq(self, value: list[Any]) -> Pred:
        # The rows have no order: an equal list holds the same distinct strings.
        if len(set(map(repr, value))) != len(value) or not all(isinstance(v, str) for v in value):
            return False
        return _and(self.array_len(len(value)), *(sa.exists(self._rows().where(self.column == v)) for v in value))

    def any_element(self, fn: Callable[[_Node], Pred]) -> Pred:
        pred = fn(_Column(self.column, "string", self.dialect, self.field))
        if pred is False:
            return False
        return sa.exists(self._rows() if pred is True else self._rows().where(_sql(pred)))


NodeMaker = Callable[[str], _Node]  # dialect -> node


class _Fields:
    """The fields one kind of row is filtered on: plain columns by kind, JSON documents reached by
    `head.KEY...` (`head` alone is the whole document), and other nodes made per query."""

    def __init__(self, strings: Mapping[str, Expr], times: Mapping[str, Expr], *,
                 documents: Mapping[str, Expr], nodes: dict[str, NodeMaker], listed: tuple[str, ...]) -> None:
        self.strings = strings
        self.times = times
        self.documents = documents
        self.nodes = nodes
        self.listed = listed

    def node(self, field: str, dialect: str) -> _Node:
        if field in self.strings:
            return _Column(self.strings[field], "string", dialect, field)
        if field in self.times:
            return _Column(self.times[field], "date", dialect, field)
        if field in self.nodes:
            return self.nodes[field](dialect)
        head = field.split(".", 1)[0]
        if head in self.documents:
            return _json_node(self.documents[head], _json_keys(field, head), dialect)
        raise UserError(f"unknown field {field!r}; filter on {', '.join(self.listed)}")


_STRING_COLUMNS = {
    "name": Run.name, "id": Run.name,
    "displayName": Run.display_name, "display_name": Run.display_name,
    "state": Run.state, "group": Run.group_name, "jobType": Run.job_type, "job_type": Run.job_type,
    "host": Run.host, "username": User.username,
    "entity": (sa.select(Entity.name).join(Project, Project.entity_id == Entity.id)
               .where(Project.id == Run.project_id).scalar_subquery()),
    "sweep": sa.select(Sweep.name).where(Sweep.id == Run.sweep_id).scalar_subquery(),
}
_TIME_COLUMNS = {"createdAt": Run.created_at, "created_at": Run.created_at,
                 "heartbeatAt": Run.heartbeat_at, "heartbeat_at": Run.heartbeat_at}
_DOCUMENTS = {"config": Run.config, "summary_metrics": Run.summary, "summaryMetrics": Run.summary}


def _duration(dialect: str) -> ColumnElement[Any]:
    end = sa.func.coalesce(Run.finished_at, Run.heartbeat_at)
    if dialect == "postgresql":
        return sa.cast(sa.extract("epoch", end - Run.created_at), sa.Float)
    # SQLite stores 'YYYY-MM-DD HH:MM:SS.ffffff': whole seconds via strftime, microseconds by hand.
    def micros(column: Expr) -> ColumnElement[Any]:
        return (sa.cast(sa.func.strftime("%s", column), sa.Integer) * 1000000
                + sa.cast(sa.func.substr(column, 21, 6), sa.Integer))
    return (micros(end) - micros(Run.created_at)) / sa.literal(1000000.0)


def _json_keys(field: str, head: str) -> list[str]:
    keys = field[len(head) + 1:].split(".") if field != head else []
    if any(k == "" for k in keys):
        raise UserError(f"field {field!r} has an empty key")
    if len(keys) > MAX_DEPTH:  # each key may fan out over an array: a join per key (SQLite takes 64)
        raise UserError(f"field {field[:100]!r} has more than {MAX_DEPTH} keys")
    if head == "config" and len(keys) >= 2 and keys[-1] == "value":
        keys.pop()  # W&B writes config.lr.value for config.lr
    return keys


def _json_node(column: Expr, keys: list[str], dialect: str) -> _Path:
    node: _Path = _PgJson(column, column, ()) if dialect == "postgresql" else _SqliteJson(column, "$", "$", root=column)
    for key in keys:
        node = node.child(key)
    return node


def _list(column: Expr) -> NodeMaker:
    """A JSON list column (tags): `{"tag": "x"}` matches a row whose list holds "x"."""
    return lambda dialect: _json_node(column, [], dialect)


RUN_FIELDS = _Fields(
    _STRING_COLUMNS, _TIME_COLUMNS, documents=_DOCUMENTS,
    nodes={"duration": lambda dialect: _Column(_duration(dialect), "number", dialect, "duration"),
     "tags": _list(Run.tags)},
    listed=(*_STRING_COLUMNS, *_TIME_COLUMNS, "duration", "tags", "config.KEY", "config.KEY.value",
     "summary_metrics.KEY"))
_REGISTRY_NAME = sa.func.substr(Project.name, len(REGISTRY_PREFIX) + 1)  # without the prefix
REGISTRY_FIELDS = _Fields(
    {"name": _REGISTRY_NAME, "description": Project.description},
    {"created_at": Project.created_at, "createdAt": Project.created_at,
     "updated_at": Registry.updated_at, "updatedAt": Registry.updated_at},
    documents={}, nodes={}, listed=("name", "description", "created_at", "updated_at"))
COLLECTION_FIELDS = _Fields(
    {"name": ArtifactCollection.name, "description": ArtifactCollection.description},
    {"created_at": ArtifactCollection.created_at, "createdAt": ArtifactCollection.created_at,
     "updated_at": ArtifactCollection.updated_at, "updatedAt": ArtifactCollection.updated_at},
    documents={}, nodes={"tag": _list(ArtifactCollection.tags), "tags": _list(ArtifactCollection.tags)},
    listed=("name", "description", "tag", "created_at", "updated_at"))
_VERSION_TIMES = {"created_at": Artifact.created_at, "createdAt": Artifact.created_at,
                  "updated_at": Artifact.updated_at, "updatedAt": Artifact.updated_at}
_VERSION_LISTED = ("tag", "alias", "version", "state", "created_at", "updated_at", "metadata.KEY")


def _version_fields(collection_id: Expr | int | None, alias: str | None) -> _Fields:
    """A version's fields as seen through a collection (its sequence when `collection_id` is None);
    `alias` fixes the alias an event is about. The subqueries use their own aliases of the tables, so
    they correlate to the outer query's Artifact (and collection_id column) only."""
    through = Artifact.collection_id if collection_id is None else collection_id
    place = aliased(ArtifactMembership)
    index = (sa.select(place.version_index)
             .where(place.artifact_id == Artifact.id, place.collection_id == through).scalar_subquery())

    def aliases(dialect: str) -> _Node:
        if alias is not None:
            return _Column(sa.literal(alias, sa.String), "string", dialect, "alias")
        held = aliased(ArtifactAlias)
        return _Rows(held.alias, (held.artifact_id == Artifact.id, held.collection_id == through), dialect, "alias")

    return _Fields({"version": sa.literal("v", sa.String) + sa.cast(index, sa.String), "state": Artifact.state},
                   _VERSION_TIMES,
                   documents={"metadata": Artifact.meta},
                   nodes={"tag": _list(Artifact.tags), "tags": _list(Artifact.tags), "alias": aliases,
                          "aliases": aliases},
                   listed=_VERSION_LISTED)


# ------------------------------------------------------------------ query documents

def _check_size(filters: Any) -> None:
    """Refuse huge or deep filters before looking at them: cost is bounded by the limits, not the input."""
    count = 0
    stack: list[tuple[Any, int, int]] = [(filters, 1, 1)]
    while stack:
        value, depth, nesting = stack.pop()
        items: Iterable[Any]
        if isinstance(value, dict):
            if depth > MAX_DEPTH:
                raise UserError(f"filter is nested too deeply (more than {MAX_DEPTH} levels)")
            items = value.values()
        elif isinstance(value, list):
            items = value
        else:
            continue
        if nesting > 2 * MAX_DEPTH:
            raise UserError(f"filter is nested too deeply (more than {MAX_DEPTH} levels)")
        count += len(value)
        if count > MAX_CLAUSES:
            raise UserError(f"filter has too many clauses (more than {MAX_CLAUSES})")
        for item in items:
            stack.append((item, depth + isinstance(item, dict), nesting + 1))


def _document(query: Any, fields: _Fields, dialect: str, where: str = "filter") -> Pred:
    if not isinstance(query, dict):
        raise UserError(f"{where} must be an object, not {query!r}")
    preds = []
    for key, value in query.items():
        if key in ("$and", "$or", "$nor"):
            if not isinstance(value, list) or not value:
                raise UserError(f"{key} needs a non-empty list of filter objects")
            parts = [_document(item, fields, dialect, f"each item of {key}") for item in value]
            preds.append(_and(*parts) if key == "$and" else _or(*parts) if key == "$or" else _not(_or(*parts)))
        elif isinstance(key, str) and key.startswith("$"):
            raise UserError(f"unknown top-level operator {key}; use $and, $or or $nor, or a field name")
        elif not isinstance(key, str):
            raise UserError(f"field names must be strings, not {key!r}")
        else:
            preds.append(_condition(fields.node(key, dialect), key, value, dialect))
    return _and(*preds)


def _is_operator_document(value: Any) -> bool:
    return isinstance(value, dict) and any(isinstance(k, str) and k.startswith("$") for k in value)


def _condition(node: _Node, field: str, cond: Any, dialect: str) -> Pred:
    if not _is_operator_document(cond):
        _check_literal(cond, field)
        return _eq(node, cond)
    if not all(isinstance(k, str) and k.startswith("$") for k in cond):
        raise UserError(f"{field}: can't mix operators and plain keys in {sorted(map(str, cond))}")
    if "$options" in cond and "$regex" not in cond:
        raise UserError(f"{field}: $options needs $regex beside it")
    return _and(*(_operator(node, field, op, value, cond=cond, dialect=dialect)
                  for op, value in cond.items() if op != "$options"))


def _list_operand(field: str, op: str, value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise UserError(f"{field}: {op} needs a list, not {value!r}")
    for item in value:
        if _is_operator_document(item):
            raise UserError(f"{field}: {op} takes values, not operator documents like {item!r}")
        _check_literal(item, f"{field} {op}")
    return value


def _operator(node: _Node, field: str, op: str, value: Any, *, cond: dict[str, Any], dialect: str) -> Pred:
    where = f"{field} {op}"
    if op in ("$eq", "$ne"):
        if _is_operator_document(value):
            raise UserError(f"{where} takes a value, not an operator document like {value!r}")
        _check_literal(value, where)
        pred = _eq(node, value)
        return pred if op == "$eq" else _not(pred)
    if op in COMPARISONS:
        if isinstance(value, dict):
            raise UserError(f"{where} needs a number, string, boolean or null to compare with, not an object "
                            f"(operator documents can't be values): {value!r}")
        if isinstance(value, list) or not (value is None or isinstance(value, (bool, int, float, str, datetime))):
            raise UserError(f"{where} needs a number, string, boolean or null to compare with, not {value!r}")
        _check_number(value, where)
        return _compare(node, op, value)
    if op in ("$in", "$nin"):
        pred = _or(*(_eq(node, item) for item in _list_operand(field, op, value)))
        return pred if op == "$in" else _not(pred)
    if op == "$all":
        items = _list_operand(field, op, value)
        return False if not items else _and(*(_eq(node, item) for item in items))
    if op == "$exists":
        if not (isinstance(value, bool) or (isinstance(value, int) and value in (0, 1))):
            raise UserError(f"{where} needs true or false, not {value!r}")
        return _exists(node) if value else _not(_exists(node))
    if op == "$regex":
        options = cond.get("$options", "")
        if not isinstance(value, str):
            raise UserError(f"{where} needs a pattern string, not {value!r}")
        if not isinstance(options, str) or set(options) - {"i"}:
            raise UserError(f"{field} $options: only 'i' (case-insensitive) is supported, not {options!r}")
        return _regex(node, compile_regex(value, "i" in options, field))
    if op == "$not":
        if not _is_operator_document(value):
            raise UserError(f"{where} needs an operator document such as {{\"$regex\": \"...\"}}, not {value!r}")
        return _not(_condition(node, field, value, dialect))
    if op == "$contains":
        if _is_operator_document(value):
            raise UserError(f"{where} takes a value, not an operator document like {value!r}")
        _check_literal(value, where)
        return _contains(node, value)
    if op == "$size":
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**63:
            raise UserError(f"{where} needs a non-negative integer below 2^63, not {str(value)[:40]}")
        return node.test(lambda n: ({"array": n.array_len(value)}, False))
    raise UserError(f"{field}: unknown operator {op}; supported: {', '.join(OPERATORS)}")


def _check_dialect(dialect: str) -> None:
    if dialect not in ("sqlite", "postgresql"):
        raise ValueError(f"unsupported dialect {dialect!r}")


def _translate(filters: dict[str, Any] | None, fields: _Fields, dialect: str) -> ColumnElement[bool]:
    _check_dialect(dialect)
    if filters is None:
        return sa.true()
    if not isinstance(filters, dict):
        raise UserError(f"filters must be a JSON object, not {type(filters).__name__}")
    _check_size(filters)
    pred = _document(filters, fields, dialect)
    if dialect == "sqlite" and _nesting(pred) > MAX_SQLITE_NESTING:
        raise UserError(f"filter alternates $and/$or/$nor (or negations of them) more than {MAX_SQLITE_NESTING} "
                        "levels deep, more than SQLite can parse")
    return _sql(pred)


def run_filter(filters: dict[str, Any] | None, dialect: str, project_id: int | None = None) -> ColumnElement[bool]:
    """A WHERE clause over Run (and User, outer-joined, for `username`) for a MongoDB query document. Given
    a project, it keeps to the project's runs and names those an index can find (_candidates), so that the
    exact predicate reads the JSON of those only."""
    exact = _translate(filters, RUN_FIELDS, dialect)
    if project_id is None:
        return exact
    found = None if filters is None else _candidates(filters, project_id)
    if found is None:
        return sa.and_(Run.project_id == project_id, exact)
    # The candidates drive the search: `+ 0` keeps the project's own index out of the plan, which SQLite
    # (without statistics, as a server's database is) would pick, reading every run's row of the project.
    return sa.and_(Run.id.in_(found), Run.project_id + 0 == project_id, exact)


def registry_filter(filters: dict[str, Any] | None, dialect: str) -> ColumnElement[bool]:
    """A WHERE clause over Registry joined with its Project: name (without the prefix), description,
    created_at, updated_at."""
    return _translate(filters, REGISTRY_FIELDS, dialect)


def collection_filter(filters: dict[str, Any] | None, dialect: str) -> ColumnElement[bool]:
    """A WHERE clause over ArtifactCollection: name, description, tag (an element of its tags), created_at,
    updated_at."""
    return _translate(filters, COLLECTION_FIELDS, dialect)


def version_filter(filters: dict[str, Any] | None, dialect: str, collection_id: Expr | int | None = None,
                   alias: str | None = None) -> ColumnElement[bool]:
    """A WHERE clause over Artifact: tag, alias, version ("v3"), state (COMMITTED, as W&B's client asks for a
    collection's versions), created_at, updated_at, metadata.KEY...
    Aliases and the version are those in the collection `collection_id` (a number, or a column correlated
    to the query, such as ArtifactMembership.collection_id); without one, in the version's sequence.
    An event about one alias passes it as `alias`: "alias" then means that alias alone."""
    return _translate(filters, _version_fields(collection_id, alias), dialect)


# ------------------------------------------------------------------ candidates from run_values
#
# A sound prefilter: the runs whose indexed values (tables.run_values) could satisfy a condition, a
# superset of those that do, which the database finds by an index; the exact predicate then decides.
# Only a path of one key into config or the summary is looked up (a longer path may fan out over arrays,
# which run_values doesn't hold), and only conditions that a matching run's own value, or an element of
# its array, must pass: equality with and comparisons to a finite number or a string, $in of those, $all.
# Numbers are stored as doubles, so bounds are rounded to doubles and widened by two units in the last
# place (a rounding in the database may differ from Python's by one); strings and keys are compared by
# the prefixes stored, which keeps every match: a prefix of a larger string is never smaller.

MAX_CANDIDATE_VALUES = 32  # an $in longer than this reads the JSON instead of the index
_CANDIDATE_DOCUMENTS = {"config": DOCUMENT_CODES["config"], "summary_metrics": DOCUMENT_CODES["summary"],
                        "summaryMetrics": DOCUMENT_CODES["summary"]}


def _widened(value: float, ulps: int) -> float:
    for _ in range(abs(ulps)):
        value = math.nextafter(value, math.inf if ulps > 0 else -math.inf)
    return value


def _value_rows(field: str, project_id: int, op: str, value: Any) -> sa.Select[Any] | None:
    """The runs with a value at `field` that may pass `op` (`$eq` or a comparison) with `value`, or None."""
    head = field.split(".", 1)[0]
    if head not in _CANDIDATE_DOCUMENTS:
        return None
    keys = _json_keys(field, head)
    if len(keys) != 1:
        return None
    rows = sa.select(run_values.c.run_id).where(
        run_values.c.project_id == project_id, run_values.c.doc == _CANDIDATE_DOCUMENTS[head],
        run_values.c.key == keys[0][:VALUE_KEY_PREFIX])
    if _is_number(value) and math.isfinite(value):
        number = float(value)
        low, high = _widened(number, -2), _widened(number, 2)
        num = run_values.c.num
        return rows.where(num >= low if op in ("$gt", "$gte") else num <= high if op in ("$lt", "$lte")
                          else num.between(low, high))
    if isinstance(value, str):
        text = run_values.c.txt
        prefix = sa.literal(value[:VALUE_TEXT_PREFIX], sa.Text)
        return rows.where(text >= prefix if op in ("$gt", "$gte") else text <= prefix if op in ("$lt", "$lte")
                          else text == prefix)
    return None


def _union(sets: list[sa.Select[Any]]) -> sa.Select[Any]:
    """A select of the union (a subquery: SQLite takes no parenthesised compound inside another)."""
    return sets[0] if len(sets) == 1 else sa.union(*sets).subquery().select()


def _field_candidates(field: str, cond: Any, project_id: int) -> list[sa.Select[Any]]:
    """Row sets each of which holds every run that `{field: cond}` matches."""
    if not _is_operator_document(cond):
        found = _value_rows(field, project_id, "$eq", cond)
        return [] if found is None else [found]
    sets: list[sa.Select[Any]] = []
    for op, value in cond.items():
        if op == "$eq" or op in COMPARISONS:
            found = _value_rows(field, project_id, op, value)
            sets += [] if found is None else [found]
        elif op == "$in" and 0 < len(value) <= MAX_CANDIDATE_VALUES:
            each = [found for item in value if (found := _value_rows(field, project_id, "$eq", item)) is not None]
            if len(each) == len(value):
                sets.append(_union(each))
        elif op == "$all" and value:
            found = _value_rows(field, project_id, "$eq", value[0])
            sets += [] if found is None else [found]
    return sets


def _candidates(query: dict[str, Any], project_id: int) -> sa.Select[Any] | None:
    """Run ids holding every run that the (checked) query document matches, or None if no index narrows it."""
    sets: list[sa.Select[Any]] = []
    for key, value in query.items():
        if key == "$and":
            sets += [found for item in value if (found := _candidates(item, project_id)) is not None]
        elif key == "$or":
            branches = [found for item in value if (found := _candidates(item, project_id)) is not None]
            if len(branches) == len(value):
                sets.append(_union(branches))
        elif not key.startswith("$"):
            sets += _field_candidates(key, value, project_id)
    if not sets:
        return None
    return sets[0] if len(sets) == 1 else sa.intersect(*sets).subquery().select()


# ------------------------------------------------------------------ order

_ORDER_COLUMNS: dict[str, Expr] = {
    "created_at": Run.created_at, "createdAt": Run.created_at,
    "heartbeat_at": Run.heartbeat_at, "heartbeatAt": Run.heartbeat_at,
    "name": Run.name, "state": Run.state,
    # what a runs table shows as the name: the display name, else the run id
    "display_name": sa.func.coalesce(Run.display_name, Run.name),
}
_ORDER_COLUMNS["displayName"] = _ORDER_COLUMNS["display_name"]
_NEVER_NULL = ("created_at", "createdAt", "name", "state", "display_name", "displayName")


def _json_sort_keys(node: _Node, dialect: str, descending: bool) -> list[ColumnElement[Any]]:
    """ORDER BY keys for a JSON value: missing or null last, then type bracket and value in the direction asked.
    On SQLite every json_type/json_extract parses the whole document again (3.40 keeps no parsed copy), so the
    keys are written to parse it three times per row: the type once for both the missing flag and the bracket,
    then the type and the value."""
    if isinstance(node, _PgJson):
        x = node.x
        typeof = sa.func.jsonb_typeof(x, type_=sa.Text)
        absent = sa.case((x.is_(None), 1), (typeof == "null", 1), else_=0)
        rank = sa.case(
            {"number": 2, "string": 3, "boolean": 4, "array": 6,
             "object": sa.case((node.is_tag("NaN"), 1), (node.is_tag("Infinity"), 2),
                               (node.is_tag("-Infinity"), 2), else_=5)},
            value=typeof)
        number = sa.case((typeof == "number", sa.cast(x, sa.Numeric)),
                         (node.is_tag("Infinity"), sa.literal_column("'Infinity'::numeric")),
                         (node.is_tag("-Infinity"), sa.literal_column("'-Infinity'::numeric")))
        text = sa.collate(sa.case((typeof != "number", node._text())), "C")
        return [absent.asc(), *(k.desc() if descending else k.asc() for k in (rank, number, text))]
    assert isinstance(node, _SqliteJson)
    t = node.type_
    # One key for "missing or null last" and the type bracket: missing and null get a rank past every other, in
    # the direction asked (a simple CASE evaluates its operand, the json_type, once).
    last = -1 if descending else 99
    rank = sa.case(
        {"null": last, "integer": 2, "real": 2, "text": 3, "true": 4, "false": 4, "array": 6,
         "object": sa.case((node.is_tag("NaN"), 1), (node.is_tag("Infinity"), 2),
                           (node.is_tag("-Infinity"), 2), else_=5)},
        value=sa.func.coalesce(t, "null"))
    # SQLite orders numbers numerically and text by code point; the rank keeps the types apart.
    value = sa.case(
        {"object": sa.case((node.is_tag("Infinity"), sa.literal(math.inf)),
                           (node.is_tag("-Infinity"), sa.literal(-math.inf)), else_=node.atom)},
        value=t, else_=node.atom)
    return [k.desc() if descending else k.asc() for k in (rank, value)]


def config_group(key: str, dialect: str) -> tuple[ColumnElement[Any], ...]:
    """GROUP BY expressions for the value at config path `key` (dotted, as a filter's config.KEY reads it), one
    group per distinct JSON value: numbers by value (1 and 1.0 alike), types apart (true is not 1), and
    missing with null, as the filter {"config.KEY": null} that finds them. The last expression is the
    value: JSONB on PostgreSQL; on SQLite the atom, read with the first (its type)."""
    _check_dialect(dialect)
    node = _json_node(Run.config, _json_keys(f"config.{key}", "config"), dialect)
    if isinstance(node, _PgJson):
        return (sa.func.coalesce(node.x, sa.literal_column("'null'::jsonb", JSONB)),)
    assert isinstance(node, _SqliteJson)
    kind = sa.case((node.type_.is_(None), "null"), (node.type_.in_(("integer", "real")), "number"),
                   else_=node.type_)
    return kind, node.atom


def tag_groups(matching: sa.Select[Any], dialect: str) -> sa.Select[Any]:
    """(tag, runs) for the runs `matching` selects, most runs first: a run counts under each of its tags, as
    the filter {"tags": TAG} finds it, and runs without tags under null, as {"tags": {"$size": 0}} finds them."""
    _check_dialect(dialect)
    runs = matching.with_only_columns(Run.id.label("id"), Run.tags.label("tags")).subquery()
    if dialect == "postgresql":
        listed = sa.case((sa.func.jsonb_typeof(runs.c.tags) == "array", runs.c.tags),
                         else_=sa.literal_column("'[]'::jsonb", JSONB))
        tags = sa.func.jsonb_array_elements_text(listed).table_valued("value").lateral()
    else:
        tags = sa.func.json_each(runs.c.tags).table_valued("value")
    count = sa.func.count(sa.distinct(runs.c.id)).label("runs")
    return (sa.select(tags.c.value, count).select_from(runs.outerjoin(tags, sa.true()))
            .group_by(tags.c.value).order_by(count.desc(), tags.c.value))


def run_order(order: str | None, dialect: str) -> list[ColumnElement[Any]]:
    """ORDER BY for W&B's order strings: [+|-]created_at, heartbeat_at, name (the run id), display_name (the
    display name, else the id), state, config.KEY[.value], summary_metrics.KEY or a bare KEY (a summary
    metric; summary_metrics.name reaches one called name). Ends with Run.id in the same direction."""
    _check_dialect(dialect)
    text = (order or "").strip() or "+created_at"
    descending = text.startswith("-")
    field = text[1:] if text[:1] in "+-" else text
    if not field:
        raise UserError(f"order {order!r} names no field")

    def direct(expr: Expr) -> ColumnElement[Any]:
        return expr.desc() if descending else expr.asc()

    if field in _ORDER_COLUMNS:
        column = _ORDER_COLUMNS[field]
        keys: list[ColumnElement[Any]] = [] if field in _NEVER_NULL else [sa.case((column.is_(None), 1), else_=0).asc()]
        return [*keys, direct(column), direct(Run.id)]
    head = field.split(".", 1)[0]
    if head in _DOCUMENTS:
        node = _json_node(_DOCUMENTS[head], _json_keys(field, head), dialect)
    else:
        node = _json_node(Run.summary, _json_keys("summary_metrics." + field, "summary_metrics"), dialect)
    return [*_json_sort_keys(node, dialect, descending), direct(Run.id)]
