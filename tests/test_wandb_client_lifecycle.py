"""A run of the official wandb client, unchanged, ended from outside, on SQLite (what is tested here is how the
client and the server meet, not how a database stores rows, which test_wandb_client.py covers on both):

- stopped from the API while it logs, with both pinned releases at once: the current one through W&B's own
  public Api (Run.stop(), which sends stopRun) and told so in the file_stream's answers, the older one through
  runbase's Api and told so by polling Run.stopped. Each client interrupts its script, as W&B's client does when a
  run is stopped from its web app, and the run ends killed with what it logged until then;
- its server killed (SIGKILL) in the middle and started again on the same port and database: the client sends
  again what went unanswered, and every step, the summary and every console line are stored exactly once."""

from __future__ import annotations

import subprocess
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Server
from official_client import (
    CURRENT,
    OLDER,
    LoggingProxy,
    Release,
    check_known,
    need_wandb,
    new_user,
    run_wandb,
    wandb_environment,
)
from test_wandb_client import NOT_ANSWERED

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
# Logs until stopped, for at most LOGS_FOR seconds. W&B's clients look for a stop every 15 seconds; the newer one
# learns it from the file_stream's answers, which it streams every second here (by default every 15 s).
LOGS_FOR = 90
UNTIL_STOPPED = """
import sys, time, wandb
run = wandb.init(project="stops", id=RUN, settings=wandb.Settings(x_file_stream_transmit_interval=1))
deadline = time.monotonic() + LOGS_FOR
step = 0
while time.monotonic() < deadline:
    run.log({"loss": 1 / (step + 1)})
    step += 1
    time.sleep(0.05)
sys.exit("the run was never stopped")
"""


