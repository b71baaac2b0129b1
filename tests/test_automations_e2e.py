"""Automations end to end: a real server process, training scripts in their own
processes, a local webhook receiver and a fake Slack Web API.

Every "fires once" check reads the server's delivery log after the script has
finished (so the firing decision is already committed) and then waits for the
receiver; "never fires" checks read the same log, which needs no waiting."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import Server, run_script, sdk_environment
from receivers import FakeSlack, Response, WebhookReceiver, verify_signature

import runbase as wandb
from runbase.automations import DoNothing, OnRunMetric, OnRunState, OnSchedule, RunEvent, SendNotification, SendWebhook

pytestmark = pytest.mark.slow
FAST_DELIVERY = {
    "RUNBASE_DELIVERY_RETRY_BASE_SECONDS": "0.1",
    "RUNBASE_DELIVERY_MAX_AGE_SECONDS": "4",
    "RUNBASE_HEARTBEAT_TIMEOUT_SECONDS": "3",
    "RUNBASE_AUTOMATION_RATE_LIMIT": "5",
}


@pytest.fixture(scope="module")
def auto_server(backend: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest,
                slack: FakeSlack) -> Iterator[Server]:
    """A server that retries fast, gives up after 4 s, marks runs crashed after 3 s silent, and allows
    5 deliveries a minute per automation."""
    url = request.getfixturevalue("postgres").create() if backend == "postgresql" else None
    srv = Server(tmp_path_factory.mktemp(f"auto-{backend}"), url,
                 {"RUNBASE_SLACK_API_URL": slack.api_url, **FAST_DELIVERY}).start()
    yield srv
    srv.stop()


@pytest.fixture
def hook() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture
def project() -> str:
    return f"auto-{uuid.uuid4().hex[:8]}"


def api_of(server: Server) -> wandb.Api:
    return wandb.Api(overrides={"base_url": server.url}, api_key=server.key)


def deliveries(server: Server, trigger_id: str) -> list[dict[str, Any]]:
    result = server.graphql("""query($id: ID!) { trigger(id: $id) { deliveries(first: 1000) { edges { node {
        id status eventType payload attemptCount responseCode error runName redeliveryOf nextAttemptAt createdAt
        attempts { number startedAt responseCode error } } } } } }""", {"id": trigger_id})
    assert "errors" not in result, result
    return [edge["node"] for edge in result["data"]["trigger"]["deliveries"]["edges"]][::-1]


def settled(server: Server, trigger_id: str, count: int, timeout: float = 20) -> list[dict[str, Any]]:
    """The trigger's deliveries once `count` exist and none is waiting to be sent."""
    deadline = time.monotonic() + timeout
    while True:
        found = deliveries(server, trigger_id)
        if len(found) >= count and all(d["status"] not in ("PENDING", "SENDING") for d in found):
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"deliveries did not settle: {found}")
        time.sleep(0.05)


def train(server: Server, tmp_path: Path, project: str, run_id: str, values: list[float], key: str = "loss",
          end: str = "finish", sleep: float = 0) -> None:
    """A training script in its own process: logs `values`, then finishes, raises, or sleeps."""
    ending = {"finish": ["run.finish()"], "raise": ["raise RuntimeError('diverged')"],
              "sleep": [f"time.sleep({sleep})", "run.finish()"]}[end]
    code = "\n".join(["import time", "import runbase as wandb", f"run = wandb.init(project={project!r}, id={run_id!r})",
                      f"for value in {values!r}:", f"    run.log({{{key!r}: value}})", *ending])
    run_script(code, sdk_environment(server, tmp_path / run_id), check=end != "raise")


def webhook_automation(server: Server, project: str, hook: WebhookReceiver, event: Any,
                       payload: Any = None, **save: Any) -> Any:
    api = api_of(server)
    integration = api.create_webhook_integration("admin", f"hook-{project}-{uuid.uuid4().hex[:4]}", hook.url)
    return api.create_automation(event >> SendWebhook.from_integration(integration, payload=payload),
                                 name=f"{project}-{uuid.uuid4().hex[:6]}", **save)


# ------------------------------------------------------------------ the reference's use cases


