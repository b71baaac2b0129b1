"""Integrations and automations through the Public API against a real server: what is saved reads
back equal, secrets never come back, and the reference's examples and use cases work."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from conftest import Server

import runbase as wandb
from runbase.automations import (
    Automation,
    DoNothing,
    MetricThresholdFilter,
    NewAutomation,
    OnAddArtifactAlias,
    OnCreateArtifact,
    OnLinkArtifact,
    OnRunMetric,
    OnRunState,
    OnSchedule,
    ProjectScope,
    RegistryScope,
    RunEvent,
    SendNotification,
    SendWebhook,
    SlackIntegration,
    WebhookIntegration,
)

SLACK_URL = "https://hooks.slack.com/services/T0001/B0001/" + "s" * 24
BOT_TOKEN = "xoxb-" + "b" * 30
HOOK_SECRET = "hmac-" + "h" * 30
ACCESS_TOKEN = "bearer-" + "a" * 30
SECRETS = (SLACK_URL, BOT_TOKEN, HOOK_SECRET, ACCESS_TOKEN)

INTEGRATIONS_QUERY = """query($e: String!) { entity(name: $e) { integrations { __typename
    ... on SlackIntegration { id entityName channelName usesWebhookUrl createdAt }
    ... on GenericWebhookIntegration { id entityName name urlEndpoint hasSecret hasAccessToken createdAt } } } }"""


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def api(server: Server) -> wandb.Api:
    return wandb.Api(overrides={"base_url": server.url}, api_key=server.key)


@pytest.fixture
def team(api: wandb.Api) -> str:
    """A team of its own, so that "the entity's only Slack integration" means this test's."""
    name = unique("auto")
    api.create_team(name)
    return name


@pytest.fixture
def project(api: wandb.Api, team: str) -> Any:
    return api.create_project(unique("proj"), entity=team)


def assert_no_secrets(*things: Any) -> None:
    for thing in things:
        text = thing if isinstance(thing, str) else repr(thing)
        if hasattr(thing, "model_dump"):
            text += json.dumps(thing.model_dump(mode="json"))
        for secret in SECRETS:
            assert secret not in text


def saved_and_read_back(api: wandb.Api, new: NewAutomation, **kwargs: Any) -> Automation:
    """Save, then check that every way of reading it back gives the same automation."""
    created = api.create_automation(new, **kwargs)
    assert created.event == new.event
    entity = created.scope.entity_name
    assert api.automation(created.name, entity=entity) == created
    assert created in list(api.automations(entity=entity))
    assert created in list(api.project(created.scope.project_name, entity=entity).automations())
    return created


# ------------------------------------------------------------------ integrations


