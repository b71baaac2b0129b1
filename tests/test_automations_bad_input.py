"""Automations, integrations, deliveries, run alerts and console lines against a real server: bad input
gets a clear error (a GraphQL error whose `extensions.code` says what kind, BAD_USER_INPUT, NOT_FOUND,
FORBIDDEN or CONFLICT, and whose message names the problem, never "Internal server error") and loses
nothing (what was saved before is unchanged afterwards, nothing is half-created)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import plain_http
from conftest import Server
from receivers import Response, WebhookReceiver

import runbase as wandb

INTERNAL = "Internal server error"
BOT_TOKEN = "xoxb-" + "t" * 30
HOOK_SECRET = "whsec-" + "s" * 30
ACCESS_TOKEN = "tok-" + "a" * 30
MAX_TEMPLATE = 64 * 1024

CREATE_TRIGGER = """mutation($i: CreateFilterTriggerInput!) { createFilterTrigger(input: $i) { trigger {
    id name description enabled eventType eventFilter action scope { scopeType entityName projectName } } } }"""
UPDATE_TRIGGER = """mutation($i: UpdateFilterTriggerInput!) { updateFilterTrigger(input: $i) { trigger {
    id name description eventFilter action updatedAt } } }"""
DELETE_TRIGGER = "mutation($id: ID!) { deleteTrigger(input: {id: $id}) { success } }"
CREATE_WEBHOOK = """mutation($i: CreateGenericWebhookIntegrationInput!) { createGenericWebhookIntegration(input: $i) {
    integration { id name urlEndpoint hasSecret hasAccessToken } } }"""
CREATE_SLACK = """mutation($i: CreateSlackIntegrationInput!) { createSlackIntegration(input: $i) {
    integration { id channelName usesWebhookUrl } } }"""
DELETE_INTEGRATION = "mutation($id: ID!) { deleteIntegration(input: {id: $id}) { success } }"
REDELIVER = "mutation($id: ID!) { redeliver(input: {deliveryId: $id}) { delivery { id status redeliveryOf } } }"
ALERT = """mutation($i: NotifyScriptableRunAlertInput!) { notifyScriptableRunAlert(input: $i) { success sent } }"""
LOG = """mutation($i: LogHistoryInput!) { logHistory(input: $i) { accepted historyLineCount lastHistoryStep } }"""
UPSERT_RUN = "mutation($i: UpsertBucketInput!) { upsertBucket(input: $i) { inserted bucket { state } } }"
TRIGGER = """query($id: ID!) { trigger(id: $id) { id name description enabled updatedAt eventType eventFilter action
    scope { scopeType entityName projectName } } }"""
DELIVERY = "query($id: ID!) { delivery(id: $id) { id status actionType triggerId } }"
DELIVERIES = """query($id: ID!, $status: String, $first: Int, $after: String) { trigger(id: $id) {
    deliveries(status: $status, first: $first, after: $after) { edges { node { id status actionType attemptCount
    nextAttemptAt payload redeliveryOf } } } } }"""
TRIGGERS = """query($e: String, $n: String) { triggers(entityName: $e, name: $n, first: 1000) {
    edges { node { id name } } } }"""
PROJECT = "query($e: String, $p: String!) { project(name: $p, entityName: $e) { id } }"
SNAPSHOT = """query($e: String!) {
  triggers(entityName: $e, first: 1000) { edges { node { id name description enabled createdAt updatedAt createdBy
    eventType eventFilter action scope { scopeType entityName projectName name } } } }
  entity(name: $e) { integrations { __typename
    ... on SlackIntegration { id entityName channelName usesWebhookUrl createdAt }
    ... on GenericWebhookIntegration { id entityName name urlEndpoint hasSecret hasAccessToken createdAt } } } }"""
RUN_CONSOLE = """query($e: String, $p: String!, $r: String!) { project(name: $p, entityName: $e) { run(name: $r) {
    consoleLineCount consoleTail(lines: 100) historyLineCount lastHistoryStep } } }"""


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


_clients: list[httpx.Client] = []


def graphql(server: Server, query: str, variables: dict[str, Any] | None = None,
            key: str | None = None) -> dict[str, Any]:
    """Server.graphql over one kept-alive connection: a fresh client per request costs more than the request."""
    if not _clients:
        _clients.append(plain_http.Client(timeout=60))
    response = _clients[0].post(f"{server.url}/graphql", json={"query": query, "variables": variables or {}},
                                headers={"Authorization": f"Bearer {key or server.key}"})
    return response.json()


@pytest.fixture(scope="module", autouse=True)
def _close_client() -> Iterator[None]:
    yield
    while _clients:
        _clients.pop().close()


def ok(server: Server, query: str, variables: dict[str, Any] | None = None, key: str | None = None) -> dict[str, Any]:
    answer = graphql(server, query, variables, key=key)
    assert "errors" not in answer, answer
    return answer["data"]


def refused(server: Server, query: str, variables: dict[str, Any] | None, code: str | tuple[str, ...],
            *words: str, key: str | None = None) -> str:
    """The one error's message, after checking its code, that it names `words` and that no data came back."""
    return check_refused(graphql(server, query, variables, key=key), code, *words)


def check_refused(answer: dict[str, Any], code: str | tuple[str, ...], *words: str) -> str:
    errors = answer.get("errors")
    assert errors, f"expected a {code} error, got {answer}"
    assert len(errors) == 1, answer
    [error] = errors
    message = error["message"]
    assert message != INTERNAL, f"an internal error instead of a clear {code} error: {answer}"
    codes = (code,) if isinstance(code, str) else code
    assert error.get("extensions", {}).get("code") in codes, answer
    for word in words:
        assert word.lower() in message.lower(), f"{word!r} is not named in {message!r}"
    field = error["path"][0]
    assert answer["data"] is None or answer["data"].get(field) is None, answer
    return message


def snapshot(server: Server, entity: str, key: str | None = None) -> dict[str, Any]:
    """Everything saved for an entity: its automations (every field) and integrations."""
    return ok(server, SNAPSHOT, {"e": entity}, key=key)


def create_team(server: Server, admin: str | None = None) -> str:
    name = unique("bad")
    ok(server, "mutation($t: String!, $a: String) { createTeam(input: {teamName: $t, adminUserName: $a}) { "
               "entity { id } } }", {"t": name, "a": admin})
    return name


def encoded(fields: dict[str, Any]) -> dict[str, Any]:
    """eventFilter and action go as JSON text; a str is sent as it is (to send text that is not JSON)."""
    return {k: json.dumps(v) if k in ("eventFilter", "action") and not isinstance(v, str) else v
            for k, v in fields.items()}


def set_state(server: Server, entity: str, project: str, run_id: str, *states: str, key: str | None = None) -> None:
    for state in states:
        ok(server, UPSERT_RUN, {"i": {"entityName": entity, "modelName": project, "name": run_id, "state": state}},
           key=key)


def deliveries_of(server: Server, trigger_id: str, key: str | None = None) -> list[dict[str, Any]]:
    data = ok(server, DELIVERIES, {"id": trigger_id}, key=key)
    return [edge["node"] for edge in data["trigger"]["deliveries"]["edges"]]


def project_exists(server: Server, entity: str, project: str) -> bool:
    return ok(server, PROJECT, {"e": entity, "p": project})["project"] is not None


# ------------------------------------------------------------------ a shared entity for the refusals


@dataclass
class World:
    server: Server
    team: str
    slack_id: str
    hook_id: str
    other_team: str
    other_hook_id: str
    existing_id: str
    existing_name: str

    def trigger_input(self, **changes: Any) -> dict[str, Any]:
        """A valid automation (a dry run on failed runs, in a project of its own), with changes."""
        fields = {"name": unique("auto"), "entityName": self.team, "scopeType": "PROJECT",
                  "projectName": unique("fresh"), "eventType": "RUN_STATE", "eventFilter": {"states": ["failed"]},
                  "action": {"action_type": "NO_OP"}}
        fields.update(changes)
        return encoded({k: v for k, v in fields.items() if v is not MISSING})


MISSING = object()


