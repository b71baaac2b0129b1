"""Run.log_code(): the source files of a project as a "code" artifact."""

from __future__ import annotations

import inspect
import os
import re
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from . import names

if TYPE_CHECKING:
    from .artifact import Artifact

CODE_FILES = re.compile(r"(.*\.py|requirements.*\.txt|Dockerfile.*)")
RUNBASE_DIRS = ("wandb", ".wandb", "runbase", ".runbase")


def _is_py_requirements_or_dockerfile(path: str, root: str | None = None) -> bool:
    """log_code()'s default (W&B's name): Python files, requirements files and Dockerfiles."""
    return bool(CODE_FILES.fullmatch(os.path.basename(path)))


def exclude_runbase_fn(path: str, root: str) -> bool:
    """log_code()'s default exclusion: what runbase (or wandb) writes below root."""
    return os.path.relpath(path, root).split(os.sep)[0] in RUNBASE_DIRS


def _call(fn: Callable[..., bool], path: str, root: str) -> bool:
    """Call a filter that takes (path, root) or just (path)."""
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return bool(fn(path, root))
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    varargs = any(p.kind == p.VAR_POSITIONAL for p in parameters)
    return bool(fn(path, root) if varargs or len(positional) >= 2 else fn(path))


def default_name(project: str, root: str) -> str:
    """W&B's default: source-<project>-<the script's path below root>, in the characters names allow."""
    script = sys.argv[0] if sys.argv and sys.argv[0] not in ("", "-c") else "interactive"
    if script != "interactive":
        script = os.path.relpath(os.path.abspath(script), root)
    return names.safe_name(f"source-{project}-{script}")


def code_artifact(root: str, name: str | None, project: str, *, include_fn: Callable[..., bool],
                  exclude_fn: Callable[..., bool]) -> Artifact | None:
    """A draft of the files under root that include_fn takes and exclude_fn does not; None when none do.
    Filters get (path, root) or (path), as they accept."""
    from ..files import name_under  # here, not above: run.py imports this module's defaults on every start
    from .artifact import Artifact

    base = os.path.abspath(root)
    if not os.path.isdir(base):
        raise ValueError(f"log_code(): root {root!r} is not a directory")
    artifact = Artifact(name or default_name(project, base), "code")
    for folder, subfolders, filenames in os.walk(base):
        if exclude_fn is exclude_runbase_fn:  # user filters only ever see files, as in W&B
            subfolders[:] = [d for d in subfolders if not exclude_runbase_fn(os.path.join(folder, d), base)]
        for filename in sorted(filenames):
            path = os.path.join(folder, filename)
            if _call(include_fn, path, base) and not _call(exclude_fn, path, base):
                artifact.add_file(path, name=name_under(path, base, "artifact file name"))
    return artifact if artifact.manifest.entries else None
