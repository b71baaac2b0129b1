"""Teams and their members."""

from __future__ import annotations

from typing import Any

from ..._generated.input_types import CreateInviteInput, DeleteInviteInput
from ...connection import Connection
from ...errors import CommError


class Member:
    def __init__(self, client: Connection, team: str, attrs: dict[str, Any]) -> None:
        self.client = client
        self.team = team
        self._attrs = attrs

    @property
    def id(self) -> str:
        return self._attrs["id"]

    @property
    def username(self) -> str:
        return self._attrs["username"]

    @property
    def role(self) -> str:
        return self._attrs["role"]

    @property
    def admin(self) -> bool:
        return self.role == "admin"

    def delete(self) -> bool:
        """Remove this member from the team."""
        return self.client.delete_invite(DeleteInviteInput(entity_name=self.team, id=self.id)).delete_invite.success

    def __repr__(self) -> str:
        return f"<Member {self.username} ({self.role}) of {self.team}>"


class Team:
    def __init__(self, client: Connection, name: str, attrs: dict[str, Any] | None = None) -> None:
        self.client = client
        self.name = name
        self._attrs = attrs if attrs is not None else self._load()

    def _load(self) -> dict[str, Any]:
        found = self.client.team(name=self.name).entity
        if found is None or not found.is_team:
            raise ValueError(f"no team named {self.name!r}")
        return found.model_dump()

    @property
    def members(self) -> list[Member]:
        return [Member(self.client, self.name, member) for member in self._load()["members"]]

    def invite(self, username_or_email: str, admin: bool = False) -> bool:
        """Add a user (by name or whole email) to the team; False if there is no such user or they are
        already a member."""
        if any(member.username == username_or_email for member in self.members):
            return False
        try:
            self.client.create_invite(CreateInviteInput(entity_name=self.name, username=username_or_email,
                                                        admin=admin))
        except CommError as exc:
            if exc.code == "NOT_FOUND":
                return False
            raise
        return True

    def create_service_account(self, description: str) -> Member | None:
        raise NotImplementedError("service accounts are not built yet")

    def __repr__(self) -> str:
        return f"<Team {self.name}>"
