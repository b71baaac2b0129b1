"""runbase.Table in process: construction, W&B's column types and their JSON, every method of the reference,
bad input (wrong row lengths, cells that do not fit, sizes past the limit), and storing into runs and artifact
drafts (the end-to-end round trips are in tests/test_tables.py)."""

from __future__ import annotations

import datetime
import json
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import runbase
from runbase.data_types.histogram import Histogram
from runbase.data_types.html import Html
from runbase.data_types.media import DirectorySource, RunMediaStore
from runbase.data_types.table import Table, load_json
from runbase.errors import Error

NUMBER = {"wb_type": "number"}


def union(*names: str) -> dict[str, Any]:
    return {"wb_type": "union", "params": {"allowed_types": [{"wb_type": name} for name in names]}}


def types(table: Table) -> list[dict[str, Any]]:
    return [kind.to_json() for kind in table._types]


class TableStore(RunMediaStore):
    """A run's store as run.log makes it, recording the table artifacts it is asked to log."""

    def __init__(self, root: Path, key: str, step: int) -> None:
        self.uploaded: list[str] = []
        self.artifacts: list[tuple[dict[str, Any], list[str]]] = []
        super().__init__(root, key, step, self.uploaded.append)

    def log_table_artifact(self, json_path: Path, cell_names: list[str]) -> None:
        self.artifacts.append((load_json(json_path), cell_names))


def test_construction_from_rows_legacy_rows_numpy_and_defaults() -> None:
    assert (Table.MAX_ROWS, Table.MAX_ARTIFACT_ROWS) == (10000, 200000)
    assert Table().columns == ["Input", "Output", "Expected"] and Table().data == []
    table = Table(columns=["a", "b"], data=[[1, "x"], (2, "y")])
    assert table.data == [[1, "x"], [2, "y"]] and table.columns == ["a", "b"]
    assert Table(columns=["a", "b"], rows=[[1, "x"]]).data == [[1, "x"]]
    from_numpy = Table(columns=["a", "b"], data=np.array([[1, 2], [3, 4]], dtype=np.int32))
    assert from_numpy.data == [[1, 2], [3, 4]] and all(type(value) is int for row in from_numpy.data for value in row)
    assert Table(columns=[0, 1], data=[[1, 2]]).columns == [0, 1]
    rows = [[1, 2]]
    Table(columns=["a", "b"], data=rows).add_data(3, 4)
    assert rows == [[1, 2]]  # the caller's rows are copied


def test_column_types_are_written_as_w_and_b_writes_them() -> None:
    table = Table(columns=["n", "s", "b", "l", "d", "t"])
    assert types(table) == [union("none", "unknown")] * 6
    table.add_data(1, "x", True, [1, 2.5], {"k": "v"}, datetime.datetime(2024, 1, 1))
    assert types(table)[:3] == [union("none", "number"), union("none", "string"), union("boolean", "none")]
    assert types(table)[3] == {"wb_type": "union", "params": {"allowed_types": [
        {"wb_type": "none"}, {"wb_type": "list", "params": {"element_type": NUMBER, "length": 2}}]}}
    assert types(table)[4]["params"]["allowed_types"][1] == {"wb_type": "typedDict", "params": {"type_map": {
        "k": {"wb_type": "string"}}}}
    assert types(table)[5] == union("none", "timestamp")
    table.add_data(2, None, None, [3], None, None)
    assert types(table)[3]["params"]["allowed_types"][1]["params"]["length"] is None  # lengths differ now
    assert types(Table(columns=["a"], data=[[1]], optional=False)) == [NUMBER]
    assert types(Table(columns=["a"], data=[[1], ["x"]], allow_mixed_types=True)) == [union("any", "none")]
    assert types(Table(columns=["h"], data=[[Html("<p>hi</p>")], [None]])) == [union("html-file", "none")]
    assert types(Table(columns=["h"], data=[[Histogram([1, 2])]])) == [union("histogram", "none")]
    assert types(Table(columns=["a"], data=[[np.int64(3)], [np.float32(1.5)], [np.bool_(True) and 2]])) == [
        union("none", "number")]


