"""Who may do what: every read, write, admin, link and list rule of the server, in one file to audit.

Services look rows up and call these functions; nothing decides access anywhere else. This module reads the
tables only (it imports no service), so every service may use it.

object: read (and list) / write (and delete)
- entity: a user's own, anyone; a team, its members / its writers (members with role admin or member)
- team membership: members see usernames and roles, emails only their own / team admins
- project, PRIVATE: members of its entity / entity writers
- project, READ (public): anyone with a key / entity writers
- run, run file, collection: as its project / as its project
- sweep: as its project / as its project (creating it, pausing, resuming, stopping or canceling it, and running
  its agents, which hand out its suggestions)
- branching a run: rewinding it, as writing it; forking it, reading it and writing the project the new run is
  made in (its own project, as in W&B)
- registry, organization visibility: every member of its entity / entity writers, invited members and admins
- registry, restricted: invited registry members and entity admins / invited members with role member or
  admin, entity admins
- registry settings and members: (as the registry) / registry admins and entity admins
- artifact version: readers of its sequence, or of any portfolio holding it (seen through that one) / writers
  of its sequence's project; aliases in a portfolio, the portfolio's writers
- linking a version: writers of its sequence's project, into a project they write to (require_sharer)
- unlinking a version: writers of the portfolio's project, or of the version's sequence's project
- integration, automation, delivery: members of its entity (automations and deliveries of a restricted
  registry hidden from them excepted) / entity writers (redelivering too)
- user account (email, admin flag, API keys, teams): the user and instance admins; others see the public
  profile (username)
- direct upload (artifacts/direct_uploads.py): anyone with a key starts one / only the user who started it
  resumes or completes it, instance admins included, since completing it makes its sender hold the contents
- API keys, users, team and registry members (and teams naming another user their admin) are created and
  deleted only by requests signed with an API key, never
  through a browser's session cookie (require_api_key)

Instance admins may do everything. Whatever a viewer may not read is answered as missing, in the same words as
what does not exist, so that names and ids reveal nothing."""

from __future__ import annotations

from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Select, event, select
from sqlalchemy.orm import Session

from .auth import Viewer
from .errors import Forbidden, NotFound, UserError
from .names import REGISTRY_PREFIX
from .tables import (
    Artifact,
    ArtifactCollection,
    ArtifactMembership,
    Delivery,
    DirectUpload,
    Entity,
    Integration,
    Membership,
    Project,
    Registry,
    RegistryMember,
    Run,
    Sweep,
    Trigger,
)

WRITER_ROLES = ("admin", "member")
Owned = TypeVar("Owned", bound=Any)  # a row with an entity_id
_READABLE = "runbase.readable_projects"  # session.info key of can_read_project's answers


# ------------------------------------------------------------------ entities and teams

def role(session: Session, viewer: Viewer, entity_id: int) -> str | None:
    """The viewer's role in the entity (admin, member or viewer), None for outsiders."""
    return session.scalar(
        select(Membership.role).where(Membership.entity_id == entity_id, Membership.user_id == viewer.user_id))


def is_member(session: Session, viewer: Viewer, entity_id: int) -> bool:
    """Reads what an entity keeps to itself: private projects, integrations, automations, deliveries."""
    return viewer.admin or role(session, viewer, entity_id) is not None


def can_write_entity(session: Session, viewer: Viewer, entity_id: int) -> bool:
    return viewer.admin or role(session, viewer, entity_id) in WRITER_ROLES


def entity_refused(viewer: Viewer, name: str) -> UserError:
    """The one answer for writing to an entity that does not exist and to one the viewer is not a member of:
    outsiders cannot tell private team names from free ones by writing to them. Instance admins, who see every
    entity, are told it does not exist."""
    if viewer.admin:
        return NotFound(f"no entity named {name!r}")
    return Forbidden(f"user {viewer.username!r} cannot write to entity {name!r}: there is no such entity, or you "
                     "are not a member of it")


def require_entity_writer(session: Session, viewer: Viewer, entity: Entity) -> None:
    """Members who only read (viewers) are told so; outsiders get what a missing entity gets."""
    if can_write_entity(session, viewer, entity.id):
        return
    if role(session, viewer, entity.id) is None:
        raise entity_refused(viewer, entity.name)
    raise Forbidden(f"user {viewer.username!r} cannot write to entity {entity.name!r}: its viewers only read")


def require_row_writer(session: Session, viewer: Viewer, row: Owned | None, missing: str) -> Owned:
    """A row of an entity's (an automation, a delivery) that the viewer found readable, to change: written by
    the entity's writers. None (hidden or absent) is NotFound(`missing`) either way."""
    if row is None:
        raise NotFound(missing)
    require_entity_writer(session, viewer, row.entity)
    return row


