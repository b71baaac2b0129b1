"""Hypothesis strategies for runs and Mongo-style filters, and the mongomock oracle they are checked against.

The oracle holds each run as a Mongo document in W&B's field names (config as plain values,
`summary_metrics`, `createdAt`...) and evaluates a filter with `mongomock.filtering.filter_applies`
after `oracle_filter` rewrites it:

* aliases become the document's names (`config.lr.value` -> `config.lr`, `id` -> `name`, ...),
  ISO strings on time fields become datetimes;
* every operator is rewritten into forms mongomock evaluates as MongoDB does: `$ne`, `$nin`,
  `$not`, `$nor`, `{$exists: false}` become `$nor` of the positive clause, `$in`/`$all` become
  `$or`/`$and` of equalities, `{f: {}}` gets "and f exists" (mongomock lets it match a missing
  field), and an operator document with several operators becomes their `$and`. (mongomock's
  own `$in` misses whole-array equality, its `$eq` misses array elements, and a multi-operator
  document there must hold on one array element; MongoDB's don't.)

and inside `patched_mongomock()`, which changes mongomock where it is wrong about MongoDB or
where runbase deliberately differs from it (see filters.py): a dotted path yields the values
MongoDB 8's path traversal yields (`mongo_path_values`; mongomock drops the "missing" that a
scalar met halfway gives, skips documents keyed "0" when a component is a number, reads "-1"
as an index and unwraps an array the path reaches by index), booleans are wrapped in `MBool`
so that `True != 1` (mongomock uses Python equality), `$size` counts arrays only, and W&B's
`$contains` is added.
"""

from __future__ import annotations

import math
import re
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import mongomock.filtering as mf
from hypothesis import strategies as st

# ------------------------------------------------------------------ pools

KEYS = ["a", "b", "c", "0", "é", "😀 x", 'q"t']  # SQLite spells "é" two ways; it can't name 'q"t'
keys = st.sampled_from(["a", "a", "a", "b", "b", "c", "0", "é", "😀 x", 'q"t'])
TEXTS = ["a", "b", "A", "ab", "ba", "é", "É", "中", "", "a\n", "x y", "😀", "0.01", "1"]
TEXT_ALPHABET = "abABéÉ中😀\n. 0"
NAMES = [f"r{i}" for i in range(8)]
STATES = ["running", "finished", "failed", "crashed"]
USERS = ["alice", "bob"]
BASE_TIME = datetime(2023, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
TIMES = [BASE_TIME + timedelta(seconds=s) for s in (0, 1, 59, 3600, 86400)] + [
    BASE_TIME + timedelta(seconds=30, microseconds=250000)]


def fresh_nan() -> float:
    return float("nan")  # a new object each time: mongomock's `in` would treat one object as equal to itself


numbers = st.one_of(
    st.sampled_from([0, 1, -1, 2, 3, 0.5, 1.0, 2.0, -0.0, 0.01, 0.9, 1e300, 2**53 + 1, float(2**53), -(2**63),
                     2**63 - 1, math.inf, -math.inf, 1e16, -1e16, 10**16, 2.0**60]),  # whole floats: an exponent
    st.builds(fresh_nan),
    st.integers(-3, 3),
    st.floats(-4, 4, allow_nan=False, width=32),
)
texts = st.one_of(st.sampled_from(TEXTS), st.text(TEXT_ALPHABET, max_size=4))
scalars = st.one_of(st.none(), st.booleans(), numbers, texts)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(keys, inner, max_size=3)),
    max_leaves=6,
)
common = st.sampled_from([None, True, False, 0, 1, 2, 0.5, 1.0, "a", "b", "ab"])


def arrays_of_documents(fields: st.SearchStrategy[Any]) -> st.SearchStrategy[list[Any]]:
    """Arrays (empty ones too) mostly of documents, where a dotted path fans out; some scalars and
    nested arrays beside them, which it passes over."""
    record = st.dictionaries(keys, fields, max_size=3)
    return st.lists(st.one_of(record, record, record, scalars, st.lists(record, max_size=2)), max_size=3)


