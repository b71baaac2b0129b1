"""Registries: an organization's curated collections (W&B Registry), and lazy searches over registries,
their collections and their versions with MongoDB-style filters."""

from __future__ import annotations

from collections.abc import Iterable, MutableSequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, overload

from ..._generated.fragments import ArtifactCollectionFields, ArtifactFields, MemberFields, RegistryFields
from ..._generated.input_types import (
    CreateRegistryInput,
    DeleteRegistryInput,
    RegistryMembersInput,
    UpdateRegistryInput,
)
from ...artifacts import names
from ...connection import Connection
from ...errors import CommError, present
from ..paginator import Counted, Listing
from .artifacts import ArtifactCollection, artifact_from, filter_json

if TYPE_CHECKING:
    from ...artifacts import Artifact
    from .users import User

VISIBILITIES = ("organization", "restricted")


def _check_visibility(visibility: str) -> str:
    if visibility not in VISIBILITIES:
        raise ValueError(f"visibility must be 'organization' or 'restricted', not {visibility!r}")
    return visibility


class AddOnlyArtifactTypesList(MutableSequence[str]):
    """A registry's accepted types: types can be added, but a type saved to the server cannot be removed
    (removing one added since the last save is fine)."""

    def __init__(self, saved: Iterable[str] = ()) -> None:
        self._types = list(dict.fromkeys(saved))
        self._saved = frozenset(self._types)

    @property
    def draft(self) -> list[str]:
        """Types added since the last save."""
        return [name for name in self._types if name not in self._saved]

    def _unsaved(self, name: str) -> str:
        if name in self._saved:
            raise ValueError(f"artifact type {name!r} is saved in the registry and cannot be removed")
        return name

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        return self._types[index]

    def __setitem__(self, index: Any, value: Any) -> None:
        raise TypeError("artifact types can only be appended or removed, not replaced")

    def __delitem__(self, index: int | slice) -> None:
        for name in self._types[index] if isinstance(index, slice) else [self._types[index]]:
            self._unsaved(name)
        del self._types[index]

    def __len__(self) -> int:
        return len(self._types)

    def insert(self, index: int, value: str) -> None:
        """Checked now: a bad type left in the list would make every later save() fail."""
        names.check_type(value)
        if value not in self._types:
            self._types.insert(index, value)

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, Iterable) else NotImplemented

    def __repr__(self) -> str:
        return f"AddOnlyArtifactTypesList({self._types!r})"


@dataclass(frozen=True)
class RegistryMember:
    """A user invited to a registry, with their role there (admin, member or viewer)."""

    username: str
    role: str
    email: str | None = None

    @classmethod
    def of(cls, fields: MemberFields) -> RegistryMember:
        return cls(fields.username, fields.role, fields.email)


def _usernames(members: tuple[str | User | RegistryMember, ...]) -> list[str]:
    names = [member if isinstance(member, str) else getattr(member, "username", None) for member in members]
    usernames = [name for name in names if isinstance(name, str) and name]
    if not names or len(usernames) != len(names):
        raise ValueError(f"pass usernames or User objects, not {members!r}")
    return usernames