def can_see_team(session: Session, viewer: Viewer, entity: Entity) -> bool:
    """A user's own entity is public (its name is the username); a team is seen by its members."""
    return not entity.is_team or is_member(session, viewer, entity.id)


def can_admin_team(session: Session, viewer: Viewer, entity: Entity) -> bool:
    """Inviting, changing and removing a team's members."""
    return entity.is_team and (viewer.admin or role(session, viewer, entity.id) == "admin")


def team_refused(viewer: Viewer, name: str) -> UserError:
    """The one answer to whoever may not change a team's members, whether the team exists or not, and whether or
    not they are in it. Instance admins, who see every team, are told it does not exist."""
    if viewer.admin:
        return NotFound(f"no entity named {name!r}")
    return Forbidden(f"only admins of team {name!r} can change its members (if there is such a team)")


def require_team_admin(session: Session, viewer: Viewer, entity: Entity) -> None:
    if not entity.is_team:
        raise UserError(f"{entity.name!r} is a user's own entity, not a team")
    if not can_admin_team(session, viewer, entity):
        raise team_refused(viewer, entity.name)


def members_only(session: Session, viewer: Viewer, row: Owned | None) -> Owned | None:
    """A row of an entity's (an integration, an automation, a delivery) as its members see it: others get None,
    as if it did not exist, so ids reveal nothing."""
    if row is None or not is_member(session, viewer, row.entity_id):
        return None
    return row


# ------------------------------------------------------------------ users

def sees_account(viewer: Viewer, user_id: int) -> bool:
    """A user's account (email, admin flag, API keys, teams) is theirs and the instance admins'; everyone else
    sees the public profile (username)."""
    return viewer.admin or viewer.user_id == user_id


def require_api_key(viewer: Viewer, action: str) -> None:
    """A browser session (which page scripts act through) may not mint a key, a user, a team or registry member
    or another user's team admin that would outlive it: a stolen session then ends when its key is deleted or it
    expires."""
    if viewer.by_session:
        raise Forbidden(f"{action} needs an API key (send 'Authorization: Bearer KEY'), not a browser's "
                        "sign-in session")


def invites_by_email(viewer: Viewer) -> bool:
    """Looking a user up by email answers whether the email is registered: instance admins only."""
    return viewer.admin


# ------------------------------------------------------------------ registries

def registry_of(session: Session, project: Project) -> Registry | None:
    """A registry is a project whose name has the registry prefix (only createRegistry makes those)."""
    return session.get(Registry, project.id) if project.name.startswith(REGISTRY_PREFIX) else None


def registry_missing(organization: str, project_name: str) -> NotFound:
    """The answer for a registry that does not exist, or that the viewer may not see (the same, so that restricted
    registries do not leak): ordinary projects may not take its name either."""
    name = project_name.removeprefix(REGISTRY_PREFIX)
    return NotFound(f"no registry {name!r} in {organization!r}; project names starting with {REGISTRY_PREFIX!r} or "
                    "'wandb-registry-' belong to registries, which createRegistry makes")


def registry_role(session: Session, viewer: Viewer, registry: Registry) -> str | None:
    """The viewer's role as an invited member of the registry."""
    return session.scalar(select(RegistryMember.role).where(RegistryMember.project_id == registry.project_id,
                                                            RegistryMember.user_id == viewer.user_id))


def visible_registries(session: Session, viewer: Viewer, entity_id: int) -> ColumnElement[bool]:
    """Which of the entity's registries (rows of `registries`) the viewer can see: a WHERE clause for listing."""
    entity_role = None if viewer.admin else role(session, viewer, entity_id)
    if viewer.admin or entity_role == "admin":
        return sa.true()
    invited = Registry.project_id.in_(select(RegistryMember.project_id).where(RegistryMember.user_id == viewer.user_id))
    if entity_role is None:
        return invited
    return sa.or_(Registry.visibility == "organization", invited)


def hidden_registries(viewer: Viewer) -> Select[Any]:
    """The project ids of the restricted registries the viewer may not see, in any organization: what is in
    them (automations scoped to them, say) is hidden too."""
    if viewer.admin:
        return select(Registry.project_id).where(sa.false())
    return (select(Registry.project_id).join(Project, Project.id == Registry.project_id)
            .where(Registry.visibility == "restricted",
                   Registry.project_id.not_in(select(RegistryMember.project_id)
                                              .where(RegistryMember.user_id == viewer.user_id)),
                   Project.entity_id.not_in(select(Membership.entity_id).where(Membership.user_id == viewer.user_id,
                                                                               Membership.role == "admin"))))


