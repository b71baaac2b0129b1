"""runbase.Table: rows of typed columns (numbers, strings, lists, dicts, timestamps, images, ...) logged to a
run or added to an artifact, in W&B's table JSON so that W&B's UI and Public API code read them.

A table logged to a run is written whole (every row: runbase does not cut W&B's 10,000-row preview) to the
run file `media/table/KEY_STEP_SHA20.table.json`, and the row holds W&B's `table-file` descriptor; the run
keeps it as W&B's `run-ID-KEY` table artifact too. In an artifact, the same JSON is the entry
`NAME.table.json`. Media cells are stored next to it, named after their contents."""

from __future__ import annotations

import datetime
import hashlib
import inspect
import itertools
import json
import math
import reprlib
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

import orjson

from ..errors import Error
from ..optional import require
from . import table_types as types
from .media import MediaSource, MediaStore, WBValue, tmp_path

LogMode = Literal["IMMUTABLE", "MUTABLE", "INCREMENTAL"]
LOG_MODES = ("IMMUTABLE", "MUTABLE", "INCREMENTAL")
DEFAULT_COLUMNS = ["Input", "Output", "Expected"]
INCREMENTS_SHOWN = 100  # W&B's UI shows this many increments of an incremental table
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
MILLISECOND = datetime.timedelta(milliseconds=1)
MIXED_HINT = "create the Table with allow_mixed_types=True to mix types in a column"

# The `_type` of a stored rich value -> the runbase.data_types class that reads it back.
VALUE_CLASSES = {"table": "Table", "histogram": "Histogram", "image-file": "Image", "audio-file": "Audio",
                 "video-file": "Video", "html-file": "Html", "object3D-file": "Object3D",
                 "molecule-file": "Molecule", "plotly-file": "Plotly", "graph-file": "Graph"}

_short = reprlib.Repr()
_short.maxstring = _short.maxother = 60


def value_class(log_type: Any) -> Any:
    """The class of the rich values stored with this `_type`, imported now; None for other types."""
    name = VALUE_CLASSES.get(log_type) if isinstance(log_type, str) else None
    if name is None:
        return None
    from .. import data_types

    return getattr(data_types, name)


def dump_json(value: Any, *, sort_keys: bool = False) -> bytes:
    """JSON of a stored value; orjson, because a table of 100,000 rows must be written in well under a second."""
    option = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY | (orjson.OPT_SORT_KEYS if sort_keys else 0)
    try:
        return orjson.dumps(value, option=option)
    except orjson.JSONEncodeError:  # an integer past 64 bits, which orjson does not write
        return json.dumps(value, sort_keys=sort_keys, separators=(",", ":")).encode()


def load_json(path: Path) -> Any:
    """A stored value's JSON, whether runbase (orjson) or W&B (Python's json) wrote it."""
    blob = path.read_bytes()
    try:
        return orjson.loads(blob)
    except orjson.JSONDecodeError:  # W&B writes NaN and Infinity as bare tokens, which orjson refuses
        return json.loads(blob)


class _CellStore:
    """Where a table's media cells are stored (the store's `for_cells()`), remembering what it stored: a run's
    table artifact holds those files too."""

    def __init__(self, store: MediaStore) -> None:
        self.store, self.is_artifact = store.for_cells(), store.is_artifact
        self.names: list[str] = []

    def add(self, source: Path, *, subdir: str, extension: str, digest: str, is_tmp: bool) -> str:
        name = self.store.add(source, subdir=subdir, extension=extension, digest=digest, is_tmp=is_tmp)
        self.names.append(name)
        return name

    def for_cells(self) -> _CellStore:
        return self

    def class_labels(self, kind: str, layer: str, labels: Mapping[int, str]) -> None:
        self.store.class_labels(kind, layer, labels)