def test_integrations_crud_and_secrets_never_come_back(server: Server, api: wandb.Api, team: str) -> None:
    by_url = api.create_slack_integration(team, "alerts", webhook_url=SLACK_URL)
    by_bot = api.create_slack_integration(team, "ml-ops", bot_token=BOT_TOKEN)
    hook = api.create_webhook_integration(team, "ci", "https://ci.example/hooks/runbase", secret=HOOK_SECRET,
                                          access_token=ACCESS_TOKEN)
    plain = api.create_webhook_integration(team, "tracker", "https://tracker.example/in")
    assert (by_url.channel_name, by_url.uses_webhook_url, by_url.entity_name) == ("alerts", True, team)
    assert (by_bot.channel_name, by_bot.uses_webhook_url) == ("ml-ops", False)
    assert (hook.name, hook.url_endpoint, hook.has_secret, hook.has_access_token) == (
        "ci", "https://ci.example/hooks/runbase", True, True)
    assert (plain.has_secret, plain.has_access_token) == (False, False)
    assert all(integration.id and integration.created_at for integration in (by_url, by_bot, hook, plain))

    listed = list(api.integrations(entity=team))
    assert listed == [by_url, by_bot, hook, plain]
    assert list(api.slack_integrations(entity=team)) == [by_url, by_bot]
    assert list(api.webhook_integrations(entity=team)) == [hook, plain]
    assert next(api.slack_integrations(entity=team)) == by_url
    alerts = [ig for ig in api.slack_integrations(entity=team) if ig.channel_name.startswith("alert")]
    assert alerts == [by_url]
    assert [ig for ig in api.webhook_integrations(entity=team) if ig.url_endpoint.startswith("https://ci.")] == [hook]

    raw = server.graphql(INTEGRATIONS_QUERY, {"e": team})
    assert "errors" not in raw, raw
    raw_create = server.graphql(
        """mutation($i: CreateGenericWebhookIntegrationInput!) { createGenericWebhookIntegration(input: $i) {
             integration { id name urlEndpoint hasSecret hasAccessToken } } }""",
        {"i": {"entityName": team, "name": "raw", "urlEndpoint": "https://raw.example", "secret": HOOK_SECRET,
               "accessToken": ACCESS_TOKEN}})
    assert "errors" not in raw_create, raw_create
    raw_slack = server.graphql(
        """mutation($i: CreateSlackIntegrationInput!) { createSlackIntegration(input: $i) {
             integration { id entityName channelName usesWebhookUrl createdAt } } }""",
        {"i": {"entityName": team, "channelName": "raw", "webhookUrl": SLACK_URL}})
    assert "errors" not in raw_slack, raw_slack
    assert_no_secrets(json.dumps(raw), json.dumps(raw_create), json.dumps(raw_slack), *listed, by_url, by_bot, hook)

    assert api.delete_integration(plain) is True
    assert api.delete_integration(by_bot.id) is True
    raw_ids = [raw_create["data"]["createGenericWebhookIntegration"]["integration"]["id"],
               raw_slack["data"]["createSlackIntegration"]["integration"]["id"]]
    assert [ig.id for ig in api.integrations(entity=team)] == [by_url.id, hook.id, *raw_ids]
    with pytest.raises(wandb.CommError):
        api.delete_integration(plain.id)


def test_integration_input_is_checked(api: wandb.Api, team: str) -> None:
    with pytest.raises(wandb.UsageError, match="exactly one"):
        api.create_slack_integration(team, "c")
    with pytest.raises(wandb.UsageError, match="exactly one"):
        api.create_slack_integration(team, "c", bot_token=BOT_TOKEN, webhook_url=SLACK_URL)
    with pytest.raises(wandb.CommError, match="URL"):
        api.create_webhook_integration(team, "bad", "ftp://example.com")
    with pytest.raises(ValueError, match="per_page"):
        api.integrations(entity=team, per_page=0)


def test_default_entity_is_the_viewers(api: wandb.Api) -> None:
    name = unique("mine")
    mine = api.create_webhook_integration(api.default_entity, name, "https://mine.example")
    assert mine in list(api.webhook_integrations())
    assert api.delete_integration(mine)


# ------------------------------------------------------------------ the reference's examples


def test_reference_create_update_examples(api: wandb.Api, team: str, project: Any) -> None:
    api.create_slack_integration(team, "team-alerts", webhook_url=SLACK_URL)
    slack_hook = next(api.slack_integrations(entity=team))
    event = OnRunMetric(scope=project, filter=RunEvent.metric("custom-metric") > 10)
    action = SendNotification.from_integration(slack_hook)
    automation = api.create_automation(
        event >> action, name="my-automation",
        description="Send a Slack message whenever 'custom-metric' exceeds 10.")
    assert (automation.name, automation.enabled, automation.event, automation.action) == (
        "my-automation", True, event, action)
    assert automation.scope == ProjectScope(entity_name=team, project_name=project.name)
    assert automation.description == "Send a Slack message whenever 'custom-metric' exceeds 10."

    # First form: change the fields, then update.
    automation = api.automation(name="my-automation", entity=team)
    automation.enabled = False
    automation.description = "Kept for reference, but no longer used."
    updated = api.update_automation(automation)
    assert (updated.enabled, updated.description) == (False, "Kept for reference, but no longer used.")
    assert updated.updated_at is not None and updated.id == automation.id
    assert api.automation(name="my-automation", entity=team) == updated

    # Second form: keyword arguments.
    again = api.update_automation(updated, enabled=True, description="Back in use.")
    assert (again.enabled, again.description) == (True, "Back in use.")
    assert updated.enabled is False  # the object passed in is left as it was
    assert [a.name for a in api.automations(entity=team)] == ["my-automation"]
    assert [a.enabled for a in project.automations()] == [True]


