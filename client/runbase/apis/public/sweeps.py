"""Sweeps as the Public API reads them: Api.sweep(), Project.sweeps(), Run.sweep."""

from __future__ import annotations

import json
import sys
from typing import Any
from urllib.parse import quote_plus

from ...connection import Connection
from ...links import page_url
from ...term import termwarn
from ..paginator import Paginator
from .runs import Run, Runs

FINITE = {"$gte": -sys.float_info.max, "$lte": sys.float_info.max}  # matches finite numbers only (not NaN)
RUN_ORDER_KEYS = ("created_at", "createdAt", "heartbeat_at", "heartbeatAt", "name", "display_name", "displayName",
                  "state")


def order_key(order: str) -> str:
    """W&B's reading of an order: "+loss" or "loss" (descending) means the summary metric, "+config.lr" the
    config key; run fields (created_at, ...) stay as they are."""
    direction, key = (order[0], order[1:]) if order[:1] in ("+", "-") else ("-", order)
    head = key.split(".", 1)[0]
    if key in RUN_ORDER_KEYS or head in ("config", "summary_metrics"):
        return direction + key
    return f"{direction}summary_metrics.{key}"


class Sweep:
    """A sweep and its runs. Attributes as W&B's: id, entity, project, config, state, name,
    expected_run_count, url, path, order, runs; best_run(order)."""

    def __init__(self, client: Connection, entity: str, project: str, sweep_id: str,
                 attrs: dict[str, Any] | None = None) -> None:
        self.client = client
        self._entity = entity
        self.project = project
        self.id = sweep_id
        self._attrs: dict[str, Any] = dict(attrs or {})
        self.runs = self._runs()
        if not attrs:
            self.load(force=True)

    def _runs(self, order: str = "+created_at", per_page: int = 10, *, finite: str | None = None) -> Runs:
        """The sweep's runs in `order`; with `finite`, only those whose value at that key is a finite number (an
        array holding one matches the comparisons, so arrays, which have an element 0, are left out)."""
        conditions: list[dict[str, Any]] = [{"sweep": self.id}]
        if finite is not None:
            conditions += [{finite: FINITE}, {f"{finite}.0": {"$exists": False}}]
        return Runs(self.client, self.entity, self.project, order=order, per_page=per_page,
                    filters={"$and": conditions})

    @classmethod
    def get(cls, client: Connection, entity: str | None = None, project: str | None = None, sid: str | None = None,
            order: str | None = None, query: str | None = None, **kwargs: Any) -> Sweep | None:
        """The sweep, or None when there is none (or no access to it); its runs in `order`."""
        if query is not None:
            raise NotImplementedError("Sweep.get(query=...): runbase sends its own query; custom queries are "
                                      "not built")
        found = client.project_sweep(entity=entity, project=project or "", name=sid or "").project
        if found is None or found.sweep is None:
            return None
        attrs = found.sweep.model_dump()
        sweep = cls(client, attrs["project"]["entity_name"], attrs["project"]["name"], attrs["name"], attrs=attrs)
        sweep.runs = sweep._runs(order=order or "+created_at")
        return sweep

    def load(self, force: bool = False) -> dict[str, Any]:
        if force or not self._attrs:
            sweep = self.get(self.client, self.entity, self.project, self.id)
            if sweep is None:
                raise ValueError(f"Could not find sweep {self.entity}/{self.project}/{self.id} (or no access "
                                 "to it)")
            self._attrs, self._entity, self.runs = sweep._attrs, sweep.entity, sweep.runs
        return self._attrs

    @property
    def entity(self) -> str:
        return self._entity

    @property
    def username(self) -> str:
        termwarn("Sweep.username is deprecated. please use Sweep.entity instead.")
        return self._entity

    @property
    def config(self) -> dict[str, Any]:
        """The sweep configuration as it was given."""
        config: dict[str, Any] = json.loads(self._attrs["config"])
        return config

    @property
    def state(self) -> str | None:
        return self._attrs.get("state")

    @property
    def name(self) -> str:
        """The display name, else the configuration's name, else the id."""
        return self._attrs.get("display_name") or self.config.get("name") or self.id

    @property
    def description(self) -> str | None:
        return self._attrs.get("description")

    @property
    def expected_run_count(self) -> int | None:
        """How many runs the sweep will make (a grid's size, or its run cap), None for a search without end."""
        return self._attrs.get("run_count_expected")

    @property
    def order(self) -> str | None:
        """The order of the configuration's metric: ascending when minimized, descending when maximized."""
        metric = self.config.get("metric")
        if not isinstance(metric, dict) or not metric.get("name"):
            return None
        prefix = "+" if metric.get("goal", "minimize") == "minimize" else "-"
        return order_key(prefix + str(metric["name"]))

    def best_run(self, order: str | None = None) -> Run | None:
        """The best run by the metric of the configuration, or by `order`. By a summary metric, the run with the
        best finite number there: NaN, the infinities and values that are not numbers are never the best (None
        when no run has a finite number)."""
        order = self.order if order is None else order_key(order)
        if order is None:
            termwarn("No order specified and couldn't find metric in sweep config, returning most recent run")
            order = "-created_at"
        key = order[1:]
        try:
            best: Run = self._runs(order=order, per_page=1,
                                   finite=key if key.startswith("summary_metrics.") else None)[0]
        except IndexError:
            return None
        return best

    @property
    def path(self) -> list[str]:
        return [quote_plus(self.entity), quote_plus(self.project), quote_plus(self.id)]

    @property
    def url(self) -> str:
        return page_url(self.client.base_url, self.entity, self.project, "sweeps", self.id)

    def to_html(self, height: int = 420, hidden: bool = False) -> str:
        style = f"border:none;width:100%;height:{height}px;" + ("display:none;" if hidden else "")
        return f"<iframe src={self.url + '?jupyter=true'!r} style={style!r}></iframe>"

    def __repr__(self) -> str:
        return f"<Sweep {'/'.join(self.path)} ({self._attrs.get('state', 'Unknown State')})>"


class Sweeps(Paginator[Sweep]):
    """The sweeps of a project, newest first."""

    def __init__(self, client: Connection, entity: str, project: str, per_page: int = 50) -> None:
        super().__init__(per_page)
        self.client = client
        self.entity = entity
        self.project = project

    def _fetch(self, after: str | None) -> tuple[list[Sweep], str | None, bool]:
        found = self.client.project_sweeps(entity=self.entity, project=self.project, first=self.per_page,
                                           after=after).project
        if found is None:
            raise ValueError(f"Could not find project {self.entity}/{self.project} (or no access to it)")
        self._length = found.total_sweeps
        sweeps = [Sweep(self.client, self.entity, self.project, edge.node.name, attrs=edge.node.model_dump())
                  for edge in found.sweeps.edges]
        return sweeps, found.sweeps.page_info.end_cursor, found.sweeps.page_info.has_next_page

    def _count(self) -> int:
        self._next_page()
        return self._length if self._length is not None else len(self.objects)

    def __repr__(self) -> str:
        return f"<Sweeps {self.entity}/{self.project}>"


def sweep_of(run: Run) -> Sweep | None:
    """The sweep a run belongs to."""
    name = run._attrs.get("sweep_name")
    return None if not name else Sweep(run.client, run.entity, run.project, name)
