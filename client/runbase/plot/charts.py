"""Charts over a Table the user built (line, scatter, bar, histogram) and the line series chart, which builds
its own long-format table. The table is used as it is: W&B's specs bin and draw in the browser."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .custom_chart import CustomChart, as_table, new_table, plain, plot_table

if TYPE_CHECKING:
    from ..data_types.table import Table


def _table_chart(spec: str, table: Table, columns: dict[str, Any], title: str, split_table: bool) -> CustomChart:
    """A preset over the user's table; each of `columns` (spec field -> column name) must be one of its columns
    (a None stroke means none), since a misspelt name would only show an empty chart."""
    table = as_table(table, "table")
    for argument, column in columns.items():
        if column is not None and column not in table.columns:
            raise ValueError(f"{argument}={column!r} is not a column of the table (its columns: {table.columns})")
    return plot_table(spec, table, columns, {"title": title}, split_table)


def line(table: Table, x: str, y: str, stroke: str | None = None, title: str = "",
         split_table: bool = False) -> CustomChart:
    """A line chart of column `y` against column `x`, one line per value of column `stroke` if given."""
    return _table_chart("wandb/line/v0", table, {"x": x, "y": y, "stroke": stroke}, title, split_table)


def scatter(table: Table, x: str, y: str, title: str = "", split_table: bool = False) -> CustomChart:
    """A scatter plot of column `y` against column `x`."""
    return _table_chart("wandb/scatter/v0", table, {"x": x, "y": y}, title, split_table)


def bar(table: Table, label: str, value: str, title: str = "", split_table: bool = False) -> CustomChart:
    """One bar per row: its `label` column names it, its `value` column sets its length."""
    return _table_chart("wandb/bar/v0", table, {"label": label, "value": value}, title, split_table)


def histogram(table: Table, value: str, title: str = "", split_table: bool = False) -> CustomChart:
    """A histogram of column `value`, binned by the chart in the browser."""
    return _table_chart("wandb/histogram/v0", table, {"value": value}, title, split_table)


def _is_series(value: Any) -> bool:
    return isinstance(value, Iterable) and not isinstance(value, (str, bytes))


def _series(values: Any, argument: str) -> list[Any]:
    if not _is_series(values):
        raise TypeError(f"{argument} must be a sequence of values, not {type(values).__name__}")
    return [plain(value) for value in values]


def line_series(xs: Iterable[Iterable[Any]] | Iterable[Any], ys: Iterable[Iterable[Any]],
                keys: Iterable[str] | None = None, title: str = "", xname: str = "x",
                split_table: bool = False) -> CustomChart:
    """Several lines on one chart: `ys` holds one sequence of y values per line; `xs` is either one sequence
    of x values they all share, or one sequence per line. Lines are named by `keys` (default line_0, line_1,
    ...). The table is long-format (step, lineKey, lineVal), one row per point, line after line."""
    if not _is_series(ys):
        raise TypeError(f"ys must be a sequence of lines (each a sequence of y values), not {type(ys).__name__}")
    lines = [_series(values, f"ys[{i}]") for i, values in enumerate(ys)]
    if not _is_series(xs):
        raise TypeError(f"xs must be a sequence of x values, or one such sequence per line, not {type(xs).__name__}")
    given = list(xs)
    nested = [_is_series(item) for item in given]
    if given and all(nested):
        per_line = [_series(values, f"xs[{i}]") for i, values in enumerate(given)]
        if len(per_line) != len(lines):
            raise ValueError(f"xs holds {len(per_line)} sequences of x values but ys holds {len(lines)} lines: "
                             "give one x sequence per line, or a single one they share")
    elif any(nested):
        raise TypeError("xs must be either one sequence of x values or one sequence per line, not a mix of both")
    else:
        per_line = [[plain(x) for x in given]] * len(lines)
    names = [f"line_{i}" for i in range(len(lines))] if keys is None else list(keys)
    if len(names) != len(lines):
        raise ValueError(f"keys holds {len(names)} names but ys holds {len(lines)} lines: give one name per line")
    if not all(isinstance(name, str) for name in names):
        raise TypeError(f"keys must be strings (the lines' names), not {names!r}")
    rows: list[list[Any]] = []
    for i, (name, steps, values) in enumerate(zip(names, per_line, lines)):
        if len(steps) != len(values):
            raise ValueError(f"line {i} ({name!r}) has {len(values)} y values but {len(steps)} x values")
        rows.extend([x, name, y] for x, y in zip(steps, values))
    columns = ["step", "lineKey", "lineVal"]
    return plot_table("wandb/lineseries/v0", new_table(columns, rows), {name: name for name in columns},
                      {"title": title, "xname": xname}, split_table)