def test_overview_example_saves_with_a_local_slack_webhook(monkeypatch: pytest.MonkeyPatch, server: Server,
                                                           api: wandb.Api, team: str) -> None:
    """The overview's `automation.save(...)` uses a default Api(); its Slack integration is built locally."""
    monkeypatch.setenv("RUNBASE_BASE_URL", server.url)
    monkeypatch.setenv("RUNBASE_API_KEY", server.key)
    slack = SlackIntegration(webhook_url=SLACK_URL)
    notification = SendNotification.from_integration(integration=slack, title="ML Alert", text="Training completed",
                                                     level="INFO")
    automation = OnRunMetric(filter=MetricThresholdFilter(name="accuracy", cmp=">", threshold=0.95),
                             scope=f"{team}/overview").then(notification)
    saved = automation.save(name="accuracy-alert", enabled=True)
    assert slack.saved and slack.entity_name == team and slack.uses_webhook_url
    assert saved.action == SendNotification(integration_id=slack.id, title="ML Alert", message="Training completed")
    assert list(api.slack_integrations(entity=team)) == [slack]
    assert_no_secrets(slack, saved)

    # The same webhook URL in a fresh local object is found again, not created twice.
    failures = OnRunState(scope=f"{team}/overview", filter=RunEvent.state == "failed")
    again = failures >> SendNotification.from_integration(SlackIntegration(webhook_url=SLACK_URL))
    second = again.save(name="failures", api=api)
    assert second.action.integration_id == slack.id
    assert len(list(api.slack_integrations(entity=team))) == 1


def test_notification_without_integration_uses_the_only_slack_one(api: wandb.Api, team: str) -> None:
    event = OnRunState(scope=f"{team}/p", filter=RunEvent.state == "failed")
    new = event >> SendNotification(title="Run failed", message="${run_name} failed", severity="ERROR")
    with pytest.raises(wandb.UsageError, match="has 0 Slack integrations"):
        api.create_automation(new, name="failed")
    only = api.create_slack_integration(team, "runs", bot_token=BOT_TOKEN)
    saved = api.create_automation(new, name="failed")
    assert saved.action.integration_id == only.id and saved.action.severity == "ERROR"
    api.create_slack_integration(team, "other", webhook_url=SLACK_URL)
    with pytest.raises(wandb.UsageError, match="has 2 Slack integrations"):
        api.create_automation(new, name="failed-again")
    with pytest.raises(wandb.UsageError, match="has 0 webhook integrations"):
        api.create_automation(event >> SendWebhook(), name="hook")


def test_local_webhook_integration_is_created_on_save(api: wandb.Api, team: str) -> None:
    local = WebhookIntegration(name="ci", url_endpoint="https://ci.example/dispatch", secret=HOOK_SECRET,
                               access_token=ACCESS_TOKEN)
    new = OnRunState(scope=f"{team}/p", filter=RunEvent.state == "finished") >> SendWebhook.from_integration(local)
    saved = api.create_automation(new, name="ci")
    assert local.saved and local.has_secret and local.has_access_token
    assert saved.action.integration_id == local.id
    assert local.creation_secrets() == {"secret": None, "access_token": None}
    assert_no_secrets(local, saved)


# ------------------------------------------------------------------ lifecycle


