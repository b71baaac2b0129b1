"""Teams and their members."""

from __future__ import annotations

from typing import Any

from ..._generated.input_types import CreateInviteInput, DeleteInviteInput
from ...connection import Connection
from ...errors import CommError, UsageError, present


class Member:
    def __init__(self, client: Connection, team: str, attrs: dict[str, Any]) -> None:
        self.client = client
        self.team = team
        self._attrs = attrs

    @property
    def id(self) -> str:
        return str(self._attrs["id"])

    @property
    def username(self) -> str:
        return str(self._attrs["username"])

    @property
    def role(self) -> str:
        return str(self._attrs["role"])

    @property
    def admin(self) -> bool:
        return self.role == "admin"

    def delete(self) -> bool:
        """Remove this member from the team."""
        removed = self.client.delete_invite(DeleteInviteInput(entity_name=self.team, id=self.id)).delete_invite
        return present(removed, "result").success

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

    def _username(self, username_or_email: str) -> str | None:
        """The username an email belongs to (None: no such user), looked up as Api.user does; the server's
        invite would change an existing member's role, so membership must be known before inviting."""
        if "@" not in username_or_email:
            return username_or_email
        try:
            found = self.client.user(user_name=username_or_email).user
        except CommError as exc:
            if exc.code != "NOT_FOUND":
                raise
            found = None
        if found is not None:
            return found.username
        if present(self.client.viewer().viewer, "viewer").admin:
            return None  # admins see every user: there is none with this email
        raise UsageError(f"cannot invite {username_or_email!r} by email: only admins can look users up by email, "
                         "so whether they are already a member of this team cannot be told; invite them by "
                         "username instead")

    def invite(self, username_or_email: str, admin: bool = False) -> bool:
        """Add a user (by name or whole email) to the team; False, changing nothing, if there is no such
        user or they are already a member (their role stays as it is)."""
        if not isinstance(username_or_email, str) or not username_or_email.strip():
            raise UsageError(f"invite() takes a username or an email, not {username_or_email!r}")
        username = self._username(username_or_email.strip())
        if username is None or any(member.username == username for member in self.members):
            return False
        try:
            self.client.create_invite(CreateInviteInput(entity_name=self.name, username=username, admin=admin))
        except CommError as exc:
            if exc.code == "NOT_FOUND":
                return False
            raise
        return True

    def create_service_account(self, description: str) -> Member | None:
        raise NotImplementedError("service accounts are not built yet")

    def __repr__(self) -> str:
        return f"<Team {self.name}>"
