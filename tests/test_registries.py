"""Registries through the Public API (Api.create_registry/registry/registries, Registry, Collections, Versions)
against a real server: the reference's examples as written, visibility, members and accepted types."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import runbase as wandb
from conftest import Server

ORG = "registry-example-org"  # the examples' "my-org"
SOURCE = "registry-sources"


@pytest.fixture(scope="module")
def org(server: Server, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Team ORG (member: registry-member) with registries "model" and "my-models" (any type) and "datasets"
    (datasets only), holding versions logged by admin to project SOURCE:
    model/my_collection (tag my_tag): detector:v0 as "best", detector:v1 (tag prod);
    my-models/yolo-classifier: classifier:v0 as "staging"; datasets/my_collection: images:v0 as "best"."""
    keys = {"member": server.create_user("registry-member"), "outsider": server.create_user("registry-outsider")}
    api = wandb.Api(overrides={"base_url": server.url}, api_key=server.key)
    api.create_team(ORG).invite("registry-member")
    for name in ("model", "my-models"):
        api.create_registry(name, "organization", organization=ORG)
    api.create_registry("datasets", "organization", organization=ORG, artifact_types=["dataset"])
    root = tmp_path_factory.mktemp("registries")
    settings = wandb.Settings(api_key=server.key, base_url=server.url, root_dir=str(root), quiet=True)
    with wandb.init(project=SOURCE, settings=settings) as run:
        versions = {}
        logged = [("detector", "model", "d0", None), ("detector", "model", "d1", ["prod"]),
                  ("classifier", "model", "c0", None), ("images", "dataset", "i0", None)]
        for name, type_name, contents, tags in logged:
            (root / "file.txt").write_text(contents)
            artifact = wandb.Artifact(name, type=type_name)
            artifact.add_file(str(root / "file.txt"))
            versions[f"{name}:{contents}"] = run.log_artifact(artifact, tags=tags).wait()
    versions["detector:d0"].link(f"{ORG}/wandb-registry-model/my_collection", aliases=["best"])
    versions["detector:d1"].link(f"{ORG}/wandb-registry-model/my_collection")
    versions["classifier:c0"].link(f"{ORG}/wandb-registry-my-models/yolo-classifier", aliases=["staging"])
    versions["images:i0"].link(f"{ORG}/wandb-registry-datasets/my_collection", aliases=["best"])
    collection = api.artifact_collection("model", f"{ORG}/wandb-registry-model/my_collection")
    collection.tags = ["my_tag"]
    collection.save()
    return keys