shallow_arrays = arrays_of_documents(st.one_of(common, values))
deep_arrays = arrays_of_documents(st.one_of(common, values, shallow_arrays))  # [{a: [{b: 1}]}]
documents = st.dictionaries(keys, st.one_of(common, values, values, deep_arrays,
                                            st.dictionaries(keys, st.one_of(common, deep_arrays), max_size=3)),
                            max_size=5)
maybe_text = st.one_of(st.none(), texts)


@st.composite
def runs(draw: Any) -> list[dict[str, Any]]:
    """1-8 runs, as keyword arguments for tables.Run (plus `username`)."""
    count = draw(st.integers(1, 8))
    out = []
    for name in NAMES[:count]:
        created = draw(st.sampled_from(TIMES))
        heartbeat = draw(st.one_of(st.none(), st.sampled_from([timedelta(0), timedelta(seconds=5),
                                                                timedelta(seconds=3600, microseconds=1)])))
        finished = draw(st.one_of(st.none(), st.sampled_from([timedelta(seconds=1), timedelta(seconds=5)])))
        out.append(dict(
            name=name, display_name=draw(maybe_text), state=draw(st.sampled_from(STATES)),
            config=draw(documents), summary=draw(documents),
            tags=draw(st.lists(st.sampled_from(["a", "b", "c", "A", "é"]), max_size=3, unique=True)),
            group_name=draw(maybe_text), job_type=draw(maybe_text), host=draw(maybe_text),
            created_at=created, heartbeat_at=None if heartbeat is None else created + heartbeat,
            finished_at=None if finished is None else created + finished,
            username=draw(st.one_of(st.none(), st.sampled_from(USERS))),
        ))
    return out


# ------------------------------------------------------------------ filters
#
# Filters are drawn for a given list of runs (`filters_for(rows)`): besides fixed pools, paths and
# operands are sampled from what the runs hold, so that most filters split the runs.

COLUMN_FIELDS = ["name", "id", "displayName", "display_name", "state", "group", "jobType", "job_type", "host",
                 "username", "entity"]
TIME_FIELDS = ["createdAt", "created_at", "heartbeatAt", "heartbeat_at"]
CANONICAL = {"id": "name", "display_name": "displayName", "job_type": "jobType", "created_at": "createdAt",
             "heartbeat_at": "heartbeatAt"}
COLUMN_OF = {"name": "name", "id": "name", "displayName": "display_name", "display_name": "display_name",
             "state": "state", "group": "group_name", "jobType": "job_type", "job_type": "job_type", "host": "host",
             "username": "username", "createdAt": "created_at", "created_at": "created_at",
             "heartbeatAt": "heartbeat_at", "heartbeat_at": "heartbeat_at"}


class Pattern(str):
    """A $regex pattern that also carries the equivalent Python pattern for the oracle."""

    oracle: str


def iso(moment: datetime, style: int) -> str:
    if style == 0:
        return moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{moment.microsecond:06d}" if moment.microsecond else "") + "Z"
    if style == 1:
        return moment.isoformat()
    if style == 2:
        return moment.astimezone(timezone(timedelta(hours=2))).isoformat()
    return moment.replace(tzinfo=None).isoformat()  # no offset: UTC


def _walk(value: Any, path: str, paths: list[str], found: list[Any]) -> None:
    found.append(value)
    if isinstance(value, dict):
        for key, item in value.items():
            sub = f"{path}.{key}"
            paths.append(sub)
            _walk(item, sub, paths, found)
    elif isinstance(value, list):
        for position, item in enumerate(value):
            paths.append(f"{path}.{position}")
            if isinstance(item, dict):
                _walk(item, path, paths, found)  # the path fans out over the documents in the array
            elif isinstance(item, list):
                _walk(item, f"{path}.{position}", paths, found)
            else:
                found.append(item)