def test_cells_are_kept_as_plain_python_values() -> None:
    table = Table(columns=["a", "b", "c", "d"])
    table.add_data(np.float64(0.5), np.array([[1, 2], [3, 4]]), (1, "x"), {"k": np.int8(3)})
    assert table.data == [[0.5, [[1, 2], [3, 4]], [1, "x"], {"k": 3}]]
    assert type(table.data[0][0]) is float and type(table.data[0][3]["k"]) is int
    assert types(table)[2]["params"]["allowed_types"][1]["params"]["element_type"] == union("number", "string")
    with_missing = Table(dataframe=pd.DataFrame({"i": pd.array([1, None], dtype="Int64")}))
    assert with_missing.data == [[1], [None]]


def test_a_row_of_the_wrong_length_is_refused_naming_the_columns() -> None:
    table = Table(columns=["a", "b"])
    with pytest.raises(ValueError, match=r"^This table expects 2 columns: \['a', 'b'\], found 3 \(row 0\)$"):
        table.add_data(1, 2, 3)
    with pytest.raises(ValueError, match=r"expects 2 columns: \['a', 'b'\], found 1 \(row 1\)"):
        Table(columns=["a", "b"], data=[[1, 2], [3]])
    with pytest.raises(ValueError, match=r"row 0 must be a list of values"):
        Table(columns=["a"], data=["ab"])
    assert table.data == []


def test_a_cell_that_does_not_fit_its_column_names_row_column_value_and_type() -> None:
    table = Table(columns=["id", "name"], data=[[1, "a"]])
    with pytest.raises(TypeError, match=r"^row 1, column 'id': 'two' is String, which does not fit the column's type "
                                        r"None or Number; create the Table with allow_mixed_types=True"):
        table.add_data("two", "b")
    with pytest.raises(TypeError, match=r"row 2, column 'name': 5 is Number, .* None or String"):
        Table(columns=["id", "name"], data=[[1, "a"], [2, "b"], [3, 5]])
    assert table.data == [[1, "a"]] and types(table)[0] == union("none", "number")  # nothing changed
    with pytest.raises(TypeError, match=r"row 1, column 'd': \{'j': 1\} is \{j: Number\}, .* \{k: Number\}"):
        Table(columns=["d"], data=[[{"k": 1}], [{"j": 1}]])
    with pytest.raises(TypeError, match=r"row 0, column 'o': values of type object cannot be table cells"):
        Table(columns=["o"], data=[[object()]])
    with pytest.raises(TypeError, match=r"row 0, column 'b': values of type bytes cannot be table cells"):
        Table(columns=["b"], data=[[b"raw"]])
    mixed = Table(columns=["a"], allow_mixed_types=True)
    for value in (1, "x", [1], None, {"k": 1}):
        mixed.add_data(value)
    assert [row[0] for row in mixed.data] == [1, "x", [1], None, {"k": 1}]


def test_none_and_nan_only_where_the_column_is_optional() -> None:
    required = Table(columns=["a"], data=[[1.5]], optional=False)
    with pytest.raises(TypeError, match=r"row 1, column 'a': None is None, .* type Number; .* or optional=True"):
        required.add_data(None)
    with pytest.raises(TypeError, match=r"row 1, column 'a': nan is None"):  # a NaN float is a missing value
        required.add_data(float("nan"))
    with pytest.raises(TypeError, match=r"row 0, column 'a': None"):
        Table(columns=["a"], data=[[None]], optional=False)
    per_column = Table(columns=["a", "b"], optional=[True, False])
    per_column.add_data(None, 1)
    with pytest.raises(TypeError, match=r"column 'b'"):
        per_column.add_data(1, None)
    nan = Table(columns=["a"], data=[[float("nan")], [1.0]])
    assert types(nan) == [union("none", "number")] and math.isnan(nan.data[0][0])