def can_read_registry(session: Session, viewer: Viewer, registry: Registry) -> bool:
    visible = visible_registries(session, viewer, registry.project.entity_id)
    return session.scalar(select(Registry.project_id).where(Registry.project_id == registry.project_id,
                                                            visible)) is not None


def can_write_registry(session: Session, viewer: Viewer, registry: Registry) -> bool:
    """Linking into the registry, changing its collections and versions."""
    if viewer.admin:
        return True
    entity_role = role(session, viewer, registry.project.entity_id)
    if entity_role == "admin" or (registry.visibility == "organization" and entity_role in WRITER_ROLES):
        return True
    return registry_role(session, viewer, registry) in WRITER_ROLES


def can_admin_registry(session: Session, viewer: Viewer, registry: Registry) -> bool:
    """Changing the registry's settings and members, deleting it."""
    if viewer.admin or role(session, viewer, registry.project.entity_id) == "admin":
        return True
    return registry_role(session, viewer, registry) == "admin"


def require_registry_writer(session: Session, viewer: Viewer, registry: Registry) -> None:
    """To those who cannot see it, a restricted registry does not exist."""
    if not can_read_registry(session, viewer, registry):
        raise registry_missing(registry.project.entity.name, registry.project.name)
    if not can_write_registry(session, viewer, registry):
        raise Forbidden(f"user {viewer.username!r} cannot write to registry "
                        f"{registry.project.name.removeprefix(REGISTRY_PREFIX)!r}")


def require_registry_admin(session: Session, viewer: Viewer, registry: Registry) -> None:
    if not can_read_registry(session, viewer, registry):
        raise NotFound(f"no registry with id {registry.project_id!r}")
    if not can_admin_registry(session, viewer, registry):
        raise Forbidden(f"only admins of registry {registry.project.name.removeprefix(REGISTRY_PREFIX)!r} (or of "
                        f"{registry.project.entity.name!r}) can change its settings and members")


# ------------------------------------------------------------------ projects, runs, run files, collections

def _can_read_project(session: Session, viewer: Viewer, project: Project) -> bool:
    registry = registry_of(session, project)
    if registry is not None:
        return can_read_registry(session, viewer, registry)
    return project.access == "READ" or is_member(session, viewer, project.entity_id)


def can_read_project(session: Session, viewer: Viewer, project: Project) -> bool:
    """Reading a project: its runs, run files, collections and versions. Asked for each version in a page (its
    sequence, its run, its links), so answered once per project until the request writes anything, which might
    change who reads what."""
    known = session.info.get(_READABLE)
    if known is None:
        known = session.info[_READABLE] = {}
        event.listen(session, "after_flush", lambda *_: known.clear())
        event.listen(session, "do_orm_execute", lambda state: None if state.is_select else known.clear())
    key = (viewer.user_id, viewer.admin, project.id)
    if key not in known:
        known[key] = _can_read_project(session, viewer, project)
    answer: bool = known[key]
    return answer


def listed_projects(session: Session, viewer: Viewer, entity_id: int) -> ColumnElement[bool]:
    """Which of an entity's ordinary projects the viewer sees in its list: all for members, public ones else."""
    return sa.true() if is_member(session, viewer, entity_id) else Project.access == "READ"


def can_write_project(session: Session, viewer: Viewer, project: Project) -> bool:
    """Writing a project: its runs, run files, collections, versions (and links into it)."""
    registry = registry_of(session, project)
    if registry is not None:
        return can_write_registry(session, viewer, registry)
    return can_write_entity(session, viewer, project.entity_id)


def require_project_writer(session: Session, viewer: Viewer, project: Project) -> None:
    """Raises NotFound for a registry hidden from the viewer, and Forbidden unless they may write to the project
    (in the same words for a team they are not in as for no entity at all)."""
    registry = registry_of(session, project)
    if registry is not None:
        require_registry_writer(session, viewer, registry)
    else:
        require_entity_writer(session, viewer, project.entity)


def can_read_run(session: Session, viewer: Viewer, run: Run) -> bool:
    """A run, its history, console and files are read by the readers of its project."""
    return can_read_project(session, viewer, run.project)


def can_read_sweep(session: Session, viewer: Viewer, sweep: Sweep) -> bool:
    """A sweep, its configuration and its runs are read by the readers of its project."""
    return can_read_project(session, viewer, sweep.project)


def require_sweep_writer(session: Session, viewer: Viewer, sweep: Sweep) -> None:
    """Controlling a sweep and running its agents (which make its runs) is writing its project."""
    require_project_writer(session, viewer, sweep.project)


# ------------------------------------------------------------------ artifact versions