@pytest.fixture(scope="module")
def world(server: Server) -> World:
    """A team with a Slack and a webhook integration and one saved automation, and another team with its own
    webhook integration. The refusals below must leave all of it as it was."""
    team, other = create_team(server), create_team(server)
    slack = ok(server, CREATE_SLACK, {"i": {"entityName": team, "channelName": "alerts", "botToken": BOT_TOKEN}})
    hook = ok(server, CREATE_WEBHOOK, {"i": {"entityName": team, "name": "ci", "urlEndpoint": "https://ci.example/h",
                                             "secret": HOOK_SECRET, "accessToken": ACCESS_TOKEN}})
    other_hook = ok(server, CREATE_WEBHOOK, {"i": {"entityName": other, "name": "ci",
                                                   "urlEndpoint": "https://other.example/h"}})
    hook_id = hook["createGenericWebhookIntegration"]["integration"]["id"]
    existing = ok(server, CREATE_TRIGGER, {"i": encoded({
        "name": "existing", "description": "saved before the bad input", "entityName": team, "scopeType": "PROJECT",
        "projectName": "training", "eventType": "RUN_METRIC_THRESHOLD",
        "eventFilter": {"run_filter": {"config.lr": {"$lt": 0.1}},
                        "metric": {"name": "loss", "agg": "mean", "window": 5, "cmp": "$gt", "threshold": 2.5}},
        "action": {"action_type": "GENERIC_WEBHOOK", "integration_id": hook_id,
                   "request_payload": {"run": "${run_id}", "value": "${metric_value}"}}})})
    return World(server=server, team=team, slack_id=slack["createSlackIntegration"]["integration"]["id"],
                 hook_id=hook_id, other_team=other,
                 other_hook_id=other_hook["createGenericWebhookIntegration"]["integration"]["id"],
                 existing_id=existing["createFilterTrigger"]["trigger"]["id"], existing_name="existing")


def metric(**spec: Any) -> dict[str, Any]:
    """A threshold metric filter on loss, with changes (MISSING drops a field)."""
    fields = {"name": "loss", "cmp": "$gt", "threshold": 1.0, **spec}
    return {"metric": {k: v for k, v in fields.items() if v is not MISSING}}


def change(**spec: Any) -> dict[str, Any]:
    fields = {"name": "loss", "change_type": "absolute", "change_dir": "decrease", "threshold": 0.1, **spec}
    return {"metric": {k: v for k, v in fields.items() if v is not MISSING}}


def schedule(**spec: Any) -> dict[str, Any]:
    return {k: v for k, v in spec.items() if v is not MISSING}


THRESHOLD, CHANGE, ZSCORE = "RUN_METRIC_THRESHOLD", "RUN_METRIC_CHANGE", "RUN_METRIC_ZSCORE"
STATE_FILTER = {"states": ["failed"]}
BAD = "BAD_USER_INPUT"

