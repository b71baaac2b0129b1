"""Every request needs a valid API key; users only write where they are members."""

from __future__ import annotations

import base64
import re

import pytest

import plain_http
from conftest import Server

QUERY = {"query": "{ viewer { username admin } }"}


def test_no_key_is_401(server: Server) -> None:
    response = plain_http.post(f"{server.url}/graphql", json=QUERY)
    assert response.status_code == 401
    assert "missing API key" in response.json()["errors"][0]["message"]


def test_bad_key_is_401(server: Server) -> None:
    response = plain_http.post(f"{server.url}/graphql", json=QUERY, headers={"Authorization": "Bearer " + "x" * 40})
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_bearer_and_basic_auth(server: Server) -> None:
    basic = base64.b64encode(f"api:{server.key}".encode()).decode()
    for header in (f"Bearer {server.key}", f"Basic {basic}"):
        response = plain_http.post(f"{server.url}/graphql", json=QUERY, headers={"Authorization": header})
        assert response.json()["data"]["viewer"] == {"username": "admin", "admin": True}


def test_keys_are_wandb_shaped_and_revocable(server: Server) -> None:
    key = server.create_user("keyholder")
    assert re.fullmatch(r"[A-Za-z0-9_]{40,}", key), key  # no '-': the wandb client would read a prefix
    keys = [edge["node"] for edge in server.graphql("{ viewer { apiKeys { edges { node { id name } } } } }", key=key)[
        "data"]["viewer"]["apiKeys"]["edges"]]
    assert key not in str(keys)  # only a prefix is ever shown
    server.graphql("mutation($id: ID!) { deleteApiKey(input: {id: $id}) { success } }", {"id": keys[0]["id"]},
                   key=key)
    response = plain_http.post(f"{server.url}/graphql", json=QUERY, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 401


def test_user_cannot_write_to_another_users_entity(server: Server) -> None:
    alice = server.create_user("alice")
    bob = server.create_user("bob")
    create = "mutation($e: String) { upsertBucket(input: {modelName: \"p\", entityName: $e, name: \"r\"}) { inserted } }"
    assert server.graphql(create, {"e": "alice"}, key=alice)["data"]["upsertBucket"]["inserted"] is True
    result = server.graphql(create, {"e": "alice"}, key=bob)
    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    log = ("mutation { logHistory(input: {entityName: \"alice\", projectName: \"p\", runName: \"r\", "
           "rows: \"[{\\\"_step\\\": 0}]\"}) { accepted } }")
    assert server.graphql(log, key=bob)["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # and cannot read alice's private project either
    read = "{ project(name: \"p\", entityName: \"alice\") { name } }"
    assert server.graphql(read, key=bob)["data"]["project"] is None
    assert server.graphql(read, key=alice)["data"]["project"] == {"name": "p"}


def test_only_admins_create_users(server: Server) -> None:
    carol = server.create_user("carol")
    result = server.graphql("mutation { createUser(input: {username: \"mallory\"}) { user { id } } }", key=carol)
    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_generated_keys_never_contain_a_dash() -> None:
    """The official wandb client splits a key at '-' and then finds it too short: about half of all
    token_urlsafe keys had one."""
    from runbase_server.auth import check_key_shape, new_key

    keys = [new_key() for _ in range(2000)]
    assert all(re.fullmatch(r"[A-Za-z0-9_]{40,}", key) for key in keys)
    assert len(set(keys)) == len(keys)
    for key in keys[:20]:
        check_key_shape(key)


@pytest.mark.parametrize("key", ["short", "has spaces " + "x" * 40, "x" * 39, "with-dash" + "x" * 40,
                                 "x" * 20 + "-" + "y" * 40])
def test_admin_key_must_be_wandb_shaped(key: str, tmp_path, backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("a start-up check; one backend is enough")
    srv = Server(tmp_path, None)
    srv.key = key
    with pytest.raises(RuntimeError, match="RUNBASE_ADMIN_API_KEY.*no '-'"):
        srv.start()
    assert not (tmp_path / "runbase.db").exists()  # refused before anything was created
