"""Installs as users make them: a wheel built from the tree into fresh virtualenvs, and the README's
run command (scripts/run.sh) with a virtualenv of its own, its server and demo running."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import plain_http

ROOT = Path(__file__).resolve().parent.parent
WEB_STATIC = Path("server/runbase_server/web/static")
KEY_LINE = re.compile(r"created user 'admin' with API key ([A-Za-z0-9_]{40,}) ")


def wait_healthy(url: str, process: subprocess.Popen[bytes] | subprocess.Popen[str] | None = None,
                 timeout: float = 30) -> None:
    """Until the server at `url` answers /healthz; fails at once if its process has exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process is None or process.poll() is None, f"the server at {url} exited"
        try:
            if plain_http.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"the server at {url} did not come up")


def clean_environment(**extra: str) -> dict[str, str]:
    """The environment without this test run's runbase/wandb settings or virtualenv."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUNBASE_", "WANDB_", "VIRTUAL_ENV", "PYTHON"))}
    return {**env, **extra}


def _run(command: list[str | Path], cwd: Path | None = None, timeout: float = 600) -> str:
    result = subprocess.run([str(part) for part in command], cwd=cwd, capture_output=True, text=True,
                            timeout=timeout, env=clean_environment())
    if result.returncode != 0:
        raise AssertionError(f"{command} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result.stdout


def copy_of_the_tree(destination: Path) -> Path:
    """The files a clone with these changes would have (tracked and untracked, not ignored)."""
    listed = _run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT)
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file() or source.is_symlink():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target, follow_symlinks=False)
    # The built web app is ignored build output (the test command builds it first); a wheel ships it.
    if (ROOT / WEB_STATIC / "index.html").is_file():
        shutil.copytree(ROOT / WEB_STATIC, destination / WEB_STATIC, dirs_exist_ok=True)
    return destination


def build_wheel(workdir: Path) -> Path:
    tree = copy_of_the_tree(workdir / "tree")
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", workdir / "dist", tree])
    (wheel,) = (workdir / "dist").glob("runbase-*.whl")
    return wheel


def make_venv(path: Path, *requirements: str) -> Path:
    """A fresh virtualenv with `requirements` installed; returns its python."""
    _run([sys.executable, "-m", "venv", path])
    python = path / "bin" / "python"
    _run([python, "-m", "pip", "install", "-q", *requirements])
    return python


class RunCommand:
    """`scripts/run.sh` as the README gives it, in a virtualenv of its own (RUNBASE_VENV): it installs
    runbase and starts the server with the demo; this waits until the demo's webhook has come."""

    def __init__(self, workdir: Path, port: int) -> None:
        self.workdir = workdir
        self.venv = workdir / "venv"
        self.python = self.venv / "bin" / "python"
        self.url = f"http://127.0.0.1:{port}"
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            ["bash", str(ROOT / "scripts" / "run.sh"), "--port", str(port), "--data-dir", str(workdir / "data")],
            env=clean_environment(RUNBASE_VENV=str(self.venv), RUNBASE_CONFIG_DIR=str(workdir / "config")),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for_demo(self, timeout: float = 600) -> None:
        deadline = time.monotonic() + timeout
        while "runbase demo: the automation" not in self.output:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the run command did not finish its demo:\n{self.output}")
            time.sleep(0.2)
        plain_http.get(f"{self.url}/healthz", timeout=5).raise_for_status()

    @property
    def key(self) -> str:
        keys = KEY_LINE.findall(self.output)
        assert len(keys) == 1, self.output
        return keys[0]

    def stop(self) -> None:
        """Stops the server that run.sh exec'd (the same PID)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
