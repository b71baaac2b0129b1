"""Issue 11's access defects, against real servers on SQLite and PostgreSQL: readers cannot republish versions
(and owners take links back), accounts show only a public profile to others, and answers do not tell what
others stored or which private names exist."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import runbase
import plain_http
from conftest import Server
from receivers import Response, WebhookReceiver

CREATE = """mutation($i: CreateArtifactInput!) { createArtifact(input: $i) { artifact { id } } }"""
ADD = "mutation($i: AddArtifactFilesInput!) { addArtifactFiles(input: $i) { fileCount } }"
COMMIT = "mutation($i: CommitArtifactInput!) { commitArtifact(input: $i) { artifact { id } } }"
LINK = "mutation($i: LinkArtifactInput!) { linkArtifact(input: $i) { artifact { id collection { id } } } }"
UNLINK = "mutation($i: UnlinkArtifactInput!) { unlinkArtifact(input: $i) { success } }"
BY_ID = "query($id: ID!) { artifact(id: $id) { id collection { name } } }"
LINKS = """query($id: ID!) { artifact(id: $id) { linkedArtifacts { collection { id name projectName artifacts { totalCount } } } } }"""
TEAM = "mutation($t: String!) { createTeam(input: {teamName: $t}) { entity { name } } }"
INVITE = """mutation($t: String!, $u: String!, $r: String) { createInvite(input: {entityName: $t, username: $u,
    role: $r}) { member { username email } } }"""
REGISTRY = """mutation($o: String, $n: String!, $v: String!) { createRegistry(input: {organization: $o, name: $n,
    visibility: $v}) { registry { id fullName } } }"""
REGISTRY_MEMBERS = """mutation($i: RegistryMembersInput!) { addRegistryMembers(input: $i) { registry { id } } }"""
PROJECT = """mutation($e: String, $p: String!, $a: String) { upsertModel(input: {entityName: $e, name: $p,
    access: $a}) { inserted } }"""
ACCOUNT = "username email admin apiKeys { edges { node { name } } } teams { edges { node { name } } } flags"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def ok(server: Server, query: str, variables: dict[str, Any] | None = None, key: str | None = None) -> Any:
    answer = server.graphql(query, variables, key=key)
    assert "errors" not in answer, answer
    return answer["data"]


def refused(server: Server, query: str, variables: dict[str, Any] | None = None, key: str | None = None
            ) -> dict[str, Any]:
    answer = server.graphql(query, variables, key=key)
    assert answer.get("errors"), answer
    return answer["errors"][0]


def version(server: Server, entity: str, project: str, key: str | None = None) -> str:
    """A committed version (one reference file) logged to entity/project."""
    created = ok(server, CREATE, {"i": {"entityName": entity, "projectName": project, "artifactCollectionName": "weights",
                                        "artifactTypeName": "model"}}, key)["createArtifact"]["artifact"]["id"]
    ok(server, ADD, {"i": {"artifactID": created, "files": '[{"path": "w", "ref": "s3://b/w", "size": 1}]'}}, key)
    return str(ok(server, COMMIT, {"i": {"artifactID": created}}, key)["commitArtifact"]["artifact"]["id"])


def link(server: Server, artifact_id: str, entity: str, project: str, key: str | None = None) -> dict[str, Any]:
    return server.graphql(LINK, {"i": {"artifactID": artifact_id, "entityName": entity, "projectName": project,
                                       "artifactPortfolioName": "copied"}}, key=key)


def test_readers_cannot_republish_a_version_and_owners_take_links_back(server: Server) -> None:
    team = unique("lab")
    ok(server, TEAM, {"t": team})
    names = {role: unique(role) for role in ("owner", "member", "viewer", "invited")}
    keys = {role: server.create_user(name) for role, name in names.items()}
    ok(server, INVITE, {"t": team, "u": names["owner"], "r": "admin"})
    ok(server, INVITE, {"t": team, "u": names["member"], "r": "member"})
    ok(server, INVITE, {"t": team, "u": names["viewer"], "r": "viewer"})
    source = version(server, team, "private-work", keys["owner"])
    made = ok(server, REGISTRY, {"o": team, "n": unique("vault"), "v": "restricted"},
              keys["owner"])["createRegistry"]["registry"]
    registry, registry_name = made["id"], made["fullName"]
    ok(server, REGISTRY_MEMBERS, {"i": {"registryId": registry, "usernames": [names["invited"]], "role": "viewer"}},
       keys["owner"])
    assert "errors" not in link(server, source, team, registry_name, keys["owner"])  # the owner shares it

    # A team viewer and a registry viewer both read the version, and neither may republish it.
    for who in ("viewer", "invited"):
        assert ok(server, BY_ID, {"id": source}, keys[who])["artifact"]["id"] == source
        ok(server, PROJECT, {"e": names[who], "p": "mine", "a": "READ"}, keys[who])
        error = link(server, source, names[who], "mine", keys[who])["errors"][0]
        assert error["extensions"]["code"] == "FORBIDDEN" and "cannot link" in error["message"], error
    # An outsider still sees nothing at all.
    outsider = server.create_user(unique("outsider"))
    ok(server, PROJECT, {"e": None, "p": "mine"}, outsider)
    assert link(server, source, "", "mine", outsider)["errors"][0]["extensions"]["code"] == "NOT_FOUND"

    # A team member may share it into a public project of their own; the owner (who cannot write there) takes it
    # back, and then the public sees nothing.
    ok(server, PROJECT, {"e": names["member"], "p": "public", "a": "READ"}, keys["member"])
    shared = link(server, source, names["member"], "public", keys["member"])
    assert "errors" not in shared, shared
    portfolio = shared["data"]["linkArtifact"]["artifact"]["collection"]["id"]
    assert ok(server, BY_ID, {"id": source}, outsider)["artifact"]["collection"]["name"] == "copied"
    not_theirs = refused(server, UNLINK, {"i": {"artifactID": source, "collectionId": portfolio}}, keys["viewer"])
    assert not_theirs["extensions"]["code"] in ("FORBIDDEN", "NOT_FOUND")
    ok(server, UNLINK, {"i": {"artifactID": source, "collectionId": portfolio}}, keys["owner"])
    assert ok(server, BY_ID, {"id": source}, outsider)["artifact"] is None

    # Shared into a project the owner cannot read, the link is still listed to the owner (who takes it back),
    # and to nobody else who cannot read that project.
    ok(server, PROJECT, {"e": names["member"], "p": "hidden", "a": "PRIVATE"}, keys["member"])
    hidden = link(server, source, names["member"], "hidden", keys["member"])
    assert "errors" not in hidden, hidden
    listed = {who: ok(server, LINKS, {"id": source}, keys[who])["artifact"]["linkedArtifacts"]
              for who in ("owner", "viewer")}
    assert [(v["collection"]["projectName"], v["collection"]["name"]) for v in listed["owner"]] == \
        [(registry_name, "copied"), ("hidden", "copied")], listed
    assert listed["viewer"] == [], listed  # a team viewer, outside the restricted registry too
    assert listed["owner"][1]["collection"]["artifacts"]["totalCount"] == 0  # what else it holds stays hidden
    ok(server, UNLINK, {"i": {"artifactID": source, "collectionId": listed["owner"][1]["collection"]["id"]}},
       keys["owner"])
    assert len(ok(server, LINKS, {"id": source}, keys["owner"])["artifact"]["linkedArtifacts"]) == 1


def test_others_see_a_public_profile_only(server: Server) -> None:
    author, reader = unique("author"), unique("reader")
    ok(server, "mutation($u: String!, $e: String) { createUser(input: {username: $u, email: $e}) { user { id } } }",
       {"u": author, "e": f"{author}@private.example"})
    author_key = ok(server, "mutation($u: String!) { generateApiKey(input: {userName: $u, description: \"laptop\"}) "
                            "{ key } }", {"u": author})["generateApiKey"]["key"]
    reader_key = server.create_user(reader)
    team = unique("secret-team")
    ok(server, TEAM, {"t": team})
    ok(server, INVITE, {"t": team, "u": author, "r": "member"})
    ok(server, INVITE, {"t": team, "u": reader, "r": "member"})
    ok(server, PROJECT, {"e": author, "p": "open", "a": "READ"}, author_key)
    ok(server, "mutation { upsertBucket(input: {modelName: \"open\", name: \"r1\"}) { inserted } }", key=author_key)
    artifact = ok(server, CREATE, {"i": {"entityName": author, "projectName": "open", "runName": "r1",
                                         "artifactCollectionName": "data", "artifactTypeName": "dataset"}},
                  author_key)["createArtifact"]["artifact"]["id"]
    ok(server, ADD, {"i": {"artifactID": artifact, "files": '[{"path": "d", "ref": "s3://b/d", "size": 1}]'}},
       author_key)
    ok(server, COMMIT, {"i": {"artifactID": artifact}}, author_key)
    through_run = (f"query($e: String) {{ project(name: \"open\", entityName: $e) {{ run(name: \"r1\") {{ "
                   f"user {{ {ACCOUNT} }} }} }} }}")
    through_artifact = f"query($id: ID!) {{ artifact(id: $id) {{ loggedBy {{ user {{ {ACCOUNT} }} }} }} }}"
    public = {"username": author, "email": None, "admin": False, "apiKeys": {"edges": []}, "teams": {"edges": []}, "flags": None}
    for key in (reader_key, None):  # another user; the admin sees the whole account
        by_run = ok(server, through_run, {"e": author}, key)["project"]["run"]["user"]
        by_artifact = ok(server, through_artifact, {"id": artifact}, key)["artifact"]["loggedBy"]["user"]
        assert by_run == by_artifact
        if key is None:
            assert by_run["email"] == f"{author}@private.example" and by_run["apiKeys"]["edges"] and by_run["teams"]["edges"]
            assert by_run["flags"] == "{}"
        else:
            assert by_run == public
    own = ok(server, through_run, {"e": author}, author_key)["project"]["run"]["user"]
    assert own["email"] == f"{author}@private.example" and team in [e["node"]["name"] for e in own["teams"]["edges"]]

    # Fellow members see usernames and roles; emails only their own (and admins all of them).
    members = "query($t: String!) { entity(name: $t) { members { username email role } } }"
    seen = {m["username"]: m["email"] for m in ok(server, members, {"t": team}, reader_key)["entity"]["members"]}
    assert seen[author] is None
    assert {m["username"]: m["email"] for m in ok(server, members, {"t": team})["entity"]["members"]}[author] \
        == f"{author}@private.example"


def test_uploads_answer_the_same_whoever_stored_the_contents(server: Server) -> None:
    stored, fresh = uuid.uuid4().bytes * 8, uuid.uuid4().bytes * 8

    def put(content: bytes, key: str) -> httpx.Response:
        return plain_http.put(f"{server.url}/files/blobs/{hashlib.sha256(content).hexdigest()}", content=content,
                              headers={"Authorization": f"Bearer {key}"})

    assert put(stored, server.key).status_code == 201
    other = server.create_user(unique("prober"))
    known, unknown = put(stored, other), put(fresh, other)
    assert (known.status_code, known.json()["created"]) == (unknown.status_code, unknown.json()["created"]) \
        == (201, True)
    again = put(stored, other)  # their own upload, now: created false
    assert (again.status_code, again.json()["created"]) == (200, False)


def test_private_names_and_emails_are_not_told_apart_from_missing_ones(server: Server) -> None:
    private = unique("hidden-team")
    ok(server, TEAM, {"t": private})
    prober_name = unique("prober")
    prober = server.create_user(prober_name)
    missing = unique("no-team")

    def answer(query: str, variables: dict[str, Any], name: str) -> tuple[str, str]:
        error = refused(server, query, variables, prober)
        return error["extensions"]["code"], error["message"].replace(name, "NAME")

    write = "mutation($e: String!) { upsertBucket(input: {entityName: $e, modelName: \"p\"}) { inserted } }"
    assert answer(write, {"e": private}, private) == answer(write, {"e": missing}, missing)
    assert answer(write, {"e": private}, private)[0] == "FORBIDDEN"
    invite = {"u": prober_name, "r": "member"}
    assert answer(INVITE, {"t": private, **invite}, private) == answer(INVITE, {"t": missing, **invite}, missing)
    listing = "query($e: String!) { projects(entityName: $e) { totalCount edges { node { name } } } }"
    assert ok(server, listing, {"e": private}, prober) == ok(server, listing, {"e": missing}, prober)

    # Inviting by email is for instance admins: a team admin learns nothing about which emails exist.
    team = unique("own-team")
    ok(server, TEAM, {"t": team}, prober)
    registered = unique("known")
    ok(server, "mutation($u: String!, $e: String) { createUser(input: {username: $u, email: $e}) { user { id } } }",
       {"u": registered, "e": f"{registered}@x.org"})
    by_email = [refused(server, INVITE, {"t": team, "u": email, "r": "member"}, prober)
                for email in (f"{registered}@x.org", f"ghost-{registered}@x.org")]
    assert by_email[0]["message"] == by_email[1]["message"] and by_email[0]["extensions"]["code"] == "FORBIDDEN"
    assert registered not in by_email[0]["message"]
    assert ok(server, INVITE, {"t": team, "u": f"{registered}@X.org", "r": "member"})["createInvite"]["member"] == {
        "username": registered, "email": f"{registered}@x.org"}  # an instance admin may


def test_emails_compare_by_unicode_case_folding(server: Server) -> None:
    name = unique("umlaut")
    create = "mutation($u: String!, $e: String) { createUser(input: {username: $u, email: $e}) { user { email } } }"
    email = f"Ärger.{name}@x.com"
    assert ok(server, create, {"u": name, "e": email})["createUser"]["user"]["email"] == email
    lookup = "query($u: String!) { user(userName: $u) { username } }"
    for spelling in (email, email.lower(), email.upper(), f"ärger.{name}@X.COM"):
        assert ok(server, lookup, {"u": spelling})["user"]["username"] == name, spelling
    duplicate = refused(server, create, {"u": f"{name}-2", "e": f"ärger.{name}@x.com"})
    assert duplicate["extensions"]["code"] == "CONFLICT" and "exists already" in duplicate["message"]


def test_registry_lists_answer_alike_for_missing_and_private_organizations(server: Server) -> None:
    private = unique("vaults")
    ok(server, TEAM, {"t": private})
    ok(server, REGISTRY, {"o": private, "n": unique("models"), "v": "organization"})
    prober = server.create_user(unique("prober"))
    missing = unique("no-org")
    lists = """query($o: String) { registries(organization: $o) { edges { node { name } } }
        registryCollections(organization: $o) { totalCount edges { node { name } } }
        registryVersions(organization: $o) { totalCount edges { node { id } } } }"""
    assert ok(server, lists, {"o": private}, prober) == ok(server, lists, {"o": missing}, prober) == {
        "registries": {"edges": []}, "registryCollections": {"totalCount": 0, "edges": []},
        "registryVersions": {"totalCount": 0, "edges": []}}
    assert len(ok(server, lists, {"o": private})["registries"]["edges"]) == 1  # there is one, for who may see it


def test_sizes_past_64_bits_are_refused_and_never_taken_for_races(server: Server) -> None:
    created = ok(server, CREATE, {"i": {"projectName": unique("sizes"), "artifactCollectionName": "big",
                                        "artifactTypeName": "dataset"}})["createArtifact"]["artifact"]["id"]

    def add(*sizes: int) -> dict[str, Any]:
        files = [{"path": f"f{uuid.uuid4().hex[:6]}", "ref": "s3://b/k", "size": size} for size in sizes]
        return server.graphql(ADD, {"i": {"artifactID": created, "files": json.dumps(files)}})

    log_before = server.log.stat().st_size
    for sizes in ((10**30,), (2**63,), (-1,), (2**63 - 1, 2**63 - 1)):
        error = add(*sizes)["errors"][0]
        assert error["extensions"]["code"] == "BAD_USER_INPUT" and "2^63-1" in error["message"], (sizes, error)
    assert add(2**63 - 2, 1)["data"]["addArtifactFiles"]["fileCount"] == 2  # the most a version holds
    error = add(1)["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and "2^63-1" in error["message"], error
    size = "query($id: ID!) { artifact(id: $id) { size fileCount } }"
    assert ok(server, size, {"id": created})["artifact"] == {"size": 2**63 - 1, "fileCount": 2}
    logged = server.log.read_bytes()[log_before:].decode(errors="replace")
    assert "lost a database race" not in logged and "Traceback" not in logged


def test_others_references_are_not_fetched_whatever_digest_they_carry(server: Server, tmp_path: Path) -> None:
    """Whoever logs a version writes its references' digests too: an empty one beside an ETag marker, or a
    SHA-256 that matches, does not make another user's http(s) or file:// reference safe to fetch. Without the
    opt-in nothing is requested and no local file is read."""
    author = unique("author")
    author_key = server.create_user(author)
    reader_key = server.create_user(unique("reader"))
    project = unique("refs")
    ok(server, PROJECT, {"e": author, "p": project, "a": "READ"}, author_key)
    ok(server, "mutation($p: String!) { upsertBucket(input: {modelName: $p, name: \"r1\"}) { inserted } }",
       {"p": project}, author_key)
    secret = tmp_path / "secret.txt"
    secret.write_text("local secret")
    page = b"web contents"
    with WebhookReceiver(path="/page", default=Response(200, body=page)) as pages:  # records every GET
        files = [{"path": "etag", "ref": pages.url, "digest": "", "extra": {"etag": "x"}},
                 {"path": "sum", "ref": pages.url, "digest": hashlib.sha256(page).hexdigest(),
                  "extra": {"checksum": "sha256"}},
                 {"path": "local", "ref": secret.as_uri(), "digest": hashlib.sha256(b"local secret").hexdigest()}]
        created = ok(server, CREATE, {"i": {"entityName": author, "projectName": project, "runName": "r1",
                                            "artifactCollectionName": "bait", "artifactTypeName": "dataset"}},
                     author_key)["createArtifact"]["artifact"]["id"]
        ok(server, ADD, {"i": {"artifactID": created, "files": json.dumps(files)}}, author_key)
        ok(server, COMMIT, {"i": {"artifactID": created}}, author_key)

        artifact = runbase.Api(api_key=reader_key, overrides={"base_url": server.url}).artifact(
            f"{author}/{project}/bait:latest")
        for attempt in (lambda: artifact.download(tmp_path / "refused"),
                        lambda: artifact.get_entry("etag").download(str(tmp_path / "one"))):
            with pytest.raises(PermissionError, match=f"logged by user '{author}'.*allow_unverified_references=True"):
                attempt()
        time.sleep(0.2)
        assert pages.requests == []
        assert not any((tmp_path / "refused").iterdir()) and not (tmp_path / "one").exists()

        trusted = Path(artifact.download(tmp_path / "trusted", allow_unverified_references=True))
        assert [(trusted / name).read_bytes() for name in ("etag", "sum", "local")] == [
            page, page, b"local secret"]
        assert len(pages.requests) == 2  # the receiver does see what is fetched