def test_accuracy_drops_below_a_threshold_on_a_window_mean(auto_server: Server, hook: WebhookReceiver,
                                                           project: str, tmp_path: Path) -> None:
    automation = webhook_automation(
        auto_server, project, hook, OnRunMetric(scope=f"admin/{project}", filter=RunEvent.metric("acc").mean(3) < 0.5),
        payload={"metric": "${metric_name}", "value": "${metric_value}", "run": "${run_id}", "url": "${run_url}"})
    train(auto_server, tmp_path, project, "steady", [0.9, 0.2, 0.9, 0.9, 0.3, 0.9], key="acc")  # one dip, mean stays
    assert deliveries(auto_server, automation.id) == []
    train(auto_server, tmp_path, project, "drops", [0.9, 0.8, 0.9, 0.4, 0.3, 0.2, 0.1, 0.1, 0.2], key="acc")
    [delivery] = settled(auto_server, automation.id, 1)
    assert delivery["status"] == "SUCCEEDED" and delivery["runName"] == "drops"
    [request] = hook.wait_for(1)
    assert request.json["metric"] == "acc" and request.json["run"] == "drops"
    assert request.json["value"] == pytest.approx(0.3)  # mean of 0.4, 0.3, 0.2: the first window below 0.5
    assert request.json["url"] == f"{auto_server.url}/admin/{project}/runs/drops"


def test_training_loss_plateaus(auto_server: Server, hook: WebhookReceiver, project: str, tmp_path: Path) -> None:
    plateau = RunEvent.metric("loss").mean(5).changes_less_than(diff=0.01)
    automation = webhook_automation(auto_server, project, hook, OnRunMetric(scope=f"admin/{project}", filter=plateau))
    falling = [2.0 - 0.1 * i for i in range(15)]
    train(auto_server, tmp_path, project, "learning", falling)
    assert deliveries(auto_server, automation.id) == []
    train(auto_server, tmp_path, project, "stuck", falling + [0.5 + 0.001 * (i % 2) for i in range(20)])
    [delivery] = settled(auto_server, automation.id, 1)
    assert delivery["runName"] == "stuck"
    hook.wait_for(1)


def test_change_over_tumbling_windows(auto_server: Server, hook: WebhookReceiver, project: str,
                                      tmp_path: Path) -> None:
    drop = RunEvent.metric("acc").mean(2).decreases_by(frac=0.25)
    automation = webhook_automation(auto_server, project, hook, OnRunMetric(scope=f"admin/{project}", filter=drop))
    # windows (0.8, 0.8) (0.7, 0.7) (0.8, 0.8): never 25% down
    train(auto_server, tmp_path, project, "wobbly", [0.8, 0.8, 0.7, 0.7, 0.8, 0.8], key="acc")
    assert deliveries(auto_server, automation.id) == []
    # (0.8, 0.8) then (0.5, 0.5): 37.5% down; the later windows stay down but do not fire again
    train(auto_server, tmp_path, project, "collapses", [0.8, 0.8, 0.5, 0.5, 0.5, 0.5, 0.49, 0.49], key="acc")
    [delivery] = settled(auto_server, automation.id, 1)
    assert delivery["runName"] == "collapses"
    assert hook.wait_for(1)[0].json["metric_value"] == pytest.approx(0.5)


def test_zscore_spike(auto_server: Server, hook: WebhookReceiver, project: str, tmp_path: Path) -> None:
    automation = webhook_automation(auto_server, project, hook,
                                    OnRunMetric(scope=f"admin/{project}", filter=RunEvent.metric("loss").zscore(20) > 4))
    noise = [1.0 + 0.01 * ((i * 7) % 5 - 2) for i in range(40)]
    train(auto_server, tmp_path, project, "calm", noise)
    assert deliveries(auto_server, automation.id) == []
    train(auto_server, tmp_path, project, "spiky", noise + [5.0] + noise[:10])
    [delivery] = settled(auto_server, automation.id, 1)
    assert delivery["runName"] == "spiky"
    assert hook.wait_for(1)[0].json["metric_value"] == 5.0


