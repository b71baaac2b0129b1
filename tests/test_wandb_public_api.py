"""W&B's public API, wandb.Api() of the official client (its pinned release, in .venv-wandb, unchanged), reading a
real runbase server on SQLite and PostgreSQL: history (scan_history, with and without keys, and history), run
files (listing, md5, mimetype, the signed URLs, downloading), projects, lineage (logged and used versions, their
runs), collections (aliases, tags, versions) and a link into a registry through the entity's organization.

One small script is logged twice: by runbase's own SDK (`import runbase as wandb`) and by the official client,
which then reads both runs with wandb.Api() in the same process. The differential test compares, field by field,
what wandb.Api() read of the run runbase's SDK logged with what runbase's own Api reads of it. A logging proxy
(official_client.py) records every operation the client sent, written to test-outputs/wandb-VERSION-public-api-
BACKEND.json, and all of it must be answered.

What the official client itself makes of values JSON cannot hold (documented, as W&B's server sends them):
runbase stores every value exactly (NaN, the infinities, integers beyond 2^53, keys with dots and any
character). Where W&B's schema says JSON (sampledHistory, which scan_history(keys=...) and history(keys=...)
read), NaN and the infinities travel as the strings "NaN", "Infinity" and "-Infinity", as W&B's server sends
them, since the client's core (in Go) refuses a bare NaN; its core also reads those numbers as doubles, so
scan_history(keys=...) rounds integers beyond 2^53, while history(keys=...) (parsed in Python) keeps them. The
rows scan_history() reads without keys travel as JSON text and come back exact, as runbase's own Api reads them."""

from __future__ import annotations

import base64
import hashlib
import inspect
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import plain_http
from conftest import Server, run_script, sdk_environment
from official_client import OLDER, VERSION, LoggingProxy, need_wandb, new_user, run_wandb, wandb_environment
from test_wandb_client import NOT_ANSWERED

ROWS = 30
NOTES = b"saved with the run\n"
# The script both clients run, with `wandb` the official client or runbase's SDK imported under its name.
LOG = """
run = wandb.init(project="pub", id=RUN, config={"lr": 0.01, "layers": [64, 32], "opt": {"name": "adam"},
                                                "big": 2**62})
for step in range(ROWS):
    run.log(_row(step))
run.summary["best"] = 0.5
run.summary["wide"] = 1e16  # floats that JSONB would keep as whole numbers if written with an exponent
run.summary["wider"] = 2.0**60
with open("notes.txt", "wb") as out:
    out.write(NOTES)
run.save("notes.txt", policy="now")
artifact = wandb.Artifact(RUN + "-ds", type="dataset")
artifact.add_file("notes.txt")
run.log_artifact(artifact, aliases=["best"])
run.finish()
user = wandb.init(project="pub", id=RUN + "-use", job_type="eval")
user.use_artifact(RUN + "-ds:best")
user.finish()
"""
# The official client's own run with a version to change (v0, "temp") and one to delete (v1), logged before READ.
EXTRA = """
extra = wandb.init(project="pub", id="wb-extra")
for contents, aliases in ((b"scratch 0\\n", ["temp"]), (b"scratch 1\\n", [])):
    with open("scratch.txt", "wb") as out:
        out.write(contents)
    scratch = wandb.Artifact("scratch", type="dataset")
    scratch.add_file("scratch.txt")
    scratch.add_file("notes.txt", name="more/notes.txt")
    extra.log_artifact(scratch, aliases=aliases).wait()
extra.finish()
"""
# Filters on the wide summary values, with the runs of both clients they find.
WIDE_FILTERS = [{"summary_metrics.wide": 1e16}, {"summary_metrics.wide": {"$gte": 1e16}},
                {"summary_metrics.wide": {"$gt": 1e16}}, {"summary_metrics.wider": {"$lt": 2.0**61}},
                {"summary_metrics.wider": {"$eq": 2.0**60}}, {"summary_metrics.wider": {"$lt": 2.0**60}}]
