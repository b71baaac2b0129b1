"""GraphQL types for users, API keys, teams and their members, and the queries and mutations on them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from .. import access, entities, pagination, teams, users
from ..auth import Viewer
from ..names import row_id
from ..tables import ApiKey as ApiKeyRow
from ..tables import Entity as EntityRow
from ..tables import User as UserRow
from .automations import Integration, entity_integrations
from .base import DateTime, Info, Int64, JSONString, PageInfo, given

if TYPE_CHECKING:
    from .runs import Project

LazyProject = Annotated["Project", strawberry.lazy("runbase_server.graphql.runs")]


@strawberry.type
class ApiKey:
    id: strawberry.ID
    name: str
    description: str | None
    created_at: DateTime

    @classmethod
    def of(cls, row: ApiKeyRow) -> ApiKey:
        return cls(id=strawberry.ID(str(row.id)), name=row.prefix, description=row.description,
                   created_at=DateTime(row.created_at))


@strawberry.type
class ApiKeyEdge:
    node: ApiKey


@strawberry.type
class ApiKeyConnection:
    edges: list[ApiKeyEdge]
    page_info: PageInfo


@strawberry.type
class User:
    """The whole account to the user and instance admins (access.sees_account); to anyone else, the public
    profile: id, username, entity and createdAt, with no email, admin false and no teams or API keys."""

    row: strawberry.Private[UserRow]
    account: strawberry.Private[bool]
    id: strawberry.ID
    username: str
    email: str | None
    admin: bool
    entity: str
    created_at: DateTime

    @classmethod
    def of(cls, row: UserRow, viewer: Viewer) -> User:
        account = access.sees_account(viewer, row.id)
        return cls(row=row, account=account, id=strawberry.ID(str(row.id)), username=row.username,
                   email=row.email if account else None, admin=row.admin and account, entity=row.username,
                   created_at=DateTime(row.created_at))

    @strawberry.field
    def name(self) -> str:
        return self.username

    @strawberry.field
    def teams(self, info: Info, first: int | None = strawberry.UNSET,
              after: str | None = strawberry.UNSET) -> EntityConnection:
        if not self.account:
            return EntityConnection(edges=[], page_info=PageInfo(end_cursor=None, has_next_page=False))
        page = info.context.charged(users.teams_page(info.context.session, self.row.id, first=given(first),
                                                     after=given(after)), "teams")
        return EntityConnection(edges=[EntityEdge(node=Entity.of(row), cursor=c)
                                       for row, c in zip(page.items, page.cursors())], page_info=PageInfo.of(page))

    @strawberry.field
    def flags(self) -> JSONString | None:
        return JSONString("{}") if self.account else None

    @strawberry.field
    def api_keys(self, info: Info) -> ApiKeyConnection:
        """W&B's connection, every key in one page (a user has a handful)."""
        rows = info.context.listed(list(self.row.api_keys), "apiKeys") if self.account else []
        return ApiKeyConnection(edges=[ApiKeyEdge(node=ApiKey.of(row)) for row in rows],
                                page_info=PageInfo(end_cursor=None, has_next_page=False))

    @strawberry.field
    def organizations(self, info: Info) -> list[Organization]:
        """W&B's: the organizations the user is in, each entity they belong to here (their own and their teams)."""
        rows = info.context.listed(users.memberships(info.context.session, self.row.id), "organizations") \
            if self.account else []
        return [Organization.of(row) for row in rows]

    @strawberry.field
    def deleted_at(self) -> DateTime | None:
        """W&B's: when the user was deleted. runbase deletes no user."""
        return None