def test_failed_and_crashed_runs_notify_slack(auto_server: Server, slack: FakeSlack, project: str,
                                              tmp_path: Path) -> None:
    api = api_of(auto_server)
    channel = f"alerts-{project}"
    integration = api.create_slack_integration("admin", channel, bot_token="xoxb-runbase-test-token")
    event = OnRunState(scope=f"admin/{project}", filter=RunEvent.state.in_(["failed", "crashed"]))
    automation = api.create_automation(
        event >> SendNotification.from_integration(integration, title="Run ${run_id} ${run_state}",
                                                   text="See ${run_url}", level="ERROR"),
        name=f"{project}-failures")
    train(auto_server, tmp_path, project, "fine", [1.0, 0.5])
    train(auto_server, tmp_path, project, "boom", [1.0, 0.5], end="raise")
    crashing = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time
        import runbase as wandb
        run = wandb.init(project={project!r}, id="killed", settings={{"heartbeat_seconds": 0.5}})
        run.log({{"loss": 1.0}})
        print("logged", flush=True)
        time.sleep(600)
    """)], env=sdk_environment(auto_server, tmp_path / "killed"), stdout=subprocess.PIPE, text=True)
    try:
        assert crashing.stdout.readline().strip() == "logged"
        crashing.send_signal(signal.SIGKILL)
    finally:
        crashing.kill()
        crashing.wait()
    found = settled(auto_server, automation.id, 2)  # the crash shows after the 3 s heartbeat timeout
    assert sorted(d["runName"] for d in found) == ["boom", "killed"]
    messages = [m for m in slack.wait_for(1) if m.channel == channel]
    deadline = time.monotonic() + 10
    while len(messages) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
        messages = [m for m in slack.messages if m.channel == channel]
    assert sorted(m.text.splitlines()[0].split(" ", 1)[1] for m in messages) == ["Run boom failed",
                                                                                "Run killed crashed"]
    assert all(m.blocks and "See http" in m.text for m in messages)
    assert api.run(f"admin/{project}/killed").state == "crashed"


def test_long_running_experiment_completes(auto_server: Server, hook: WebhookReceiver, project: str,
                                           tmp_path: Path) -> None:
    # Long enough that a quick run on a loaded machine (init, one row, finish) stays under it.
    event = OnRunState(scope=f"admin/{project}", filter=(RunEvent.state == "finished") & (RunEvent.duration >= 6))
    automation = webhook_automation(auto_server, project, hook, event,
                                    payload={"text": "${run_id} finished after a long time", "state": "${run_state}"})
    train(auto_server, tmp_path, project, "quick", [1.0])
    assert deliveries(auto_server, automation.id) == []
    train(auto_server, tmp_path, project, "slow", [1.0], end="sleep", sleep=6.5)
    [delivery] = settled(auto_server, automation.id, 1)
    assert delivery["runName"] == "slow"
    assert hook.wait_for(1)[0].json == {"text": "slow finished after a long time", "state": "finished"}


def test_scheduled_digest(auto_server: Server, hook: WebhookReceiver, project: str, tmp_path: Path) -> None:
    train(auto_server, tmp_path, project, "morning", [1.0, 0.5])
    train(auto_server, tmp_path, project, "evening", [1.0], end="raise")
    event = OnSchedule(scope=f"admin/{project}", every=timedelta(seconds=2), lookback=timedelta(hours=1))
    automation = webhook_automation(auto_server, project, hook, event,
                                    payload={"runs": "${digest_runs}", "count": "${run_count}", "text": "${digest}",
                                             "end": "${period_end}"})
    first, second = hook.wait_for(2, timeout=15)[:2]
    assert first.json["count"] == 2
    assert {r["run_id"]: r["state"] for r in first.json["runs"]} == {"morning": "finished", "evening": "failed"}
    assert "2 runs" in first.json["text"] and "loss=0.5" in first.json["text"]
    assert first.json["end"] != second.json["end"]  # one delivery per due time
    api_of(auto_server).update_automation(automation, enabled=False)
    stopped = len(deliveries(auto_server, automation.id))
    time.sleep(2.5)  # a schedule period: a disabled automation must not fire in it
    assert len(deliveries(auto_server, automation.id)) == stopped


def test_webhook_to_ci_is_signed_and_authorized(auto_server: Server, project: str, tmp_path: Path) -> None:
    secret, token = "ci-signing-" + uuid.uuid4().hex, "ci-token-" + uuid.uuid4().hex
    api = api_of(auto_server)
    with WebhookReceiver(require_secret=secret) as ci:
        integration = api.create_webhook_integration("admin", f"ci-{project}", ci.url, secret=secret,
                                                     access_token=token)
        event = OnRunState(scope=f"admin/{project}", filter=RunEvent.state == "finished")
        automation = api.create_automation(
            event >> SendWebhook.from_integration(integration, payload={"ref": "main", "inputs": {
                "run": "${run_id}", "project": "${project_name}", "entity": "${entity_name}",
                "author": "${event_author}", "event": "${event_type}"}}),
            name=f"{project}-ci")
        train(auto_server, tmp_path, project, "candidate", [0.1])
        [delivery] = settled(auto_server, automation.id, 1)
        [request] = ci.wait_for(1)
    assert delivery["status"] == "SUCCEEDED" and request.response_status == 200
    assert verify_signature(request, secret) and not verify_signature(request, "wrong")
    assert request.headers["Authorization"] == f"Bearer {token}"
    assert request.headers["X-Runbase-Delivery"] == delivery["id"]
    assert request.json == {"ref": "main", "inputs": {"run": "candidate", "project": project, "entity": "admin",
                                                      "author": "admin", "event": "RUN_STATE"}}


# ------------------------------------------------------------------ delivery guarantees


def _state_trigger(server: Server, project: str, hook: WebhookReceiver) -> Any:
    return webhook_automation(server, project, hook,
                              OnRunState(scope=f"admin/{project}", filter=RunEvent.state == "failed"))


def _fail(server: Server, project: str, run_id: str) -> None:
    """A run that is created failed (as a crashed script's resend might): its state event fires."""
    result = server.graphql("mutation($p: String!, $r: String!) { upsertBucket(input: {modelName: $p, name: $r, "
                            "state: \"failed\"}) { bucket { id } } }", {"p": project, "r": run_id})
    assert "errors" not in result, result


def test_retries_until_the_receiver_recovers(auto_server: Server, hook: WebhookReceiver, project: str) -> None:
    hook.script(500, 500, 500)
    automation = _state_trigger(auto_server, project, hook)
    _fail(auto_server, project, "r1")
    [delivery] = settled(auto_server, automation.id, 1)
    assert delivery["status"] == "SUCCEEDED" and delivery["attemptCount"] == 4
    assert [a["responseCode"] for a in delivery["attempts"]] == [500, 500, 500, 200]
    requests = hook.wait_for(4)
    assert len(requests) == 4 and {r.headers["X-Runbase-Delivery"] for r in requests} == {delivery["id"]}
    assert [r.response_status for r in requests].count(200) == 1


def test_retry_after_is_honoured(auto_server: Server, hook: WebhookReceiver, project: str) -> None:
    hook.script(Response(429, headers={"Retry-After": "1"}))
    automation = _state_trigger(auto_server, project, hook)
    _fail(auto_server, project, "r1")
    [delivery] = settled(auto_server, automation.id, 1)
    first, second = hook.wait_for(2)
    assert [a["responseCode"] for a in delivery["attempts"]] == [429, 200]
    assert second.received_monotonic - first.received_monotonic >= 0.9


def test_receiver_down_fails_then_redelivers(auto_server: Server, hook: WebhookReceiver, project: str) -> None:
    automation = _state_trigger(auto_server, project, hook)
    hook.down()
    _fail(auto_server, project, "r1")
    [failed] = settled(auto_server, automation.id, 1)
    assert failed["status"] == "FAILED" and failed["attemptCount"] >= 2
    assert "gave up" in failed["error"] and all(a["responseCode"] is None for a in failed["attempts"])
    hook.up()
    answer = auto_server.graphql("mutation($id: ID!) { redeliver(input: {deliveryId: $id}) { delivery { id status "
                                 "redeliveryOf } } }", {"id": failed["id"]})
    assert answer["data"]["redeliver"]["delivery"]["redeliveryOf"] == failed["id"]
    found = settled(auto_server, automation.id, 2)
    assert [d["status"] for d in found] == ["FAILED", "SUCCEEDED"]
    assert len(hook.wait_for(1)) == 1


def test_rate_limit_and_disabled_automations(auto_server: Server, project: str, tmp_path: Path) -> None:
    api = api_of(auto_server)
    spikes = OnRunMetric(scope=f"admin/{project}", filter=RunEvent.metric("loss") > 5)
    limited = api.create_automation(spikes >> DoNothing(), name=f"{project}-limited")
    disabled = api.create_automation(spikes >> DoNothing(), name=f"{project}-off", enabled=False)
    train(auto_server, tmp_path, project, "oscillates", [0.0, 10.0] * 8)  # 8 rises above 5
    found = deliveries(auto_server, limited.id)
    assert [d["status"] for d in found] == ["SUCCEEDED"] * 5 + ["SUPPRESSED"] * 3
    assert "rate limit" in found[-1]["error"]
    assert deliveries(auto_server, disabled.id) == []


def test_slack_incoming_webhook_and_rate_limited_slack(auto_server: Server, slack: FakeSlack, project: str) -> None:
    api = api_of(auto_server)
    channel = f"hooked-{project}"
    integration = api.create_slack_integration("admin", channel, webhook_url=slack.webhook_url(channel))
    event = OnRunState(scope=f"admin/{project}", filter=RunEvent.state == "failed")
    automation = api.create_automation(event >> SendNotification.from_integration(integration, title="${run_id}"),
                                       name=f"{project}-hooked")
    slack.script(Response(429, headers={"Retry-After": "1"}, body="rate_limited"), method="webhook")
    _fail(auto_server, project, "r1")
    [delivery] = settled(auto_server, automation.id, 1)
    assert [a["responseCode"] for a in delivery["attempts"]] == [429, 200]
    assert [m.via for m in slack.messages if m.channel == channel] == ["webhook"]


def test_secrets_never_leave_the_server(auto_server: Server, slack: FakeSlack, project: str) -> None:
    api = api_of(auto_server)
    hook_secret, token = "whsec-" + uuid.uuid4().hex, "tok-" + uuid.uuid4().hex
    bot = "xoxb-" + uuid.uuid4().hex
    slack_url = f"{slack.origin}/services/T0/B0/{uuid.uuid4().hex}"  # no such hook: Slack answers 404
    api.create_webhook_integration("admin", f"sec-{project}", "http://127.0.0.1:9/unreachable", secret=hook_secret,
                                   access_token=token)
    unknown_bot = api.create_slack_integration("admin", f"bot-{project}", bot_token=bot)
    dead_hook = api.create_slack_integration("admin", f"url-{project}", webhook_url=slack_url)
    bad = auto_server.graphql("mutation($u: String!) { createSlackIntegration(input: {entityName: \"admin\", "
                              "channelName: \"x\", webhookUrl: $u}) { integration { id } } }",
                              {"u": "ftp://" + hook_secret})
    event = OnRunState(scope=f"admin/{project}", filter=RunEvent.state == "failed")
    automations = [api.create_automation(event >> SendNotification.from_integration(i), name=f"{project}-{n}")
                   for n, i in (("bot", unknown_bot), ("url", dead_hook))]
    _fail(auto_server, project, "r1")
    logs = [settled(auto_server, a.id, 1) for a in automations]
    assert [log[0]["status"] for log in logs] == ["FAILED", "FAILED"]  # invalid_auth; 404 invalid_token
    seen = json.dumps([bad, logs, auto_server.graphql("""{ entity(name: "admin") { integrations {
        ... on SlackIntegration { id channelName usesWebhookUrl }
        ... on GenericWebhookIntegration { id name urlEndpoint hasSecret hasAccessToken } } } }"""),
                       [repr(i) for i in api.integrations("admin")], [repr(a) for a in api.automations("admin")]])
    log_text = auto_server.log.read_text()
    for secret in (hook_secret, token, bot, slack_url.rsplit("/", 1)[1]):
        assert secret not in seen and secret not in log_text


# ------------------------------------------------------------------ two servers, one PostgreSQL


def test_two_servers_send_each_delivery_once(postgres: Any, tmp_path: Path, hook: WebhookReceiver) -> None:
    url = postgres.create()
    env = {"RUNBASE_AUTOMATION_RATE_LIMIT": "1000", "RUNBASE_DELIVERY_CONCURRENCY": "4"}
    first = Server(tmp_path / "a", url, env).start()
    second = Server(tmp_path / "b", url, {**env, **first.secret_key()}).start()
    try:
        project = "twins"
        automation = _state_trigger(first, project, hook)
        import concurrent.futures

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda i: _fail((first, second)[i % 2], project, f"run-{i}"), range(200)))
        found = settled(first, automation.id, 200, timeout=60)
        assert len(found) == 200 and {d["status"] for d in found} == {"SUCCEEDED"}
        requests = hook.wait_for(200)
        ids = [r.headers["X-Runbase-Delivery"] for r in requests]
        assert len(ids) == 200 and len(set(ids)) == 200
        assert sorted(r.json["run_id"] for r in requests) == sorted(f"run-{i}" for i in range(200))
    finally:
        first.stop()
        second.stop()