@pytest.fixture
def env_api(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    """What `wandb.Api()` reads in the examples: the server, a key, and ORG as the default organization."""
    monkeypatch.setenv("RUNBASE_BASE_URL", server.url)
    monkeypatch.setenv("RUNBASE_API_KEY", server.key)
    monkeypatch.setenv("RUNBASE_ENTITY", ORG)


def sources(versions: wandb.apis.public.Versions) -> set[str]:
    return {version.source_name for version in versions}


def test_api_registries_examples(org: dict[str, str], env_api: None) -> None:
    api = wandb.Api()  # specify an org if your entity belongs to multiple orgs
    assert [r.name for r in api.registries(filter={"name": {"$regex": "model"}})] == ["model", "my-models"]
    found = list(api.registries().collections(filter={"name": "my_collection", "tag": "my_tag"}))
    assert [(c.project, c.name, c.tags) for c in found] == [("runbase-registry-model", "my_collection", ["my_tag"])]
    versions = api.registries().collections(filter={"name": {"$regex": "my_collection"}}).versions(
        filter={"alias": "best"})
    assert sources(versions) == {"detector:v0", "images:v0"} and len(versions) == 2
    assert sources(api.registries(filter={"name": {"$regex": "model"}}).versions(
        filter={"$or": [{"tag": "prod"}, {"alias": "best"}]})) == {"detector:v0", "detector:v1"}
    # The overview's example: collections in any registry whose name contains "yolo".
    collection_filters = {"name": {"$regex": "yolo"}}
    assert [c.name for c in api.registries().collections(filter=collection_filters)] == ["yolo-classifier"]
    registries = api.registries()
    assert next(registries).name == "datasets" and {"datasets", "model", "my-models"} <= {r.name for r in registries}


def test_download_from_a_registry_example(org: dict[str, str], env_api: None, tmp_path: Path) -> None:
    REGISTRY, COLLECTION, VERSION = "model", "my_collection", "best"  # noqa: N806 - the example's names
    api = wandb.Api()
    artifact_name = f"wandb-registry-{REGISTRY}/{COLLECTION}:{VERSION}"
    fetched_artifact = api.artifact(name=artifact_name)
    downloaded_path = fetched_artifact.download(root=str(tmp_path))
    assert (Path(downloaded_path) / "file.txt").read_text() == "d0"
    assert fetched_artifact.is_link and fetched_artifact.source_name == "detector:v0"
    assert fetched_artifact.version == "v0" and fetched_artifact.project == "runbase-registry-model"
    for name in (f"{ORG}/wandb-registry-model/my_collection:v0", "runbase-registry-model/my_collection:v0"):
        assert api.artifact(name).id == fetched_artifact.id
    assert api.artifact("wandb-registry-model/my_collection").version == "v1"  # latest
    assert [a.version for a in api.artifacts("model", "wandb-registry-model/my_collection")] == ["v1", "v0"]
    assert not api.artifact_collection("model", "wandb-registry-model/my_collection").is_sequence()
    assert not api.artifact_exists("wandb-registry-model/my_collection:v5")


def test_create_registry_and_registry_examples(server: Server, org: dict[str, str], env_api: None) -> None:
    api = wandb.Api()
    registry = api.create_registry(
        name="my-registry",
        visibility="restricted",
        organization=ORG,
        description="This is a test registry",
        artifact_types=["model"],
    )
    assert (registry.name, registry.full_name, registry.organization, registry.entity) == (
        "my-registry", "runbase-registry-my-registry", ORG, ORG)
    assert registry.visibility == "restricted" and registry.artifact_types == ["model"]
    assert not registry.allow_all_artifact_types and registry.path == [ORG, "runbase-registry-my-registry"]
    assert registry.created_at and registry.description == "This is a test registry"
    with pytest.raises(ValueError, match="already has a registry named 'my-registry'"):
        api.create_registry(name="my-registry", visibility="organization", organization=ORG)

    # Fetch and update a registry.
    registry = api.registry(name="my-registry", organization=ORG)
    registry.description = "This is an updated description"
    registry.save()
    assert api.registry("my-registry").description == "This is an updated description"  # ORG by default
    assert api.registry("wandb-registry-my-registry", organization=ORG).id == registry.id
    registry.description = None  # cleared, not "left as it was"
    registry.save()
    assert not api.registry("my-registry").description
    with pytest.raises(ValueError, match="visibility"):
        registry.visibility = "public"  # type: ignore[assignment]
    with pytest.raises(ValueError, match="no registry 'missing'"):
        api.registry("missing")


def test_registry_artifact_types_are_add_only(org: dict[str, str], env_api: None) -> None:
    api = wandb.Api()
    registry = api.create_registry("typed", "organization", artifact_types=["dataset"])
    # The reference's example.
    registry.artifact_types.append("model")
    registry.save()  # once saved, the artifact type `model` cannot be removed
    registry.artifact_types.append("accidentally_added")
    registry.artifact_types.remove(
        "accidentally_added"
    )  # Types can only be removed if it has not been saved yet
    assert registry.artifact_types == ["dataset", "model"]
    # A bad type is refused when added, not left in the list to fail every later save().
    for bad in ("bad name!", "wandb-history", ""):
        with pytest.raises(ValueError, match="artifact type"):
            registry.artifact_types.append(bad)
    with pytest.raises(ValueError, match="artifact type"):
        api.create_registry("untyped", "organization", artifact_types=["a/b"])
    assert registry.artifact_types == ["dataset", "model"]
    with pytest.raises(ValueError, match="cannot be removed"):
        registry.artifact_types.remove("model")
    with pytest.raises(ValueError, match="cannot be removed"):
        registry.artifact_types.pop()
    registry.load()
    assert list(registry.artifact_types) == ["dataset", "model"] and not registry.allow_all_artifact_types
    registry.allow_all_artifact_types = True
    registry.visibility = "restricted"
    registry.save()
    again = api.registry("typed")
    assert again.allow_all_artifact_types and again.visibility == "restricted"
    assert again.updated_at is not None
    again.delete()
    with pytest.raises(ValueError, match="no registry"):
        api.registry("typed")


def test_a_registry_refuses_artifacts_of_other_types(org: dict[str, str], env_api: None) -> None:
    api = wandb.Api()
    detector = api.artifact(f"admin/{SOURCE}/detector:v0")
    with pytest.raises(wandb.CommError, match="accepts artifacts of type 'dataset' only, not 'model'"):
        detector.link(f"{ORG}/wandb-registry-datasets/detectors")
    datasets = api.registry("datasets")
    assert [c.name for c in datasets.collections()] == ["my_collection"]
    assert sources(datasets.versions()) == {"images:v0"}
    assert not api.artifact_collection_exists("wandb-registry-datasets/detectors", "model")


def test_restricted_registry_is_invisible_until_invited(server: Server, org: dict[str, str], env_api: None) -> None:
    api = wandb.Api()
    registry = api.create_registry("secret-models", "restricted", description="invited only")
    api.artifact(f"admin/{SOURCE}/classifier:v0").link(f"{ORG}/wandb-registry-secret-models/classifier")
    member = wandb.Api(api_key=org["member"])
    organization_wide = [r.name for r in member.registries()]
    assert "model" in organization_wide and "secret-models" not in organization_wide
    with pytest.raises(ValueError, match="no registry 'secret-models'"):
        member.registry("secret-models")
    assert not member.artifact_exists("wandb-registry-secret-models/classifier:v0")
    assert not list(member.registries().collections(filter={"name": "classifier"}))

    registry.add_members("registry-member")
    assert member.registry("secret-models").description == "invited only"
    assert member.artifact("wandb-registry-secret-models/classifier:v0").source_name == "classifier:v0"
    assert {(m.username, m.role) for m in registry.members()} == {("admin", "admin"), ("registry-member", "member")}
    registry.remove_members(member.viewer)
    with pytest.raises(ValueError, match="no registry"):
        member.registry("secret-models")
    outsider = wandb.Api(api_key=org["outsider"])
    assert "model" not in [r.name for r in _listing_or_empty(outsider)]


def _listing_or_empty(api: wandb.Api) -> list[wandb.apis.public.Registry]:
    """An outsider's view of ORG's registries: none, whether the server says so with an empty list or an error."""
    try:
        return list(api.registries(organization=ORG))
    except (ValueError, wandb.CommError):
        return []


def test_filters_are_checked_before_sending(org: dict[str, str], env_api: None) -> None:
    api = wandb.Api()
    with pytest.raises(ValueError, match="cannot be sent as JSON"):
        api.registries(filter={"name": math.nan})
    with pytest.raises(ValueError, match="must be a dict"):
        api.registries().versions(filter=["alias", "best"])  # type: ignore[arg-type]
    with pytest.raises(wandb.CommError, match=r"\$where"):
        list(api.registries(filter={"$where": "1"}))