# (id, changes to a valid automation: a dict or a function of the World, code, words the message must name)
CREATE_CASES: list[tuple[str, Any, str, tuple[str, ...]]] = [
    # event types and event filter documents
    ("unknown-event-type", {"eventType": "RUN_EXPLODED"}, BAD, ("eventType", "RUN_EXPLODED")),
    ("event-filter-not-json", {"eventFilter": "{states: [failed]"}, BAD, ("eventFilter", "not valid JSON")),
    ("event-filter-a-string", {"eventFilter": '"failed"'}, BAD, ("eventFilter", "JSON object")),
    ("event-filter-a-number", {"eventFilter": "42"}, BAD, ("eventFilter", "JSON object")),
    ("event-filter-a-list", {"eventFilter": '[{"states": ["failed"]}]'}, BAD, ("eventFilter", "JSON object")),
    # metric threshold filters
    ("metric-missing", {"eventType": THRESHOLD, "eventFilter": {}}, BAD, ("metric",)),
    ("metric-not-an-object", {"eventType": THRESHOLD, "eventFilter": {"metric": "loss"}}, BAD, ("metric",)),
    ("metric-cmp-unknown", {"eventType": THRESHOLD, "eventFilter": metric(cmp="$bogus")}, BAD, ("cmp", "$bogus")),
    ("metric-cmp-missing", {"eventType": THRESHOLD, "eventFilter": metric(cmp=MISSING)}, BAD, ("cmp",)),
    ("metric-cmp-a-list", {"eventType": THRESHOLD, "eventFilter": metric(cmp=["$gt"])}, BAD, ("cmp",)),
    ("metric-agg-unknown", {"eventType": THRESHOLD, "eventFilter": metric(agg="median", window=5)}, BAD,
     ("agg", "median")),
    ("metric-agg-a-list", {"eventType": THRESHOLD, "eventFilter": metric(agg=["mean"], window=5)}, BAD, ("agg",)),
    ("metric-window-0", {"eventType": THRESHOLD, "eventFilter": metric(agg="mean", window=0)}, BAD, ("window", "0")),
    ("metric-window-1e6", {"eventType": THRESHOLD, "eventFilter": metric(agg="mean", window=10**6)}, BAD,
     ("window", "1000000")),
    ("metric-window-fraction", {"eventType": THRESHOLD, "eventFilter": metric(agg="mean", window=2.5)}, BAD,
     ("window",)),
    ("metric-window-text", {"eventType": THRESHOLD, "eventFilter": metric(agg="mean", window="5")}, BAD,
     ("window",)),
    ("metric-threshold-nan", {"eventType": THRESHOLD,
                              "eventFilter": '{"metric": {"name": "loss", "cmp": "$gt", "threshold": NaN}}'}, BAD,
     ("threshold", "finite")),
    ("metric-threshold-infinity", {"eventType": THRESHOLD,
                                   "eventFilter": '{"metric": {"name": "loss", "cmp": "$gt", "threshold": Infinity}}'},
     BAD, ("threshold", "finite")),
    ("metric-threshold-minus-infinity", {
        "eventType": THRESHOLD, "eventFilter": '{"metric": {"name": "loss", "cmp": "$lt", "threshold": -Infinity}}'},
     BAD, ("threshold", "finite")),
    ("metric-threshold-overflows-float", {
        "eventType": THRESHOLD, "eventFilter": '{"metric": {"name": "loss", "cmp": "$gt", "threshold": 1e400}}'},
     BAD, ("threshold",)),
    ("metric-threshold-huge-integer", {
        "eventType": THRESHOLD,
        "eventFilter": '{"metric": {"name": "loss", "cmp": "$gt", "threshold": 1' + "0" * 400 + "}}"},
     BAD, ("threshold",)),
    ("metric-threshold-boolean", {"eventType": THRESHOLD, "eventFilter": metric(threshold=True)}, BAD,
     ("threshold",)),
    ("metric-threshold-text", {"eventType": THRESHOLD, "eventFilter": metric(threshold="0.5")}, BAD, ("threshold",)),
    ("metric-threshold-missing", {"eventType": THRESHOLD, "eventFilter": metric(threshold=MISSING)}, BAD,
     ("threshold",)),
    ("metric-name-missing", {"eventType": THRESHOLD, "eventFilter": metric(name=MISSING)}, BAD, ("name",)),
    ("metric-name-empty", {"eventType": THRESHOLD, "eventFilter": metric(name="")}, BAD, ("name",)),
    ("metric-name-not-text", {"eventType": THRESHOLD, "eventFilter": metric(name=7)}, BAD, ("name",)),
    ("metric-name-_step", {"eventType": THRESHOLD, "eventFilter": metric(name="_step")}, BAD, ("name", "system key")),
    ("metric-name-_runtime", {"eventType": THRESHOLD, "eventFilter": metric(name="_runtime")}, BAD, ("system key",)),
    # metric change filters
    ("change-threshold-negative", {"eventType": CHANGE, "eventFilter": change(threshold=-0.1)}, BAD,
     ("threshold", "at least 0")),
    ("change-dir-unknown", {"eventType": CHANGE, "eventFilter": change(change_dir="sideways")}, BAD,
     ("change_dir", "sideways")),
    ("change-type-missing", {"eventType": CHANGE, "eventFilter": change(change_type=MISSING)}, BAD,
     ("change_type",)),
    ("change-type-unknown", {"eventType": CHANGE, "eventFilter": change(change_type="percent")}, BAD,
     ("change_type", "percent")),
    ("change-cmp-not-gte-or-lt", {"eventType": CHANGE, "eventFilter": change(cmp="$gt")}, BAD, ("cmp", "$gt")),
    ("change-prior-window-0", {"eventType": CHANGE, "eventFilter": change(prior_window=0)}, BAD, ("prior_window",)),
    # z-score filters
    ("zscore-window-1", {"eventType": ZSCORE, "eventFilter": {"metric": {"name": "loss", "window": 1,
                                                                         "threshold": 3}}}, BAD, ("window", "2")),
    ("zscore-threshold-0", {"eventType": ZSCORE, "eventFilter": {"metric": {"name": "loss", "window": 20,
                                                                            "threshold": 0}}}, BAD,
     ("threshold", "above 0")),
    ("zscore-change-dir-unknown", {"eventType": ZSCORE, "eventFilter": {"metric": {
        "name": "loss", "threshold": 3, "change_dir": "up"}}}, BAD, ("change_dir", "up")),
    # run states
    ("states-empty", {"eventFilter": {"states": []}}, BAD, ("states", "failed")),
    ("states-missing", {"eventFilter": {}}, BAD, ("states",)),
    ("states-unknown", {"eventFilter": {"states": ["failed", "exploded"]}}, BAD, ("states", "crashed")),
    ("states-a-string", {"eventFilter": {"states": "failed"}}, BAD, ("states",)),
    # schedules
    ("schedule-cron-and-every", {"eventType": "SCHEDULE", "eventFilter": schedule(cron="0 9 * * *",
                                                                                 every_seconds=3600)}, BAD,
     ("cron", "every_seconds")),
    ("schedule-neither", {"eventType": "SCHEDULE", "eventFilter": {}}, BAD, ("cron", "every_seconds")),
    ("schedule-cron-minute-61", {"eventType": "SCHEDULE", "eventFilter": schedule(cron="61 * * * *")}, BAD,
     ("minute", "61")),
    ("schedule-cron-hour-25", {"eventType": "SCHEDULE", "eventFilter": schedule(cron="0 25 * * *")}, BAD,
     ("hour", "25")),
    ("schedule-cron-three-fields", {"eventType": "SCHEDULE", "eventFilter": schedule(cron="* * *")}, BAD,
     ("five fields",)),
    ("schedule-cron-step-0", {"eventType": "SCHEDULE", "eventFilter": schedule(cron="*/0 * * * *")}, BAD,
     ("minute",)),
    ("schedule-cron-not-text", {"eventType": "SCHEDULE", "eventFilter": schedule(cron=9)}, BAD, ("cron",)),
    ("schedule-cron-never-matches", {"eventType": "SCHEDULE", "eventFilter": schedule(cron="0 0 31 2 *")}, BAD,
     ("never",)),
    ("schedule-every-0", {"eventType": "SCHEDULE", "eventFilter": schedule(every_seconds=0)}, BAD,
     ("every_seconds",)),
    ("schedule-every-negative", {"eventType": "SCHEDULE", "eventFilter": schedule(every_seconds=-60)}, BAD,
     ("every_seconds",)),
    ("schedule-every-boolean", {"eventType": "SCHEDULE", "eventFilter": schedule(every_seconds=True)}, BAD,
     ("every_seconds",)),
    ("schedule-every-over-a-year", {"eventType": "SCHEDULE", "eventFilter": schedule(every_seconds=10**9)}, BAD,
     ("every_seconds",)),
    ("schedule-lookback-0", {"eventType": "SCHEDULE", "eventFilter": schedule(every_seconds=60,
                                                                             lookback_seconds=0)}, BAD,
     ("lookback_seconds",)),
    # run filters
    ("run-filter-$where", {"eventFilter": {**STATE_FILTER, "run_filter": {"$where": "this.lr < 0.1"}}}, BAD,
     ("$where",)),
    ("run-filter-field-$where", {"eventFilter": {**STATE_FILTER, "run_filter": {"name": {"$where": "x"}}}}, BAD,
     ("$where",)),
    ("run-filter-unknown-field", {"eventFilter": {**STATE_FILTER, "run_filter": {"colour": "blue"}}}, BAD,
     ("colour",)),
    ("run-filter-a-string", {"eventFilter": {**STATE_FILTER, "run_filter": "state = failed"}}, BAD,
     ("run_filter",)),
    ("run-filter-a-list", {"eventFilter": {**STATE_FILTER, "run_filter": [{"state": "failed"}]}}, BAD,
     ("run_filter",)),
    ("run-filter-an-empty-list", {"eventFilter": {**STATE_FILTER, "run_filter": []}}, BAD, ("run_filter",)),
    # actions
    ("action-type-unknown", {"action": {"action_type": "EMAIL"}}, BAD, ("action_type", "EMAIL")),
    ("action-type-missing", {"action": {}}, BAD, ("action_type",)),
    ("action-type-a-list", {"action": {"action_type": ["NO_OP"]}}, BAD, ("action_type",)),
    ("action-not-json", {"action": "{action_type: NO_OP"}, BAD, ("action", "not valid JSON")),
    ("action-a-list", {"action": '[{"action_type": "NO_OP"}]'}, BAD, ("action", "JSON object")),
    ("notification-integration-missing", {"action": {"action_type": "NOTIFICATION", "title": "t"}}, "NOT_FOUND",
     ("integration",)),
    ("webhook-integration-missing", {"action": {"action_type": "GENERIC_WEBHOOK"}}, "NOT_FOUND", ("integration",)),
    ("webhook-with-a-slack-integration", lambda w: {"action": {"action_type": "GENERIC_WEBHOOK",
                                                               "integration_id": w.slack_id}},
     "NOT_FOUND", ("GENERIC_WEBHOOK", "integration")),
    ("notification-with-a-webhook-integration", lambda w: {"action": {"action_type": "NOTIFICATION",
                                                                      "integration_id": w.hook_id}},
     "NOT_FOUND", ("SLACK", "integration")),
    ("webhook-integration-of-another-entity", lambda w: {"action": {"action_type": "GENERIC_WEBHOOK",
                                                                    "integration_id": w.other_hook_id}},
     "NOT_FOUND", ("integration",)),
    ("integration-id-not-numeric", {"action": {"action_type": "GENERIC_WEBHOOK", "integration_id": "ci"}},
     "NOT_FOUND", ("integration", "ci")),
    ("integration-id-a-fraction", lambda w: {"action": {"action_type": "GENERIC_WEBHOOK",
                                                        "integration_id": int(w.hook_id) + 0.5}},
     "NOT_FOUND", ("integration",)),
    ("payload-unknown-variable", lambda w: {"action": {"action_type": "GENERIC_WEBHOOK", "integration_id": w.hook_id,
                                                       "request_payload": {"x": "at ${nonsense}"}}},
     BAD, ("${nonsense}",)),
    ("payload-unknown-variable-in-a-key", lambda w: {"action": {
        "action_type": "GENERIC_WEBHOOK", "integration_id": w.hook_id, "request_payload": {"${bogus}": 1}}},
     BAD, ("${bogus}",)),
    ("payload-metric-value-on-run-state", lambda w: {"action": {
        "action_type": "GENERIC_WEBHOOK", "integration_id": w.hook_id,
        "request_payload": {"v": "${metric_value}"}}}, BAD, ("${metric_value}", "RUN_STATE")),
    ("payload-digest-on-a-metric-event", lambda w: {"eventType": THRESHOLD, "eventFilter": metric(), "action": {
        "action_type": "GENERIC_WEBHOOK", "integration_id": w.hook_id, "request_payload": {"d": ["${digest}"]}}},
     BAD, ("${digest}", THRESHOLD)),
    ("payload-as-json-text-unknown-variable", lambda w: {"action": {
        "action_type": "GENERIC_WEBHOOK", "integration_id": w.hook_id, "request_payload": '{"x": "${nonsense}"}'}},
     BAD, ("${nonsense}",)),
    ("payload-as-text-not-json", lambda w: {"action": {
        "action_type": "GENERIC_WEBHOOK", "integration_id": w.hook_id, "request_payload": '{"x": '}},
     BAD, ("request_payload", "JSON")),
    ("payload-over-64-KiB", lambda w: {"action": {
        "action_type": "GENERIC_WEBHOOK", "integration_id": w.hook_id,
        "request_payload": {"blob": "x" * MAX_TEMPLATE}}},
     BAD, ("request_payload", str(MAX_TEMPLATE))),
    ("notification-title-over-256", lambda w: {"action": {"action_type": "NOTIFICATION", "integration_id": w.slack_id,
                                                          "title": "t" * 257}}, BAD, ("title", "256")),
    ("notification-title-not-text", lambda w: {"action": {"action_type": "NOTIFICATION", "integration_id": w.slack_id,
                                                          "title": ["t"]}}, BAD, ("title",)),
    ("notification-severity-loud", lambda w: {"action": {"action_type": "NOTIFICATION", "integration_id": w.slack_id,
                                                         "severity": "LOUD"}}, BAD, ("severity", "LOUD")),
    ("notification-message-digest-on-run-state", lambda w: {"action": {
        "action_type": "NOTIFICATION", "integration_id": w.slack_id, "message": "${digest}"}}, BAD, ("${digest}",)),
    ("notification-title-metric-value-on-run-state", lambda w: {"action": {
        "action_type": "NOTIFICATION", "integration_id": w.slack_id, "title": "${metric_value}"}}, BAD,
     ("${metric_value}",)),
    ("notification-message-over-64-KiB", lambda w: {"action": {
        "action_type": "NOTIFICATION", "integration_id": w.slack_id, "message": "m" * MAX_TEMPLATE}}, BAD,
     (str(MAX_TEMPLATE),)),
    # scopes, artifact events, names, entities
    ("scope-artifact-collection-missing", {"scopeType": "ARTIFACT_COLLECTION", "scopeName": "models"}, "NOT_FOUND",
     ("models",)),
    ("scope-artifact-collection-without-its-name", {"scopeType": "ARTIFACT_COLLECTION"}, BAD, ("scopeName",)),
    ("scope-registry-missing", {"scopeType": "REGISTRY", "scopeName": "models"}, "NOT_FOUND", ("registry", "models")),
    ("scope-registry-without-its-name", {"scopeType": "REGISTRY"}, BAD, ("scopeName",)),
    ("scope-unknown", {"scopeType": "GALAXY"}, BAD, ("scopeType", "GALAXY")),
    ("scope-project-without-project-name", {"projectName": MISSING}, BAD, ("projectName",)),
    ("scope-bad-project-name", {"projectName": "a/b"}, BAD, ("project name", "/")),
    ("event-create-artifact-on-a-project", {"eventType": "CREATE_ARTIFACT", "eventFilter": {"filter": {}}}, BAD,
     ("CREATE_ARTIFACT", "artifact collection")),
    ("event-link-artifact-unknown-field", {"eventType": "LINK_ARTIFACT", "eventFilter": {"filter": {"colour": 1}}},
     BAD, ("colour", "alias", "metadata.KEY")),
    ("event-link-artifact-filter-a-list", {"eventType": "LINK_ARTIFACT", "eventFilter": {"filter": []}}, BAD,
     ("filter",)),
    ("event-link-artifact-run-filter", {"eventType": "LINK_ARTIFACT", "eventFilter": {"run_filter": {}}}, BAD,
     ("run_filter",)),
    ("event-add-artifact-alias-slow-regex", {"eventType": "ADD_ARTIFACT_ALIAS", "eventFilter": {
        "filter": {"alias": {"$regex": "(a+)+"}}}}, BAD, ("nested quantifiers",)),
    ("event-add-artifact-alias-unknown-operator", {"eventType": "ADD_ARTIFACT_ALIAS", "eventFilter": {
        "filter": {"alias": {"$like": "prod"}}}}, BAD, ("$like",)),
    ("payload-alias-on-a-link-event", lambda w: {"eventType": "LINK_ARTIFACT", "eventFilter": {"filter": {}},
                                                 "action": {"action_type": "GENERIC_WEBHOOK",
                                                            "integration_id": w.hook_id,
                                                            "request_payload": {"a": "${alias}"}}},
     BAD, ("${alias}", "LINK_ARTIFACT")),
    ("payload-metadata-on-a-run-event", lambda w: {"action": {
        "action_type": "GENERIC_WEBHOOK", "integration_id": w.hook_id,
        "request_payload": {"lr": "${artifact_metadata.lr}"}}}, BAD, ("${artifact_metadata.lr}",)),
    ("name-empty", {"name": ""}, BAD, ("name",)),
    ("name-blank", {"name": "   "}, BAD, ("name",)),
    ("name-over-256", {"name": "n" * 257}, BAD, ("name", "256")),
    ("entity-unknown", {"entityName": "no-such-entity-anywhere"}, "NOT_FOUND", ("no-such-entity-anywhere",)),
]


