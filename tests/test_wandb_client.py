"""The official wandb client, unchanged (its pinned release, tests/wandb-client-requirements.txt, in .venv-wandb), against
a real runbase server on SQLite and PostgreSQL, pointed there by WANDB_BASE_URL and a runbase API key alone.

A logging proxy between them (official_client.py) records every GraphQL operation and HTTP route the client sends,
written to test-outputs/wandb-VERSION-operations-BACKEND.json so that a new release's additions show, and loses the
answer to the run's final file_stream request once, as a dropped connection would: the client sends it again, and
every row must still be stored once. What the client logged must read back identically through runbase's own Api.
One wandb process per scenario: `wandb login --host`; a script that logs in (a bad key first), then logs a run and
finishes it; and one that finds its key in WANDB_API_KEY and fails.

The file_stream and upload URL routes are also driven directly (resends, console rewrites, bad tokens), which needs
no wandb."""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import plain_http
from conftest import Server
from official_client import (  # noqa: F401 - release: a fixture
    CURRENT,
    OLDER,
    LoggingProxy,
    Release,
    check_known,
    new_user,
    release,
    run_wandb,
    wandb_environment,
)

# What the client asks that runbase does not answer yet, and why; anything else it sends must be answered.
NOT_ANSWERED = {
    "POST /sdk/otel/v1/metrics": "the client's own telemetry: a 404 tells it the server takes none, as it expects",
}
CONFIG = {"lr": 0.01, "layers": [64, 32], "optimizer": {"name": "adam", "beta": 0.9}}
SCRIPT = """
import os, sys, wandb
url = os.environ["WANDB_BASE_URL"]
try:
    wandb.login(key="x" * 40, host=url, relogin=True, verify=True)
except Exception as exc:
    print("a bad key was refused:", type(exc).__name__)
else:
    sys.exit("a bad key was accepted")
assert wandb.login(key=os.environ["TEST_API_KEY"], host=url, relogin=True, verify=True)
run = wandb.init(project="official", id="wb1", config=CONFIG, notes="from wandb", tags=["a", "b"], group="g",
                 job_type="train")
print("RUN_DIR", run.dir, file=sys.__stdout__)
for step in range(1000):
    run.log({"loss": 1 / (step + 1), "acc": step / 1000, "epoch": step // 100, "name": f"s{step % 3}"})
print("a line on stdout")
print("a line on stderr", file=sys.stderr)
run.config.update({"batch_size": 32})
run.summary["best_acc"] = 0.999
with open("notes.txt", "w") as out:
    out.write("saved with the run\\n")
run.save("notes.txt", policy="now")
run.finish()
"""
# With no login at all: WANDB_BASE_URL and WANDB_API_KEY in the environment, as most jobs are set up.
# Also: a run given no name is named by the server, as W&B's names every run; a NUL in a logged string or key,
# which no database stores, becomes U+FFFD where it must (keys, the summary) and loses nothing else.
FAILING = """
import sys, wandb
run = wandb.init(project="official", id="wb2")
print("RUN_NAME", run.name, file=sys.__stdout__)
run.log({"loss": 1.0, "note": "a\\x00b", "a\\x00key": 2.0})
run.log({"loss": 2.0})
run.finish(exit_code=3)
"""
# Resuming: a run of its own, one logged by runbase's SDK (its rows made through the same GraphQL), and the two
# refusals W&B's client makes from what the server answers.
RESUME = """
import sys, wandb
run = wandb.init(project="official", id="wb3")
for step in range(5):
    run.log({"loss": step})
print("first part")
run.finish()
run = wandb.init(project="official", id="wb3", resume="must")
for step in range(5):
    run.log({"loss": 10 + step})
print("second part")
run.finish()
run = wandb.init(project="official", id="rb1", resume="must")
for step in range(3):
    run.log({"loss": 100 + step})
run.finish()
for mode, name in (("must", "missing"), ("never", "wb3")):
    try:
        wandb.init(project="official", id=name, resume=mode)
    except Exception as exc:
        print("REFUSED", mode, type(exc).__name__, file=sys.__stdout__)
    else:
        sys.exit(f"resume={mode} of {name} was not refused")
"""
# wandb.Api() reading back what the client logged: the runs of a project by a MongoDB filter, a run's fields,
# and its history (all 1,000 rows fit one sample).
PUBLIC_API = """
import json, sys, wandb
api = wandb.Api()
found = api.runs(f"{ENTITY}/official", filters={"config.lr": 0.01, "state": "finished"})
print("API_RUNS", json.dumps(sorted(run.id for run in found)), file=sys.__stdout__)
run = api.run(f"{ENTITY}/official/wb1")
fields = {"config": run.config, "summary": dict(run.summary), "state": run.state, "tags": run.tags,
          "notes": run.notes, "group": run.group, "job_type": run.job_type, "user": run.user.username}
print("API_RUN", json.dumps(fields, default=dict), file=sys.__stdout__)
print("API_HISTORY", json.dumps(run.history(samples=2000, pandas=False)), file=sys.__stdout__)
"""
OWN_FILES = {"config.yaml", "output.log", "requirements.txt", "wandb-metadata.json", "wandb-summary.json", "notes.txt"}


