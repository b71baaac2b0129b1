"""Public artifacts: collections, types, the versions of a collection, a version's files and a run's
artifacts, as W&B's `wandb.apis.public.artifacts` offers them."""

from __future__ import annotations

import json
import warnings
from collections.abc import Collection
from typing import IO, TYPE_CHECKING, Any

from ..._generated.fragments import ArtifactCollectionFields, ArtifactFields, ArtifactFileFields
from ..._generated.input_types import DeleteArtifactCollectionInput, UpdateArtifactCollectionInput
from ...connection import Connection
from ...errors import UsageError, present
from ..paginator import Counted, Listing
from .files import File

if TYPE_CHECKING:
    import os

    from ...artifacts import Artifact
    from ...artifacts.names import ArtifactPath
    from .runs import Run


def artifact_from(client: Connection, fields: ArtifactFields) -> Artifact:
    """The SDK's Artifact for a fetched version (imported here: the artifacts package imports this module)."""
    from ...artifacts import Artifact

    return Artifact._from_fields(client, fields)


def find_version(client: Connection, path: ArtifactPath) -> tuple[ArtifactFields | None, str]:
    """The version a path names, or None, and the path as messages show it."""
    label = "/".join(part for part in (path.entity, path.project, path.full_name) if part)
    if path.project is None:
        raise UsageError(f"artifact {label}: name its project as well (project/name:alias)")
    found = client.artifact_by_name(entity=path.entity, project=path.project, name=path.full_name).project
    return (None if found is None else found.artifact), label


def logged_version(client: Connection, artifact: Artifact | str, entity: str, project: str) -> ArtifactFields:
    """The current fields of a logged version: an Artifact from the Public API, or a name resolved in
    entity/project. A draft (never logged) is refused: log it with a run first."""
    from ...artifacts import Artifact
    from ...artifacts.names import parse_path

    if isinstance(artifact, str):
        fields, label = find_version(client, parse_path(artifact, entity, project))
    elif isinstance(artifact, Artifact):
        if artifact.is_draft():
            raise ValueError("only logged artifacts are accepted here (from Api().artifact(name)); log a new "
                             "artifact with runbase.init(...).log_artifact(artifact)")
        version_id = artifact._logged().id
        fields, label = client.artifact_by_id(id=version_id).artifact, f"with id {version_id}"
    else:
        raise TypeError(f"pass an Artifact from Api().artifact() or an artifact name, not {type(artifact).__name__}")
    if fields is None:
        raise ValueError(f"no artifact {label} (or no access to it)")
    return fields


def filter_json(filters: dict[str, Any] | None, what: str = "filter") -> str | None:
    """A MongoDB-style filter as the JSON the server validates; values JSON cannot carry are refused here."""
    if filters is None:
        return None
    if not isinstance(filters, dict):
        raise ValueError(f"{what} must be a dict (a MongoDB-style query document), not {type(filters).__name__}")
    try:
        return json.dumps(filters, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} {filters!r} cannot be sent as JSON: {exc}") from None


def _tag_filter(filters: dict[str, Any] | None, tags: str | Collection[str] | None) -> dict[str, Any] | None:
    """`filters` narrowed to versions carrying every tag in `tags`."""
    tags = [tags] if isinstance(tags, str) else list(tags or [])
    if not all(isinstance(tag, str) for tag in tags):
        raise ValueError(f"tags must be strings, not {tags!r}")
    clauses = ([filters] if filters else []) + [{"tag": tag} for tag in tags]
    if len(clauses) > 1:
        return {"$and": clauses}
    return clauses[0] if clauses else None


