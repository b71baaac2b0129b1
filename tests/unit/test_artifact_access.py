"""Who may read which artifact collections, answered once per project within a request: the answers must not
outlive a change of access made earlier in the same request (a GraphQL document may run several mutations)."""

from __future__ import annotations

from pathlib import Path

from runbase_server import access, users
from runbase_server.artifacts import registries
from runbase_server.auth import Viewer
from runbase_server.database import Database, upgrade
from runbase_server.entities import get_entity
from runbase_server.tables import Project
from sqlalchemy import update


def test_readable_projects_are_asked_again_after_a_write(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'access.db'}")
    upgrade(db.engine)
    with db.session() as session:
        owner = users.create_user(session, "owner")
        reader = users.create_user(session, "reader")
        owner_viewer = Viewer(user_id=owner.id, username="owner", admin=False)
        reader_viewer = Viewer(user_id=reader.id, username="reader", admin=False)
        project = Project(entity_id=get_entity(session, "owner").id, name="private", access="PRIVATE")
        session.add(project)
        session.flush()
        restricted = registries.create(session, owner_viewer, None, "secret", visibility="restricted",
                                       description=None, artifact_types=None)

        assert not access.can_read_project(session, reader_viewer, project)
        project.access = "READ"  # an ORM change, written by the next flush
        session.flush()
        assert access.can_read_project(session, reader_viewer, project)
        session.execute(update(Project).where(Project.id == project.id).values(access="PRIVATE"))  # a bulk write
        session.expire(project)
        assert not access.can_read_project(session, reader_viewer, project)

        assert not access.can_read_project(session, reader_viewer, restricted.project)
        registries.add_members(session, owner_viewer, restricted.project_id, ["reader"], member_role="viewer")
        assert access.can_read_project(session, reader_viewer, restricted.project)
        assert access.can_read_project(session, owner_viewer, restricted.project)
    db.dispose()
