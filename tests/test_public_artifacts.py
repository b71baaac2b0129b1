"""The Public API for artifacts (Api.artifact*, ArtifactCollection, ArtifactType, Artifacts, ArtifactFiles and
the public Run's artifact methods) against a real server, running the reference's examples as written."""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

import runbase as wandb
from conftest import Server

PROJECT = "public-artifacts"


def api_for(server: Server, key: str | None = None, **overrides: Any) -> wandb.Api:
    return wandb.Api(overrides={"base_url": server.url, **overrides}, api_key=key or server.key)


def settings(server: Server, root: Path) -> wandb.Settings:
    return wandb.Settings(api_key=server.key, base_url=server.url, root_dir=str(root), quiet=True)


@pytest.fixture(scope="module")
def logged(server: Server, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Project PROJECT: dataset "test_artifact" v0 (run 1) and v1 (run 2, alias "best", tag "gold",
    two files), models "scratch" (run 1, for tests that change it) and "my-model" (run 2), and a run 3
    that used test_artifact:v0."""
    root = tmp_path_factory.mktemp("public-artifacts")
    data = root / "data.txt"
    data.write_text("This is a test artifact")
    with wandb.init(project=PROJECT, settings=settings(server, root)) as first:
        artifact = wandb.Artifact("test_artifact", type="dataset")
        artifact.add_file(str(data))
        first.log_artifact(artifact)
        scratch = wandb.Artifact("scratch", type="model")
        scratch.add_file(str(data))
        first.log_artifact(scratch)
    data.write_text("second version")
    (root / "extra.csv").write_text("a,b\n1,2\n")
    with wandb.init(project=PROJECT, settings=settings(server, root)) as second:
        artifact = wandb.Artifact("test_artifact", type="dataset", description="two files")
        artifact.add_file(str(data))
        artifact.add_file(str(root / "extra.csv"), name="tables/extra.csv")
        second.log_artifact(artifact, aliases=["best"], tags=["gold"])
        model = wandb.Artifact("my-model", type="model")
        model.add_file(str(data), name="weights.txt")
        second.log_artifact(model)
    with wandb.init(project=PROJECT, settings=settings(server, root)) as third:
        third.use_artifact("test_artifact:v0")
    return {"first": first.id, "second": second.id, "third": third.id}


def test_api_artifact_examples(server: Server, logged: dict[str, str], tmp_path: Path) -> None:
    api = api_for(server)
    # The reference's four forms, placeholders filled in.
    by_alias = wandb.Api(overrides={"base_url": server.url}, api_key=server.key).artifact(
        name=f"{PROJECT}/test_artifact:best")
    assert by_alias.version == "v1" and by_alias.type == "dataset" and "best" in by_alias.aliases
    assert api.artifact(name=f"{PROJECT}/test_artifact:v0").version == "v0"
    assert api.artifact(name=f"admin/{PROJECT}/test_artifact:best").id == by_alias.id
    assert api.artifact(name=f"admin/{PROJECT}/test_artifact:v1").id == by_alias.id
    # No version means latest; a default project from the overrides.
    assert api.artifact(f"{PROJECT}/test_artifact").id == by_alias.id
    assert api_for(server, project=PROJECT).artifact("test_artifact:v0", type="dataset").version == "v0"
    # The "Download an Artifact by name and alias" example.
    downloaded = Path(api.artifact(f"admin/{PROJECT}/test_artifact:best").download(root=str(tmp_path / "dl")))
    assert (downloaded / "data.txt").read_text() == "second version"
    assert (downloaded / "tables" / "extra.csv").read_text() == "a,b\n1,2\n"

    with pytest.raises(ValueError, match="is of type 'dataset', not 'model'"):
        api.artifact(f"{PROJECT}/test_artifact:v0", type="model")
    with pytest.raises(ValueError, match=f"no artifact admin/{PROJECT}/test_artifact:v9"):
        api.artifact(f"{PROJECT}/test_artifact:v9")
    with pytest.raises(ValueError, match="no artifact"):
        api.artifact("no-such-project/test_artifact:latest")
    with pytest.raises(ValueError, match="artifact path"):
        api.artifact("a/b/c/d:latest")


def test_api_artifact_exists_examples(server: Server, logged: dict[str, str]) -> None:
    api = api_for(server)
    assert wandb.Api(overrides={"base_url": server.url}, api_key=server.key).artifact_exists(
        f"admin/{PROJECT}/test_artifact:v1")
    assert api.artifact_exists(f"admin/{PROJECT}/test_artifact:best")
    assert not api.artifact_exists(f"admin/{PROJECT}/test_artifact:v7")
    assert not api.artifact_exists(f"admin/{PROJECT}/test_artifact:nope")
    assert api.artifact_exists(f"admin/{PROJECT}/test_artifact:v0", type="dataset")
    assert not api.artifact_exists(f"admin/{PROJECT}/test_artifact:v0", type="model")
    assert api.artifact_collection_exists(f"admin/{PROJECT}/my-model", type="model")
    assert not api.artifact_collection_exists(f"admin/{PROJECT}/my-model", type="dataset")
    assert not api.artifact_collection_exists(f"{PROJECT}/missing", type="model")


def test_api_artifact_collection_example(server: Server, logged: dict[str, str], tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    collections = wandb.Api(overrides={"base_url": server.url}, api_key=server.key).artifact_collection(
        type_name="dataset", name=f"admin/{PROJECT}/test_artifact")
    # Get the first artifact in the collection (the newest) and download it to the default root.
    artifact_example = collections.artifacts()[0]
    downloaded = Path(artifact_example.download())
    assert artifact_example.version == "v1" and (downloaded / "data.txt").read_text() == "second version"

    assert collections.name == "test_artifact" and collections.type == "dataset" and collections.is_sequence()
    assert collections.entity == "admin" and collections.project == PROJECT
    assert set(collections.aliases) == {"latest", "best"} and collections.id and collections.created_at
    with pytest.raises(ValueError, match="is of type 'dataset', not 'model'"):
        api_for(server).artifact_collection("model", f"{PROJECT}/test_artifact")
    with pytest.raises(ValueError, match="no artifact collection"):
        api_for(server).artifact_collection("dataset", f"{PROJECT}/missing")


def test_artifacts_paginate_and_filter_by_tags(server: Server, logged: dict[str, str]) -> None:
    api = api_for(server)
    versions = api.artifacts(type_name="dataset", name=f"admin/{PROJECT}/test_artifact", per_page=1)
    assert len(versions) == 2 and len(versions.objects) == 1  # the first page carries the count
    assert [v.version for v in versions] == ["v1", "v0"]
    assert versions[1].version == "v0" and [v.version for v in versions[0:1]] == ["v1"]
    assert next(versions).version == "v1"
    assert [v.version for v in api.artifacts("dataset", f"{PROJECT}/test_artifact", tags=["gold"])] == ["v1"]
    assert list(api.artifacts("dataset", f"{PROJECT}/test_artifact", tags=["gold", "missing"])) == []
    with pytest.warns(DeprecationWarning, match="artifacts"):
        assert len(api.artifact_versions("dataset", f"{PROJECT}/test_artifact")) == 2
    with pytest.raises(ValueError, match="not 'model'"):
        list(api.artifacts("model", f"{PROJECT}/test_artifact"))
    with pytest.raises(ValueError, match="cannot be sent as JSON"):
        wandb.apis.public.Artifacts(api.client, "admin", PROJECT, "test_artifact", type="dataset",
                                    filters={"metadata.x": math.nan})


def test_types_and_collections(server: Server, logged: dict[str, str]) -> None:
    api = api_for(server)
    types = api.artifact_types(project=f"admin/{PROJECT}")
    assert [t.name for t in types] == ["dataset", "model"] and len(types) == 2
    dataset = api.artifact_type("dataset", project=PROJECT)
    assert dataset.name == "dataset" and dataset.id and dataset.created_at
    assert [c.name for c in dataset.collections()] == ["test_artifact"]
    assert dataset.collection("test_artifact").type == "dataset"
    assert "my-model" in [c.name for c in api.artifact_collections(PROJECT, "model")]
    assert len(api.artifact_collections(f"admin/{PROJECT}", "dataset", per_page=1)) == 1
    with pytest.raises(ValueError, match="no artifact type"):
        api.artifact_type("missing", project=PROJECT)


def test_artifact_files(server: Server, logged: dict[str, str], tmp_path: Path) -> None:
    artifact = api_for(server).artifact(f"{PROJECT}/test_artifact:v1")
    files = artifact.files(per_page=1)
    assert len(files) == 2 and files.path == ["admin", PROJECT, "test_artifact:v1"]
    assert [f.name for f in files] == ["data.txt", "tables/extra.csv"]
    extra = artifact.files(names=["tables/extra.csv"])[0]
    assert extra.size == 8 and extra.ref is None and extra.url.startswith(server.url)
    with extra.download(root=str(tmp_path)) as handle:
        assert handle.read() == "a,b\n1,2\n"


def test_collection_edits_save_and_delete(server: Server, logged: dict[str, str]) -> None:
    api = api_for(server)
    collection = api.artifact_collection("model", f"{PROJECT}/scratch")
    collection.description = "the model"
    collection.tags = ["prod candidate"]
    collection.save()
    again = api.artifact_collection("model", f"{PROJECT}/scratch")
    assert again.description == "the model" and again.tags == ["prod candidate"] and again.updated_at
    version = api.artifact(f"{PROJECT}/scratch:v0")
    version.description = "a version"
    version.save()
    version.description = again.description = None  # cleared, not "left as it was"
    version.save()
    again.save()
    assert api.artifact(f"{PROJECT}/scratch:v0").description is None
    assert not api.artifact_collection("model", f"{PROJECT}/scratch").description
    with pytest.warns(DeprecationWarning, match="change_type"):
        again.change_type("checkpoint")
    assert api.artifact_collection("checkpoint", f"{PROJECT}/scratch").type == "checkpoint"
    assert api.artifact(f"{PROJECT}/scratch:v0").type == "checkpoint"
    again.name = "renamed-scratch"
    again.save()
    doomed = api.artifact_collection("checkpoint", f"{PROJECT}/renamed-scratch")
    doomed.delete()
    assert not api.artifact_collection_exists(f"{PROJECT}/renamed-scratch", "checkpoint")
    assert not api.artifact_exists(f"{PROJECT}/renamed-scratch:v0")


def test_run_logged_and_used_artifacts_examples(server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("RUNBASE_BASE_URL", server.url)
    monkeypatch.setenv("RUNBASE_API_KEY", server.key)
    monkeypatch.chdir(tmp_path)
    # Run.logged_artifacts, as the reference writes it.
    with tempfile.NamedTemporaryFile(mode="w", delete=False, suffix=".txt") as tmp:
        tmp.write("This is a test artifact")
        tmp_path = tmp.name
    run = wandb.init(project="artifact-example")
    artifact = wandb.Artifact("test_artifact", type="dataset")
    artifact.add_file(tmp_path)
    run.log_artifact(artifact)
    run.finish()
    api = wandb.Api()
    finished_run = api.run(f"{run.entity}/{run.project}/{run.id}")
    for logged_artifact in finished_run.logged_artifacts():
        print(logged_artifact.name)
    os.unlink(tmp_path)
    # Run.used_artifacts, as the reference writes it.
    run = wandb.init(project="artifact-example")
    run.use_artifact("test_artifact:latest")
    run.finish()
    api = wandb.Api()
    finished_run = api.run(f"{run.entity}/{run.project}/{run.id}")
    for used_artifact in finished_run.used_artifacts():
        print(used_artifact.name)
    printed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("test_artifact:v")]
    assert len(printed) == 2 and printed[0] == printed[1]  # the version logged is the one used as latest


def test_public_run_artifacts(server: Server, logged: dict[str, str], tmp_path: Path) -> None:
    api = api_for(server)
    # The reference's logged_artifacts and used_artifacts examples.
    finished_run = api.run(f"admin/{PROJECT}/{logged['second']}")
    assert sorted(a.name for a in finished_run.logged_artifacts()) == ["my-model:v0", "test_artifact:v1"]
    assert len(finished_run.logged_artifacts(per_page=1)) == 2
    used = api.run(f"admin/{PROJECT}/{logged['third']}").used_artifacts()
    assert [a.name for a in used] == ["test_artifact:v0"]

    # Run.use_artifact: a finished run declares an input afterwards.
    run = api.run(f"admin/{PROJECT}/{logged['first']}")
    artifact = run.use_artifact(api.artifact(f"{PROJECT}/test_artifact:v1"))
    assert artifact.version == "v1"
    assert [a.name for a in run.used_artifacts()] == ["test_artifact:v1"]
    assert run.use_artifact("test_artifact:best").version == "v1"  # a name in the run's project
    with pytest.warns(DeprecationWarning, match="use_as"):
        run.use_artifact(artifact, use_as="input")
    with pytest.raises(ValueError, match="only logged artifacts"):
        run.use_artifact(wandb.Artifact("draft", type="dataset"))

    # Run.log_artifact adds aliases and tags to a version of the run's project.
    relogged = run.log_artifact(api.artifact(f"{PROJECT}/test_artifact:v0"), aliases=["baseline"], tags=["old"])
    assert relogged.version == "v0" and "baseline" in relogged.aliases and "old" in relogged.tags
    assert api.artifact(f"{PROJECT}/test_artifact:baseline").version == "v0"
    assert "best" in api.artifact(f"{PROJECT}/test_artifact:v1").aliases  # other aliases stay
    with pytest.raises(ValueError, match="only logged artifacts"):
        run.log_artifact(wandb.Artifact("draft", type="dataset"))
    with pytest.raises(ValueError, match="looks like a version"):
        run.log_artifact(relogged, aliases=["v3"])
    (tmp_path / "x.txt").write_text("x")
    with wandb.init(project="elsewhere", settings=settings(server, tmp_path)) as other:
        foreign = wandb.Artifact("foreign", type="dataset")
        foreign.add_file(str(tmp_path / "x.txt"))
        other.log_artifact(foreign)
    with pytest.raises(ValueError, match="its own project"):
        run.log_artifact(api.artifact("elsewhere/foreign:v0"))
