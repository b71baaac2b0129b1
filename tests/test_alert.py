"""run.alert(): checked arguments, sent in order through the sender, throttled by the server per title,
delivered to the entity's Slack after an outage, and replayed once by `runbase sync` when offline."""

from __future__ import annotations

import datetime
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

import runbase
from conftest import Server, run_script, sdk_environment
from receivers import DEFAULT_SLACK_TOKEN, FakeSlack, SlackMessage
from runbase.records import ALERT, HISTORY, RUN, RecordLog, read
from runbase import AlertLevel


def _user_with_slack(server: Server) -> tuple[str, str, str]:
    """A new user (so no other test's integrations or alerts mix in), with a Slack integration on a
    channel of its own: (username, API key, channel)."""
    username = f"alerter-{uuid.uuid4().hex[:8]}"
    key = server.create_user(username)
    channel = f"alerts-{username}"
    result = server.graphql(
        """mutation($e: String!, $c: String!, $t: String!) {
             createSlackIntegration(input: {entityName: $e, channelName: $c, botToken: $t}) { integration { id } } }""",
        {"e": username, "c": channel, "t": DEFAULT_SLACK_TOKEN}, key=key)
    assert "errors" not in result, result
    return username, key, channel


def _messages(slack: FakeSlack, channel: str, until: str, timeout: float = 30) -> list[SlackMessage]:
    """The channel's messages once one holds `until` (the fake is shared by the whole session)."""
    deadline = time.monotonic() + timeout
    while True:
        found = [message for message in slack.messages if message.channel == channel]
        if any(until in (message.text or "") for message in found):
            return found
        assert time.monotonic() < deadline, f"no message with {until!r} in #{channel}: {found}"
        time.sleep(0.05)


def _env(server: Server, tmp_path: Path, key: str) -> dict[str, str]:
    return {**sdk_environment(server, tmp_path), "RUNBASE_API_KEY": key}


# -- arguments ------------------------------------------------------------------------------------


@pytest.mark.parametrize("args, error, match", [
    (("t" * 64, "text"), ValueError, "title must be 1 to 63 characters"),
    (("", "text"), ValueError, "title must be 1 to 63 characters"),
    ((None, "text"), TypeError, "strings"),
    (("title", 3), TypeError, "strings"),
    (("title", "x" * 10_001), ValueError, "text must be at most 10000"),
    (("title", "text", "DEBUG"), ValueError, "level must be one of 'INFO', 'WARN' or 'ERROR'"),
    (("title", "text", "warn"), ValueError, "level must be one of"),
    (("title", "text", None, "soon"), TypeError, "wait_duration must be seconds"),
    (("title", "text", None, True), TypeError, "wait_duration must be seconds"),
    (("title", "text", None, -1), ValueError, "wait_duration must be from 0 seconds"),
    (("title", "text", None, float("nan")), ValueError, "wait_duration must be from 0 seconds"),
    (("title", "text", None, datetime.timedelta(days=400)), ValueError, "wait_duration must be from 0"),
])
def test_bad_arguments_are_refused_in_every_mode(tmp_path: Path, args: tuple, error: type, match: str) -> None:
    for mode in ("offline", "disabled"):
        run = runbase.init(mode=mode, project="alerts", settings={"root_dir": str(tmp_path), "quiet": True},
                           reinit="create_new")
        with pytest.raises(error, match=match):
            run.alert(*args)
        run.finish()


def test_good_arguments_are_recorded_and_disabled_mode_does_nothing(tmp_path: Path) -> None:
    assert [level.value for level in AlertLevel] == ["INFO", "WARN", "ERROR"]
    disabled = runbase.init(mode="disabled", settings={"root_dir": str(tmp_path)})
    disabled.alert("fine", "nothing happens")
    disabled.finish()
    run = runbase.init(mode="offline", project="alerts", settings={"root_dir": str(tmp_path), "quiet": True})
    run.alert("t" * 63, "text", AlertLevel.ERROR, datetime.timedelta(minutes=5))
    run.alert("plain", "text", "WARN", 2.5)
    run.alert("defaults", "text")
    run.finish()
    with pytest.raises(runbase.UsageError, match="finished"):
        run.alert("late", "text")
    log = next((tmp_path / "runbase").glob("offline-run-*/run-*.runbase"))
    alerts = [record for record in read(log) if record["t"] == "alert"]
    assert [(a["n"], a["title"], a["severity"], a["waitDuration"]) for a in alerts] == [
        (0, "t" * 63, "ERROR", 300.0), (1, "plain", "WARN", 2.5), (2, "defaults", "INFO", 60.0)]


# -- delivery ---------------------------------------------------------------------------------------


def test_same_title_within_wait_duration_is_sent_once(server: Server, slack: FakeSlack, tmp_path: Path) -> None:
    _, key, channel = _user_with_slack(server)
    run_script("""
        import runbase
        from runbase import AlertLevel
        with runbase.init(project="alerts") as run:
            run.alert("Loss is high", "first", level=AlertLevel.WARN, wait_duration=600)
            run.alert("Loss is high", "second", wait_duration=600)
            run.alert("Accuracy dropped", "third", level="ERROR")
    """, _env(server, tmp_path, key))
    # The server decides on "second" before it even sees "third", and a throttled alert makes no
    # delivery, so once "third" is in Slack "second" can no longer arrive.
    _messages(slack, channel, until="third")
    messages = _messages(slack, channel, until="first")
    assert sorted(("first" in m.text) + 2 * ("third" in m.text) for m in messages) == [1, 2]
    assert "Loss is high" in next(m.text for m in messages if "first" in m.text)