def test_bad_constructor_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match=r"log_mode must be one of IMMUTABLE, MUTABLE, INCREMENTAL, not 'APPEND'"):
        Table(log_mode="APPEND")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"columns must be a list"):
        Table(columns="abc")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"column names must be strings or ints, not 1.5"):
        Table(columns=["a", 1.5])  # type: ignore[list-item]
    with pytest.raises(ValueError, match=r"column names must be unique: 'a' appears twice"):
        Table(columns=["a", "a"])
    with pytest.raises(ValueError, match=r"dtype has 1 entries for 2 columns"):
        Table(columns=["a", "b"], dtype=[int])
    with pytest.raises(ValueError, match=r"optional has 3 entries for 2 columns"):
        Table(columns=["a", "b"], optional=[True, True, False])
    with pytest.raises(TypeError, match=r"optional must be a bool or a list of bools"):
        Table(columns=["a"], optional="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"dtype object has no table column type"):
        Table(columns=["a"], dtype=object)
    with pytest.raises(ValueError, match=r"must be 2-D \(rows x columns\), not 1-D"):
        Table(columns=["a"], data=np.arange(3))
    with pytest.raises(TypeError, match=r"data must be a list of rows, a 2-D numpy array or a pandas DataFrame"):
        Table(columns=["a"], data="rows")
    with pytest.raises(TypeError, match=r"dataframe must be a pandas DataFrame, not dict"):
        Table(dataframe={"a": [1]})


def test_a_table_holds_at_most_max_artifact_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Table, "MAX_ARTIFACT_ROWS", 3)
    with pytest.raises(ValueError, match=r"a Table holds at most 3 rows \(Table.MAX_ARTIFACT_ROWS\); this one would "
                                         r"have 4"):
        Table(columns=["a"], data=[[1]] * 4)
    table = Table(columns=["a"], data=[[1]] * 3)
    with pytest.raises(ValueError, match=r"at most 3 rows"):
        table.add_data(4)
    with pytest.raises(ValueError, match=r"at most 3 rows .* column 'a' has 4 values"):
        Table(columns=[]).add_column("a", [1, 2, 3, 4])
    assert len(table.data) == 3


def test_dtype_in_all_its_forms() -> None:
    assert types(Table(columns=["a", "b"], dtype=str)) == [union("none", "string")] * 2
    assert types(Table(columns=["a", "b"], dtype=[int, bool], optional=False)) == [NUMBER, {"wb_type": "boolean"}]
    assert types(Table(columns=["a"], dtype=[[int]], optional=False)) == [
        {"wb_type": "list", "params": {"element_type": NUMBER, "length": None}}]
    assert types(Table(columns=["a"], dtype=[[int, str]], optional=False)) == [union("number", "string")]
    assert types(Table(columns=["a"], dtype=[{"k": float}], optional=False)) == [
        {"wb_type": "typedDict", "params": {"type_map": {"k": NUMBER}}}]
    assert types(Table(columns=["a"], dtype=[np.int64], optional=False)) == [NUMBER]
    assert types(Table(columns=["a"], dtype=[datetime.date], optional=False)) == [{"wb_type": "timestamp"}]
    assert types(Table(columns=["h"], dtype=[Html], optional=False)) == [{"wb_type": "html-file"}]
    const = Table(columns=["a"], dtype=["cat"], optional=False)
    assert types(const) == [{"wb_type": "const", "params": {"val": "cat", "is_set": False}}]
    const.add_data("cat")
    with pytest.raises(TypeError, match=r"row 1, column 'a': 'dog' is String, .* type 'cat'"):
        const.add_data("dog")
    with pytest.raises(TypeError, match=r"row 0, column 'a': 'x' is String, .* type None or Number"):
        Table(columns=["a"], data=[["x"]], dtype=int)