WIDE_FOUND = [["rb", "wb"], ["rb", "wb"], [], ["rb", "wb"], ["rb", "wb"], []]
KEYS = ["loss", "maybe", "up", "count", "\u00fc.dotted/key", "odd"]
# wandb.Api() in the same process, after the official client's runs: everything it reads of both runs.
READ = """
import base64, hashlib, json, wandb
api = wandb.Api()
entity = api.default_entity
out = {"entity": entity, "runs": {}}
for name in ("wb", "rb"):
    run = api.run(f"{entity}/pub/{name}")
    files = {}
    for file in run.files():
        with file.download(root=f"dl-{name}", replace=True) as opened, open(opened.name, "rb") as raw:
            data = raw.read()
        files[file.name] = {"size": file.size, "md5": file.md5, "mimetype": file.mimetype,
                            "signed": file.url == file.direct_url and "/files/downloads/" in file.url,
                            "sha256": hashlib.sha256(data).hexdigest(),
                            "downloaded_md5": base64.b64encode(hashlib.md5(data).digest()).decode()}
    collection = api.artifact_collection("dataset", f"{entity}/pub/{name}-ds")
    artifact = api.artifact(f"{entity}/pub/{name}-ds:best")
    out["runs"][name] = {
        "config": run.config, "summary": dict(run.summary), "state": run.state,
        "scan": list(run.scan_history()),
        "scan_keys": list(run.scan_history(keys=["loss", "maybe", "up", "count"], page_size=7)),
        "scan_sparse": [row["_step"] for row in run.scan_history(keys=["odd"], page_size=7)],
        "scan_range": [row["_step"] for row in run.scan_history(min_step=5, max_step=12, page_size=3)],
        "history": run.history(samples=1000, pandas=False),
        "history_keys": run.history(keys=KEYS, samples=1000, pandas=False),
        "files": files, "file_names": [f.name for f in run.files(names=["notes.txt"])],
        "logged": [a.name for a in run.logged_artifacts()],
        "used": [a.name for a in api.run(f"{entity}/pub/{name}-use").used_artifacts()],
        "logged_by": artifact.logged_by().id, "used_by": [r.id for r in artifact.used_by()],
        "collection": {"aliases": sorted(collection.aliases), "tags": collection.tags,
                       "versions": [a.version for a in collection.artifacts()]},
    }
team = api.team(TEAM)
out["team"] = {"name": team.name, "is_team": team.is_team, "storage_bytes": team.storage_bytes,
               "members": sorted((m.username, m.admin, m.pending) for m in team.members)}
out["wide"] = [sorted(r.id for r in api.runs(f"{entity}/pub", filters=f)) for f in WIDE_FILTERS]
api.artifact(f"{entity}/pub/wb-ds:best").link("wandb-registry-dataset/picked")  # W&B's short path
out["projects"] = sorted(p.name for p in api.projects(entity))
out["owner"] = api.project("pub", entity).owner.username
out["linked"] = [a.source_name for a in api.artifact_collection("dataset", f"{entity}/wandb-registry-dataset/picked")
                 .artifacts()]
try:
    api.run(f"{entity}/pub/wb").file("missing.txt")
except Exception as exc:
    out["missing_file"] = f"{type(exc).__name__}: {exc}"
try:
    wandb.Api(api_key=OTHER_KEY).run(f"{entity}/pub/wb")
except Exception as exc:
    out["other_user"] = f"{type(exc).__name__}: {exc}"
api.create_project(f"made-{RELEASE}", entity)
out["created"] = api.project(f"made-{RELEASE}", entity).name
with open("out.json", "w") as written:
    json.dump(out, written, default=dict)  # the summary's nested values are its own dict type
"""
# Then wandb.Api()'s writes: a version's files (by name too), its aliases, description and metadata saved, a version
# and a run deleted (another user may do neither), and users found by an instance admin (the search is theirs).
CHANGE = """
def refused(call):
    try:
        call()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return "done"

changes = {}
version = api.artifact(f"{entity}/pub/scratch:temp")
changes["files"] = sorted(f.name for f in version.files())
changes["named"] = [(f.name, f.size) for f in version.files(names=["more/notes.txt"])]
changes["none_named"] = [f.name for f in version.files(names=["missing.txt"])]
version.aliases.append("gold")
version.aliases.remove("temp")
version.description = "changed by wandb"
version.metadata = {"k": [1, 2]}
version.save()
again = api.artifact(f"{entity}/pub/scratch:gold")
changes["saved"] = {"aliases": sorted(again.aliases), "description": again.description, "metadata": again.metadata}
others = wandb.Api(api_key=OTHER_KEY)
changes["other_deletes_version"] = refused(lambda: others.artifact(f"{entity}/pub/scratch:v1").delete())
changes["other_deletes_run"] = refused(lambda: others.run(f"{entity}/pub/wb-extra").delete())
api.artifact(f"{entity}/pub/scratch:v1").delete()
changes["versions_left"] = [a.version for a in api.artifact_collection("dataset", f"{entity}/pub/scratch").artifacts()]
api.run(f"{entity}/pub/wb-extra").delete()
changes["run_gone"] = refused(lambda: wandb.Api().run(f"{entity}/pub/wb-extra"))  # wandb.Api() keeps runs read
admin = wandb.Api(api_key=ADMIN_KEY)
changes["user"] = admin.user(entity).username
changes["users"] = [user.username for user in admin.users(entity)]
with open("changes.json", "w") as written:
    json.dump(changes, written)
"""
# wandb 0.22.3 (on SQLite), where it sends other shapes: ServerInfo's cliVersionInfo before listing a type's
# collections, a collection's versions or a version's files, and the version's aliases saved.
OLDER_READ = """
import json, wandb
api = wandb.Api()
entity = api.default_entity
out = {"collections": sorted(c.name for c in api.artifact_type("dataset", f"{entity}/pub").collections()),
       "versions": [a.name for a in api.artifacts("dataset", f"{entity}/pub/scratch")],
       "used": [a.name for a in api.run(f"{entity}/pub/wb-use").used_artifacts()],
       "logged": [a.name for a in api.run(f"{entity}/pub/wb").logged_artifacts()]}
api.create_project(f"made-{RELEASE}", entity)
out["created"] = api.project(f"made-{RELEASE}", entity).name
team = api.team(TEAM)
out["team"] = {"name": team.name, "is_team": team.is_team, "storage_bytes": team.storage_bytes,
               "members": sorted((m.username, m.admin, m.pending) for m in team.members)}
version = api.artifact(f"{entity}/pub/scratch:gold")
out["files"] = sorted(f.name for f in version.files())
out["named"] = [f.name for f in version.files(names=["scratch.txt"])]
version.aliases.append("older")
version.description = "changed by the older client"
version.save()
with open("older.json", "w") as written:
    json.dump(out, written)
"""


