"""The Slack monitor against a real server and a fake Slack: which runs it reports, what it says, and
that a restart neither misses nor repeats an alert."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import runbase
from conftest import Server, run_script, sdk_environment
from receivers import DEFAULT_SLACK_TOKEN, FakeSlack, Response
import runbase.monitor
from runbase.monitor import MAX_ATTEMPTS, FatalMonitorError, SlackMonitor, default_state_file

# Makes runs the ordinary way; `make(...)` finishes each with the exit code given (non-zero: failed).
MAKE = """
import os, runbase
def make(run_id, steps, exit_code, project, entity=None, tags=None):
    run = runbase.init(entity=entity, project=project, id=run_id, name=run_id + "-name", tags=tags,
                       reinit="create_new")
    for i in range(steps):
        print(f"{run_id} step {i}")
        run.log({"loss": 1 / (i + 1)})
    run.finish(exit_code=exit_code)
    return run
def leave_running(run_id, steps, project, entity=None, mode="online"):
    run = runbase.init(entity=entity, project=project, id=run_id, mode=mode, reinit="create_new")
    for i in range(steps):
        run.log({"loss": 1 / (i + 1)})
    run._sender.close({}, 30)  # everything recorded (and, online, sent); then the process dies
"""


@dataclass
class World:
    """A team with alice (its admin) and bob, runs of every kind, and a monitor state saved before them."""

    server: Server
    team: str
    alice: str
    alice_key: str
    bob: str
    baseline: Path  # a monitor's state file from just before the runs were made
    tmp: Path

    def monitor(self, channel: str, fake: FakeSlack, **options: Any) -> SlackMonitor:
        """A monitor that started before the runs were made, watching the team unless told otherwise."""
        state = self.tmp / f"{channel}.json"
        shutil.copy(self.baseline, state)
        options.setdefault("entity", self.team)
        return SlackMonitor(DEFAULT_SLACK_TOKEN, channel, api=self.api(), state_file=state,
                            slack_base_url=fake.api_url, **options)

    def api(self) -> runbase.Api:
        return runbase.Api(overrides={"base_url": self.server.url}, api_key=self.alice_key)


def _env(server: Server, tmp: Path, key: str) -> dict[str, str]:
    return {**sdk_environment(server, tmp), "RUNBASE_API_KEY": key}


def _sync(env: dict[str, str], path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "runbase.cli", "sync", str(path)], env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr


def _reported(fake: FakeSlack, channel: str) -> list[str]:
    """Run ids of the messages in a channel, in order (each message's text ends with the run's URL)."""
    return [message.text.rsplit("/", 1)[1] for message in fake.messages if message.channel == channel]


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSlack]:
    """A Slack of this module's own, so that scripted errors reach only the monitor."""
    with FakeSlack() as slack:
        yield slack


