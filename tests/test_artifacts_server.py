"""Artifacts through GraphQL on a real server (SQLite and PostgreSQL): versions built, committed, numbered,
deduplicated and aliased; links into portfolios; lineage; deletion rules; downloads and who may make them;
refused bad input."""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from datetime import timedelta
from typing import Any

import pytest
import runbase
import plain_http
from conftest import Server, label_names

VERSION_FIELDS = """id versionIndex sourceVersionIndex isLink typeName digest state description metadata
    ttlDurationSeconds size fileCount aliases { alias } tags { name } historyStep createdAt
    collection { id name kind typeName entityName projectName } sourceCollection { id name kind }"""
CREATE = f"""mutation($i: CreateArtifactInput!) {{ createArtifact(input: $i) {{ artifact {{ {VERSION_FIELDS} }} }} }}"""
ADD = "mutation($i: AddArtifactFilesInput!) { addArtifactFiles(input: $i) { fileCount } }"
COMMIT = f"""mutation($i: CommitArtifactInput!) {{ commitArtifact(input: $i) {{ artifact {{ {VERSION_FIELDS} }} }} }}"""
LINK = f"""mutation($i: LinkArtifactInput!) {{ linkArtifact(input: $i) {{ artifact {{ {VERSION_FIELDS} }} }} }}"""
UNLINK = "mutation($i: UnlinkArtifactInput!) { unlinkArtifact(input: $i) { success } }"
UPDATE = f"""mutation($i: UpdateArtifactInput!) {{ updateArtifact(input: $i) {{ artifact {{ {VERSION_FIELDS} }} }} }}"""
DELETE = "mutation($i: DeleteArtifactInput!) { deleteArtifact(input: $i) { success } }"
USE = f"""mutation($i: UseArtifactInput!) {{ useArtifact(input: $i) {{ artifact {{ {VERSION_FIELDS} }} }} }}"""
BY_ID = f"""query($id: ID!) {{ artifact(id: $id) {{ {VERSION_FIELDS} }} }}"""
BY_NAME = f"""query($p: String!, $e: String, $n: String!) {{ project(name: $p, entityName: $e) {{
    artifact(name: $n) {{ {VERSION_FIELDS} }} }} }}"""
COLLECTION = """query($p: String!, $n: String!, $f: JSONString) { project(name: $p) { artifactCollection(name: $n) {
    id name kind typeName description tags { edges { node { name } } } aliases { edges { node { alias } } }
    artifacts(filters: $f) { totalCount edges { node { id versionIndex aliases { alias } } } } } } }"""


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def ok(server: Server, query: str, variables: dict[str, Any] | None = None, key: str | None = None) -> Any:
    result = server.graphql(query, variables, key=key)
    assert "errors" not in result, result
    return label_names(result["data"])


def refused(server: Server, query: str, variables: dict[str, Any] | None = None,
            key: str | None = None) -> dict[str, Any]:
    result = server.graphql(query, variables, key=key)
    assert result.get("errors"), result
    return result["errors"][0]


def put_blob(server: Server, content: bytes, key: str | None = None) -> str:
    digest = hashlib.sha256(content).hexdigest()
    response = plain_http.put(f"{server.url}/files/blobs/{digest}", content=content,
                              headers={"Authorization": f"Bearer {key or server.key}"})
    assert response.status_code in (200, 201), response.text
    return digest


def stored(server: Server, path: str, content: bytes, key: str | None = None) -> dict[str, Any]:
    return {"path": path, "sha256": put_blob(server, content, key), "size": len(content)}


def create(server: Server, project: str, name: str, type_name: str = "dataset", key: str | None = None,
           **fields: Any) -> dict[str, Any]:
    if "aliases" in fields:  # W&B's input: each alias with its sequence
        fields["aliases"] = [{"alias": alias, "artifactCollectionName": name} for alias in fields["aliases"]]
    return ok(server, CREATE, {"i": {"projectName": project, "artifactCollectionName": name, "artifactTypeName": type_name,
                                     **fields}}, key)["createArtifact"]["artifact"]


def add(server: Server, artifact_id: str, files: list[dict[str, Any]], key: str | None = None) -> int:
    variables = {"i": {"artifactID": artifact_id, "files": json.dumps(files)}}
    return ok(server, ADD, variables, key)["addArtifactFiles"]["fileCount"]


def commit(server: Server, artifact_id: str, key: str | None = None) -> dict[str, Any]:
    return ok(server, COMMIT, {"i": {"artifactID": artifact_id}}, key)["commitArtifact"]["artifact"]


def log(server: Server, project: str, name: str, contents: dict[str, bytes], type_name: str = "dataset",
        key: str | None = None, **fields: Any) -> dict[str, Any]:
    pending = create(server, project, name, type_name, key, **fields)
    if contents:
        add(server, pending["id"], [stored(server, path, data, key) for path, data in contents.items()], key)
    return commit(server, pending["id"], key)


def by_name(server: Server, project: str, name: str, key: str | None = None) -> dict[str, Any] | None:
    found = ok(server, BY_NAME, {"p": project, "n": name}, key)["project"]
    return None if found is None else found["artifact"]


def collection(server: Server, project: str, name: str, filters: dict[str, Any] | None = None) -> dict[str, Any]:
    variables = {"p": project, "n": name, "f": None if filters is None else json.dumps(filters)}
    return ok(server, COLLECTION, variables)["project"]["artifactCollection"]


def new_run(server: Server, project: str, key: str | None = None) -> str:
    run_id = uuid.uuid4().hex[:10]
    ok(server, "mutation($p: String!, $r: String!) { upsertBucket(input: {modelName: $p, name: $r}) { inserted } }",
       {"p": project, "r": run_id}, key)
    return run_id


def named(collection: str, *aliases: str) -> list[dict[str, str]]:
    """Aliases as W&B's ArtifactAliasInput gives them: each naming its collection."""
    return [{"alias": alias, "artifactCollectionName": collection} for alias in aliases]


def manifest(entries: list[tuple[str, str | None, int | None, str | None]]) -> str:
    """The digest algorithm every client and the server share, written out independently."""
    text = "".join(f"{path}\t{digest or ''}\t{'' if size is None else size}\t{ref or ''}\n"
                   for path, digest, size, ref in sorted(entries))
    return hashlib.sha256(text.encode()).hexdigest()