def test_create_fetch_list_update_delete(api: wandb.Api, team: str) -> None:
    scope = f"{team}/lifecycle"
    first = api.create_automation(OnRunMetric(scope=scope, filter=RunEvent.metric("loss") > 5) >> DoNothing(),
                                  name="spikes", description="try it out", enabled=False)
    assert (first.enabled, first.description, first.action) == (False, "try it out", DoNothing())
    second = api.create_automation(NewAutomation(name="deaths", event=OnRunState(
        scope=scope, filter=RunEvent.state.in_(["failed", "crashed"])), action=DoNothing()))
    assert second.enabled is True

    assert list(api.automations(entity=team)) == [first, second]
    paged = api.automations(entity=team, per_page=1)
    assert [a.id for a in paged] == [first.id, second.id] and len(paged) == 2
    assert next(api.automations(entity=team)) == first
    assert list(api.automations(entity=team, name="deaths")) == [second]
    assert first in list(api.automations())  # every automation the viewer can see
    assert api.automation("spikes", entity=team) == first
    with pytest.raises(ValueError, match="0 automations named 'nope'"):
        api.automation("nope", entity=team)

    enabled = api.update_automation(first, enabled=True)
    assert enabled.enabled and api.automation("spikes", entity=team).enabled
    disabled = api.update_automation(enabled, enabled=False)
    assert not disabled.enabled

    changed = api.update_automation(disabled, name="big-spikes",
                                    event=OnRunMetric(scope=scope, filter=RunEvent.metric("loss").max(5) > 50),
                                    action=DoNothing())
    assert changed.name == "big-spikes" and changed.event.filter.metric.agg == "max"
    assert api.automation("big-spikes", entity=team) == changed

    moved = api.update_automation(changed, scope=f"{team}/elsewhere")
    assert moved.scope == moved.event.scope == ProjectScope(entity_name=team, project_name="elsewhere")
    assert [a.id for a in api.project("elsewhere", entity=team).automations()] == [moved.id]
    assert list(api.project("lifecycle", entity=team).automations()) == [second]

    with pytest.raises(TypeError, match="unexpected keyword"):
        api.update_automation(moved, colour="blue")
    assert api.delete_automation(moved) is True
    assert api.delete_automation(second.id) is True
    assert list(api.automations(entity=team)) == []
    with pytest.raises(wandb.CommError) as missing:
        api.update_automation(moved, enabled=True)
    assert missing.value.code == "NOT_FOUND"
    recreated = api.update_automation(moved, create_missing=True, enabled=True)
    assert recreated.updated_at is None and recreated.name == moved.name and recreated.enabled
    assert recreated.event == moved.event


def test_name_conflicts_and_fetch_existing(api: wandb.Api, team: str) -> None:
    new = OnRunMetric(scope=f"{team}/p", filter=RunEvent.metric("loss") > 1) >> DoNothing()
    first = api.create_automation(new, name="once")
    with pytest.raises(wandb.CommError) as clash:
        api.create_automation(new, name="once")
    assert clash.value.code == "CONFLICT"
    assert api.create_automation(new, name="once", fetch_existing=True) == first
    with pytest.raises(wandb.UsageError, match="needs name"):
        api.create_automation(new)
    with pytest.raises(wandb.UsageError, match="NewAutomation"):
        api.create_automation(first)


def test_artifact_automations_need_a_scope_that_exists(api: wandb.Api, team: str) -> None:
    for event in (OnCreateArtifact(scope=f"{team}/p/models"),
                  OnAddArtifactAlias(scope=f"{team}/p/models", filter={"alias": {"$regex": "^prod"}})):
        with pytest.raises(wandb.CommError, match=f"no artifact collection {team}/p/models"):
            api.create_automation(event >> DoNothing(), name=unique("artifact"))
    with pytest.raises(wandb.CommError, match="no registry 'model'"):
        api.create_automation(OnLinkArtifact(scope=RegistryScope(entity_name=team, registry_name="model"))
                              >> DoNothing(), name=unique("artifact"))
    linked = OnLinkArtifact(scope=f"{team}/p", filter={"alias": "production", "metadata.accuracy": {"$gte": 0.9}})
    saved = saved_and_read_back(api, linked >> DoNothing(), name=unique("linked"))
    assert saved.event.to_event_filter() == linked.to_event_filter()
    assert saved.scope == ProjectScope(entity_name=team, project_name="p")


def test_server_refusals_reach_the_caller(api: wandb.Api, team: str) -> None:
    event = OnRunState(scope=f"{team}/p", filter=RunEvent.state == "failed")
    with pytest.raises(wandb.CommError, match="integration"):
        api.create_automation(event >> SendWebhook(integration_id="999999"), name="ghost")
    hook = api.create_webhook_integration(team, "h", "https://h.example")
    with pytest.raises(wandb.CommError, match="metric_value"):
        api.create_automation(event >> SendWebhook.from_integration(hook, payload={"v": "${metric_value}"}),
                              name="wrong-variable")
    with pytest.raises(wandb.CommError, match="nested quantifiers"):
        api.create_automation(OnRunState(scope=f"{team}/p", filter=(RunEvent.state == "failed")
                                         & (RunEvent.display_name.regex("(a+)+"))) >> DoNothing(), name="slow-regex")