@pytest.fixture(scope="module")
def world(server: Server, tmp_path_factory: pytest.TempPathFactory, fake: FakeSlack) -> World:
    tmp = tmp_path_factory.mktemp("monitor")
    suffix = uuid.uuid4().hex[:6]
    alice, bob, team = f"alice-{suffix}", f"bob-{suffix}", f"team-{suffix}"
    alice_key, bob_key = server.create_user(alice), server.create_user(bob)
    runbase.Api(overrides={"base_url": server.url}, api_key=server.key).create_team(team, admin_username=alice)
    assert runbase.Api(overrides={"base_url": server.url}, api_key=alice_key).team(team).invite(bob)
    world = World(server, team, alice, alice_key, bob, tmp / "baseline.json", tmp)
    SlackMonitor(DEFAULT_SLACK_TOKEN, "baseline", api=world.api(), state_file=world.baseline,
                 slack_base_url=fake.api_url).monitor_step()

    alice_env, bob_env = _env(server, tmp / "alice", alice_key), _env(server, tmp / "bob", bob_key)
    run_script(MAKE + f"""
make("a-finished", 5, 0, "p1", {team!r})
make("a-short", 1, 1, "p1", {team!r})
make("a-own", 5, 1, "own")  # alice's own entity
""", alice_env)
    run_script(f"""
import runbase
run = runbase.init(entity={team!r}, project="p1", id="a-failed", name="a-failed-name")
for i in range(5):
    print(f"training step {{i}}")
    run.log({{"loss": 1 / (i + 1)}})
raise RuntimeError("diverged")
""", alice_env, check=False)
    run_script(MAKE + f"""
leave_running("a-crashed", 5, "p1", {team!r}, mode="offline")
leave_running("a-running", 5, "p1", {team!r})
os._exit(0)
""", alice_env)
    [offline] = (tmp / "alice" / "runs" / "runbase").glob("offline-run-*-a-crashed")
    _sync(alice_env, offline)  # an unfinished run's log syncs as crashed
    run_script(MAKE + f"""
make("b-failed", 5, 1, "p2", {team!r})
make("b-remote", 5, 1, "p2", {team!r}, tags=["remote"])
""", bob_env)
    states = {run.id: run.state for project in ("p1", "p2") for run in world.api().runs(f"{team}/{project}")}
    assert states == {"a-finished": "finished", "a-short": "failed", "a-failed": "failed", "a-crashed": "crashed",
                      "a-running": "running", "b-failed": "failed", "b-remote": "failed"}
    return world


# -- which runs are reported ----------------------------------------------------------------------


@pytest.mark.parametrize("options, expected", [
    ({}, {"a-short", "a-failed", "a-crashed", "b-failed", "b-remote"}),
    ({"include_completed_experiments": True, "min_num_iterations": 3},
     {"a-finished", "a-failed", "a-crashed", "b-failed", "b-remote"}),
    ({"include_users": ["{bob}"]}, {"b-failed", "b-remote"}),
    ({"exclude_users": ["{bob}"], "include_completed_experiments": True},
     {"a-finished", "a-short", "a-failed", "a-crashed"}),
    ({"project": "p2"}, {"b-failed", "b-remote"}),
    ({"include_manual_experiments": False}, {"b-remote"}),
    ({"entity": None, "min_num_iterations": 2}, {"a-failed", "a-crashed", "b-failed", "b-remote", "a-own"}),
])
def test_filters_choose_the_runs(world: World, fake: FakeSlack, options: dict[str, Any], expected: set[str]) -> None:
    channel = f"filters-{uuid.uuid4().hex[:8]}"
    options = {key: [user.format(bob=world.bob) for user in value] if key.endswith("_users") else value
               for key, value in options.items()}
    monitor = world.monitor(channel, fake, include_archived=True, **options)
    assert monitor.monitor_step() >= len(expected)
    reported = _reported(fake, channel)
    assert sorted(reported) == sorted(expected)
    monitor.monitor_step()  # nothing new: nothing more
    assert len(_reported(fake, channel)) == len(reported)


def test_paging_through_every_result(world: World, fake: FakeSlack) -> None:
    channel = f"paging-{uuid.uuid4().hex[:8]}"
    world.monitor(channel, fake, include_completed_experiments=True, per_page=2).monitor_step()
    assert sorted(_reported(fake, channel)) == ["a-crashed", "a-failed", "a-finished", "a-short", "b-failed",
                                                "b-remote"]


def test_message_content(world: World, fake: FakeSlack) -> None:
    channel = f"content-{uuid.uuid4().hex[:8]}"
    world.monitor(channel, fake, project="p1", message_prefix="Hey <!here>").monitor_step()
    [message] = [m for m in fake.messages if m.channel == channel and m.text.endswith("/a-failed")]
    url = f"{world.server.url}/{world.team}/p1/runs/a-failed"
    assert message.text == f"Hey <!here> Run a-failed-name in {world.team}/p1 failed: {url}"
    blocks = json.dumps(message.blocks)
    assert f"<{url}|a-failed-name>" in blocks and "Hey <!here>" in blocks
    fields = {field["text"].split("\n", 1)[0]: field["text"].split("\n", 1)[1] for field in message.blocks[1]["fields"]}
    assert fields == {"*Project*": f"{world.team}/p1", "*Run*": "a-failed-name (`a-failed`)", "*State*": "failed",
                      "*User*": world.alice, "*Iterations*": "5"}
    console = message.blocks[2]["text"]["text"]
    assert "training step 4" in console and console.rstrip("`").endswith("RuntimeError: diverged")


