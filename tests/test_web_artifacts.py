"""The artifacts and registry pages in Debian's Chromium (Playwright), against a real server, with artifacts a
training script logged, used and linked through the SDK: the URL Artifact.url printed opens its version, whose
files, metadata and runs match the Public API's answer; previews show a text file as text, JSON and an image;
an alias edit persists; the lineage graph holds the runs and versions around it with their logged and used
edges, and a click on a node opens it; the registry pages list what was linked; hostile metadata, file names
and contents show as text with nothing executed.

Screenshots go to test-outputs/web/ (gitignored)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import runbase
from browser import browser, shot, signed_in_context, web_server
from conftest import Server, run_script, sdk_environment
from receivers import WebhookReceiver

__all__ = ["browser", "web_server"]  # fixtures, used by name
HOSTILE = "<img src=x onerror=alert(1)>"
NOTES = "hello artifact\nsecond line <b>not bold</b>\n"
REFERENCE = "https://example.invalid/remote/weights.bin"
# A producer logs a dataset (text, JSON, a 2x2 PNG and a reference), a trainer uses it and logs a model that it
# links into the "model" registry, an evaluator uses the model; another version carries hostile strings.
SCRIPT = """
import json, pathlib, struct, zlib
import runbase

def png(width, height):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\\x00" + b"\\xff\\x00\\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")

work = pathlib.Path("work")
(work / "sub").mkdir(parents=True)
(work / "notes.txt").write_text(%(notes)r)
(work / "sub" / "config.json").write_text(json.dumps({"layers": [1, 2], "name": "tiny"}))
(work / "pixel.png").write_bytes(png(2, 2))
(work / "weights.txt").write_text("0.1 0.2")
with runbase.init(project="arts", job_type="prepare") as run:
    data = runbase.Artifact("dataset", type="dataset", description="rows for training",
                            metadata={"rows": 3, "source": "unit"})
    data.add_file(str(work / "notes.txt"))
    data.add_file(str(work / "sub" / "config.json"), name="sub/config.json")
    data.add_file(str(work / "pixel.png"))
    data.add_reference(%(reference)r, checksum=False)
    print("DATA_URL", run.log_artifact(data, aliases=["raw"]).wait().url)
    print("PRODUCER", run.id)
with runbase.init(project="arts", job_type="train") as run:
    run.use_artifact("dataset:latest")
    model = runbase.Artifact("model", type="model")
    model.add_file(str(work / "weights.txt"))
    logged = run.log_artifact(model).wait()
    run.link_artifact(logged, "wandb-registry-model/web-models", aliases=["staging"])
    print("MODEL_URL", logged.url)
    print("TRAINER", run.id)
with runbase.init(project="arts", job_type="eval") as run:
    run.use_artifact("model:latest")
    print("EVALUATOR", run.id)
(work / "hostile.txt").write_text("<script>alert(5)</script>")
with runbase.init(project="arts") as run:
    bad = runbase.Artifact("odd", type="dataset", description=%(hostile)r, metadata={%(hostile)r: %(hostile)r})
    bad.add_file(str(work / "hostile.txt"), name=%(hostile)r + ".txt")
    print("HOSTILE_URL", run.log_artifact(bad).wait().url)