@pytest.mark.parametrize("changes, code, words", [pytest.param(c, code, w, id=i) for i, c, code, w in CREATE_CASES])
def test_create_filter_trigger_refuses_bad_input(world: World, changes: Any, code: str,
                                                 words: tuple[str, ...]) -> None:
    server = world.server
    before = snapshot(server, world.team)
    fields = world.trigger_input(**(changes(world) if callable(changes) else changes))
    message = refused(server, CREATE_TRIGGER, {"i": fields}, code, *words)
    for secret in (BOT_TOKEN, HOOK_SECRET, ACCESS_TOKEN):
        assert secret not in message
    assert snapshot(server, world.team) == before
    if "projectName" in fields:  # the scope's project, made on the way, went with the refusal
        assert not project_exists(server, world.team, fields["projectName"])


def test_limits_are_not_off_by_one(world: World) -> None:
    """The largest and smallest values the refusals above border on are accepted."""
    server = world.server
    accepted = [
        {"eventType": THRESHOLD, "eventFilter": metric(agg="sum", window=1000, threshold=-1e300)},
        {"eventType": CHANGE, "eventFilter": change(threshold=0, window=3, prior_window=1000, cmp="$lt")},
        {"eventType": ZSCORE, "eventFilter": {"metric": {"name": "loss", "window": 2, "threshold": 1e-9}}},
        {"eventType": "SCHEDULE", "eventFilter": schedule(every_seconds=1, lookback_seconds=366 * 86400)},
        {"eventType": "SCHEDULE", "eventFilter": schedule(cron="59 23 29 2 *")},  # leap days only
        {"eventFilter": {"states": ["running", "finished", "failed", "crashed", "killed"]}},
        {"name": "n" * 256},
        {"action": {"action_type": "NOTIFICATION", "integration_id": world.slack_id, "title": "t" * 256,
                    "severity": "warn"}},
        {"action": {"action_type": "GENERIC_WEBHOOK", "integration_id": world.hook_id,
                    "request_payload": {"blob": "x" * (MAX_TEMPLATE - len(json.dumps({"blob": ""})))}}},
    ]
    for changes in accepted:
        fields = world.trigger_input(**changes)
        saved = ok(server, CREATE_TRIGGER, {"i": fields})["createFilterTrigger"]["trigger"]
        assert saved["name"] == fields["name"]
        ok(server, DELETE_TRIGGER, {"id": saved["id"]})


def test_unicode_names_and_metric_keys_with_dots_and_slashes_work(server: Server) -> None:
    team = create_team(server)
    name, description = "精度アラート 🚨", "Überwachung: val/acc.top-1 ≥ 0.9 — 🎯"
    saved = ok(server, CREATE_TRIGGER, {"i": encoded({
        "name": name, "description": description, "entityName": team, "scopeType": "PROJECT",
        "projectName": "vision", "eventType": THRESHOLD,
        "eventFilter": {"run_filter": {"config.optimizer/name": "adam"},
                        "metric": {"name": "val/acc.top-1", "cmp": "$gte", "threshold": 0.9}},
        "action": {"action_type": "NO_OP"}})})["createFilterTrigger"]["trigger"]
    assert (saved["name"], saved["description"]) == (name, description)
    assert json.loads(saved["eventFilter"])["metric"]["name"] == "val/acc.top-1"
    found = ok(server, TRIGGERS, {"e": team, "n": name})["triggers"]["edges"]
    assert [edge["node"]["id"] for edge in found] == [saved["id"]]
    api = wandb.Api(overrides={"base_url": server.url}, api_key=server.key)
    automation = api.automation(name, entity=team)
    assert automation.id == saved["id"] and automation.description == description

    # the key with dots and slashes is read as one key, literally, and fires
    ok(server, UPSERT_RUN, {"i": {"entityName": team, "modelName": "vision", "name": "r1",
                                  "config": json.dumps({"optimizer/name": {"value": "adam"}})}})
    rows = [{"_step": 0, "val/acc.top-1": 0.5, "val": {"acc": {"top-1": 0.99}}}, {"_step": 1, "val/acc.top-1": 0.95}]
    ok(server, LOG, {"i": {"entityName": team, "projectName": "vision", "runName": "r1", "rows": json.dumps(rows)}})
    [delivery] = deliveries_of(server, saved["id"])
    assert delivery["actionType"] == "NO_OP" and delivery["status"] == "SUCCEEDED"
    payload = json.loads(delivery["payload"])
    assert (payload["metric_name"], payload["metric_value"], payload["metric_step"]) == ("val/acc.top-1", 0.95, 1)

    # a second automation of that name in the entity is a conflict, however it is spelled around the edges
    before = snapshot(server, team)
    for clash in (name, f"  {name}\t"):
        message = refused(server, CREATE_TRIGGER, {"i": encoded({
            "name": clash, "entityName": team, "scopeType": "PROJECT", "projectName": "other",
            "eventType": "RUN_STATE", "eventFilter": STATE_FILTER, "action": {"action_type": "NO_OP"}})},
            "CONFLICT", name)
        assert team in message
    assert snapshot(server, team) == before
    with pytest.raises(wandb.CommError) as clash:
        api.create_automation(api.automation(name, entity=team).event >> automation.action, name=name)
    assert clash.value.code == "CONFLICT"
    assert snapshot(server, team) == before
    # names are per entity: another entity may use it
    other = create_team(server)
    ok(server, CREATE_TRIGGER, {"i": encoded({
        "name": name, "entityName": other, "scopeType": "PROJECT", "projectName": "vision",
        "eventType": "RUN_STATE", "eventFilter": STATE_FILTER, "action": {"action_type": "NO_OP"}})})


@pytest.mark.parametrize("field, value", [
    pytest.param("name", "a\x00b", id="name"),
    pytest.param("description", "nul \x00 inside", id="description"),
    pytest.param("metric", "loss\x00", id="metric-name"),
    pytest.param("title", "Run \x00 ${run_id}", id="notification-title"),
])
def test_text_with_a_nul_character_is_stored_or_refused_clearly(world: World, field: str, value: str) -> None:
    """Either is fine: kept exactly, or refused as bad input. An internal error is not."""
    server = world.server
    before = snapshot(server, world.team)
    changes: dict[str, Any] = {
        "name": {"name": value}, "description": {"description": value},
        "metric": {"eventType": THRESHOLD, "eventFilter": metric(name=value)},
        "title": {"action": {"action_type": "NOTIFICATION", "integration_id": world.slack_id, "title": value}},
    }[field]
    fields = world.trigger_input(**changes)
    answer = graphql(server, CREATE_TRIGGER, {"i": fields})
    if "errors" in answer:
        [error] = answer["errors"]
        assert error["message"] != INTERNAL and error.get("extensions", {}).get("code") == BAD, answer
        assert snapshot(server, world.team) == before
        return
    saved = answer["data"]["createFilterTrigger"]["trigger"]
    kept = {"name": saved["name"], "description": saved["description"],
            "metric": json.loads(saved["eventFilter"]).get("metric", {}).get("name"),
            "title": json.loads(saved["action"]).get("title")}[field]
    assert kept == value
    ok(server, DELETE_TRIGGER, {"id": saved["id"]})


