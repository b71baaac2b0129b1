"""The rules for artifact names, types, aliases, tags and metadata, and for the paths that name a
version ("entity/project/name:alias"). Checked before anything is sent, so bad input fails at the
call that made it, not later in the background sender."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

NAME = re.compile(r"[A-Za-z0-9_.-]+")
VERSION = re.compile(r"v\d+")
MAX_LENGTH = 128
MAX_METADATA_KEYS = 100
LATEST = "latest"
REGISTRY_PREFIXES = ("wandb-registry-", "runbase-registry-")
RESERVED_TYPES = ("job",)
RESERVED_TYPE_PREFIX = "wandb-"


def _check(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"an artifact {what} must be a string, not {type(value).__name__}")
    if not value or len(value) > MAX_LENGTH:
        raise ValueError(f"an artifact {what} must be 1 to {MAX_LENGTH} characters, not {len(value)}: {value!r}")
    if not NAME.fullmatch(value):
        raise ValueError(f"invalid artifact {what} {value!r}: use only letters, digits, '_', '-' and '.'")
    return value


def check_name(name: Any) -> str:
    return _check(name, "name")


def safe_name(text: str) -> str:
    """A default name made of user text (a file name, a script path): characters names do not allow
    become "_", and it is cut to the longest name allowed."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", text)[:MAX_LENGTH]


def check_type(type_name: Any) -> str:
    """A type users may log: "job" and "wandb-*" are reserved for runbase itself."""
    _check(type_name, "type")
    if type_name in RESERVED_TYPES or type_name.startswith(RESERVED_TYPE_PREFIX):
        raise ValueError(f"the artifact type {type_name!r} is reserved: 'job' and types starting with 'wandb-' "
                         "cannot be logged")
    return str(type_name)


def check_alias(alias: Any) -> str:
    _check(alias, "alias")
    if VERSION.fullmatch(alias):
        raise ValueError(f"{alias!r} looks like a version; aliases of the form v<number> are reserved for versions")
    return str(alias)


def check_aliases(aliases: Any) -> list[str]:
    """A list of aliases without duplicates, in order; a lone string counts as one alias."""
    if aliases is None:
        return []
    if isinstance(aliases, str):
        aliases = [aliases]
    if not isinstance(aliases, (list, tuple, set, frozenset)):
        raise ValueError(f"aliases must be a list of strings, not {type(aliases).__name__}")
    return list(dict.fromkeys(check_alias(alias) for alias in aliases))


def user_aliases(aliases: Any) -> list[str]:
    """Checked aliases without "latest", which the server keeps on the newest version by itself."""
    return [alias for alias in check_aliases(aliases) if alias != LATEST]


def check_tags(tags: Any) -> list[str]:
    if tags is None:
        return []
    if isinstance(tags, str) or not isinstance(tags, (list, tuple, set, frozenset)):
        raise ValueError(f"tags must be a list of strings, not {tags!r}")
    return list(dict.fromkeys(_check(tag, "tag") for tag in tags))


def check_metadata(metadata: Any) -> dict[str, Any]:
    """A copy of metadata that is a JSON object of at most 100 keys."""
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise ValueError(f"artifact metadata must be a dict, not {type(metadata).__name__}")
    if len(metadata) > MAX_METADATA_KEYS:
        raise ValueError(f"artifact metadata may have at most {MAX_METADATA_KEYS} keys, not {len(metadata)}")
    if not all(isinstance(key, str) for key in metadata):
        raise ValueError("artifact metadata keys must be strings")
    try:
        return dict(json.loads(json.dumps(metadata, allow_nan=False, default=_jsonable)))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"artifact metadata must be JSON-serializable: {exc}") from None


def _jsonable(value: Any) -> Any:
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON-serializable")


def check_path(path: Any) -> str:
    """A file's path inside an artifact: relative, '/'-separated, never escaping the artifact's root."""
    from ..files import check_name  # files.py loads httpx and the generated models; a run's names need neither

    return check_name(path, "artifact file name")


def is_registry(project: str | None) -> bool:
    return project is not None and project.startswith(REGISTRY_PREFIXES)


@dataclass(frozen=True)
class ArtifactPath:
    """Where a version lives: entity (None for the server's default), project, collection name and
    version or alias."""

    entity: str | None
    project: str | None
    name: str
    version: str

    @property
    def full_name(self) -> str:
        return f"{self.name}:{self.version}"


def parse_path(path: Any, entity: str | None = None, project: str | None = None) -> ArtifactPath:
    """Read "name", "name:alias", "name:v3", "project/name:alias" or "entity/project/name:alias"; a
    registry path ("wandb-registry-model/coll:alias") without an entity uses the server's default
    organization rather than `entity`. No version means "latest"."""
    if not isinstance(path, str) or not path.strip():
        raise ValueError(f"an artifact path must be a non-empty string, not {path!r}")
    parts = path.strip().split("/")
    if len(parts) > 3 or any(not part for part in parts) or any(":" in part for part in parts[:-1]):
        raise ValueError(f"invalid artifact path {path!r}: use name:alias, project/name:alias or "
                         "entity/project/name:alias")
    name, _, version = parts[-1].partition(":")
    if len(parts) == 3:
        entity, project = parts[0], parts[1]
    elif len(parts) == 2:
        project = parts[0]
        entity = None if is_registry(project) else entity
    check_name(name)
    if version:
        _check(version, "version or alias")
    return ArtifactPath(entity, project, name, version or LATEST)


def split_name(name: str) -> tuple[str, list[str]]:
    """A logged artifact's name, with an alias after ':' ("data:best") split off."""
    base, sep, alias = name.partition(":")
    return check_name(base), [check_alias(alias)] if sep else []
