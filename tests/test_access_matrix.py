"""The access matrix, against real servers on SQLite and PostgreSQL: for every kind of object (entity, team
membership, project private and public, run, run file, run groups, history columns and samples, the official client's file
stream and run file upload URLs, artifact uploads (whole and in parts), direct uploads, sweep, sweep agent, artifact version,
collection, registry of organization and restricted visibility, integration, automation, delivery, and through a
browser's sign-in session: its own session, runs, run files, history columns and samples, and no API key or team member made
through it, nor a registry member or another user's team), every role (owner, team admin, member, viewer, outsider, anonymous) and every action that applies
(read, write, delete, link, list), one request, whose outcome must be what runbase_server/access.py's rules say.
The world is built once per database."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import plain_http
from conftest import Server

ROLES = ("owner", "team_admin", "member", "viewer", "outsider", "anonymous")
TEAM_ROLES = {"owner": "member", "team_admin": "admin", "member": "member", "viewer": "viewer"}
DENIALS = {"FORBIDDEN", "NOT_FOUND", "UNAUTHENTICATED"}

# Who may, by access.py's rules. The owner created every object (a member of the team, and admin of the
# registries it made); the team admin created nothing.
WRITERS = {"owner", "team_admin", "member"}  # entity writers (role admin or member)
MEMBERS = WRITERS | {"viewer"}  # everyone in the team
SIGNED_IN = MEMBERS | {"outsider"}  # anyone with a key
REGISTRY_ADMINS = {"owner", "team_admin"}  # its admin (the creator) and the entity's admins
EXPECTED: dict[tuple[str, str], set[str]] = {
    ("entity", "read"): MEMBERS, ("entity", "write"): WRITERS, ("entity", "list"): MEMBERS,
    # readOnly: false exactly for those who may write (the web app hides its forms from the others)
    ("entity", "told writable"): WRITERS, ("public project", "told writable"): WRITERS,
    ("membership", "read"): MEMBERS, ("membership", "write"): {"team_admin"}, ("membership", "delete"): {"team_admin"},
    ("private project", "read"): MEMBERS, ("private project", "write"): WRITERS,
    ("public project", "read"): SIGNED_IN, ("public project", "write"): WRITERS, ("public project", "list"): SIGNED_IN,
    ("run", "read"): MEMBERS, ("run", "write"): WRITERS, ("run", "delete"): WRITERS,
    ("run", "update"): WRITERS,  # updateRun: changes a run, never creates one
    ("run", "rewind"): WRITERS, ("run", "fork"): WRITERS,  # forking reads the source, a run of the same project
    ("run", "stop"): WRITERS,  # stopRun, by the run's id: hidden runs answer as missing
    ("run", "told writable"): WRITERS,  # Run.readOnly, by which the run page shows its Stop button
    ("run file", "read"): MEMBERS, ("run groups", "read"): MEMBERS,  # a project's runs grouped by a config value
    ("run keys", "read"): MEMBERS,  # the config and summary keys of a project's runs (Project.runKeys)
    # a page of runs as one JSON field (RunConnection.nodesText, the SDK's listing), readOnly false for writers only
    ("run page", "read"): MEMBERS, ("run page", "told writable"): WRITERS,
    ("history columns", "read"): MEMBERS,  # a run's history through POST /history/columns
    ("history sample", "read"): MEMBERS,  # a run's sampled history through POST /history/sample
    ("system stream", "read"): MEMBERS, ("system stream", "write"): WRITERS,  # a run's system metrics
    # the official wandb client's routes: a run's stream (POST .../file_stream), and upload URLs (createRunFiles)
    # that take a PUT with no key, made only for those who may write the run
    ("file stream", "write"): WRITERS, ("run file upload URL", "create"): WRITERS,
    ("run file upload URL", "write"): WRITERS,
    # and a PENDING version's (createArtifactFiles, then the PUT), and a version's W&B manifest behind a signed
    # download URL (Artifact.currentManifest), made only for its readers
    ("artifact upload URL", "write"): WRITERS, ("artifact download URL", "read"): MEMBERS,
    # the team's version as the base (baseArtifactID) of a version of the role's own: its readers only
    ("artifact manifest base", "read"): MEMBERS,
    # a large file's multipart upload: its parts' URLs, their PUTs and completeMultipartUploadArtifact
    ("artifact multipart upload", "write"): WRITERS,
    # a version's place in its sequence as W&B's client reads it, and its files' signed download URLs there
    ("version membership", "read"): MEMBERS, ("artifact file download URL", "read"): MEMBERS,
    # W&B's public API: a run's file by the URLs its File gives (signed for the role, GET without a key; url(upload:
    # true) only for writers), its history as W&B's client reads it, a collection by id, an entity's organization
    ("run file download URL", "read"): MEMBERS, ("run file upload URL (File.url)", "create"): WRITERS,
    ("history (W&B's shapes)", "read"): MEMBERS, ("collection by id", "read"): MEMBERS,
    ("organization", "read"): MEMBERS,
    ("entity storage", "read"): MEMBERS,  # Entity.storageBytes, counting the private project's files and versions
    ("console", "read"): MEMBERS,  # a run's console output, its tail and its pages
    # starting a direct upload to the object store (answered "none here" on this local-disk server, after the
    # key is checked); resuming and completing one is its starter's alone (test_direct_transfers.py)
    ("direct upload", "create"): SIGNED_IN, ("direct transfers offer", "read"): SIGNED_IN,
    ("sweep", "read"): MEMBERS, ("sweep", "list"): MEMBERS, ("sweep", "create"): WRITERS,
    ("sweep", "write"): WRITERS, ("sweep", "agent"): WRITERS,  # pausing it; running an agent for it
    ("sweep agent", "write"): WRITERS,  # its heartbeat, by id: hidden ones answer as missing
    ("version", "read"): MEMBERS, ("version", "write"): WRITERS, ("version", "delete"): WRITERS,
    ("version", "link"): WRITERS,  # only those who may share it (access.require_sharer): not its viewers
    # W&B's addAliases and deleteAliases (each alias in a collection named by path), and a version's files by name
    # through its membership (W&B's displayName)
    ("version aliases", "write"): WRITERS, ("version aliases", "delete"): WRITERS,
    ("version files by name", "read"): MEMBERS,
    ("version tags (W&B's tagsToAdd)", "write"): WRITERS,
    ("collection versions (W&B's VersionedArtifactConnection)", "read"): MEMBERS,
    # the client releases the server names (W&B's cliVersionInfo) and W&B Local's version check (none): to any key
    ("server info (W&B's versions)", "read"): SIGNED_IN,
    # W&B's search of users (users(query:)) is for instance admins, none of these roles
    ("user search", "read"): set(),
    ("collection", "read"): MEMBERS, ("collection", "write"): WRITERS, ("collection", "delete"): WRITERS,
    ("organization registry", "read"): MEMBERS, ("organization registry", "list"): MEMBERS,
    ("organization registry", "link"): WRITERS, ("organization registry", "write"): REGISTRY_ADMINS,
    ("organization registry", "delete"): REGISTRY_ADMINS,
    ("restricted registry", "read"): REGISTRY_ADMINS, ("restricted registry", "list"): REGISTRY_ADMINS,
    ("restricted registry", "link"): REGISTRY_ADMINS, ("restricted registry", "write"): REGISTRY_ADMINS,
    ("integration", "read"): MEMBERS, ("integration", "write"): WRITERS, ("integration", "delete"): WRITERS,
    ("automation", "read"): MEMBERS, ("automation", "list"): MEMBERS, ("automation", "write"): WRITERS,
    ("automation", "delete"): WRITERS,
    ("delivery", "read"): MEMBERS, ("delivery", "write"): WRITERS,
    # the same rules through a browser's session cookie (web/sessions.py) instead of an API key
    ("web session", "read"): SIGNED_IN,  # GET /api/session answers with the cookie's own user
    ("run (browser)", "read"): MEMBERS, ("run (browser)", "write"): WRITERS, ("run (browser)", "update"): WRITERS,
    ("run file (browser)", "read"): MEMBERS, ("history columns (browser)", "read"): MEMBERS,
    ("history sample (browser)", "read"): MEMBERS,
    ("file stream (browser)", "write"): WRITERS,
    # keys and team members only with an API key (access.require_api_key): a session mints no lasting credential
    ("api key (browser)", "write"): set(), ("membership (browser)", "write"): set(),
    ("registry membership", "write"): REGISTRY_ADMINS,  # with an API key, the registry's admins
    ("registry membership (browser)", "write"): set(), ("registry membership (browser)", "delete"): set(),
    ("team naming its admin (browser)", "create"): set(),  # a team whose admin is another user
}

CREATE_ARTIFACT = "mutation($i: CreateArtifactInput!) { createArtifact(input: $i) { artifact { id } } }"
ADD_FILES = "mutation($i: AddArtifactFilesInput!) { addArtifactFiles(input: $i) { fileCount } }"
COMMIT = "mutation($i: CommitArtifactInput!) { commitArtifact(input: $i) { artifact { id collection { id } } } }"
LINK = "mutation($i: LinkArtifactInput!) { linkArtifact(input: $i) { artifact { id } } }"
REGISTRY = """mutation($i: CreateRegistryInput!) { createRegistry(input: $i) { registry { id fullName } } }"""
INVITE = "mutation($i: CreateInviteInput!) { createInvite(input: $i) { member { id } } }"
REGISTRY_MEMBERS = "mutation($i: RegistryMembersInput!) { %sRegistryMembers(input: $i) { registry { id } } }"
BUCKET = "mutation($i: UpsertBucketInput!) { upsertBucket(input: $i) { inserted } }"
UPDATE_RUN = "mutation($i: UpdateRunInput!) { updateRun(input: $i) { run { notes } } }"
PROJECT = "mutation($i: UpsertModelInput!) { upsertModel(input: $i) { inserted } }"
HOOK = """mutation($i: CreateGenericWebhookIntegrationInput!) { createGenericWebhookIntegration(input: $i) {
    integration { id } } }"""
TRIGGER = "mutation($i: CreateFilterTriggerInput!) { createFilterTrigger(input: $i) { trigger { id } } }"
SWEEP = "mutation($i: UpsertSweepInput!) { upsertSweep(input: $i) { sweep { id name } } }"
AGENT = "mutation($i: CreateAgentInput!) { createAgent(input: $i) { agent { id } } }"
SWEEP_CONFIG = '{"method": "random", "parameters": {"lr": {"min": 0.0, "max": 1.0}}}'


@dataclass
class World:
    server: Server
    team: str
    names: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str | None] = field(default_factory=dict)
    ids: dict[str, Any] = field(default_factory=dict)
    browsers: dict[str, tuple[httpx.Client, str]] = field(default_factory=dict)  # signed in, with the CSRF token

    def graphql(self, role: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        key = self.keys[role]
        headers = {} if key is None else {"Authorization": f"Bearer {key}"}
        response = plain_http.post(f"{self.server.url}/graphql", json={"query": query, "variables": variables or {}},
                                   headers=headers, timeout=60)
        return response.json()

    def browser(self, role: str) -> tuple[httpx.Client, str]:
        """The role signed in through POST /api/session; the anonymous one holds a forged cookie."""
        if role not in self.browsers:
            client = plain_http.Client(base_url=self.server.url, timeout=60)
            key = self.keys[role]
            if key is None:
                client.cookies.set("runbase_session", "forged")
                self.browsers[role] = (client, "forged")
            else:
                signed_in = client.post("/api/session", json={"apiKey": key})
                assert signed_in.status_code == 200, signed_in.text
                self.browsers[role] = (client, signed_in.json()["csrfToken"])
        return self.browsers[role]

    def setup(self, query: str, variables: dict[str, Any], role: str = "owner") -> Any:
        answer = self.graphql(role, query, variables)
        assert "errors" not in answer, answer
        return answer["data"]


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _version(world: World, role: str, entity: str, project: str, collection: str = "weights") -> dict[str, str]:
    """A committed version (one reference file): its id and its sequence's id."""
    made = world.setup(CREATE_ARTIFACT, {"i": {"entityName": entity, "projectName": project, "artifactTypeName": "model",
                                               "artifactCollectionName": collection}}, role)["createArtifact"]["artifact"]
    world.setup(ADD_FILES, {"i": {"artifactID": made["id"], "files": '[{"path": "w", "ref": "s3://b/w"}]'}}, role)
    committed = world.setup(COMMIT, {"i": {"artifactID": made["id"]}}, role)["commitArtifact"]["artifact"]
    return {"id": committed["id"], "collection": committed["collection"]["id"]}