# -- Slack errors ----------------------------------------------------------------------------------


def test_rate_limits_are_waited_out_and_failures_retried_next_poll(world: World, fake: FakeSlack) -> None:
    channel = f"errors-{uuid.uuid4().hex[:8]}"
    monitor = world.monitor(channel, fake, project="p2")
    fake.script(Response(429, headers={"Retry-After": "0"}, body={"ok": False, "error": "ratelimited"}),
                Response(200, body={"ok": False, "error": "internal_error"}), method="chat.postMessage")
    assert monitor.monitor_step() == 1  # the rate limit was waited out; the other run failed to post
    assert len(_reported(fake, channel)) == 1
    assert monitor.monitor_step() == 1  # offered again, though the poll window moved on
    assert sorted(_reported(fake, channel)) == ["b-failed", "b-remote"]
    assert monitor.monitor_step() == 0


def test_the_bot_joins_the_channel_when_it_must(world: World) -> None:
    with FakeSlack(require_join=True) as strict:
        channel = f"join-{uuid.uuid4().hex[:8]}"
        world.monitor(channel, strict, project="p2").monitor_step()
        assert sorted(_reported(strict, channel)) == ["b-failed", "b-remote"]


# -- restarts and the CLI ----------------------------------------------------------------------------


def test_cli_restarts_neither_miss_nor_repeat(server: Server, fake: FakeSlack, tmp_path: Path) -> None:
    carol = f"carol-{uuid.uuid4().hex[:6]}"
    env = _env(server, tmp_path, server.create_user(carol))
    channel = f"cli-{uuid.uuid4().hex[:8]}"
    command = [sys.executable, "-m", "runbase.cli", "monitor", "slack", "--channel", channel, "--slack-api",
               DEFAULT_SLACK_TOKEN, "--slack-base-url", fake.api_url, "--state-file", str(tmp_path / "state.json"),
               "--include-completed-experiments", "True", "--local", "True", "--once"]

    def poll() -> str:
        out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()

    assert poll() == "runbase monitor: 0 runs handled"  # started before any run
    run_script(MAKE + """
make("c-finished", 3, 0, "work")
make("c-failed", 3, 1, "work")
leave_running("c-running", 3, "work")
os._exit(0)
""", env)
    assert poll() == "runbase monitor: 2 runs handled"
    assert sorted(_reported(fake, channel)) == ["c-failed", "c-finished"]
    run_script(MAKE + """
make("c-failed-2", 3, 1, "work")
with runbase.init(project="work", id="c-running", resume="must") as run:
    run.log({"loss": 0.1})
""", env)
    assert poll() == "runbase monitor: 2 runs handled"
    assert poll() == "runbase monitor: 0 runs handled"
    assert sorted(_reported(fake, channel)) == ["c-failed", "c-failed-2", "c-finished", "c-running"]


def test_cli_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    base = [sys.executable, "-m", "runbase.cli", "monitor", "slack", "--channel", "c", "--slack-api", "t"]
    env = {"RUNBASE_CONFIG_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    both = subprocess.run(base + ["--include-users", "a", "--exclude-users", "b"], env=env, capture_output=True,
                          text=True)
    assert both.returncode == 2 and "not allowed with argument --include-users" in both.stderr
    remote = subprocess.run(base + ["--local", "False"], env=env, capture_output=True, text=True)
    assert remote.returncode == 1 and "no agent to run the monitor remotely" in remote.stderr
    queue = subprocess.run(base + ["--service-queue", "services"], env=env, capture_output=True, text=True)
    assert queue.returncode == 1 and "no agent to run the monitor remotely" in queue.stderr
    boolean = subprocess.run(base + ["--verbose", "maybe"], env=env, capture_output=True, text=True)
    assert boolean.returncode == 2 and "expected True or False" in boolean.stderr