class Pools:
    """What a list of runs holds, to draw filters from."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.paths: list[str] = []
        self.json_values: list[Any] = []
        for row in rows:
            _walk(row["config"], "config", self.paths, self.json_values)
            _walk(row["summary"], "summary_metrics", self.paths, self.json_values)
            self.json_values.extend(row["tags"])
        self.rows = rows

    def column(self, field: str) -> list[Any]:
        if field == "entity":
            return ["team"]
        if field == "sweep":
            return []
        if field == "tags":
            return [row["tags"] for row in self.rows] + [t for row in self.rows for t in row["tags"]]
        if field == "duration":
            return [((row["finished_at"] or row["heartbeat_at"]) - row["created_at"]).total_seconds()
                    for row in self.rows if row["finished_at"] or row["heartbeat_at"]]
        return [row[COLUMN_OF[field]] for row in self.rows if row[COLUMN_OF[field]] is not None]


time_texts = st.builds(iso, st.sampled_from(TIMES + [BASE_TIME + timedelta(seconds=2)]), st.integers(0, 3))


@st.composite
def json_paths(draw: Any, pools: Pools) -> str:
    if pools.paths and draw(st.integers(0, 2)) > 0:
        path = draw(st.sampled_from(pools.paths))
        if draw(st.integers(0, 3)) == 0:  # one level further: through an empty array, a scalar...
            path += "." + draw(st.one_of(keys, st.sampled_from(["1", "01"])))
        if path.startswith("summary_metrics.") and draw(st.booleans()):
            path = "summaryMetrics." + path[len("summary_metrics."):]
    else:
        head = draw(st.sampled_from(["config", "summary_metrics", "summaryMetrics"]))
        depth = draw(st.sampled_from([1, 1, 1, 1, 2, 2, 3]))
        path = head + "." + ".".join(draw(st.lists(keys, min_size=depth, max_size=depth)))
    if path.startswith("config.") and draw(st.booleans()):
        path += ".value"
    return path


def fields(pools: Pools) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(COLUMN_FIELDS + TIME_FIELDS + ["duration", "sweep", "tags"]),
                     json_paths(pools), json_paths(pools), json_paths(pools))


REGEX_ATOMS = [("a", "a"), ("b", "b"), ("A", "A"), ("é", "é"), ("中", "中"), (".", "."), ("\\.", "\\."),
               ("[ab]", "[ab]"), ("[a-c]", "[a-c]"), ("[^a]", "[^a]"), ("[A-Z0-9]", "[A-Z0-9]"),
               # MongoDB's classes are ASCII; spelt out, since CPython 3.11's scoped (?a:\\W) still takes "é" for a
               # word character
               ("\\d", "[0-9]"), ("\\w", "[a-zA-Z0-9_]"), ("\\s", "[ \\t\\n\\r\\f\\v]"), ("\\W", "[^a-zA-Z0-9_]"),
               (" ", " "),
               ("r", "r"), ("n", "n"), ("i", "i")]
QUANTIFIERS = ["", "", "*", "+", "?", "{1,2}", "{0}", "*?"]


@st.composite
def regex_pieces(draw: Any, depth: int = 0) -> tuple[str, str]:
    kind = draw(st.integers(0, 4 if depth == 0 else 2))
    if kind <= 2:
        atom = draw(st.sampled_from(REGEX_ATOMS))
        q = draw(st.sampled_from(QUANTIFIERS))
        return atom[0] + q, atom[1] + q
    # a group: quantified only when nothing inside it is
    branches = draw(st.lists(st.lists(regex_pieces(depth + 1), min_size=0, max_size=2), min_size=1, max_size=2))
    inner = ["".join(p[0] for p in b) for b in branches]
    inner_oracle = ["".join(p[1] for p in b) for b in branches]
    q = ""
    plain = all(not any(c in "*+?{" for c in text.replace("\\.", "")) for text in inner)
    if plain and any(inner):
        q = draw(st.sampled_from(["", "*", "+", "?", "{2}"]))
    capture = draw(st.sampled_from(["(", "(?:"]))
    return capture + "|".join(inner) + ")" + q, "(?:" + "|".join(inner_oracle) + ")" + q


@st.composite
def patterns(draw: Any) -> Pattern:
    pieces = draw(st.lists(regex_pieces(), max_size=3))
    start = draw(st.sampled_from(["", "", "^"]))
    end = draw(st.sampled_from(["", "", "$"]))
    pattern = Pattern(start + "".join(p[0] for p in pieces) + end)
    pattern.oracle = start + "".join(p[1] for p in pieces) + end
    return pattern


def operands(field: str, pools: Pools) -> st.SearchStrategy[Any]:
    """Values worth comparing a field with: mostly ones the runs hold."""
    if field in TIME_FIELDS:
        held = pools.column(field)
        base = st.one_of(time_texts, st.none(), st.sampled_from([1, True]))
        return st.one_of(st.builds(iso, st.sampled_from(held), st.integers(0, 3)), base) if held else base
    if field.startswith(("config", "summary")):
        held = pools.json_values
        base = st.one_of(common, scalars, values)
    else:
        held = pools.column(field)
        base = st.one_of(st.sampled_from(NAMES + STATES + USERS + ["team", "zz"]), scalars)
    return st.one_of(st.sampled_from(held), st.sampled_from(held), base) if held else base


def comparable(field: str, pools: Pools) -> st.SearchStrategy[Any]:
    scalar = operands(field, pools).filter(lambda v: not isinstance(v, (list, dict)))
    if field in TIME_FIELDS:
        return scalar
    return st.one_of(scalar, st.none(), st.booleans(), numbers, texts)


@st.composite
def operator_documents(draw: Any, field: str, pools: Pools, depth: int = 0) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    for op in draw(st.lists(st.sampled_from(["$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exists",
                                             "$regex", "$contains", "$all", "$size", "$not"]),
                            min_size=1, max_size=2, unique=True)):
        if op in ("$eq", "$ne", "$contains"):
            doc[op] = draw(operands(field, pools))
        elif op in ("$gt", "$gte", "$lt", "$lte"):
            doc[op] = draw(comparable(field, pools))
        elif op in ("$in", "$nin", "$all"):
            doc[op] = draw(st.lists(operands(field, pools), max_size=3))
        elif op == "$exists":
            doc[op] = draw(st.booleans())
        elif op == "$regex":
            doc[op] = draw(patterns())
            if draw(st.booleans()):
                doc["$options"] = "i"
        elif op == "$size":
            doc[op] = draw(st.integers(0, 3))
        elif op == "$not" and depth < 1:
            doc[op] = draw(operator_documents(field, pools, depth + 1))
    if not doc:
        doc["$exists"] = True
    return doc


@st.composite
def conditions(draw: Any, pools: Pools) -> dict[str, Any]:
    field = draw(fields(pools))
    if draw(st.integers(0, 2)) == 0:
        return {field: draw(operands(field, pools))}
    return {field: draw(operator_documents(field, pools))}


def filters_for(rows: list[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    pools = Pools(rows)
    return st.recursive(
        st.one_of(conditions(pools), conditions(pools),
                  st.builds(lambda a, b: {**a, **b}, conditions(pools), conditions(pools))),
        lambda inner: st.builds(lambda op, items: {op: items}, st.sampled_from(["$and", "$or", "$nor"]),
                                st.lists(inner, min_size=1, max_size=3)),
        max_leaves=4,
    )


# ------------------------------------------------------------------ the oracle

class MBool:
    """A boolean that is not a number (mongomock compares with Python's ==, where True == 1)."""

    __slots__ = ("value",)

    def __init__(self, value: bool) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MBool) and other.value == self.value

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((MBool, self.value))

    def __lt__(self, other: MBool) -> bool:
        return self.value < other.value

    def __le__(self, other: MBool) -> bool:
        return self.value <= other.value

    def __gt__(self, other: MBool) -> bool:
        return self.value > other.value

    def __ge__(self, other: MBool) -> bool:
        return self.value >= other.value

    def __repr__(self) -> str:
        return f"MBool({self.value})"