@pytest.fixture(scope="module")
def world(server: Server) -> Iterator[World]:
    world = World(server, _unique("matrix"))
    world.keys = {"admin": server.key, "anonymous": None}
    world.setup(f'mutation {{ createTeam(input: {{teamName: "{world.team}"}}) {{ entity {{ name }} }} }}', {},
                "admin")
    for role in ROLES[:-1]:
        world.names[role] = _unique(role.replace("_", "-"))
        world.keys[role] = server.create_user(world.names[role])
        if role in TEAM_ROLES:
            world.setup(INVITE, {"i": {"entityName": world.team, "username": world.names[role],
                                       "role": TEAM_ROLES[role]}}, "admin")
        world.setup(PROJECT, {"i": {"name": "mine"}}, role)  # where each one links and logs their own
        world.ids[f"own version {role}"] = _version(world, role, world.names[role], "mine")["id"]
    team = world.team
    world.setup(PROJECT, {"i": {"entityName": team, "name": "private"}})
    world.setup(PROJECT, {"i": {"entityName": team, "name": "public", "access": "READ"}})
    world.setup(BUCKET, {"i": {"entityName": team, "modelName": "private", "name": "run"}})
    world.ids["run"] = world.setup("query($t: String) { project(name: \"private\", entityName: $t) { run(name: "
                                   "\"run\") { id } } }", {"t": team})["project"]["run"]["id"]
    world.setup("mutation($i: LogHistoryInput!) { logHistory(input: $i) { accepted } }", {"i": {
        "entityName": team, "projectName": "private", "runName": "run",
        "rows": '[{"_step": 0, "x": 1}, {"_step": 1, "x": 2}, {"_step": 2, "x": 3}]'}})
    contents = f"run file {uuid.uuid4().hex}".encode()
    digest = hashlib.sha256(contents).hexdigest()
    assert plain_http.put(f"{server.url}/files/blobs/{digest}", content=contents,
                          headers={"Authorization": f"Bearer {world.keys['owner']}"}).status_code in (200, 201)
    world.setup("""mutation($i: UpsertRunFilesInput!) { upsertRunFiles(input: $i) { files { name } } }""",
                {"i": {"entityName": team, "projectName": "private", "runName": "run", "files":
                       f'[{{"name": "f.txt", "sha256": "{digest}", "size": {len(contents)}}}]'}})
    world.ids["version"] = _version(world, "owner", team, "private")
    world.ids["sweep"] = world.setup(SWEEP, {"i": {"entityName": team, "projectName": "private",
                                                   "config": SWEEP_CONFIG}})["upsertSweep"]["sweep"]
    world.ids["agent"] = world.setup(AGENT, {"i": {"entityName": team, "projectName": "private",
                                                   "sweep": world.ids["sweep"]["name"]}})["createAgent"]["agent"]
    for role in ROLES:  # one of each to delete per role
        world.setup(BUCKET, {"i": {"entityName": team, "modelName": "private", "name": f"del-{role}"}})
        world.ids[f"del run {role}"] = world.setup(
            "query($t: String, $r: String!) { project(name: \"private\", entityName: $t) { run(name: $r) { id } } }",
            {"t": team, "r": f"del-{role}"})["project"]["run"]["id"]
        world.ids[f"del version {role}"] = _version(world, "owner", team, "private", f"v-{role}")["id"]
        world.ids[f"del collection {role}"] = _version(world, "owner", team, "private", f"c-{role}")["collection"]
        world.ids[f"del registry {role}"] = world.setup(REGISTRY, {"i": {
            "organization": team, "name": _unique("gone"), "visibility": "organization"}})["createRegistry"][
            "registry"]["id"]
        world.ids[f"del hook {role}"] = world.setup(HOOK, {"i": {
            "entityName": team, "name": f"gone-{role}", "urlEndpoint": "https://ci.example/hook"}})[
            "createGenericWebhookIntegration"]["integration"]["id"]
        world.ids[f"del member {role}"] = world.setup(INVITE, {"i": {
            "entityName": team, "username": server_user(world, f"gone-{role}"), "role": "viewer"}}, "admin")[
            "createInvite"]["member"]["id"]
    for visibility in ("organization", "restricted"):
        made = world.setup(REGISTRY, {"i": {"organization": team, "name": _unique(visibility[:5]),
                                            "visibility": visibility}})["createRegistry"]["registry"]
        world.ids[f"{visibility} registry"] = made
    world.ids["members registry"] = world.setup(REGISTRY, {"i": {
        "organization": team, "name": _unique("crew"), "visibility": "organization"}})["createRegistry"]["registry"]
    world.ids["registry guest"] = server_user(world, "guest")  # a member of it, whom a browser must not remove
    world.setup(REGISTRY_MEMBERS % "add", {"i": {"registryId": world.ids["members registry"]["id"],
                                                 "usernames": [world.ids["registry guest"]], "role": "viewer"}})
    world.ids["hook"] = world.setup(HOOK, {"i": {"entityName": team, "name": "hook", "urlEndpoint":
                                                 "https://ci.example/hook"}})[
        "createGenericWebhookIntegration"]["integration"]["id"]
    for name in ("watch", *(f"del-{role}" for role in ROLES)):
        world.ids[f"trigger {name}"] = world.setup(TRIGGER, {"i": {
            "name": name, "entityName": team, "scopeType": "PROJECT", "projectName": "linked",
            "eventType": "LINK_ARTIFACT", "eventFilter": "{}", "action": '{"action_type": "NO_OP"}'}})[
            "createFilterTrigger"]["trigger"]["id"]
    world.setup(LINK, {"i": {"artifactID": world.ids["version"]["id"], "entityName": team, "projectName": "linked",
                             "artifactPortfolioName": "watched"}})
    deliveries = world.setup("query($id: ID!) { trigger(id: $id) { deliveries { edges { node { id } } } } }",
                             {"id": world.ids["trigger watch"]}, "admin")
    [world.ids["delivery"]] = [edge["node"]["id"] for edge in deliveries["trigger"]["deliveries"]["edges"]]
    yield world
    for client, _ in world.browsers.values():
        client.close()