# ------------------------------------------------------------------ robustness


def test_an_unjudgeable_value_neither_blocks_ingest_nor_fires(auto_server: Server, hook: WebhookReceiver,
                                                              project: str) -> None:
    automation = webhook_automation(auto_server, project, hook,
                                    OnRunMetric(scope=f"admin/{project}", filter=RunEvent.metric("loss") > 5))
    _fail(auto_server, project, "r1")
    rows = '[{"_step": 0, "loss": 1' + "0" * 400 + '}, {"_step": 1, "loss": NaN}, {"_step": 2, "loss": "high"}]'
    log_rows = "mutation($r: JSONString!, $p: String!) { logHistory(input: {projectName: $p, runName: \"r1\", " \
               "rows: $r}) { accepted } }"
    answer = auto_server.graphql(log_rows, {"r": rows, "p": project})
    assert answer.get("data") and answer["data"]["logHistory"]["accepted"] == 3, answer
    assert deliveries(auto_server, automation.id) == []
    answer = auto_server.graphql(log_rows, {"r": '[{"_step": 3, "loss": 10}]', "p": project})
    assert answer["data"]["logHistory"]["accepted"] == 1, answer
    assert [d["status"] for d in settled(auto_server, automation.id, 1)] == ["SUCCEEDED"]


