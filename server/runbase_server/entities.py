"""Entities: a user's own or a team. Who may read and write them is access.py's."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import access
from .auth import Viewer
from .errors import NotFound
from .tables import Artifact, ArtifactCollection, Entity, Project, Run, RunFile


def find(session: Session, name: str) -> Entity | None:
    return session.scalar(select(Entity).where(Entity.name == name))


def get_entity(session: Session, name: str) -> Entity:
    """For names that do not come from a request: answering a missing entity differently from a hidden one
    would tell outsiders which private teams exist."""
    entity = find(session, name)
    if entity is None:
        raise NotFound(f"no entity named {name!r}")
    return entity


def writable(session: Session, viewer: Viewer, name: str) -> Entity:
    """The entity, for a viewer who may write to it; a missing one is refused in the words a team the viewer is
    not in is refused with (access.entity_refused)."""
    entity = find(session, name)
    if entity is None:
        raise access.entity_refused(viewer, name)
    access.require_entity_writer(session, viewer, entity)
    return entity


def storage_bytes(session: Session, viewer: Viewer, entity: Entity) -> int:
    """W&B's Entity.storageBytes: the size of the files saved to runs and of the artifact versions logged in the
    entity's projects the viewer sees (all for members, public ones else: the total must not tell outsiders how
    much private projects hold). A blob that several files share counts once per file, as each holds it."""
    projects = select(Project.id).where(Project.entity_id == entity.id,
                                        access.listed_projects(session, viewer, entity.id))
    files = select(func.coalesce(func.sum(RunFile.size), 0)).join(Run, RunFile.run_id == Run.id) \
        .where(Run.project_id.in_(projects))
    versions = select(func.coalesce(func.sum(Artifact.size), 0)) \
        .join(ArtifactCollection, Artifact.collection_id == ArtifactCollection.id) \
        .where(ArtifactCollection.project_id.in_(projects))
    return int(session.scalar(files) or 0) + int(session.scalar(versions) or 0)
