"""The run's wandb-metadata.json, requirements.txt and code (save_code): what W&B v0.21 records at init, with
its field names, so a W&B reader finds what it expects; the settings that name the program, git state, host,
user, email, docker image and executable replace what is detected. Beyond W&B, the `git` field also holds
`branch` and `dirty` (whether `git status --porcelain` lists anything), which cost one call each."""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import logging
import os
import platform
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .settings import Settings, filled

log = logging.getLogger("runbase.metadata")
METADATA_FILE = "wandb-metadata.json"
DIFF_FILE = "diff.patch"
MAX_REMOTE_REFS = 100  # remote branches looked at for the upstream commit, each a `git merge-base`
REQUIREMENTS_FILE = "requirements.txt"
GIT_TIMEOUT = 5.0  # seconds per git call: a hung git (a network filesystem) must not hold init up


@dataclass(frozen=True)
class Program:
    """The main program as W&B names it: as invoked (`program`), absolute, relative to the git root (or the
    working directory when not in a repository; None when it lies outside it) and relative to the cwd."""

    program: str
    abspath: str | None
    relpath: str | None
    local: str | None


def git(directory: str, *args: str) -> str | None:
    """`git args` in the directory, its output stripped of the last newline; None without git, outside a
    repository, on failure or after GIT_TIMEOUT."""
    if shutil.which("git") is None:
        return None
    try:
        done = subprocess.run(["git", *args], cwd=directory, capture_output=True, text=True, timeout=GIT_TIMEOUT,
                              check=False)
    except (OSError, subprocess.SubprocessError) as e:
        log.debug("git %s: %s", args, e)
        return None
    return done.stdout.removesuffix("\n") if done.returncode == 0 else None


def find_program(settings: Settings) -> Program:
    """The program: the `program` setting, else `__main__.__file__`, else "-m <module>" or W&B's stand-in."""
    main = sys.modules.get("__main__")
    path = os.fspath(settings.program) if settings.program else getattr(main, "__file__", None)
    if not path:
        return Program("<python with no main file>", None, None, None)
    spec = getattr(main, "__spec__", None)
    invoked = f"-m {spec.name}" if spec is not None and not settings.program and spec.name != "__main__" else path
    abspath = settings.program_abspath or os.path.abspath(path)
    if not os.path.isfile(abspath):
        return Program(invoked, None, settings.program_relpath, None)
    root = settings.git_root or git(os.path.dirname(abspath), "rev-parse", "--show-toplevel") or os.getcwd()
    found = os.path.relpath(abspath, root)
    relpath = settings.program_relpath or (None if found.startswith(os.pardir) else found.replace(os.sep, "/"))
    return Program(invoked, abspath, relpath, os.path.relpath(abspath).replace(os.sep, "/"))


def git_state(directory: str, remote_name: str = "origin") -> dict[str, Any] | None:
    """W&B's {remote, commit} (the URL of the remote named), plus branch and dirty; None outside a repository
    (or without git)."""
    commit = git(directory, "rev-parse", "HEAD")
    if commit is None:
        return None
    state: dict[str, Any] = {"commit": commit}
    remote = git(directory, "remote", "get-url", remote_name)
    branch = git(directory, "rev-parse", "--abbrev-ref", "HEAD")
    if remote:
        state["remote"] = remote
    if branch and branch != "HEAD":
        state["branch"] = branch
    status = git(directory, "status", "--porcelain", "--untracked-files=no")
    if status is not None:
        state["dirty"] = bool(status)
    return state


def upstream_commit(directory: str) -> str | None:
    """The newest ancestor of HEAD on a remote-tracking branch (what W&B diffs against for its upstream patch):
    the current branch's upstream, else the newest merge base with any remote branch (the first
    MAX_REMOTE_REFS of them)."""
    tracked = git(directory, "rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}")
    refs = [tracked] if tracked else (git(directory, "for-each-ref", "--format=%(refname)", "refs/remotes") or
                                      "").split()[:MAX_REMOTE_REFS]
    bases = {base for ref in refs if (base := git(directory, "merge-base", "HEAD", ref))}
    if len(bases) <= 1:
        return next(iter(bases), None)
    dated = {base: git(directory, "show", "-s", "--format=%ct", base) or "0" for base in bases}
    return max(bases, key=lambda base: int(dated[base]) if dated[base].isdigit() else 0)


