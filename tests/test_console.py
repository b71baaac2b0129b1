"""Console capture: what a training script prints reaches output.log and the server, and the real streams."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import runbase
from conftest import Server, run_script, sdk_environment
from runbase.console import MAX_LINE_CHARS, LineSplitter

# Prints a bit of everything, then (after finish, so uncaptured) where the run went.
SCRIPT = """
    import json, sys, runbase
    run = runbase.init(project={project!r}, mode={mode!r})
    for i in range(500):
        print(f"line {{i}}")
    for pct in range(0, 101, 10):
        sys.stdout.write(f"\\rprogress {{pct}}%")
        sys.stdout.flush()
    print()
    print("héllo wörld ✓ 日本語 🚀")
    print("to stderr", file=sys.stderr)
    print("x" * 25_000)
    sys.stdout.write("no newline at the end")
    run.finish()
    print("\\nRESULT " + json.dumps({{"id": run.id, "dir": run.dir}}))
"""
CUT = "x" * MAX_LINE_CHARS + f" [runbase: {25_000 - MAX_LINE_CHARS} more characters cut]"
EXPECTED = ([f"line {i}" for i in range(500)]
            + ["progress 100%", "héllo wörld ✓ 日本語 🚀", "to stderr", CUT, "no newline at the end"])


def _result(stdout: str) -> dict[str, str]:
    return json.loads(stdout.rsplit("RESULT ", 1)[1])


def _console(server: Server, project: str, run_id: str, lines: int = 10_000) -> list[str]:
    api = runbase.Api(overrides={"base_url": server.url}, api_key=server.key)
    return api.run(f"admin/{project}/{run_id}").console_output(tail=lines)


# -- unit: splitting written text into lines ----------------------------------------------------


def test_splitter_holds_partial_lines_and_keeps_the_last_rewrite() -> None:
    splitter = LineSplitter(max_chars=20)
    assert splitter.feed("abc") == []
    assert splitter.feed("def\nghi") == ["abcdef"]
    assert splitter.feed("\r 10%\r 20%\r 30%") == []
    assert splitter.feed("\n") == [" 30%"]
    assert splitter.feed("windows\r\nline two\r") == ["windows"]
    assert splitter.feed("\n") == ["line two"]  # a \r then a \n keeps the line
    assert splitter.feed("y" * 50 + "\n") == ["y" * 20 + " [runbase: 30 more characters cut]"]
    assert splitter.feed("nul\x00 and \udc80 surrogate") == []
    assert splitter.rest() == "nul\ufffd and ? surrogate"
    assert splitter.rest() is None


def test_splitting_whole_writes_matches_splitting_them_a_character_at_a_time() -> None:
    """Text with newlines and no carriage return takes a faster path (str.split): same lines, same rest."""
    writes = ["plain\nlines\nhere\n", "partial", " line\nand more\n", "y" * 50 + "\nshort\n" + "z" * 30,
              "\n", "nul\x00 and \udc80 surrogate\né\n", "bar 10%\r", "\n", "a\r\nb\n", "tail"]
    whole, by_char = LineSplitter(max_chars=20), LineSplitter(max_chars=20)
    for text in writes:
        assert whole.feed(text) == [line for char in text for line in by_char.feed(char)], text
    assert whole.rest() == by_char.rest() == "tail"
    fast = LineSplitter(max_chars=20)
    cut = "w" * 20 + " [runbase: 5 more characters cut]"
    assert fast.feed("one\ntwo\n" + "w" * 25 + "\nthr") == ["one", "two", cut]
    assert fast.feed("ee\n") == ["three"]


# -- end to end ---------------------------------------------------------------------------------


def test_printed_lines_reach_output_log_the_server_and_the_terminal(server: Server, sdk_env: dict[str, str]) -> None:
    result = run_script(SCRIPT.format(project="console", mode="online"), sdk_env)
    found = _result(result.stdout)
    assert (Path(found["dir"]) / "output.log").read_text(encoding="utf-8").splitlines() == EXPECTED
    assert _console(server, "console", found["id"]) == EXPECTED
    assert _console(server, "console", found["id"], lines=2) == EXPECTED[-2:]
    # the real streams got every write (text mode reads each \r as a newline)
    assert "line 0\nline 1\n" in result.stdout and "progress 50%\nprogress 60%" in result.stdout
    assert "x" * 25_000 in result.stdout and "to stderr" in result.stderr


def test_offline_console_is_uploaded_by_sync_once(server: Server, tmp_path: Path) -> None:
    env = sdk_environment(server, tmp_path)
    found = _result(run_script(SCRIPT.format(project="console-offline", mode="offline"), env).stdout)
    assert (Path(found["dir"]) / "output.log").read_text(encoding="utf-8").splitlines() == EXPECTED
    for _ in range(2):
        out = subprocess.run([sys.executable, "-m", "runbase.cli", "sync", str(tmp_path / "runs")], env=env,
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
    assert _console(server, "console-offline", found["id"]) == EXPECTED


def test_console_off_captures_nothing(server: Server, tmp_path: Path) -> None:
    env = {**sdk_environment(server, tmp_path), "WANDB_CONSOLE": "off"}
    result = run_script("""
        import json, runbase
        with runbase.init(project="console") as run:
            print("not kept")
        print("RESULT " + json.dumps({"id": run.id, "dir": run.dir}))
    """, env)
    found = _result(result.stdout)
    assert "not kept" in result.stdout
    assert not (Path(found["dir"]) / "output.log").exists()
    assert _console(server, "console", found["id"]) == []


def test_resumed_run_continues_its_console_and_a_crash_keeps_the_traceback(server: Server, tmp_path: Path) -> None:
    env = sdk_environment(server, tmp_path)
    first = run_script("""
        import runbase
        with runbase.init(project="console", id="resumed-console") as run:
            print("first session")
    """, env)
    assert first.returncode == 0
    second = run_script("""
        import runbase
        run = runbase.init(project="console", id="resumed-console", resume="allow")
        print("second session")
        raise RuntimeError("boom")
    """, env, check=False)
    assert second.returncode == 1
    lines = _console(server, "console", "resumed-console")
    assert lines[:2] == ["first session", "second session"]
    assert lines[2] == "Traceback (most recent call last):" and lines[-1] == "RuntimeError: boom"
    assert server.run("resumed-console", project="console")["state"] == "failed"


def test_streams_are_patched_in_place_and_restored_at_finish(server: Server, tmp_path: Path) -> None:
    """Like W&B's wrap mode: the stream objects stay; their write is patched, then given back, whichever of two
    runs finishes first."""
    before = sys.stdout, sys.stderr
    settings = runbase.Settings(api_key=server.key, base_url=server.url, root_dir=str(tmp_path), quiet=True)
    first = runbase.init(project="console", settings=settings)
    assert (sys.stdout, sys.stderr) == before and "write" in vars(sys.stdout) and "write" in vars(sys.stderr)
    second = runbase.init(project="console", settings=settings, reinit="create_new")
    print("both")
    first.finish()
    print("second only")
    second.finish()
    print("neither")
    assert (sys.stdout, sys.stderr) == before
    assert "write" not in vars(sys.stdout) and "write" not in vars(sys.stderr)
    assert _console(server, "console", first.id) == ["both"]
    assert _console(server, "console", second.id) == ["both", "second only"]


class _SlottedStream:
    """A stream whose attributes cannot be set: capture falls back to replacing sys.stdout."""

    __slots__ = ("written",)

    def __init__(self) -> None:
        self.written: list[str] = []

    def write(self, text: str) -> int:
        self.written.append(text)
        return len(text)

    def flush(self) -> None:
        pass


def test_a_stream_that_cannot_be_patched_is_swapped(monkeypatch: pytest.MonkeyPatch) -> None:
    from runbase.console import ConsoleCapture

    stream = _SlottedStream()
    monkeypatch.setattr(sys, "stdout", stream)
    queued: list[tuple[str, str]] = []
    capture = ConsoleCapture(queued.append)
    capture.start()
    assert sys.stdout is not stream
    print("swapped")
    capture.stop()
    assert sys.stdout is stream
    print("after")
    assert queued == [("stdout", "swapped"), ("stdout", "\n")]
    assert stream.written == ["swapped", "\n", "after", "\n"]


def test_a_logging_handler_made_before_init_is_captured(server: Server, sdk_env: dict[str, str]) -> None:
    result = run_script("""
        import json, logging, sys
        logging.basicConfig()  # a StreamHandler that holds sys.stderr itself, made before runbase starts
        import runbase
        run = runbase.init(project="console")
        logging.warning("through a handler made before init")
        print("printed")
        run.finish()
        print("RESULT " + json.dumps({"id": run.id, "dir": run.dir}))
    """, sdk_env)
    found = _result(result.stdout)
    expected = ["WARNING:root:through a handler made before init", "printed"]
    assert (Path(found["dir"]) / "output.log").read_text().splitlines() == expected
    assert _console(server, "console", found["id"]) == expected
    assert "WARNING:root:through a handler made before init" in result.stderr


def test_printed_lines_are_sent_without_anything_else_waking_the_sender(server: Server, tmp_path: Path) -> None:
    """print() does not wake the sender; it looks at what was printed every CONSOLE_TICK seconds."""
    run = runbase.init(project="console", settings=runbase.Settings(
        api_key=server.key, base_url=server.url, root_dir=str(tmp_path), quiet=True, heartbeat_seconds=600))
    print("only a print")
    deadline = time.monotonic() + 30
    while _console(server, "console", run.id) != ["only a print"]:
        assert time.monotonic() < deadline, "the printed line never reached the server"
        time.sleep(0.05)
    run.finish()


def test_bad_console_setting_is_refused(tmp_path: Path) -> None:
    with pytest.raises(runbase.UsageError, match="console must be one of"):
        runbase.init(mode="offline", settings={"root_dir": str(tmp_path), "console": "loud"})


def test_runbase_sender_warnings_are_not_captured(server: Server, tmp_path: Path,
                                                  capfd: pytest.CaptureFixture[str]) -> None:
    """The sender thread's warnings reach the terminal but never the console it is sending."""
    run = runbase.init(project="console", settings=runbase.Settings(
        api_key=server.key, base_url=server.url, root_dir=str(tmp_path), quiet=True))
    print("before")
    run._update(config='{"lr": 0.1}')  # not W&B's config shape: refused by the server, so the sender warns
    print("after")
    run.finish()
    assert "runbase: WARNING the server rejected" in capfd.readouterr().err
    assert server.run(run.id, project="console")["state"] == "finished"
    assert _console(server, "console", run.id) == ["before", "after"]
    assert (Path(run.dir) / "output.log").read_text().splitlines() == ["before", "after"]