# ------------------------------------------------------------------ the overview's use cases


def test_use_cases_save_and_read_back_equal(api: wandb.Api, team: str) -> None:
    scope = f"{team}/training"
    slack = api.create_slack_integration(team, "ml-alerts", bot_token=BOT_TOKEN)
    ci = api.create_webhook_integration(team, "github-actions", "https://api.github.example/dispatches",
                                        secret=HOOK_SECRET)
    tracker = api.create_webhook_integration(team, "tracker", "https://tracker.example/runs")

    accuracy_drops = OnRunMetric(scope=scope, filter=RunEvent.metric("accuracy").mean(5) < 0.8) >> (
        SendNotification.from_integration(slack, title="Accuracy dropped", level="WARN",
                                          text="${run_name}: mean accuracy ${metric_value}"))
    loss_plateaus = OnRunMetric(scope=scope, filter=(RunEvent.job_type == "train")
                                & RunEvent.metric("loss").mean(10).changes_less_than(diff=0.001)) >> (
        SendNotification.from_integration(slack, title="Loss plateaued", text="${run_url}"))
    retrain = OnRunMetric(scope=scope, filter=RunEvent.metric("val_loss").min(3).increases_by(frac=0.2)) >> (
        SendWebhook.from_integration(ci, payload={"event_type": "retrain", "client_payload": {"run": "${run_id}"}}))
    spike = OnRunMetric(scope=scope, filter=abs(RunEvent.metric("grad_norm").zscore(window=50)) > 4) >> DoNothing()
    failed = OnRunState(scope=scope, filter=RunEvent.state.in_(["failed", "crashed"])) >> (
        SendNotification.from_integration(slack, title="Run ${run_state}", text="${run_name}", level="ERROR"))
    long_run_done = OnRunState(scope=scope, filter=(RunEvent.state == "finished")
                               & (RunEvent.duration >= timedelta(hours=6))) >> (
        SendNotification.from_integration(slack, title="Long experiment finished", text="${run_url}"))
    daily = OnSchedule(scope=scope, cron="0 9 * * *", filter=RunEvent.tags.contains("nightly")) >> (
        SendNotification.from_integration(slack, title="Daily summary", text="${run_count} runs\n${digest}"))
    hourly = OnSchedule(scope=scope, every=timedelta(hours=1), lookback=timedelta(hours=2)) >> (
        SendWebhook.from_integration(tracker, payload={"runs": "${digest_runs}", "until": "${period_end}"}))
    deploy = OnRunState(scope=scope, filter=(RunEvent.state == "finished") & (RunEvent.summary("acc") >= 0.95)
                        & RunEvent.tags.contains("release")) >> SendWebhook.from_integration(
        ci, payload={"ref": "main", "inputs": {"run": "${run_id}", "url": "${run_url}"}})
    sync = OnRunState(scope=scope, filter=RunEvent.state.in_(["running", "finished", "failed", "crashed", "killed"])
                      & (RunEvent.config("lr") < 0.1)) >> SendWebhook.from_integration(tracker)

    cases = {"accuracy-drops": accuracy_drops, "loss-plateaus": loss_plateaus, "retrain": retrain, "spike": spike,
             "failed-or-crashed": failed, "long-run-done": long_run_done, "daily-summary": daily,
             "hourly-sync": hourly, "deploy": deploy, "tracker-sync": sync}
    saved = {name: saved_and_read_back(api, new, name=name) for name, new in cases.items()}
    for name, new in cases.items():
        assert saved[name].action == new.action
        assert saved[name].event.to_event_filter() == new.event.to_event_filter()
    assert saved["accuracy-drops"].event.event_type == "RUN_METRIC_THRESHOLD"
    assert saved["loss-plateaus"].event.filter.metric.cmp == "$lt"
    assert saved["spike"].event.event_type == "RUN_METRIC_ZSCORE"
    assert saved["daily-summary"].event.cron == "0 9 * * *"
    assert [a.name for a in api.project("training", entity=team).automations()] == list(cases)