@dataclass
class Logged:
    server: Server
    proxy: LoggingProxy
    user: str
    key: str
    run_dir: Path
    recorded: dict[str, Any]
    resumed: str = ""  # what the failing, resume and wandb.Api() scripts printed
    release: Release = CURRENT

    def api(self) -> Any:
        import runbase

        return runbase.Api(overrides={"base_url": self.server.url}, api_key=self.key)


def _final(request: Any) -> bool:
    return request.route.endswith("/file_stream") and request.json().get("complete") is True


@pytest.fixture(scope="module")
def logged(server: Server, backend: str, release: Release, tmp_path_factory: pytest.TempPathFactory) -> Any:
    user, key, home = new_user(server, tmp_path_factory, "wb", release)
    with LoggingProxy(server, drop_once=_final) as proxy:
        env = wandb_environment(proxy, home)
        login = run_wandb("", env, cwd=home, args=("login", "--verify", "--host", proxy.url, key),
                          release=release)
        assert f"Currently logged in as: {user}" in login.stdout + login.stderr
        netrc = (home / ".netrc").read_text()
        assert proxy.url.removeprefix("http://") in netrc and key in netrc
        result = run_wandb(f"CONFIG = {CONFIG!r}\n{SCRIPT}", {**env, "TEST_API_KEY": key}, cwd=home, release=release)
        assert "a bad key was refused" in result.stdout, result.stdout + result.stderr
        [run_dir] = [line.split(" ", 1)[1] for line in result.stdout.splitlines() if line.startswith("RUN_DIR ")]
        failing = run_wandb(FAILING, {**env, "WANDB_API_KEY": key, "WANDB_CONFIG_DIR": str(home / "other-config"),
                            "HOME": str(home / "other-home")}, cwd=home, release=release)
        _log_with_runbase(server, key, "rb1", [{"_step": step, "loss": float(step)} for step in range(3)])
        resumed = run_wandb(RESUME, {**env, "WANDB_API_KEY": key}, cwd=home, release=release)
        read = run_wandb(f"ENTITY = {user!r}\n{PUBLIC_API}", {**env, "WANDB_API_KEY": key}, cwd=home,
                         release=release)
        recorded = proxy.record(f"wandb-{release.version}-operations-{backend}", release)
        yield Logged(server, proxy, user, key, Path(run_dir), recorded, failing.stdout + resumed.stdout + read.stdout,
                     release)


def _log_with_runbase(server: Server, key: str, run: str, rows: list[dict[str, Any]]) -> None:
    made = server.graphql('mutation($r: String!) { upsertBucket(input: {modelName: "official", name: $r}) '
                          "{ inserted } }", {"r": run}, key=key)
    assert "errors" not in made, made
    logged = server.graphql('mutation($r: String!, $rows: JSONString!) { logHistory(input: {projectName: "official", '
                            "runName: $r, rows: $rows}) { historyLineCount } }", {"r": run, "rows": json.dumps(rows)},
                            key=key)
    assert "errors" not in logged, logged