class ArtifactCollection:
    """A sequence (where versions are logged) or portfolio (where they are linked, as in a registry).
    Change name, description, tags or type, then save()."""

    def __init__(self, client: Connection, entity: str, project: str, name: str, *, type: str,
                 organization: str | None = None, attrs: dict[str, Any] | None = None) -> None:
        self.client = client
        self.entity = entity
        self.project = project
        self.organization = organization
        self._name = name
        self._type = type
        self._attrs: dict[str, Any] = {}
        if attrs is None:
            self.load()
        else:
            self._set(attrs)

    @classmethod
    def of(cls, client: Connection, fields: ArtifactCollectionFields) -> ArtifactCollection:
        return cls(client, fields.entity_name, fields.project_name, fields.name, type=fields.type_name,
                   attrs=fields.model_dump())

    def _set(self, attrs: dict[str, Any]) -> None:
        self._attrs = attrs
        self.entity, self.project = attrs["entity_name"], attrs["project_name"]
        self.name = attrs["name"]
        self.type = attrs["type_name"]
        self.description = attrs.get("description")
        self.tags = [edge["node"]["name"] for edge in attrs["tags"]["edges"]]

    def load(self) -> dict[str, Any]:
        """Read the collection again; a collection of another type than asked for is an error."""
        found = self.client.project_artifact_collection(entity=self.entity, project=self.project,
                                                        name=self._attrs.get("name", self._name)).project
        if found is None or found.artifact_collection is None:
            raise ValueError(f"no artifact collection {self.entity}/{self.project}/{self._name} "
                             "(or no access to it)")
        if found.artifact_collection.type_name != self._type:
            raise ValueError(f"artifact collection {self.entity}/{self.project}/{self._name} is of type "
                             f"{found.artifact_collection.type_name!r}, not {self._type!r}")
        self._set(found.artifact_collection.model_dump())
        return self._attrs

    @property
    def id(self) -> str:
        return str(self._attrs["id"])

    @property
    def aliases(self) -> list[str]:
        """Every alias in use in the collection, "latest" included, in name order."""
        page = self._attrs["aliases"]
        found = [edge["node"]["alias"] for edge in page["edges"]]
        while page["page_info"]["has_next_page"]:
            more = present(self.client.artifact_collection_aliases(id=self.id, after=page["page_info"]["end_cursor"])
                           .artifact_collection, "artifact collection").aliases
            page = more.model_dump()
            found += [edge["node"]["alias"] for edge in page["edges"]]
        return found

    @property
    def created_at(self) -> str:
        return str(self._attrs["created_at"])

    @property
    def updated_at(self) -> str | None:
        return self._attrs.get("updated_at")

    def is_sequence(self) -> bool:
        """True for a sequence (versions are logged to it), False for a portfolio (versions are linked)."""
        return bool(self._attrs["kind"] == "SEQUENCE")

    def artifacts(self, per_page: int = 50) -> Artifacts:
        """Its versions, newest first."""
        return Artifacts(self.client, self.entity, self.project, self._attrs["name"], type=self._attrs["type_name"],
                         per_page=per_page)

    def change_type(self, new_type: str) -> None:
        """Deprecated: set `type` and call save()."""
        warnings.warn("ArtifactCollection.change_type() is deprecated: set collection.type and call save()",
                      DeprecationWarning, stacklevel=2)
        self.type = new_type
        self.save()

    def save(self) -> None:
        """Persist edits to name, description, tags and type (only a collection whose versions are all of
        one type can change type)."""
        if isinstance(self.tags, str) or not all(isinstance(tag, str) for tag in self.tags):
            raise ValueError(f"tags must be a list of strings, not {self.tags!r}")
        edits = {"name": self.name, "description": self.description, "tags": list(self.tags), "type_name": self.type}
        changes = {key: value for key, value in edits.items() if value != self._attrs[key]}
        if "description" in changes and changes["description"] is None:
            changes["description"] = ""  # the server reads null as "unchanged": "" clears it
        if not changes:
            return
        result = self.client.update_artifact_collection(UpdateArtifactCollectionInput(id=self.id, **changes))
        fields = present(result.update_artifact_collection, "collection").artifact_collection
        self._type = fields.type_name
        self._set(fields.model_dump())

    def delete(self) -> None:
        """Delete the collection and the versions logged to it."""
        self.client.delete_artifact_collection(DeleteArtifactCollectionInput(id=self.id))

    def __repr__(self) -> str:
        return f"<ArtifactCollection {self.entity}/{self.project}/{self.name} ({self.type})>"