def oracle_value(value: Any) -> Any:
    if isinstance(value, bool):
        return MBool(value)
    if isinstance(value, float) and value != value:
        return fresh_nan()
    if isinstance(value, list):
        return [oracle_value(v) for v in value]
    if isinstance(value, dict):
        return {k: oracle_value(v) for k, v in value.items()}
    return value


def oracle_document(run: dict[str, Any]) -> dict[str, Any]:
    end = run["finished_at"] or run["heartbeat_at"]
    doc = {
        "_id": run["name"], "name": run["name"], "displayName": run["display_name"], "state": run["state"],
        "group": run["group_name"], "jobType": run["job_type"], "host": run["host"], "username": run["username"],
        "entity": "team", "createdAt": run["created_at"], "heartbeatAt": run["heartbeat_at"],
        "duration": None if end is None else (end - run["created_at"]).total_seconds(),
        "config": oracle_value(run["config"]), "summary_metrics": oracle_value(run["summary"]),
        "tags": oracle_value(run["tags"]),
    }
    return {k: v for k, v in doc.items() if v is not None}  # unset columns are missing fields


NEVER = {"__never__": {"$exists": True}}


def canonical(field: str) -> str:
    if field in CANONICAL:
        return CANONICAL[field]
    if field.startswith("summaryMetrics."):
        return "summary_metrics." + field[len("summaryMetrics."):]
    if field.startswith("config.") and field.endswith(".value") and field.count(".") >= 2:
        return field[: -len(".value")]
    return field


