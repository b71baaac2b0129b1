"""The viewer and other users, with their API keys."""

from __future__ import annotations

from typing import Any

from ..._generated.input_types import DeleteApiKeyInput, GenerateApiKeyInput
from ...connection import Connection
from ...errors import present


class User:
    def __init__(self, client: Connection, attrs: dict[str, Any]) -> None:
        self.client = client
        self._attrs = attrs

    @property
    def username(self) -> str:
        return str(self._attrs["username"])

    name = username

    @property
    def entity(self) -> str:
        return str(self._attrs["entity"])

    @property
    def email(self) -> str | None:
        return self._attrs.get("email")

    @property
    def admin(self) -> bool:
        return bool(self._attrs.get("admin"))

    @property
    def teams(self) -> list[str]:
        return [edge["node"]["name"] for edge in (self._attrs.get("teams") or {}).get("edges", [])]

    def _keys(self) -> list[dict[str, Any]]:
        return [edge["node"] for edge in (self._attrs.get("api_keys") or {}).get("edges", [])]

    @property
    def api_keys(self) -> list[str]:
        """Names (the first characters) of the user's API keys; the whole keys are never stored."""
        return [key["name"] for key in self._keys()]

    def generate_api_key(self, description: str | None = None) -> str:
        """A new API key for this user (admins may make keys for others); shown only here."""
        result = self.client.generate_api_key(GenerateApiKeyInput(description=description, user_name=self.username))
        return present(result.generate_api_key, "key").key

    def delete_api_key(self, api_key: str) -> bool:
        """Revoke a key by one of the names in api_keys."""
        ids = [key["id"] for key in self._keys() if key["name"] == api_key]
        if not ids:
            raise ValueError(f"user {self.username} has no API key named {api_key!r}")
        success = present(self.client.delete_api_key(DeleteApiKeyInput(id=ids[0])).delete_api_key, "result").success
        self._attrs["api_keys"] = {"edges": [{"node": key} for key in self._keys() if key["id"] != ids[0]]}
        return success

    def __repr__(self) -> str:
        return f"<User {self.username}>"