def _started_at(start_time: float) -> str:
    """RFC 3339 in UTC with a Z, as protojson writes timestamps."""
    stamp = datetime.datetime.fromtimestamp(start_time, datetime.timezone.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def describe(settings: Settings, program: Program, *, start_time: float, email: str | None) -> dict[str, Any]:
    """wandb-metadata.json's contents (fields that would be empty are left out, as in W&B's file)."""
    from .system.host import describe_machine

    info: dict[str, Any] = {
        "os": platform.platform(aliased=True),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "startedAt": _started_at(start_time),
        "args": sys.argv[1:],
        "program": program.program,
        "codePath": program.relpath,
        "codePathLocal": program.local,
        "git": None if filled(settings.disable_git, "disable_git") else _git(settings, program),
        "email": settings.email or email,
        "root": os.path.abspath(settings.root_dir or os.getcwd()),
        "host": settings.host or socket.gethostname(),
        "username": settings.username,
        "executable": settings.x_executable or sys.executable,
        "docker": settings.docker,
    }
    info = {key: value for key, value in info.items() if value not in (None, "")}
    if not filled(settings.x_disable_machine_info, "x_disable_machine_info"):
        from .settings import stats_values
        from .system.gpu import gpu_description

        stats = stats_values(settings)
        info.update(describe_machine(stats["x_stats_disk_paths"]))
        info.update(gpu_description(stats["x_stats_gpu_device_ids"]))
        counts = {"cpu_count": stats["x_stats_cpu_count"], "cpu_count_logical": stats["x_stats_cpu_logical_count"],
                  "gpu_count": stats["x_stats_gpu_count"], "gpu": settings.x_stats_gpu_type}
        info.update({key: value for key, value in counts.items() if value is not None})  # set ones replace found
    return info


def _directory(settings: Settings, program: Program) -> str:
    """Where git runs: the git_root setting, else the program's folder, else the working directory."""
    return settings.git_root or (os.path.dirname(program.abspath) if program.abspath else os.getcwd())


def _git(settings: Settings, program: Program) -> dict[str, Any] | None:
    """The git state, with the git_commit and git_remote_url settings over what git says."""
    state = git_state(_directory(settings, program), filled(settings.git_remote, "git_remote")) or {}
    given = {"commit": settings.git_commit, "remote": settings.git_remote_url}
    state.update({key: value for key, value in given.items() if value})
    return state or None


def requirements() -> str:
    """The installed distributions as `name==version` lines, W&B's requirements.txt."""
    found = set()
    for dist in importlib.metadata.distributions():
        metadata = dist.metadata  # parsed anew at each access (dist.name, dist.version): read it once
        if metadata["Name"]:
            found.add(f"{metadata['Name']}=={metadata['Version']}")
    return "".join(f"{line}\n" for line in sorted(found, key=str.lower))


def save_code(files_dir: Path, settings: Settings, program: Program) -> list[str]:
    """Copy the program to code/{its path in the repository} (an existing copy is kept, as W&B keeps it) and,
    in a git repository with git and machine info on, write `git diff HEAD` to diff.patch when it is not
    empty, and, where HEAD is ahead of its upstream, `git diff UPSTREAM` to upstream_diff_UPSTREAM.patch
    (as W&B does: the patch that recreates this tree from a commit others can fetch). Returns the run file names written."""
    names = []
    if program.abspath is not None and program.relpath is not None:
        name = f"code/{program.relpath}"
        target = files_dir / name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(program.abspath, target)
        names.append(name)
    if not (filled(settings.disable_git, "disable_git") or filled(settings.x_disable_machine_info,
                                                                  "x_disable_machine_info")):
        directory = _directory(settings, program)
        head, upstream = git(directory, "rev-parse", "HEAD"), upstream_commit(directory)
        patches = [(DIFF_FILE, "HEAD")]
        if upstream is not None and upstream != head:
            patches.append((f"upstream_diff_{upstream}.patch", upstream))
        for name, base in patches:
            diff = git(directory, "diff", base, "--submodule=diff")
            if diff:
                (files_dir / name).write_text(diff + "\n")
                names.append(name)
    return names


def record(files_dir: Path, settings: Settings, *, start_time: float, email: str | None,
           warn: Callable[[str], None]) -> list[str]:
    """Write the run's metadata file, requirements.txt (x_save_requirements) and, with save_code (and not
    disable_code), its code into the run's files directory; the run file names to upload. A process that is
    not the primary one of a distributed run (x_primary=False) writes none of them. A failure is warned, never
    raised: a training script must not die for its metadata."""
    names: list[str] = []
    if not filled(settings.x_primary, "x_primary"):
        return names
    try:
        program = find_program(settings)
        if filled(settings.x_save_requirements, "x_save_requirements"):
            (files_dir / REQUIREMENTS_FILE).write_text(requirements())
            names.append(REQUIREMENTS_FILE)
        if not filled(settings.x_disable_meta, "x_disable_meta"):
            info = describe(settings, program, start_time=start_time, email=email)
            (files_dir / METADATA_FILE).write_text(json.dumps(info, indent=2))
            names.append(METADATA_FILE)
        if settings.save_code and not filled(settings.disable_code, "disable_code"):
            names += save_code(files_dir, settings, program)
    except Exception as e:  # noqa: BLE001 - see the docstring
        warn(f"the run's metadata or code was not recorded: {e!r}")
    return names

