"""Console capture: what a training script prints reaches output.log and the server, and the real streams."""

from __future__ import annotations

import json
import subprocess
import sys
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


def test_streams_are_restored_at_finish(server: Server, tmp_path: Path) -> None:
    before = sys.stdout, sys.stderr
    run = runbase.init(project="console", settings=runbase.Settings(
        api_key=server.key, base_url=server.url, root_dir=str(tmp_path), quiet=True))
    assert (sys.stdout, sys.stderr) != before
    print("inside")
    run.finish()
    assert (sys.stdout, sys.stderr) == before
    assert _console(server, "console", run.id) == ["inside"]


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
