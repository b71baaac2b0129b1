"""Registries through GraphQL against a real server, on SQLite and PostgreSQL: creating, finding, listing
with filters, updating (artifact types only grow), members, deleting, who sees a restricted registry, and
the reserved project names."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from conftest import Server, label_names

FIELDS = "id name fullName organization description visibility artifactTypes allowAllArtifactTypes createdAt updatedAt"
CREATE = ("mutation($i: CreateRegistryInput!) { createRegistry(input: $i) { registry { " + FIELDS
          + " members { username role } } } }")
UPDATE = "mutation($i: UpdateRegistryInput!) { updateRegistry(input: $i) { registry { " + FIELDS + " } } }"
DELETE = "mutation($i: DeleteRegistryInput!) { deleteRegistry(input: $i) { success } }"
ADD = ("mutation($i: RegistryMembersInput!) { addRegistryMembers(input: $i) { registry { "
       "members { username role } } } }")
REMOVE = ("mutation($i: RegistryMembersInput!) { removeRegistryMembers(input: $i) { registry { "
          "members { username role } } } }")
ONE = "query($n: String!, $o: String) { registry(name: $n, organization: $o) { " + FIELDS + " } }"
MANY = """query($o: String, $f: JSONString, $first: Int, $after: String) {
    registries(organization: $o, filters: $f, first: $first, after: $after) {
      edges { node { name } cursor } pageInfo { hasNextPage endCursor } } }"""
PROJECT = "query($e: String, $p: String!) { project(entityName: $e, name: $p) { name } }"
PROJECTS = "query($e: String) { projects(entityName: $e, first: 1000) { edges { node { name } } } }"
UPSERT_MODEL = ("mutation($e: String, $p: String!, $d: String) { upsertModel(input: {entityName: $e, name: $p, "
                "description: $d}) { project { name description } } }")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def ok(server: Server, query: str, variables: dict[str, Any] | None = None, key: str | None = None) -> dict[str, Any]:
    answer = server.graphql(query, variables, key=key)
    assert "errors" not in answer, answer
    return label_names(answer["data"])  # type: ignore[no-any-return]


def refused(server: Server, query: str, variables: dict[str, Any], code: str, *words: str,
            key: str | None = None) -> str:
    answer = server.graphql(query, variables, key=key)
    [error] = answer["errors"]
    assert error["extensions"]["code"] == code, answer
    for word in words:
        assert word.lower() in error["message"].lower(), (word, error["message"])
    return error["message"]


@dataclass
class Org:
    """A team whose admin is the instance admin, with a member, a viewer and an outsider (users of their own)."""

    name: str
    member: str
    viewer: str
    outsider: str
    keys: dict[str, str]


@pytest.fixture(scope="module")
def org(server: Server) -> Org:
    name = unique("org")
    ok(server, "mutation($t: String!) { createTeam(input: {teamName: $t}) { entity { name } } }", {"t": name})
    people = {role: unique(role) for role in ("member", "viewer", "outsider")}
    keys = {username: server.create_user(username) for username in people.values()}
    for role in ("member", "viewer"):
        ok(server, "mutation($e: String!, $u: String!, $r: String) { createInvite(input: {entityName: $e, "
                   "username: $u, role: $r}) { member { role } } }", {"e": name, "u": people[role], "r": role})
    return Org(name, people["member"], people["viewer"], people["outsider"], keys)


def create(server: Server, org: Org, name: str, visibility: str = "organization", key: str | None = None,
           **fields: Any) -> dict[str, Any]:
    return ok(server, CREATE, {"i": {"organization": org.name, "name": name, "visibility": visibility, **fields}},
              key=key)["createRegistry"]["registry"]


def find(server: Server, org: Org, name: str, key: str | None = None) -> dict[str, Any] | None:
    return ok(server, ONE, {"n": name, "o": org.name}, key=key)["registry"]


def test_create_and_find(server: Server, org: Org) -> None:
    name = unique("model")
    made = create(server, org, name, description="Production models", artifactTypes=["model", "model"])
    assert made["name"] == name and made["fullName"] == f"runbase-registry-{name}"
    assert made["organization"] == org.name and made["visibility"] == "organization"
    assert made["artifactTypes"] == ["model"] and made["allowAllArtifactTypes"] is False
    assert made["members"] == [{"username": "admin", "role": "admin"}]  # the creator
    made.pop("members")
    for spelling in (name, f"runbase-registry-{name}", f"wandb-registry-{name}"):
        assert find(server, org, spelling) == made
    assert find(server, org, unique("nothing")) is None
    assert ok(server, ONE, {"n": name, "o": unique("no-such-org")})["registry"] is None
    everything = create(server, org, unique("any"))
    assert everything["allowAllArtifactTypes"] is True and everything["artifactTypes"] == []
    # The organization defaults to the viewer's own entity.
    mine = ok(server, CREATE, {"i": {"name": unique("mine"), "visibility": "restricted"}},
              key=org.keys[org.member])["createRegistry"]["registry"]
    assert mine["organization"] == org.member


@pytest.mark.parametrize(("fields", "code", "words"), [
    ({"name": ""}, "BAD_USER_INPUT", ("registry name",)),
    ({"name": "a/b"}, "BAD_USER_INPUT", ("registry name", "a/b")),
    ({"name": "x" * 112}, "BAD_USER_INPUT", ("111",)),
    ({"visibility": "public"}, "BAD_USER_INPUT", ("visibility", "public")),
    ({"artifactTypes": []}, "BAD_USER_INPUT", ("artifactTypes",)),
    ({"artifactTypes": ["a:b"]}, "BAD_USER_INPUT", ("a:b",)),
    ({"artifactTypes": ["wandb-history"]}, "BAD_USER_INPUT", ("reserved",)),
    ({"organization": "no-such-org-anywhere"}, "NOT_FOUND", ("no-such-org-anywhere",)),
])
def test_create_refuses_bad_input(server: Server, org: Org, fields: dict[str, Any], code: str,
                                  words: tuple[str, ...]) -> None:
    refused(server, CREATE, {"i": {"organization": org.name, "name": unique("r"), "visibility": "organization",
                                   **fields}}, code, *words)


def test_create_needs_a_writer_and_a_free_name(server: Server, org: Org) -> None:
    name = unique("taken")
    create(server, org, name)
    refused(server, CREATE, {"i": {"organization": org.name, "name": name, "visibility": "restricted"}},
            "CONFLICT", name)
    refused(server, CREATE, {"i": {"organization": org.name, "name": f"wandb-registry-{name}",
                                   "visibility": "restricted"}}, "CONFLICT", name)
    for who in (org.viewer, org.outsider):
        refused(server, CREATE, {"i": {"organization": org.name, "name": unique("r"), "visibility": "restricted"}},
                "FORBIDDEN", who, key=org.keys[who])


def test_list_with_filters_and_pages(server: Server, org: Org) -> None:
    tag = uuid.uuid4().hex[:6]
    names = [create(server, org, f"{tag}-{suffix}", description=f"{suffix} things")["name"]
             for suffix in ("models", "datasets", "evals")]

    def listed(filters: str | None, **page: Any) -> list[str]:
        data = ok(server, MANY, {"o": org.name, "f": filters, **page})["registries"]
        return [edge["node"]["name"] for edge in data["edges"]]

    assert listed(f'{{"name": {{"$regex": "^{tag}"}}}}') == sorted(names)
    assert listed(f'{{"name": {{"$regex": "^{tag}"}}, "description": {{"$regex": "^(models|evals)"}}}}') == [
        f"{tag}-evals", f"{tag}-models"]
    assert listed('{"created_at": {"$lt": "2000-01-01T00:00:00Z"}}') == []
    first = ok(server, MANY, {"o": org.name, "f": f'{{"name": {{"$regex": "^{tag}"}}}}', "first": 2})["registries"]
    assert first["pageInfo"]["hasNextPage"] is True
    rest = listed(f'{{"name": {{"$regex": "^{tag}"}}}}', first=2, after=first["pageInfo"]["endCursor"])
    assert [edge["node"]["name"] for edge in first["edges"]] + rest == sorted(names)
    refused(server, MANY, {"o": org.name, "f": '{"colour": "red"}'}, "BAD_USER_INPUT", "colour", "description")
    refused(server, MANY, {"o": org.name, "f": '{"name": {"$like": "x"}}'}, "BAD_USER_INPUT", "$like")
    refused(server, MANY, {"o": org.name, "f": "[1]"}, "BAD_USER_INPUT", "filters")


def test_restricted_registries_exist_only_for_their_members(server: Server, org: Org) -> None:
    name = unique("secret")
    registry = create(server, org, name, "restricted")
    public = create(server, org, unique("open"))
    filters = f'{{"name": {{"$in": ["{name}", "{public["name"]}"]}}}}'

    def sees(who: str | None) -> set[str]:
        key = None if who is None else org.keys[who]
        data = ok(server, MANY, {"o": org.name, "f": filters}, key=key)["registries"]
        return {edge["node"]["name"] for edge in data["edges"]}

    assert sees(None) == {name, public["name"]}  # the creator (and an instance admin)
    assert sees(org.member) == sees(org.viewer) == {public["name"]}
    assert sees(org.outsider) == set()
    for who in (org.member, org.outsider):
        key = org.keys[who]
        assert find(server, org, name, key) is None
        assert ok(server, PROJECT, {"e": org.name, "p": f"wandb-registry-{name}"}, key=key)["project"] is None
        refused(server, UPDATE, {"i": {"id": registry["id"], "description": "x"}}, "NOT_FOUND", key=key)
        refused(server, UPSERT_MODEL, {"e": org.name, "p": f"wandb-registry-{name}", "d": "x"}, "NOT_FOUND",
                key=key)
    assert find(server, org, public["name"], org.keys[org.outsider]) is None  # not in the organization
    ok(server, ADD, {"i": {"registryId": registry["id"], "usernames": [org.outsider], "role": "viewer"}})
    assert sees(org.outsider) == {name}
    assert ok(server, PROJECT, {"e": org.name, "p": f"wandb-registry-{name}"}, key=org.keys[org.outsider])[
        "project"] == {"name": f"runbase-registry-{name}"}
    refused(server, UPSERT_MODEL, {"e": org.name, "p": f"wandb-registry-{name}"}, "FORBIDDEN",
            key=org.keys[org.outsider])  # viewers read only
    ok(server, ADD, {"i": {"registryId": registry["id"], "usernames": [org.outsider], "role": "member"}})
    ok(server, UPSERT_MODEL, {"e": org.name, "p": f"wandb-registry-{name}"}, key=org.keys[org.outsider])
    # A registry's description is one of its settings, which only its admins change (updateRegistry).
    refused(server, UPSERT_MODEL, {"e": org.name, "p": f"wandb-registry-{name}", "d": "x"}, "BAD_USER_INPUT",
            "updateRegistry", key=org.keys[org.outsider])
    # Registries are not listed among the organization's projects.
    projects = ok(server, PROJECTS, {"e": org.name})["projects"]["edges"]
    assert not [edge for edge in projects if "registry" in edge["node"]["name"]]


def test_organization_registries_follow_the_entitys_roles(server: Server, org: Org) -> None:
    name = unique("shared")
    create(server, org, name)
    assert find(server, org, name, org.keys[org.viewer])["name"] == name
    ok(server, UPSERT_MODEL, {"e": org.name, "p": f"wandb-registry-{name}"}, key=org.keys[org.member])
    refused(server, UPSERT_MODEL, {"e": org.name, "p": f"wandb-registry-{name}"}, "FORBIDDEN",
            key=org.keys[org.viewer])


def test_update(server: Server, org: Org) -> None:
    name = unique("model")
    registry = create(server, org, name, artifactTypes=["model"])
    changed = ok(server, UPDATE, {"i": {"id": registry["id"], "description": "curated", "visibility": "restricted",
                                        "artifactTypes": ["dataset"]}})["updateRegistry"]["registry"]
    assert changed["description"] == "curated" and changed["visibility"] == "restricted"
    assert changed["artifactTypes"] == ["model", "dataset"]  # types only ever get added
    assert changed["updatedAt"] is not None
    changed = ok(server, UPDATE, {"i": {"id": registry["id"], "artifactTypes": [],
                                        "allowAllArtifactTypes": True}})["updateRegistry"]["registry"]
    assert changed["artifactTypes"] == ["model", "dataset"] and changed["allowAllArtifactTypes"] is True
    renamed = unique("renamed")
    ok(server, UPDATE, {"i": {"id": registry["id"], "name": f"wandb-registry-{renamed}"}})
    assert find(server, org, name) is None
    assert find(server, org, renamed)["fullName"] == f"runbase-registry-{renamed}"
    other = create(server, org, unique("other"))
    refused(server, UPDATE, {"i": {"id": registry["id"], "name": other["name"]}}, "CONFLICT", other["name"])
    refused(server, UPDATE, {"i": {"id": registry["id"], "visibility": "everyone"}}, "BAD_USER_INPUT", "visibility")
    refused(server, UPDATE, {"i": {"id": registry["id"], "artifactTypes": ["job"]}}, "BAD_USER_INPUT", "job")
    refused(server, UPDATE, {"i": {"id": "12345678", "name": "x"}}, "NOT_FOUND")
    refused(server, UPDATE, {"i": {"id": "not-a-number"}}, "NOT_FOUND")
    assert find(server, org, renamed)["artifactTypes"] == ["model", "dataset"]
    # Only registry admins and the organization's admins change settings.
    ok(server, ADD, {"i": {"registryId": registry["id"], "usernames": [org.member]}})
    refused(server, UPDATE, {"i": {"id": registry["id"], "description": "mine"}}, "FORBIDDEN", "admins",
            key=org.keys[org.member])
    ok(server, ADD, {"i": {"registryId": registry["id"], "usernames": [org.member], "role": "admin"}})
    ok(server, UPDATE, {"i": {"id": registry["id"], "description": "mine"}}, key=org.keys[org.member])


def test_registry_accepting_listed_types_needs_one(server: Server, org: Org) -> None:
    registry = create(server, org, unique("empty"))
    refused(server, UPDATE, {"i": {"id": registry["id"], "allowAllArtifactTypes": False}}, "BAD_USER_INPUT",
            "at least one artifact type")
    assert find(server, org, registry["name"])["allowAllArtifactTypes"] is True


def test_members(server: Server, org: Org) -> None:
    registry = create(server, org, unique("team"), "restricted")
    members = ok(server, ADD, {"i": {"registryId": registry["id"], "usernames": [org.viewer, org.outsider],
                                     "role": "viewer"}})["addRegistryMembers"]["registry"]["members"]
    assert sorted(m["username"] for m in members) == sorted(["admin", org.viewer, org.outsider])
    refused(server, ADD, {"i": {"registryId": registry["id"], "usernames": [org.member, "nobody-at-all"]}},
            "NOT_FOUND", "nobody-at-all")
    refused(server, ADD, {"i": {"registryId": registry["id"], "usernames": [org.member], "role": "owner"}},
            "BAD_USER_INPUT", "role")
    refused(server, ADD, {"i": {"registryId": registry["id"], "usernames": []}}, "BAD_USER_INPUT", "usernames")
    refused(server, ADD, {"i": {"registryId": registry["id"], "usernames": [org.member]}}, "FORBIDDEN",
            key=org.keys[org.viewer])
    refused(server, REMOVE, {"i": {"registryId": registry["id"], "usernames": [org.member]}}, "NOT_FOUND",
            org.member)
    members = ok(server, REMOVE, {"i": {"registryId": registry["id"], "usernames": [org.outsider]}})[
        "removeRegistryMembers"]["registry"]["members"]
    assert sorted(m["username"] for m in members) == sorted(["admin", org.viewer])
    assert find(server, org, registry["name"], org.keys[org.outsider]) is None


def test_delete(server: Server, org: Org) -> None:
    registry = create(server, org, unique("gone"))
    refused(server, DELETE, {"i": {"id": registry["id"]}}, "FORBIDDEN", key=org.keys[org.member])
    assert ok(server, DELETE, {"i": {"id": registry["id"]}})["deleteRegistry"]["success"] is True
    assert find(server, org, registry["name"]) is None
    assert ok(server, PROJECT, {"e": org.name, "p": registry["fullName"]})["project"] is None
    refused(server, DELETE, {"i": {"id": registry["id"]}}, "NOT_FOUND")


@pytest.mark.parametrize("prefix", ["runbase-registry-", "wandb-registry-"])
def test_ordinary_projects_cannot_take_the_prefix(server: Server, org: Org, prefix: str) -> None:
    name = prefix + unique("sneaky")
    refused(server, UPSERT_MODEL, {"e": org.name, "p": name}, "NOT_FOUND", "belong to registries", "createRegistry")
    refused(server, "mutation($e: String, $p: String!) { upsertBucket(input: {entityName: $e, modelName: $p}) "
                    "{ bucket { name } } }", {"e": org.name, "p": name}, "NOT_FOUND", "belong to registries")
    assert ok(server, PROJECT, {"e": org.name, "p": name})["project"] is None


def test_a_hidden_registry_answers_as_a_missing_one(server: Server, org: Org) -> None:
    """Nobody learns which restricted registries exist by trying names."""
    hidden = create(server, org, unique("hidden"), "restricted")["name"]
    key = org.keys[org.outsider]

    def answer(name: str) -> tuple[str, bool]:
        message = refused(server, UPSERT_MODEL, {"e": org.name, "p": f"wandb-registry-{name}"}, "NOT_FOUND",
                          key=key)
        return message.replace(name, "NAME"), find(server, org, name, key) is None

    assert answer(hidden) == answer(unique("absent"))


VERSIONS = """query($o: String, $r: JSONString, $c: JSONString, $f: JSONString) {
    registryVersions(organization: $o, registryFilters: $r, collectionFilters: $c, filters: $f) {
      totalCount edges { node { id versionIndex aliases { alias } isLink collection { name projectName } } } } }"""
COLLECTIONS = """query($o: String, $r: JSONString, $f: JSONString) {
    registryCollections(organization: $o, registryFilters: $r, filters: $f) { totalCount edges { node { name } } } }"""
IN_REGISTRY = """query($n: String!, $o: String, $c: JSONString, $v: JSONString) { registry(name: $n, organization: $o) {
    collections(filters: $c) { totalCount edges { node { name tags { edges { node { name } } } } } }
    versions(collectionFilters: $c, filters: $v) { totalCount edges { node { id aliases { alias } } } } } }"""


def _model(server: Server, org: Org, project: str, contents: str, accuracy: float) -> str:
    pending = ok(server, "mutation($i: CreateArtifactInput!) { createArtifact(input: $i) { artifact { id } } }",
                 {"i": {"entityName": org.name, "projectName": project, "artifactCollectionName": "net", "artifactTypeName": "model",
                        "metadata": f'{{"accuracy": {accuracy}}}'}})["createArtifact"]["artifact"]["id"]
    files = f'[{{"path": "w.pt", "ref": "s3://b/{contents}", "digest": "{contents}", "size": 1}}]'
    ok(server, "mutation($i: AddArtifactFilesInput!) { addArtifactFiles(input: $i) { fileCount } }",
       {"i": {"artifactID": pending, "files": files}})
    ok(server, "mutation($i: CommitArtifactInput!) { commitArtifact(input: $i) { artifact { id } } }",
       {"i": {"artifactID": pending}})
    return pending


def _link(server: Server, org: Org, artifact_id: str, registry: str, collection: str, aliases: list[str]) -> Any:
    return ok(server, "mutation($i: LinkArtifactInput!) { linkArtifact(input: $i) { artifact { collection { id } } } }",
              {"i": {"artifactID": artifact_id, "entityName": org.name, "projectName": f"wandb-registry-{registry}",
                     "artifactPortfolioName": collection,
                     "aliases": [{"alias": alias, "artifactCollectionName": collection} for alias in aliases]}})["linkArtifact"]["artifact"]["collection"]


def test_collections_and_versions_across_registries(server: Server, org: Org) -> None:
    tag = uuid.uuid4().hex[:8]
    models, hidden = create(server, org, f"{tag}-models")["name"], create(server, org, f"{tag}-hidden", "restricted")
    project = unique("training")
    good, better = _model(server, org, project, "a", 0.8), _model(server, org, project, "b", 0.95)
    classifier = _link(server, org, good, models, "classifier", [])
    _link(server, org, better, models, "classifier", ["production"])
    _link(server, org, better, models, "ranker", ["staging"])
    _link(server, org, good, hidden["name"], "secret", ["production"])
    ok(server, "mutation($i: UpdateArtifactCollectionInput!) { updateArtifactCollection(input: $i) { "
               "artifactCollection { tags { edges { node { name } } } } } }",
       {"i": {"id": classifier["id"], "tags": ["vision"]}})
    mine = f'{{"name": {{"$regex": "^{tag}"}}}}'

    def versions(key: str | None = None, **filters: str) -> list[dict[str, Any]]:
        data = ok(server, VERSIONS, {"o": org.name, "r": mine, **filters}, key=key)["registryVersions"]
        assert data["totalCount"] == len(data["edges"])
        return [edge["node"] for edge in data["edges"]]

    assert len(versions()) == 4  # every link, newest first
    [found] = versions(f='{"alias": "production", "metadata.accuracy": {"$gt": 0.9}}')
    assert (found["id"], found["isLink"], found["collection"]["name"]) == (better, True, "classifier")
    assert found["collection"]["projectName"] == f"runbase-registry-{models}"
    assert [v["collection"]["name"] for v in versions(c='{"tag": "vision"}')] == ["classifier", "classifier"]
    assert [v["id"] for v in versions(f='{"version": "v0"}', c='{"name": "classifier"}')] == [good]
    assert len(versions(key=org.keys[org.member])) == 3  # the restricted registry's link is hidden
    collections = ok(server, COLLECTIONS, {"o": org.name, "r": mine, "f": '{"name": {"$ne": "ranker"}}'})
    assert sorted(e["node"]["name"] for e in collections["registryCollections"]["edges"]) == ["classifier", "secret"]
    one = ok(server, IN_REGISTRY, {"n": models, "o": org.name, "c": '{"tag": "vision"}',
                                   "v": '{"tag": "vision"}'})["registry"]
    assert one["collections"] == {"totalCount": 1, "edges": [{"node": {"name": "classifier", "tags": ["vision"]}}]}
    assert one["versions"]["totalCount"] == 0  # versions have no tag "vision"; collections do
    one = ok(server, IN_REGISTRY, {"n": models, "o": org.name, "c": None, "v": '{"alias": "staging"}'})["registry"]
    assert [e["node"]["aliases"] for e in one["versions"]["edges"]] == [["latest", "staging"]]
    assert one["collections"]["totalCount"] == 2
    refused(server, VERSIONS, {"o": org.name, "f": '{"colour": 1}'}, "BAD_USER_INPUT", "colour")
    refused(server, VERSIONS, {"o": org.name, "c": '{"alias": 1}'}, "BAD_USER_INPUT", "alias")


TRIGGER = "mutation($i: CreateFilterTriggerInput!) { createFilterTrigger(input: $i) { trigger { id } } }"
TRIGGERS = "query($e: String) { triggers(entityName: $e, first: 1000) { edges { node { id } } } }"
ONE_TRIGGER = "query($id: ID!) { trigger(id: $id) { id scope { name } } }"


def _trigger(server: Server, org: Org, scope: dict[str, Any], event_type: str = "LINK_ARTIFACT") -> str:
    fields = {"name": unique("auto"), "entityName": org.name, "eventType": event_type, "eventFilter": "{}",
              "action": '{"action_type": "NO_OP"}', **scope}
    return ok(server, TRIGGER, {"i": fields})["createFilterTrigger"]["trigger"]["id"]


def _triggers(server: Server, org: Org, key: str | None = None) -> set[str]:
    return {edge["node"]["id"] for edge in ok(server, TRIGGERS, {"e": org.name}, key=key)["triggers"]["edges"]}


def test_runs_cannot_live_in_a_registry(server: Server, org: Org) -> None:
    name = create(server, org, unique("no-runs"))["name"]
    for project in (f"wandb-registry-{name}", f"runbase-registry-{name}"):
        refused(server, "mutation($e: String, $p: String!) { upsertBucket(input: {entityName: $e, modelName: $p}) "
                        "{ bucket { name } } }", {"e": org.name, "p": project}, "BAD_USER_INPUT", "is a registry",
                "ordinary projects")


def test_core_registries_are_made_on_first_link(server: Server, org: Org) -> None:
    """Like W&B's organizations, every organization has "model" and "dataset" registries (run.link_model links
    into "model"): a link by a writer of the organization makes a missing one."""
    project = unique("core")
    model, newer = _model(server, org, project, "core-m", 0.5), _model(server, org, project, "core-n", 0.5)
    created = ok(server, "mutation($i: CreateArtifactInput!) { createArtifact(input: $i) { artifact { id } } }",
                 {"i": {"entityName": org.name, "projectName": project, "artifactCollectionName": "set", "artifactTypeName": "dataset"}})
    dataset = created["createArtifact"]["artifact"]["id"]
    ok(server, "mutation($i: CommitArtifactInput!) { commitArtifact(input: $i) { artifact { id } } }",
       {"i": {"artifactID": dataset}})
    refused(server, "mutation($i: LinkArtifactInput!) { linkArtifact(input: $i) { artifact { id } } }",
            {"i": {"artifactID": model, "entityName": org.name, "projectName": "wandb-registry-model",
                   "artifactPortfolioName": "net"}}, "FORBIDDEN", key=org.keys[org.viewer])  # viewers make nothing
    assert find(server, org, "model") is None
    _link(server, org, model, "model", "net", ["staging"])
    registry = find(server, org, "model", org.keys[org.viewer])
    assert (registry["visibility"], registry["artifactTypes"], registry["allowAllArtifactTypes"]) == (
        "organization", ["model"], False)
    _link(server, org, newer, "model", "net", [])  # into the registry the first link made
    refused(server, "mutation($i: LinkArtifactInput!) { linkArtifact(input: $i) { artifact { id } } }",
            {"i": {"artifactID": dataset, "entityName": org.name, "projectName": "wandb-registry-model",
                   "artifactPortfolioName": "sets"}}, "BAD_USER_INPUT", "accepts artifacts of type 'model' only")
    _link(server, org, dataset, "dataset", "sets", [])
    assert find(server, org, "dataset")["artifactTypes"] == ["dataset"]
    refused(server, "mutation($i: LinkArtifactInput!) { linkArtifact(input: $i) { artifact { id } } }",
            {"i": {"artifactID": model, "entityName": org.name, "projectName": "wandb-registry-models",
                   "artifactPortfolioName": "net"}}, "NOT_FOUND", "createRegistry")  # other names: createRegistry


def test_a_links_source_in_a_hidden_project_is_named_not_shown(server: Server, org: Org) -> None:
    """A registry's reader sees where a linked version came from, not the other versions of a project they
    cannot read (here the instance admin's own, private)."""
    registry = create(server, org, unique("shared"))["name"]
    project = unique("private")
    shown, hidden = (ok(server, "mutation($i: CreateArtifactInput!) { createArtifact(input: $i) { artifact { id } } }",
                        {"i": {"projectName": project, "artifactCollectionName": "net", "artifactTypeName": "model",
                               "aliases": [{"alias": alias, "artifactCollectionName": "net"}]}})["createArtifact"]["artifact"]["id"] for alias in ("a", "b"))
    for pending in (shown, hidden):
        files = f'[{{"path": "w", "ref": "s3://b/{pending}", "digest": "{pending}"}}]'
        ok(server, "mutation($i: AddArtifactFilesInput!) { addArtifactFiles(input: $i) { fileCount } }",
           {"i": {"artifactID": pending, "files": files}})
        ok(server, "mutation($i: CommitArtifactInput!) { commitArtifact(input: $i) { artifact { id } } }",
           {"i": {"artifactID": pending}})
    ok(server, "mutation($i: UpdateArtifactCollectionInput!) { updateArtifactCollection(input: $i) { "
               "artifactCollection { id } } }",
       {"i": {"id": _link(server, org, shown, registry, "net", [])["id"], "description": "the registry's"}})
    source = """query($id: ID!) { artifact(id: $id) { id isLink sourceVersionIndex
        sourceCollection { name entityName projectName description tags { edges { node { name } } }
                           aliases { edges { node { alias } } }
                           artifacts { totalCount edges { node { id } } } artifact(version: "v1") { id } }
        collection { description } } }"""
    seen = ok(server, source, {"id": shown}, key=org.keys[org.member])["artifact"]
    assert (seen["isLink"], seen["sourceVersionIndex"], seen["collection"]["description"]) == (
        True, 0, "the registry's")
    assert seen["sourceCollection"] == {"name": "net", "entityName": "admin", "projectName": project,
                                        "description": None, "tags": [], "aliases": [],
                                        "artifacts": {"totalCount": 0, "edges": []}, "artifact": None}
    assert ok(server, source, {"id": hidden}, key=org.keys[org.member])["artifact"] is None
    owner = ok(server, source, {"id": shown})["artifact"]["sourceCollection"]  # the project's reader sees it all
    assert (owner["aliases"], owner["artifacts"]["totalCount"], owner["artifact"]) == (
        ["a", "b", "latest"], 2, {"id": hidden})


def test_deleting_a_collection_or_registry_deletes_its_automations(server: Server, org: Org) -> None:
    """Automations are saved with the name of what they watch: left behind, they would fire for a new collection
    or registry of the same name."""
    name, project = unique("watched"), unique("watched-source")
    registry = create(server, org, name)
    version = _model(server, org, project, "watched", 0.5)
    collection = _link(server, org, version, name, "net", [])
    renamed = ok(server, "mutation($i: UpdateArtifactCollectionInput!) { updateArtifactCollection(input: $i) { "
                         "artifactCollection { name } } }", {"i": {"id": collection["id"], "name": "net2"}})
    assert renamed["updateArtifactCollection"]["artifactCollection"]["name"] == "net2"
    on_collection = _trigger(server, org, {"scopeType": "ARTIFACT_COLLECTION", "projectName": f"wandb-registry-{name}",
                                           "scopeName": "net2"})
    sequence = ok(server, "query($e: String, $p: String!) { project(entityName: $e, name: $p) { "
                          "artifactCollection(name: \"net\") { id } } }",
                  {"e": org.name, "p": project})["project"]["artifactCollection"]["id"]
    ok(server, "mutation($i: UpdateArtifactCollectionInput!) { updateArtifactCollection(input: $i) { "
               "artifactCollection { name } } }", {"i": {"id": sequence, "name": "clf"}})
    on_sequence = _trigger(server, org, {"scopeType": "ARTIFACT_COLLECTION", "projectName": project,
                                         "scopeName": "clf"}, "CREATE_ARTIFACT")
    ok(server, "mutation($i: UpdateArtifactCollectionInput!) { updateArtifactCollection(input: $i) { "
               "artifactCollection { name } } }", {"i": {"id": sequence, "name": "clf2"}})
    assert ok(server, ONE_TRIGGER, {"id": on_sequence})["trigger"]["scope"]["name"] == "clf2"  # renamed along
    on_registry = _trigger(server, org, {"scopeType": "REGISTRY", "scopeName": name})
    on_project = _trigger(server, org, {"scopeType": "PROJECT", "projectName": project})
    ok(server, "mutation($i: DeleteArtifactCollectionInput!) { deleteArtifactCollection(input: $i) { success } }",
       {"i": {"id": sequence}})
    ok(server, "mutation($i: DeleteArtifactCollectionInput!) { deleteArtifactCollection(input: $i) { success } }",
       {"i": {"id": collection["id"]}})
    assert ok(server, ONE_TRIGGER, {"id": on_sequence})["trigger"] is None
    assert ok(server, ONE_TRIGGER, {"id": on_collection})["trigger"] is None
    assert ok(server, ONE_TRIGGER, {"id": on_registry})["trigger"]["scope"]["name"] == name
    ok(server, DELETE, {"i": {"id": registry["id"]}})
    assert ok(server, ONE_TRIGGER, {"id": on_registry})["trigger"] is None
    assert ok(server, ONE_TRIGGER, {"id": on_project})["trigger"] is not None  # the source project stays


def test_automations_of_a_restricted_registry_are_hidden_like_it(server: Server, org: Org) -> None:
    hidden = create(server, org, unique("hush"), "restricted")
    shared = create(server, org, unique("open"))
    secret = _trigger(server, org, {"scopeType": "REGISTRY", "scopeName": hidden["name"]})
    public = _trigger(server, org, {"scopeType": "REGISTRY", "scopeName": shared["name"]})
    key = org.keys[org.member]
    assert public in _triggers(server, org, key) and secret not in _triggers(server, org, key)
    assert ok(server, ONE_TRIGGER, {"id": secret}, key=key)["trigger"] is None
    assert ok(server, ONE_TRIGGER, {"id": public}, key=key)["trigger"]["id"] == public
    ok(server, ADD, {"i": {"registryId": hidden["id"], "usernames": [org.member], "role": "viewer"}})
    assert secret in _triggers(server, org, key)
    assert {secret, public} <= _triggers(server, org)


def test_deliveries_of_a_restricted_registry_are_hidden_like_its_automations(server: Server, org: Org) -> None:
    hidden = create(server, org, unique("quiet"), "restricted")["name"]
    secret = _trigger(server, org, {"scopeType": "REGISTRY", "scopeName": hidden})
    _link(server, org, _model(server, org, unique("fired"), "quiet", 0.9), hidden, "net", [])
    edges = ok(server, "query($id: ID!) { trigger(id: $id) { deliveries { edges { node { id } } } } }",
               {"id": secret})["trigger"]["deliveries"]["edges"]
    assert len(edges) == 1
    one = "query($id: ID!) { delivery(id: $id) { id payload } }"
    delivery = edges[0]["node"]["id"]
    assert ok(server, one, {"id": delivery})["delivery"]["id"] == delivery
    assert ok(server, one, {"id": delivery}, key=org.keys[org.member])["delivery"] is None


def test_deleting_a_version_names_no_alias_of_a_hidden_registry(server: Server, org: Org) -> None:
    hidden = create(server, org, unique("hush"), "restricted")["name"]
    version = _model(server, org, unique("aliased"), "hush", 0.5)
    ok(server, "mutation($i: UpdateArtifactInput!) { updateArtifact(input: $i) { artifact { id } } }",
       {"i": {"artifactID": version, "aliases": [{"alias": "mine", "artifactCollectionName": "net"}]}})
    _link(server, org, version, hidden, "net", ["their-secret"])
    delete = "mutation($i: DeleteArtifactInput!) { deleteArtifact(input: $i) { success } }"
    message = refused(server, delete, {"i": {"artifactID": version}}, "BAD_USER_INPUT", "mine", "hidden from you",
                      key=org.keys[org.member])
    assert "their-secret" not in message
    assert "their-secret" in refused(server, delete, {"i": {"artifactID": version}}, "BAD_USER_INPUT")


def test_types_recorded_by_concurrent_links_are_all_kept(server: Server, org: Org) -> None:
    """A registry accepting every type lists each type linked into it, however many links arrive at once."""
    registry = create(server, org, unique("any"))
    project, link = unique("typed"), "mutation($i: LinkArtifactInput!) { linkArtifact(input: $i) { artifact { id } } }"
    requests = []
    for index in range(6):
        version = ok(server, "mutation($i: CreateArtifactInput!) { createArtifact(input: $i) { artifact { id } } }",
                     {"i": {"entityName": org.name, "projectName": project, "artifactCollectionName": f"c{index}",
                            "artifactTypeName": f"type{index}"}})["createArtifact"]["artifact"]["id"]
        ok(server, "mutation($i: CommitArtifactInput!) { commitArtifact(input: $i) { artifact { id } } }",
           {"i": {"artifactID": version}})
        requests.append({"i": {"artifactID": version, "entityName": org.name,
                               "projectName": registry["fullName"], "artifactPortfolioName": f"c{index}"}})
    start, answers = threading.Barrier(len(requests)), []

    def send(variables: dict[str, Any]) -> None:
        start.wait()
        answers.append(server.graphql(link, variables))

    threads = [threading.Thread(target=send, args=(variables,)) for variables in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all("errors" not in answer for answer in answers) and len(answers) == len(requests), answers
    assert sorted(find(server, org, registry["name"])["artifactTypes"]) == [f"type{index}" for index in range(6)]