def test_cast_checks_the_values_already_there() -> None:
    table = Table(columns=["a", "b"], data=[[1, "x"], [2, None]])
    table.cast("a", float)
    assert types(table)[0] == NUMBER
    with pytest.raises(TypeError, match=r"row 1, column 'b': None is None, .* type String; cast\(\) needs every value"):
        table.cast("b", str)
    table.cast("b", str, optional=True)
    assert types(table)[1] == union("none", "string")
    with pytest.raises(TypeError, match=r"row 0, column 'b': 'x' is String, .* None or Number"):
        table.cast("b", int, optional=True)
    with pytest.raises(ValueError, match=r"col_name 'c' is not a column of this table; its columns are \['a', 'b'\]"):
        table.cast("c", int)
    with pytest.raises(TypeError, match=r"optional must be a bool"):
        table.cast("a", int, optional="no")  # type: ignore[arg-type]


def test_add_column_and_its_bad_input() -> None:
    table = Table(columns=[])
    table.add_column("a", np.array([1, 2, 3]))
    table.add_column("b", ["x", "y", "z"])
    table.add_column("c", [None, 1.5, None], optional=True)
    assert table.data == [[1, "x", None], [2, "y", 1.5], [3, "z", None]]
    assert types(table) == [NUMBER, {"wb_type": "string"}, union("none", "number")]
    with pytest.raises(ValueError, match=r"column 'd' has 2 values, but the table has 3 rows"):
        table.add_column("d", [1, 2])
    with pytest.raises(ValueError, match=r"column names must be unique: 'a' appears twice"):
        table.add_column("a", [1, 2, 3])
    with pytest.raises(TypeError, match=r"row 1, column 'd': None is None, .* or optional=True"):
        table.add_column("d", [1, None, 3])
    with pytest.raises(TypeError, match=r"row 2, column 'd': 'z' is String"):
        table.add_column("d", [1, 2, "z"])
    with pytest.raises(TypeError, match=r"add_column\('d'\): data must be a list or a numpy array, not int"):
        table.add_column("d", 5)
    assert table.columns == ["a", "b", "c"] and len(table.data[0]) == 3  # nothing half-added


def test_add_computed_columns_with_and_without_the_index() -> None:
    table = Table(columns=["x"], data=[[1], [2]])
    table.add_computed_columns(lambda ndx, row: {"double": row["x"] * 2, "ndx": ndx})
    table.add_computed_columns(lambda row: {"label": f"x={row['x']}"})
    assert table.columns == ["x", "double", "ndx", "label"]
    assert table.data == [[1, 2, 0, "x=1"], [2, 4, 1, "x=2"]]
    with pytest.raises(TypeError, match=r"fn returned int for row 0; it must return a dict"):
        table.add_computed_columns(lambda row: 3)
    with pytest.raises(ValueError, match=r"fn returned the columns \['b'\] for row 1 but \['a'\] for row 0"):
        table.add_computed_columns(lambda ndx, row: {"a": 1} if ndx == 0 else {"b": 1})
    with pytest.raises(TypeError, match=r"add_computed_columns\(\) takes a function, not str"):
        table.add_computed_columns("double")  # type: ignore[arg-type]
    assert len(table.columns) == 4


def test_get_column_index_rows_and_dataframe() -> None:
    table = Table(columns=["a", "b"], data=[[1, [1, 2]], [2, [3]]])
    assert table.get_column("a") == [1, 2]
    numbers = table.get_column("a", convert_to="numpy")
    assert isinstance(numbers, np.ndarray) and numbers.tolist() == [1, 2]
    ragged = table.get_column("b", convert_to="numpy")
    assert ragged.dtype == object and ragged.tolist() == [[1, 2], [3]]
    with pytest.raises(ValueError, match=r"convert_to must be None or 'numpy', not 'list'"):
        table.get_column("a", convert_to="list")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"name 'z' is not a column"):
        table.get_column("z")
    assert table.get_index() == [0, 1]
    assert list(table.iterrows()) == [(0, [1, [1, 2]]), (1, [2, [3]])]
    frame = table.get_dataframe()
    assert list(frame.columns) == ["a", "b"] and frame["a"].tolist() == [1, 2]