@strawberry.type
class Member:
    """A member of a team or registry: username and role to whoever may list them, the email only to the member
    and instance admins (a team admin adds anyone by username, so emails would leak to them otherwise)."""

    id: strawberry.ID
    username: str
    email: str | None
    role: str

    @classmethod
    def of(cls, role: str, user: UserRow, viewer: Viewer) -> Member:
        return cls(id=strawberry.ID(str(user.id)), username=user.username,
                   email=user.email if access.sees_account(viewer, user.id) else None, role=role)

    @strawberry.field
    def admin(self) -> bool:
        """W&B's: whether the member administers the team."""
        return self.role == "admin"

    @strawberry.field
    def pending(self) -> bool:
        """W&B's unanswered invitation: runbase adds members at once, so never."""
        return False

    @strawberry.field
    def name(self) -> str:
        """W&B's display name: runbase's users have their username only."""
        return self.username

    @strawberry.field
    def photo_url(self) -> str | None:
        """runbase keeps no pictures of users."""
        return None

    @strawberry.field
    def account_type(self) -> str:
        """W&B's kind of account: every runbase account is a person's (USER)."""
        return "USER"

    @strawberry.field
    def api_key(self) -> str | None:
        """W&B's service accounts' key: keys are shown once, when made, never here."""
        return None


@strawberry.type
class Entity:
    row: strawberry.Private[EntityRow]
    id: strawberry.ID
    name: str
    is_team: bool

    @classmethod
    def of(cls, row: EntityRow) -> Entity:
        return cls(row=row, id=strawberry.ID(str(row.id)), name=row.name, is_team=row.is_team)

    @strawberry.field
    def members(self, info: Info) -> list[Member]:
        ctx = info.context
        found = teams.members(ctx.session, ctx.viewer, self.row)
        ctx.budget.charge(len(found), "members")
        return [Member.of(m.role, u, ctx.viewer) for m, u in found]

    @strawberry.field
    def project(self, info: Info, name: str) -> LazyProject | None:
        from .runs import readable_project

        return readable_project(info, self.name, name)

    @strawberry.field
    def integrations(self, info: Info) -> list[Integration]:
        return entity_integrations(info, self.row)

    @strawberry.field
    def read_only(self, info: Info) -> bool:
        return not info.context.can_write(self.row.id)

    @strawberry.field
    def organization(self) -> Organization | None:
        return Organization.of(self.row)

    @strawberry.field
    def available(self) -> bool:
        """W&B's: whether the name is free to take; an entity's is taken."""
        return False

    @strawberry.field
    def photo_url(self) -> str | None:
        """runbase keeps no pictures of entities."""
        return None

    @strawberry.field
    def read_only_admin(self) -> bool:
        """W&B's read-only administrators: runbase has no such role."""
        return False

    @strawberry.field
    def entity_type(self) -> str:
        return "team" if self.row.is_team else "user"

    @strawberry.field
    def private_only(self) -> bool:
        """Whether its projects must stay private: runbase lets any be made public."""
        return False

    @strawberry.field
    def storage_bytes(self, info: Info) -> Int64:
        return Int64(entities.storage_bytes(info.context.session, info.context.viewer, self.row))

    @strawberry.field
    def code_saving_enabled(self) -> bool:
        """runbase stores the code W&B's clients send (their own setting decides whether they do)."""
        return True

    @strawberry.field
    def default_access(self) -> str:
        """The access of the projects made in it: private."""
        return "PRIVATE"

    @strawberry.field
    def is_paid(self) -> bool:
        """A self-hosted server has no plans to pay for."""
        return False

    @strawberry.field
    def user(self, info: Info) -> User | None:
        """W&B's: the user whose own entity it is; null for a team."""
        row = users.owner(info.context.session, self.row)
        return None if row is None else User.of(row, info.context.viewer)


@strawberry.type
class Organization:
    """W&B's organization, which owns registries: every entity is its own here (registries are named by it)."""

    row: strawberry.Private[EntityRow]
    id: strawberry.ID
    name: str

    @classmethod
    def of(cls, row: EntityRow) -> Organization:
        return cls(row=row, id=strawberry.ID(str(row.id)), name=row.name)

    @strawberry.field
    def org_entity(self) -> Entity:
        return Entity.of(self.row)

    @strawberry.field
    def core_weave_organization_id(self) -> str | None:
        """W&B's CoreWeave account of the organization: runbase has none."""
        return None


@strawberry.type
class EntityEdge:
    node: Entity
    cursor: str


@strawberry.type
class EntityConnection:
    edges: list[EntityEdge]
    page_info: PageInfo


@strawberry.input
class CreateUserInput:
    username: str
    email: str | None = strawberry.UNSET
    admin: bool | None = strawberry.UNSET


@strawberry.type
class CreateUserPayload:
    user: User