class ArtifactCollections(Counted[ArtifactCollection]):
    """The collections of one type in a project, newest first."""

    def __init__(self, client: Connection, entity: str, project: str, type_name: str, *, per_page: int = 50) -> None:
        super().__init__(per_page)
        self.client, self.entity, self.project, self.type_name = client, entity, project, type_name

    def _page(self, first: int, after: str | None) -> Any:
        found = self.client.project_artifact_collections(entity=self.entity, project=self.project,
                                                         type_name=self.type_name, first=first, after=after).project
        if found is None:
            raise ValueError(f"no project {self.entity}/{self.project} (or no access to it)")
        return found.artifact_collections

    def _wrap(self, node: ArtifactCollectionFields) -> ArtifactCollection:
        return ArtifactCollection.of(self.client, node)

    def __repr__(self) -> str:
        return f"<ArtifactCollections {self.entity}/{self.project} ({self.type_name})>"


class Artifacts(Counted["Artifact"]):
    """The committed versions of a collection, newest first, narrowed by a MongoDB-style filter (tag, alias,
    created_at, updated_at, metadata) and by tags (a version must carry all of them)."""

    def __init__(self, client: Connection, entity: str, project: str, collection_name: str, *, type: str,
                 filters: dict[str, Any] | None = None, order: str | None = None, per_page: int = 50,
                 tags: str | list[str] | None = None) -> None:
        super().__init__(per_page)
        if order is not None:
            raise NotImplementedError("ordering versions is not built: they come newest first")
        self.client, self.entity, self.project = client, entity, project
        self.collection_name, self.type = collection_name, type
        self.filters = filters
        self._filters_json = filter_json(_tag_filter(filters, tags), "filters")

    def _page(self, first: int, after: str | None) -> Any:
        found = self.client.collection_artifacts(entity=self.entity, project=self.project,
                                                 collection=self.collection_name, filters=self._filters_json,
                                                 first=first, after=after).project
        path = f"{self.entity}/{self.project}/{self.collection_name}"
        if found is None or found.artifact_collection is None:
            raise ValueError(f"no artifact collection {path} (or no access to it)")
        if found.artifact_collection.type_name != self.type:
            raise ValueError(f"artifact collection {path} is of type {found.artifact_collection.type_name!r}, "
                             f"not {self.type!r}")
        return found.artifact_collection.artifacts

    def _wrap(self, node: ArtifactFields) -> Artifact:
        return artifact_from(self.client, node)

    def __repr__(self) -> str:
        return f"<Artifacts {self.entity}/{self.project}/{self.collection_name} ({self.type})>"


class ArtifactType:
    """An artifact type of a project, with its collections."""

    def __init__(self, client: Connection, entity: str, project: str, type_name: str, *,
                 attrs: dict[str, Any] | None = None) -> None:
        self.client, self.entity, self.project = client, entity, project
        self.type = type_name
        self._attrs = attrs if attrs is not None else self.load()

    def load(self) -> dict[str, Any]:
        found = self.client.project_artifact_type(entity=self.entity, project=self.project, name=self.type).project
        if found is None or found.artifact_type is None:
            raise ValueError(f"no artifact type {self.type!r} in {self.entity}/{self.project} (or no access to it)")
        self._attrs = found.artifact_type.model_dump()
        return self._attrs

    @property
    def id(self) -> str:
        return str(self._attrs["id"])

    @property
    def name(self) -> str:
        return str(self._attrs["name"])

    @property
    def description(self) -> str | None:
        return self._attrs.get("description")

    @property
    def created_at(self) -> str:
        return str(self._attrs["created_at"])

    def collections(self, per_page: int = 50) -> ArtifactCollections:
        return ArtifactCollections(self.client, self.entity, self.project, self.name, per_page=per_page)

    def collection(self, name: str) -> ArtifactCollection:
        return ArtifactCollection(self.client, self.entity, self.project, name, type=self.name)

    def __repr__(self) -> str:
        return f"<ArtifactType {self.name} in {self.entity}/{self.project}>"


class ArtifactTypes(Listing[ArtifactType]):
    """A project's artifact types, in name order."""

    def __init__(self, client: Connection, entity: str, project: str, per_page: int = 50) -> None:
        super().__init__(per_page)
        self.client, self.entity, self.project = client, entity, project

    def _fetch(self, after: str | None) -> tuple[list[ArtifactType], str | None, bool]:
        found = self.client.project_artifact_types(entity=self.entity, project=self.project, first=self.per_page,
                                                   after=after).project
        if found is None:
            raise ValueError(f"no project {self.entity}/{self.project} (or no access to it)")
        page = found.artifact_types
        types = [ArtifactType(self.client, self.entity, self.project, edge.node.name, attrs=edge.node.model_dump())
                 for edge in page.edges]
        return types, page.page_info.end_cursor, page.page_info.has_next_page

    def __repr__(self) -> str:
        return f"<ArtifactTypes {self.entity}/{self.project}>"


