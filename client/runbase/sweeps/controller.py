"""`runbase.controller()`: W&B's sweep controller object, over a sweep whose search runs on the server.

It reads a sweep (`controller("entity/project/id")`), creates one from a configuration
(`controller({...})`), or builds one with the `configure_*` methods and `create()`, as W&B's does. W&B's
controller can also run the search itself (`controller: {type: local}`, custom search and stopping
functions); here the server searches and stops runs for every agent, so those raise NotImplementedError, and
`run()` / `step()` report the sweep's progress rather than schedule runs."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

from ..errors import UsageError
from ..term import termlog
from . import SweepPath, connect, sweep, sweep_path

STEP_SECONDS = 5.0  # how often run() reports, as W&B's controller steps
ENDED = ("FINISHED", "CANCELED")
LOCAL = ("W&B's local controller (controller type local, custom search or stopping functions) is not built in "
         "runbase: the server searches and stops runs for every agent; use a method and early_terminate")


class Controller:
    def __init__(self, sweep_id_or_config: str | dict[str, Any] | None = None, entity: str | None = None,
                 project: str | None = None) -> None:
        self._entity, self._project = entity, project
        self._config: dict[str, Any] = {}
        self._path: SweepPath | None = None
        if isinstance(sweep_id_or_config, dict):
            self._config = copy.deepcopy(sweep_id_or_config)
            self.create()
        elif isinstance(sweep_id_or_config, str):
            _, settings = connect()
            self._path = sweep_path(sweep_id_or_config, entity, project, settings)
            self._config = self._read()["config"]
        elif sweep_id_or_config is not None:
            raise UsageError(f"controller() takes a sweep id, a configuration dict or nothing, "
                             f"not {type(sweep_id_or_config).__name__}")

    @property
    def sweep_config(self) -> dict[str, Any]:
        return copy.deepcopy(self._config)

    @property
    def sweep_id(self) -> str | None:
        return None if self._path is None else self._path.name

    def _configure_check(self) -> None:
        if self._path is not None:
            raise UsageError(f"sweep {self._path} exists: it can no longer be configured (create a new one)")

    def configure_search(self, search: str | Callable[..., Any]) -> None:
        self._configure_check()
        if not isinstance(search, str):
            raise NotImplementedError(LOCAL)
        self._config["method"] = search

    def configure_stopping(self, stopping: str | Callable[..., Any], **kwargs: Any) -> None:
        self._configure_check()
        if not isinstance(stopping, str):
            raise NotImplementedError(LOCAL)
        self._config["early_terminate"] = {"type": stopping, **kwargs}

    def configure_metric(self, metric: str, goal: str | None = None) -> None:
        self._configure_check()
        self._config["metric"] = {"name": metric, **({"goal": goal} if goal else {})}

    def configure_program(self, program: str) -> None:
        self._configure_check()
        if not isinstance(program, str):
            raise UsageError(f"the program is a path (a string), not {type(program).__name__}")
        self._config["program"] = program

    def configure_name(self, name: str) -> None:
        self._configure_check()
        self._config["name"] = name

    def configure_description(self, description: str) -> None:
        self._configure_check()
        self._config["description"] = description

    def configure_parameter(self, name: str, values: list[Any] | None = None, value: Any = None,
                            distribution: str | None = None, min: float | None = None, max: float | None = None,
                            mu: float | None = None, sigma: float | None = None, q: float | None = None,
                            a: float | None = None, b: float | None = None) -> None:
        self._configure_check()
        given = {"values": values, "value": value, "distribution": distribution, "min": min, "max": max, "mu": mu,
                 "sigma": sigma, "q": q, "a": a, "b": b}
        self._config.setdefault("parameters", {})[name] = {k: v for k, v in given.items() if v is not None}

    def configure_controller(self, type: str) -> None:
        self._configure_check()
        if type != "cloud":
            raise NotImplementedError(LOCAL)

    def configure(self) -> None:
        """W&B's check of the configuration before create(): the server checks it on creation."""
        self._configure_check()

    def create(self, from_dict: bool = False) -> str:
        """Create the sweep on the server (its errors name the bad key) and return its id."""
        self._configure_check()
        name = sweep(self._config, entity=self._entity, project=self._project)
        _, settings = connect()
        project = self._project or self._config.get("project")
        self._path = sweep_path(name, self._entity or self._config.get("entity"), project, settings)
        return name

    def _read(self) -> dict[str, Any]:
        from ..apis.public import Api

        assert self._path is not None
        found = Api().sweep(str(self._path))
        return {"config": dict(found.config), "state": found.state, "runs": len(found.runs)}

    def done(self) -> bool:
        """Whether the sweep has ended (FINISHED or CANCELED): its agents make no more runs."""
        return self._path is not None and self._read()["state"] in ENDED

    def step(self) -> None:
        """Report the sweep's state; the server has already handed out and stopped runs."""
        if self._path is None:
            raise UsageError("create() the sweep before stepping it")
        now = self._read()
        termlog(f"Sweep {self._path}: {now['state']}, {now['runs']} runs")

    def run(self, verbose: bool = False, print_status: bool = True, print_actions: bool = False,
            debug: bool = False) -> None:
        """Follow the sweep until it ends, reporting its state every few seconds."""
        while not self.done():
            if print_status:
                self.step()
            time.sleep(STEP_SECONDS)