def test_racing_finishes_fire_once(auto_server: Server, hook: WebhookReceiver, project: str) -> None:
    automation = webhook_automation(auto_server, project, hook,
                                    OnRunState(scope=f"admin/{project}", filter=RunEvent.state == "finished"))
    created = auto_server.graphql("mutation($p: String!) { upsertBucket(input: {modelName: $p, name: \"r1\"}) "
                                  "{ bucket { id } } }", {"p": project})
    assert "errors" not in created, created
    import concurrent.futures

    def finish(_: int) -> dict[str, Any]:  # an SDK resending its final state while the first is in flight
        return auto_server.graphql("mutation($p: String!) { upsertBucket(input: {modelName: $p, name: \"r1\", "
                                   "state: \"finished\"}) { bucket { state } } }", {"p": project})

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(finish, range(8)))
    assert all("errors" not in a for a in answers), answers
    assert len(settled(auto_server, automation.id, 1)) == 1


def test_disabling_an_automation_stops_its_pending_deliveries(auto_server: Server, hook: WebhookReceiver,
                                                              project: str) -> None:
    automation = _state_trigger(auto_server, project, hook)
    hook.script(500)
    hook.default = Response(500)
    _fail(auto_server, project, "r1")
    hook.wait_for(1)  # the first attempt failed; the delivery waits to retry
    api_of(auto_server).update_automation(automation, enabled=False)
    hook.default = Response(200)
    [delivery] = settled(auto_server, automation.id, 1)
    assert delivery["status"] == "SUPPRESSED" and "disabled" in delivery["error"]
    assert all(r.response_status == 500 for r in hook.requests)