# ------------------------------------------------------------------ updateFilterTrigger


def _saved(world: World, **changes: Any) -> dict[str, Any]:
    fields = world.trigger_input(projectName="updates", **changes)
    trigger_id = ok(world.server, CREATE_TRIGGER, {"i": fields})["createFilterTrigger"]["trigger"]["id"]
    return ok(world.server, TRIGGER, {"id": trigger_id})["trigger"]


UPDATE_CASES: list[tuple[str, Any, str, tuple[str, ...]]] = [
    ("event-filter-not-json", {"eventFilter": "{metric"}, BAD, ("eventFilter", "not valid JSON")),
    ("event-filter-a-list", {"eventFilter": "[]"}, BAD, ("eventFilter", "JSON object")),
    ("window-0", {"eventFilter": json.dumps(metric(agg="mean", window=0))}, BAD, ("window",)),
    ("threshold-nan", {"eventFilter": '{"metric": {"name": "loss", "cmp": "$gt", "threshold": NaN}}'}, BAD,
     ("threshold",)),
    ("event-type-without-its-filter", {"eventType": "SCHEDULE"}, BAD, ("cron", "every_seconds")),
    ("event-type-unknown", {"eventType": "RUN_EXPLODED"}, BAD, ("RUN_EXPLODED",)),
    ("event-type-artifact-on-a-project", {"eventType": "CREATE_ARTIFACT", "eventFilter": "{}"}, BAD,
     ("CREATE_ARTIFACT", "artifact collection")),
    ("scope-artifact-collection-without-its-name", {"scopeType": "ARTIFACT_COLLECTION"}, BAD, ("scopeName",)),
    ("scope-registry-missing", {"scopeType": "REGISTRY", "scopeName": "nowhere"}, "NOT_FOUND", ("nowhere",)),
    ("action-unknown", {"action": '{"action_type": "EMAIL"}'}, BAD, ("EMAIL",)),
    ("action-slack-for-webhook", lambda w: {"action": json.dumps({"action_type": "GENERIC_WEBHOOK",
                                                                  "integration_id": w.slack_id})},
     "NOT_FOUND", ("GENERIC_WEBHOOK",)),
    ("action-other-entitys-integration", lambda w: {"action": json.dumps({"action_type": "GENERIC_WEBHOOK",
                                                                          "integration_id": w.other_hook_id})},
     "NOT_FOUND", ("integration",)),
    ("payload-variable-of-another-event", lambda w: {"action": json.dumps({
        "action_type": "GENERIC_WEBHOOK", "integration_id": w.hook_id, "request_payload": {"d": "${digest}"}})},
     BAD, ("${digest}",)),
    ("name-empty", {"name": ""}, BAD, ("name",)),
    ("name-taken", lambda w: {"name": w.existing_name}, "CONFLICT", ("existing",)),
    ("moved-to-an-unknown-entity", {"entityName": "no-such-entity-anywhere"}, "NOT_FOUND",
     ("no-such-entity-anywhere",)),
    ("moved-to-another-entity-keeping-its-integration", lambda w: {"entityName": w.other_team}, "NOT_FOUND",
     ("integration",)),
]


@pytest.mark.parametrize("changes, code, words", [pytest.param(c, code, w, id=i) for i, c, code, w in UPDATE_CASES])
def test_update_filter_trigger_refuses_bad_input_and_keeps_what_was_saved(world: World, changes: Any, code: str,
                                                                          words: tuple[str, ...]) -> None:
    server = world.server
    target = _saved(world, eventType=THRESHOLD, eventFilter=metric(agg="max", window=3),
                    action={"action_type": "GENERIC_WEBHOOK", "integration_id": world.hook_id,
                            "request_payload": {"v": "${metric_value}"}})
    before = snapshot(server, world.team)
    other_before = snapshot(server, world.other_team)
    fields = {"id": target["id"], **(changes(world) if callable(changes) else changes)}
    refused(server, UPDATE_TRIGGER, {"i": fields}, code, *words)
    assert ok(server, TRIGGER, {"id": target["id"]})["trigger"] == target
    assert snapshot(server, world.team) == before
    assert snapshot(server, world.other_team) == other_before


@pytest.mark.parametrize("trigger_id", ["987654321", "abc", "", "-1", "1.5"])
def test_update_and_delete_of_an_unknown_automation(world: World, trigger_id: str) -> None:
    server = world.server
    before = snapshot(server, world.team)
    refused(server, UPDATE_TRIGGER, {"i": {"id": trigger_id, "enabled": False}}, "NOT_FOUND", "automation")
    refused(server, DELETE_TRIGGER, {"id": trigger_id}, "NOT_FOUND", "automation")
    assert ok(server, TRIGGER, {"id": "987654321"})["trigger"] is None
    assert snapshot(server, world.team) == before


def test_rename_onto_a_taken_name_through_the_api(world: World) -> None:
    server = world.server
    api = wandb.Api(overrides={"base_url": server.url}, api_key=server.key)
    mine = api.automation(_saved(world)["name"], entity=world.team)
    before = snapshot(server, world.team)
    with pytest.raises(wandb.CommError, match="existing") as clash:
        api.update_automation(mine, name=world.existing_name)
    assert clash.value.code == "CONFLICT"
    assert snapshot(server, world.team) == before


# ------------------------------------------------------------------ ids out of any range


HUGE_ID = "9" * 25


@pytest.mark.parametrize("operation", ["trigger", "delivery", "updateFilterTrigger", "deleteTrigger",
                                       "deleteIntegration", "redeliver", "action-integration-id"])
def test_ids_beyond_64_bits_are_not_found(world: World, operation: str) -> None:
    server = world.server
    before = snapshot(server, world.team)
    if operation in ("trigger", "delivery"):
        answer = graphql(server, TRIGGER if operation == "trigger" else DELIVERY, {"id": HUGE_ID})
        # nothing to see: null, or a NOT_FOUND error, never an internal error
        assert (answer.get("data") or {}).get(operation) is None, answer
        for error in answer.get("errors", []):
            assert error["message"] != INTERNAL and error["extensions"]["code"] == "NOT_FOUND", answer
    elif operation == "updateFilterTrigger":
        refused(server, UPDATE_TRIGGER, {"i": {"id": HUGE_ID, "enabled": False}}, "NOT_FOUND", "automation")
    elif operation == "deleteTrigger":
        refused(server, DELETE_TRIGGER, {"id": HUGE_ID}, "NOT_FOUND", "automation")
    elif operation == "deleteIntegration":
        refused(server, DELETE_INTEGRATION, {"id": HUGE_ID}, "NOT_FOUND", "integration")
    elif operation == "redeliver":
        refused(server, REDELIVER, {"id": HUGE_ID}, "NOT_FOUND", "delivery")
    else:
        fields = world.trigger_input(action={"action_type": "GENERIC_WEBHOOK", "integration_id": HUGE_ID})
        refused(server, CREATE_TRIGGER, {"i": fields}, "NOT_FOUND", "integration")
    assert snapshot(server, world.team) == before


# ------------------------------------------------------------------ deeply nested JSON documents


DEEP = "[" * 50_000 + "]" * 50_000


@pytest.mark.parametrize("where", ["eventFilter", "action", "request_payload", "consoleLines"])
def test_deeply_nested_json_is_refused_clearly(world: World, where: str) -> None:
    server = world.server
    before = snapshot(server, world.team)
    if where == "consoleLines":
        set_state(server, world.team, "deep", "r1", "running")
        refused(server, LOG, {"i": {"entityName": world.team, "projectName": "deep", "runName": "r1", "rows": "[]",
                                    "consoleLines": DEEP, "consoleStart": 0}}, BAD, where)
    else:
        action = {"action_type": "GENERIC_WEBHOOK", "integration_id": world.hook_id, "request_payload": DEEP}
        fields = world.trigger_input(**{"eventFilter": DEEP} if where == "eventFilter" else
                                     {"action": DEEP} if where == "action" else {"action": action})
        refused(server, CREATE_TRIGGER, {"i": fields}, BAD, where)
    assert snapshot(server, world.team) == before


# ------------------------------------------------------------------ integrations