def test_resuming_uploads_what_an_earlier_session_could_not_send(fresh_server: Server, tmp_path: Path,
                                                                 capfd: pytest.CaptureFixture[str]) -> None:
    """Lines an earlier session left for `runbase sync` are uploaded before the resumed session numbers
    its own after the server's last one, so neither collides with the other."""
    settings = {"api_key": fresh_server.key, "base_url": fresh_server.url, "root_dir": str(tmp_path), "quiet": True,
                "x_finish_timeout": 1.0}
    first = runbase.init(project="console", id="unsent-console", settings=settings)
    fresh_server.kill()
    for i in range(3):
        print(f"unsent {i}")
    first.log({"loss": 1.0})
    first.finish()
    assert "could not reach the server" in capfd.readouterr().err
    earlier = Path(first.dir).parent
    assert not (earlier / ".synced").exists()
    fresh_server.start()
    second = runbase.init(project="console", id="unsent-console", resume="must", settings=settings)
    print("second session")
    second.log({"loss": 0.5})
    second.finish()
    assert "uploading what an earlier session of run unsent-console left" in capfd.readouterr().err
    assert (earlier / ".synced").exists()
    assert _console(fresh_server, "console", "unsent-console") == ["unsent 0", "unsent 1", "unsent 2",
                                                                    "second session"]
    run = fresh_server.run("unsent-console", project="console")
    assert (run["historyLineCount"], run["lastHistoryStep"], run["state"]) == (2, 1, "finished")


