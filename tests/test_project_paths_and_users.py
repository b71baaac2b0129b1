"""Issue 10, items 1 and 2, against real servers (SQLite and PostgreSQL): Api.project() reads an
"entity/project" path instead of looking for a project named "entity/project", and users are told apart
by their whole email, never by the part before "@"."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from conftest import Server

import runbase as wandb

CREATE_USER = """mutation($u: String!, $e: String) { createUser(input: {username: $u, email: $e}) {
    user { username email } } }"""


def api_for(server: Server, key: str | None = None) -> wandb.Api:
    return wandb.Api(overrides={"base_url": server.url}, api_key=key or server.key)


def tag() -> str:
    return uuid.uuid4().hex[:8]


def refused(server: Server, query: str, variables: dict[str, Any], key: str | None = None) -> str:
    answer = server.graphql(query, variables, key=key)
    assert "errors" in answer, answer
    return answer["errors"][0]["message"]


def test_a_project_by_path_by_name_and_entity_or_by_name_alone(server: Server) -> None:
    api = api_for(server)
    team = f"paths-{tag()}"
    api.create_team(team)
    models = api.create_project("models", entity=team)
    by_path = api.project(f"{team}/models")
    assert (by_path.entity, by_path.name, by_path.id) == (team, "models", models.id)
    assert api.project("models", entity=team).id == models.id
    assert api.project(f"{team}/models", entity=team).id == models.id  # the same entity twice is fine
    made = api.create_project(f"{team}/made-by-path")  # create_project reads paths the same way
    assert (made.entity, made.name) == (team, "made-by-path")
    assert api.project("made-by-path", entity=team).id == made.id
    mine = api.create_project(f"mine-{tag()}")
    assert api.project(mine.name).entity == api.default_entity == "admin"

    for bad in ("a/b/c", f"{team}/models/extra", f"{team}/", "/models", f"{team}//models", "", " ", "/", " /x"):
        with pytest.raises(ValueError, match="'project' or 'entity/project'"):
            api.project(bad)
        with pytest.raises(ValueError, match="'project' or 'entity/project'"):
            api.create_project(bad, entity=team)
    with pytest.raises(ValueError, match="names entity"):
        api.project(f"{team}/models", entity="admin")
    with pytest.raises(ValueError, match="not 42"):
        api.project(42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=f"no project {team}/missing"):
        api.project(f"{team}/missing")
    # the refused calls made nothing
    assert sorted(project.name for project in api.projects(team)) == ["made-by-path", "models"]
    assert isinstance(api.from_path(f"{team}/models"), wandb.apis.public.Project)


def test_two_users_with_the_same_name_at_different_domains(server: Server) -> None:
    admin = api_for(server)
    alice = f"alice{tag()}"
    at_a = admin.create_user(f"{alice}@a.com")
    at_b = admin.create_user(f"{alice}@b.com")
    assert (at_a.username, at_a.email) == (alice, f"{alice}@a.com")
    assert (at_b.username, at_b.email) == (f"{alice}-2", f"{alice}@b.com")
    assert admin.user(f"{alice}@b.com").username == f"{alice}-2"  # never alice@a.com
    assert admin.user(f"{alice}@a.com").username == alice
    assert admin.user(f"{alice.upper()}@B.COM").username == f"{alice}-2"  # emails compare ignoring case
    assert admin.user(alice).email == f"{alice}@a.com"  # by name as before
    assert admin.user(f"{alice}-2").email == f"{alice}@b.com"
    assert admin.user(f"{alice}@c.com") is None and admin.user(f"nobody-{tag()}") is None
    assert admin.create_user(f"{alice}@c.com").username == f"{alice}-3"
    assert sorted(user.username for user in admin.users(alice)) == [alice, f"{alice}-2", f"{alice}-3"]

    team = f"bob{tag()}"  # a team holds the name too
    admin.create_team(team)
    assert admin.create_user(f"{team}@x.org").username == f"{team}-2"
    odd = tag()
    assert admin.create_user(f"..first+{odd}@x.org").username == f"first-{odd}"  # a name the server takes

    # The same email again is an error (in any case) and makes no user; so are things that are not emails.
    with pytest.raises(ValueError, match=f"user {alice}-2 has the email"):
        admin.create_user(f"{alice}@B.com")
    for bad in ("no-at-sign", "@b.com", f"{alice}@", "a b@c.d", "a@b@c", "", 42):
        with pytest.raises(ValueError, match="email address"):
            admin.create_user(bad)  # type: ignore[arg-type]
    assert sorted(user.username for user in admin.users(alice)) == [alice, f"{alice}-2", f"{alice}-3"]
    with pytest.raises(ValueError, match="username or an email"):
        admin.user("  ")

    # A team invite by email adds that user (the server's user lookups all take a whole email).
    invite = """mutation($t: String!, $u: String!) { createInvite(input: {entityName: $t, username: $u}) {
        member { username email } } }"""
    answer = server.graphql(invite, {"t": team, "u": f"{alice}@B.com"})
    assert answer["data"]["createInvite"]["member"] == {"username": f"{alice}-2", "email": f"{alice}@b.com"}, answer
    assert "no user with email" in refused(server, invite, {"t": team, "u": f"ghost-{tag()}@b.com"})

    # The server refuses the same on its own, whoever the client is.
    assert "exists already" in refused(server, CREATE_USER, {"u": f"other{tag()}", "e": f"{alice}@A.com"})
    assert "name@domain" in refused(server, CREATE_USER, {"u": f"other{tag()}", "e": "not-an-email"})

    # Non-admins see only themselves, by name or by email; others' emails are refused whether or not they exist.
    b_api = api_for(server, at_b.generate_api_key())
    assert b_api.viewer.username == f"{alice}-2"
    assert b_api.user(f"{alice}@b.com").username == f"{alice}-2"
    assert b_api.user(f"{alice}-2").email == f"{alice}@b.com"
    for other in (f"{alice}@a.com", f"ghost-{tag()}@a.com", alice):
        with pytest.raises(wandb.CommError, match="only admins"):
            b_api.user(other)
    with pytest.raises(wandb.CommError, match="only admins"):
        b_api.create_user(f"new{tag()}@a.com")