WEBHOOK_CASES: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
    ("url-ftp", {"urlEndpoint": "ftp://ci.example/hook"}, ("urlEndpoint", "http")),
    ("url-not-a-url", {"urlEndpoint": "not a url"}, ("urlEndpoint",)),
    ("url-javascript", {"urlEndpoint": "javascript:alert(document.cookie)"}, ("urlEndpoint",)),
    ("url-file", {"urlEndpoint": "file:///etc/passwd"}, ("urlEndpoint",)),
    ("url-no-host", {"urlEndpoint": "https:///hooks"}, ("urlEndpoint", "host")),
    ("url-empty", {"urlEndpoint": ""}, ("urlEndpoint",)),
    ("url-bad-ipv6-host", {"urlEndpoint": "https://[::1/hook"}, ("urlEndpoint",)),
    ("url-with-a-nul", {"urlEndpoint": "https://ci.example/hook\x00"}, ("urlEndpoint",)),
    ("name-empty", {"name": ""}, ("name",)),
    ("name-blank", {"name": "  \t "}, ("name",)),
    ("name-over-256", {"name": "n" * 257}, ("name", "256")),
    ("secret-5000-chars", {"secret": "S" * 5000}, ("secret", "4096")),
    ("secret-with-a-control-character", {"secret": "sec\x07ret-" + "q" * 20}, ("secret", "printable")),
    ("secret-with-a-newline", {"secret": "sec\nret-" + "q" * 20}, ("secret", "printable")),
    ("access-token-5000-chars", {"accessToken": "T" * 5000}, ("accessToken", "4096")),
    ("access-token-with-a-nul", {"accessToken": "tok\x00en-" + "q" * 20}, ("accessToken", "NUL")),
]


@pytest.mark.parametrize("changes, words", [pytest.param(c, w, id=i) for i, c, w in WEBHOOK_CASES])
def test_bad_webhook_integrations_are_refused(world: World, changes: dict[str, Any], words: tuple[str, ...]) -> None:
    server = world.server
    before = snapshot(server, world.team)
    fields = {"entityName": world.team, "name": unique("hook"), "urlEndpoint": "https://ci.example/hook",
              "secret": "whsec-" + uuid.uuid4().hex, "accessToken": "tok-" + uuid.uuid4().hex, **changes}
    answer = graphql(server, CREATE_WEBHOOK, {"i": fields})
    log = server.log.read_text()
    for secret in (fields["secret"], fields["accessToken"]):
        assert secret[6:] not in json.dumps(answer) and secret[6:] not in log
    check_refused(answer, BAD, *words)
    assert snapshot(server, world.team) == before


@pytest.mark.parametrize("mutation", ["webhook", "slack"])
def test_an_integration_name_with_a_nul_is_stored_or_refused_clearly(world: World, mutation: str) -> None:
    server = world.server
    before = snapshot(server, world.team)
    name = unique("nul\x00name")
    if mutation == "webhook":
        query, fields = CREATE_WEBHOOK, {"entityName": world.team, "name": name, "urlEndpoint": "https://x.example",
                                         "secret": HOOK_SECRET}
    else:
        query, fields = CREATE_SLACK, {"entityName": world.team, "channelName": name, "botToken": BOT_TOKEN}
    answer = graphql(server, query, {"i": fields})
    assert HOOK_SECRET not in json.dumps(answer) and BOT_TOKEN not in json.dumps(answer)
    if "errors" in answer:
        check_refused(answer, BAD, "name")
        assert snapshot(server, world.team) == before
        return
    [integration] = answer["data"].values()
    assert integration["integration"].get("name", integration["integration"].get("channelName")) == name
    ok(server, DELETE_INTEGRATION, {"id": integration["integration"]["id"]})


def test_bad_webhook_url_through_the_api(world: World) -> None:
    api = wandb.Api(overrides={"base_url": world.server.url}, api_key=world.server.key)
    before = snapshot(world.server, world.team)
    with pytest.raises(wandb.CommError, match="urlEndpoint") as bad:
        api.create_webhook_integration(world.team, unique("js"), "javascript:alert(1)", secret=HOOK_SECRET)
    assert bad.value.code == BAD and HOOK_SECRET not in str(bad.value)
    assert snapshot(world.server, world.team) == before


SLACK_SECRET_PART = "SLACKSECRET"


def _slack_url(tag: str) -> str:
    return f"https://hooks.slack.com/services/T0/B0/{SLACK_SECRET_PART}{tag}"


SLACK_CASES: list[tuple[str, Callable[[str], dict[str, Any]], tuple[str, ...]]] = [
    ("neither-token-nor-url", lambda tag: {}, ("botToken", "webhookUrl")),
    ("empty-url-and-no-token", lambda tag: {"webhookUrl": ""}, ("botToken", "webhookUrl")),
    ("url-ftp", lambda tag: {"webhookUrl": "ftp" + _slack_url(tag)[5:]}, ("webhookUrl",)),
    ("url-without-scheme", lambda tag: {"webhookUrl": _slack_url(tag)[8:]}, ("webhookUrl",)),
    ("url-bad-ipv6-host", lambda tag: {"webhookUrl": "https://[hooks.slack.com/services/T0/B0/"
                                                     f"{SLACK_SECRET_PART}{tag}"}, ("webhookUrl",)),
    ("url-with-a-nul", lambda tag: {"webhookUrl": _slack_url(tag) + "\x00"}, ("webhookUrl",)),
    ("bot-token-5000-chars", lambda tag: {"botToken": f"xoxb-{SLACK_SECRET_PART}{tag}" + "b" * 5000},
     ("botToken", "4096")),
    ("bot-token-not-printable", lambda tag: {"botToken": f"xoxb-{SLACK_SECRET_PART}{tag}\x1b"},
     ("botToken", "printable")),
    ("channel-name-empty", lambda tag: {"channelName": "", "webhookUrl": _slack_url(tag)}, ("channelName",)),
]


@pytest.mark.parametrize("changes, words", [pytest.param(c, w, id=i) for i, c, w in SLACK_CASES])
def test_bad_slack_integrations_are_refused_without_echoing_secrets(world: World,
                                                                    changes: Callable[[str], dict[str, Any]],
                                                                    words: tuple[str, ...]) -> None:
    server = world.server
    before = snapshot(server, world.team)
    tag = uuid.uuid4().hex
    fields = {"entityName": world.team, "channelName": unique("chan"), **changes(tag)}
    answer = graphql(server, CREATE_SLACK, {"i": fields})
    assert tag not in json.dumps(answer), answer
    assert tag not in server.log.read_text(), "the secret reached the server's log"
    message = check_refused(answer, BAD, *words)
    assert SLACK_SECRET_PART not in message
    assert snapshot(server, world.team) == before


def test_duplicate_integration_names_conflict_without_echoing_secrets(world: World) -> None:
    server = world.server
    before = snapshot(server, world.team)
    secret, token, url = "whsec-" + uuid.uuid4().hex, "tok-" + uuid.uuid4().hex, _slack_url(uuid.uuid4().hex)
    message = refused(server, CREATE_WEBHOOK, {"i": {"entityName": world.team, "name": "ci",
                                                     "urlEndpoint": "https://elsewhere.example/h", "secret": secret,
                                                     "accessToken": token}}, "CONFLICT", "ci", world.team)
    assert secret not in message and token not in message
    for extra in ({"webhookUrl": url}, {"botToken": "xoxb-" + secret}):
        message = refused(server, CREATE_SLACK, {"i": {"entityName": world.team, "channelName": "alerts", **extra}},
                          "CONFLICT", "alerts", world.team)
        assert url not in message and SLACK_SECRET_PART not in message and secret not in message
    assert snapshot(server, world.team) == before


def test_an_integration_in_use_cannot_be_deleted_until_its_automation_is(server: Server) -> None:
    team = create_team(server)
    hook_id = ok(server, CREATE_WEBHOOK, {"i": {"entityName": team, "name": "ci", "urlEndpoint": "https://ci.example",
                                                "secret": HOOK_SECRET}})["createGenericWebhookIntegration"][
        "integration"]["id"]
    users = []
    for name in ("deploy on finish", "retrain ⚙"):
        users.append(ok(server, CREATE_TRIGGER, {"i": encoded({
            "name": name, "entityName": team, "scopeType": "PROJECT", "projectName": "p", "eventType": "RUN_STATE",
            "eventFilter": STATE_FILTER, "action": {"action_type": "GENERIC_WEBHOOK", "integration_id": hook_id}})})[
            "createFilterTrigger"]["trigger"]["id"])
    before = snapshot(server, team)
    message = refused(server, DELETE_INTEGRATION, {"id": hook_id}, "CONFLICT", "deploy on finish", "retrain ⚙")
    assert HOOK_SECRET not in message
    api = wandb.Api(overrides={"base_url": server.url}, api_key=server.key)
    with pytest.raises(wandb.CommError, match="deploy on finish") as in_use:
        api.delete_integration(hook_id)
    assert in_use.value.code == "CONFLICT"
    assert snapshot(server, team) == before

    ok(server, DELETE_TRIGGER, {"id": users[0]})
    refused(server, DELETE_INTEGRATION, {"id": hook_id}, "CONFLICT", "retrain ⚙")
    ok(server, DELETE_TRIGGER, {"id": users[1]})
    assert ok(server, DELETE_INTEGRATION, {"id": hook_id})["deleteIntegration"]["success"] is True
    assert snapshot(server, team)["entity"]["integrations"] == []
    refused(server, DELETE_INTEGRATION, {"id": hook_id}, "NOT_FOUND", "integration", hook_id)
    refused(server, DELETE_INTEGRATION, {"id": "ci"}, "NOT_FOUND", "integration", "ci")