def test_a_dataframe_gives_its_columns_and_typed_values() -> None:
    frame = pd.DataFrame({"n": [1, 2], "f": [0.5, np.nan], "s": ["a", "b"],
                          "t": pd.to_datetime(["2024-01-01", "2024-01-02"])})
    table = Table(columns=["ignored"], dataframe=frame)
    assert table.columns == ["n", "f", "s", "t"]
    assert table.data[0][:3] == [1, 0.5, "a"] and math.isnan(table.data[1][1])
    assert types(table) == [union("none", "number"), union("none", "number"), union("none", "string"),
                            union("none", "timestamp")]
    assert Table(data=frame).columns == ["n", "f", "s", "t"]  # a DataFrame given as data


def test_add_row_is_deprecated_and_incremental_tables_only_add_rows() -> None:
    table = Table(columns=["a"])
    with pytest.warns(DeprecationWarning, match=r"Table.add_row\(\) is deprecated: use Table.add_data\(\)"):
        table.add_row(1)
    assert table.data == [[1]]
    incremental = Table(columns=["a"], data=[[1]], log_mode="INCREMENTAL")
    with pytest.raises(Error, match=r"Table.add_column\(\) is not available with log_mode='INCREMENTAL'"):
        incremental.add_column("b", [1])
    with pytest.raises(Error, match=r"add_computed_columns\(\) is not available"):
        incremental.add_computed_columns(lambda row: {"b": 1})


def test_logged_to_a_run_the_json_is_a_run_file_and_the_row_a_table_file(tmp_path: Path) -> None:
    table = Table(columns=["page", "when"], data=[[Html("<p>a</p>"), datetime.date(2024, 1, 2)], [None, None]])
    store = TableStore(tmp_path, "pages", 4)
    described = table.to_json(store)
    assert list(described) == ["_type", "sha256", "size", "path", "ncols", "nrows", "log_mode"]
    assert described["_type"] == "table-file" and (described["ncols"], described["nrows"]) == (2, 2)
    assert described["path"] == f"media/table/pages_4_{described['sha256'][:20]}.table.json"
    stored = (tmp_path / described["path"]).read_bytes()
    assert len(stored) == described["size"]
    whole = json.loads(stored)
    page = whole["data"][0][0]
    assert page["_type"] == "html-file" and page["path"].startswith("media/html/") and whole["data"][0][1] == \
        1704153600000
    assert sorted(store.uploaded) == sorted([described["path"], page["path"]])
    assert store.artifacts == [(whole, [page["path"]])]  # the run's table artifact: the same JSON and cells
    back = Table.from_json(described, DirectorySource(tmp_path))
    assert back.get_column("when") == [datetime.datetime(2024, 1, 2, tzinfo=datetime.timezone.utc), None]
    assert back.get_column("page")[0].html == table.get_column("page")[0].html
    assert table.to_json(TableStore(tmp_path, "pages", 5)) == described  # IMMUTABLE: logged once


def test_mutable_and_incremental_logging_in_process(tmp_path: Path) -> None:
    mutable = Table(columns=["a"], data=[[1]], log_mode="MUTABLE")
    first = mutable.to_json(TableStore(tmp_path, "m", 0))
    assert mutable.to_json(TableStore(tmp_path, "m", 1)) == first  # unchanged: the same file
    mutable.add_data(2)
    second = mutable.to_json(TableStore(tmp_path, "m", 2))
    assert second["path"] != first["path"] and second["nrows"] == 2
    incremental = Table(columns=["a"], log_mode="INCREMENTAL")
    incremental.add_data(1)
    one = incremental.to_json(TableStore(tmp_path, "i", 0))
    assert incremental.to_json(TableStore(tmp_path, "i", 1)) == one  # nothing new since: no new increment
    incremental.add_data(2)
    two = incremental.to_json(TableStore(tmp_path, "i", 2))
    assert (two["increment_num"], two["previous_increments_paths"], two["nrows"]) == (1, [one["path"]], 2)
    assert load_json(tmp_path / two["path"])["data"] == [[2]]
    assert Table.from_json(two, DirectorySource(tmp_path)).data == [[1], [2]]