def _cell_json(value: Any, store: _CellStore) -> Any:
    """A cell as the table's JSON holds it: rich values as their descriptors, datetimes as epoch milliseconds
    (naive ones read as UTC, dates at midnight UTC), as W&B writes them."""
    if isinstance(value, WBValue):
        return value.to_json(store)
    if isinstance(value, datetime.datetime):
        return ((value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)) - EPOCH) // MILLISECOND
    if isinstance(value, datetime.date):
        return (datetime.datetime(value.year, value.month, value.day, tzinfo=datetime.timezone.utc) - EPOCH) \
            // MILLISECOND
    if isinstance(value, list):
        return [_cell_json(item, store) for item in value]
    if isinstance(value, dict):
        return {key: _cell_json(item, store) for key, item in value.items()}
    return value


def _claims(kind: types.ColumnType, value: Any) -> bool:
    """Whether a member of a union is the type a JSON value (not None) was written as."""
    if kind == types.NONE:
        return False
    if kind in (types.NUMBER, types.TIMESTAMP):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == types.STRING:
        return isinstance(value, str)
    if kind == types.BOOLEAN:
        return isinstance(value, bool)
    if isinstance(kind, types.ListType):
        return isinstance(value, list)
    if isinstance(kind, types.TypedDictType):
        return isinstance(value, dict)
    if isinstance(kind, types.MediaType):
        return isinstance(value, dict) and value.get("_type") == kind.name
    return not isinstance(kind, types.ConstType) or value == kind.val


def _revived(value: Any, kind: types.ColumnType, source: MediaSource) -> Any:
    """A cell read from JSON as the table held it: timestamps as UTC datetimes, rich values rebuilt."""
    if value is None or kind.as_is:
        return value
    if kind == types.TIMESTAMP:
        return EPOCH + value * MILLISECOND if _claims(kind, value) else value
    if isinstance(kind, types.UnionType):
        member = next((member for member in kind.members if _claims(member, value)), None)
        return value if member is None else _revived(value, member, source)
    if isinstance(kind, types.ListType) and isinstance(value, list):
        return [_revived(item, kind.element, source) for item in value]
    if isinstance(kind, types.TypedDictType) and isinstance(value, dict):
        return {key: _revived(item, kind.type_map.get(key, types.AnyType()), source) for key, item in value.items()}
    if isinstance(value, dict):  # a rich value, or a dict in a column of any type
        described = value_class(value.get("_type"))
        if described is not None:
            return described.from_json(value, source)
        return {key: _revived(item, types.AnyType(), source) for key, item in value.items()}
    if isinstance(value, list):
        return [_revived(item, types.AnyType(), source) for item in value]
    return value


def _is_frame(value: Any) -> bool:
    return types.typename(value).startswith("pandas.") and type(value).__name__ == "DataFrame"


def _frame(frame: Any) -> tuple[list[Any], list[list[Any]]]:
    """A DataFrame's column names and rows, read a column at a time (numpy values become Python's)."""
    if not _is_frame(frame):
        raise TypeError(f"dataframe must be a pandas DataFrame, not {type(frame).__name__}")
    columns = [types.plain(name) for name in frame.columns]
    values = [frame.iloc[:, index].tolist() for index in range(len(columns))]
    return columns, [list(row) for row in zip(*values)] if columns else [[] for _ in range(len(frame))]


def _rows(data: Any) -> list[Any]:
    if data is None:
        return []
    if types.typename(data) == "numpy.ndarray":
        if data.ndim != 2:
            raise ValueError(f"data given as a numpy array must be 2-D (rows x columns), not {data.ndim}-D")
        return data.tolist()  # type: ignore[no-any-return]
    if isinstance(data, (list, tuple)):
        return list(data)
    raise TypeError(f"data must be a list of rows, a 2-D numpy array or a pandas DataFrame, not {type(data).__name__}")


def _row(row: Any, number: int) -> Sequence[Any]:
    if type(row) in (list, tuple):
        return row  # type: ignore[no-any-return]
    if hasattr(row, "tolist") and not isinstance(row, (str, bytes, dict)):
        return row.tolist()  # type: ignore[no-any-return]
    if isinstance(row, (str, bytes, dict)) or not hasattr(row, "__iter__"):
        raise ValueError(f"row {number} must be a list of values (one per column), not {type(row).__name__}")
    return list(row)