# ------------------------------------------------------------------ permissions


@dataclass
class People:
    team: str
    owner: str
    member: str
    viewer: str
    outsider: str
    outsider_name: str
    hook_id: str
    slack_id: str
    trigger_id: str
    delivery_id: str


@pytest.fixture
def people(server: Server) -> People:
    """A team run by an ordinary user (not an instance admin), with a member, a viewer, and a user outside it."""
    names = {role: unique(role) for role in ("owner", "member", "viewer", "outsider")}
    keys = {role: server.create_user(name) for role, name in names.items()}
    team = create_team(server, admin=names["owner"])
    for role in ("member", "viewer"):
        ok(server, "mutation($e: String!, $u: String!, $r: String) { createInvite(input: {entityName: $e, "
                   "username: $u, role: $r}) { member { role } } }",
           {"e": team, "u": names[role], "r": role}, key=keys["owner"])
    owner = keys["owner"]
    hook_id = ok(server, CREATE_WEBHOOK, {"i": {"entityName": team, "name": "ci", "urlEndpoint": "https://ci.example"}},
                 key=owner)["createGenericWebhookIntegration"]["integration"]["id"]
    slack_id = ok(server, CREATE_SLACK, {"i": {"entityName": team, "channelName": "alerts", "botToken": BOT_TOKEN}},
                  key=owner)["createSlackIntegration"]["integration"]["id"]
    trigger_id = ok(server, CREATE_TRIGGER, {"i": encoded({
        "name": "team-failures", "entityName": team, "scopeType": "PROJECT", "projectName": "p",
        "eventType": "RUN_STATE", "eventFilter": STATE_FILTER, "action": {"action_type": "NO_OP"}})},
        key=owner)["createFilterTrigger"]["trigger"]["id"]
    set_state(server, team, "p", "r1", "running", "failed", key=owner)
    [delivery] = deliveries_of(server, trigger_id, key=owner)
    return People(team=team, owner=owner, member=keys["member"], viewer=keys["viewer"], outsider=keys["outsider"],
                  outsider_name=names["outsider"], hook_id=hook_id, slack_id=slack_id, trigger_id=trigger_id,
                  delivery_id=delivery["id"])


def _writes(people: People) -> list[tuple[str, str, dict[str, Any]]]:
    """Every way to change the team's automations and integrations: (what, query, variables)."""
    return [
        ("create webhook", CREATE_WEBHOOK, {"i": {"entityName": people.team, "name": unique("h"),
                                                  "urlEndpoint": "https://x.example"}}),
        ("create slack", CREATE_SLACK, {"i": {"entityName": people.team, "channelName": unique("c"),
                                              "botToken": BOT_TOKEN}}),
        ("create automation", CREATE_TRIGGER, {"i": encoded({
            "name": unique("a"), "entityName": people.team, "scopeType": "PROJECT", "projectName": "p",
            "eventType": "RUN_STATE", "eventFilter": STATE_FILTER, "action": {"action_type": "NO_OP"}})}),
        ("update automation", UPDATE_TRIGGER, {"i": {"id": people.trigger_id, "enabled": False}}),
        ("delete automation", DELETE_TRIGGER, {"id": people.trigger_id}),
        ("redeliver", REDELIVER, {"id": people.delivery_id}),
        ("delete integration", DELETE_INTEGRATION, {"id": people.hook_id}),
    ]


def test_a_user_outside_the_team_can_neither_see_nor_change_its_automations(server: Server, people: People) -> None:
    before = snapshot(server, people.team, key=people.owner)
    key = people.outsider
    for what, query, variables in _writes(people):
        code = ("FORBIDDEN", "NOT_FOUND") if what.startswith("create") else "NOT_FOUND"
        message = refused(server, query, variables, code, key=key)
        assert BOT_TOKEN not in message, what
    # moving the team's automation into the outsider's own entity is no way in either
    refused(server, UPDATE_TRIGGER, {"i": {"id": people.trigger_id, "entityName": people.outsider_name,
                                           "projectName": "mine"}}, "NOT_FOUND", key=key)
    assert ok(server, TRIGGERS, {"e": people.team}, key=key)["triggers"]["edges"] == []
    everything = ok(server, TRIGGERS, {}, key=key)["triggers"]["edges"]
    assert people.trigger_id not in [edge["node"]["id"] for edge in everything]
    assert ok(server, TRIGGER, {"id": people.trigger_id}, key=key)["trigger"] is None
    assert ok(server, DELIVERY, {"id": people.delivery_id}, key=key)["delivery"] is None
    assert ok(server, PROJECT, {"e": people.team, "p": "p"}, key=key)["project"] is None
    assert ok(server, "query($e: String!) { entity(name: $e) { name } }", {"e": people.team}, key=key)["entity"] is None
    api = wandb.Api(overrides={"base_url": server.url}, api_key=key)
    assert list(api.automations(entity=people.team)) == []
    with pytest.raises(wandb.CommError) as hidden:
        api.redeliver(people.delivery_id)
    assert hidden.value.code == "NOT_FOUND"
    assert snapshot(server, people.team, key=people.owner) == before
    assert len(deliveries_of(server, people.trigger_id, key=people.owner)) == 1


def test_a_team_viewer_can_read_but_not_write(server: Server, people: People) -> None:
    key = people.viewer
    [edge] = ok(server, TRIGGERS, {"e": people.team}, key=key)["triggers"]["edges"]
    assert edge["node"]["id"] == people.trigger_id
    assert ok(server, TRIGGER, {"id": people.trigger_id}, key=key)["trigger"]["name"] == "team-failures"
    assert ok(server, DELIVERY, {"id": people.delivery_id}, key=key)["delivery"]["triggerId"] == people.trigger_id
    assert len(deliveries_of(server, people.trigger_id, key=key)) == 1
    before = snapshot(server, people.team, key=people.owner)
    assert snapshot(server, people.team, key=key) == before  # a viewer reads what the owner does
    for what, query, variables in _writes(people):
        message = refused(server, query, variables, "FORBIDDEN", people.team, key=key)
        assert BOT_TOKEN not in message, what
    assert snapshot(server, people.team, key=people.owner) == before
    assert len(deliveries_of(server, people.trigger_id, key=people.owner)) == 1

    # a member may write (so the refusals above are about the role, not about the inputs)
    changed = ok(server, UPDATE_TRIGGER, {"i": {"id": people.trigger_id, "description": "member was here"}},
                 key=people.member)
    assert changed["updateFilterTrigger"]["trigger"]["description"] == "member was here"


# ------------------------------------------------------------------ redeliver


def test_redeliver_refuses_unknown_no_op_and_pending_deliveries(server: Server) -> None:
    team = create_team(server)
    refused(server, REDELIVER, {"id": "987654321"}, "NOT_FOUND", "delivery", "987654321")
    refused(server, REDELIVER, {"id": "abc"}, "NOT_FOUND", "delivery", "abc")

    dry = ok(server, CREATE_TRIGGER, {"i": encoded({
        "name": "dry run", "entityName": team, "scopeType": "PROJECT", "projectName": "p", "eventType": "RUN_STATE",
        "eventFilter": STATE_FILTER, "action": {"action_type": "NO_OP"}})})["createFilterTrigger"]["trigger"]["id"]
    set_state(server, team, "p", "r1", "running", "failed")
    [no_op] = deliveries_of(server, dry)
    assert (no_op["actionType"], no_op["status"]) == ("NO_OP", "SUCCEEDED")
    refused(server, REDELIVER, {"id": no_op["id"]}, BAD, "NO_OP")
    assert deliveries_of(server, dry) == [no_op]

    # a receiver that answers 503 with Retry-After of an hour keeps its delivery pending
    with WebhookReceiver(default=Response(503, headers={"Retry-After": "3600"})) as receiver:
        hook_id = ok(server, CREATE_WEBHOOK, {"i": {"entityName": team, "name": "busy", "urlEndpoint": receiver.url}})[
            "createGenericWebhookIntegration"]["integration"]["id"]
        busy = ok(server, CREATE_TRIGGER, {"i": encoded({
            "name": "busy", "entityName": team, "scopeType": "PROJECT", "projectName": "q", "eventType": "RUN_STATE",
            "eventFilter": STATE_FILTER, "action": {"action_type": "GENERIC_WEBHOOK", "integration_id": hook_id}})})[
            "createFilterTrigger"]["trigger"]["id"]
        try:
            set_state(server, team, "q", "r1", "running", "failed")
            [waiting] = deliveries_of(server, busy)
            assert waiting["status"] in ("PENDING", "SENDING")
            refused(server, REDELIVER, {"id": waiting["id"]}, BAD, "still", waiting["id"])
            deadline = time.monotonic() + 20
            while True:  # until the first attempt is answered and the next waits for an hour
                [waiting] = deliveries_of(server, busy)
                if waiting["attemptCount"] >= 1 and waiting["status"] == "PENDING":
                    break
                assert time.monotonic() < deadline, waiting
                time.sleep(0.05)
            refused(server, REDELIVER, {"id": waiting["id"]}, BAD, "still", "PENDING")
            assert [d["id"] for d in deliveries_of(server, busy)] == [waiting["id"]]
            assert receiver.wait_for(1)[0].response_status == 503
        finally:
            ok(server, DELETE_TRIGGER, {"id": busy})  # its delivery log goes with it: no retries later


