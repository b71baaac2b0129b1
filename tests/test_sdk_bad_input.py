"""The SDK refuses what it cannot keep or should not trust: run.log keys and values the server cannot store,
unreadable or unbounded settings, unverified references in someone else's artifact; and it keeps working
with older servers and with unsaved Public API edits."""

from __future__ import annotations

import http.server
import json
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import runbase
from conftest import Server, run_script
from runbase.errors import UsageError
from runbase.sender import MISSING, summary_fields, wire_form
from runbase.settings import Settings, env


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_run_log_refuses_unstorable_keys_and_values_and_keeps_the_rest(server: Server, sdk_env: dict[str, str]) -> None:
    project = unique("badlog")
    result = run_script(f"""
        import runbase
        run = runbase.init(project={project!r}, id="r1")
        run.log({{"good": 1}})
        for bad in ({{"a\\x00b": 1}}, {{"\\ud800": 1}}, {{"s": "x\\ud800"}}, {{1: 2}}, {{"n": {{"k\\x00": 1}}}},
                    {{"l": ["ok", "a\\x00"]}}, {{"o": object()}}, {{"fine": 5, "z\\x00": 1}}):
            try:
                run.log(bad)
            except (TypeError, ValueError) as exc:
                print("refused:", exc)
            else:
                print("ACCEPTED", bad)
        for key, value in (("k\\x00", 1), ("k", "\\ud800")):
            for target in (run.summary, run.config):
                try:
                    target[key] = value
                except runbase.errors.UsageError as exc:
                    print("refused:", exc)
                else:
                    print("ACCEPTED", key)
        run.log({{"good": 2}})
        run.finish()
    """, sdk_env)
    assert "ACCEPTED" not in result.stdout
    refusals = [line for line in result.stdout.splitlines() if line.startswith("refused:")]
    assert len(refusals) == 12
    assert "'a\\x00b'" in refusals[0] and "NUL" in refusals[0] and "'\\ud800'" in refusals[1]
    assert "'s'" in refusals[2] and "surrogate" in refusals[2] and "must be strings" in refusals[3]
    assert "'n/k\\x00'" in refusals[4] and "'z\\x00'" in refusals[7]
    run = server.run("r1", project)
    assert run is not None
    rows = [json.loads(row) if isinstance(row, str) else row for row in run["history"]]
    assert [row.get("good") for row in rows] == [1, 2] and not any("fine" in row for row in rows)
    assert json.loads(run["summaryMetrics"])["good"] == 2


def test_runbase_variables_beat_wandb_ones_and_numbers_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NAME", "RUN_NAME", "DIR", "ROOT_DIR", "SILENT", "INIT_TIMEOUT"):
        for prefix in ("RUNBASE_", "WANDB_"):
            monkeypatch.delenv(prefix + name, raising=False)
    monkeypatch.setenv("WANDB_NAME", "a")
    monkeypatch.setenv("RUNBASE_RUN_NAME", "b")
    monkeypatch.setenv("WANDB_DIR", "/w")
    monkeypatch.setenv("RUNBASE_ROOT_DIR", "/r")
    settings = Settings.from_environment()
    assert (settings.run_name, settings.root_dir) == ("b", "/r")
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.setenv("RUNBASE_SILENT", "maybe")
    with pytest.raises(UsageError, match="RUNBASE_SILENT must be true or false"):
        Settings.from_environment()
    assert env("SILENT") == "maybe"
    monkeypatch.delenv("RUNBASE_SILENT")
    for text in ("1e400", "inf", "nan", "1e30"):
        monkeypatch.setenv("RUNBASE_INIT_TIMEOUT", text)
        with pytest.raises(UsageError, match="init_timeout must be a positive number of at most"):
            Settings.from_environment().checked()
    monkeypatch.setenv("RUNBASE_INIT_TIMEOUT", "12.5")
    assert Settings.from_environment().checked().init_timeout == 12.5


def test_empty_removals_are_not_sent_to_the_server() -> None:
    fields = summary_fields({"a": 1})
    assert fields["removeSummaryKeys"] == []  # the record log keeps it: sync tells new records from old by it
    assert "removeSummaryKeys" not in wire_form(fields)
    assert wire_form(summary_fields({"a": MISSING}))["removeSummaryKeys"] == ["a"]