def _checked_columns(columns: Any) -> list[Any]:
    if not isinstance(columns, (list, tuple)):
        raise TypeError(f"columns must be a list of column names (strings or ints), not {type(columns).__name__}")
    seen: set[Any] = set()
    for name in columns:
        if isinstance(name, bool) or not isinstance(name, (str, int)):
            raise TypeError(f"column names must be strings or ints, not {name!r}")
        if name in seen:
            raise ValueError(f"column names must be unique: {name!r} appears twice")
        seen.add(name)
    return list(columns)


def _column_values(data: Any, name: Any) -> list[Any]:
    if hasattr(data, "tolist") and not isinstance(data, (str, bytes)):
        data = data.tolist()  # a numpy array or a pandas Series
    if not isinstance(data, (list, tuple)):
        raise TypeError(f"add_column({name!r}): data must be a list or a numpy array, not {type(data).__name__}")
    return list(data)


def _fit_as_they_are(values: Iterable[Any], fast: frozenset[type], nan_ok: bool) -> bool:
    """Whether values all fit a type as they are: of its `fast` classes, and no NaN where None does not fit."""
    values = list(values) if not isinstance(values, (list, tuple)) else values
    classes = set(map(type, values))
    return classes <= fast and (nan_ok or float not in classes or not any(
        math.isnan(value) for value in values if type(value) is float))


def _takes_index(fn: Callable[..., Any]) -> bool:
    """Whether add_computed_columns calls `fn(ndx, row)` (W&B's form) rather than `fn(row)`."""
    try:
        parameters = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return True
    positional = [each for each in parameters if each.kind in (each.POSITIONAL_ONLY, each.POSITIONAL_OR_KEYWORD)]
    return len(positional) != 1 or any(each.kind is each.VAR_POSITIONAL for each in parameters)