def test_versions_are_committed_numbered_deduplicated_and_aliased(server: Server) -> None:
    project = unique("versions")
    pending = create(server, project, "data", description="first", metadata=json.dumps({"rows": 3}),
                     tags=["raw"], historyStep=7, ttlDurationSeconds=3600)
    assert (pending["state"], pending["versionIndex"], pending["digest"], pending["aliases"]) == \
        ("PENDING", None, "", [])
    a, b = stored(server, "a.txt", b"one"), stored(server, "dir/b.bin", b"two")
    reference = {"path": "ref.csv", "ref": "s3://bucket/key.csv", "digest": "etag-1", "size": 10,
                 "extra": {"versionID": "x1"}}
    assert add(server, pending["id"], [a, reference]) == 2
    assert add(server, pending["id"], [b, {"path": "gone.txt", "remove": True}]) == 3
    v0 = commit(server, pending["id"])
    assert (v0["id"], v0["state"], v0["versionIndex"], v0["sourceVersionIndex"], v0["isLink"]) == \
        (pending["id"], "COMMITTED", 0, 0, False)
    assert v0["digest"] == manifest([("a.txt", a["sha256"], 3, None), ("dir/b.bin", b["sha256"], 3, None),
                                     ("ref.csv", "etag-1", 10, "s3://bucket/key.csv")])
    assert (v0["size"], v0["fileCount"], v0["aliases"], v0["tags"]) == (16, 3, ["latest"], ["raw"])
    assert (v0["description"], json.loads(v0["metadata"]), v0["historyStep"], v0["ttlDurationSeconds"]) == \
        ("first", {"rows": 3}, 7, 3600)
    assert v0["collection"] == {"id": v0["collection"]["id"], "name": "data", "kind": "SEQUENCE",
                                "typeName": "dataset", "entityName": "admin", "projectName": project}
    assert refused(server, COMMIT, {"i": {"artifactID": v0["id"]}})["extensions"]["code"] == "CONFLICT"
    error = refused(server, ADD, {"i": {"artifactID": v0["id"], "files": json.dumps([stored(server, "c", b"c")])}})
    assert "cannot change" in error["message"]

    v1 = log(server, project, "data", {"a.txt": b"one v2"}, aliases=["best", "latest"])
    assert (v1["versionIndex"], v1["aliases"]) == (1, ["best", "latest"])
    assert by_name(server, project, "data:v0")["aliases"] == []
    twin = log(server, project, "data", {"a.txt": b"one v2"}, aliases=["prod"], tags=["again"])
    assert (twin["id"], twin["versionIndex"], twin["aliases"], twin["tags"]) == \
        (v1["id"], 1, ["best", "latest", "prod"], ["again"])
    v2 = log(server, project, "data", {"a.txt": b"one v3"}, aliases=["best"])
    assert (v2["versionIndex"], v2["aliases"]) == (2, ["best", "latest"])
    assert by_name(server, project, "data:v1")["aliases"] == ["prod"]  # best and latest moved on
    assert by_name(server, project, "data")["id"] == v2["id"]
    assert by_name(server, project, "data:prod")["id"] == v1["id"]
    assert by_name(server, project, "data:nope") is None and by_name(server, project, "other") is None
    assert by_name(server, project, "data:v9") is None

    listed = collection(server, project, "data")
    assert listed["aliases"] == ["best", "latest", "prod"]
    assert listed["artifacts"]["totalCount"] == 3
    assert [e["node"]["versionIndex"] for e in listed["artifacts"]["edges"]] == [2, 1, 0]
    found = collection(server, project, "data", {"alias": "prod"})["artifacts"]
    assert [e["node"]["id"] for e in found["edges"]] == [v1["id"]] and found["totalCount"] == 1
    one = ok(server, "query($p: String!) { project(name: $p) { artifactCollection(name: \"data\") { "
                     "artifact(version: \"v1\") { id } best: artifact(version: \"best\") { id } } } }",
             {"p": project})["project"]["artifactCollection"]
    assert (one["artifact"]["id"], one["best"]["id"]) == (v1["id"], v2["id"])


def test_files_pages_entries_and_types(server: Server) -> None:
    project = unique("files")
    contents = {f"f{i:02d}/x y.txt": f"file {i}".encode() for i in range(5)}
    pending = create(server, project, "many", "model")
    add(server, pending["id"], [stored(server, p, c) for p, c in contents.items()]
        + [{"path": "link", "ref": "https://example.com/x"}])
    version = commit(server, pending["id"])
    files = """query($id: ID!, $after: String, $names: [String!]) { artifact(id: $id) {
        files(first: 4, after: $after, names: $names) { totalCount pageInfo { endCursor hasNextPage }
          edges { node { path digest size ref extra url } } }
        file(path: "link") { path digest size ref url } missing: file(path: "nope") { path } } }"""
    first = ok(server, files, {"id": version["id"]})["artifact"]
    assert first["files"]["totalCount"] == 6 and first["files"]["pageInfo"]["hasNextPage"]
    second = ok(server, files, {"id": version["id"], "after": first["files"]["pageInfo"]["endCursor"]})["artifact"]
    paths = [e["node"]["path"] for page in (first, second) for e in page["files"]["edges"]]
    assert paths == sorted([*contents, "link"])
    node = first["files"]["edges"][0]["node"]
    assert node["url"] == f"/files/artifacts/{version['id']}/f00/x%20y.txt"
    assert node["digest"] == hashlib.sha256(b"file 0").hexdigest() and node["size"] == 6 and node["ref"] is None
    assert first["file"] == {"path": "link", "digest": None, "size": None, "ref": "https://example.com/x",
                             "url": None}
    assert first["missing"] is None
    picked = ok(server, files, {"id": version["id"], "names": ["link", "f01/x y.txt", "zz"]})["artifact"]["files"]
    assert [e["node"]["path"] for e in picked["edges"]] == ["f01/x y.txt", "link"] and picked["totalCount"] == 2
    response = plain_http.get(server.url + node["url"], headers={"Authorization": f"Bearer {server.key}"})
    assert response.status_code == 200 and response.content == b"file 0"

    log(server, project, "other", {"a": b"a"}, "dataset")
    types = ok(server, """query($p: String!) { project(name: $p) {
        artifactTypes { edges { node { name artifactCollections { totalCount edges { node { name } } } } } }
        artifactType(name: "model") { name } none: artifactType(name: "nope") { name }
        models: artifactCollections(typeName: "model") { totalCount edges { node { name kind } } }
        all: artifactCollections { totalCount edges { node { name } } }
        tagged: artifactCollections(filters: "{\\"name\\": \\"other\\"}") { totalCount } } }""",
               {"p": project})["project"]
    assert [(e["node"]["name"], e["node"]["artifactCollections"]["totalCount"])
            for e in types["artifactTypes"]["edges"]] == [("dataset", 1), ("model", 1)]
    assert types["artifactType"] == {"name": "model"} and types["none"] is None
    assert types["models"] == {"totalCount": 1, "edges": [{"node": {"name": "many", "kind": "SEQUENCE"}}]}
    assert [e["node"]["name"] for e in types["all"]["edges"]] == ["other", "many"]  # newest first
    assert types["tagged"]["totalCount"] == 1