@pytest.mark.parametrize("damage", ["disk full", "folder deleted"])
def test_output_log_that_cannot_be_written_does_not_stop_the_run(server: Server, tmp_path: Path, damage: str,
                                                                 capfd: pytest.CaptureFixture[str]) -> None:
    if damage == "disk full" and not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    run = runbase.init(project="console", settings=runbase.Settings(
        api_key=server.key, base_url=server.url, root_dir=str(tmp_path), quiet=True))
    files = Path(run.dir)
    run._metadata.join()  # the files init gathers on a thread: deleting the folder while they are written fails
    if damage == "disk full":
        (files / "output.log").symlink_to("/dev/full")  # every write fails with ENOSPC
    else:
        shutil.rmtree(files)  # with the wandb-metadata.json init wrote
    for i in range(3):
        print(f"kept {i}")
        run.log({"loss": 1 / (i + 1)})
    run.finish()
    err = capfd.readouterr().err
    assert err.count(f"cannot write {files / 'output.log'}") == 1
    assert server.run(run.id, project="console")["state"] == "finished"
    assert _console(server, "console", run.id) == ["kept 0", "kept 1", "kept 2"]
    assert (files.parent / ".synced").exists()


def test_a_sender_that_cannot_record_says_so_and_stops_taking_data(server: Server, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   capfd: pytest.CaptureFixture[str]) -> None:
    run = runbase.init(project="console", settings=runbase.Settings(
        api_key=server.key, base_url=server.url, root_dir=str(tmp_path), quiet=True))
    sender = run._sender

    def disk_full(kind: str, payload: dict) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sender.log, "write", disk_full)
    run.log({"loss": 1.0})
    deadline = time.monotonic() + 30
    while not sender.broken:
        assert time.monotonic() < deadline, "the sender did not notice"
        time.sleep(0.02)
    for i in range(1000):
        print(f"after the failure {i}")
    while sender.queue:  # what the run still prints or logs is thrown away, not kept forever
        assert time.monotonic() < deadline, "the queue was never emptied"
        time.sleep(0.05)
    run.finish()
    assert not sender.is_alive()
    err = capfd.readouterr().err
    assert "recording the run's data failed" in err and "No space left on device" in err
    assert not (Path(run.dir).parent / ".synced").exists()