def test_artifact_add_names_the_entry_after_the_type_and_stores_cells(tmp_path: Path) -> None:
    artifact = runbase.Artifact("things", "dataset")
    table = Table(columns=["page", "n"], data=[[Html("<p>a</p>"), 1]])
    entry = artifact.add(table, "preds")
    assert entry.path == "preds.table.json"
    assert artifact.add(Histogram([1, 2, 3], num_bins=3), "dist/h").path == "dist/h.histogram.json"
    assert artifact.add(table, "again.table.json").path == "again.table.json"  # the suffix is not doubled
    content = Path(entry.local_path or "").read_bytes()
    whole = json.loads(content)
    assert list(whole) == sorted(whole)  # keys sorted, as W&B writes them
    assert whole["_type"] == "table" and whole["columns"] == ["page", "n"] and whole["nrows"] == 1
    cell = whole["data"][0][0]
    assert cell["path"] in artifact.manifest.entries and cell["path"].startswith("media/html/")
    assert whole["column_types"]["params"]["type_map"]["page"] == union("html-file", "none")
    with pytest.raises(ValueError, match=r"already has a file at 'preds.table.json'; pass overwrite=True"):
        artifact.add(Table(columns=["x"]), "preds")
    assert artifact.add(Table(columns=["x"]), "preds", overwrite=True).digest != entry.digest
    with pytest.raises(TypeError, match=r"Artifact.add\(\) stores runbase data types .* not dict"):
        artifact.add({"a": 1}, "raw")  # type: ignore[arg-type]


def test_tables_w_and_b_wrote_read_back(tmp_path: Path) -> None:
    written = tmp_path / "t.table.json"
    written.write_text(json.dumps({
        "_type": "table", "columns": ["x", "img", "arr"], "data": [[float("nan"), None, None], [1.5, None, None]],
        "column_types": {"wb_type": "typedDict", "params": {"type_map": {
            "x": union("none", "number"),
            "img": {"wb_type": "image-file", "params": {"box_layers": {"wb_type": "const", "params": {"val": {}}}}},
            "arr": {"wb_type": "ndarray", "params": {"shape": [3], "serialization_path": None}}}}},
        "ncols": 3, "nrows": 2, "log_mode": "IMMUTABLE"}))
    assert "NaN" in written.read_text()  # as Python's json (and W&B) write it
    table = Table.from_json(load_json(written), DirectorySource(tmp_path))
    assert math.isnan(table.data[0][0]) and table.data[1] == [1.5, None, None]
    assert types(table)[2] == {"wb_type": "ndarray", "params": {"shape": [3], "serialization_path": None}}
    table.add_data(2, "anything", [1, 2, 3])  # types runbase does not model take any value
    preview = Table.from_json({"columns": ["a", "b"], "data": [[1, "Image"], [2, "Image"]]}, DirectorySource(tmp_path))
    assert types(preview) == [union("none", "number"), union("none", "string")]  # W&B's run file: types inferred
    with pytest.raises(ValueError, match=r"not a table's JSON or descriptor: _type 'image-file'"):
        Table.from_json({"_type": "image-file", "path": "x.png"}, DirectorySource(tmp_path))


def test_an_immutable_table_changed_after_logging_warns_once(tmp_path: Path) -> None:
    table = Table(columns=["a"], data=[[1]])
    table.add_data(2)  # not logged yet: no warning
    described = table.to_json(TableStore(tmp_path, "t", 0))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table.add_data(3)
        table.add_data(4)
    assert [str(each.message) for each in caught] == [(
        "this Table was logged already with log_mode='IMMUTABLE': later changes are not logged (logging it again "
        "logs it as it was); create it with log_mode='MUTABLE' to log each change")]
    assert table.to_json(TableStore(tmp_path, "t", 1)) == described and described["nrows"] == 2