@strawberry.input
class GenerateApiKeyInput:
    description: str | None = strawberry.UNSET
    user_name: str | None = strawberry.UNSET


@strawberry.type
class GenerateApiKeyPayload:
    api_key: ApiKey
    key: str


@strawberry.input
class DeleteApiKeyInput:
    id: strawberry.ID


@strawberry.type
class DeleteApiKeyPayload:
    success: bool


@strawberry.input
class CreateTeamInput:
    team_name: str
    admin_user_name: str | None = strawberry.UNSET


@strawberry.type
class CreateTeamPayload:
    entity: Entity


@strawberry.input
class CreateInviteInput:
    entity_name: str
    username: str
    role: str | None = strawberry.UNSET
    admin: bool | None = strawberry.UNSET


@strawberry.type
class CreateInvitePayload:
    member: Member


@strawberry.input
class DeleteInviteInput:
    entity_name: str
    id: strawberry.ID


@strawberry.type
class DeleteInvitePayload:
    success: bool


@strawberry.type
class UserEdge:
    node: User


@strawberry.type
class UserConnection:
    edges: list[UserEdge]


@strawberry.type
class UserQueries:
    @strawberry.field
    def viewer(self, info: Info) -> User | None:
        row = info.context.session.get(UserRow, info.context.viewer.user_id)
        return None if row is None else User.of(row, info.context.viewer)

    @strawberry.field
    def user(self, info: Info, user_name: str) -> User | None:
        return User.of(users.visible_user(info.context.session, info.context.viewer, user_name), info.context.viewer)

    @strawberry.field
    def users(self, info: Info, query: str | None = strawberry.UNSET, first: int | None = strawberry.UNSET
              ) -> UserConnection:
        size = pagination.page_size(given(first))
        ctx = info.context
        found = ctx.listed(teams.search_users(ctx.session, ctx.viewer, given(query), size), "users")
        return UserConnection(edges=[UserEdge(node=User.of(row, ctx.viewer)) for row in found])

    @strawberry.field
    def entity(self, info: Info, name: str) -> Entity | None:
        ctx = info.context
        row = entities.find(ctx.session, name)
        return Entity.of(row) if row is not None and access.can_see_team(ctx.session, ctx.viewer, row) else None


@strawberry.type
class UserMutations:
    @strawberry.mutation
    def create_user(self, info: Info, input: CreateUserInput) -> CreateUserPayload | None:
        input = given(input)
        row = users.create_user_as(info.context.session, info.context.viewer, input.username, input.email,
                                   admin=bool(input.admin))
        return CreateUserPayload(user=User.of(row, info.context.viewer))

    @strawberry.mutation
    def generate_api_key(self, info: Info, input: GenerateApiKeyInput) -> GenerateApiKeyPayload | None:
        input = given(input)
        row, key = users.generate_api_key(info.context.session, info.context.viewer, input.description,
                                          input.user_name)
        return GenerateApiKeyPayload(api_key=ApiKey.of(row), key=key)

    @strawberry.mutation
    def delete_api_key(self, info: Info, input: DeleteApiKeyInput) -> DeleteApiKeyPayload | None:
        users.delete_api_key(info.context.session, info.context.viewer, row_id(input.id, "API key"))
        return DeleteApiKeyPayload(success=True)

    @strawberry.mutation
    def create_team(self, info: Info, input: CreateTeamInput) -> CreateTeamPayload | None:
        input = given(input)
        row = teams.create(info.context.session, info.context.viewer, input.team_name, input.admin_user_name)
        return CreateTeamPayload(entity=Entity.of(row))

    @strawberry.mutation
    def create_invite(self, info: Info, input: CreateInviteInput) -> CreateInvitePayload | None:
        input = given(input)
        member_role = input.role or ("admin" if input.admin else "member")
        membership, user = teams.invite(info.context.session, info.context.viewer, input.entity_name,
                                        input.username, member_role=member_role)
        return CreateInvitePayload(member=Member.of(membership.role, user, info.context.viewer))

    @strawberry.mutation
    def delete_invite(self, info: Info, input: DeleteInviteInput) -> DeleteInvitePayload | None:
        teams.remove(info.context.session, info.context.viewer, input.entity_name, str(input.id))
        return DeleteInvitePayload(success=True)
