"""Artifact automations end to end: a real server (SQLite and PostgreSQL), versions logged, linked into a
registry and given aliases through GraphQL, and a local webhook receiver. Each event fires its automation
exactly once, with the version's variables; events the filters exclude fire nothing."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import Server, label_names
from receivers import RecordedRequest, WebhookReceiver

pytestmark = pytest.mark.slow

VERSION = "id versionIndex aliases { alias } collection { id name }"
CREATE = "mutation($i: CreateArtifactInput!) { createArtifact(input: $i) { artifact { id } } }"
ADD = "mutation($i: AddArtifactFilesInput!) { addArtifactFiles(input: $i) { fileCount } }"
COMMIT = "mutation($i: CommitArtifactInput!) { commitArtifact(input: $i) { artifact { " + VERSION + " } } }"
LINK = "mutation($i: LinkArtifactInput!) { linkArtifact(input: $i) { artifact { " + VERSION + " } } }"
UPDATE = "mutation($i: UpdateArtifactInput!) { updateArtifact(input: $i) { artifact { " + VERSION + " } } }"
TRIGGER = "mutation($i: CreateFilterTriggerInput!) { createFilterTrigger(input: $i) { trigger { id } } }"
DELIVERIES = """query($id: ID!) { trigger(id: $id) { deliveries(first: 100) { edges { node {
    status eventType payload } } } } }"""
PAYLOAD = {"which": "${event_type}", "by": "${event_author}", "where": "${entity_name}/${project_name}",
           "path": "${artifact_version_string}", "collection": "${artifact_collection_name}",
           "version": "${artifact_version}", "accuracy": "${artifact_metadata.accuracy}"}


def ok(server: Server, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    answer = server.graphql(query, variables)
    assert "errors" not in answer, answer
    return label_names(answer["data"])  # type: ignore[no-any-return]


def log_model(server: Server, project: str, contents: str, accuracy: float) -> dict[str, Any]:
    """A model version logged as a reference (no upload needed), committed in project/clf."""
    pending = ok(server, CREATE, {"i": {"projectName": project, "artifactCollectionName": "clf", "artifactTypeName": "model",
                                        "metadata": json.dumps({"accuracy": accuracy})}})["createArtifact"]["artifact"]
    files = [{"path": "model.pt", "ref": f"s3://models/{contents}.pt", "digest": contents, "size": 1}]
    ok(server, ADD, {"i": {"artifactID": pending["id"], "files": json.dumps(files)}})
    return ok(server, COMMIT, {"i": {"artifactID": pending["id"]}})["commitArtifact"]["artifact"]


def automation(server: Server, hook_id: str, event_type: str, scope: dict[str, Any],
               version_filter: dict[str, Any] | None = None) -> str:
    payload = {**PAYLOAD, "alias": "${alias}"} if event_type == "ADD_ARTIFACT_ALIAS" else PAYLOAD
    fields = {"name": f"{event_type}-{uuid.uuid4().hex[:6]}", "entityName": "admin", "eventType": event_type,
              "eventFilter": json.dumps({"filter": version_filter or {}}), **scope,
              "action": json.dumps({"action_type": "GENERIC_WEBHOOK", "integration_id": hook_id,
                                    "request_payload": payload})}
    return ok(server, TRIGGER, {"i": fields})["createFilterTrigger"]["trigger"]["id"]


def delivered(server: Server, trigger_id: str) -> list[dict[str, Any]]:
    """The automation's deliveries once none is waiting to be sent (the firing itself was committed with the
    request that caused it)."""
    deadline = time.monotonic() + 20
    while True:
        edges = ok(server, DELIVERIES, {"id": trigger_id})["trigger"]["deliveries"]["edges"]
        found = [edge["node"] for edge in edges]
        if all(d["status"] not in ("PENDING", "SENDING") for d in found):
            return found
        assert time.monotonic() < deadline, found
        time.sleep(0.05)


@pytest.fixture
def hook() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


def received(hook: WebhookReceiver, count: int, event_type: str) -> list[RecordedRequest]:
    return [request for request in hook.wait_for(count) if request.json["which"] == event_type]


def test_link_into_a_registry_then_alias_production(server: Server, hook: WebhookReceiver) -> None:
    tag = uuid.uuid4().hex[:8]
    project, registry = f"training-{tag}", f"model-{tag}"
    hook_id = ok(server, "mutation($i: CreateGenericWebhookIntegrationInput!) { createGenericWebhookIntegration("
                         "input: $i) { integration { id } } }",
                 {"i": {"entityName": "admin", "name": f"deploy-{tag}", "urlEndpoint": hook.url}}
                 )["createGenericWebhookIntegration"]["integration"]["id"]
    ok(server, "mutation($i: CreateRegistryInput!) { createRegistry(input: $i) { registry { id } } }",
       {"i": {"name": registry, "visibility": "restricted", "artifactTypes": ["model"]}})
    v0 = log_model(server, project, "weights-0", 0.81)
    created = automation(server, hook_id, "CREATE_ARTIFACT",
                         {"scopeType": "ARTIFACT_COLLECTION", "projectName": project, "scopeName": "clf"})
    linked = automation(server, hook_id, "LINK_ARTIFACT", {"scopeType": "REGISTRY", "scopeName": registry},
                        {"metadata.accuracy": {"$gte": 0.9}})

    # A new version fires CREATE_ARTIFACT; logging the same contents again makes no version and fires nothing.
    v1 = log_model(server, project, "weights-1", 0.93)
    assert log_model(server, project, "weights-1", 0.93)["id"] == v1["id"]
    [delivery] = delivered(server, created)
    [request] = received(hook, 1, "CREATE_ARTIFACT")
    assert request.json["path"] == f"admin/{project}/clf:v1" and request.json["accuracy"] == 0.93
    hook.clear()

    # Linking into the registry: only the accurate version passes the link automation's filter.
    portfolio = f"classifier-{tag}"
    ok(server, LINK, {"i": {"artifactID": v0["id"], "projectName": f"wandb-registry-{registry}",
                            "artifactPortfolioName": portfolio}})
    link = ok(server, LINK, {"i": {"artifactID": v1["id"], "projectName": f"wandb-registry-{registry}",
                                   "artifactPortfolioName": portfolio}})["linkArtifact"]["artifact"]
    assert (link["versionIndex"], link["aliases"]) == (1, ["latest"])
    [delivery] = delivered(server, linked)
    assert delivery["eventType"] == "LINK_ARTIFACT" and delivery["status"] == "SUCCEEDED"
    [request] = received(hook, 1, "LINK_ARTIFACT")
    full = f"runbase-registry-{registry}"
    assert request.json["where"] == f"admin/{full}" and request.json["by"] == "admin"
    assert request.json["path"] == f"admin/{full}/{portfolio}:v1" and request.json["collection"] == portfolio
    version = request.json["version"]
    assert (version["id"], version["name"], version["version"], version["aliases"], version["type"]) == (
        v1["id"], f"{portfolio}:v1", "v1", ["latest"], "model")
    assert version["metadata"] == {"accuracy": 0.93}
    hook.clear()

    # The alias automation watches the registry collection, which exists now; only "production" counts.
    aliased = automation(server, hook_id, "ADD_ARTIFACT_ALIAS",
                         {"scopeType": "ARTIFACT_COLLECTION", "projectName": f"wandb-registry-{registry}",
                          "scopeName": portfolio}, {"alias": "production"})
    collection_id = link["collection"]["id"]
    for aliases in (["staging"], ["staging", "production"], ["production", "staging"]):  # the last changes nothing
        ok(server, UPDATE, {"i": {"artifactID": v1["id"], "collectionId": collection_id, "aliases": [
            {"alias": alias, "artifactCollectionName": portfolio} for alias in aliases]}})
    [delivery] = delivered(server, aliased)
    [request] = received(hook, 1, "ADD_ARTIFACT_ALIAS")
    assert request.json["alias"] == "production"
    assert request.json["path"] == f"admin/{full}/{portfolio}:v1"
    assert sorted(request.json["version"]["aliases"]) == ["latest", "production", "staging"]
    # Nothing else fired meanwhile: one request per firing, each automation once.
    time.sleep(0.3)
    assert len(hook.requests) == 1
    assert len(delivered(server, created)) == 1 and len(delivered(server, linked)) == 1
