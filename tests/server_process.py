"""`runbase server` processes forked from one that has imported the server already.

A fresh interpreter spends about two seconds of CPU importing the server before it serves; the suite starts
hundreds of servers on two cores. Each server here is still a process of its own running `runbase server`
(the command's `main`, with its arguments, environment and log), under uvicorn, over HTTP: only the imports
are done once, in a fork server (multiprocessing's), before any thread or connection exists. Tests of the
command itself (`runbase server` as a user types it) start it with subprocess.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from pathlib import Path

_FORKS = multiprocessing.get_context("forkserver")
_FORKS.set_forkserver_preload(["runbase.cli", "runbase_server.http.app", "uvicorn"])


def _serve(argv: list[str], env: dict[str, str], log: str) -> None:
    os.environ.clear()
    os.environ.update(env)
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    from runbase.cli import main

    sys.exit(main(argv))


class ServerProcess:
    """A forked server with the part of subprocess.Popen's interface the tests use."""

    def __init__(self, argv: list[str], env: dict[str, str], log: Path) -> None:
        self._process = _FORKS.Process(target=_serve, args=(argv, env, str(log)), daemon=True)
        self._process.start()
        assert self._process.pid is not None
        self.pid: int = self._process.pid

    @property
    def returncode(self) -> int | None:
        return self._process.exitcode

    def poll(self) -> int | None:
        return self._process.exitcode

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        if self._process.exitcode is None:
            import subprocess

            raise subprocess.TimeoutExpired(f"server {self.pid}", timeout or 0)
        return self._process.exitcode

    def send_signal(self, signum: int) -> None:
        if self._process.exitcode is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)