def readable_place(session: Session, viewer: Viewer,
                   artifact: Artifact) -> tuple[ArtifactCollection, int | None] | None:
    """Where the viewer sees the version: its sequence when they can read that, else the first portfolio holding
    it that they can read (a registry's, say), with its index there; None when it is hidden from them."""
    sequence = artifact.collection
    if can_read_project(session, viewer, sequence.project):
        index = session.scalar(select(ArtifactMembership.version_index).where(
            ArtifactMembership.artifact_id == artifact.id, ArtifactMembership.collection_id == sequence.id))
        return sequence, index
    for membership in session.scalars(select(ArtifactMembership).where(
            ArtifactMembership.artifact_id == artifact.id, ArtifactMembership.collection_id != sequence.id)
            .order_by(ArtifactMembership.id)):
        if can_read_project(session, viewer, membership.collection.project):
            return membership.collection, membership.version_index
    return None


def can_write_version(session: Session, viewer: Viewer, artifact: Artifact) -> bool:
    """Changing a version's files, description, metadata, tags and TTL, committing and deleting it: the writers
    of the project it was logged to. Aliases in a portfolio are the portfolio's writers'."""
    return can_write_project(session, viewer, artifact.collection.project)


def can_build_on(session: Session, viewer: Viewer, artifact: Artifact) -> bool:
    """A version W&B's client builds a new one on (baseArtifactID): its stored files may be listed in the new
    manifest without uploading them, so only a committed version the viewer can read may serve, else knowing
    a file's MD5 would be enough to copy it out of a project hidden from them."""
    return artifact.state == "COMMITTED" and readable_place(session, viewer, artifact) is not None


def require_version_writer(session: Session, viewer: Viewer, artifact: Artifact) -> None:
    require_project_writer(session, viewer, artifact.collection.project)


def require_sharer(session: Session, viewer: Viewer, artifact: Artifact) -> None:
    """Linking a version makes it readable to the readers of the portfolio it is linked into. Only those who may
    write to the project it was logged to may share it that way, so that a version never becomes readable to
    someone who could not read its source (a registry's viewer, a team's viewer, cannot republish it)."""
    if not can_write_version(session, viewer, artifact):
        raise Forbidden(f"user {viewer.username!r} cannot link artifact {artifact.id}: only those who can write to "
                        f"the project it was logged to may share it")


def can_see_link(session: Session, viewer: Viewer, artifact: Artifact, portfolio: ArtifactCollection) -> bool:
    """A link is seen by the portfolio's readers, and by the writers of the version's own project wherever it was
    linked: they own it, and may only take back what they can find."""
    return can_read_project(session, viewer, portfolio.project) or can_write_version(session, viewer, artifact)


def can_unlink(session: Session, viewer: Viewer, artifact: Artifact, portfolio: ArtifactCollection) -> bool:
    """A link is removed by the writers of the portfolio, and by those of the version's own project, who own it
    and may take it back from wherever it was linked."""
    return can_write_project(session, viewer, portfolio.project) or can_write_version(session, viewer, artifact)


# ------------------------------------------------------------------ integrations, automations, deliveries

def readable_automation(session: Session, viewer: Viewer, trigger: Trigger | None) -> Trigger | None:
    """Members of the automation's entity see it, unless it is scoped to a restricted registry hidden from them."""
    trigger = members_only(session, viewer, trigger)
    if trigger is None or trigger.project_id is None:
        return trigger
    hidden = session.scalar(hidden_registries(viewer).where(Registry.project_id == trigger.project_id))
    return None if hidden is not None else trigger


def listed_automations(viewer: Viewer) -> ColumnElement[bool]:
    """Which automations the viewer sees in lists: a WHERE clause with readable_automation's rule."""
    if viewer.admin:
        return sa.true()
    return sa.and_(Trigger.entity_id.in_(select(Membership.entity_id).where(Membership.user_id == viewer.user_id)),
                   sa.or_(Trigger.project_id.is_(None), Trigger.project_id.not_in(hidden_registries(viewer))))


def readable_delivery(session: Session, viewer: Viewer, delivery: Delivery | None) -> Delivery | None:
    """Members of the entity see a delivery, unless its automation is hidden from them (one scoped to a
    restricted registry they were not invited to): its payload describes that registry's versions."""
    delivery = members_only(session, viewer, delivery)
    if delivery is None or delivery.trigger_id is None:
        return delivery
    return delivery if readable_automation(session, viewer, session.get(Trigger, delivery.trigger_id)) else None


def readable_integration(session: Session, viewer: Viewer, integration: Integration | None) -> Integration | None:
    return members_only(session, viewer, integration)


# ------------------------------------------------------------------ direct uploads

def own_upload(viewer: Viewer, upload: DirectUpload | None) -> DirectUpload:
    """A direct upload, for the user who started it alone; anyone else is told it does not exist."""
    if upload is None or upload.user_id != viewer.user_id:
        raise NotFound("no such upload (or it is not yours)")
    return upload