def test_distributed_id_builds_one_version(server: Server) -> None:
    project = unique("distributed")
    first = create(server, project, "shards", distributedID="job-1", aliases=["a"])
    second = create(server, project, "shards", distributedID="job-1", aliases=["b"], tags=["t"])
    assert second["id"] == first["id"] and second["state"] == "PENDING"
    add(server, first["id"], [stored(server, "part-0", b"zero")])
    add(server, second["id"], [stored(server, "part-1", b"one")])
    version = commit(server, second["id"])
    assert (version["fileCount"], version["aliases"], version["tags"]) == (2, ["a", "b", "latest"], ["t"])
    after = create(server, project, "shards", distributedID="job-1")
    assert after["id"] != first["id"] and after["state"] == "PENDING"


def test_concurrent_commits_get_distinct_versions(server: Server) -> None:
    project = unique("race")
    pendings = []
    for i in range(6):
        pending = create(server, project, "raced")
        add(server, pending["id"], [stored(server, "x", f"content {i}".encode())])
        pendings.append(pending["id"])
    results: list[dict[str, Any]] = []

    def run(artifact_id: str) -> None:
        results.append(server.graphql(COMMIT, {"i": {"artifactID": artifact_id}}))

    threads = [threading.Thread(target=run, args=(artifact_id,)) for artifact_id in pendings]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all("errors" not in result for result in results), results
    indexes = sorted(r["data"]["commitArtifact"]["artifact"]["versionIndex"] for r in results)
    assert indexes == list(range(6))
    assert by_name(server, project, "raced")["versionIndex"] == 5