""" % {"notes": NOTES, "reference": REFERENCE, "hostile": HOSTILE}


@pytest.fixture(scope="module")
def logged(web_server: Server, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    work = tmp_path_factory.mktemp("artifacts-sdk")
    env = sdk_environment(web_server, work)
    env["RUNBASE_DISABLE_STATS"] = "true"
    output = run_script(SCRIPT, env, cwd=work).stdout
    found = dict(re.findall(r"^([A-Z_]+) (\S+)$", output, re.M))
    assert {"DATA_URL", "MODEL_URL", "HOSTILE_URL", "PRODUCER", "TRAINER", "EVALUATOR"} <= set(found), output
    return found


@pytest.fixture(scope="module")
def api(web_server: Server) -> runbase.Api:
    return runbase.Api(overrides={"base_url": web_server.url}, api_key=web_server.key)


@pytest.fixture(scope="module")
def context(browser: Any, web_server: Server, logged: dict[str, str]) -> Iterator[Any]:
    ctx = signed_in_context(browser, web_server, "/admin/arts/artifacts")
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any) -> Iterator[Any]:
    opened = context.new_page()
    yield opened
    opened.close()
    assert context.problems == []


def follow(page: Any, link: str, url: str, ready: str) -> None:
    """Click a link, land on url, wait for what the page shows there."""
    page.click(link)
    page.wait_for_url(url)
    page.wait_for_selector(ready)


def open_version(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(".artifact-version")


def test_printed_url_opens_the_version_with_the_apis_files_metadata_and_runs(
        page: Any, logged: dict[str, str], api: runbase.Api, web_server: Server) -> None:
    assert re.fullmatch(re.escape(web_server.url) + r"/admin/arts/artifacts/dataset/dataset/v0", logged["DATA_URL"])
    open_version(page, logged["DATA_URL"])
    version = api.artifact("admin/arts/dataset:v0")
    rows = page.eval_on_selector_all(".artifact-files tr[data-path]", "rows => rows.map(r => r.dataset.path)")
    assert rows == sorted(version.manifest.entries) and len(rows) == 4
    reference = [path for path, entry in version.manifest.entries.items() if entry.ref]
    assert len(reference) == 1
    ref_row = page.locator(f'.artifact-files tr[data-path="{reference[0]}"]')
    assert ref_row.locator(".ref").inner_text() == REFERENCE and ref_row.locator("a").count() == 0
    overview = page.inner_text('table[aria-label="overview"]')
    assert version.digest in overview and "dataset" in overview
    assert page.inner_text('table[aria-label="metadata"]').split() == ["rows", "3", "source", "unit"]
    assert page.inner_text(".description") == "rows for training"
    producer, trainer = logged["PRODUCER"], logged["TRAINER"]
    assert page.get_attribute(".logged-by a", "href") == f"/admin/arts/runs/{producer}"
    assert page.eval_on_selector_all(".used-by a", "links => links.map(a => a.getAttribute('href'))") == \
        [f"/admin/arts/runs/{run.id}" for run in version.used_by()] == [f"/admin/arts/runs/{trainer}"]
    aliases = page.eval_on_selector_all(".alias-editor .alias", "xs => xs.map(x => x.dataset.value)")
    assert sorted(aliases) == sorted(version.aliases) == ["latest", "raw"]
    shot(page, "artifact-version")


def test_the_url_an_automation_sends_opens_the_version(page: Any, web_server: Server, api: runbase.Api) -> None:
    """An alias put on the registry's linked version fires the collection's automation; its ${artifact_version}
    carries the version's URL (under the registry's portfolio), which opens that version."""
    linked = api.artifact("admin/wandb-registry-model/web-models:v0")
    with WebhookReceiver() as hook:
        made = web_server.graphql("""mutation($i: CreateGenericWebhookIntegrationInput!) {
            createGenericWebhookIntegration(input: $i) { integration { id } } }""",
                                  {"i": {"entityName": "admin", "name": "web-artifacts", "urlEndpoint": hook.url}})
        action = {"action_type": "GENERIC_WEBHOOK", "request_payload": {"version": "${artifact_version}"},
                  "integration_id": made["data"]["createGenericWebhookIntegration"]["integration"]["id"]}
        trigger = web_server.graphql("""mutation($i: CreateFilterTriggerInput!) {
            createFilterTrigger(input: $i) { trigger { id } } }""", {"i": {
            "name": "web-artifacts-alias", "entityName": "admin", "eventType": "ADD_ARTIFACT_ALIAS",
            "scopeType": "ARTIFACT_COLLECTION", "projectName": "wandb-registry-model", "scopeName": "web-models",
            "eventFilter": json.dumps({"filter": {}}), "action": json.dumps(action)}})
        assert "errors" not in trigger, trigger
        linked.aliases.append("candidate")
        linked.save()
        [request] = hook.wait_for(1)
    url = request.json["version"]["url"]
    assert url == web_server.url + "/admin/runbase-registry-model/artifacts/model/web-models/v0"
    open_version(page, url)
    assert page.inner_text(".version-name") == "web-models:v0"
    assert page.get_attribute(".artifact-version", "data-artifact-id") == linked.id
    assert {"candidate", "staging"} <= set(
        page.eval_on_selector_all(".alias-editor .alias", "xs => xs.map(x => x.dataset.value)"))


def test_file_previews_and_downloads(page: Any, logged: dict[str, str], api: runbase.Api) -> None:
    open_version(page, logged["DATA_URL"])
    notes = page.locator('.artifact-files tr[data-path="notes.txt"]')
    href = notes.locator("a").get_attribute("href")
    version = api.artifact("admin/arts/dataset:v0")
    assert href == f"/files/artifacts/{version.id}/notes.txt"
    assert page.request.get(page.url.split("/admin/")[0] + href).text() == NOTES  # the session cookie downloads it
    notes.locator("button.preview").click()
    assert page.text_content('.file-preview[data-path="notes.txt"] pre.file-text') == NOTES
    assert page.locator(".file-preview b").count() == 0  # markup in a text file stays text
    page.locator('.artifact-files tr[data-path="sub/config.json"] button.preview').click()
    shown = page.text_content('.file-preview[data-path="sub/config.json"] pre.file-json')
    assert json.loads(shown) == {"layers": [1, 2], "name": "tiny"}
    page.locator('.artifact-files tr[data-path="pixel.png"] button.preview').click()
    image = '.file-preview[data-path="pixel.png"] img.file-image'
    page.wait_for_function("s => { const i = document.querySelector(s); return i && i.complete && i.naturalWidth > 0 }",
                           arg=image)
    assert page.eval_on_selector(image, "i => [i.naturalWidth, i.naturalHeight]") == [2, 2]
    reference = next(path for path, entry in version.manifest.entries.items() if entry.ref)
    assert page.locator(f'.artifact-files tr[data-path="{reference}"] button.preview').count() == 0


def test_alias_and_tag_edits_persist_and_bad_ones_are_refused(
        page: Any, logged: dict[str, str], api: runbase.Api) -> None:
    open_version(page, logged["DATA_URL"])
    editor = page.locator(".alias-editor")
    editor.locator('input[aria-label="new alias"]').fill("golden")
    editor.locator("button[type=submit]").click()
    page.wait_for_selector('.alias-editor .alias[data-value="golden"]')
    assert set(api.artifact("admin/arts/dataset:v0").aliases) == {"raw", "golden", "latest"}
    editor.locator('button[aria-label="remove alias raw"]').click()
    page.wait_for_selector('.alias-editor .alias[data-value="raw"]', state="detached")
    assert set(api.artifact("admin/arts/dataset:v0").aliases) == {"golden", "latest"}
    assert editor.locator('button[aria-label="remove alias latest"]').count() == 0  # the server keeps it

    editor.locator('input[aria-label="new alias"]').fill(HOSTILE)  # the server refuses it: said, nothing lost
    editor.locator("button[type=submit]").click()
    page.wait_for_selector(".alias-editor .error")
    assert "may contain only" in page.inner_text(".alias-editor .error")
    assert set(api.artifact("admin/arts/dataset:v0").aliases) == {"golden", "latest"}

    tags = page.locator(".tag-editor")
    tags.locator('input[aria-label="new tag"]').fill("checked")
    tags.locator("button[type=submit]").click()
    page.wait_for_selector('.tag-editor .tag[data-value="checked"]')
    assert api.artifact("admin/arts/dataset:v0").tags == ["checked"]
    page.reload()
    page.wait_for_selector('.alias-editor .alias[data-value="golden"]')
    assert page.locator('.alias-editor .alias[data-value="raw"]').count() == 0


def test_lineage_graph_holds_the_runs_and_versions_around_the_version(
        page: Any, logged: dict[str, str], api: runbase.Api) -> None:
    open_version(page, logged["MODEL_URL"])
    page.wait_for_selector("svg.lineage .lineage-node")
    nodes = dict(page.eval_on_selector_all("svg.lineage .lineage-node",
                                           "gs => gs.map(g => [g.dataset.key, g.querySelector('text').textContent])"))
    dataset, model = api.artifact("admin/arts/dataset:v0"), api.artifact("admin/arts/model:v0")
    producer, trainer, evaluator = (f"run:admin/arts/{logged[k]}" for k in ("PRODUCER", "TRAINER", "EVALUATOR"))
    assert set(nodes) == {f"version:{dataset.id}", f"version:{model.id}", producer, trainer, evaluator}
    assert nodes[f"version:{model.id}"] == "model:v0" and nodes[f"version:{dataset.id}"] == "dataset:v0"
    edges = page.eval_on_selector_all("svg.lineage .lineage-edge",
                                      "ps => ps.map(p => [p.dataset.from, p.dataset.to, p.dataset.kind])")
    assert sorted(map(tuple, edges)) == sorted([
        (producer, f"version:{dataset.id}", "logged"), (f"version:{dataset.id}", trainer, "used"),
        (trainer, f"version:{model.id}", "logged"), (f"version:{model.id}", evaluator, "used")])
    assert page.get_attribute("svg.lineage .lineage-node.center", "data-key") == f"version:{model.id}"
    shot(page, "artifact-lineage")
    follow(page, f'svg.lineage .lineage-node[data-key="version:{dataset.id}"]', logged["DATA_URL"],
           f'.artifact-version[data-artifact-id="{dataset.id}"]')
    page.go_back()
    page.wait_for_url(logged["MODEL_URL"])


def test_project_artifacts_and_collection_pages(page: Any, logged: dict[str, str], api: runbase.Api,
                                                web_server: Server) -> None:
    page.goto(web_server.url + "/admin/arts")
    follow(page, "nav.crumbs >> text=artifacts", web_server.url + "/admin/arts/artifacts", ".artifact-type")
    listed = page.eval_on_selector_all(".artifact-type", "ss => ss.map(s => [s.dataset.type, "
                                       "Array.from(s.querySelectorAll('tbody tr td:first-child a'), a => a.textContent)])")
    expected = {t.name: sorted(c.name for c in api.artifact_collections("admin/arts", t.name))
                for t in api.artifact_types("admin/arts")}
    assert {name: sorted(collections) for name, collections in listed} == expected == \
        {"dataset": ["dataset", "odd"], "model": ["model"]}
    shot(page, "artifacts")
    follow(page, ".artifact-type[data-type=model] a >> text=model", web_server.url + "/admin/arts/artifacts/model/model",
           "table.versions")
    assert page.eval_on_selector_all("table.versions tbody tr", "rs => rs.map(r => r.dataset.version)") == ["0"]
    page.click("table.versions a >> text=v0")
    page.wait_for_url(logged["MODEL_URL"])
    dataset = api.artifact("admin/arts/dataset:v0")
    for version in ("latest", dataset.id):  # an alias, or the id a version has before it is numbered
        page.goto(f"{web_server.url}/admin/arts/artifacts/dataset/dataset/{version}")
        page.wait_for_selector(f'.artifact-version[data-artifact-id="{dataset.id}"]')
    page.goto(web_server.url + "/admin/arts/artifacts/dataset/nothing-here/v0")
    assert "No version v0 of nothing-here" in page.inner_text(".error")


def test_registry_pages_list_what_was_linked(page: Any, logged: dict[str, str], api: runbase.Api,
                                             web_server: Server) -> None:
    page.goto(web_server.url + "/admin/arts")
    follow(page, "header.topbar >> text=Registry", web_server.url + "/registry", "table.registry-list")
    registries = page.eval_on_selector_all("section[data-organization=admin] tr[data-registry]",
                                           "rs => rs.map(r => r.dataset.registry)")
    assert registries == [registry.name for registry in api.registries(organization="admin")] and \
        "model" in registries
    follow(page, "tr[data-registry=model] a", web_server.url + "/registry/admin/model", "tr[data-collection=web-models]")
    shot(page, "registry")
    follow(page, "tr[data-collection=web-models] a",
           web_server.url + "/admin/runbase-registry-model/artifacts/model/web-models", "table.versions")
    linked = api.artifact("admin/wandb-registry-model/web-models:v0")
    row = page.locator('table.versions tr[data-version="0"]')
    assert set(row.locator(".alias").all_inner_texts()) == set(linked.aliases) >= {"staging"}
    assert row.locator("td:nth-child(4) a").inner_text() == "admin/arts/model:v0"
    row.locator("td:first-child a").click()
    page.wait_for_selector(".artifact-version .linked-from")
    assert page.get_attribute(".linked-from a", "href") == "/admin/arts/artifacts/model/model/v0"
    page.goto(web_server.url + "/registry/admin/no-such-registry")
    assert "No registry no-such-registry" in page.inner_text(".error")


def test_hostile_strings_show_as_text(page: Any, logged: dict[str, str]) -> None:
    open_version(page, logged["HOSTILE_URL"])
    assert page.inner_text(".description") == HOSTILE
    assert page.inner_text('table[aria-label="metadata"] th') == HOSTILE
    assert page.inner_text('table[aria-label="metadata"] td') == HOSTILE
    path = HOSTILE + ".txt"
    assert page.eval_on_selector_all(".artifact-files tr[data-path]", "rows => rows.map(r => r.dataset.path)") == [path]
    row = page.locator(".artifact-files tr[data-path]")
    assert row.locator("a").inner_text() == path
    row.locator("button.preview").click()
    assert page.text_content(".file-preview pre.file-text") == "<script>alert(5)</script>"
    assert page.locator("main img, main script").count() == 0
    shot(page, "artifact-hostile")