def test_an_alert_arrives_after_the_data_logged_before_it(server: Server, slack: FakeSlack,
                                                          tmp_path: Path) -> None:
    username, key, channel = _user_with_slack(server)
    run = runbase.init(project="alerts", settings=runbase.Settings(
        api_key=key, base_url=server.url, root_dir=str(tmp_path), quiet=True))
    for i in range(100):
        run.log({"loss": 1 / (i + 1)})
    run.alert("Checkpoint", "100 steps done")
    _messages(slack, channel, until="100 steps done")
    assert server.run(run.id, project="alerts", entity=username, key=key)["historyLineCount"] == 100
    run.finish()


def test_an_alert_survives_a_server_outage(fresh_server: Server, slack: FakeSlack, tmp_path: Path) -> None:
    _, key, channel = _user_with_slack(fresh_server)
    run = runbase.init(project="alerts", settings=runbase.Settings(
        api_key=key, base_url=fresh_server.url, root_dir=str(tmp_path), quiet=True, silent=True))
    fresh_server.kill()
    run.alert("During the outage", "kept and retried")
    fresh_server.start()
    run.finish()
    [message] = _messages(slack, channel, until="kept and retried")
    assert "During the outage" in message.text


def test_offline_alert_is_sent_once_by_sync(server: Server, slack: FakeSlack, tmp_path: Path) -> None:
    username, key, channel = _user_with_slack(server)
    env = _env(server, tmp_path, key)
    run_id = run_script("""
        import runbase
        with runbase.init(project="alerts", mode="offline") as run:
            run.log({"x": 1})
            run.alert("Offline alert", "sent at sync", wait_duration=0)
        print(run.id)
    """, env).stdout.strip()
    for _ in range(2):
        out = subprocess.run([sys.executable, "-m", "runbase.cli", "sync", str(tmp_path / "runs")], env=env,
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
    [log] = (tmp_path / "runs").glob("runbase/offline-run-*/run-*.runbase")
    assert [record["n"] for record in read(log) if record["t"] == "alert_sent"] == [0]  # marked by the first sync
    api = runbase.Api(overrides={"base_url": server.url}, api_key=key)
    assert api.run(f"{username}/alerts/{run_id}").state == "finished"
    run_script(f"""
        import runbase
        with runbase.init(project="alerts", id={run_id!r}, resume="must") as run:
            run.alert("Marker", "after the syncs")
    """, env)
    messages = _messages(slack, channel, until="after the syncs")  # a later alert, for something to wait on
    assert sum("Offline alert" in (message.text or "") for message in messages) == 1


def test_sync_skips_a_refused_alert_or_console_lines_and_still_finishes_the_run(
        server: Server, slack: FakeSlack, tmp_path: Path) -> None:
    """As the live sender does: what the server refuses outright is dropped with a warning, and the rest,
    the final state included, is still uploaded."""
    username, key, channel = _user_with_slack(server)
    run_dir = tmp_path / "runs" / "offline-run-20250101_000000-refused"
    run_dir.mkdir(parents=True)
    log = RecordLog(run_dir / "run-refused.runbase")
    log.write(RUN, {"modelName": "alerts", "name": "refused", "state": "running"})
    log.write(HISTORY, {"rows": '[{"_step": 0, "loss": 1.0}]'})
    log.write(HISTORY, {"rows": "[]", "consoleLines": '["kept"]', "consoleStart": 0})
    log.write(HISTORY, {"rows": "[]", "consoleLines": '["a gap"]', "consoleStart": 5})  # does not follow on
    log.write(HISTORY, {"rows": "[]", "consoleLines": '["after the gap"]', "consoleStart": 6})
    log.write(ALERT, {"n": 0, "title": "t" * 100, "text": "a title the server refuses", "severity": "INFO",
                      "waitDuration": 0})
    log.write(ALERT, {"n": 1, "title": "Accepted", "text": "after the refused one", "severity": "INFO",
                      "waitDuration": 0})
    log.write(HISTORY, {"rows": '[{"_step": 1, "loss": 0.5}]'})
    log.write(RUN, {"modelName": "alerts", "name": "refused", "state": "finished", "exitCode": 0})
    log.close()
    out = subprocess.run([sys.executable, "-m", "runbase.cli", "sync", str(run_dir)],
                         env=_env(server, tmp_path, key), capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "rejected console lines" in out.stderr and "rejected alert" in out.stderr
    api = runbase.Api(overrides={"base_url": server.url}, api_key=key)
    run = api.run(f"{username}/alerts/refused")
    assert (run.state, run.lastHistoryStep) == ("finished", 1)
    assert run.console_output(tail=100) == ["kept"]
    _messages(slack, channel, until="after the refused one")
    assert [record["n"] for record in read(log.path) if record["t"] == "alert_sent"] == [1]