class Registry:
    """A registry of an organization. Change description, visibility, artifact_types or
    allow_all_artifact_types, then save()."""

    def __init__(self, client: Connection, organization: str, entity: str, name: str, *,
                 attrs: dict[str, Any] | None = None) -> None:
        self.client = client
        self._organization, self._entity, self._name = organization, entity, name
        self._attrs: dict[str, Any] = {}
        if attrs is None:
            self.load()
        else:
            self._set(attrs)

    @classmethod
    def of(cls, client: Connection, fields: RegistryFields) -> Registry:
        return cls(client, fields.organization, fields.organization, fields.name, attrs=fields.model_dump())

    @classmethod
    def create(cls, client: Connection, organization: str, name: str, visibility: Literal["organization", "restricted"],
               *, description: str | None = None, artifact_types: list[str] | None = None) -> Registry:
        """A new registry (name without prefix, unique in the organization); artifact_types None accepts every
        type. Call it through Api.create_registry()."""
        if artifact_types is not None:
            if isinstance(artifact_types, str) or not isinstance(artifact_types, Iterable):
                raise ValueError(f"artifact_types must be a list of strings, not {artifact_types!r}")
            artifact_types = [names.check_type(type_name) for type_name in artifact_types]
        new = CreateRegistryInput(organization=organization, name=name, visibility=_check_visibility(visibility),
                                  description=description,
                                  artifact_types=None if artifact_types is None else list(artifact_types))
        try:
            fields = present(client.create_registry(new).create_registry, "registry").registry
        except CommError as exc:
            if exc.code == "CONFLICT":
                raise ValueError(f"organization {organization!r} already has a registry named {name!r}") from exc
            raise
        return cls.of(client, fields)

    def _set(self, attrs: dict[str, Any]) -> None:
        self._attrs = attrs
        self._organization = self._entity = attrs["organization"]
        self.name = attrs["name"]
        self.description = attrs.get("description")
        self._visibility = attrs["visibility"]
        self.allow_all_artifact_types = attrs["allow_all_artifact_types"]
        self._artifact_types = AddOnlyArtifactTypesList(attrs["artifact_types"])

    def load(self) -> None:
        """Read the saved state again, dropping unsaved edits."""
        found = self.client.registry(name=self._attrs.get("name", self._name), organization=self._organization)
        if found.registry is None:
            raise ValueError(f"no registry {self._name!r} in organization {self._organization!r} "
                             "(or no access to it)")
        self._set(found.registry.model_dump())

    @property
    def id(self) -> str:
        return str(self._attrs["id"])

    @property
    def full_name(self) -> str:
        """The name with its prefix: the project that holds the registry."""
        return str(self._attrs["full_name"])

    @property
    def organization(self) -> str:
        return self._organization

    @property
    def entity(self) -> str:
        return self._entity

    @property
    def path(self) -> list[str]:
        return [self._entity, self.full_name]

    @property
    def created_at(self) -> str:
        return str(self._attrs["created_at"])

    @property
    def updated_at(self) -> str | None:
        return self._attrs.get("updated_at")

    @property
    def visibility(self) -> Literal["organization", "restricted"]:
        return "restricted" if self._visibility == "restricted" else "organization"

    @visibility.setter
    def visibility(self, value: Literal["organization", "restricted"]) -> None:
        self._visibility = _check_visibility(value)

    @property
    def artifact_types(self) -> AddOnlyArtifactTypesList:
        return self._artifact_types

    def save(self) -> None:
        """Persist the edits; artifact types only ever get added."""
        if not isinstance(self.allow_all_artifact_types, bool):
            raise ValueError(f"allow_all_artifact_types must be True or False, not {self.allow_all_artifact_types!r}")
        edits = {"name": self.name, "description": self.description, "visibility": self.visibility,
                 "allow_all_artifact_types": self.allow_all_artifact_types}
        changes = {key: value for key, value in edits.items() if value != self._attrs[key]}
        if "description" in changes and changes["description"] is None:
            changes["description"] = ""  # the server reads null as "unchanged": "" clears it
        if self.artifact_types.draft:
            changes["artifact_types"] = self.artifact_types.draft
        if changes:
            result = self.client.update_registry(UpdateRegistryInput(id=self.id, **changes))
            self._set(present(result.update_registry, "registry").registry.model_dump())

    def delete(self) -> None:
        """Delete the registry and its collections; this cannot be undone."""
        self.client.delete_registry(DeleteRegistryInput(id=self.id))

    def collections(self, filter: dict[str, Any] | None = None) -> Collections:
        """Its collections, newest first; filter on name, description, tag, created_at, updated_at."""
        return Collections(self.client, self._organization, registry_filter={"name": self._attrs["name"]},
                           collection_filter=filter)

    def versions(self, filter: dict[str, Any] | None = None) -> Versions:
        """Versions in its collections, newest first; filter on tag, alias, created_at, updated_at, metadata."""
        return Versions(self.client, self._organization, registry_filter={"name": self._attrs["name"]}, filter=filter)

    # -- members of a restricted registry ---------------------------------------------------------
    def members(self) -> list[RegistryMember]:
        found = self.client.registry_members(name=self._attrs["name"], organization=self._organization).registry
        if found is None:
            raise ValueError(f"no registry {self.name!r} in organization {self._organization!r} (or no access to it)")
        return [RegistryMember.of(member) for member in found.members]

    def add_members(self, *members: str | User | RegistryMember, role: str = "member") -> Registry:
        """Invite users (by name or User) with a role: admin, member or viewer."""
        self.client.add_registry_members(RegistryMembersInput(registry_id=self.id, usernames=_usernames(members),
                                                              role=role))
        return self

    def remove_members(self, *members: str | User | RegistryMember) -> Registry:
        self.client.remove_registry_members(RegistryMembersInput(registry_id=self.id, usernames=_usernames(members)))
        return self

    def __repr__(self) -> str:
        return f"<Registry {self.name} of {self._organization} ({self.visibility})>"