def test_bad_options_and_state_are_refused(tmp_path: Path) -> None:
    api = runbase.Api(overrides={"base_url": "http://127.0.0.1:9"}, api_key="k" * 40)
    with pytest.raises(ValueError, match="mutually exclusive"):
        SlackMonitor("token", "c", api=api, include_users=["a"], exclude_users=["b"])
    with pytest.raises(ValueError, match="list of usernames"):
        SlackMonitor("token", "c", api=api, include_users="alice")
    with pytest.raises(ValueError, match="min_num_iterations"):
        SlackMonitor("token", "c", api=api, min_num_iterations=-1)
    with pytest.raises(ValueError, match="refresh_rate"):
        SlackMonitor("token", "c", api=api, refresh_rate=0)
    broken = tmp_path / "state.json"
    broken.write_text("{not json")
    with pytest.raises(runbase.UsageError, match="cannot read the monitor state file"):
        SlackMonitor("token", "c", api=api, state_file=broken)


# -- runs that end more than once --------------------------------------------------------------------


def _own_monitor(server: Server, key: str, entity: str, fake: FakeSlack, channel: str, **options: Any) -> SlackMonitor:
    api = runbase.Api(overrides={"base_url": server.url}, api_key=key)
    return SlackMonitor(DEFAULT_SLACK_TOKEN, channel, api=api, slack_base_url=fake.api_url, entity=entity, **options)


def _wait_for_state(server: Server, key: str, path: str, state: str) -> None:
    api = runbase.Api(overrides={"base_url": server.url}, api_key=key)
    deadline = time.monotonic() + 60
    while api.run(path).load(force=True)["state"] != state:
        assert time.monotonic() < deadline, f"{path} never became {state}"
        time.sleep(0.2)


@pytest.fixture
def quick_crash_server(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Server]:
    """A server that marks a run crashed after 2 s without a heartbeat."""
    url = request.getfixturevalue("postgres").create() if backend == "postgresql" else None
    srv = Server(tmp_path / "server", url, {"RUNBASE_HEARTBEAT_TIMEOUT_SECONDS": "2"}).start()
    yield srv
    srv.stop()


def test_a_crashed_run_revived_that_then_fails_is_reported_again(quick_crash_server: Server, fake: FakeSlack,
                                                                  tmp_path: Path) -> None:
    server = quick_crash_server
    channel = f"revived-{uuid.uuid4().hex[:8]}"
    monitor = _own_monitor(server, server.key, "admin", fake, channel)
    assert monitor.monitor_step() == 0
    run = runbase.init(project="revive", id="revived", settings=runbase.Settings(
        api_key=server.key, base_url=server.url, root_dir=str(tmp_path), quiet=True, heartbeat_seconds=600))
    run.log({"loss": 1.0})
    _wait_for_state(server, server.key, "admin/revive/revived", "crashed")  # silent for longer than 2 s
    assert monitor.monitor_step() == 1
    run.log({"loss": 0.5})  # data again: the server revives it
    _wait_for_state(server, server.key, "admin/revive/revived", "running")
    assert monitor.monitor_step() == 0
    run.finish(exit_code=1)
    assert monitor.monitor_step() == 1
    assert monitor.monitor_step() == 0
    states = [m.text.split(" in admin/revive ")[1].split(":")[0] for m in fake.messages if m.channel == channel]
    assert states == ["crashed", "failed"]


