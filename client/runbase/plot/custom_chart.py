"""A custom chart: a Table plus the name of a Vega spec stored on the server and the settings that bind the
spec's fields to the table's columns. Nothing is drawn on the client; `run.log` stores the table (as
`{key}_table`) and records the spec in the run's config (`_wandb.visualize.{key}`), in W&B's format, so
that W&B's UI and Public API code find both where they look."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import Error

if TYPE_CHECKING:
    from ..data_types.table import Table

PANEL_TYPE = "Vega2"
SPLIT_SECTION = "Custom Chart Tables"  # where W&B's UI shows the tables of charts logged with split_table


def plain(value: Any) -> Any:
    """A numpy scalar as the Python number it holds (tables and JSON want Python values)."""
    return value.item() if type(value).__module__ == "numpy" and hasattr(value, "item") else value


def as_table(value: Any, argument: str) -> Table:
    """`value`, checked to be a runbase Table."""
    from ..data_types.table import Table

    if not isinstance(value, Table):
        raise Error(f"{argument} must be a runbase Table (wandb.Table), not {type(value).__name__}")
    return value


def new_table(columns: list[str], rows: list[list[Any]]) -> Table:
    """A table the presets build from values they computed."""
    from ..data_types.table import Table

    return Table(columns=columns, data=rows)


@dataclass(eq=False)
class CustomChart:
    """What the `runbase.plot` functions return; log it with `run.log({key: chart})`."""

    table: Table
    spec_name: str  # the Vega spec's id on the server, e.g. "wandb/line/v0"
    fields: dict[str, Any]  # spec field -> table column
    string_fields: dict[str, Any] = field(default_factory=dict)  # spec string constant -> value (a title, ...)
    split_table: bool = False

    def table_key(self, key: str) -> str:
        """The history key the chart's table is logged under when the chart is logged under `key`."""
        return f"{SPLIT_SECTION}/{key}_table" if self.split_table else f"{key}_table"

    def config_value(self, table_key: str) -> dict[str, Any]:
        """The panel W&B's UI builds from `config._wandb.visualize.{key}`: the spec, its settings, and the
        query that fetches the table logged under `table_key` from each run's summary."""
        names = ("id", "name", "_defaultColorIndex")
        table_query = {"name": "summaryTable", "args": [{"name": "tableKey", "value": table_key}], "fields": []}
        query = {"name": "runSets", "args": [{"name": "runSets", "value": "${runSets}"}],
                 "fields": [*({"name": name, "fields": []} for name in names), table_query]}
        return {"panel_type": PANEL_TYPE, "panel_config": {
            "panelDefId": self.spec_name, "fieldSettings": dict(self.fields),
            "stringSettings": dict(self.string_fields), "transform": {"name": "tableWithLeafColNames"},
            "userQuery": {"queryFields": [query]}}}


def _settings(value: Any, argument: str) -> dict[str, Any]:
    if not isinstance(value, Mapping) or not all(isinstance(name, str) for name in value):
        raise TypeError(f"{argument} must be a dict keyed by the spec's field names (strings), not "
                        f"{type(value).__name__}")
    return dict(value)


def plot_table(vega_spec_name: str, data_table: Table, fields: dict[str, Any],
               string_fields: dict[str, Any] | None = None, split_table: bool = False) -> CustomChart:
    """A chart of `data_table` drawn by the Vega spec `vega_spec_name` (one the server knows, such as
    "wandb/line/v0" or a custom one), with `fields` naming the columns the spec's fields read."""
    if not isinstance(vega_spec_name, str) or not vega_spec_name.strip():
        raise ValueError(f"vega_spec_name must name a Vega spec (e.g. 'wandb/line/v0'), not {vega_spec_name!r}")
    table = as_table(data_table, "data_table")
    if not isinstance(split_table, bool):
        raise TypeError(f"split_table must be True or False, not {split_table!r}")
    return CustomChart(table, vega_spec_name, _settings(fields, "fields"),
                       {} if string_fields is None else _settings(string_fields, "string_fields"), split_table)
