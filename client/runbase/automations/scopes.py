"""Where an automation's event must happen: a project, an artifact collection or a registry."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Annotated, Any, ClassVar, Union

from pydantic import BaseModel, ConfigDict, StringConstraints


class ScopeType(str, Enum):
    PROJECT = "PROJECT"
    ARTIFACT_COLLECTION = "ARTIFACT_COLLECTION"
    REGISTRY = "REGISTRY"


Name = Annotated[str, StringConstraints(min_length=1, pattern=r"^[^/\s]+$")]


class _Scope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    scope_type: ClassVar[ScopeType]

    entity_name: Name

    def to_input(self) -> dict[str, Any]:
        """The scope fields of createFilterTrigger / updateFilterTrigger, by their Python names."""
        raise NotImplementedError


class ProjectScope(_Scope):
    scope_type: ClassVar[ScopeType] = ScopeType.PROJECT

    project_name: Name

    def to_input(self) -> dict[str, Any]:
        return {"scope_type": self.scope_type.value, "entity_name": self.entity_name,
                "project_name": self.project_name, "scope_name": None}

    def __str__(self) -> str:
        return f"{self.entity_name}/{self.project_name}"


class ArtifactCollectionScope(_Scope):
    scope_type: ClassVar[ScopeType] = ScopeType.ARTIFACT_COLLECTION

    project_name: Name
    collection_name: Name

    def to_input(self) -> dict[str, Any]:
        return {"scope_type": self.scope_type.value, "entity_name": self.entity_name,
                "project_name": self.project_name, "scope_name": self.collection_name}

    def __str__(self) -> str:
        return f"{self.entity_name}/{self.project_name}/{self.collection_name}"


class RegistryScope(_Scope):
    scope_type: ClassVar[ScopeType] = ScopeType.REGISTRY

    registry_name: Name

    def to_input(self) -> dict[str, Any]:
        return {"scope_type": self.scope_type.value, "entity_name": self.entity_name,
                "project_name": None, "scope_name": self.registry_name}


AutomationScope = Union[ProjectScope, ArtifactCollectionScope, RegistryScope]


def _object_scope(value: Any) -> AutomationScope | None:
    """The scope a Public API object stands for: an ArtifactCollection (a registry's too) is a collection
    scope and a Registry a registry scope, never the project their `.entity` and `.name` would spell; a
    run or an artifact version is no scope at all."""
    from ..apis.public.artifacts import ArtifactCollection
    from ..apis.public.registries import Registry
    from ..apis.public.runs import Run
    from ..artifacts import Artifact

    if isinstance(value, ArtifactCollection):  # by their saved names: a rename counts once saved
        return ArtifactCollectionScope(entity_name=value.entity, project_name=value.project,
                                       collection_name=value._attrs["name"])
    if isinstance(value, Registry):
        return RegistryScope(entity_name=value.organization, registry_name=value._attrs["name"])
    if isinstance(value, (Run, Artifact)):
        raise ValueError(f"{value!r} is not a scope: pass its project (Api.project()) or, for an artifact, its "
                         "collection (artifact.collection)")
    return None


def as_scope(value: Any) -> AutomationScope:
    """A scope from a scope, a Public API Project, ArtifactCollection or Registry, another object with
    `.entity` and `.name` (a project), "entity/project" or "entity/project/collection"."""
    if isinstance(value, _Scope):
        return value  # type: ignore[return-value]
    if isinstance(value, str):
        parts = value.strip().strip("/").split("/")
        if len(parts) == 2:
            return ProjectScope(entity_name=parts[0], project_name=parts[1])
        if len(parts) == 3:
            return ArtifactCollectionScope(entity_name=parts[0], project_name=parts[1], collection_name=parts[2])
        raise ValueError(f"a scope string is 'entity/project' or 'entity/project/collection', not {value!r}")
    scope = _object_scope(value)
    if scope is not None:
        return scope
    entity, name = getattr(value, "entity", None), getattr(value, "name", None)
    if isinstance(entity, str) and isinstance(name, str):
        return ProjectScope(entity_name=entity, project_name=name)
    raise ValueError(f"a scope is a Project, ArtifactCollection, Registry, 'entity/project' or "
                     f"'entity/project/collection', not {value!r}")


def scope_validator(owner: str, *allowed: type[_Scope]) -> Callable[[Any], AutomationScope]:
    """A before-validator for `owner`'s scope field that names the scopes it takes when refusing one."""
    kinds = {ProjectScope: "a project ('entity/project' or a Project)",
             ArtifactCollectionScope: "an artifact collection ('entity/project/collection' or a collection)",
             RegistryScope: "a registry (a Registry or RegistryScope)"}

    def validate(value: Any) -> AutomationScope:
        scope = as_scope(value)
        if not isinstance(scope, allowed):
            wanted = " or ".join(kinds[kind] for kind in allowed)
            raise ValueError(f"{owner} is scoped to {wanted}, not {scope!r}")
        return scope

    return validate


def scope_from_wire(scope_type: str, entity_name: str, project_name: str | None, name: str | None) -> AutomationScope:
    """A scope from a Trigger's `scope` as the server returns it."""
    if scope_type == ScopeType.PROJECT:
        return ProjectScope(entity_name=entity_name, project_name=project_name)
    if scope_type == ScopeType.ARTIFACT_COLLECTION:
        return ArtifactCollectionScope(entity_name=entity_name, project_name=project_name, collection_name=name)
    if scope_type == ScopeType.REGISTRY:
        return RegistryScope(entity_name=entity_name, registry_name=name)
    raise ValueError(f"this runbase client does not know scope type {scope_type!r}; upgrade runbase")
