"""Projects: where runs are grouped."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..._generated.fragments import ProjectFields
from ...connection import Connection
from ...links import page_url
from ..paginator import Counted

if TYPE_CHECKING:
    from .automations import Automations
    from .runs import Runs
    from .sweeps import Sweeps


class Project:
    def __init__(self, client: Connection, entity: str, project: str, attrs: dict[str, Any] | None = None) -> None:
        self.client = client
        self.entity = entity
        self.name = project
        self._attrs = attrs or {}

    @property
    def id(self) -> str | None:
        return self._attrs.get("id")

    @property
    def description(self) -> str | None:
        return self._attrs.get("description")

    @property
    def access(self) -> str | None:
        return self._attrs.get("access")

    @property
    def created_at(self) -> str | None:
        return self._attrs.get("created_at")

    @property
    def path(self) -> list[str]:
        return [self.entity, self.name]

    @property
    def url(self) -> str:
        return page_url(self.client.base_url, self.entity, self.name)

    def runs(self, filters: dict[str, Any] | None = None, order: str = "+created_at", per_page: int = 50) -> Runs:
        from .runs import Runs

        return Runs(self.client, self.entity, self.name, filters=filters, order=order, per_page=per_page)

    def sweeps(self, per_page: int = 50) -> Sweeps:
        """The project's sweeps, newest first."""
        from .sweeps import Sweeps

        return Sweeps(self.client, self.entity, self.name, per_page=per_page)

    def automations(self, per_page: int = 50) -> Automations:
        """Automations scoped to this project."""
        from .automations import Automations

        return Automations(self.client, entity=self.entity, project=self.name, per_page=per_page)

    def __repr__(self) -> str:
        return f"<Project {self.entity}/{self.name}>"


class Projects(Counted[Project]):
    """The projects of an entity, newest first."""

    def __init__(self, client: Connection, entity: str, per_page: int = 200) -> None:
        super().__init__(per_page)
        self.client = client
        self.entity = entity

    def _page(self, first: int, after: str | None) -> Any:
        return self.client.projects(entity=self.entity, first=first, after=after).projects

    def _wrap(self, node: ProjectFields) -> Project:
        return Project(self.client, node.entity_name, node.name, node.model_dump())
