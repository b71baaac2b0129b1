"""Issue 10, item 5, against real servers (SQLite and PostgreSQL): Public API objects passed as an automation's
scope are saved as the scope they are (an ArtifactCollection, a registry's too, as a collection scope; a
Registry as a registry scope), not as a project spelled from their `.entity` and `.name`, and the automations
fire on a local webhook receiver. A run or an artifact version is no scope: a clear error, nothing saved."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import Server
from receivers import RecordedRequest, WebhookReceiver

import runbase as wandb
from runbase.automations import (
    ArtifactCollectionScope,
    OnAddArtifactAlias,
    OnCreateArtifact,
    OnLinkArtifact,
    RegistryScope,
    SendWebhook,
)

pytestmark = pytest.mark.slow

PAYLOAD = {"which": "${event_type}", "path": "${artifact_version_string}"}


@pytest.fixture
def hook() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


def log_model(server: Server, root: Path, project: str, contents: str) -> wandb.Artifact:
    """A version of model "clf" in `project`, as a reference (no upload needed)."""
    settings = wandb.Settings(api_key=server.key, base_url=server.url, root_dir=str(root), quiet=True)
    with wandb.init(project=project, settings=settings) as run:
        artifact = wandb.Artifact("clf", "model")
        artifact.add_reference(f"s3://models/{contents}.pt?versionId={contents}", checksum=False)
        return run.log_artifact(artifact).wait()


def fired(hook: WebhookReceiver, event_type: str) -> dict[str, Any]:
    """The one request the automation sent, then a clean receiver for the next one."""
    requests: list[RecordedRequest] = hook.wait_for(1, timeout=20)
    assert [request.json["which"] for request in requests] == [event_type], [r.json for r in requests]
    hook.clear()
    return requests[0].json


def test_collection_and_registry_objects_are_scopes_that_fire(server: Server, tmp_path: Path,
                                                              hook: WebhookReceiver) -> None:
    api = wandb.Api(overrides={"base_url": server.url}, api_key=server.key)
    tag = uuid.uuid4().hex[:8]
    project, portfolio = f"scoped-{tag}", f"classifier-{tag}"
    integration = api.create_webhook_integration("admin", f"hook-{tag}", hook.url)
    registry = api.create_registry(f"reg-{tag}", "organization", artifact_types=["model"])
    log_model(server, tmp_path, project, "weights-0")  # a collection scope must exist
    collection = api.artifact_collection("model", f"{project}/clf")

    def save(event: Any) -> Any:
        payload = {**PAYLOAD, "alias": "${alias}"} if isinstance(event, OnAddArtifactAlias) else PAYLOAD
        return api.create_automation(event >> SendWebhook.from_integration(integration, payload=payload),
                                     name=f"{type(event).__name__}-{uuid.uuid4().hex[:6]}")

    on_create = save(OnCreateArtifact(scope=collection))
    assert on_create.scope == ArtifactCollectionScope(entity_name="admin", project_name=project,
                                                      collection_name="clf")
    on_link = save(OnLinkArtifact(scope=registry))
    assert on_link.scope == RegistryScope(entity_name="admin", registry_name=f"reg-{tag}")
    assert api.automation(on_link.name).scope == on_link.scope  # read back from the server as saved

    v1 = log_model(server, tmp_path, project, "weights-1")
    assert fired(hook, "CREATE_ARTIFACT")["path"] == f"admin/{project}/clf:v1"
    linked = v1.link(f"wandb-registry-reg-{tag}/{portfolio}")
    assert fired(hook, "LINK_ARTIFACT")["path"].endswith(f"/{portfolio}:v0")

    # A registry's collection, as Registry.collections() yields it, scopes the alias automation.
    [registry_collection] = [c for c in registry.collections() if c.name == portfolio]
    on_alias = save(OnAddArtifactAlias(scope=registry_collection, filter={"alias": "production"}))
    assert on_alias.scope == ArtifactCollectionScope(entity_name="admin", project_name=registry_collection.project,
                                                     collection_name=portfolio)
    linked.aliases.append("production")
    linked.save()
    request = fired(hook, "ADD_ARTIFACT_ALIAS")
    assert request["alias"] == "production" and request["path"].endswith(f"/{portfolio}:v0")

    # A run or a version is no scope: refused before anything is sent.
    saved = len(list(api.automations(entity="admin")))
    run = api.run(f"admin/{project}/{v1.logged_by().id}")
    for not_a_scope in (run, v1):
        with pytest.raises(ValueError, match="is not a scope"):
            OnLinkArtifact(scope=not_a_scope)
    assert len(list(api.automations(entity="admin"))) == saved