# ------------------------------------------------------------------ run alerts


def test_run_alert_input_is_checked(server: Server) -> None:
    team = create_team(server)
    set_state(server, team, "p", "r1", "running")

    def alert(**changes: Any) -> dict[str, Any]:
        return {"i": {"entityName": team, "projectName": "p", "runName": "r1", "title": "t", "text": "x", **changes}}

    refused(server, ALERT, alert(title="x" * 64), BAD, "title", "63")
    refused(server, ALERT, alert(title=""), BAD, "title")
    refused(server, ALERT, alert(title="loud", severity="LOUD"), BAD, "LOUD")
    refused(server, ALERT, alert(title="negative", waitDuration=-1), BAD, "waitDuration")
    refused(server, ALERT, alert(title="long text", text="x" * 10_001), BAD, "text")
    refused(server, ALERT, alert(runName="nope"), "NOT_FOUND", "nope")
    refused(server, ALERT, alert(projectName="nowhere"), "NOT_FOUND", "nowhere")
    assert ok(server, ALERT, alert(title="y" * 63))["notifyScriptableRunAlert"] == {"success": True, "sent": True}
    # the refused alerts recorded nothing: their titles were never sent, so nothing throttles them now
    for title in ("loud", "negative", "long text"):
        sent = ok(server, ALERT, alert(title=title, severity="warn", waitDuration=3600))
        assert sent["notifyScriptableRunAlert"] == {"success": True, "sent": True}
        again = ok(server, ALERT, alert(title=title, waitDuration=3600))
        assert again["notifyScriptableRunAlert"] == {"success": True, "sent": False}


# ------------------------------------------------------------------ console lines


def test_console_lines_are_checked_and_resends_add_nothing(server: Server) -> None:
    team = create_team(server)
    set_state(server, team, "p", "r1", "running")

    def log(step: int, lines: Any = None, start: Any = None) -> dict[str, Any]:
        fields: dict[str, Any] = {"entityName": team, "projectName": "p", "runName": "r1",
                                  "rows": json.dumps([{"_step": step, "loss": 1.0}])}
        if lines is not None:
            fields["consoleLines"] = lines
        if start is not None:
            fields["consoleStart"] = start
        return {"i": fields}

    def console() -> dict[str, Any]:
        return ok(server, RUN_CONSOLE, {"e": team, "p": "p", "r": "r1"})["project"]["run"]

    ok(server, LOG, log(0, json.dumps(["epoch 1", "loss 1.0"]), 0))
    assert console() == {"consoleLineCount": 2, "consoleTail": ["epoch 1", "loss 1.0"], "historyLineCount": 1,
                         "lastHistoryStep": 0}
    bad = [
        (log(1, "epoch 2", 2), ("consoleLines", "JSON")),
        (log(1, json.dumps({"0": "epoch 2"}), 2), ("consoleLines", "list")),
        (log(1, json.dumps("epoch 2"), 2), ("consoleLines", "list")),
        (log(1, json.dumps(["epoch 2", 3]), 2), ("consoleLines", "strings")),
        (log(1, json.dumps([None]), 2), ("consoleLines", "strings")),
        (log(1, json.dumps(["epoch 2"])), ("consoleStart",)),
        (log(1, json.dumps(["epoch 2"]), -1), ("consoleStart",)),
        (log(1, json.dumps(["epoch 9"]), 5), ("2", "5")),  # a gap: lines 2 to 4 were never sent
    ]
    for variables, words in bad:
        refused(server, LOG, variables, BAD, *words)
        # the whole call was refused: its history row too
        assert console() == {"consoleLineCount": 2, "consoleTail": ["epoch 1", "loss 1.0"], "historyLineCount": 1,
                             "lastHistoryStep": 0}

    # resends: the same lines again, and an overlap, store each line once
    ok(server, LOG, log(1, json.dumps(["epoch 1", "loss 1.0"]), 0))
    assert console()["consoleLineCount"] == 2
    ok(server, LOG, log(2, json.dumps(["loss 1.0", "epoch 2", "loss 0.5"]), 1))
    ok(server, LOG, log(3, json.dumps(["epoch 1", "loss 1.0", "epoch 2", "loss 0.5", "done ✓"]), 0))
    assert console() == {"consoleLineCount": 5, "consoleTail": ["epoch 1", "loss 1.0", "epoch 2", "loss 0.5", "done ✓"],
                         "historyLineCount": 4, "lastHistoryStep": 3}
    ok(server, LOG, log(3, json.dumps(["done ✓"]), 4))  # a resent batch whose row and line are both stored
    assert console()["consoleLineCount"] == 5


def test_a_console_line_with_a_nul_is_stored_or_refused_clearly(server: Server) -> None:
    team = create_team(server)
    set_state(server, team, "p", "r1", "running")
    answer = graphql(server, LOG, {"i": {"entityName": team, "projectName": "p", "runName": "r1", "rows": "[]",
                                        "consoleLines": json.dumps(["progress\x00bar"]), "consoleStart": 0}})
    tail = ok(server, RUN_CONSOLE, {"e": team, "p": "p", "r": "r1"})["project"]["run"]["consoleTail"]
    if "errors" in answer:
        [error] = answer["errors"]
        assert error["message"] != INTERNAL and error["extensions"]["code"] == BAD, answer
        assert tail == []
    else:
        assert tail in (["progress\x00bar"], ["progressbar"], ["progress\ufffdbar"])


def test_a_run_alert_title_with_a_nul_is_sent_or_refused_clearly(server: Server) -> None:
    team = create_team(server)
    set_state(server, team, "p", "r1", "running")
    answer = graphql(server, ALERT, {"i": {"entityName": team, "projectName": "p", "runName": "r1",
                                          "title": "nul\x00title", "text": "x"}})
    if "errors" in answer:
        [error] = answer["errors"]
        assert error["message"] != INTERNAL and error["extensions"]["code"] == BAD, answer
    else:
        assert answer["data"]["notifyScriptableRunAlert"]["success"] is True


# ------------------------------------------------------------------ delivery log paging


def test_delivery_log_paging_input_is_checked(server: Server) -> None:
    team = create_team(server)
    trigger_id = ok(server, CREATE_TRIGGER, {"i": encoded({
        "name": "paged", "entityName": team, "scopeType": "PROJECT", "projectName": "p", "eventType": "RUN_STATE",
        "eventFilter": STATE_FILTER, "action": {"action_type": "NO_OP"}})})["createFilterTrigger"]["trigger"]["id"]
    set_state(server, team, "p", "r1", "running", "failed")
    refused(server, DELIVERIES, {"id": trigger_id, "status": "BOGUS"}, BAD, "status", "BOGUS")
    refused(server, DELIVERIES, {"id": trigger_id, "first": 5000}, BAD, "first", "1000")
    refused(server, DELIVERIES, {"id": trigger_id, "first": -1}, BAD, "first")
    refused(server, DELIVERIES, {"id": trigger_id, "after": "not-a-cursor"}, BAD, "cursor")
    refused(server, TRIGGERS.replace("first: 1000", "first: 5000"), {"e": team}, BAD, "first", "1000")
    assert len(deliveries_of(server, trigger_id)) == 1
    assert ok(server, DELIVERIES, {"id": trigger_id, "status": "SUCCEEDED", "first": 1000})["trigger"]["deliveries"][
        "edges"][0]["node"]["status"] == "SUCCEEDED"

    api = wandb.Api(overrides={"base_url": server.url}, api_key=server.key)
    automation = api.automation("paged", entity=team)
    with pytest.raises(wandb.CommError, match="BOGUS") as bogus:
        list(automation.deliveries(status="BOGUS"))
    assert bogus.value.code == BAD
    assert [d.status for d in automation.deliveries(status="SUCCEEDED")] == ["SUCCEEDED"]