def test_a_failed_run_resumed_that_fails_again_is_reported_again(server: Server, fake: FakeSlack,
                                                                  tmp_path: Path) -> None:
    dave = f"dave-{uuid.uuid4().hex[:6]}"
    key = server.create_user(dave)
    env = _env(server, tmp_path, key)
    channel = f"again-{uuid.uuid4().hex[:8]}"
    state = tmp_path / "state.json"
    monitor = _own_monitor(server, key, dave, fake, channel, state_file=state)
    assert monitor.monitor_step() == 0
    run_script(MAKE + 'make("d-twice", 3, 1, "work")', env)
    assert monitor.monitor_step() == 1
    runbase.Api(overrides={"base_url": server.url}, api_key=key).run(f"{dave}/work/d-twice").summary["note"] = "x"
    assert monitor.monitor_step() == 0  # an edit after the end is not a new end
    monitor.close()
    run_script("""
import runbase
with runbase.init(project="work", id="d-twice", resume="must") as run:
    run.log({"loss": 0.1})
    raise SystemExit(3)
""", env, check=False)
    monitor = _own_monitor(server, key, dave, fake, channel, state_file=state)  # a restart in between, too
    assert monitor.monitor_step() == 1
    assert monitor.monitor_step() == 0
    assert _reported(fake, channel) == ["d-twice", "d-twice"]


# -- clocks ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("skew", [86_400.0, -86_400.0])
def test_the_monitor_keeps_the_servers_time_not_its_own(server: Server, fake: FakeSlack, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         caplog: pytest.LogCaptureFixture, skew: float) -> None:
    monkeypatch.setattr(runbase.monitor, "_local_clock", lambda: time.time() + skew)
    erin = f"erin-{uuid.uuid4().hex[:6]}"
    key = server.create_user(erin)
    channel = f"clock-{uuid.uuid4().hex[:8]}"
    state = tmp_path / "state.json"
    with caplog.at_level(logging.WARNING, logger="runbase.monitor"):
        monitor = _own_monitor(server, key, erin, fake, channel, state_file=state)
        assert monitor.monitor_step() == 0
    assert ("ahead of the server's" if skew > 0 else "behind the server's") in caplog.text
    assert abs(json.loads(state.read_text())["last_poll"] - time.time()) < 60  # the server's clock, not ours
    run_script(MAKE + 'make("e-failed", 3, 1, "work")', _env(server, tmp_path, key))
    assert monitor.monitor_step() == 1
    assert _reported(fake, channel) == ["e-failed"]


# -- errors that no retry cures, and errors that keep coming ------------------------------------------------


def test_a_revoked_token_stops_the_monitor_and_the_run_waits_for_the_fix(world: World) -> None:
    with FakeSlack() as revoked:
        channel = f"revoked-{uuid.uuid4().hex[:8]}"
        monitor = world.monitor(channel, revoked, include_manual_experiments=False)
        revoked.remove_token(DEFAULT_SLACK_TOKEN)
        with pytest.raises(FatalMonitorError, match="invalid_auth.*Slack bot token"):
            monitor.monitor_step()
        with pytest.raises(FatalMonitorError):
            monitor.monitor()  # the polling loop stops too, instead of logging it every poll
        revoked.add_token(DEFAULT_SLACK_TOKEN)
        monitor.close()
        monitor = world.monitor(channel, revoked, include_manual_experiments=False)
        assert monitor.monitor_step() == 1
        assert _reported(revoked, channel) == ["b-remote"]


def test_a_channel_that_does_not_exist_stops_the_monitor(world: World) -> None:
    with FakeSlack(channels=["general"]) as closed:
        monitor = world.monitor("nowhere", closed, include_manual_experiments=False)
        with pytest.raises(FatalMonitorError, match="channel_not_found.*--channel 'nowhere'"):
            monitor.monitor_step()


def test_a_project_that_does_not_exist_stops_the_monitor(world: World, fake: FakeSlack) -> None:
    monitor = world.monitor(f"noproject-{uuid.uuid4().hex[:8]}", fake, project="no-such-project")
    with pytest.raises(FatalMonitorError, match="no-such-project"):
        monitor.monitor_step()