def _parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def _operand(field: str, value: Any) -> Any:
    if field in ("createdAt", "heartbeatAt") and isinstance(value, str):
        return _parse_time(value)
    return oracle_value(value)


def _is_ops(value: Any) -> bool:
    return isinstance(value, dict) and any(k.startswith("$") for k in value)


def _eq(field: str, value: Any) -> dict[str, Any]:
    value = _operand(field, value)
    if value == {}:  # mongomock lets {f: {}} match a missing f
        return {"$and": [{field: value}, {field: {"$exists": True}}]}
    return {field: value}


def _condition(field: str, cond: Any) -> dict[str, Any]:
    if not _is_ops(cond):
        return _eq(field, cond)
    parts = []
    for op, value in cond.items():
        if op == "$options":
            continue
        if op == "$eq":
            parts.append(_eq(field, value))
        elif op == "$ne":
            parts.append({"$nor": [_eq(field, value)]})
        elif op in ("$gt", "$gte", "$lt", "$lte"):
            parts.append({field: {op: _operand(field, value)}})
        elif op == "$in":
            parts.append({"$or": [_eq(field, v) for v in value]} if value else NEVER)
        elif op == "$nin":
            parts.append({"$nor": [_eq(field, v) for v in value]} if value else {})
        elif op == "$all":
            parts.append({"$and": [_eq(field, v) for v in value]} if value else NEVER)
        elif op == "$exists":
            parts.append({field: {"$exists": True}} if value else {"$nor": [{field: {"$exists": True}}]})
        elif op == "$regex":
            flags = re.IGNORECASE if "i" in cond.get("$options", "") else 0
            parts.append({field: re.compile(getattr(value, "oracle", value), flags)})
        elif op == "$not":
            parts.append({"$nor": [_condition(field, value)]})
        elif op == "$contains":
            parts.append({field: {"$contains": oracle_value(value)}})
        elif op == "$size":
            parts.append({field: {"$size": value}})
        else:
            raise AssertionError(op)
    return {"$and": parts}


def oracle_filter(query: dict[str, Any]) -> dict[str, Any]:
    parts = []
    for key, value in query.items():
        if key in ("$and", "$or", "$nor"):
            parts.append({key: [oracle_filter(item) for item in value]})
        else:
            parts.append(_condition(canonical(key), value))
    return {"$and": parts} if parts else {}