class Table(WBValue):
    """Rows of typed columns: each column's type is set by its first value (or `dtype`), and later values
    must fit it unless `allow_mixed_types`. `log_mode` says what logging it again does: IMMUTABLE logs it
    once (later changes are not logged), MUTABLE logs each changed version, INCREMENTAL logs only the rows
    added since the last log."""

    MAX_ROWS: ClassVar[int] = 10000  # W&B's UI preview; runbase stores every row in runs as well
    MAX_ARTIFACT_ROWS: ClassVar[int] = 200000  # the most rows a table holds
    log_type = "table"

    columns: list[Any]
    data: list[list[Any]]

    def __init__(self, columns: Sequence[str | int] | None = None, data: Any = None, rows: Any = None,
                 dataframe: Any = None, dtype: Any = None, optional: bool | list[bool] = True,
                 allow_mixed_types: bool = False, log_mode: LogMode | None = "IMMUTABLE") -> None:
        if log_mode not in LOG_MODES:
            raise ValueError(f"log_mode must be one of {', '.join(LOG_MODES)}, not {log_mode!r}")
        if dataframe is None and _is_frame(data):
            dataframe = data
        if dataframe is not None:
            columns, given = _frame(dataframe)
        else:
            given = _rows(data if data is not None else rows)
        names = _checked_columns(DEFAULT_COLUMNS if columns is None else columns)
        self._setup(names, self._declared(names, dtype, optional, allow_mixed_types), [], log_mode)
        self._add_rows(given)

    def _setup(self, columns: list[Any], kinds: list[types.ColumnType], data: list[list[Any]], log_mode: str) -> None:
        self.columns, self.data, self._types, self.log_mode = columns, data, kinds, log_mode
        self._logged: tuple[Any, dict[str, Any]] | None = None  # (where, descriptor) once logged to a run
        self._warned = False
        self._increments: list[str] = []  # run files of the increments logged, oldest first
        self._logged_rows = 0

    @staticmethod
    def _declared(columns: list[Any], dtype: Any, optional: Any, mixed: bool) -> list[types.ColumnType]:
        count = len(columns)
        dtypes = dtype if isinstance(dtype, list) else [types.AnyType() if mixed else dtype] * count
        optionals = optional if isinstance(optional, list) else [optional] * count
        if len(dtypes) != count or len(optionals) != count:
            what = "dtype" if len(dtypes) != count else "optional"
            raise ValueError(f"{what} has {len(dtypes if what == 'dtype' else optionals)} entries for {count} columns: "
                             "give one for every column, or a single value for all")
        if not all(isinstance(each, bool) for each in optionals):
            raise TypeError(f"optional must be a bool or a list of bools (one per column), not {optional!r}")
        kinds = [types.AnyType() if mixed else types.UnknownType() if each is None else types.from_dtype(each)
                 for each in dtypes]
        return [types.optional(kind) if each else kind for kind, each in zip(kinds, optionals)]

    # -- adding data ---------------------------------------------------------------------------------
    def _fit(self, name: Any, values: Sequence[Any], first_row: int, kind: types.ColumnType,
             hint: str) -> tuple[Sequence[Any], types.ColumnType, bool]:
        """A column's values checked against its type (narrowed on the way, from unknown to the type of the
        first value); returns the values made plain, the type, and whether any value changed. Values of the
        classes that fit as they are are checked a column at a time (one set comparison), each time the type
        changes; the others one by one."""
        out: list[Any] | None = None
        index, count, fresh = 0, len(values), True
        fast, nan_ok = kind.fast, kind.takes_nan
        while index < count:
            if fresh and _fit_as_they_are(itertools.islice(values, index, None), fast, nan_ok):
                break
            value, fresh = values[index], False
            cls = type(value)
            if cls not in fast or (cls is float and not nan_ok and math.isnan(value)):
                try:
                    cell = types.plain(value)
                except TypeError as exc:
                    raise TypeError(f"row {first_row + index}, column {name!r}: {exc}") from None
                fitted = kind.assign(cell)
                if fitted is None:
                    found = types.type_of(cell)
                    allow = " or optional=True to allow None" if found == types.NONE else ""
                    raise TypeError(f"row {first_row + index}, column {name!r}: {_short.repr(value)} is {found!r}, "
                                    f"which does not fit the column's type {kind!r}; {hint}{allow}")
                if cell is not value:
                    out = list(values) if out is None else out
                    out[index] = cell
                if fitted is not kind:
                    kind, fast, nan_ok, fresh = fitted, fitted.fast, fitted.takes_nan, True
            index += 1
        return (values, kind, False) if out is None else (out, kind, True)

    def _check_room(self, adding: int) -> None:
        limit = type(self).MAX_ARTIFACT_ROWS
        if len(self.data) + adding > limit:
            raise ValueError(f"a Table holds at most {limit:,} rows (Table.MAX_ARTIFACT_ROWS); this one would have "
                             f"{len(self.data) + adding:,}")

    def _check_length(self, row: Sequence[Any], number: int) -> None:
        if len(row) != len(self.columns):
            raise ValueError(f"This table expects {len(self.columns)} columns: {self.columns}, found {len(row)} "
                             f"(row {number})")

    def _add_rows(self, rows: list[Any]) -> None:
        """Check and append rows, all or none."""
        if not rows:
            return
        start = len(self.data)
        if not set(map(type, rows)) <= {list, tuple}:
            rows = [_row(row, start + number) for number, row in enumerate(rows)]
        if set(map(len, rows)) != {len(self.columns)}:
            number = next(number for number, row in enumerate(rows) if len(row) != len(self.columns))
            self._check_length(rows[number], start + number)
        self._check_room(len(rows))
        fitted = [self._fit(name, column, start, kind, MIXED_HINT)
                  for name, column, kind in zip(self.columns, zip(*rows), self._types)]
        if any(changed for _, _, changed in fitted):
            self.data.extend(map(list, zip(*(values for values, _, _ in fitted))))
        else:
            self.data.extend(map(list, rows))
        self._types = [kind for _, kind, _ in fitted]

    def add_data(self, *data: Any) -> None:
        """Add a row, one value per column; a table holds at most MAX_ARTIFACT_ROWS rows."""
        self._check_length(data, len(self.data))
        self._check_room(1)
        row, kinds = list(data), self._types
        for index, value in enumerate(data):  # cell by cell: far quicker than _add_rows for one row
            kind, cls = kinds[index], type(value)
            if cls in kind.fast and (cls is not float or kind.takes_nan or not math.isnan(value)):
                continue
            values, fitted, _ = self._fit(self.columns[index], (value,), len(self.data), kind, MIXED_HINT)
            row[index] = values[0]
            if fitted is not kind:
                kinds = list(kinds) if kinds is self._types else kinds
                kinds[index] = fitted
        self.data.append(row)
        self._types = kinds
        self._changed()

    def add_row(self, *row: Any) -> None:
        """Deprecated: use add_data()."""
        warnings.warn("Table.add_row() is deprecated: use Table.add_data()", DeprecationWarning, stacklevel=2)
        self.add_data(*row)

    def _add_columns(self, names: list[Any], columns: list[list[Any]], optional: bool) -> None:
        """Check and append whole columns, all or none."""
        _checked_columns([*self.columns, *names])
        for name, values in zip(names, columns):
            if self.columns and len(values) != len(self.data):
                raise ValueError(f"column {name!r} has {len(values)} values, but the table has {len(self.data)} rows")
            if len(values) > type(self).MAX_ARTIFACT_ROWS:
                raise ValueError(f"a Table holds at most {type(self).MAX_ARTIFACT_ROWS:,} rows "
                                 f"(Table.MAX_ARTIFACT_ROWS); column {name!r} has {len(values):,} values")
        start = types.optional(types.UnknownType()) if optional else types.UnknownType()
        fitted = [self._fit(name, values, 0, start, "a column's values must all be of one type")
                  for name, values in zip(names, columns)]
        if not self.columns and columns:
            self.data = [[] for _ in columns[0]]
        for fitted_values, _, _ in fitted:
            for row, value in zip(self.data, fitted_values):
                row.append(value)
        self.columns.extend(names)
        self._types.extend(kind for _, kind, _ in fitted)
        self._changed()

    def add_column(self, name: str | int, data: Any, optional: bool = False) -> None:
        """Add a column of values of one type (a list or numpy array, one value per row); None values only
        with `optional`."""
        self._no_increments("add_column")
        self._add_columns([name], [_column_values(data, name)], optional)

    def add_computed_columns(self, fn: Callable[..., dict[str, Any]]) -> None:
        """Add columns computed from each row: `fn(ndx, row)` (or `fn(row)`), with `row` a dict keyed by
        column, returns a dict of the new columns' values for that row (the same keys for every row)."""
        self._no_increments("add_computed_columns")
        if not callable(fn):
            raise TypeError(f"add_computed_columns() takes a function, not {type(fn).__name__}")
        with_index = _takes_index(fn)
        names: list[Any] | None = None
        columns: list[list[Any]] = []
        for ndx, row in enumerate(self.data):
            values = dict(zip(self.columns, row))
            result = fn(ndx, values) if with_index else fn(values)
            if not isinstance(result, dict):
                raise TypeError(f"add_computed_columns(): fn returned {type(result).__name__} for row {ndx}; it must "
                                "return a dict of new column name -> value")
            if names is None:
                names, columns = list(result), [[] for _ in result]
            elif result.keys() != set(names):
                raise ValueError(f"add_computed_columns(): fn returned the columns {list(result)} for row {ndx} but "
                                 f"{names} for row 0; every row needs the same new columns")
            for column, name in zip(columns, names):
                column.append(result[name])
        if names:
            self._add_columns(names, columns, False)

    def cast(self, col_name: str | int, dtype: Any, optional: bool = False) -> None:
        """Set a column's type: a Python type, a runbase data type (class or example, such as Image), `[t]`
        for lists, `[t1, t2]` for either, `{key: t}` for dicts, or a value it must equal. The values already
        there must fit it."""
        index = self._index(col_name, "col_name")
        if not isinstance(optional, bool):
            raise TypeError(f"optional must be a bool, not {optional!r}")
        kind = types.from_dtype(dtype)
        values, kind, changed = self._fit(col_name, [row[index] for row in self.data], 0,
                                          types.optional(kind) if optional else kind,
                                          "cast() needs every value already in the column to fit")
        if changed:
            for row, value in zip(self.data, values):
                row[index] = value
        self._types[index] = kind
        self._changed()

    def _changed(self) -> None:
        """After a change: a MUTABLE table is logged anew next time; an IMMUTABLE one warns that it is not."""
        if self._logged is None or self.log_mode == "INCREMENTAL":
            return
        if self.log_mode == "MUTABLE":
            self._logged = None
        elif not self._warned:
            self._warned = True
            warnings.warn("this Table was logged already with log_mode='IMMUTABLE': later changes are not logged "
                          "(logging it again logs it as it was); create it with log_mode='MUTABLE' to log each "
                          "change", stacklevel=3)

    def _no_increments(self, what: str) -> None:
        if self.log_mode == "INCREMENTAL":
            raise Error(f"Table.{what}() is not available with log_mode='INCREMENTAL': increments only add rows "
                        "(use log_mode='MUTABLE' to change columns)")

    # -- reading -------------------------------------------------------------------------------------
    def _index(self, name: Any, what: str) -> int:
        try:
            return self.columns.index(name)
        except ValueError:
            raise ValueError(f"{what} {name!r} is not a column of this table; its columns are {self.columns}") \
                from None

    def get_column(self, name: str | int, convert_to: Literal["numpy"] | None = None) -> Any:
        """A column's values, as a list or (convert_to="numpy") a numpy array."""
        index = self._index(name, "name")
        if convert_to not in (None, "numpy"):
            raise ValueError(f"convert_to must be None or 'numpy', not {convert_to!r}")
        column = [row[index] for row in self.data]
        if convert_to is None:
            return column
        np = require("numpy", what="Table.get_column(convert_to='numpy')")
        try:
            return np.array(column)
        except ValueError:  # lists of different lengths, say: an array of objects
            array = np.empty(len(column), dtype=object)
            array[:] = column
            return array

    def get_index(self) -> list[int]:
        """The rows' indexes, to link rows of other tables to this one's."""
        return list(range(len(self.data)))

    def iterrows(self) -> Iterator[tuple[int, list[Any]]]:
        """Each row with its index."""
        return iter(enumerate(self.data))

    def get_dataframe(self) -> Any:
        """The table as a pandas DataFrame."""
        pandas = require("pandas", what="Table.get_dataframe()")
        return pandas.DataFrame.from_records(self.data, columns=self.columns)

    # -- storing -------------------------------------------------------------------------------------
    def _json(self, cells: _CellStore, rows: list[list[Any]], extra: dict[str, Any]) -> dict[str, Any]:
        """W&B's table JSON for these rows, media cells stored through `cells`."""
        data = rows
        converted = [index for index, kind in enumerate(self._types) if not kind.as_is]
        if converted:
            data = list(map(list, rows))
            for index in converted:
                for row in data:
                    row[index] = _cell_json(row[index], cells)
        type_map = {str(name): kind.to_json() for name, kind in zip(self.columns, self._types)}
        return {"_type": "table", "columns": self.columns, "data": data,
                "column_types": {"wb_type": "typedDict", "params": {"type_map": type_map}},
                "ncols": len(self.columns), "nrows": len(rows), "log_mode": self.log_mode, **extra}

    def to_json(self, store: MediaStore) -> dict[str, Any]:
        """In an artifact, the whole table's JSON; in a run, the JSON is stored as a run file (and the run's
        table artifact) and W&B's `table-file` descriptor returned."""
        if store.is_artifact:
            return self._json(_CellStore(store), self.data, {})
        if self.log_mode == "INCREMENTAL":
            return self._log_increment(store)
        where = getattr(store, "root", None)
        if self._logged is None or self._logged[0] != where:
            self._logged = (where, self._write(store, self.data, "table-file", {}))
        return dict(self._logged[1])

    def _log_increment(self, store: MediaStore) -> dict[str, Any]:
        rows = self.data[self._logged_rows:]
        if self._logged is not None and not rows:
            return dict(self._logged[1])  # nothing added since the last increment
        number = len(self._increments)
        if number == INCREMENTS_SHOWN:
            warnings.warn(f"this incremental Table is logged for the {number + 1}st time: W&B's UI shows only the "
                          f"latest {INCREMENTS_SHOWN} increments", stacklevel=3)
        described = self._write(store, rows, "incremental-table-file",
                                {"increment_num": number, "previous_increments_paths": list(self._increments)})
        self._increments.append(described["path"])
        self._logged_rows, self._logged = len(self.data), (None, described)
        return dict(described)

    def _write(self, store: MediaStore, rows: list[list[Any]], kind: str, extra: dict[str, Any]) -> dict[str, Any]:
        """Store the JSON of these rows as a run file; its descriptor."""
        cells = _CellStore(store)
        blob = dump_json(self._json(cells, rows, extra))
        digest = hashlib.sha256(blob).hexdigest()
        local = tmp_path(".table.json")
        local.write_bytes(blob)
        path = store.add(local, subdir="table", extension=".table.json", digest=digest, is_tmp=True)
        log_artifact = getattr(store, "log_table_artifact", None)
        if log_artifact is not None and kind == "table-file":  # an increment is read through the run's files
            log_artifact(local, cells.names)
        return {"_type": kind, "sha256": digest, "size": len(blob), "path": path, "ncols": len(self.columns),
                "nrows": len(self.data), "log_mode": self.log_mode, **extra}

    @classmethod
    def from_json(cls, table_dict: dict[str, Any], source: MediaSource) -> Table:
        """The table a table JSON holds, or the one a run's `table-file` (or `incremental-table-file`, with its
        earlier increments) descriptor names; media cells are rebuilt from the files `source` finds."""
        kind = table_dict.get("_type")
        if kind in ("table-file", "incremental-table-file"):
            paths = [*table_dict.get("previous_increments_paths", []), table_dict["path"]] \
                if kind == "incremental-table-file" else [table_dict["path"]]
            parts = [load_json(source.local_path(path)) for path in paths]
            whole = parts[-1]
            rows = [row for part in parts for row in part["data"]]
        elif isinstance(table_dict.get("columns"), list) and isinstance(table_dict.get("data"), list):
            whole, rows = table_dict, list(map(list, table_dict["data"]))  # the caller's lists stay theirs
        else:
            raise ValueError(f"not a table's JSON or descriptor: _type {kind!r}, keys {sorted(table_dict)}")
        log_mode: LogMode = whole["log_mode"] if whole.get("log_mode") in LOG_MODES else "IMMUTABLE"
        described = (whole.get("column_types") or {}).get("params", {}).get("type_map")
        if described is None:  # W&B's run-file preview has no types: infer them
            return cls(columns=whole["columns"], data=rows, log_mode=log_mode)
        columns = _checked_columns(whole["columns"])
        kinds = [types.from_json(described[str(name)], VALUE_CLASSES) if str(name) in described
                 else types.optional(types.UnknownType()) for name in columns]
        for index, each in enumerate(kinds):
            if not each.as_is:
                for row in rows:
                    row[index] = _revived(row[index], each, source)
        table = cls.__new__(cls)
        table._setup(columns, kinds, rows, log_mode)
        return table

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Table) and self.columns == other.columns and self.data == other.data \
            and [kind.to_json() for kind in self._types] == [kind.to_json() for kind in other._types]

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Table({len(self.columns)} columns {self.columns!r}, {len(self.data)} rows)"