def test_every_operation_the_client_sent_was_answered(logged: Logged) -> None:
    recorded = logged.recorded
    assert {"Viewer", "UpsertBucket", "ServerFeaturesQuery", "CreateRunFiles"} <= set(recorded["graphql_operations"])
    assert "POST /files/ENTITY/PROJECT/RUN/file_stream" in recorded["routes"]
    assert "PUT /files/uploads/TOKEN" in recorded["routes"]
    assert set(recorded["not_answered"]) <= set(NOT_ANSWERED), recorded["not_answered_how"]
    check_known(recorded, logged.release)


def test_the_run_reads_back_through_runbase(logged: Logged) -> None:
    run = logged.api().run(f"{logged.user}/official/wb1")
    assert run.state == "finished"
    assert run.config == {**CONFIG, "batch_size": 32}
    assert (run.notes, run.tags, run.group, run.job_type) == ("from wandb", ["a", "b"], "g", "train")
    sent_summary = json.loads(logged.proxy.lines("wb1", "wandb-summary.json")[0])
    assert dict(run.summary) == sent_summary and sent_summary["best_acc"] == 0.999
    stored = logged.server.run("wb1", project="official", entity=logged.user, key=logged.key)
    assert stored is not None and stored["exitCode"] == 0


def test_history_is_stored_once_as_the_client_sent_it(logged: Logged) -> None:
    """The final request reached the server twice (the proxy lost its first answer): its rows count once."""
    finals = [request for request in logged.proxy.file_stream("wb1") if request.get("complete")]
    assert len(finals) == 2 and finals[0] == finals[1]
    sent = [json.loads(line) for _, line in sorted(logged.proxy.lines("wb1", "wandb-history.jsonl").items())]
    assert [row["_step"] for row in sent] == list(range(1000))
    run = logged.api().run(f"{logged.user}/official/wb1")
    history = list(run.scan_history())
    assert history == sent
    assert [(row["loss"], row["acc"], row["epoch"], row["name"]) for row in history] == [
        (1 / (step + 1), step / 1000, step // 100, f"s{step % 3}") for step in range(1000)]
    stored = logged.server.run("wb1", project="official", entity=logged.user, key=logged.key)
    assert stored is not None and stored["historyLineCount"] == 1000 and stored["lastHistoryStep"] == 999


def test_console_and_system_metrics_read_back(logged: Logged) -> None:
    run = logged.api().run(f"{logged.user}/official/wb1")
    console = run.console_output(tail=1000)
    sent = [line for _, line in sorted(logged.proxy.lines("wb1", "output.log").items())]
    assert len(console) == len(sent)
    assert "a line on stdout" in console and "a line on stderr" in console
    assert all(line.endswith(printed) for line, printed in zip(sent, console))
    answer = logged.server.graphql(
        "query($e: String, $r: String!) { project(name: \"official\", entityName: $e) { run(name: $r) { "
        "events(samples: 100000) eventsLineCount } } }", {"e": logged.user, "r": "wb1"}, key=logged.key)
    events = answer["data"]["project"]["run"]
    sent_events = [json.loads(line) for _, line in sorted(logged.proxy.lines("wb1", "wandb-events.jsonl").items())]
    assert sent_events or logged.release is OLDER  # whose first sample comes after this short run (15 s)
    assert [json.loads(row) for row in events["events"]] == sent_events
    assert int(events["eventsLineCount"]) == len(sent_events)


def test_the_files_the_client_uploaded_read_back(logged: Logged, tmp_path: Path) -> None:
    run = logged.api().run(f"{logged.user}/official/wb1")
    names = {file.name for file in run.files()}
    assert OWN_FILES <= names, names
    for name in sorted(OWN_FILES):
        with run.file(name).download(tmp_path) as downloaded:
            assert downloaded.read() == (logged.run_dir / name).read_text(), name


def test_a_run_that_exits_with_an_error_fails(logged: Logged) -> None:
    stored = logged.server.run("wb2", project="official", entity=logged.user, key=logged.key)
    assert stored is not None and (stored["state"], stored["exitCode"]) == ("failed", 3)
    assert stored["historyLineCount"] == 2 and "RUN_NAME wb2" in logged.resumed
    run = logged.api().run(f"{logged.user}/official/wb2")
    assert run.name == "wb2" and run.summary["note"] == "a\ufffdb" and run.summary["loss"] == 2.0
    rows = run.history(pandas=False)
    assert [row["loss"] for row in rows] == [1.0, 2.0]
    assert rows[0]["note"] == "a\x00b" and rows[0]["a\ufffdkey"] == 2.0


def test_runs_resume_where_they_stopped(logged: Logged) -> None:
    """The client reads the run back (RunResumeStatus) and goes on after its last step, its console after its last
    line; resume="must" of a missing run and "never" of an existing one are refused as W&B refuses them."""
    assert "REFUSED must UsageError" in logged.resumed and "REFUSED never UsageError" in logged.resumed
    run = logged.api().run(f"{logged.user}/official/wb3")
    assert run.state == "finished"
    assert [(row["_step"], row["loss"]) for row in run.scan_history()] == [
        *((step, step) for step in range(5)), *((5 + step, 10 + step) for step in range(5))]
    console = run.console_output(tail=100)
    if logged.release is OLDER:
        # Its core forgot the console's line count on resuming (wandb fixed it in August 2026, PR 12421) and sends
        # the second part's lines from line 0 again: W&B's server, like runbase, keeps the lines sent last.
        assert "first part" not in console and "second part" in console
    else:
        assert console.index("first part") < console.index("second part")
    by_runbase = logged.api().run(f"{logged.user}/official/rb1")
    assert [(row["_step"], row["loss"]) for row in by_runbase.scan_history()] == [
        (0, 0.0), (1, 1.0), (2, 2.0), (3, 100), (4, 101), (5, 102)]
    assert "RunResumeStatus" in logged.recorded["graphql_operations"]


def _printed(output: str, tag: str) -> Any:
    return json.loads(next(line for line in output.splitlines() if line.startswith(tag + " "))[len(tag) + 1:])


def test_wandb_api_reads_runs_as_runbase_does(logged: Logged) -> None:
    """wandb.Api(): runs by filter, a run's config, summary and fields, and its history, as runbase's Api has them."""
    assert _printed(logged.resumed, "API_RUNS") == ["wb1"]
    ours = logged.api().run(f"{logged.user}/official/wb1")
    assert _printed(logged.resumed, "API_RUN") == {
        "config": ours.config, "summary": dict(ours.summary), "state": "finished", "tags": ["a", "b"],
        "notes": "from wandb", "group": "g", "job_type": "train", "user": logged.user}
    assert _printed(logged.resumed, "API_HISTORY") == list(ours.scan_history())
    assert {"Runs", "Run"} <= set(logged.recorded["graphql_operations"])


# ------------------------------------------------------------------ the routes, driven directly


def _stream(server: Server, key: str, entity: str, run: str, body: dict[str, Any]) -> httpx.Response:
    """A file_stream request as the client sends it: HTTP Basic with the API key as password."""
    return plain_http.post(f"{server.url}/files/{entity}/streamed/{run}/file_stream", json=body, auth=("api", key),
                           timeout=60)


def _lines(name: str, offset: int, lines: list[str]) -> dict[str, Any]:
    return {name: {"offset": offset, "content": lines}}


def test_file_stream_resends_store_each_row_once(server: Server) -> None:
    server.graphql("mutation { upsertBucket(input: {modelName: \"streamed\", name: \"resend\"}) { inserted } }")
    history = [json.dumps({"_step": step, "loss": 1 / (step + 1), "_runtime": step / 10}) for step in range(5)]
    events = [json.dumps({"system.cpu": 10.0 + n, "_wandb": True, "_timestamp": 1.7e9 + n, "_runtime": n})
              for n in range(3)]
    console = ["2026-01-01T00:00:00.000001 first", "ERROR 2026-01-01T00:00:00.000002 second",
               "2026-01-01T00:00:00.000003 progress 1"]
    body = {"files": {**_lines("wandb-history.jsonl", 0, history), **_lines("wandb-events.jsonl", 0, events),
                      **_lines("output.log", 0, console),
                      **_lines("wandb-summary.json", 0, ['{"loss": 0.2, "_step": 4, "gone": 1}'])}}
    for _ in range(2):  # a resend, as after a dropped connection
        answer = _stream(server, server.key, "admin", "resend", body)
        assert answer.status_code == 200 and answer.json() == {"exitcode": None, "limits": {}}
    later = {"files": {**_lines("wandb-history.jsonl", 3, history[3:] + [json.dumps({"_step": 5, "loss": 0.1})]),
                       **_lines("output.log", 2, ["2026-01-01T00:00:01.000000 progress 2", "2026-01-01T00:00:02 done"]),
                       **_lines("wandb-summary.json", 0, ['{"loss": 0.1, "_step": 5}'])},
             "complete": True, "exitcode": 1, "uploaded": ["output.log"]}
    for _ in range(2):
        assert _stream(server, server.key, "admin", "resend", later).status_code == 200
    answer = server.graphql("""{ project(name: "streamed") { run(name: "resend") { state exitCode historyLineCount
        summaryMetrics consoleTail(lines: 10) consoleLineCount eventsLineCount events history } } }""")
    run = answer["data"]["project"]["run"]
    assert (run["state"], run["exitCode"], run["historyLineCount"]) == ("failed", 1, 6)
    assert [json.loads(row)["_step"] for row in run["history"]] == list(range(6))
    assert json.loads(run["summaryMetrics"]) == {"loss": 0.1, "_step": 5}  # the whole summary, replaced
    assert run["consoleTail"] == ["first", "second", "progress 2", "done"]  # line 2 rewritten in place
    assert (int(run["consoleLineCount"]), int(run["eventsLineCount"])) == (4, 3)
    assert [json.loads(row) for row in run["events"]] == [json.loads(row) for row in events]


def test_file_stream_keeps_rows_no_database_could_store_as_sent(server: Server) -> None:
    """W&B's clients take a refused request as the end of the stream: a row with a lone surrogate (or NUL) is
    stored with U+FFFD in its place, and a row nested deeper than the parser goes with that value as its JSON
    text; the rows around them are stored as usual."""
    server.graphql("mutation { upsertBucket(input: {modelName: \"streamed\", name: \"odd\"}) { inserted } }")
    deep = "[" * 5000 + "]" * 5000
    rows = ['{"_step": 0, "a": 1}', '{"_step": 1, "\\ud800": 1, "s": "x\\udfffy"}', '{"_step": 2, "k\\u0000": 2}',
            '{"_step": 3, "deep": ' + deep + ', "a": 3}', '{"_step": 4, "a": 4}']
    answer = _stream(server, server.key, "admin", "odd", {"files": _lines("wandb-history.jsonl", 0, rows)})
    assert answer.status_code == 200, answer.text
    run = server.run("odd", project="streamed")
    assert run is not None and run["historyLineCount"] == 5
    assert [json.loads(row) for row in run["history"]] == [
        {"_step": 0, "a": 1}, {"_step": 1, "\ufffd": 1, "s": "x\ufffdy"}, {"_step": 2, "k\ufffd": 2},
        {"_step": 3, "deep": deep, "a": 3}, {"_step": 4, "a": 4}]


@pytest.mark.parametrize("body, words", [
    ({"files": {"wandb-history.jsonl": {"offset": 0, "content": ["{\"_step\": 0"]}}}, "line 0 is not a JSON object"),
    ({"files": {"wandb-history.jsonl": {"offset": -1, "content": []}}}, "offset"),
    ({"files": {"wandb-history.jsonl": {"offset": 0, "content": ['{"x": 1}']}}}, "_step"),
    ({"files": {"other.txt": {"offset": 0, "content": []}}}, "other.txt"),
    ({"files": {}, "exitcode": "zero"}, "exitcode"),
    ([1, 2], "JSON object"),
])
def test_file_stream_refuses_bad_requests_whole(server: Server, body: Any, words: str) -> None:
    server.graphql("mutation { upsertBucket(input: {modelName: \"streamed\", name: \"bad\"}) { inserted } }")
    answer = _stream(server, server.key, "admin", "bad", body)  # type: ignore[arg-type]
    assert answer.status_code == 400 and words in answer.json()["errors"][0]["message"], answer.text
    run = server.run("bad", project="streamed")
    assert run is not None and run["historyLineCount"] == 0 and run["state"] == "running"


def test_file_stream_needs_a_key_and_a_run(server: Server) -> None:
    assert _stream(server, "x" * 40, "admin", "resend", {"files": {}}).status_code == 401
    missing = _stream(server, server.key, "admin", "no-such-run", {"files": {}})
    assert missing.status_code == 404 and missing.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


STOP = "mutation($id: ID!) { stopRun(input: {id: $id}) { success } }"
STOPPED = """query($r: String!) { project(name: "streamed") { run(name: $r) { state exitCode stopped } } }"""


def test_a_stopped_run_is_told_so_and_ends_killed(server: Server) -> None:
    """stopRun flags a live run: Run.stopped (older clients poll it) and the file_stream's answer (newer ones
    read it there) say so, and the run its client then ends is killed with the client's exit code. A run that
    already ended is left as it is; resuming a killed run spends the stop; an id naming no run is refused."""
    def made(name: str) -> str:
        answer = server.graphql('mutation($r: String!) { upsertBucket(input: {modelName: "streamed", name: $r}) '
                                "{ bucket { id } } }", {"r": name})
        return str(answer["data"]["upsertBucket"]["bucket"]["id"])

    live_name, ended = f"stop-{uuid.uuid4().hex[:8]}", f"ended-{uuid.uuid4().hex[:8]}"
    live, ended_id = made(live_name), made(ended)
    _stream(server, server.key, "admin", ended, {"files": {}, "complete": True, "exitcode": 0})
    assert server.graphql(STOP, {"id": ended_id})["data"]["stopRun"]["success"] is True
    assert server.graphql(STOPPED, {"r": ended})["data"]["project"]["run"] == {
        "state": "finished", "exitCode": 0, "stopped": False}
    assert _stream(server, server.key, "admin", live_name, {"files": {}}).json() == {"exitcode": None, "limits": {}}
    assert server.graphql(STOP, {"id": live})["data"]["stopRun"]["success"] is True
    assert server.graphql(STOPPED, {"r": live_name})["data"]["project"]["run"]["stopped"] is True
    told = _stream(server, server.key, "admin", live_name, {"files": {}})
    assert told.json() == {"exitcode": None, "limits": {}, "stopped": True}
    for _ in range(2):  # the client's last request, and a resend of it
        _stream(server, server.key, "admin", live_name, {"files": {}, "complete": True, "exitcode": 255})
    assert server.graphql(STOPPED, {"r": live_name})["data"]["project"]["run"] == {
        "state": "killed", "exitCode": 255, "stopped": True}
    resumed = _stream(server, server.key, "admin", live_name, {"files": {}})  # W&B's clients resume so
    assert resumed.json() == {"exitcode": None, "limits": {}}
    assert server.graphql(STOPPED, {"r": live_name})["data"]["project"]["run"] == {
        "state": "running", "exitCode": None, "stopped": False}
    _stream(server, server.key, "admin", live_name, {"files": {}, "complete": True, "exitcode": 0})
    assert server.graphql(STOPPED, {"r": live_name})["data"]["project"]["run"]["state"] == "finished"
    for bad in ("nope", "0", "99999999999"):
        refused = server.graphql(STOP, {"id": bad})
        assert refused["errors"][0]["extensions"]["code"] == "NOT_FOUND", refused
        assert f"no run with id {bad!r}" in refused["errors"][0]["message"]


CREATE_RUN_FILES = """mutation($e: String, $p: String!, $r: String!, $f: [String!]!) {
    createRunFiles(input: {entityName: $e, projectName: $p, runName: $r, files: $f}) {
      runID uploadHeaders files { name uploadUrl } } }"""


def _upload_url(server: Server, name: str, key: str | None = None, entity: str | None = None,
                project: str = "streamed", run: str = "uploads") -> str:
    answer = server.graphql(CREATE_RUN_FILES, {"e": entity, "p": project, "r": run, "f": [name]}, key=key)
    assert "errors" not in answer, answer
    [made] = answer["data"]["createRunFiles"]["files"]
    assert made["name"] == name and made["uploadUrl"].startswith(server.url + "/files/uploads/")
    return str(made["uploadUrl"])


def _file(server: Server, name: str, entity: str = "admin", project: str = "streamed", run: str = "uploads",
          key: str | None = None) -> dict[str, Any] | None:
    answer = server.graphql("query($e: String, $p: String!, $r: String!, $n: String!) { project(name: $p, "
                            "entityName: $e) { run(name: $r) { file(name: $n) { digest sizeBytes } } } }",
                            {"e": entity, "p": project, "r": run, "n": name}, key=key)
    return answer["data"]["project"]["run"]["file"]  # type: ignore[no-any-return]


def test_upload_urls_store_files_and_check_md5(server: Server) -> None:
    server.graphql("mutation { upsertBucket(input: {modelName: \"streamed\", name: \"uploads\"}) { inserted } }")
    contents = b"a run file\n" * 100
    md5 = base64.b64encode(hashlib.md5(contents).digest()).decode()
    url = _upload_url(server, "dir/checked.txt")
    wrong = plain_http.put(url, content=contents, headers={"Content-MD5": base64.b64encode(b"0" * 16).decode()})
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["extensions"]["code"] == "DIGEST_MISMATCH"
    assert _file(server, "dir/checked.txt") is None  # nothing stored
    assert plain_http.put(url, content=contents, headers={"Content-MD5": md5}).status_code == 200  # no API key
    assert _file(server, "dir/checked.txt") == {"digest": hashlib.sha256(contents).hexdigest(),
                                                "sizeBytes": len(contents)}
    assert plain_http.put(url, content=b"new contents").status_code == 200  # saved again: the new contents
    assert _file(server, "dir/checked.txt")["sizeBytes"] == len(b"new contents")  # type: ignore[index]


def test_a_bad_or_expired_upload_token_is_refused(server: Server) -> None:
    from runbase_server.runs import uploads
    from runbase_server.settings import ServerSettings

    server.graphql("mutation { upsertBucket(input: {modelName: \"streamed\", name: \"uploads\"}) { inserted } }")
    url = _upload_url(server, "tampered.txt")
    payload, signature = url.rsplit("/", 1)[1].split(".")
    fields = json.loads(base64.urlsafe_b64decode(payload + "=="))
    other = base64.urlsafe_b64encode(json.dumps({**fields, "n": "other.txt"}).encode()).decode().rstrip("=")
    for token in (f"{other}.{signature}", f"{payload}.{signature[:-2]}AA", payload, "", "x.y.z"):
        refused = plain_http.put(f"{server.url}/files/uploads/{token}", content=b"sneaked in")
        assert refused.status_code in (403, 404, 405), (token, refused.text)
        if refused.status_code == 403:
            assert "not valid" in refused.json()["errors"][0]["message"]
    settings = ServerSettings(data_dir=server.data_dir)
    expired = uploads.sign(settings, uploads.Grant(fields["r"], fields["u"], "late.txt"),
                           now=time.time() - 2 * uploads.LIFETIME_SECONDS)
    refused = plain_http.put(f"{server.url}/files/uploads/{expired}", content=b"too late")
    assert refused.status_code == 403 and "expired" in refused.json()["errors"][0]["message"]
    assert all(_file(server, name) is None for name in ("tampered.txt", "other.txt", "late.txt"))


def test_an_upload_url_stops_working_when_its_user_may_no_longer_write(server: Server) -> None:
    team, user = f"up-{uuid.uuid4().hex[:8]}", f"up-{uuid.uuid4().hex[:8]}"
    key = server.create_user(user)
    server.graphql("mutation($t: String!) { createTeam(input: {teamName: $t}) { entity { name } } }", {"t": team})
    member = server.graphql("mutation($t: String!, $u: String!) { createInvite(input: {entityName: $t, username: $u,"
                            " role: \"member\"}) { member { id } } }", {"t": team, "u": user})
    server.graphql("mutation($t: String!) { upsertBucket(input: {entityName: $t, modelName: \"p\", name: \"r\"}) "
                   "{ inserted } }", {"t": team}, key=key)
    url = _upload_url(server, "kept.txt", key=key, entity=team, project="p", run="r")
    server.graphql("mutation($t: String!, $id: ID!) { deleteInvite(input: {entityName: $t, id: $id}) { success } }",
                   {"t": team, "id": member["data"]["createInvite"]["member"]["id"]})
    refused = plain_http.put(url, content=b"after leaving")
    assert refused.status_code in (403, 404), refused.text
    assert _file(server, "kept.txt", entity=team, project="p", run="r") is None


UPSERT = """mutation($i: UpsertBucketInput!) { upsertBucket(input: $i) { bucket { id name description config
    project { name entity { name } } } inserted } }"""


def test_upsert_bucket_takes_w_and_bs_fields(server: Server) -> None:
    """The run named by the id the client got back; a project left out is "uncategorized"; description is the
    notes; commit, program, repository and debug are accepted."""
    made = server.graphql(UPSERT, {"i": {"name": f"wb-{uuid.uuid4().hex[:8]}", "modelName": None, "description":
                                         "older notes", "commit": "abc123", "jobProgram": "train.py",
                                         "jobRepo": "https://git.example/r", "debug": False}})["data"]["upsertBucket"]
    bucket = made["bucket"]
    assert made["inserted"] and bucket["description"] == "older notes"
    assert bucket["project"] == {"name": "uncategorized", "entity": {"name": "admin"}}
    again = server.graphql(UPSERT, {"i": {"id": bucket["id"], "config": '{"lr": {"value": 0.1}}'}})
    assert again["data"]["upsertBucket"]["inserted"] is False
    assert again["data"]["upsertBucket"]["bucket"]["name"] == bucket["name"]
    assert json.loads(again["data"]["upsertBucket"]["bucket"]["config"]) == {"lr": {"value": 0.1, "desc": None}}
    mismatch = server.graphql(UPSERT, {"i": {"id": bucket["id"], "name": "another"}})
    assert "does not name it" in mismatch["errors"][0]["message"]
    outsider = server.create_user(f"wb-{uuid.uuid4().hex[:8]}")
    hidden = server.graphql(UPSERT, {"i": {"id": bucket["id"], "notes": "mine now"}}, key=outsider)
    assert hidden["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert server.run(bucket["name"], project="uncategorized")["notes"] == "older notes"  # type: ignore[index]


def test_upsert_model_takes_w_and_bs_null_fields_and_refuses_values_it_cannot_keep(server: Server) -> None:
    """wandb.Api().create_project() sends id, framework and views (null), and reads the project as model too."""
    made = "mutation($i: UpsertModelInput!) { upsertModel(input: $i) { model { name views } project { name } } }"
    name = f"wb-{uuid.uuid4().hex[:8]}"
    answer = server.graphql(made, {"i": {"name": name, "id": None, "framework": None, "views": None, "repo": None}})
    assert answer["data"]["upsertModel"] == {"model": {"name": name, "views": None}, "project": {"name": name}}
    refused = server.graphql(made, {"i": {"name": name, "views": '{"a": 1}', "framework": "torch"}})
    assert "does not take framework, views" in refused["errors"][0]["message"]
    assert "needs the project's name" in server.graphql(made, {"i": {"name": None}})["errors"][0]["message"]