class Indexed:
    """An array a path reaches through an index (`a.0` on `a: [[1]]`): MongoDB matches it as a whole,
    never element by element, so it is kept out of mongomock's list handling."""

    __slots__ = ("items",)

    def __init__(self, items: list) -> None:
        self.items = items

    def __eq__(self, other: object) -> bool:
        return isinstance(other, list) and other == self.items

    def __hash__(self) -> int:
        return hash(repr(self.items))

    def __repr__(self) -> str:
        return f"Indexed({self.items!r})"


def _array_index(key: str) -> int | None:
    """The position a path component also names in an array (MongoDB: ASCII digits, no leading zero)."""
    return int(key) if key.isascii() and key.isdigit() and str(int(key)) == key else None


def mongo_path_values(path: str, doc: Any) -> list[Any]:
    """The values MongoDB 8 (src/mongo/db/matcher/path.cpp) yields for a dotted path, NOTHING for each
    "missing": objects are walked by key, a scalar or missing value halfway is missing, and an array
    met halfway fans out over its elements that are documents (not over nested arrays), plus the
    element a numeric component names. An array at the end is matched whole and element by element."""
    return _path_values(doc, path.split(".")) if path else [doc]


def _path_values(value: Any, keys: list[str]) -> list[Any]:
    if not keys:
        return [value]
    if isinstance(value, list):
        return _array_values(value, keys)
    if isinstance(value, dict) and keys[0] in value:
        return _path_values(value[keys[0]], keys[1:])
    return [mf.NOTHING]


def _array_values(array: list, keys: list[str]) -> list[Any]:
    index, rest = _array_index(keys[0]), keys[1:]
    found: list[Any] = []
    for position, item in enumerate(array):
        if isinstance(item, dict):
            found += _path_values(item, keys)
        if position != index:
            continue
        if not rest:
            found.append(Indexed(item) if isinstance(item, list) else item)
        elif isinstance(item, list):
            found += _array_values(item, rest)
        elif isinstance(item, dict):
            found += _path_values(item, rest)
    return found


def _items(value: Any) -> Any:
    return value.items if isinstance(value, Indexed) else value


def _contains(doc_value: Any, value: Any) -> bool:
    doc_value = _items(doc_value)
    if isinstance(doc_value, list):
        return any(item == value for item in doc_value)
    return isinstance(doc_value, str) and isinstance(value, str) and value in doc_value


def _size(doc_value: Any, value: int) -> bool:
    doc_value = _items(doc_value)
    return isinstance(doc_value, list) and len(doc_value) == value


@contextmanager
def patched_mongomock() -> Iterator[None]:
    original_type = mf._get_compare_type
    original_candidates = mf.iter_key_candidates
    operators = mf._filterer_inst._operator_map
    saved = dict(operators)

    def compare_type(value: Any) -> int:
        if isinstance(value, Indexed):
            return original_type(value.items)
        return 40 if isinstance(value, MBool) else original_type(value)

    mf._get_compare_type = compare_type
    mf.iter_key_candidates = mongo_path_values
    operators["$contains"] = lambda doc_value, value: doc_value is not mf.NOTHING and _contains(doc_value, value)
    operators["$size"] = _size
    try:
        yield
    finally:
        mf._get_compare_type = original_type
        mf.iter_key_candidates = original_candidates
        operators.clear()
        operators.update(saved)


def names_quoted_key(query: Any) -> bool:
    """Whether a filter names a key holding a double quote (refused on SQLite), as a field or in a value."""
    if isinstance(query, dict):
        return any('"' in k or names_quoted_key(v) for k, v in query.items())
    if isinstance(query, list):
        return any(names_quoted_key(v) for v in query)
    return False


def oracle_matches(query: dict[str, Any], runs_: list[dict[str, Any]]) -> set[str]:
    mongo_query = oracle_filter(query)
    docs = [oracle_document(run) for run in runs_]
    with patched_mongomock():
        return {doc["_id"] for doc in docs if mf.filter_applies(mongo_query, doc)}
