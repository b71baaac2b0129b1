"""Artifact automations on one database, without a server: which scopes an artifact event reaches, event
filters, the payload variables and default messages, and that one broken automation spares the others."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import MigratedDatabases
from runbase_server import users
from runbase_server.artifacts import collections, registries, versions
from runbase_server.auth import Viewer
from runbase_server.automations import automations, engine, integrations, payloads
from runbase_server.database import Database
from runbase_server.errors import UserError
from runbase_server.settings import SESSION_KEY, ServerSettings
from runbase_server.tables import (
    Artifact,
    ArtifactAlias,
    ArtifactCollection,
    ArtifactMembership,
    ArtifactType,
    Delivery,
    Project,
)
from sqlalchemy import select
from sqlalchemy.orm import Session


@dataclass
class World:
    db: Database
    viewer: Viewer
    hook_id: str
    sequence: int  # collection ids
    portfolio: int
    other_portfolio: int
    versions: list[int]  # artifact ids: v0 (accuracy 0.8), v1 (0.95)


def _collection(session: Session, project: Project, name: str, kind: str) -> ArtifactCollection:
    type_ = session.scalar(select(ArtifactType).where(ArtifactType.project_id == project.id))
    if type_ is None:
        type_ = ArtifactType(project_id=project.id, name="model")
        session.add(type_)
        session.flush()
    collection = ArtifactCollection(project_id=project.id, type_id=type_.id, name=name, kind=kind, tags=[])
    session.add(collection)
    session.flush()
    return collection


@pytest.fixture
def world(tmp_path: Path, migrated: MigratedDatabases) -> Iterator[World]:
    settings = ServerSettings(public_url="http://runbase.example", data_dir=tmp_path)  # its secret key goes there
    db = Database(migrated.url("sqlite", tmp_path), info={SESSION_KEY: settings})
    with db.session() as session:
        user = users.create_user(session, "alice", admin=True)
        viewer = Viewer(user_id=user.id, username="alice", admin=True)
        hook = integrations.create_webhook(session, viewer, "alice", "ci", url="https://ci.example/hook", secret=None,
                                           access_token=None)
        registry = registries.create(session, viewer, None, "model", visibility="organization", description=None,
                                     artifact_types=None)
        training = Project(entity_id=registry.project.entity_id, name="training")
        session.add(training)
        session.flush()
        sequence = _collection(session, training, "clf", "SEQUENCE")
        portfolio = _collection(session, registry.project, "classifier", "PORTFOLIO")
        other = _collection(session, registry.project, "detector", "PORTFOLIO")
        versions = []
        for index, accuracy in enumerate([0.8, 0.95]):
            artifact = Artifact(collection_id=sequence.id, type_id=sequence.type_id, state="COMMITTED",
                                digest=f"{index:064x}", meta={"accuracy": accuracy, "arch": {"depth": 50}},
                                tags=["baseline"] if index == 0 else ["candidate"], user_id=user.id, size=10)
            session.add(artifact)
            session.flush()
            session.add_all([ArtifactMembership(collection_id=sequence.id, artifact_id=artifact.id,
                                                version_index=index),
                             ArtifactMembership(collection_id=portfolio.id, artifact_id=artifact.id,
                                                version_index=index)])
            versions.append(artifact.id)
        session.add(ArtifactAlias(collection_id=portfolio.id, alias="latest", artifact_id=versions[1]))
        found = World(db, viewer, str(hook.id), sequence.id, portfolio.id, other.id, versions)
    yield found
    db.dispose()


def automation(world: World, name: str, scope: dict[str, Any], event_type: str = "LINK_ARTIFACT",
               version_filter: dict[str, Any] | None = None, payload: Any = None, enabled: bool = True) -> int:
    action: dict[str, Any] = {"action_type": "GENERIC_WEBHOOK", "integration_id": world.hook_id}
    if payload is not None:
        action["request_payload"] = payload
    with world.db.session() as session:
        return automations.create(session, world.viewer, {
            "name": name, "entity_name": "alice", "event_type": event_type, "enabled": enabled,
            "event_filter": json.dumps({"filter": version_filter or {}}), "action": json.dumps(action),
            **scope}).id


def happen(world: World, event_type: str, version: int, collection_id: int | None = None,
           alias: str | None = None) -> dict[str, Any]:
    """Raise the event; the payloads each automation got, by automation name."""
    with world.db.session() as session:
        before = session.scalar(select(Delivery.id).order_by(Delivery.id.desc()).limit(1)) or 0
        engine.on_artifact(session, event_type, session.get(Artifact, world.versions[version]),
                           session.get(ArtifactCollection, collection_id or world.portfolio), alias=alias)
        fired = session.scalars(select(Delivery).where(Delivery.id > before)).all()
        return {delivery.trigger.name: delivery.payload for delivery in fired}


def in_collection(name: str, project: str = "runbase-registry-model") -> dict[str, Any]:
    return {"scope_type": "ARTIFACT_COLLECTION", "project_name": project, "scope_name": name}


def test_an_event_reaches_the_scopes_that_hold_its_collection(world: World) -> None:
    automation(world, "the-collection", in_collection("classifier"))
    automation(world, "the-collection-by-wandb-name", in_collection("classifier", "wandb-registry-model"))
    automation(world, "the-registry", {"scope_type": "REGISTRY", "scope_name": "model"})
    automation(world, "the-registry-as-a-project", {"scope_type": "PROJECT", "project_name": "wandb-registry-model"})
    automation(world, "another-collection", in_collection("detector"))
    automation(world, "the-source-project", {"scope_type": "PROJECT", "project_name": "training"})
    automation(world, "disabled", in_collection("classifier"), enabled=False)
    automation(world, "another-event", in_collection("classifier"), event_type="ADD_ARTIFACT_ALIAS")
    assert set(happen(world, "LINK_ARTIFACT", 1)) == {"the-collection", "the-collection-by-wandb-name",
                                                      "the-registry", "the-registry-as-a-project"}
    assert set(happen(world, "LINK_ARTIFACT", 1, world.other_portfolio)) == {
        "another-collection", "the-registry", "the-registry-as-a-project"}


def test_create_artifact_is_scoped_to_a_collection(world: World) -> None:
    automation(world, "created", in_collection("clf", "training"), event_type="CREATE_ARTIFACT")
    assert set(happen(world, "CREATE_ARTIFACT", 0, world.sequence)) == {"created"}
    for scope in ({"scope_type": "PROJECT", "project_name": "training"},
                  {"scope_type": "REGISTRY", "scope_name": "model"}):
        with pytest.raises(UserError, match="CREATE_ARTIFACT automations are scoped to an artifact collection"):
            automation(world, "nope", scope, event_type="CREATE_ARTIFACT")


def test_run_events_stay_in_projects(world: World) -> None:
    with world.db.session() as session, pytest.raises(UserError, match="RUN_STATE automations are scoped to a "
                                                                       "project, not REGISTRY"):
        automations.create(session, world.viewer, {
            "name": "x", "entity_name": "alice", "scope_type": "REGISTRY", "scope_name": "model",
            "event_type": "RUN_STATE", "event_filter": json.dumps({"states": ["failed"]}),
            "action": json.dumps({"action_type": "NO_OP"})})


def test_filters_judge_the_version_in_the_collection(world: World) -> None:
    automation(world, "accurate", in_collection("classifier"), version_filter={"metadata.accuracy": {"$gte": 0.9}})
    automation(world, "latest", in_collection("classifier"), version_filter={"alias": "latest"})
    automation(world, "tagged", in_collection("classifier"), version_filter={"tag": "baseline"})
    assert set(happen(world, "LINK_ARTIFACT", 0)) == {"tagged"}
    assert set(happen(world, "LINK_ARTIFACT", 1)) == {"accurate", "latest"}


def test_an_alias_event_filters_on_the_alias_added(world: World) -> None:
    automation(world, "to-production", in_collection("classifier"), "ADD_ARTIFACT_ALIAS",
               {"alias": {"$regex": "^prod"}})
    assert happen(world, "ADD_ARTIFACT_ALIAS", 1, alias="staging") == {}
    assert set(happen(world, "ADD_ARTIFACT_ALIAS", 1, alias="production")) == {"to-production"}
    assert set(happen(world, "ADD_ARTIFACT_ALIAS", 0, alias="prod-eu")) == {"to-production"}


def test_payload_variables(world: World) -> None:
    automation(world, "deploy", in_collection("classifier"), "ADD_ARTIFACT_ALIAS", payload={
        "event": "${event_type}", "by": "${event_author}", "where": "${entity_name}/${project_name}",
        "version": "${artifact_version}", "path": "${artifact_version_string}",
        "collection": "${artifact_collection_name}", "accuracy": "${artifact_metadata.accuracy}",
        "depth": "${artifact_metadata.arch.depth}", "missing": "${artifact_metadata.nope}",
        "text": "${alias}: ${artifact_version_string} (accuracy ${artifact_metadata.accuracy})",
        "metadata": "${artifact_metadata}"})
    [payload] = happen(world, "ADD_ARTIFACT_ALIAS", 1, alias="production").values()
    version = payload.pop("version")
    assert payload == {
        "event": "ADD_ARTIFACT_ALIAS", "by": "alice", "where": "alice/runbase-registry-model",
        "path": "alice/runbase-registry-model/classifier:v1", "collection": "classifier", "accuracy": 0.95,
        "depth": 50, "missing": None, "text": "production: alice/runbase-registry-model/classifier:v1 (accuracy 0.95)",
        "metadata": {"accuracy": 0.95, "arch": {"depth": 50}}}
    assert version.pop("created_at")
    assert version == {
        "id": str(world.versions[1]), "name": "classifier:v1", "version": "v1", "collection": "classifier",
        "type": "model", "digest": f"{1:064x}", "aliases": ["latest"], "tags": ["candidate"],
        "metadata": {"accuracy": 0.95, "arch": {"depth": 50}}, "description": None, "size": 10,
        "url": "http://runbase.example/alice/runbase-registry-model/artifacts/model/classifier/v1"}


def test_default_payloads_and_slack_messages(world: World) -> None:
    automation(world, "default", in_collection("classifier"))
    [payload] = happen(world, "LINK_ARTIFACT", 0).values()
    assert set(payload) == set(payloads.VARIABLES["LINK_ARTIFACT"])
    assert payload["artifact_version_string"] == "alice/runbase-registry-model/classifier:v0"
    values = engine.artifact_values
    with world.db.session() as session:
        artifact = session.get(Artifact, world.versions[0])
        for event_type, collection_id, words in [
                ("CREATE_ARTIFACT", world.sequence, ("New model version", "alice/training/clf:v0")),
                ("LINK_ARTIFACT", world.portfolio, ("linked into alice/runbase-registry-model/classifier",)),
                ("ADD_ARTIFACT_ALIAS", world.portfolio, ("Alias production added to",
                                                         "alice/runbase-registry-model/classifier:v0"))]:
            collection = session.get(ArtifactCollection, collection_id)
            alias = "production" if event_type == "ADD_ARTIFACT_ALIAS" else None
            message = payloads.slack_message("", "", "INFO", values(session, event_type, artifact, collection,
                                                                         alias=alias))
            for word in words:
                assert word in message["text"]


@pytest.mark.parametrize(("template", "event_type", "refused"), [
    ({"a": "${alias}"}, "LINK_ARTIFACT", "${alias}"),
    ({"a": "${alias}"}, "ADD_ARTIFACT_ALIAS", None),
    ({"m": "${artifact_metadata.lr.value}"}, "CREATE_ARTIFACT", None),
    ({"m": "${artifact_metadata.}"}, "CREATE_ARTIFACT", "${artifact_metadata.}"),
    ({"m": "${artifact_version.id}"}, "CREATE_ARTIFACT", "${artifact_version.id}"),
    ({"m": "${artifact_metadata.lr}"}, "RUN_STATE", "${artifact_metadata.lr}"),
    ({"r": "${run_name}"}, "LINK_ARTIFACT", "${run_name}"),
])
def test_payload_templates_are_checked_per_event(template: Any, event_type: str, refused: str | None) -> None:
    if refused is None:
        payloads.check(template, event_type, "request_payload")
        return
    with pytest.raises(UserError, match=f"uses \\{refused}"):
        payloads.check(template, event_type, "request_payload")


def test_a_broken_automation_spares_the_others(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    automation(world, "broken", in_collection("classifier"))  # evaluated first: automations go in id order
    automation(world, "fine", in_collection("classifier"))
    judge, calls = engine.artifact_matches, []

    def flaky(session: Session, artifact: Artifact, collection: ArtifactCollection, version_filter: dict[str, Any],
              *, alias: str | None) -> bool:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("a bug in evaluating the first automation")
        return judge(session, artifact, collection, version_filter, alias=alias)

    monkeypatch.setattr(engine, "artifact_matches", flaky)
    assert set(happen(world, "LINK_ARTIFACT", 1)) == {"fine"}


def test_scopes_follow_a_renamed_registry(world: World) -> None:
    scoped = automation(world, "registry", {"scope_type": "REGISTRY", "scope_name": "model"})
    automation(world, "collection", in_collection("classifier"))
    with world.db.session() as session:
        registry = registries.find(session, world.viewer, "model", None)
        registries.update(session, world.viewer, registry.project_id, "models", description=None, visibility=None,
                          artifact_types=None, allow_all_types=None)
    with world.db.session() as session:
        assert automations.readable(session, world.viewer, scoped).scope_name == "models"
    assert set(happen(world, "LINK_ARTIFACT", 1)) == {"registry", "collection"}


def test_scopes_follow_a_renamed_collection(world: World) -> None:
    scoped = automation(world, "collection", in_collection("classifier"))
    with world.db.session() as session:
        collections.update(session, world.viewer, world.portfolio, "classifier-v2", description=None, tags=None,
                           type_name=None)
    with world.db.session() as session:
        assert automations.readable(session, world.viewer, scoped).scope_name == "classifier-v2"
    assert set(happen(world, "LINK_ARTIFACT", 1)) == {"collection"}


def test_a_link_is_announced_with_the_aliases_it_gave(world: World) -> None:
    """The link's own event comes first and sees the aliases given with the link; then one event per alias. Their
    author is who linked, not who logged the version."""
    automation(world, "linked-to-production", in_collection("detector"), version_filter={"alias": "production"})
    automation(world, "aliased", in_collection("detector"), "ADD_ARTIFACT_ALIAS",
               payload={"alias": "${alias}", "by": "${event_author}"})
    with world.db.session() as session:
        bob = users.create_user(session, "bob", admin=True)
        versions.link(session, Viewer(user_id=bob.id, username="bob", admin=True), world.versions[0], "alice",
                      project_name="wandb-registry-model", collection_name="detector",
                      aliases=["production", "candidate"])
        fired = session.scalars(select(Delivery).order_by(Delivery.id)).all()
        assert [(d.event_type, d.payload.get("alias")) for d in fired] == [
            ("LINK_ARTIFACT", None), ("ADD_ARTIFACT_ALIAS", "production"), ("ADD_ARTIFACT_ALIAS", "candidate")]
        assert fired[0].payload["artifact_version"]["aliases"] == ["candidate", "latest", "production"]
        assert [d.payload["event_author"] if d.event_type == "LINK_ARTIFACT" else d.payload["by"]
                for d in fired] == ["bob"] * 3


def test_metadata_that_json_cannot_carry_reaches_webhooks_as_text(world: World) -> None:
    automation(world, "deploy", in_collection("classifier"), payload={"m": "${artifact_metadata}",
                                                                      "loss": "${artifact_metadata.loss}"})
    with world.db.session() as session:
        session.get(Artifact, world.versions[1]).meta = {"loss": math.nan, "range": [-math.inf, math.inf]}
    [payload] = happen(world, "LINK_ARTIFACT", 1).values()
    assert payload == {"m": {"loss": "NaN", "range": ["-Infinity", "Infinity"]}, "loss": "NaN"}
    json.dumps(payload, allow_nan=False)  # what a webhook receiver can parse