def _start(release: Release, run: str, env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    code = textwrap.dedent(f"RUN = {run!r}\nLOGS_FOR = {LOGS_FOR}\n{UNTIL_STOPPED}")
    return subprocess.Popen([str(release.python), "-c", code], env=env, cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _wait(what: str, done: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {seconds} s")
        time.sleep(0.2)


def _timeline(proxy: LoggingProxy, run: str) -> list[str]:
    """When the stop and the last answers about the run came, in seconds from the first exchange: what a
    failure of the test below needs to be understood."""
    first = proxy.exchanges[0].at if proxy.exchanges else 0.0
    stops = [f"{e.at - first:.1f} s {e.operation}" for e in proxy.exchanges
             if e.operation in ("StopRun", "RunStoppedStatus")]
    streamed = [f"{e.at - first:.1f} s file_stream {e.status} {e.answer[:100]!r}" for e in proxy.exchanges
                if e.route.endswith("/file_stream") and f"/{run}/" in e.path]
    return stops + streamed[-3:]


def test_a_run_stopped_from_the_api_ends_as_w_and_bs_client_ends_it(
        server: Server, tmp_path_factory: pytest.TempPathFactory) -> None:
    import runbase

    need_wandb(CURRENT)
    user, key, home = new_user(server, tmp_path_factory, "ws", OLDER)
    runs = {CURRENT: "stop-new", OLDER: "stop-old"}
    with LoggingProxy(server) as new_proxy, LoggingProxy(server) as old_proxy:
        proxies = {CURRENT: new_proxy, OLDER: old_proxy}
        envs = {release: {**wandb_environment(proxies[release], home / run), "WANDB_API_KEY": key}
                for release, run in runs.items()}
        for run in runs.values():
            (home / run).mkdir()
        scripts = {release: _start(release, run, envs[release], home / run) for release, run in runs.items()}
        try:
            for release, run in runs.items():
                _wait(f"wandb {release.version} logging {run}", lambda: bool(
                    (server.run(run, project="stops", entity=user, key=key) or {}).get("historyLineCount")))
            runbase.Api(overrides={"base_url": server.url}, api_key=key).run(f"{user}/stops/{runs[OLDER]}").stop()
            stop = "import wandb\nwandb.Api().run(PATH).stop()"
            run_wandb(f"PATH = '{user}/stops/{runs[CURRENT]}'\n{stop}", envs[CURRENT], cwd=home, release=CURRENT)
            ended = {release: script.communicate(timeout=LOGS_FOR + 30) for release, script in scripts.items()}
        finally:
            for script in scripts.values():
                if script.poll() is None:
                    script.kill()
        recorded = {release: proxies[release].record(f"wandb-{release.version}-stop", release) for release in runs}
    assert "StopRun" in recorded[CURRENT]["graphql_operations"]
    assert "RunStoppedStatus" in recorded[OLDER]["graphql_operations"]
    for release, run in runs.items():
        _, stderr = ended[release]
        assert scripts[release].returncode != 0 and "KeyboardInterrupt" in stderr, (stderr[-3000:],
                                                                                   _timeline(proxies[release], run))
        assert "never stopped" not in stderr
        stored = server.run(run, project="stops", entity=user, key=key)
        assert stored is not None and (stored["state"], stored["exitCode"]) == ("killed", 255), (release, stored)
        sent = proxies[release].lines(run, "wandb-history.jsonl")
        assert stored["historyLineCount"] == len(sent) == stored["lastHistoryStep"] + 1
        assert set(recorded[release]["not_answered"]) <= set(NOT_ANSWERED), recorded[release]
        check_known(recorded[release], release)


STEPS = 400
# The client streams every second here (by default every 15 s), so that it streams while the server is down.
THROUGH_A_RESTART = """
import time, wandb
run = wandb.init(project="restarts", id="survivor", settings=wandb.Settings(x_file_stream_transmit_interval=1))
for step in range(STEPS):
    run.log({"loss": 1 / (step + 1), "step_squared": step * step})
    if step % 10 == 0:
        print(f"line {step}")
    time.sleep(0.01)
run.summary["best"] = 0.5
run.finish()
"""


def test_a_server_killed_mid_run_stores_every_step_once(fresh_server: Server,
                                                        tmp_path_factory: pytest.TempPathFactory) -> None:
    """Killed (SIGKILL) once the first rows are stored, and started again on the same port and database once the
    client has found it gone (the proxy answered 502 for it), while the client goes on logging and finishes."""
    server = fresh_server
    user, key, home = new_user(server, tmp_path_factory, "wk")
    with LoggingProxy(server) as proxy:
        env = {**wandb_environment(proxy, home), "WANDB_API_KEY": key}
        code = textwrap.dedent(f"STEPS = {STEPS}\n{THROUGH_A_RESTART}")
        script = subprocess.Popen([str(CURRENT.python), "-c", code], env=env, cwd=home, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        try:
            _wait("the first rows", lambda: bool(
                (server.run("survivor", project="restarts", entity=user, key=key) or {}).get("historyLineCount")))
            server.kill()
            _wait("a request while the server is down", lambda: any(e.status == 502 for e in proxy.exchanges))
            server.start()
            stdout, stderr = script.communicate(timeout=180)
        finally:
            if script.poll() is None:
                script.kill()
    assert script.returncode == 0, stderr[-3000:]
    missed = {e.operation or e.route for e in proxy.exchanges if e.status == 502}
    assert "POST /files/ENTITY/PROJECT/RUN/file_stream" in missed, missed  # and sent again
    stored = server.run("survivor", project="restarts", entity=user, key=key)
    assert stored is not None and stored["state"] == "finished"
    assert stored["historyLineCount"] == STEPS and stored["lastHistoryStep"] == STEPS - 1
    import runbase

    run = runbase.Api(overrides={"base_url": server.url}, api_key=key).run(f"{user}/restarts/survivor")
    assert [(row["_step"], row["loss"], row["step_squared"]) for row in run.scan_history()] == [
        (step, 1 / (step + 1), step * step) for step in range(STEPS)]
    assert run.summary["best"] == 0.5 and run.summary["loss"] == 1 / STEPS
    printed = [line for line in run.console_output(tail=1000) if not line.startswith("wandb: ")]  # not its retries
    assert printed == [f"line {step}" for step in range(0, STEPS, 10)]