def test_a_run_that_keeps_failing_is_given_up_after_max_attempts(world: World,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    with FakeSlack() as flaky:
        flaky.script(*[Response(200, body={"ok": False, "error": "msg_too_long"})] * MAX_ATTEMPTS,
                     method="chat.postMessage")
        channel = f"flaky-{uuid.uuid4().hex[:8]}"
        monitor = world.monitor(channel, flaky, include_manual_experiments=False)
        with caplog.at_level(logging.WARNING, logger="runbase.monitor"):
            for _ in range(MAX_ATTEMPTS + 2):
                assert monitor.monitor_step() == 0
        posts = [r for r in flaky.requests if r.path == "/api/chat.postMessage"]
        assert len(posts) == MAX_ATTEMPTS and _reported(flaky, channel) == []
        assert f"failed {MAX_ATTEMPTS} times" in caplog.text and "giving up on it" in caplog.text
        assert caplog.text.count("Traceback") <= 1  # a traceback the first time, a line after that


def test_cli_exits_with_a_clear_error_for_what_no_retry_cures(world: World, tmp_path: Path) -> None:
    with FakeSlack() as revoked:
        revoked.remove_token(DEFAULT_SLACK_TOKEN)
        env = _env(world.server, tmp_path, world.alice_key)
        command = [sys.executable, "-m", "runbase.cli", "monitor", "slack", "--channel", "c", "--slack-api",
                   DEFAULT_SLACK_TOKEN, "--slack-base-url", revoked.api_url, "--entity", world.team]
        shutil.copy(world.baseline, tmp_path / "state.json")
        out = subprocess.run(command + ["--state-file", str(tmp_path / "state.json")], env=env, capture_output=True,
                             text=True, timeout=120)  # not --once: the polling loop must stop by itself
        assert out.returncode == 1
        assert "runbase: error: Slack refused chat.postMessage with 'invalid_auth'" in out.stderr
        missing = subprocess.run(command + ["--project", "no-such-project", "--once"], env=env, capture_output=True,
                                 text=True, timeout=120)
        assert missing.returncode == 1 and "cannot watch project" in missing.stderr


# -- state files ---------------------------------------------------------------------------------------------


def test_one_monitor_per_state_file(world: World, fake: FakeSlack, tmp_path: Path) -> None:
    state = tmp_path / "locked.json"
    holder = SlackMonitor(DEFAULT_SLACK_TOKEN, "locked", api=world.api(), state_file=state,
                          slack_base_url=fake.api_url)
    with pytest.raises(runbase.UsageError, match="another runbase monitor .*is using the state file"):
        SlackMonitor(DEFAULT_SLACK_TOKEN, "locked", api=world.api(), state_file=state, slack_base_url=fake.api_url)
    env = _env(world.server, tmp_path, world.alice_key)
    out = subprocess.run([sys.executable, "-m", "runbase.cli", "monitor", "slack", "--channel", "locked",
                          "--slack-api", DEFAULT_SLACK_TOKEN, "--slack-base-url", fake.api_url, "--state-file",
                          str(state), "--once"], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 1 and f"pid {os.getpid()}" in out.stderr and "its own --state-file" in out.stderr
    holder.close()
    SlackMonitor(DEFAULT_SLACK_TOKEN, "locked", api=world.api(), state_file=state, slack_base_url=fake.api_url).close()


def test_monitors_with_different_filters_keep_different_default_state_files(world: World, fake: FakeSlack,
                                                                            tmp_path: Path) -> None:
    env = _env(world.server, tmp_path, world.alice_key)
    base = [sys.executable, "-m", "runbase.cli", "monitor", "slack", "--channel", "filters", "--slack-api",
            DEFAULT_SLACK_TOKEN, "--slack-base-url", fake.api_url, "--entity", world.team, "--once"]
    for options in ([], ["--include-completed-experiments", "True"], []):
        out = subprocess.run(base + options, env=env, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
    assert len(list((tmp_path / "config" / "monitors").glob("*.json"))) == 2
    names = {default_state_file("slack", "c", options={"project": "p", "min_num_iterations": n}) for n in (0, 0, 3)}
    assert len(names) == 2