def test_summary_item_assignment_keeps_unsaved_edits(server: Server, sdk_env: dict[str, str]) -> None:
    project = unique("sumedit")
    run_script(f"""
        import runbase
        run = runbase.init(project={project!r}, id="r1", name="before", tags=["t"])
        run.summary.update({{"q": 1, "keep": 2}})
        run.finish()
    """, sdk_env)
    api = runbase.Api(api_key=server.key, overrides={"base_url": server.url})
    run = api.run(f"admin/{project}/r1")
    run.summary.pop("q")
    run.name = "after"
    run.tags.append("u")
    run.summary["z"] = 3
    assert "q" not in run.summary and run.name == "after" and run.tags == ["t", "u"]
    run.update()
    fresh = api.run(f"admin/{project}/r1")
    assert dict(fresh.summary) == {"keep": 2, "z": 3} or {k: fresh.summary[k] for k in ("keep", "z")} == {
        "keep": 2, "z": 3}
    assert "q" not in fresh.summary and fresh.name == "after" and fresh.tags == ["t", "u"]


def test_inviting_a_member_by_email_changes_nothing(server: Server) -> None:
    api = runbase.Api(api_key=server.key, overrides={"base_url": server.url})
    team = api.create_team(unique("team"))
    email = f"{unique('alice')}@a.com"
    user = api.create_user(email)
    assert team.invite(user.username) is True
    [member] = [m for m in team.members if m.username == user.username]
    assert member.role != "admin"
    assert team.invite(email, admin=True) is False
    [member] = [m for m in team.members if m.username == user.username]
    assert member.role != "admin"
    assert team.invite(f"{unique('nobody')}@a.com") is False


class _Pages(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/away":
            self.send_response(302)
            self.send_header("Location", "http://localhost:1/elsewhere")  # another host: never followed
            self.end_headers()
            return
        body = b"web contents"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def pages() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_others_unverified_references_are_not_fetched_without_consent(server: Server, sdk_env: dict[str, str],
                                                                      tmp_path: Path, pages: str) -> None:
    name = unique("mallory")
    key = server.create_user(name)
    project = unique("refs")
    secret = tmp_path / "secret.txt"
    secret.write_text("local secret")
    run_script(f"""
        import runbase
        run = runbase.init(project={project!r})
        artifact = runbase.Artifact("bait", "dataset")
        artifact.add_reference({secret.as_uri()!r}, name="hosts")
        artifact.add_reference({pages + "/page"!r}, name="page", checksum=False)
        run.log_artifact(artifact)
        run.finish()
    """, {**sdk_env, "RUNBASE_API_KEY": key})
    result = server.graphql('mutation($p: String!) { upsertModel(input: {name: $p, access: "READ"}) { inserted } }',
                            {"p": project}, key=key)
    assert "errors" not in result, result
    api = runbase.Api(api_key=server.key, overrides={"base_url": server.url})
    artifact = api.artifact(f"{name}/{project}/bait:latest")
    with pytest.raises(PermissionError, match=f"logged by user '{name}'.*allow_unverified_references=True"):
        artifact.download(tmp_path / "refused")
    assert not (tmp_path / "refused" / "hosts").exists() and not (tmp_path / "refused" / "page").exists()
    root = Path(artifact.download(tmp_path / "trusted", allow_unverified_references=True))
    assert (root / "hosts").read_text() == "local secret" and (root / "page").read_text() == "web contents"
    # Its own logger downloads it as before.
    mine = runbase.Api(api_key=key, overrides={"base_url": server.url}).artifact(f"{name}/{project}/bait:latest")
    assert (Path(mine.download(tmp_path / "own")) / "hosts").read_text() == "local secret"


def test_references_do_not_follow_redirects_to_other_hosts(pages: str, tmp_path: Path) -> None:
    artifact = runbase.Artifact("redirect", "dataset")
    with pytest.raises(ValueError, match="redirects to another host"):
        artifact.add_reference(f"{pages}/away")