def test_plain_dict_filters_are_accepted(api: wandb.Api, team: str) -> None:
    event = OnRunState(scope=f"{team}/p", filter={"run_filter": {"config.lr": {"$lt": 0.1}, "tags": "x"},
                                                  "states": ["failed"]})
    saved = saved_and_read_back(api, event >> DoNothing(), name="dicts")
    assert saved.event == event
    schedule = OnSchedule(scope=f"{team}/p", every=3600, filter={"$or": [{"group": "a"}, {"group": "b"}]})
    assert saved_and_read_back(api, schedule >> DoNothing(), name="dict-schedule").event == schedule


# ------------------------------------------------------------------ deliveries


@pytest.fixture
def receiver() -> Iterator[str]:
    """A local webhook endpoint answering 200, for deliveries that succeed."""
    from receivers import WebhookReceiver

    with WebhookReceiver() as hook:
        yield hook.url


def finish_run(server: Server, entity: str, project: str, run_id: str, state: str) -> None:
    result = server.graphql("mutation($i: UpsertBucketInput!) { upsertBucket(input: $i) { inserted } }",
                            {"i": {"entityName": entity, "modelName": project, "name": run_id, "state": "running"}})
    assert "errors" not in result, result
    result = server.graphql("mutation($i: UpsertBucketInput!) { upsertBucket(input: $i) { inserted } }",
                            {"i": {"entityName": entity, "modelName": project, "name": run_id, "state": state}})
    assert "errors" not in result, result


def settled(automation: Automation, count: int) -> list[Any]:
    """The automation's deliveries once `count` exist and none waits to be sent (bounded wait, no timing claims)."""
    deadline = time.monotonic() + 30
    while True:
        found = list(automation.deliveries())
        if len(found) >= count and all(d.status not in ("PENDING", "SENDING") for d in found):
            return found
        assert time.monotonic() < deadline, f"deliveries did not settle: {found}"
        time.sleep(0.05)


def test_delivery_log_and_redelivery(server: Server, api: wandb.Api, team: str, receiver: str) -> None:
    hook = api.create_webhook_integration(team, "receiver", receiver)
    automation = api.create_automation(
        OnRunState(scope=f"{team}/runs", filter=RunEvent.state == "failed") >> SendWebhook.from_integration(
            hook, payload={"run": "${run_id}", "state": "${run_state}"}), name="on-failure")
    assert list(automation.deliveries()) == []
    finish_run(server, team, "runs", "r1", "failed")
    finish_run(server, team, "runs", "r2", "finished")
    [delivery] = settled(automation, 1)
    assert (delivery.status, delivery.run_name, delivery.payload) == ("SUCCEEDED", "r1", {"run": "r1",
                                                                                          "state": "failed"})
    assert delivery.trigger_id == automation.id and delivery.action_type == "GENERIC_WEBHOOK"
    assert delivery.attempt_count == len(delivery.attempts) >= 1 and delivery.attempts[0].response_code == 200
    assert list(automation.deliveries(status="SUCCEEDED")) == [delivery]
    assert list(automation.deliveries(status="FAILED")) == []

    again = api.redeliver(delivery)
    assert again.redelivery_of == delivery.id and again.id != delivery.id
    newest, original = settled(automation, 2)
    assert newest.id == again.id and newest.status == "SUCCEEDED" and original == delivery
    with pytest.raises(wandb.CommError, match="status must be one of"):
        list(automation.deliveries(status="LOST"))
    with pytest.raises(wandb.CommError) as unknown:
        api.redeliver("987654321")
    assert unknown.value.code == "NOT_FOUND"


def test_api_for_another_user_sees_only_its_entities(server: Server, api: wandb.Api, team: str) -> None:
    secret_one = api.create_automation(
        OnRunState(scope=f"{team}/p", filter=RunEvent.state == "failed") >> DoNothing(), name="private")
    outsider = wandb.Api(overrides={"base_url": server.url}, api_key=server.create_user(unique("user")))
    assert secret_one not in list(outsider.automations())
    with pytest.raises(ValueError, match="0 automations"):
        outsider.automation("private", entity=team)