def server_user(world: World, prefix: str) -> str:
    name = _unique(prefix)
    world.server.create_user(name)
    return name


# ------------------------------------------------------------------ the cells

Check = Callable[[World, str], bool]  # True when the role was allowed


RUN_PAGE = "query($t: String) { project(name: \"private\", entityName: $t) { runs(first: 100) { nodesText } } }"


def _page_nodes(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The runs of a RUN_PAGE answer (none where the project is hidden)."""
    return [] if data["project"] is None else json.loads(data["project"]["runs"]["nodesText"])


def _query(query: str, found: Callable[[dict[str, Any]], bool], variables: Callable[[World, str], dict[str, Any]]
           ) -> Check:
    """A read: allowed when the answer holds the object, denied when it is absent or refused."""
    def check(world: World, role: str) -> bool:
        answer = world.graphql(role, query, variables(world, role))
        if answer.get("errors"):
            assert answer["errors"][0]["extensions"]["code"] in DENIALS, answer
            return False
        return found(answer["data"])
    return check


def _mutation(query: str, variables: Callable[[World, str], dict[str, Any]]) -> Check:
    """A write: allowed when it passes the access check (it may still fail later, as a redelivery of a NO_OP
    does), denied when refused as forbidden, missing or unauthenticated."""
    def check(world: World, role: str) -> bool:
        answer = world.graphql(role, query, variables(world, role))
        errors = answer.get("errors")
        if not errors:
            return True
        code = errors[0].get("extensions", {}).get("code")
        assert code is not None and code != "INTERNAL_SERVER_ERROR", answer
        return code not in DENIALS
    return check


def _file(world: World, role: str) -> bool:
    key = world.keys[role]
    response = plain_http.get(f"{world.server.url}/files/{world.team}/private/run/f.txt",
                              headers={} if key is None else {"Authorization": f"Bearer {key}"})
    assert response.status_code in (200, 401, 404), response.text
    return response.status_code == 200


def _direct_upload(world: World, role: str) -> bool:
    key = world.keys[role]
    response = plain_http.post(f"{world.server.url}/files/direct/uploads", json={"sha256": "0" * 64, "size": 1,
                                                                            "parts": ["0" * 64]},
                          headers={} if key is None else {"Authorization": f"Bearer {key}"})
    assert response.status_code in (401, 409), response.text
    return response.status_code == 409


def _direct_offer(world: World, role: str) -> bool:
    key = world.keys[role]
    response = plain_http.get(f"{world.server.url}/files/direct",
                              headers={} if key is None else {"Authorization": f"Bearer {key}"})
    assert response.status_code in (200, 401), response.text
    return response.status_code == 200


def _file_stream(world: World, role: str, browser: bool = False) -> bool:
    """As the official client sends it (HTTP Basic, the key as password), or from the role's browser session
    with its CSRF token; a request with nothing in it is a heartbeat. Refused as missing to those who may not
    read the run, as forbidden to its viewers."""
    path = f"/files/{world.team}/private/run/file_stream"
    if browser:
        client, csrf = world.browser(role)
        response = client.post(path, json={"files": {}}, headers={"X-Runbase-CSRF": csrf})
    else:
        key = world.keys[role]
        response = plain_http.post(world.server.url + path, json={"files": {}}, auth=None if key is None else ("api", key))
    assert response.status_code in (200, 401, 403, 404), response.text
    if response.status_code != 200:
        assert response.json()["errors"][0]["extensions"]["code"] in DENIALS, response.text
    return response.status_code == 200


CREATE_RUN_FILES = """mutation($t: String, $f: [String!]!) { createRunFiles(input: {entityName: $t, projectName:
    "private", runName: "run", files: $f}) { files { uploadUrl } } }"""


def _upload(world: World, role: str) -> bool:
    """An upload URL made for the role, then its PUT (which carries no key)."""
    answer = world.graphql(role, CREATE_RUN_FILES, {"t": world.team, "f": [f"upload-{role}.txt"]})
    if answer.get("errors"):
        assert answer["errors"][0]["extensions"]["code"] in DENIALS, answer
        return False
    [made] = answer["data"]["createRunFiles"]["files"]
    response = plain_http.put(made["uploadUrl"], content=f"uploaded by {role}".encode())
    assert response.status_code in (200, 403, 404), response.text
    return response.status_code == 200


RUN_FILE = """query($t: String) { project(name: "private", entityName: $t) { run(name: "run") { fileCount
    file(name: "f.txt") { url directUrl md5 mimetype } } } }"""


def _run_file_download(world: World, role: str) -> bool:
    """The team's run's file, by the URL its File gives the role; both URLs are the one signed for the role."""
    answer = world.graphql(role, RUN_FILE, {"t": world.team})
    if answer.get("errors"):
        assert answer["errors"][0]["extensions"]["code"] in DENIALS, answer
        return False
    if answer["data"]["project"] is None:
        return False
    run = answer["data"]["project"]["run"]
    assert run["fileCount"] >= 1 and run["file"]["url"] == run["file"]["directUrl"], run
    response = plain_http.get(run["file"]["url"])
    assert response.status_code in (200, 403, 404), response.text
    return response.status_code == 200 and run["file"]["md5"] == base64.b64encode(
        hashlib.md5(response.content).digest()).decode()


ARTIFACT_FILES = """mutation($i: CreateArtifactFilesInput!) { createArtifactFiles(input: $i) {
    files { edges { node { uploadUrl } } } } }"""
CURRENT_MANIFEST = "query($id: ID!) { artifact(id: $id) { currentManifest { file { directUrl } } } }"


def _artifact_upload(world: World, role: str) -> bool:
    """An upload URL for a file of a PENDING version of the team's, made for the role, then its PUT."""
    made = world.setup(CREATE_ARTIFACT, {"i": {"entityName": world.team, "projectName": "private",
                                               "artifactTypeName": "model", "artifactCollectionName": "uploaded"}})
    body = f"uploaded by {role}".encode()
    md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
    answer = world.graphql(role, ARTIFACT_FILES, {"i": {"artifactFiles": [
        {"artifactID": made["createArtifact"]["artifact"]["id"], "name": "w.bin", "md5": md5}]}})
    if answer.get("errors"):
        assert answer["errors"][0]["extensions"]["code"] in DENIALS, answer
        return False
    [edge] = answer["data"]["createArtifactFiles"]["files"]["edges"]
    response = plain_http.put(edge["node"]["uploadUrl"], content=body)
    assert response.status_code in (200, 403, 404), response.text
    return response.status_code == 200


MULTIPART_FILES = """mutation($i: CreateArtifactFilesInput!) { createArtifactFiles(input: $i) {
    files { edges { node { storagePath uploadMultipartUrls { uploadID uploadUrlParts { uploadUrl } } } } } } }"""
COMPLETE_MULTIPART = """mutation($i: CompleteMultipartUploadArtifactInput!) { completeMultipartUploadArtifact(input: $i) {
    digest } }"""


def _artifact_multipart(world: World, role: str) -> bool:
    """A multipart upload of a file of a PENDING version of the team's, started, sent and completed by the role."""
    made = world.setup(CREATE_ARTIFACT, {"i": {"entityName": world.team, "projectName": "private",
                                               "artifactTypeName": "model", "artifactCollectionName": "in-parts"}})
    artifact_id = made["createArtifact"]["artifact"]["id"]
    body = f"uploaded in one part by {role}".encode()
    md5 = hashlib.md5(body)
    answer = world.graphql(role, MULTIPART_FILES, {"i": {"artifactFiles": [{
        "artifactID": artifact_id, "name": "w.bin", "md5": base64.b64encode(md5.digest()).decode(),
        "uploadPartsInput": [{"partNumber": 1, "hexMD5": md5.hexdigest()}]}]}})
    if answer.get("errors"):
        assert answer["errors"][0]["extensions"]["code"] in DENIALS, answer
        return False
    [edge] = answer["data"]["createArtifactFiles"]["files"]["edges"]
    upload = edge["node"]["uploadMultipartUrls"]
    response = plain_http.put(upload["uploadUrlParts"][0]["uploadUrl"], content=body)
    assert response.status_code == 200, response.text
    return _mutation(COMPLETE_MULTIPART, lambda w, r: {"i": {
        "completeMultipartAction": "Complete", "artifactID": artifact_id, "storagePath": "w.bin",
        "uploadID": upload["uploadID"], "completedParts": [{"partNumber": 1, "hexMD5": response.headers["ETag"]}]}})(
        world, role)


ARTIFACT_MANIFEST = """mutation($i: CreateArtifactManifestInput!) { createArtifactManifest(input: $i) {
    artifactManifest { id } } }"""


def _artifact_base(world: World, role: str) -> bool:
    """The team's version named as the base of a PENDING version in the role's own project (whose manifest may
    then list the base's files without uploading them)."""
    made = world.graphql(role, CREATE_ARTIFACT, {"i": {"projectName": "own-base", "artifactTypeName": "model",
                                                       "artifactCollectionName": "built-on"}})
    if made.get("errors"):
        assert role == "anonymous" and made["errors"][0]["extensions"]["code"] in DENIALS, made
        return False
    return _mutation(ARTIFACT_MANIFEST, lambda w, r: {"i": {
        "artifactID": made["data"]["createArtifact"]["artifact"]["id"], "name": "wandb_manifest.json", "digest": "x",
        "baseArtifactID": w.ids["version"]["id"]}})(world, role)


def _artifact_download(world: World, role: str) -> bool:
    """The team's version's manifest, by the signed URL made for the role."""
    answer = world.graphql(role, CURRENT_MANIFEST, {"id": world.ids["version"]["id"]})
    if answer.get("errors"):
        assert answer["errors"][0]["extensions"]["code"] in DENIALS, answer
        return False
    if answer["data"]["artifact"] is None:
        return False
    response = plain_http.get(answer["data"]["artifact"]["currentManifest"]["file"]["directUrl"])
    assert response.status_code in (200, 403, 404), response.text
    return response.status_code == 200


MEMBERSHIP_FILES = """query($t: String) { project(name: "private", entityName: $t) {
    artifactCollectionMembership(name: "weights:v0") { files { edges { node { name directUrl } } } } } }"""


def _artifact_file_download(world: World, role: str) -> bool:
    """The team's version's file, by the signed URL its membership's files give the role. The file is a
    reference: once the URL's user may read the version, the GET answers 400 that it is not stored here."""
    answer = world.graphql(role, MEMBERSHIP_FILES, {"t": world.team})
    if answer.get("errors"):
        assert answer["errors"][0]["extensions"]["code"] in DENIALS, answer
        return False
    if answer["data"]["project"] is None or answer["data"]["project"]["artifactCollectionMembership"] is None:
        return False
    [edge] = answer["data"]["project"]["artifactCollectionMembership"]["files"]["edges"]
    response = plain_http.get(edge["node"]["directUrl"])
    assert response.status_code in (400, 403, 404), response.text
    return response.status_code == 400 and "reference" in response.json()["errors"][0]["message"]


def _placed(world: World, role: str) -> list[dict[str, str]]:
    """The role's own alias of the team's version, in its sequence, as W&B's ArtifactCollectionAliasInput."""
    return [{"entityName": world.team, "projectName": "private", "artifactCollectionName": "weights",
             "alias": f"by-{role.replace('_', '-')}"}]


def _history_columns(world: World, role: str, route: str = "columns", size: dict[str, int] | None = None) -> bool:
    """Denied exactly as a run that is not there: the same status and words, so a refusal tells nothing."""
    key = world.keys[role]

    def post(run: str) -> httpx.Response:
        return plain_http.post(f"{world.server.url}/history/{route}",
                               json={"entity": world.team, "project": "private", "run": run, **(size or {"limit": 10})},
                               headers={} if key is None else {"Authorization": f"Bearer {key}"})

    response = post("run")
    assert response.status_code in (200, 401, 404), response.text
    if response.status_code == 404:
        missing = post("no-such-run").json()["errors"][0]["message"]
        assert response.json()["errors"][0]["message"] == missing.replace("no-such-run", "run")
    return response.status_code == 200


def _browser(request: Callable[[World, httpx.Client, dict[str, str]], httpx.Response]) -> Check:
    """A request through the role's session cookie with its CSRF token: allowed on 200, denied as 401 (no
    session) or as what is missing; a GraphQL refusal as _query and _mutation tell it."""
    def check(world: World, role: str) -> bool:
        client, csrf = world.browser(role)
        response = request(world, client, {"X-Runbase-CSRF": csrf})
        assert response.status_code in (200, 401, 404), response.text
        if response.status_code != 200:
            assert response.json()["errors"][0]["extensions"]["code"] in DENIALS, response.text
            return False
        if response.headers["content-type"] != "application/json":
            return True
        body = response.json()
        if body.get("errors"):
            assert body["errors"][0]["extensions"]["code"] in DENIALS, body
            return False
        data = body.get("data", body)
        return bool(data.get("project") and data["project"].get("run")) if "project" in data else bool(data)
    return check


def _run_query(world: World) -> dict[str, Any]:
    return {"query": 'query($t: String) { project(name: "private", entityName: $t) { run(name: "run") { id } } }',
            "variables": {"t": world.team}}


def _team(world: World, _: str) -> dict[str, Any]:
    return {"t": world.team}


CELLS: dict[tuple[str, str], Check] = {
    ("entity", "read"): _query("query($t: String!) { entity(name: $t) { name } }",
                               lambda d: d["entity"] is not None, _team),
    ("entity", "write"): _mutation(PROJECT, lambda w, r: {"i": {"entityName": w.team, "name": f"made-{r}"}}),
    ("entity", "list"): _query(
        "query($t: String!) { projects(entityName: $t, first: 100) { edges { node { name } } } }",
        lambda d: "private" in {e["node"]["name"] for e in d["projects"]["edges"]}, _team),
    ("entity", "told writable"): _query("query($t: String!) { entity(name: $t) { readOnly } }",
                                        lambda d: d["entity"] is not None and d["entity"]["readOnly"] is False, _team),
    ("public project", "told writable"): _query(
        "query($t: String) { project(name: \"public\", entityName: $t) { readOnly } }",
        lambda d: d["project"] is not None and d["project"]["readOnly"] is False, _team),
    ("entity storage", "read"): _query("query($t: String!) { entity(name: $t) { storageBytes } }",
                                       lambda d: d["entity"] is not None and int(d["entity"]["storageBytes"]) > 0,
                                       _team),
    ("membership", "read"): _query("query($t: String!) { entity(name: $t) { members { username } } }",
                                   lambda d: bool(d["entity"] and d["entity"]["members"]), _team),
    ("membership", "write"): _mutation(INVITE, lambda w, r: {"i": {"entityName": w.team, "username":
                                                                   w.names["viewer"], "role": "viewer"}}),
    ("membership", "delete"): _mutation("mutation($t: String!, $id: ID!) { deleteInvite(input: {entityName: $t, "
                                        "id: $id}) { success } }",
                                        lambda w, r: {"t": w.team, "id": w.ids[f"del member {r}"]}),
    ("private project", "read"): _query("query($t: String) { project(name: \"private\", entityName: $t) { id } }",
                                        lambda d: d["project"] is not None, _team),
    ("private project", "write"): _mutation(PROJECT, lambda w, r: {"i": {"entityName": w.team, "name": "private",
                                                                         "description": r}}),
    ("public project", "read"): _query("query($t: String) { project(name: \"public\", entityName: $t) { id } }",
                                       lambda d: d["project"] is not None, _team),
    ("public project", "write"): _mutation(PROJECT, lambda w, r: {"i": {"entityName": w.team, "name": "public",
                                                                        "description": r}}),
    ("public project", "list"): _query(
        "query($t: String!) { projects(entityName: $t, first: 100) { edges { node { name } } } }",
        lambda d: "public" in {e["node"]["name"] for e in d["projects"]["edges"]}, _team),
    ("run", "read"): _query("query($t: String) { project(name: \"private\", entityName: $t) { run(name: \"run\") "
                            "{ id } } }", lambda d: bool(d["project"] and d["project"]["run"]), _team),
    ("run", "write"): _mutation(BUCKET, lambda w, r: {"i": {"entityName": w.team, "modelName": "private",
                                                            "name": "run", "notes": r}}),
    ("run", "delete"): _mutation("mutation($i: DeleteRunInput!) { deleteRun(input: $i) { success } }",
                                 lambda w, r: {"i": {"id": w.ids[f"del run {r}"]}}),
    ("run", "update"): _mutation(UPDATE_RUN, lambda w, r: {"i": {"entityName": w.team, "projectName": "private",
                                                                 "runName": "run", "notes": r, "tags": [r]}}),
    ("run", "rewind"): _mutation(
        "mutation($i: RewindRunInput!) { rewindRun(input: $i) { rewoundRun { historyLineCount } } }",
        lambda w, r: {"i": {"entityName": w.team, "projectName": "private", "runName": "run", "metricName": "_step",
                            "metricValue": 1}}),
    ("run", "stop"): _mutation("mutation($id: ID!) { stopRun(input: {id: $id}) { success } }",
                               lambda w, r: {"id": w.ids["run"]}),
    ("run", "told writable"): _query(
        "query($t: String) { project(name: \"private\", entityName: $t) { run(name: \"run\") { readOnly } } }",
        lambda d: bool(d["project"] and d["project"]["run"]) and d["project"]["run"]["readOnly"] is False, _team),
    ("run", "fork"): _mutation(BUCKET, lambda w, r: {"i": {
        "entityName": w.team, "modelName": "private", "name": f"fork-{r}",
        "config": '{"_wandb": {"value": {"branch_point": {"run_id": "run", "step": 1}}}}'}}),
    ("run file", "read"): _file,
    ("run page", "read"): _query(RUN_PAGE, lambda d: any(n["name"] == "run" for n in _page_nodes(d)), _team),
    ("run page", "told writable"): _query(
        RUN_PAGE, lambda d: any(n["name"] == "run" and n["readOnly"] is False for n in _page_nodes(d)), _team),
    ("run groups", "read"): _query(
        "query($t: String) { project(name: \"private\", entityName: $t) { runGroups(key: \"lr\") { groups "
        "{ count } } } }", lambda d: bool(d["project"] and d["project"]["runGroups"]["groups"]), _team),
    ("run keys", "read"): _query(
        "query($t: String) { project(name: \"private\", entityName: $t) { runKeys { summary } } }",
        lambda d: bool(d["project"] and d["project"]["runKeys"]["summary"]), _team),
    ("history columns", "read"): _history_columns,
    ("history sample", "read"): lambda w, r: _history_columns(w, r, "sample", {"samples": 10}),
    ("system stream", "read"): _query(
        "query($t: String) { project(name: \"private\", entityName: $t) { run(name: \"run\") { events "
        "systemMetrics } } }", lambda d: bool(d["project"] and d["project"]["run"]), _team),
    ("console", "read"): _query(
        "query($t: String) { project(name: \"private\", entityName: $t) { run(name: \"run\") { consoleTail "
        "consoleLines(offset: 0, limit: 10) } } }", lambda d: bool(d["project"] and d["project"]["run"]), _team),
    ("system stream", "write"): _mutation(
        "mutation($i: LogHistoryInput!) { logHistory(input: $i) { eventsLineCount } }",
        lambda w, r: {"i": {"entityName": w.team, "projectName": "private", "runName": "run", "rows": "[]",
                            "systemRows": '[{"cpu": 1.5, "_timestamp": 1.0, "_runtime": 1.0}]',
                            "systemStart": ROLES.index(r)}}),
    ("file stream", "write"): _file_stream,
    ("direct upload", "create"): _direct_upload, ("direct transfers offer", "read"): _direct_offer,
    ("run file upload URL", "create"): _mutation(CREATE_RUN_FILES, lambda w, r: {"t": w.team, "f": [f"made-{r}"]}),
    ("run file upload URL", "write"): _upload,
    ("artifact upload URL", "write"): _artifact_upload,
    ("artifact multipart upload", "write"): _artifact_multipart,
    ("artifact download URL", "read"): _artifact_download,
    ("artifact manifest base", "read"): _artifact_base,
    ("version membership", "read"): _query(
        "query($t: String) { project(name: \"private\", entityName: $t) { "
        "artifactCollectionMembership(name: \"weights:latest\") { id artifact { id } } } }",
        lambda d: bool(d["project"] and d["project"]["artifactCollectionMembership"]), _team),
    ("artifact file download URL", "read"): _artifact_file_download,
    ("run file download URL", "read"): _run_file_download,
    ("run file upload URL (File.url)", "create"): _query(
        "query($t: String) { project(name: \"private\", entityName: $t) { run(name: \"run\") { "
        "file(name: \"f.txt\") { url(upload: true) } } } }",
        lambda d: bool(d["project"] and "/files/uploads/" in d["project"]["run"]["file"]["url"]), _team),
    ("history (W&B's shapes)", "read"): _query(
        "query($t: String, $s: [JSONString!]!) { project(name: \"private\", entityName: $t) { run(name: \"run\") { "
        "parquetHistory(liveKeys: [\"_step\"]) { liveData } sampledHistory(specs: $s) } } }",
        lambda d: bool(d["project"] and d["project"]["run"]["parquetHistory"]["liveData"]
                       and all("x" in row for row in d["project"]["run"]["sampledHistory"][0])),
        lambda w, r: {"t": w.team, "s": ['{"keys": ["x"]}']}),
    ("collection by id", "read"): _query("query($id: ID!) { artifactCollection(id: $id) { id } }",
                                         lambda d: d["artifactCollection"] is not None,
                                         lambda w, r: {"id": w.ids["version"]["collection"]}),
    ("organization", "read"): _query("query($t: String!) { entity(name: $t) { organization { orgEntity { name } } } }",
                                     lambda d: bool(d["entity"] and d["entity"]["organization"]["orgEntity"]), _team),
    ("sweep", "read"): _query(
        "query($t: String, $s: String!) { project(name: \"private\", entityName: $t) { "
        "sweep(sweepName: $s) { id } } }",
        lambda d: bool(d["project"] and d["project"]["sweep"]),
        lambda w, r: {"t": w.team, "s": w.ids["sweep"]["name"]}),
    ("sweep", "list"): _query(
        "query($t: String) { project(name: \"private\", entityName: $t) { sweeps { edges { node { id } } } } }",
        lambda d: bool(d["project"] and d["project"]["sweeps"]["edges"]), _team),
    ("sweep", "create"): _mutation(SWEEP, lambda w, r: {"i": {"entityName": w.team, "projectName": "private",
                                                              "config": SWEEP_CONFIG}}),
    ("sweep", "write"): _mutation(SWEEP, lambda w, r: {"i": {"id": w.ids["sweep"]["id"], "state": "PAUSED"}}),
    ("sweep", "agent"): _mutation(
        AGENT, lambda w, r: {"i": {"entityName": w.team, "projectName": "private", "sweep": w.ids["sweep"]["name"]}}),
    ("sweep agent", "write"): _mutation(
        "mutation($i: AgentHeartbeatInput!) { agentHeartbeat(input: $i) { commands } }",
        lambda w, r: {"i": {"id": w.ids["agent"]["id"], "runState": "{}"}}),
    ("version", "read"): _query("query($id: ID!) { artifact(id: $id) { id } }", lambda d: d["artifact"] is not None,
                                lambda w, r: {"id": w.ids["version"]["id"]}),
    ("version", "write"): _mutation("mutation($i: UpdateArtifactInput!) { updateArtifact(input: $i) { artifact "
                                    "{ id } } }",
                                    lambda w, r: {"i": {"artifactID": w.ids["version"]["id"], "description": r}}),
    ("version", "delete"): _mutation("mutation($i: DeleteArtifactInput!) { deleteArtifact(input: $i) { success "
                                     "artifact { id } } }",
                                     lambda w, r: {"i": {"artifactID": w.ids[f"del version {r}"]}}),
    ("version aliases", "write"): _mutation("mutation($i: AddAliasesInput!) { addAliases(input: $i) { success } }",
                                            lambda w, r: {"i": {"artifactID": w.ids["version"]["id"],
                                                                "aliases": _placed(w, r)}}),
    ("version aliases", "delete"): _mutation(
        "mutation($i: DeleteAliasesInput!) { deleteAliases(input: $i) { success } }",
        lambda w, r: {"i": {"artifactID": w.ids["version"]["id"], "aliases": _placed(w, r)}}),
    ("version files by name", "read"): _query(
        "query($t: String) { project(name: \"private\", entityName: $t) { artifactCollectionMembership("
        "name: \"weights:latest\") { files(names: [\"w\"]) { edges { node { displayName } } } } } }",
        lambda d: bool(d["project"] and d["project"]["artifactCollectionMembership"]["files"]["edges"]), _team),
    ("version tags (W&B's tagsToAdd)", "write"): _mutation(
        "mutation($i: UpdateArtifactInput!) { updateArtifact(input: $i) { artifact { id } } }",
        lambda w, r: {"i": {"artifactID": w.ids["version"]["id"], "tagsToAdd": [{"tagName": f"by-{r}"}]}}),
    ("collection versions (W&B's VersionedArtifactConnection)", "read"): _query(
        "query($t: String) { project(name: \"private\", entityName: $t) { artifactCollection(name: \"weights\") { "
        "artifacts { edges { version } } } } }",
        lambda d: bool(d["project"] and d["project"]["artifactCollection"]["artifacts"]["edges"]), _team),
    ("server info (W&B's versions)", "read"): _query(
        "{ serverInfo { cliVersionInfo latestLocalVersionInfo { outOfDate } } }",
        lambda d: bool(d["serverInfo"]["cliVersionInfo"]["max_cli_version"]), lambda w, r: {}),
    ("user search", "read"): _query("query($n: String) { users(query: $n) { edges { node { username } } } }",
                                    lambda d: bool(d["users"]["edges"]), lambda w, r: {"n": w.names.get(r)}),
    ("version", "link"): _mutation(LINK, lambda w, r: {"i": {
        "artifactID": w.ids["version"]["id"], "entityName": w.names.get(r, "nobody"), "projectName": "mine",
        "artifactPortfolioName": "shared"}}),
    ("collection", "read"): _query("query($t: String) { project(name: \"private\", entityName: $t) { "
                                   "artifactCollection(name: \"weights\") { id } } }",
                                   lambda d: bool(d["project"] and d["project"]["artifactCollection"]), _team),
    ("collection", "write"): _mutation("mutation($i: UpdateArtifactCollectionInput!) { updateArtifactCollection("
                                       "input: $i) { artifactCollection { id } } }",
                                       lambda w, r: {"i": {"id": w.ids["version"]["collection"], "description": r}}),
    ("collection", "delete"): _mutation("mutation($i: DeleteArtifactCollectionInput!) { deleteArtifactCollection("
                                        "input: $i) { success } }",
                                        lambda w, r: {"i": {"id": w.ids[f"del collection {r}"]}}),
    ("integration", "read"): _query("query($t: String!) { entity(name: $t) { integrations { "
                                    "... on GenericWebhookIntegration { name } } } }",
                                    lambda d: bool(d["entity"] and any(i.get("name") == "hook"
                                                                       for i in d["entity"]["integrations"])), _team),
    ("integration", "write"): _mutation(HOOK, lambda w, r: {"i": {"entityName": w.team, "name": f"new-{r}",
                                                                  "urlEndpoint": "https://ci.example/hook"}}),
    ("integration", "delete"): _mutation("mutation($id: ID!) { deleteIntegration(input: {id: $id}) { success } }",
                                         lambda w, r: {"id": w.ids[f"del hook {r}"]}),
    ("automation", "read"): _query("query($id: ID!) { trigger(id: $id) { id } }", lambda d: d["trigger"] is not None,
                                   lambda w, r: {"id": w.ids["trigger watch"]}),
    ("automation", "list"): _query("query($t: String) { triggers(entityName: $t, first: 100) { edges { node { name } "
                                   "} } }", lambda d: "watch" in {e["node"]["name"] for e in d["triggers"]["edges"]},
                                   _team),
    ("automation", "write"): _mutation("mutation($i: UpdateFilterTriggerInput!) { updateFilterTrigger(input: $i) "
                                       "{ trigger { id } } }",
                                       lambda w, r: {"i": {"id": w.ids["trigger watch"], "description": r}}),
    ("automation", "delete"): _mutation("mutation($id: ID!) { deleteTrigger(input: {id: $id}) { success } }",
                                        lambda w, r: {"id": w.ids[f"trigger del-{r}"]}),
    ("delivery", "read"): _query("query($id: ID!) { delivery(id: $id) { id } }", lambda d: d["delivery"] is not None,
                                 lambda w, r: {"id": w.ids["delivery"]}),
    ("delivery", "write"): _mutation("mutation($id: ID!) { redeliver(input: {deliveryId: $id}) { delivery { id } } }",
                                     lambda w, r: {"id": w.ids["delivery"]}),
}
for _visibility in ("organization", "restricted"):
    _kind = f"{_visibility} registry"
    CELLS[(_kind, "read")] = _query(
        "query($n: String!, $t: String) { registry(name: $n, organization: $t) { id } }",
        lambda d: d["registry"] is not None,
        lambda w, r, v=_visibility: {"n": w.ids[f"{v} registry"]["fullName"], "t": w.team})
    CELLS[(_kind, "link")] = _mutation(LINK, lambda w, r, v=_visibility: {"i": {
        "artifactID": w.ids.get(f"own version {r}", w.ids["version"]["id"]), "entityName": w.team,
        "projectName": w.ids[f"{v} registry"]["fullName"], "artifactPortfolioName": f"linked-{r}"}})
    CELLS[(_kind, "write")] = _mutation(
        "mutation($i: UpdateRegistryInput!) { updateRegistry(input: $i) { registry { id } } }",
        lambda w, r, v=_visibility: {"i": {"id": w.ids[f"{v} registry"]["id"], "description": r}})
CELLS[("organization registry", "delete")] = _mutation(
    "mutation($id: ID!) { deleteRegistry(input: {id: $id}) { success } }",
    lambda w, r: {"id": w.ids[f"del registry {r}"]})


def _listed(visibility: str) -> Check:
    def check(world: World, role: str) -> bool:
        answer = world.graphql(role, "query($t: String) { registries(organization: $t, first: 1000) { edges { node "
                                     "{ fullName } } } }", {"t": world.team})
        if answer.get("errors"):
            assert answer["errors"][0]["extensions"]["code"] in DENIALS, answer
            return False
        listed = {edge["node"]["fullName"] for edge in answer["data"]["registries"]["edges"]}
        return world.ids[f"{visibility} registry"]["fullName"] in listed
    return check


def _web_session(world: World, role: str) -> bool:
    client, _ = world.browser(role)
    response = client.get("/api/session")
    assert response.status_code in (200, 401), response.text
    return response.status_code == 200 and response.json()["username"] == world.names[role]


CELLS[("web session", "read")] = _web_session
CELLS[("run (browser)", "read")] = _browser(
    lambda w, client, headers: client.post("/graphql", json=_run_query(w), headers=headers))
CELLS[("run (browser)", "write")] = _browser(lambda w, client, headers: client.post("/graphql", json={
    "query": BUCKET, "variables": {"i": {"entityName": w.team, "modelName": "private", "name": "run",
                                         "notes": "from a browser"}}}, headers=headers))
CELLS[("run (browser)", "update")] = _browser(lambda w, client, headers: client.post("/graphql", json={
    "query": UPDATE_RUN, "variables": {"i": {"entityName": w.team, "projectName": "private", "runName": "run",
                                             "displayName": "from a browser"}}}, headers=headers))
CELLS[("run file (browser)", "read")] = _browser(  # a download: a GET, which needs no CSRF header
    lambda w, client, _: client.get(f"/files/{w.team}/private/run/f.txt"))
CELLS[("history columns (browser)", "read")] = _browser(lambda w, client, headers: client.post(
    "/history/columns", json={"entity": w.team, "project": "private", "run": "run", "limit": 10},
    headers=headers))
CELLS[("history sample (browser)", "read")] = _browser(lambda w, client, headers: client.post(
    "/history/sample", json={"entity": w.team, "project": "private", "run": "run", "samples": 10},
    headers=headers))
CELLS[("file stream (browser)", "write")] = lambda w, r: _file_stream(w, r, browser=True)
CELLS[("api key (browser)", "write")] = _browser(lambda w, client, headers: client.post("/graphql", json={
    "query": "mutation { generateApiKey(input: {}) { key } }"}, headers=headers))
CELLS[("membership (browser)", "write")] = _browser(lambda w, client, headers: client.post("/graphql", json={
    "query": INVITE, "variables": {"i": {"entityName": w.team, "username": w.names["viewer"], "role": "viewer"}}},
    headers=headers))
CELLS[("registry membership", "write")] = _mutation(REGISTRY_MEMBERS % "add", lambda w, r: {"i": {
    "registryId": w.ids["members registry"]["id"], "usernames": [w.ids["registry guest"]], "role": "viewer"}})
for _change, _action in (("add", "write"), ("remove", "delete")):
    CELLS[("registry membership (browser)", _action)] = _browser(
        lambda w, client, headers, c=_change: client.post("/graphql", json={
            "query": REGISTRY_MEMBERS % c, "variables": {"i": {"registryId": w.ids["members registry"]["id"],
                                                              "usernames": [w.ids["registry guest"]]}}},
            headers=headers))
CELLS[("team naming its admin (browser)", "create")] = _browser(lambda w, client, headers: client.post(
    "/graphql", json={"query": "mutation($i: CreateTeamInput!) { createTeam(input: $i) { entity { name } } }",
                      "variables": {"i": {"teamName": _unique("theirs"), "adminUserName": w.ids["registry guest"]}}},
    headers=headers))
CELLS[("organization registry", "list")] = _listed("organization")
CELLS[("restricted registry", "list")] = _listed("restricted")
assert set(CELLS) == set(EXPECTED)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("cell", sorted(EXPECTED), ids=lambda cell: f"{cell[0]}-{cell[1]}".replace(" ", "_"))
def test_access_matrix(world: World, cell: tuple[str, str], role: str) -> None:
    allowed = CELLS[cell](world, role)
    assert allowed == (role in EXPECTED[cell]), f"{role} {cell[1]} {cell[0]}: {'allowed' if allowed else 'denied'}"
