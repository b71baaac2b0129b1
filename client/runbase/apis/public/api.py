"""Api: the entry point for querying and changing what has been logged."""

from __future__ import annotations

import dataclasses
import re
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal

from ... import __version__
from ..._generated.input_types import CreateTeamInput, CreateUserInput, UpsertBucketInput, UpsertModelInput
from ...connection import Connection
from ...errors import CommError, UsageError, present
from .projects import Project, Projects
from .runs import Run, Runs
from .teams import Team
from .users import User

if TYPE_CHECKING:
    from ...artifacts import Artifact
    from ...artifacts.names import ArtifactPath
    from ...automations import Automation, Delivery, NewAutomation, SlackIntegration, WebhookIntegration
    from .artifacts import ArtifactCollection, ArtifactCollections, Artifacts, ArtifactType, ArtifactTypes
    from .automations import Automations
    from .registries import Registries, Registry
    from .sweeps import Sweep

DEFAULT_TIMEOUT = 30
DEFAULT_PROJECT = "uncategorized"  # where runs and artifacts go when no project is named
EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
MAX_BASE_USERNAME = 56  # of the server's 64 characters, leaving room for "-NNN"
USERNAME_TRIES = 50  # "name-2" to "name-51" before create_user() gives up


class Api:
    """Queries a runbase server; defaults come from `overrides`, then the settings' sources as init() reads
    them (setup(), RUNBASE_*/WANDB_* variables, the settings files), network options included."""

    def __init__(self, overrides: dict[str, Any] | None = None, timeout: int | None = None,
                 api_key: str | None = None) -> None:
        from ...lifecycle import base_settings

        sources = base_settings()
        self.settings: dict[str, Any] = {"base_url": None, "entity": sources.entity, "project": sources.project}
        self.settings.update(overrides or {})
        self._client = Connection.from_settings(sources, host=self.settings["base_url"], api_key=api_key,
                                                timeout=timeout or DEFAULT_TIMEOUT)
        self.settings["base_url"] = self._client.base_url
        self._api_key = self._client.api_key
        self._viewer: User | None = None
        self._runs: dict[str, Run] = {}

    @property
    def api_key(self) -> str | None:
        return self._api_key

    @property
    def client(self) -> Connection:
        return self._client

    @property
    def user_agent(self) -> str:
        return f"runbase-sdk/{__version__}"

    @property
    def viewer(self) -> User:
        if self._viewer is None:
            attrs = self._client.viewer().viewer
            if attrs is None:
                raise ValueError("the server did not say who this API key belongs to")
            self._viewer = User(self._client, attrs.model_dump())
        return self._viewer

    @property
    def default_entity(self) -> str:
        return self.settings["entity"] or self.viewer.entity

    def flush(self) -> None:
        """Forget cached runs so the next run() call reads fresh values."""
        self._runs.clear()

    # -- projects --------------------------------------------------------------------------------
    def _named_project(self, name: str, entity: str | None) -> tuple[str, str]:
        """(entity, project) from a name or an "entity/project" path, so that a path never becomes a project
        literally named "entity/project"; `entity`, when given as well, must agree with the path's."""
        if not isinstance(name, str):
            raise ValueError(f"a project is a name or 'entity/project', not {name!r}")
        parts = name.split("/")
        if len(parts) > 2 or not all(part.strip() for part in parts):
            raise ValueError(f"cannot read a project from {name!r}: use 'project' or 'entity/project'")
        if len(parts) == 1:
            return entity or self.default_entity, name
        if entity is not None and entity != parts[0]:
            raise ValueError(f"project {name!r} names entity {parts[0]!r}, but entity={entity!r} was passed")
        return parts[0], parts[1]

    def project(self, name: str, entity: str | None = None) -> Project:
        """A project by name (in `entity`, default yours) or by "entity/project"."""
        entity, name = self._named_project(name, entity)
        found = self._client.project(entity=entity, name=name).project
        if found is None:
            raise ValueError(f"no project {entity}/{name} (or no access to it)")
        return Project(self._client, found.entity_name, found.name, found.model_dump())

    def projects(self, entity: str | None = None, per_page: int = 200) -> Projects:
        return Projects(self._client, entity or self.default_entity, per_page=per_page)

    def create_project(self, name: str, entity: str | None = None) -> Project:
        """A project by name or "entity/project", created unless it exists."""
        entity, name = self._named_project(name, entity)
        result = self._client.upsert_model(UpsertModelInput(name=name, entity_name=entity))
        project = present(result.upsert_model, "project").project
        return Project(self._client, project.entity_name, project.name, project.model_dump())

    # -- runs ----------------------------------------------------------------------------------------
    def _parse_path(self, path: str | None) -> tuple[str, str, str]:
        """entity/project[/runs]/run_id, shorter forms filled from the defaults, or a run URL."""
        parts = [p for p in re.sub(r"^https?://[^/]+", "", (path or "").strip()).split("/") if p]
        if "runs" in parts[:-1]:
            parts.remove("runs")
        project = self.settings["project"]
        if len(parts) >= 3:
            return parts[-3], parts[-2], parts[-1]
        if len(parts) == 2:
            return self.default_entity, parts[0], parts[1]
        if len(parts) == 1 and project:
            return self.default_entity, project, parts[0]
        raise UsageError(f"cannot read a run path from {path!r}: use entity/project/run_id")

    def run(self, path: str = "") -> Run:
        """A run by entity/project/run_id (or project/run_id, or run_id with a default project)."""
        entity, project, run_id = self._parse_path(path)
        key = f"{entity}/{project}/{run_id}"
        if key not in self._runs:
            self._runs[key] = Run(self._client, entity, project, run_id)
        return self._runs[key]

    def runs(self, path: str | None = None, filters: dict[str, Any] | None = None, order: str = "+created_at",
             per_page: int = 50, include_sweeps: bool = True) -> Runs:
        """Runs of a project ("entity/project" or "project") matching a MongoDB-style filter."""
        parts = [p for p in (path or "").split("/") if p]
        if len(parts) > 2:
            raise UsageError(f"runs() takes a project path entity/project, not {path!r}")
        project = parts[-1] if parts else self.settings["project"]
        if not project:
            raise UsageError("runs() needs a project: pass path='entity/project' or set RUNBASE_PROJECT")
        entity = parts[0] if len(parts) == 2 else self.default_entity
        return Runs(self._client, entity, project, filters=filters, order=order, per_page=per_page)

    def create_run(self, *, run_id: str | None = None, project: str | None = None,
                   entity: str | None = None) -> Run:
        entity = entity or self.default_entity
        project = project or self.settings["project"] or DEFAULT_PROJECT
        result = self._client.upsert_bucket(UpsertBucketInput(model_name=project, entity_name=entity, name=run_id))
        run = present(result.upsert_bucket, "run").bucket
        return Run(self._client, entity, project, run.name)

    def sweep(self, path: str = "") -> Sweep:
        """A sweep by entity/project/sweep_id (or project/sweep_id, or sweep_id with a default project)."""
        from .sweeps import Sweep

        parts = [p for p in re.sub(r"^https?://[^/]+", "", (path or "").strip()).split("/") if p]
        if "sweeps" in parts[:-1]:
            parts.remove("sweeps")
        entity, project, sweep_id = self._parse_path("/".join(parts))
        return Sweep(self._client, entity, project, sweep_id)

    def from_path(self, path: str) -> Project | Run | Sweep:
        parts = [p for p in re.sub(r"^https?://[^/]+", "", path).split("/") if p]
        if "reports" in parts:
            raise NotImplementedError("reports are not built in runbase yet")
        if "sweeps" in parts[:-1]:
            return self.sweep(path)
        if len(parts) == 1:
            return self.project(parts[0])
        if len(parts) == 2 and parts[1] != "runs":
            return self.project(parts[1], parts[0])
        return self.run(path)

    # -- artifacts (imported on use, as automations are) ----------------------------------------------
    def _artifact_path(self, name: str) -> ArtifactPath:
        """A version's path with the defaults filled in: the default entity (also the default organization of
        a registry path), then the project of the settings, else "uncategorized"."""
        from ...artifacts.names import parse_path

        path = parse_path(name)
        entity, project = self._owner(path)
        return dataclasses.replace(path, entity=entity, project=project)

    def _owner(self, path: ArtifactPath) -> tuple[str, str]:
        """The entity and project of a version's path, the defaults standing in for what it leaves out."""
        return path.entity or self.default_entity, path.project or self.settings["project"] or DEFAULT_PROJECT

    def artifact(self, name: str, type: str | None = None) -> Artifact:
        """A version by "[entity/]project/name[:version or alias]" (no version means :latest); registry
        versions by "[organization/]wandb-registry-REGISTRY/collection:version"."""
        from .artifacts import artifact_from, find_version

        found, full_name = find_version(self._client, self._artifact_path(name))
        if found is None:
            raise ValueError(f"no artifact {full_name} (or no access to it)")
        if type is not None and found.type_name != type:
            raise ValueError(f"artifact {full_name} is of type {found.type_name!r}, not {type!r}")
        return artifact_from(self._client, found)

    def artifact_exists(self, name: str, type: str | None = None) -> bool:
        """Whether the version exists (and, when `type` is given, is of that type)."""
        from .artifacts import find_version

        found, _ = find_version(self._client, self._artifact_path(name))
        return found is not None and type in (None, found.type_name)

    def artifacts(self, type_name: str, name: str, per_page: int = 50, tags: list[str] | None = None) -> Artifacts:
        """The versions of a collection ("[entity/][project/]name"), newest first; with tags, only versions
        carrying all of them."""
        from .artifacts import Artifacts

        path = self._artifact_path(name)
        entity, project = self._owner(path)
        return Artifacts(self._client, entity, project, path.name, type=type_name, per_page=per_page, tags=tags)

    def artifact_versions(self, type_name: str, name: str, per_page: int = 50) -> Artifacts:
        """Deprecated: use artifacts()."""
        warnings.warn("Api.artifact_versions() is deprecated: use Api.artifacts(type_name, name)",
                      DeprecationWarning, stacklevel=2)
        return self.artifacts(type_name, name, per_page=per_page)

    def artifact_collection(self, type_name: str, name: str) -> ArtifactCollection:
        """A collection by "[entity/][project/]name" and type."""
        from .artifacts import ArtifactCollection

        path = self._artifact_path(name)
        entity, project = self._owner(path)
        return ArtifactCollection(self._client, entity, project, path.name, type=type_name)

    def artifact_collection_exists(self, name: str, type: str) -> bool:
        path = self._artifact_path(name)
        entity, project = self._owner(path)
        found = self._client.project_artifact_collection(entity=entity, project=project, name=path.name).project
        collection = None if found is None else found.artifact_collection
        return collection is not None and collection.type_name == type

    def artifact_collections(self, project_name: str, type_name: str, per_page: int = 50) -> ArtifactCollections:
        """The collections of one type in a project ("[entity/]project"), newest first."""
        from .artifacts import ArtifactCollections

        entity, project = self._project_path(project_name)
        return ArtifactCollections(self._client, entity, project, type_name, per_page=per_page)

    def _project_path(self, project: str | None) -> tuple[str, str]:
        """entity/project from "entity/project" or "project"; the project defaults as in artifact paths."""
        parts = [part for part in (project or "").split("/") if part]
        if len(parts) > 2:
            raise ValueError(f"cannot read a project path from {project!r}: use entity/project")
        entity = parts[0] if len(parts) == 2 else self.default_entity
        return entity, parts[-1] if parts else self.settings["project"] or DEFAULT_PROJECT

    def artifact_type(self, type_name: str, project: str | None = None) -> ArtifactType:
        from .artifacts import ArtifactType

        entity, project_name = self._project_path(project)
        return ArtifactType(self._client, entity, project_name, type_name)

    def artifact_types(self, project: str | None = None) -> ArtifactTypes:
        from .artifacts import ArtifactTypes

        entity, project_name = self._project_path(project)
        return ArtifactTypes(self._client, entity, project_name)

    # -- registries ---------------------------------------------------------------------------------------
    def create_registry(self, name: str, visibility: Literal["organization", "restricted"],
                        organization: str | None = None, description: str | None = None,
                        artifact_types: list[str] | None = None) -> Registry:
        """A new registry in an organization (default: your default entity); artifact_types None accepts
        every type, and types once saved cannot be removed."""
        from .registries import Registry

        return Registry.create(self._client, organization or self.default_entity, name, visibility,
                               description=description, artifact_types=artifact_types)

    def registry(self, name: str, organization: str | None = None) -> Registry:
        """A registry by name (without its prefix); a restricted one you were not invited to is "not found"."""
        from .registries import Registry

        organization = organization or self.default_entity
        return Registry(self._client, organization, organization, name)

    def registries(self, organization: str | None = None, filter: dict[str, Any] | None = None) -> Registries:
        """A lazy search of the registries you can see; chain .collections(filter) and .versions(filter)."""
        from .registries import Registries

        return Registries(self._client, organization or self.default_entity, filter)

    # -- users ------------------------------------------------------------------------------------------
    def user(self, username_or_email: str) -> User | None:
        """A user by name or by whole email (alice@a.com and alice@b.com are two users); None when there is
        no such user. Admins see everyone, others only themselves."""
        if not isinstance(username_or_email, str) or not username_or_email.strip():
            raise ValueError(f"user() takes a username or an email, not {username_or_email!r}")
        try:
            found = self._client.user(user_name=username_or_email.strip()).user
        except CommError as exc:
            if exc.code == "NOT_FOUND":
                return None
            raise
        return None if found is None else User(self._client, found.model_dump())

    def create_user(self, email: str, admin: bool | None = False) -> User:
        """Admins only: a user with this email, named after the part before "@"; when another user (or a
        team) has that name, "-2", "-3", ... is added, since only the whole email tells users apart."""
        if not isinstance(email, str) or not EMAIL.fullmatch(email.strip()):
            raise ValueError(f"create_user() takes an email address (name@domain), not {email!r}")
        email = email.strip()
        base = re.sub(r"[^A-Za-z0-9_.-]", "-", email.rpartition("@")[0]).lstrip("_.-")[:MAX_BASE_USERNAME] or "user"
        for username in [base, *(f"{base}-{n}" for n in range(2, USERNAME_TRIES + 2))]:
            try:
                created = self._client.create_user(CreateUserInput(username=username, email=email, admin=admin))
            except CommError as exc:
                if exc.code != "CONFLICT":
                    raise
                existing = self.user(email)
                if existing is not None:
                    raise ValueError(f"user {existing.username} has the email {email} already") from exc
                continue  # the name is taken: try the next one
            user = self.user(present(created.create_user, "user").user.username)
            if user is None:
                raise CommError(f"the server created user {username} but cannot find it")
            return user
        raise ValueError(f"cannot find a free username for {email}: {base} to {base}-{USERNAME_TRIES + 1} are taken")

    def users(self, username_or_email: str) -> list[User]:
        """Admins only: users whose name or email starts or ends with the query."""
        found = self._client.users(query=username_or_email).users.edges
        return [User(self._client, edge.node.model_dump()) for edge in found]

    def team(self, team: str) -> Team:
        return Team(self._client, team)

    def create_team(self, team: str, admin_username: str | None = None) -> Team:
        """A new team; its admin is admin_username (instance admins only) or you."""
        self._client.create_team(CreateTeamInput(team_name=team, admin_user_name=admin_username))
        return Team(self._client, team)

    # -- integrations and automations (imported on use: they cost `import runbase` nothing) ----------
    def integrations(self, entity: str | None = None,
                     per_page: int = 50) -> Iterator[SlackIntegration | WebhookIntegration]:
        """The entity's (default: yours) Slack and webhook integrations; the server sends them all at
        once, so per_page only has to be positive."""
        from .integrations import list_integrations

        if not isinstance(per_page, int) or isinstance(per_page, bool) or per_page < 1:
            raise ValueError(f"per_page must be a positive integer, not {per_page!r}")
        return iter(list_integrations(self._client, entity or self.default_entity))

    def slack_integrations(self, entity: str | None = None, per_page: int = 50) -> Iterator[SlackIntegration]:
        from ...automations import SlackIntegration

        return (found for found in self.integrations(entity, per_page) if isinstance(found, SlackIntegration))

    def webhook_integrations(self, entity: str | None = None, per_page: int = 50) -> Iterator[WebhookIntegration]:
        from ...automations import WebhookIntegration

        return (found for found in self.integrations(entity, per_page) if isinstance(found, WebhookIntegration))

    def create_slack_integration(self, entity: str, channel_name: str, bot_token: str | None = None,
                                 webhook_url: str | None = None) -> SlackIntegration:
        """Post to a Slack channel with a bot token (chat:write) or an incoming-webhook URL; the
        secret is stored on the server and never returned."""
        from .integrations import create_slack_integration

        return create_slack_integration(self._client, entity, channel_name, bot_token=bot_token,
                                        webhook_url=webhook_url)

    def create_webhook_integration(self, entity: str, name: str, url: str, secret: str | None = None, *,
                                   access_token: str | None = None) -> WebhookIntegration:
        """POST to a URL, signed with `secret` (HMAC-SHA256) and carrying `access_token` as a Bearer
        token when given; both are write-only."""
        from .integrations import create_webhook_integration

        return create_webhook_integration(self._client, entity, name, url, secret=secret, access_token=access_token)

    def delete_integration(self, integration_or_id: SlackIntegration | WebhookIntegration | str) -> bool:
        from .integrations import delete_integration

        return delete_integration(self._client, integration_or_id)

    def create_automation(self, obj: NewAutomation, fetch_existing: bool = False, **kwargs: Any) -> Automation:
        """Save a new automation; kwargs (name, description, enabled, scope, event, action) override
        its values. With fetch_existing, a name already taken returns the existing automation."""
        from .automations import create_automation

        return create_automation(self._client, obj, fetch_existing, **kwargs)

    def automation(self, name: str, entity: str | None = None) -> Automation:
        """The only automation with this name; ValueError when there are none or several."""
        from .automations import automation_by_name

        return automation_by_name(self._client, name, entity)

    def automations(self, entity: str | None = None, name: str | None = None, per_page: int = 50) -> Automations:
        """Automations of an entity, or every one you can see when no entity is given."""
        from .automations import Automations

        return Automations(self._client, entity=entity, name=name, per_page=per_page)

    def update_automation(self, obj: Automation, create_missing: bool = False, **kwargs: Any) -> Automation:
        """Save an automation's fields, with kwargs applied first; with create_missing, one deleted
        meanwhile is created again."""
        from .automations import update_automation

        return update_automation(self._client, obj, create_missing, **kwargs)

    def delete_automation(self, obj: Automation | str) -> bool:
        from .automations import delete_automation

        return delete_automation(self._client, obj)

    def redeliver(self, delivery_or_id: Delivery | str) -> Delivery:
        """Send a delivery again, as a new delivery with a fresh attempt budget."""
        from .automations import redeliver

        return redeliver(self._client, delivery_or_id)

    def __repr__(self) -> str:
        return f"<Api {self.settings['base_url']}>"