class ArtifactFile(File):
    """A manifest entry, as W&B's ArtifactFiles yields it: a File named by its path in the artifact. A
    reference (`ref`) is not stored by the server, so it has no url and cannot be downloaded from it."""

    @classmethod
    def of_entry(cls, client: Connection, fields: ArtifactFileFields) -> ArtifactFile:
        attrs = fields.model_dump()
        return cls(client, {**attrs, "name": attrs["path"], "size_bytes": attrs["size"], "updated_at": None,
                            "extra": json.loads(attrs["extra"] or "{}")})

    @property
    def path(self) -> str:
        return str(self._attrs["path"])

    @property
    def ref(self) -> str | None:
        return self._attrs.get("ref")

    @property
    def extra(self) -> dict[str, Any]:
        return dict(self._attrs["extra"])

    @property
    def url(self) -> str:
        return self.ref if self.ref is not None else super().url

    def download(self, root: str | os.PathLike[str] = ".", replace: bool = False,
                 exist_ok: bool = False) -> IO[str]:
        if self.ref is not None:
            raise ValueError(f"{self.path} is a reference to {self.ref}, not stored by the server: download the "
                             "artifact (which follows references) or fetch the reference yourself")
        return super().download(root, replace, exist_ok)

    def __repr__(self) -> str:
        return f"<ArtifactFile {self.path} ({self.ref or f'{self.size} bytes'})>"


class ArtifactFiles(Counted[ArtifactFile]):
    """A version's manifest entries in path order, fetched a page at a time; `names` picks exact paths."""

    def __init__(self, client: Connection, artifact: Artifact, names: list[str] | None = None,
                 per_page: int = 50) -> None:
        super().__init__(per_page)
        if names is not None and (isinstance(names, str) or not all(isinstance(n, str) for n in names)):
            raise ValueError("names must be a list of strings")
        self.client, self.artifact = client, artifact
        self.names = list(names) if names is not None else None

    @property
    def path(self) -> list[str]:
        return [self.artifact.entity, self.artifact.project, self.artifact.name]

    def _page(self, first: int, after: str | None) -> Any:
        found = self.client.artifact_files(id=self.artifact._logged().id, names=self.names, first=first,
                                           after=after).artifact
        if found is None:
            raise ValueError(f"no artifact with id {self.artifact.id} (or no access to it)")
        return found.files

    def _wrap(self, node: ArtifactFileFields) -> ArtifactFile:
        return ArtifactFile.of_entry(self.client, node)

    def __repr__(self) -> str:
        return f"<ArtifactFiles {'/'.join(self.path)}>"


class RunArtifacts(Counted["Artifact"]):
    """The versions a run logged (mode "logged") or used ("used"), in the order it did so."""

    def __init__(self, client: Connection, run: Run, mode: str = "logged", per_page: int = 100) -> None:
        super().__init__(per_page)
        if mode not in ("logged", "used"):
            raise ValueError(f"mode must be 'logged' or 'used', not {mode!r}")
        self.client, self.run, self.mode = client, run, mode

    def _page(self, first: int, after: str | None) -> Any:
        where: dict[str, Any] = {"entity": self.run.entity, "project": self.run.project, "run": self.run.id,
                                 "first": first, "after": after}
        page: Any = None
        if self.mode == "logged":
            logged = self.client.run_logged_artifacts(**where).project
            page = None if logged is None or logged.run is None else logged.run.output_artifacts
        else:
            used = self.client.run_used_artifacts(**where).project
            page = None if used is None or used.run is None else used.run.input_artifacts
        if page is None:
            raise ValueError(f"no run {'/'.join(self.run.path)} (or no access to it)")
        return page

    def _wrap(self, node: ArtifactFields) -> Artifact:
        return artifact_from(self.client, node)

    def __repr__(self) -> str:
        return f"<RunArtifacts {self.mode} by {'/'.join(self.run.path)}>"
