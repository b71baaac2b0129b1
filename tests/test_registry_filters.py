"""Mongo-style filters over registries, artifact collections and versions (runbase_server.filters), on
SQLite and PostgreSQL: the reference's fields, aliases seen through one collection, the alias an event
is about, clear refusals, and a differential check of the alias field against mongomock."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import mongomock.filtering as mf
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from runbase_server import database
from runbase_server.errors import UserError
from runbase_server.filters import collection_filter, registry_filter, version_filter
from runbase_server.tables import (
    Artifact,
    ArtifactAlias,
    ArtifactCollection,
    ArtifactMembership,
    ArtifactType,
    Entity,
    Project,
    Registry,
)

from filter_documents import oracle_filter, oracle_value, patched_mongomock, patterns

T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
EXAMPLES = int(os.environ.get("RUNBASE_FILTER_EXAMPLES", "60"))


@dataclass
class Db:
    engine: sa.Engine
    dialect: str
    sequence: int  # collection ids
    portfolio: int
    scratch: int  # a portfolio the differential test refills

    def registries(self, filters: dict | None) -> set[str]:
        query = (sa.select(Project.name).select_from(Registry).join(Project, Project.id == Registry.project_id)
                 .where(registry_filter(filters, self.dialect)))
        return self._names(query)

    def collections(self, filters: dict | None) -> set[str]:
        query = sa.select(ArtifactCollection.name).where(ArtifactCollection.kind == "PORTFOLIO",
                                                         ArtifactCollection.id != self.scratch,
                                                         collection_filter(filters, self.dialect))
        return self._names(query)

    def versions(self, filters: dict | None, collection_id: int | None = None, alias: str | None = None) -> set[str]:
        """Descriptions of the versions in the collection (the portfolio by default) that match."""
        through = self.portfolio if collection_id is None else collection_id
        query = (sa.select(Artifact.description)
                 .join(ArtifactMembership, ArtifactMembership.artifact_id == Artifact.id)
                 .where(ArtifactMembership.collection_id == through,
                        version_filter(filters, self.dialect, collection_id=through, alias=alias)))
        return self._names(query)

    def _names(self, query: sa.Select) -> set[str]:
        with self.engine.connect() as connection:
            return set(connection.scalars(query))


def _registry(session: Session, entity: Entity, name: str, description: str | None, created: datetime,
              updated: datetime | None) -> Project:
    project = Project(entity_id=entity.id, name="runbase-registry-" + name, description=description,
                      created_at=created)
    session.add(project)
    session.flush()
    session.add(Registry(project_id=project.id, visibility="organization", updated_at=updated))
    return project


def _collection(session: Session, project: Project, type_: ArtifactType, name: str, kind: str, tags: list[str],
                description: str | None = None, created: datetime = T0) -> ArtifactCollection:
    collection = ArtifactCollection(project_id=project.id, type_id=type_.id, name=name, kind=kind, tags=tags,
                                    description=description, created_at=created)
    session.add(collection)
    session.flush()
    return collection


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Db]:
    if request.param == "sqlite":
        engine = database.make_engine(f"sqlite:///{tmp_path_factory.mktemp('registry-filters') / 'runbase.db'}")
    else:
        engine = sa.create_engine(request.getfixturevalue("postgres").create())
    database.upgrade(engine)
    with Session(engine) as session, session.begin():
        org = Entity(name="org", is_team=True)
        session.add(org)
        session.flush()
        model = _registry(session, org, "model", "Production models", T0, T0 + timedelta(hours=1))
        _registry(session, org, "model-archive", "old models", T0 + timedelta(hours=2), None)
        _registry(session, org, "dataset", None, T0 + timedelta(days=1), None)
        training = Project(entity_id=org.id, name="training")
        session.add(training)
        session.flush()
        model_type = ArtifactType(project_id=model.id, name="model")
        seq_type = ArtifactType(project_id=training.id, name="model")
        session.add_all([model_type, seq_type])
        session.flush()
        sequence = _collection(session, training, seq_type, "clf-seq", "SEQUENCE", [])
        portfolio = _collection(session, model, model_type, "classifier", "PORTFOLIO", ["prod", "vision"],
                                "image classifier")
        _collection(session, model, model_type, "detector", "PORTFOLIO", [], created=T0 + timedelta(days=2))
        _collection(session, model, model_type, "ranker", "PORTFOLIO", ["prod"])
        scratch = _collection(session, model, model_type, "scratch", "PORTFOLIO", [])
        versions = []
        for i, (meta, tags) in enumerate([({"accuracy": 0.8, "arch": {"depth": 50}}, ["baseline"]),
                                          ({"accuracy": 0.95, "framework": "torch"}, ["prod"]), ({}, [])]):
            artifact = Artifact(collection_id=sequence.id, type_id=seq_type.id, state="COMMITTED", digest=f"d{i}",
                                description=f"a{i}", meta=meta, tags=tags, created_at=T0 + timedelta(minutes=i),
                                updated_at=T0 + timedelta(hours=1) if i == 1 else None)
            session.add(artifact)
            session.flush()
            session.add(ArtifactMembership(collection_id=sequence.id, artifact_id=artifact.id, version_index=i))
            versions.append(artifact)
        a0, a1, a2 = versions
        session.add_all([
            ArtifactMembership(collection_id=portfolio.id, artifact_id=a1.id, version_index=0),
            ArtifactMembership(collection_id=portfolio.id, artifact_id=a2.id, version_index=1),
            ArtifactAlias(collection_id=sequence.id, alias="latest", artifact_id=a2.id),
            ArtifactAlias(collection_id=sequence.id, alias="best", artifact_id=a1.id),
            ArtifactAlias(collection_id=portfolio.id, alias="production", artifact_id=a1.id),
            ArtifactAlias(collection_id=portfolio.id, alias="latest", artifact_id=a2.id),
            ArtifactAlias(collection_id=portfolio.id, alias="staging", artifact_id=a2.id),
        ])
        found = Db(engine, request.param, sequence.id, portfolio.id, scratch.id)
    yield found
    engine.dispose()


# ------------------------------------------------------------------ registries

@pytest.mark.parametrize(("filters", "expected"), [
    (None, {"model", "model-archive", "dataset"}),
    ({"name": "model"}, {"model"}),  # the name without the prefix
    ({"name": {"$regex": "model"}}, {"model", "model-archive"}),  # the reference's example
    ({"name": {"$regex": "^runbase"}}, set()),
    ({"description": {"$regex": "^production", "$options": "i"}}, {"model"}),
    ({"description": None}, {"dataset"}),
    ({"created_at": {"$gte": "2024-05-01T13:00:00Z"}}, {"model-archive", "dataset"}),
    ({"createdAt": {"$lt": "2024-05-01T12:30:00"}}, {"model"}),
    ({"updated_at": {"$exists": True}}, {"model"}),
    ({"$or": [{"name": "dataset"}, {"description": {"$contains": "old"}}]}, {"dataset", "model-archive"}),
])
def test_registry_fields(db: Db, filters: dict | None, expected: set[str]) -> None:
    assert db.registries(filters) == {"runbase-registry-" + name for name in expected}


# ------------------------------------------------------------------ collections

@pytest.mark.parametrize(("filters", "expected"), [
    (None, {"classifier", "detector", "ranker"}),
    ({"tag": "prod"}, {"classifier", "ranker"}),  # an element of the tags
    ({"name": "classifier", "tag": "prod"}, {"classifier"}),  # the reference's example
    ({"tag": {"$in": ["vision", "nlp"]}}, {"classifier"}),
    ({"tag": {"$all": ["prod", "vision"]}}, {"classifier"}),
    ({"tag": {"$size": 0}}, {"detector"}),
    ({"tag": {"$ne": "prod"}}, {"detector"}),
    ({"tags": ["prod"]}, {"ranker"}),
    ({"description": {"$regex": "classifier"}}, {"classifier"}),
    ({"description": {"$exists": False}}, {"detector", "ranker"}),
    ({"created_at": {"$gt": "2024-05-02T00:00:00Z"}}, {"detector"}),
    ({"name": {"$regex": "er$"}}, {"classifier", "ranker"}),
    ({"$nor": [{"name": "ranker"}, {"tag": "vision"}]}, {"detector"}),
])
def test_collection_fields(db: Db, filters: dict | None, expected: set[str]) -> None:
    assert db.collections(filters) == expected


# ------------------------------------------------------------------ versions

@pytest.mark.parametrize(("filters", "expected"), [
    (None, {"a1", "a2"}),
    ({"alias": "production"}, {"a1"}),
    ({"alias": "best"}, set()),  # an alias of the sequence, not of this collection
    ({"alias": "latest"}, {"a2"}),
    ({"alias": {"$regex": "^stag"}}, {"a2"}),
    ({"alias": {"$ne": "latest"}}, {"a1"}),
    ({"alias": {"$nin": ["production", "staging"]}}, set()),
    ({"alias": {"$size": 2}}, {"a2"}),
    ({"alias": ["staging", "latest"]}, {"a2"}),  # a version's aliases have no order
    ({"alias": ["staging"]}, set()),
    ({"alias": {"$all": ["latest", "staging"]}}, {"a2"}),
    ({"alias": {"$exists": False}}, set()),
    ({"alias": {"$contains": "production"}}, {"a1"}),
    ({"$or": [{"tag": "prod"}, {"alias": "staging"}]}, {"a1", "a2"}),  # the reference's example
    ({"tag": "prod"}, {"a1"}),
    ({"tag": {"$exists": True}, "tag.x": 1}, "unknown"),
    ({"metadata.accuracy": {"$gte": 0.9}}, {"a1"}),
    ({"metadata.framework": "torch"}, {"a1"}),
    ({"metadata.accuracy": {"$exists": False}}, {"a2"}),
    ({"metadata": {}}, {"a2"}),
    ({"version": "v1"}, {"a2"}),  # its index in this collection
    ({"version": {"$in": ["v0", "v7"]}}, {"a1"}),
    ({"updated_at": {"$exists": True}}, {"a1"}),
    ({"created_at": {"$gte": "2024-05-01T12:02:00Z"}}, {"a2"}),
])
def test_version_fields_through_a_portfolio(db: Db, filters: dict | None, expected: Any) -> None:
    if expected == "unknown":
        with pytest.raises(UserError, match="unknown field 'tag.x'"):
            db.versions(filters)
        return
    assert db.versions(filters) == expected


def test_version_fields_through_the_sequence(db: Db) -> None:
    assert db.versions({"alias": "best"}, db.sequence) == {"a1"}
    assert db.versions({"alias": "production"}, db.sequence) == set()
    assert db.versions({"version": "v1"}, db.sequence) == {"a1"}
    assert db.versions({"metadata.arch.depth": 50}, db.sequence) == {"a0"}
    assert db.versions({"metadata.arch": {"depth": 50}}, db.sequence) == {"a0"}
    assert db.versions({"alias": {"$size": 0}}, db.sequence) == {"a0"}
    assert db.versions({"alias": []}, db.sequence) == {"a0"}


def test_an_events_alias_replaces_the_alias_field(db: Db) -> None:
    """An alias-added event asks about the alias added, not every alias the version holds."""
    assert db.versions({"alias": {"$regex": "^prod"}}, alias="production") == {"a1", "a2"}
    assert db.versions({"alias": {"$regex": "^prod"}}, alias="staging") == set()
    assert db.versions({"alias": "staging", "tag": "prod"}, alias="staging") == {"a1"}
    assert db.versions({"alias": {"$in": ["a", "staging"]}}, alias="staging") == {"a1", "a2"}


@pytest.mark.parametrize(("translate", "field"), [
    (registry_filter, "tag"), (collection_filter, "alias"), (version_filter, "name"), (version_filter, "colour"),
])
def test_unknown_fields_name_the_known_ones(db: Db, translate: Any, field: str) -> None:
    with pytest.raises(UserError, match=f"unknown field {field!r}; filter on") as refused:
        translate({field: 1}, db.dialect)
    assert "created_at" in str(refused.value)


@pytest.mark.parametrize(("filters", "words"), [
    ({"alias": {"$like": "prod"}}, ("$like",)),
    ({"$xor": []}, ("$xor",)),
    ({"metadata.": 1}, ("empty key",)),
    ({"alias": {"$regex": "(a+)+"}}, ("nested quantifiers",)),
    ({"alias": {"$size": -1}}, ("$size",)),
    ("[]", ("JSON object",)),
])
def test_bad_filters_are_refused_clearly(db: Db, filters: Any, words: tuple[str, ...]) -> None:
    with pytest.raises(UserError) as refused:
        version_filter(filters, db.dialect)
    for word in words:
        assert word in str(refused.value)


# ------------------------------------------------------------------ aliases against mongomock

ALIASES = ["latest", "prod", "production", "staging", "a", "A", "é"]


@st.composite
def alias_sets(draw: Any) -> list[list[str]]:
    """The aliases of 1-5 versions in one collection, where an alias names at most one version."""
    count = draw(st.integers(1, 5))
    holders = draw(st.lists(st.integers(-1, count - 1), min_size=len(ALIASES), max_size=len(ALIASES)))
    return [[alias for alias, holder in zip(ALIASES, holders) if holder == index] for index in range(count)]


operands = st.one_of(st.sampled_from(ALIASES), st.sampled_from(["zz", "", None, 1, True, {"a": 1}]))


@st.composite
def alias_conditions(draw: Any, depth: int = 0) -> Any:
    """Conditions on `alias` with scalar operands (whole-list equality is unordered here, ordered in MongoDB)."""
    if depth == 0 and draw(st.integers(0, 3)) == 0:
        return draw(operands)
    doc: dict[str, Any] = {}
    for op in draw(st.lists(st.sampled_from(["$eq", "$ne", "$gt", "$lte", "$in", "$nin", "$all", "$exists",
                                             "$regex", "$contains", "$size", "$not"]),
                            min_size=1, max_size=2, unique=True)):
        if op in ("$eq", "$ne", "$contains"):
            doc[op] = draw(operands)
        elif op in ("$gt", "$lte"):
            doc[op] = draw(st.sampled_from(ALIASES + ["m", None, 1]))
        elif op in ("$in", "$nin", "$all"):
            doc[op] = draw(st.lists(operands, max_size=3))
        elif op == "$exists":
            doc[op] = draw(st.booleans())
        elif op == "$regex":
            doc[op] = draw(patterns())
        elif op == "$size":
            doc[op] = draw(st.integers(0, 3))
        elif op == "$not" and depth == 0:
            doc[op] = draw(alias_conditions(depth + 1).filter(lambda c: isinstance(c, dict)))
    return doc or {"$exists": True}


alias_filters = st.recursive(
    st.builds(lambda cond: {"alias": cond}, alias_conditions()),
    lambda inner: st.builds(lambda op, items: {op: items}, st.sampled_from(["$and", "$or", "$nor"]),
                            st.lists(inner, min_size=1, max_size=3)),
    max_leaves=4)


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sets=alias_sets(), queries=st.lists(alias_filters, min_size=1, max_size=4))
def test_alias_matches_as_mongomock(db: Db, sets: list[list[str]], queries: list[dict[str, Any]]) -> None:
    with Session(db.engine) as session, session.begin():
        session.execute(sa.delete(ArtifactAlias).where(ArtifactAlias.collection_id == db.scratch))
        session.execute(sa.delete(ArtifactMembership).where(ArtifactMembership.collection_id == db.scratch))
        versions = list(session.scalars(sa.select(Artifact).order_by(Artifact.id)))
        for index, aliases in enumerate(sets):
            artifact = versions[index] if index < len(versions) else None
            if artifact is None:
                artifact = Artifact(collection_id=db.sequence, type_id=versions[0].type_id, state="COMMITTED",
                                    description=f"a{index}", meta={}, tags=[])
                session.add(artifact)
                session.flush()
                versions.append(artifact)
            session.add(ArtifactMembership(collection_id=db.scratch, artifact_id=artifact.id, version_index=index))
            session.add_all([ArtifactAlias(collection_id=db.scratch, alias=alias, artifact_id=artifact.id)
                             for alias in aliases])
    docs = [{"_id": f"a{index}", "alias": oracle_value(sorted(aliases))} for index, aliases in enumerate(sets)]
    for query in queries:
        with patched_mongomock():
            expected = {doc["_id"] for doc in docs if mf.filter_applies(oracle_filter(query), doc)}
        assert db.versions(query, db.scratch) == expected, query

