"""Hyperparameter sweeps (W&B's sweep, controller and agent): not built yet. The functions exist, with W&B's
signatures, so that a script calling them learns that at once instead of from an AttributeError."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn


def _not_built(what: str) -> NoReturn:
    raise NotImplementedError(f"runbase.{what}() is not supported yet: runbase has no hyperparameter sweeps")


def sweep(sweep: dict[str, Any] | Callable[[], dict[str, Any]], entity: str | None = None,
          project: str | None = None, prior_runs: list[str] | None = None) -> str:
    _not_built("sweep")


def controller(sweep_id_or_config: str | dict[str, Any] | None = None, entity: str | None = None,
               project: str | None = None) -> Any:
    _not_built("controller")


def agent(sweep_id: str, function: Callable[[], Any] | None = None, entity: str | None = None,
          project: str | None = None, count: int | None = None) -> None:
    _not_built("agent")