@dataclass
class Read:
    server: Server
    user: str
    key: str
    read: dict[str, Any]  # what wandb.Api() read
    recorded: dict[str, Any]
    proxy: LoggingProxy
    changes: dict[str, Any]  # what wandb.Api()'s writes did (CHANGE)
    older: dict[str, Any] | None  # what wandb 0.22.3 read (SQLite only)
    older_recorded: dict[str, Any] | None

    def api(self, key: str | None = None) -> Any:
        """runbase's own Api, as the scenario's user (or the key's)."""
        import runbase

        return runbase.Api(overrides={"base_url": self.server.url}, api_key=key or self.key)


@pytest.fixture(scope="module")
def read(server: Server, backend: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    user, key, home = new_user(server, tmp_path_factory, "pa")
    other = server.create_user(f"{user}-other")
    team = f"{user}-team"  # W&B's Api().team(), read by both releases
    made = server.graphql("mutation($t: String!, $u: String) { createTeam(input: {teamName: $t, adminUserName: $u}) "
                          "{ entity { name } } }", {"t": team, "u": user})
    assert "errors" not in made, made
    constants = (f"import math\nfrom typing import Any\nROWS = {ROWS}\nNOTES = {NOTES!r}\nKEYS = {KEYS!r}\n"
                 f"WIDE_FILTERS = {WIDE_FILTERS!r}\n"
                 f"{inspect.getsource(_row)}")
    run_script(f"import runbase as wandb\nRUN = 'rb'\n{constants}{LOG}",
               {**sdk_environment(server, home / "rb"), "RUNBASE_API_KEY": key}, cwd=home)
    with LoggingProxy(server) as proxy:
        env = {**wandb_environment(proxy, home), "WANDB_API_KEY": key}
        run_wandb(f"import wandb\nRUN = 'wb'\nOTHER_KEY = {other!r}\nADMIN_KEY = {server.key!r}\nTEAM = {team!r}\n"
                  f"RELEASE = 'current'\n"
                  f"{constants}{LOG}"
                  f"{EXTRA}{READ}{CHANGE}", env, cwd=home)
        recorded = proxy.record(f"wandb-{VERSION}-public-api-{backend}")
    older = older_recorded = None
    if backend == "sqlite":
        need_wandb(OLDER)
        with LoggingProxy(server) as older_proxy:
            run_wandb(f"TEAM = {team!r}\nRELEASE = 'older'\n{OLDER_READ}",
                      {**wandb_environment(older_proxy, home), "WANDB_API_KEY": key}, cwd=home, release=OLDER)
            older_recorded = older_proxy.record(f"wandb-{OLDER.version}-public-api-{backend}", OLDER)
        older = json.loads((home / "older.json").read_text())
    yield Read(server, user, key, json.loads((home / "out.json").read_text()), recorded, proxy,
               json.loads((home / "changes.json").read_text()), older, older_recorded)


def _row(step: int) -> dict[str, Any]:
    """The row the script logs at a step (its source goes into the script): values JSON cannot hold, a big
    integer, a key with a dot, a slash and a non-ASCII letter, a string "NaN", a key logged every other step."""
    row = {"loss": 1 / (step + 1), "maybe": math.nan if step % 3 == 0 else float(step), "up": math.inf,
           "down": -math.inf, "count": 2**62 + step, "\u00fc.dotted/key": step, "word": "NaN" if step == 5 else "x"}
    if step % 2:
        row["odd"] = step
    return row


def _logged_rows() -> list[dict[str, Any]]:
    """The rows the script logged, without the clients' own _step, _runtime and _timestamp."""
    return [_row(step) for step in range(ROWS)]


def _same(value: Any) -> Any:
    """A value to compare with ==, where NaN equals NaN (and stays unlike the string "NaN"). An integer equals a
    float only where the float is exactly it: the official client's core writes whole floats as integers."""
    if isinstance(value, float) and math.isnan(value):
        return ("NaN",)
    if isinstance(value, dict):
        return {key: _same(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_same(item) for item in value]
    return value


def _wandb_json(value: Any) -> Any:
    """What W&B's JSON shape makes of a value: NaN and the infinities as strings."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else "Infinity" if value > 0 else "-Infinity"
    return value


def _own(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key not in ("_step", "_runtime", "_timestamp")}


def test_every_operation_the_client_sent_was_answered(read: Read) -> None:
    operations = set(read.recorded["graphql_operations"])
    assert {"RunParquetHistory", "HistoryPage", "SampledHistoryPage", "RunFiles", "GetProjects", "GetProject",
            "RunOutputArtifacts", "RunInputArtifacts", "ProjectArtifactCollection", "ArtifactCollectionAliases",
            "ProjectArtifacts", "FetchOrgInfoFromEntity", "OrganizationCoreWeaveOrganizationID"} <= operations, \
        operations
    assert read.recorded["routes"]["GET /files/downloads/TOKEN/NAME"] >= 2  # notes.txt of each run, at least
    assert set(read.recorded["not_answered"]) <= set(NOT_ANSWERED), read.recorded


@pytest.mark.parametrize("name", ["wb", "rb"])
def test_history_reads_back_exactly(read: Read, name: str) -> None:
    """scan_history() and history() without keys give every row as logged (NaN, infinities, big integers, unicode
    and dotted keys), whichever client logged it; with keys, W&B's JSON shape (see the module's docstring)."""
    logged = _logged_rows()
    found = read.read["runs"][name]
    assert [row["_step"] for row in found["scan"]] == list(range(ROWS))
    assert _same([_own(row) for row in found["scan"]]) == _same(logged)
    assert _same(found["history"]) == _same(found["scan"])
    assert found["scan_keys"] == [
        {"_step": step, "loss": row["loss"], "maybe": _wandb_json(row["maybe"]), "up": "Infinity",
         "count": float(row["count"])} for step, row in enumerate(logged)]  # the client's core reads doubles
    assert found["history_keys"] == [
        {"_step": step, **{key: _wandb_json(row[key]) for key in KEYS}} for step, row in enumerate(logged)
        if "odd" in row]
    assert found["scan_sparse"] == list(range(1, ROWS, 2))  # pages of W&B's inclusive maxStep, none lost
    assert found["scan_range"] == list(range(5, 12))


def test_files_read_back_with_their_md5_and_signed_urls(read: Read) -> None:
    for name in ("wb", "rb"):
        files = read.read["runs"][name]["files"]
        notes = files["notes.txt"]
        assert (notes["size"], notes["sha256"], notes["mimetype"], notes["signed"]) == (
            len(NOTES), hashlib.sha256(NOTES).hexdigest(), "text/plain", True), name
        assert all(file["md5"] == file["downloaded_md5"] for file in files.values()), files
        assert read.read["runs"][name]["file_names"] == ["notes.txt"]
    # W&B's answer for a name the run lacks is no file: the client's own run.file() then fails on an empty list
    assert "list index out of range" in read.read["missing_file"], read.read["missing_file"]


def test_projects_lineage_and_collections(read: Read) -> None:
    found = read.read
    assert found["projects"] == ["pub"]  # registries are listed as registries, not projects
    assert found["owner"] == read.user
    for name in ("wb", "rb"):
        run = found["runs"][name]
        assert (run["logged"], run["used"]) == ([f"{name}-ds:v0"], [f"{name}-ds:v0"])
        assert (run["logged_by"], run["used_by"]) == (name, [f"{name}-use"])
        assert run["collection"] == {"aliases": ["best", "latest"], "tags": [], "versions": ["v0"]}
    assert found["linked"] == ["wb-ds:v0"]  # linked through the entity's organization: the entity itself
    linked = read.api().artifact(f"{read.user}/wandb-registry-dataset/picked:latest")
    assert (linked.is_link, linked.source_name) == (True, "wb-ds:v0")
    assert "Could not find run" in found["other_user"] or "not found" in found["other_user"].lower(), found


def test_what_runbase_logged_reads_the_same_through_both_apis(read: Read, tmp_path: Path) -> None:
    """The differential: the run runbase's SDK logged, through wandb.Api() and through runbase's own Api."""
    wandb_read = read.read["runs"]["rb"]
    api = read.api()
    run = api.run(f"{read.user}/pub/rb")
    assert _same(wandb_read["config"]) == _same(run.config)
    assert _same(wandb_read["summary"]) == _same(dict(run.summary))
    assert wandb_read["state"] == run.state == "finished"
    assert _same(wandb_read["scan"]) == _same(list(run.scan_history()))
    assert _same(wandb_read["history"]) == _same(run.history(samples=1000, pandas=False))
    own_files = {}
    for file in run.files():
        file.download(root=tmp_path)
        contents = (tmp_path / file.name).read_bytes()
        own_files[file.name] = (file.size, hashlib.sha256(contents).hexdigest())
    assert own_files == {name: (file["size"], file["sha256"]) for name, file in wandb_read["files"].items()}
    assert [v.name for v in run.logged_artifacts()] == wandb_read["logged"]
    assert [v.name for v in api.run(f"{read.user}/pub/rb-use").used_artifacts()] == wandb_read["used"]
    version = api.artifact(f"{read.user}/pub/rb-ds:best")
    assert (version.logged_by().id, [r.id for r in version.used_by()]) == (wandb_read["logged_by"],
                                                                           wandb_read["used_by"])
    collection = api.artifact_collection("dataset", f"{read.user}/pub/rb-ds")
    assert {"aliases": sorted(collection.aliases), "tags": collection.tags,
            "versions": [v.version for v in collection.artifacts()]} == wandb_read["collection"]


def test_what_the_official_client_logged_reads_the_same_through_runbase(read: Read) -> None:
    run = read.api().run(f"{read.user}/pub/wb")
    wandb_read = read.read["runs"]["wb"]
    sent = [json.loads(line) for _, line in sorted(read.proxy.lines("wb", "wandb-history.jsonl").items())]
    assert _same(list(run.scan_history())) == _same(wandb_read["scan"]) == _same(sent)
    assert _same(wandb_read["config"]) == _same(run.config)
    assert _same(wandb_read["summary"]) == _same(dict(run.summary))


def test_wide_floats_read_back_as_floats_and_filter_as_numbers(read: Read) -> None:
    """Floats of 1e16 or more (whole numbers) are floats again through both Apis on both databases (JSONB keeps no
    exponent); the official client's core sends such floats as integers, which stay integers. Numeric filters find
    both runs' values, through wandb.Api() and runbase's own Api."""
    for summary in (read.read["runs"]["rb"]["summary"], dict(read.api().run(f"{read.user}/pub/rb").summary)):
        assert (summary["wide"], summary["wider"]) == (1e16, 2.0**60)
        assert (type(summary["wide"]), type(summary["wider"])) == (float, float), summary
    own = read.api().run(f"{read.user}/pub/wb").summary
    assert (own["wide"], own["wider"]) == (read.read["runs"]["wb"]["summary"]["wide"], 2**60)
    assert read.read["wide"] == WIDE_FOUND
    assert [sorted(r.id for r in read.api().runs(f"{read.user}/pub", filters=f)) for f in WIDE_FILTERS] == WIDE_FOUND


# ------------------------------------------------------------------ bad input, driven directly

FILE = """query($e: String, $n: [String]) { project(name: "pub", entityName: $e) { run(name: "wb") {
    fileCount files(names: $n) { edges { node { name url md5 } } } } } }"""


def test_bad_file_names_and_tokens_are_refused_clearly(read: Read) -> None:
    answer = read.server.graphql(FILE, {"e": read.user, "n": ["missing.txt"]}, key=read.key)
    assert answer["data"]["project"]["run"]["files"]["edges"] == []  # as W&B answers
    assert answer["data"]["project"]["run"]["fileCount"] >= 2
    nulls = read.server.graphql(FILE, {"e": read.user, "n": [None]}, key=read.key)
    assert "names must be file names, not null" in nulls["errors"][0]["message"], nulls
    [edge] = read.server.graphql(FILE, {"e": read.user, "n": ["notes.txt"]}, key=read.key)["data"]["project"][
        "run"]["files"]["edges"]
    url = edge["node"]["url"]
    assert plain_http.get(url).content == NOTES
    token, name = url.split("/files/downloads/", 1)[1].split("/")
    payload, signature = token.split(".")
    fields = json.loads(base64.urlsafe_b64decode(payload + "=="))
    moved = base64.urlsafe_b64encode(json.dumps({**fields, "p": "output.log"}).encode()).decode().rstrip("=")
    forged = plain_http.get(f"{read.server.url}/files/downloads/{moved}.{signature}/{name}")
    assert forged.status_code == 403 and "not valid" in forged.json()["errors"][0]["message"]
    assert plain_http.get(f"{read.server.url}/files/downloads/garbage/{name}").status_code == 403
    other = read.server.create_user(f"{read.user}-third")
    hidden = read.server.graphql(FILE, {"e": read.user, "n": ["notes.txt"]}, key=other)
    assert hidden["data"]["project"] is None  # another user's private project: as if it were not there


# The client's core asks this before linking to a registry, where it reads the organization's entity from the server.
ORG_ENTITY = """query FetchOrgEntityFromEntity($entityName: String!) { entity(name: $entityName) {
    organization { name orgEntity { name } coreWeaveOrganizationId } } }"""


def test_an_entity_is_its_own_organization(read: Read) -> None:
    """Registries belong to an entity here, so W&B's organization of an entity is the entity itself; its CoreWeave
    account is none."""
    answer = read.server.graphql(ORG_ENTITY, {"entityName": read.user}, key=read.key)
    assert answer["data"]["entity"]["organization"] == {"name": read.user, "orgEntity": {"name": read.user},
                                                        "coreWeaveOrganizationId": None}, answer


# ------------------------------------------------------------------ wandb.Api()'s writes (CHANGE, OLDER_READ)


def test_a_versions_files_read_by_name(read: Read) -> None:
    changes = read.changes
    assert changes["files"] == ["more/notes.txt", "scratch.txt"]
    assert changes["named"] == [["more/notes.txt", len(NOTES)]]  # W&B's displayName, by the names asked
    assert changes["none_named"] == []


def test_saved_aliases_description_and_metadata_read_back_through_runbase(read: Read) -> None:
    """Artifact.save() after changes: W&B's addAliases and deleteAliases, then updateArtifact, as both clients
    send them; the older client's changes (SQLite) come on top of the current one's."""
    assert read.changes["saved"] == {"aliases": ["gold"], "description": "changed by wandb",  # latest: on v1
                                     "metadata": {"k": [1, 2]}}
    version = read.api().artifact(f"{read.user}/pub/scratch:gold")
    expected = (["gold", "latest"], "changed by wandb") if read.older is None else (  # latest: back from v1
        ["gold", "latest", "older"], "changed by the older client")
    assert (sorted(version.aliases), version.description) == expected
    assert version.metadata == {"k": [1, 2]}
    assert {"AddAliases", "DeleteAliases", "UpdateArtifact"} <= set(read.recorded["graphql_operations"])


def test_a_version_and_a_run_deleted_by_their_writer_only(read: Read) -> None:
    changes = read.changes
    for refusal in (changes["other_deletes_version"], changes["other_deletes_run"]):  # they cannot even see them
        assert refusal != "done" and ("not found" in refusal.lower() or "could not find" in refusal.lower()), refusal
    assert changes["versions_left"] == ["v0"]
    assert "Could not find run" in changes["run_gone"] or "not found" in changes["run_gone"].lower(), changes
    api = read.api()
    with pytest.raises(ValueError, match="no run|not found|Could not find"):
        api.run(f"{read.user}/pub/wb-extra").load(force=True)
    with pytest.raises(Exception, match="v1"):
        api.artifact(f"{read.user}/pub/scratch:v1")
    kept = api.artifact(f"{read.user}/pub/scratch:v0")  # a version outlives the run that logged it, as in W&B
    assert kept.logged_by() is None
    assert {"DeleteArtifact", "DeleteRun"} <= set(read.recorded["graphql_operations"])


def test_users_are_found_by_an_instance_admin_only(read: Read) -> None:
    changes = read.changes
    assert changes["user"] == read.user  # the first of those whose name starts with it
    assert changes["users"] == [read.user, f"{read.user}-other"]
    listed = [user.username for user in read.api(read.server.key).users(read.user)]
    assert listed[:2] == changes["users"]  # and users the module made since
    # W&B's SearchUsers as its client sends it, from a user who is no instance admin (outside the recorded script,
    # whose every operation must be answered): refused, as W&B refuses it
    search = "query SearchUsers($query: String) { users(query: $query) { edges { node { username } } } }"
    refused = read.server.graphql(search, {"query": read.user}, key=read.key)
    assert refused["data"] is None and "only admins can search users" in refused["errors"][0]["message"], refused
    with pytest.raises(Exception, match="only admins"):
        read.api().users(read.user)


def test_a_team_reads_back_through_w_and_bs_api(read: Read) -> None:
    """Api().team(): the fields W&B's clients read of an entity and its members (runbase's answers for what it
    lacks: no pictures, no pending invitations), from both releases."""
    expected = {"name": f"{read.user}-team", "is_team": True, "storage_bytes": 0,
                "members": [[read.user, True, False]]}
    assert read.read["team"] == expected
    if read.older is not None:
        assert read.older["team"] == expected
    own = read.server.graphql("query($e: String!) { entity(name: $e) { storageBytes entityType } }", {"e": read.user},
                              key=read.key)["data"]["entity"]
    assert own["entityType"] == "user" and int(own["storageBytes"]) >= 2 * len(NOTES)  # run files and versions


def test_a_project_made_through_w_and_bs_api(read: Read) -> None:
    """Api().create_project(), from both releases (the older one sends W&B's id, framework and views too)."""
    assert read.read["created"] == "made-current"
    if read.older is not None:
        assert read.older["created"] == "made-older"


def test_the_older_client_lists_collections_versions_and_files(read: Read) -> None:
    if read.older is None:
        pytest.skip(f"wandb {OLDER.version} runs on SQLite only")
    assert {key: value for key, value in read.older.items() if key not in ("team", "created")} == {
        "collections": ["rb-ds", "scratch", "wb-ds"], "versions": ["scratch:v0"],
        "used": ["wb-ds:v0"], "logged": ["wb-ds:v0"],  # InputArtifactConnection for the first
        "files": ["more/notes.txt", "scratch.txt"], "named": ["scratch.txt"]}
    assert read.older_recorded is not None and read.older_recorded["not_answered"] == [], read.older_recorded
    server_info = read.server.graphql("{ serverInfo { cliVersionInfo latestLocalVersionInfo { outOfDate } } }",
                                      key=read.key)["data"]["serverInfo"]
    assert server_info == {"cliVersionInfo": {"max_cli_version": VERSION}, "latestLocalVersionInfo": None}