def together(server: Server, requests: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Send the requests at the same moment, one thread each; their answers in order."""
    answers: list[dict[str, Any]] = [{} for _ in requests]
    start = threading.Barrier(len(requests))

    def send(index: int) -> None:
        start.wait()
        answers[index] = server.graphql(*requests[index])

    threads = [threading.Thread(target=send, args=(index,)) for index in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_latest_stays_on_the_newest_version_through_concurrent_changes(server: Server) -> None:
    """A version committed while another is deleted, linked while another is unlinked (and given an alias there):
    "latest" ends on the newest version each time, whichever request finished first, and no alias is left on a
    version the collection no longer holds."""
    project, target = unique("latest-race"), unique("latest-race-target")
    previous = log(server, project, "data", {"d": b"race start"})
    ok(server, LINK, {"i": {"artifactID": previous["id"], "projectName": target, "artifactPortfolioName": "best"}})
    portfolio = collection(server, target, "best")["id"]
    for round_ in range(4):
        pending = create(server, project, "data")
        add(server, pending["id"], [stored(server, "d", f"race {round_}".encode())])
        answers = together(server, [(COMMIT, {"i": {"artifactID": pending["id"]}}),
                                    (DELETE, {"i": {"artifactID": previous["id"], "deleteAliases": True}})])
        assert all("errors" not in answer for answer in answers), answers
        assert by_name(server, project, "data")["id"] == pending["id"], round_
        older = log(server, project, "data", {"d": f"race older {round_}".encode()})
        ok(server, LINK, {"i": {"artifactID": older["id"], "projectName": target, "artifactPortfolioName": "best"}})
        link, unlink, alias = together(server, [
            (LINK, {"i": {"artifactID": pending["id"], "projectName": target, "artifactPortfolioName": "best"}}),
            (UNLINK, {"i": {"artifactID": older["id"], "collectionId": portfolio}}),
            (UPDATE, {"i": {"artifactID": older["id"], "collectionId": portfolio, "aliases": named("best", "hot")}})])
        assert "errors" not in link and "errors" not in unlink, (link, unlink)
        assert "errors" not in alias or "not in collection" in alias["errors"][0]["message"], alias
        assert by_name(server, target, "best")["id"] == pending["id"], round_
        assert collection(server, target, "best")["aliases"] == ["latest"], round_
        previous = pending


def test_links_into_portfolios(server: Server) -> None:
    project, target = unique("source"), unique("target")
    m0 = log(server, project, "model", {"w": b"w0"}, "model")
    m1 = log(server, project, "model", {"w": b"w1"}, "model")
    ds = log(server, project, "data", {"d": b"d"}, "dataset")
    linked = ok(server, LINK, {"i": {"artifactID": m0["id"], "projectName": target, "artifactPortfolioName": "best",
                                     "aliases": [{"alias": "staging", "artifactCollectionName": "best"}]}})["linkArtifact"]["artifact"]
    assert (linked["id"], linked["isLink"], linked["versionIndex"], linked["sourceVersionIndex"]) == \
        (m0["id"], True, 0, 0)
    assert linked["collection"]["kind"] == "PORTFOLIO" and linked["collection"]["projectName"] == target
    assert linked["collection"]["typeName"] == "model" and linked["sourceCollection"]["name"] == "model"
    assert linked["aliases"] == ["latest", "staging"]
    again = ok(server, LINK, {"i": {"artifactID": m0["id"], "projectName": target, "artifactPortfolioName": "best"}})
    assert again["linkArtifact"]["artifact"]["versionIndex"] == 0
    newer = ok(server, LINK, {"i": {"artifactID": m1["id"], "projectName": target, "artifactPortfolioName": "best",
                                    "aliases": [{"alias": "staging", "artifactCollectionName": "best"}]}})["linkArtifact"]["artifact"]
    assert (newer["versionIndex"], newer["sourceVersionIndex"], newer["aliases"]) == (1, 1, ["latest", "staging"])
    portfolio = collection(server, target, "best")
    assert portfolio["kind"] == "PORTFOLIO" and portfolio["artifacts"]["totalCount"] == 2
    assert by_name(server, target, "best:v0")["aliases"] == []

    mismatch = refused(server, LINK, {"i": {"artifactID": ds["id"], "projectName": target, "artifactPortfolioName": "best"}})
    assert "type 'model', not 'dataset'" in mismatch["message"]
    into_sequence = refused(server, LINK, {"i": {"artifactID": m0["id"], "projectName": project,
                                                 "artifactPortfolioName": "data"}})
    assert "is a sequence" in into_sequence["message"]
    logged_into_portfolio = refused(server, CREATE, {"i": {"projectName": target, "artifactCollectionName": "best",
                                                           "artifactTypeName": "model"}})
    assert "is a portfolio" in logged_into_portfolio["message"]

    source = ok(server, f"query($id: ID!) {{ artifact(id: $id) {{ isLink collection {{ name }} "
                        f"linkedArtifacts {{ {VERSION_FIELDS} }} }} }}", {"id": m1["id"]})["artifact"]
    assert source["isLink"] is False and source["collection"]["name"] == "model"
    assert [(v["collection"]["name"], v["versionIndex"], v["isLink"]) for v in source["linkedArtifacts"]] == \
        [("best", 1, True)]

    assert ok(server, UNLINK, {"i": {"artifactID": m1["id"], "collectionId": portfolio["id"]}})
    assert by_name(server, target, "best")["id"] == m0["id"]  # latest moved back
    assert by_name(server, target, "best:staging") is None  # the alias left with the link
    gone = refused(server, UNLINK, {"i": {"artifactID": m1["id"], "collectionId": portfolio["id"]}})
    assert gone["extensions"]["code"] == "NOT_FOUND"
    sequence = refused(server, UNLINK, {"i": {"artifactID": m1["id"], "collectionId": m1["collection"]["id"]}})
    assert "is a sequence" in sequence["message"]
    assert by_name(server, project, "model")["id"] == m1["id"]  # the source is untouched


def test_lineage_both_ways(server: Server) -> None:
    project = unique("lineage")
    producer, consumer = new_run(server, project), new_run(server, project)
    version = log(server, project, "data", {"d": b"lineage"}, runName=producer, historyStep=3)
    use = {"i": {"projectName": project, "runName": consumer, "artifactID": version["id"]}}
    assert ok(server, USE, use)["useArtifact"]["artifact"]["id"] == version["id"]
    ok(server, USE, use)  # used twice: recorded once
    runs = ok(server, """query($p: String!, $a: String!, $b: String!) { project(name: $p) {
        producer: run(name: $a) { loggedArtifacts: outputArtifacts { totalCount edges { node { id versionIndex } } }
                                  usedArtifacts: inputArtifacts { totalCount } }
        consumer: run(name: $b) { usedArtifacts: inputArtifacts { totalCount edges { node { id collection { name } } } }
                                  loggedArtifacts: outputArtifacts { totalCount } } } }""",
              {"p": project, "a": producer, "b": consumer})["project"]
    assert runs["producer"]["loggedArtifacts"] == {"totalCount": 1, "edges": [
        {"node": {"id": version["id"], "versionIndex": 0}}]}
    assert runs["producer"]["usedArtifacts"]["totalCount"] == 0
    assert runs["consumer"]["usedArtifacts"]["edges"] == [{"node": {"id": version["id"],
                                                                    "collection": {"name": "data"}}}]
    assert runs["consumer"]["loggedArtifacts"]["totalCount"] == 0
    back = ok(server, """query($id: ID!) { artifact(id: $id) { historyStep loggedBy { name }
        usedBy { totalCount edges { node { name } } } } }""", {"id": version["id"]})["artifact"]
    assert back == {"historyStep": 3, "loggedBy": {"name": producer},
                    "usedBy": {"totalCount": 1, "edges": [{"node": {"name": consumer}}]}}
    pending = create(server, project, "data")
    error = refused(server, USE, {"i": {**use["i"], "artifactID": pending["id"]}})
    assert "not committed" in error["message"]


def test_deleting_versions_and_collections(server: Server) -> None:
    project, target = unique("delete"), unique("delete-target")
    run_id = new_run(server, project)
    v0 = log(server, project, "data", {"a": b"d0"})
    v1 = log(server, project, "data", {"a": b"d1"}, aliases=["prod"], runName=run_id)
    error = refused(server, DELETE, {"i": {"artifactID": v1["id"]}})
    assert "prod" in error["message"] and "deleteAliases" in error["message"]
    assert ok(server, DELETE, {"i": {"artifactID": v1["id"], "deleteAliases": True}})["deleteArtifact"]["success"]
    assert ok(server, BY_ID, {"id": v1["id"]})["artifact"] is None
    assert by_name(server, project, "data")["id"] == v0["id"]  # latest moved back
    assert by_name(server, project, "data:prod") is None
    logged = ok(server, "query($p: String!, $r: String!) { project(name: $p) { run(name: $r) { "
                        "loggedArtifacts: outputArtifacts { totalCount } } } }", {"p": project, "r": run_id})
    assert logged["project"]["run"]["loggedArtifacts"]["totalCount"] == 0
    assert log(server, project, "data", {"a": b"d1"})["versionIndex"] == 2  # numbers are not given out again
    refused(server, DELETE, {"i": {"artifactID": v1["id"]}})  # deleted already: not found

    ok(server, LINK, {"i": {"artifactID": v0["id"], "projectName": target, "artifactPortfolioName": "kept",
                            "aliases": [{"alias": "golden", "artifactCollectionName": "kept"}]}})
    error = refused(server, DELETE, {"i": {"artifactID": v0["id"]}})
    assert "golden" in error["message"]  # an alias in a portfolio counts too
    pending = create(server, project, "data")
    assert ok(server, DELETE, {"i": {"artifactID": pending["id"]}})["deleteArtifact"]["success"]
    assert ok(server, BY_ID, {"id": pending["id"]})["artifact"] is None

    other = log(server, project, "other", {"o": b"o"})
    ok(server, LINK, {"i": {"artifactID": other["id"], "projectName": target, "artifactPortfolioName": "kept"}})
    assert by_name(server, target, "kept")["id"] == other["id"]
    sequence_id = other["collection"]["id"]
    ok(server, "mutation($i: DeleteArtifactCollectionInput!) { deleteArtifactCollection(input: $i) { success } }",
       {"i": {"id": sequence_id}})
    assert ok(server, BY_ID, {"id": other["id"]})["artifact"] is None
    assert by_name(server, target, "kept")["id"] == v0["id"]  # the portfolio's latest moved back
    assert collection(server, target, "kept")["artifacts"]["totalCount"] == 1


DELETE_RUN = "mutation($i: DeleteRunInput!) { deleteRun(input: $i) { success } }"
RUN_ID = "query($p: String!, $r: String!) { project(name: $p) { run(name: $r) { id } } }"


def test_deleting_a_run_with_the_artifacts_it_logged(server: Server) -> None:
    """Run.delete(delete_artifacts=True), as in W&B: the versions the run logged go, with their aliases, their
    links into portfolios and a PENDING one; those it only used stay. Without the flag, or asked by a user who
    may not change the run, nothing of them goes."""
    project, target = unique("run-delete"), unique("run-delete-target")
    doomed, kept, consumer = new_run(server, project), new_run(server, project), new_run(server, project)
    older = log(server, project, "model", {"w": b"kept w0"}, "model", runName=kept)
    used = log(server, project, "data", {"d": b"input of the doomed run"}, runName=kept)
    ok(server, USE, {"i": {"projectName": project, "runName": doomed, "artifactID": used["id"]}})
    m1 = log(server, project, "model", {"w": b"doomed w1"}, "model", runName=doomed, aliases=["best"])
    m2 = log(server, project, "model", {"w": b"doomed w2"}, "model", runName=doomed)
    ok(server, LINK, {"i": {"artifactID": m1["id"], "projectName": target, "artifactPortfolioName": "promoted",
                            "aliases": [{"alias": "prod", "artifactCollectionName": "promoted"}]}})
    ok(server, USE, {"i": {"projectName": project, "runName": consumer, "artifactID": m2["id"]}})
    pending = create(server, project, "model", "model", runName=doomed)
    logged_ids = [m1["id"], m2["id"], pending["id"]]
    assert by_name(server, project, "model")["id"] == m2["id"]

    outsider = server.create_user(unique("outsider"))
    doomed_id = ok(server, RUN_ID, {"p": project, "r": doomed})["project"]["run"]["id"]
    error = refused(server, DELETE_RUN, {"i": {"id": doomed_id, "deleteArtifacts": True}}, outsider)
    assert error["extensions"]["code"] in ("FORBIDDEN", "NOT_FOUND")
    assert all(ok(server, BY_ID, {"id": artifact_id})["artifact"] for artifact_id in logged_ids)

    api = runbase.Api(overrides={"base_url": server.url}, api_key=server.key)
    run = api.run(f"admin/{project}/{doomed}")
    with pytest.raises(runbase.UsageError, match="delete_artifacts"):
        run.delete(delete_artifacts="yes")  # type: ignore[arg-type]
    run.delete(delete_artifacts=True)
    with pytest.raises(ValueError, match="no run"):
        run.load(force=True)
    assert [ok(server, BY_ID, {"id": artifact_id})["artifact"] for artifact_id in logged_ids] == [None] * 3
    assert by_name(server, project, "model")["id"] == older["id"]  # latest moved back to the kept version
    assert by_name(server, project, "model:best") is None and by_name(server, target, "promoted:prod") is None
    assert collection(server, target, "promoted")["artifacts"]["totalCount"] == 0
    assert ok(server, BY_ID, {"id": used["id"]})["artifact"]["state"] == "COMMITTED"  # only used: it stays
    used_by_consumer = ok(server, "query($p: String!, $r: String!) { project(name: $p) { run(name: $r) { "
                                  "usedArtifacts: inputArtifacts { totalCount } } } }", {"p": project, "r": consumer})
    assert used_by_consumer["project"]["run"]["usedArtifacts"]["totalCount"] == 0

    kept_id = ok(server, RUN_ID, {"p": project, "r": kept})["project"]["run"]["id"]
    ok(server, DELETE_RUN, {"i": {"id": kept_id}})  # no flag: its versions stay
    stays = ok(server, "query($id: ID!) { artifact(id: $id) { state aliases { alias } loggedBy { name } } }",
               {"id": older["id"]})["artifact"]
    assert stays == {"state": "COMMITTED", "aliases": ["latest"], "loggedBy": None}


ADD_ALIASES = "mutation($i: AddAliasesInput!) { addAliases(input: $i) { success clientMutationId } }"
DELETE_ALIASES = "mutation($i: DeleteAliasesInput!) { deleteAliases(input: $i) { success } }"


def test_aliases_added_and_deleted_one_by_one_and_tags_changed_as_w_and_b_sends_them(server: Server) -> None:
    """W&B's addAliases and deleteAliases name each alias's collection by path and leave the version's other
    aliases as they are; "latest" stays the server's. updateArtifact's tagsToAdd and tagsToDelete change tags."""
    project, target = unique("aliases"), unique("aliases-target")
    v0 = log(server, project, "data", {"a": b"a0"}, aliases=["kept"])
    log(server, project, "data", {"a": b"a1"})

    def placed(collection: str, *aliases: str, where: str = project) -> list[dict[str, str]]:
        return [{"entityName": "admin", "projectName": where, "artifactCollectionName": collection, "alias": alias}
                for alias in aliases]

    added = ok(server, ADD_ALIASES, {"i": {"artifactID": v0["id"], "aliases": placed("data", "gold", "latest"),
                                           "clientMutationId": "m1"}})["addAliases"]
    assert added == {"success": True, "clientMutationId": "m1"}
    assert by_name(server, project, "data:v0")["aliases"] == ["gold", "kept"]  # "latest" stays on v1
    ok(server, DELETE_ALIASES, {"i": {"artifactID": v0["id"], "aliases": placed("data", "kept", "never-held")}})
    assert by_name(server, project, "data:v0")["aliases"] == ["gold"]
    ok(server, LINK, {"i": {"artifactID": v0["id"], "projectName": target, "artifactPortfolioName": "p"}})
    ok(server, ADD_ALIASES, {"i": {"artifactID": v0["id"], "aliases": placed("p", "prod", where=target)}})
    assert by_name(server, target, "p:prod")["id"] == v0["id"]
    assert by_name(server, project, "data:v0")["aliases"] == ["gold"]  # each collection's are its own
    missing = refused(server, ADD_ALIASES, {"i": {"artifactID": v0["id"], "aliases": placed("nowhere", "x")}})
    assert missing["extensions"]["code"] == "NOT_FOUND" and "nowhere" in missing["message"]
    bad = refused(server, ADD_ALIASES, {"i": {"artifactID": v0["id"], "aliases": placed("data", "v7")}})
    assert "looks like a version" in bad["message"]
    reader = server.create_user(unique("reader"))
    hidden = refused(server, DELETE_ALIASES, {"i": {"artifactID": v0["id"], "aliases": placed("data", "gold")}},
                     reader)
    assert hidden["extensions"]["code"] == "NOT_FOUND"
    assert by_name(server, project, "data:v0")["aliases"] == ["gold"]

    tagged = ok(server, UPDATE, {"i": {"artifactID": v0["id"], "tags": ["a", "b"], "tagsToAdd": [{"tagName": "c"}],
                                       "tagsToDelete": [{"tagName": "a"}]}})["updateArtifact"]["artifact"]
    assert tagged["tags"] == ["b", "c"]
    tagged = ok(server, UPDATE, {"i": {"artifactID": v0["id"], "tagsToAdd": [{"tagName": "d"}, {"tagName": "b"}],
                                       "tagsToDelete": []}})["updateArtifact"]["artifact"]
    assert tagged["tags"] == ["b", "c", "d"]  # one held already stays where it is
    wrong = refused(server, UPDATE, {"i": {"artifactID": v0["id"], "aliases": named("elsewhere", "x")}})
    assert "not in 'elsewhere'" in wrong["message"]


def test_updating_versions_and_collections(server: Server) -> None:
    project, target = unique("update"), unique("update-target")
    v0 = log(server, project, "data", {"a": b"u0"}, aliases=["old"], ttlDurationSeconds=60)
    v1 = log(server, project, "data", {"a": b"u1"})
    updated = ok(server, UPDATE, {"i": {"artifactID": v0["id"], "description": "changed",
                                        "metadata": json.dumps({"k": [1, 2]}), "aliases": named("data", "new", "latest"),
                                        "tags": ["x", "y z"]}})["updateArtifact"]["artifact"]
    assert (updated["description"], json.loads(updated["metadata"]), updated["aliases"], updated["tags"]) == \
        ("changed", {"k": [1, 2]}, ["new"], ["x", "y z"])
    assert updated["ttlDurationSeconds"] == 60  # absent: kept
    cleared = ok(server, UPDATE, {"i": {"artifactID": v0["id"], "ttlDurationSeconds": None}})
    assert cleared["updateArtifact"]["artifact"]["ttlDurationSeconds"] == -2  # W&B's TTL disabled
    moved = ok(server, UPDATE, {"i": {"artifactID": v1["id"], "aliases": named("data", "new")}})["updateArtifact"]["artifact"]
    assert moved["aliases"] == ["latest", "new"]
    assert by_name(server, project, "data:v0")["aliases"] == []

    link = ok(server, LINK, {"i": {"artifactID": v1["id"], "projectName": target, "artifactPortfolioName": "p"}})
    portfolio = link["linkArtifact"]["artifact"]["collection"]
    seen = ok(server, UPDATE, {"i": {"artifactID": v1["id"], "collectionId": portfolio["id"],
                                     "aliases": named("p", "prod")}})["updateArtifact"]["artifact"]
    assert (seen["isLink"], seen["aliases"]) == (True, ["latest", "prod"])
    assert by_name(server, project, "data")["aliases"] == ["latest", "new"]  # the sequence's are its own
    not_in = refused(server, UPDATE, {"i": {"artifactID": v0["id"], "collectionId": portfolio["id"],
                                            "aliases": named("p", "x")}})
    assert not_in["extensions"]["code"] == "NOT_FOUND"

    change = """mutation($i: UpdateArtifactCollectionInput!) { updateArtifactCollection(input: $i) {
        artifactCollection { id name typeName description tags { edges { node { name } } } } } }"""
    sequence_id = v0["collection"]["id"]
    renamed = ok(server, change, {"i": {"id": sequence_id, "name": "renamed", "description": "about",
                                        "tags": ["t1"]}})["updateArtifactCollection"]["artifactCollection"]
    assert (renamed["name"], renamed["description"], renamed["tags"]) == ("renamed", "about", ["t1"])
    assert by_name(server, project, "renamed:v1")["id"] == v1["id"]
    log(server, project, "taken", {"t": b"t"})
    assert refused(server, change, {"i": {"id": sequence_id, "name": "taken"}})["extensions"]["code"] == "CONFLICT"
    linked_type = refused(server, change, {"i": {"id": sequence_id, "typeName": "model"}})
    assert "linked" in linked_type["message"]
    lone = log(server, project, "lone", {"l": b"l"})
    retyped = ok(server, change, {"i": {"id": lone["collection"]["id"], "typeName": "model"}})
    assert retyped["updateArtifactCollection"]["artifactCollection"]["typeName"] == "model"
    assert by_name(server, project, "lone")["typeName"] == "model"


def test_downloads_and_access_control(server: Server) -> None:
    project = unique("private")
    secret = b"the admin's weights " + uuid.uuid4().hex.encode()
    pending = create(server, project, "model", "model")
    add(server, pending["id"], [stored(server, "dir/w.bin", secret),
                                {"path": "remote", "ref": "gs://bucket/w.bin", "digest": "crc"}])
    version = commit(server, pending["id"])
    url = f"{server.url}/files/artifacts/{version['id']}/dir/w.bin"
    admin = {"Authorization": f"Bearer {server.key}"}
    assert plain_http.get(url, headers=admin).content == secret
    assert plain_http.get(url).status_code == 401
    reference = plain_http.get(f"{server.url}/files/artifacts/{version['id']}/remote", headers=admin)
    assert reference.status_code == 400 and "is a reference to gs://bucket/w.bin" in reference.text
    for missing in (f"{version['id']}/nope", "999999999/dir/w.bin", "abc/dir/w.bin", "-1/x"):
        response = plain_http.get(f"{server.url}/files/artifacts/{missing}", headers=admin)
        assert response.status_code == 404 and response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"

    name = unique("mallory")
    other = server.create_user(name)
    response = plain_http.get(url, headers={"Authorization": f"Bearer {other}"})
    assert response.status_code == 404 and secret not in response.content
    assert ok(server, BY_ID, {"id": version["id"]}, other)["artifact"] is None
    assert ok(server, BY_NAME, {"p": project, "e": "admin", "n": "model"}, other)["project"] is None
    for query, variables in ((COMMIT, {"i": {"artifactID": pending["id"]}}),
                             (UPDATE, {"i": {"artifactID": version["id"], "aliases": named("model", "x")}}),
                             (DELETE, {"i": {"artifactID": version["id"], "deleteAliases": True}}),
                             (LINK, {"i": {"artifactID": version["id"], "projectName": "mine",
                                           "artifactPortfolioName": "stolen"}})):
        assert refused(server, query, variables, other)["extensions"]["code"] == "NOT_FOUND", query
    create_there = refused(server, CREATE, {"i": {"entityName": "admin", "projectName": project,
                                                  "artifactCollectionName": "planted", "artifactTypeName": "model"}}, other)
    assert create_there["extensions"]["code"] == "FORBIDDEN"
    own = create(server, unique("own"), "mine", key=other)
    planted = refused(server, ADD, {"i": {"artifactID": own["id"], "files": json.dumps(
        [{"path": "stolen.bin", "sha256": hashlib.sha256(secret).hexdigest(), "size": len(secret)}])}}, other)
    assert "upload it first" in planted["message"]

    ok(server, "mutation($p: String!) { upsertModel(input: {name: $p, access: \"READ\"}) { inserted } }",
       {"p": project})
    assert plain_http.get(url, headers={"Authorization": f"Bearer {other}"}).content == secret
    assert ok(server, BY_ID, {"id": version["id"]}, other)["artifact"]["id"] == version["id"]
    readonly = refused(server, UPDATE, {"i": {"artifactID": version["id"], "aliases": named("model", "x")}}, other)
    assert readonly["extensions"]["code"] == "FORBIDDEN"
    # A reader may not republish a version (access.require_sharer): its owner shares it, here into the reader's
    # project, where the reader then sees it whatever becomes of its source.
    reshared = refused(server, LINK, {"i": {"artifactID": version["id"], "entityName": name, "projectName": "mine",
                                            "artifactPortfolioName": "copied"}}, other)
    assert reshared["extensions"]["code"] == "FORBIDDEN" and "cannot link" in reshared["message"]
    linked = ok(server, LINK, {"i": {"artifactID": version["id"], "entityName": name, "projectName": "mine",
                                     "artifactPortfolioName": "copied"}})["linkArtifact"]["artifact"]
    assert linked["collection"]["entityName"] == name

    ok(server, "mutation($p: String!) { upsertModel(input: {name: $p, access: \"PRIVATE\"}) { inserted } }",
       {"p": project})
    seen = ok(server, f"query($id: ID!) {{ artifact(id: $id) {{ {VERSION_FIELDS} loggedBy {{ name }} }} }}",
              {"id": version["id"]}, other)["artifact"]
    assert seen["isLink"] and seen["collection"]["name"] == "copied"  # seen through the link only
    assert seen["loggedBy"] is None
    assert plain_http.get(url, headers={"Authorization": f"Bearer {other}"}).content == secret
    run_id = new_run(server, "mine", other)
    ok(server, USE, {"i": {"projectName": "mine", "runName": run_id, "artifactID": version["id"]}}, other)
    used = ok(server, "query($r: String!) { project(name: \"mine\") { run(name: $r) { usedArtifacts: inputArtifacts { "
                      "totalCount edges { node { id isLink collection { name } } } } } } }", {"r": run_id}, other)
    assert used["project"]["run"]["usedArtifacts"] == {"totalCount": 1, "edges": [
        {"node": {"id": version["id"], "isLink": True, "collection": {"name": "copied"}}}]}
    users = ok(server, "query($id: ID!) { artifact(id: $id) { usedBy { totalCount } } }", {"id": version["id"]})
    assert users["artifact"]["usedBy"]["totalCount"] == 1


BAD_CREATES = [
    ({"artifactCollectionName": "a/b"}, "may contain only"),
    ({"artifactCollectionName": "a:b"}, "may contain only"),
    ({"artifactCollectionName": ""}, "non-empty"),
    ({"artifactCollectionName": "x" * 129}, "longer than 128"),
    ({"artifactTypeName": "bad type"}, "may contain only"),
    ({"artifactTypeName": "job"}, "reserved"),
    ({"artifactTypeName": "wandb-history"}, "reserved"),
    ({"aliases": [{"alias": "v3", "artifactCollectionName": "ok"}]}, "looks like a version"),
    ({"aliases": [{"alias": "a b", "artifactCollectionName": "ok"}]}, "may contain only"),
    ({"aliases": [{"alias": f"a{i}", "artifactCollectionName": "ok"} for i in range(101)]}, "at most 100 aliases"),
    ({"aliases": [{"alias": "a", "artifactCollectionName": "elsewhere"}]}, "not in 'elsewhere'"),
    ({"artifactCollectionNames": ["ok", "other"]}, "not 2 times"),
    ({"artifactCollectionName": "modèle"}, "may contain only"),
    ({"tags": ["a,b"]}, "tag"),
    ({"metadata": json.dumps({f"k{i}": i for i in range(101)})}, "at most 100 keys"),
    ({"metadata": "[1]"}, "JSON object"),
    ({"metadata": "{oops"}, "not valid JSON"),
    ({"ttlDurationSeconds": -5}, "positive"),
    ({"ttlDurationSeconds": 2**62}, "at most"),
    ({"distributedID": ""}, "distributedID"),
    ({"runName": "no-such-run"}, "no run"),
]


def test_bad_input_is_refused_clearly(server: Server) -> None:
    project = unique("bad")
    typed = log(server, project, "typed", {"t": b"t"}, "dataset")
    for fields, message in [*BAD_CREATES, ({"artifactCollectionName": "typed", "artifactTypeName": "model"}, "not 'model'")]:
        variables = {"i": {"projectName": project, "artifactCollectionName": "ok", "artifactTypeName": "dataset", **fields}}
        error = refused(server, CREATE, variables)
        assert message in error["message"], (fields, error)
        assert error["extensions"]["code"] in ("BAD_USER_INPUT", "NOT_FOUND"), error

    pending = create(server, project, "files")
    digest = put_blob(server, b"abc")
    bad_files: list[tuple[Any, str]] = [
        ([{"path": "../x", "sha256": digest, "size": 3}], "path traversal"),
        ([{"path": "/abs", "sha256": digest, "size": 3}], "absolute"),
        ([{"path": "a\\b", "sha256": digest, "size": 3}], "backslashes"),
        ([{"path": "x", "sha256": digest, "size": 4}], "not the declared 4"),
        ([{"path": "x", "sha256": "0" * 64, "size": 3}], "upload it first"),
        ([{"path": "x", "sha256": "nothex", "size": 3}], "64 lowercase"),
        ([{"path": "x", "sha256": digest}], "size must be"),
        ([{"path": "x", "ref": "no-scheme/x"}], "scheme"),
        ([{"path": "x", "ref": "s3://b/k", "size": -1}], "size must be"),
        ([{"path": "x", "ref": "s3://b/k", "extra": [1]}], "extra must be"),
        ([{"path": "x", "ref": "s3://b/k", "sha256": digest}], "unknown field"),
        ([{"path": "x", "remove": False}], "must be true"),
        ([{"path": "x", "sha256": digest, "size": 3}, {"path": "x", "ref": "s3://b/k"}], "listed twice"),
        ([{"path": f"p{i}", "ref": "s3://b/k"} for i in range(1001)], "at most 1000"),
        ({"path": "x"}, "JSON list"),
        (["x"], "JSON object"),
    ]
    for files, message in bad_files:
        error = refused(server, ADD, {"i": {"artifactID": pending["id"], "files": json.dumps(files)}})
        assert message in error["message"], (files, error)
    assert commit(server, pending["id"])["fileCount"] == 0  # nothing of the refused requests was kept

    for artifact_id in ("abc", "0", "99999999999", "1.5"):
        error = refused(server, COMMIT, {"i": {"artifactID": artifact_id}})
        assert error["extensions"]["code"] == "NOT_FOUND", error
    assert "may contain only" in refused(server, BY_NAME, {"p": project, "n": "a/b:v0"})["message"]
    assert "may contain only" in refused(server, BY_NAME, {"p": project, "n": "typed:a b"})["message"]
    assert by_name(server, project, "typed:v99999999999") is None
    unfinished = create(server, project, "unfinished")["id"]
    error = refused(server, LINK, {"i": {"artifactID": unfinished, "projectName": project, "artifactPortfolioName": "c"}})
    assert "not committed" in error["message"]
    error = refused(server, LINK, {"i": {"artifactID": typed["id"], "projectName": "wandb-registry-nope",
                                         "artifactPortfolioName": "c"}})
    assert "belong to registries" in error["message"], error
    error = refused(server, COLLECTION, {"p": project, "n": "typed", "f": json.dumps({"$bogus": 1})})
    assert "$bogus" in error["message"]


def test_expired_versions_are_deleted(server: Server, backend: str) -> None:
    from runbase_server.artifacts import versions
    from runbase_server.database import Database
    from runbase_server.tables import utcnow

    project = unique("ttl")
    forever = log(server, project, "data", {"a": b"ttl0"})
    kept = log(server, project, "data", {"a": b"ttl1"}, ttlDurationSeconds=3600)
    short = log(server, project, "data", {"a": b"ttl2"}, ttlDurationSeconds=60, aliases=["keep"])
    newest = log(server, project, "data", {"a": b"ttl3"}, ttlDurationSeconds=30)
    url = server.database_url or f"sqlite:///{server.data_dir / 'runbase.db'}"
    db = Database(url)
    try:
        with db.session() as session:
            expired = versions.expire(session, utcnow() + timedelta(seconds=120))
    finally:
        db.dispose()
    assert expired >= 2  # other tests' short-lived versions may go too
    assert ok(server, BY_ID, {"id": short["id"]})["artifact"] is None
    assert ok(server, BY_ID, {"id": newest["id"]})["artifact"] is None
    assert by_name(server, project, "data")["id"] == kept["id"]  # latest moved back past both
    assert by_name(server, project, "data:v0")["id"] == forever["id"]


def test_links_into_registries(server: Server) -> None:
    name = unique("models")
    registry = ok(server, "mutation($i: CreateRegistryInput!) { createRegistry(input: $i) { registry { id } } }",
                  {"i": {"name": name, "visibility": "organization", "artifactTypes": ["model"]}})
    assert registry["createRegistry"]["registry"]["id"]
    project = unique("trained")
    model = log(server, project, "net", {"w": b"registry weights"}, "model")
    data = log(server, project, "set", {"d": b"registry data"}, "dataset")
    linked = ok(server, LINK, {"i": {"artifactID": model["id"], "projectName": f"wandb-registry-{name}",
                                     "artifactPortfolioName": "net",
                                     "aliases": [{"alias": "production", "artifactCollectionName": "net"}]}})["linkArtifact"]["artifact"]
    assert linked["collection"]["projectName"] == f"runbase-registry-{name}"
    assert (linked["isLink"], linked["aliases"]) == (True, ["latest", "production"])
    assert by_name(server, f"wandb-registry-{name}", "net:production")["id"] == model["id"]
    refused_type = refused(server, LINK, {"i": {"artifactID": data["id"], "projectName": f"runbase-registry-{name}",
                                                "artifactPortfolioName": "sets"}})
    assert "accepts artifacts of type 'model' only, not 'dataset'" in refused_type["message"]
    logged_there = refused(server, CREATE, {"i": {"projectName": f"wandb-registry-{name}", "artifactCollectionName": "x",
                                                  "artifactTypeName": "model"}})
    assert "is a registry" in logged_there["message"]