class Registries(Listing[Registry]):
    """The registries of an organization the viewer can see, by name, narrowed by a MongoDB-style filter
    (name, description, created_at, updated_at); collections() and versions() search inside them."""

    def __init__(self, client: Connection, organization: str, filter: dict[str, Any] | None = None,
                 per_page: int = 100) -> None:
        super().__init__(per_page)
        self.client, self.organization, self.filter = client, organization, filter
        self._filter_json = filter_json(filter)

    def _fetch(self, after: str | None) -> tuple[list[Registry], str | None, bool]:
        page = self.client.registries(organization=self.organization, filters=self._filter_json,
                                      first=self.per_page, after=after).registries
        registries = [Registry.of(self.client, edge.node) for edge in page.edges]
        return registries, page.page_info.end_cursor, page.page_info.has_next_page

    def collections(self, filter: dict[str, Any] | None = None) -> Collections:
        return Collections(self.client, self.organization, registry_filter=self.filter, collection_filter=filter)

    def versions(self, filter: dict[str, Any] | None = None) -> Versions:
        return Versions(self.client, self.organization, registry_filter=self.filter, filter=filter)

    def __repr__(self) -> str:
        return f"<Registries of {self.organization}>"


class Collections(Counted[ArtifactCollection]):
    """Collections in the registries matching registry_filter, narrowed by collection_filter (name,
    description, tag, created_at, updated_at), newest first; versions() searches inside them."""

    def __init__(self, client: Connection, organization: str, *, registry_filter: dict[str, Any] | None = None,
                 collection_filter: dict[str, Any] | None = None, per_page: int = 100) -> None:
        super().__init__(per_page)
        self.client, self.organization = client, organization
        self.registry_filter, self.collection_filter = registry_filter, collection_filter
        self._json = (filter_json(registry_filter), filter_json(collection_filter))

    def _page(self, first: int, after: str | None) -> Any:
        return self.client.registry_collections(organization=self.organization, registry_filters=self._json[0],
                                                filters=self._json[1], first=first,
                                                after=after).registry_collections

    def _wrap(self, node: ArtifactCollectionFields) -> ArtifactCollection:
        return ArtifactCollection.of(self.client, node)

    def versions(self, filter: dict[str, Any] | None = None) -> Versions:
        return Versions(self.client, self.organization, registry_filter=self.registry_filter,
                        collection_filter=self.collection_filter, filter=filter)

    def __repr__(self) -> str:
        return f"<Collections in the registries of {self.organization}>"


class Versions(Counted["Artifact"]):
    """Versions in the matching registries and collections, narrowed by filter (tag, alias, created_at,
    updated_at, metadata), newest first."""

    def __init__(self, client: Connection, organization: str, *, registry_filter: dict[str, Any] | None = None,
                 collection_filter: dict[str, Any] | None = None, filter: dict[str, Any] | None = None,
                 per_page: int = 100) -> None:
        super().__init__(per_page)
        self.client, self.organization = client, organization
        self.registry_filter, self.collection_filter, self.filter = registry_filter, collection_filter, filter
        self._json = (filter_json(registry_filter), filter_json(collection_filter), filter_json(filter))

    def _page(self, first: int, after: str | None) -> Any:
        registries, collections, versions = self._json
        return self.client.registry_versions(organization=self.organization, registry_filters=registries,
                                             collection_filters=collections, filters=versions, first=first,
                                             after=after).registry_versions

    def _wrap(self, node: ArtifactFields) -> Artifact:
        return artifact_from(self.client, node)

    def __repr__(self) -> str:
        return f"<Versions in the registries of {self.organization}>"
