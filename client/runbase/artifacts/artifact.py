"""runbase.Artifact: a versioned set of files (a dataset, a model) built locally as a draft, logged
by a run (or saved without one), then fetched, downloaded, verified and linked.

For the Public API and others that build Artifact objects from GraphQL results:

    Artifact._from_fields(client: Connection, fields: ArtifactFields) -> Artifact
        a logged version as the server describes it (the ArtifactFields fragment of
        client/queries/artifacts.graphql), seen through the collection it was fetched through.

A draft becomes logged when its upload (see transfer.py) commits; until then the properties only
the server knows (version, entity, created_at, ...) raise ArtifactNotLoggedError."""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import re
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, Any

from .._generated.fragments import ArtifactFields
from .._generated.input_types import DeleteArtifactInput, LinkArtifactInput, UnlinkArtifactInput, UpdateArtifactInput
from ..errors import ArtifactFinalizedError, ArtifactNotLoggedError, present
from ..files import digest_of, name_under
from ..links import page_url
from . import names, references
from .cache import ArtifactCache
from .manifest import POLICIES, ArtifactManifest, ArtifactManifestEntry

if TYPE_CHECKING:
    from ..apis.public.artifacts import ArtifactCollection, ArtifactFiles
    from ..apis.public.runs import Run as PublicRun
    from ..connection import Connection
    from ..settings import Settings
    from .transfer import ArtifactJob

MODEL_REGISTRY = "wandb-registry-model"
FILES_PAGE = 1000


def _ttl_seconds(ttl: datetime.timedelta | None) -> int | None:
    if ttl is None:
        return None
    if not isinstance(ttl, datetime.timedelta):
        raise ValueError(f"ttl must be a datetime.timedelta or None, not {type(ttl).__name__}")
    if ttl.total_seconds() <= 0:
        raise ValueError(f"ttl must be positive, not {ttl}")
    return int(ttl.total_seconds())


def _ttl_of(fields: ArtifactFields) -> int | None:
    """The server's TTL in seconds; it answers W&B's -2 (TTL disabled) for a version kept until deleted."""
    return fields.ttl_duration_seconds if fields.ttl_duration_seconds > 0 else None


def _aliases(fields: ArtifactFields) -> list[str]:
    """The server answers W&B's ArtifactAlias objects; the SDK presents their names, as W&B's SDK does."""
    return [alias.alias for alias in fields.aliases]


def _tags(fields: ArtifactFields) -> list[str]:
    return [tag.name for tag in fields.tags]


def _files_under(root: Path) -> list[Path]:
    """The files below a directory, in name order, following links to directories as W&B does, but never into
    a loop (a link to a directory it sits in)."""
    files: list[Path] = []
    ancestors = {os.fspath(root): {os.path.realpath(root)}}  # each folder walked -> real paths of it and above
    for folder, subfolders, filenames in os.walk(root, followlinks=True):
        above = ancestors.pop(folder)
        kept = []
        for sub in subfolders:
            real = os.path.realpath(os.path.join(folder, sub))
            if real not in above:
                ancestors[os.path.join(folder, sub)] = above | {real}
                kept.append(sub)
        subfolders[:] = kept
        files.extend(Path(folder, name) for name in filenames if os.path.isfile(os.path.join(folder, name)))
    return sorted(files)


# A `"path": "..."` member of stored JSON: the files a value's descriptors name (a table's media cells, an
# image's masks), found in the bytes rather than by walking what may be millions of cells.
_PATH_MEMBER = re.compile(rb'"path"\s*:\s*("(?:[^"\\]|\\.)*")')


def _stored_paths(content: bytes) -> list[str]:
    return [json.loads(found) for found in dict.fromkeys(_PATH_MEMBER.findall(content))]


class Artifact:
    """A versioned collection of files: add files, directories and references to a draft, then
    log it with run.log_artifact() (or save()); fetch logged ones with run.use_artifact() or
    runbase.Api().artifact()."""

    def __init__(self, name: str, type: str, description: str | None = None, metadata: dict[str, Any] | None = None,
                 incremental: bool = False, use_as: str | None = None) -> None:
        if description is not None and not isinstance(description, str):
            raise ValueError(f"description must be a string, not {description.__class__.__name__}")
        if incremental:
            warnings.warn("Artifact(incremental=True) is deprecated: use artifact.new_draft() on a logged version",
                          DeprecationWarning, stacklevel=2)
        self._setup(names.check_name(name), names.check_type(type), description, names.check_metadata(metadata))
        self._incremental = bool(incremental)
        self._use_as = use_as

    def _setup(self, name: str, type_name: str, description: str | None, metadata: dict[str, Any]) -> None:
        self._name = name
        self._type = type_name
        self._description = description
        self._metadata = metadata
        self._incremental = False
        self._use_as = None
        self._aliases: list[str] = []
        self._tags: list[str] = []
        self._ttl: datetime.timedelta | None = None
        self._manifest: ArtifactManifest | None = ArtifactManifest()
        self._added_local_paths: dict[str, str] = {}  # absolute local path -> name in the artifact
        self._removed: set[str] = set()  # paths removed from an incremental draft, not taken from the latest
        self._final = False
        self._client: Connection | None = None
        self._fields: ArtifactFields | None = None
        self._job: ArtifactJob | None = None
        self._cache = ArtifactCache()

    # -- built from the server ----------------------------------------------------------------------
    @classmethod
    def _from_fields(cls, client: Connection, fields: ArtifactFields) -> Artifact:
        """A logged version as the server describes it."""
        artifact = cls.__new__(cls)
        artifact._setup(fields.source_collection.name, fields.type_name, None, {})
        artifact._client = client
        artifact._manifest = None  # fetched when needed
        artifact._assign(fields)
        return artifact

    def _assign(self, fields: ArtifactFields) -> None:
        self._fields = fields
        self._final = True
        self._type = fields.type_name
        self._description = fields.description or None  # "" is how a cleared description is stored
        self._metadata = json.loads(fields.metadata or "{}")
        self._aliases = _aliases(fields)
        self._tags = _tags(fields)
        seconds = _ttl_of(fields)
        self._ttl = datetime.timedelta(seconds=seconds) if seconds is not None else None
        self._name = fields.source_collection.name

    def _known(self) -> ArtifactFields | None:
        """The server's view, if it has one yet: an upload that has finished is taken in, one that has not
        is not waited for."""
        if self._fields is None and self._job is not None and self._job.done.is_set() and self._job.error is None:
            self._take_job_result()
        return self._fields

    def _logged(self) -> ArtifactFields:
        """The server's view of this version."""
        known = self._known()
        if known is None:
            if self._job is not None and self._job.done.is_set():
                raise ArtifactNotLoggedError(f"artifact {self._name!r} was not logged: {self._job.error}")
            if self._job is not None:
                raise ArtifactNotLoggedError(f"artifact {self._name!r} is still being logged: call artifact.wait() "
                                             "first")
            raise ArtifactNotLoggedError(f"artifact {self._name!r} has not been logged: log it with "
                                         "run.log_artifact() or artifact.save() first")
        return known

    def _connection(self) -> Connection:
        self._logged()
        assert self._client is not None
        return self._client

    def _take_job_result(self) -> None:
        job = self._job
        assert job is not None and job.result is not None
        self._client = job.client
        self._assign(job.result)
        self._manifest = None  # read back from the server, with download URLs

    # -- identity -------------------------------------------------------------------------------------
    @property
    def id(self) -> str | None:
        fields = self._known()
        return fields.id if fields is not None else None

    @property
    def name(self) -> str:
        """collection:version once logged (through the collection it was fetched from), else the name."""
        fields = self._known()
        if fields is None or fields.version_index is None:
            return self._name if fields is None else fields.collection.name
        return f"{fields.collection.name}:v{fields.version_index}"

    @property
    def version(self) -> str:
        fields = self._logged()
        if fields.version_index is None:
            raise ArtifactNotLoggedError(f"artifact {self._name!r} is not committed yet, so it has no version")
        return f"v{fields.version_index}"

    @property
    def type(self) -> str:
        return self._type

    @property
    def entity(self) -> str:
        return self._logged().collection.entity_name

    @property
    def project(self) -> str:
        return self._logged().collection.project_name

    @property
    def qualified_name(self) -> str:
        return f"{self.entity}/{self.project}/{self.name}"

    @property
    def collection(self) -> ArtifactCollection:
        """The collection it was fetched through (a portfolio for a linked version)."""
        from ..apis.public.artifacts import ArtifactCollection

        ref = self._logged().collection
        return ArtifactCollection(self._connection(), ref.entity_name, ref.project_name, ref.name, type=ref.type_name)

    @property
    def source_collection(self) -> ArtifactCollection:
        from ..apis.public.artifacts import ArtifactCollection

        ref = self._logged().source_collection
        return ArtifactCollection(self._connection(), ref.entity_name, ref.project_name, ref.name, type=ref.type_name)

    @property
    def source_name(self) -> str:
        fields = self._known()
        if fields is None or fields.source_version_index is None:
            return self._name
        return f"{fields.source_collection.name}:v{fields.source_version_index}"

    @property
    def source_version(self) -> str:
        fields = self._logged()
        if fields.source_version_index is None:
            raise ArtifactNotLoggedError(f"artifact {self._name!r} is not committed yet, so it has no version")
        return f"v{fields.source_version_index}"

    @property
    def source_entity(self) -> str:
        return self._logged().source_collection.entity_name

    @property
    def source_project(self) -> str:
        return self._logged().source_collection.project_name

    @property
    def source_qualified_name(self) -> str:
        return f"{self.source_entity}/{self.source_project}/{self.source_name}"

    @property
    def source_artifact(self) -> Artifact:
        """The version as logged to its sequence: itself unless it was fetched through a portfolio."""
        if not self.is_link:
            return self
        return self._fetch(self.source_entity, self.source_project, self.source_name)

    @property
    def is_link(self) -> bool:
        fields = self._known()
        return fields.is_link if fields is not None else False

    @property
    def linked_artifacts(self) -> list[Artifact]:
        """The version as seen through each portfolio it is linked to; empty for a link itself."""
        if self._logged().is_link:
            return []
        found = self._connection().artifact_links(id=self._logged().id).artifact
        return [] if found is None else [Artifact._from_fields(self._connection(), f) for f in found.linked_artifacts]

    @property
    def url(self) -> str:
        fields = self._logged()
        base = self._connection().base_url
        version = f"v{fields.version_index}" if fields.version_index is not None else fields.id
        return page_url(base, self.entity, self.project, "artifacts", self._type, fields.collection.name, version)

    @property
    def use_as(self) -> str | None:
        """Deprecated, as in W&B."""
        return self._use_as

    # -- contents and state ---------------------------------------------------------------------------
    @property
    def manifest(self) -> ArtifactManifest:
        if self._manifest is None:
            self._manifest = self._fetch_manifest()
        return self._manifest

    @property
    def digest(self) -> str:
        """SHA-256 over the manifest (see manifest.manifest_digest); a draft's is computed locally."""
        fields = self._known()
        if fields is not None and fields.digest:
            return fields.digest
        return self.manifest.digest()

    @property
    def size(self) -> int:
        fields = self._known()
        return fields.size if fields is not None else self.manifest.size

    @property
    def file_count(self) -> int:
        fields = self._known()
        return fields.file_count if fields is not None else len(self.manifest)

    @property
    def state(self) -> str:
        """PENDING (a draft, or being built), COMMITTED or DELETED."""
        fields = self._known()
        return fields.state if fields is not None else "PENDING"

    @property
    def commit_hash(self) -> str:
        """What the commit produced: the manifest digest, under which the server keeps the version."""
        return self._logged().digest

    @property
    def created_at(self) -> str:
        return self._logged().created_at

    @property
    def updated_at(self) -> str:
        fields = self._logged()
        return fields.updated_at or fields.created_at

    @property
    def history_step(self) -> int | None:
        return self._logged().history_step

    # -- editable attributes (saved by save()) ------------------------------------------------------
    @property
    def description(self) -> str | None:
        return self._description

    @description.setter
    def description(self, value: str | None) -> None:
        if value is not None and not isinstance(value, str):
            raise ValueError(f"description must be a string, not {type(value).__name__}")
        self._description = value

    @property
    def metadata(self) -> dict[str, Any]:
        return self._metadata

    @metadata.setter
    def metadata(self, value: dict[str, Any]) -> None:
        self._metadata = names.check_metadata(value)

    @property
    def aliases(self) -> list[str]:
        """Aliases in the collection it was fetched through ("latest" included once logged); set, then save()."""
        self._known()
        return self._aliases

    @aliases.setter
    def aliases(self, value: list[str]) -> None:
        self._aliases = names.check_aliases(value)

    @property
    def tags(self) -> list[str]:
        return self._tags

    @tags.setter
    def tags(self, value: list[str]) -> None:
        self._tags = names.check_tags(value)

    @property
    def ttl(self) -> datetime.timedelta | None:
        """How long after creation the version is deleted; None keeps it."""
        return self._ttl

    @ttl.setter
    def ttl(self, value: datetime.timedelta | None) -> None:
        _ttl_seconds(value)
        self._ttl = value

    # -- building a draft ---------------------------------------------------------------------------
    def _check_open(self) -> None:
        if self._final:
            raise ArtifactFinalizedError(f"artifact {self._name!r} is finalized (logged or being logged): its "
                                         "contents cannot change; call new_draft() to make a new version")

    def is_draft(self) -> bool:
        """True until the server has it (committed, or built by upsert_artifact)."""
        return self.id is None

    def finalize(self) -> None:
        """Freeze the contents; logging does this."""
        self._final = True

    def add_file(self, local_path: str | os.PathLike[str], name: str | None = None, is_tmp: bool | None = False,
                 skip_cache: bool | None = False, policy: str | None = "mutable",
                 overwrite: bool = False) -> ArtifactManifestEntry:
        """Add a local file. "mutable" copies it now (into the cache, or a private staging file with
        skip_cache) so that later edits cannot change what is uploaded; "immutable" trusts the caller
        not to change it until the upload is done."""
        return self._add_local(local_path, name, is_tmp=is_tmp, skip_cache=skip_cache, policy=policy,
                               overwrite=overwrite, flag="overwrite")

    def _add_local(self, local_path: str | os.PathLike[str], name: str | None, *, is_tmp: bool | None,
                   skip_cache: bool | None, policy: str | None, overwrite: bool, flag: str) -> ArtifactManifestEntry:
        """add_file(), and add_dir() for each file; `flag` names the argument that allows replacing a file."""
        self._check_open()
        policy = policy or "mutable"
        if policy not in POLICIES:
            raise ValueError(f"policy must be 'mutable' or 'immutable', not {policy!r}")
        path = Path(os.fspath(local_path))
        if not path.is_file():
            raise ValueError(f"cannot add {os.fspath(local_path)!r} to the artifact: it is not a file")
        entry_name = names.check_path(Path(os.fspath(name)).as_posix() if name is not None else path.name)
        if policy == "mutable":
            digest, size, copy = self._cache.stage(path, bool(skip_cache))
            local = str(copy)
        else:
            digest, size = digest_of(path)
            local = str(path.absolute())
        if is_tmp:
            folder, _, base = entry_name.rpartition("/")
            stem, dot, ext = base.partition(".")
            entry_name = names.check_path(f"{folder}/" * bool(folder) + digest[:20] + dot + ext)
        entry = ArtifactManifestEntry(entry_name, digest, size, local_path=local, policy=policy,
                                      skip_cache=bool(skip_cache), _parent=self)
        self._add_entry(entry, overwrite, flag)
        self._added_local_paths[str(path.absolute())] = entry_name
        return entry

    def _add_entry(self, entry: ArtifactManifestEntry, overwrite: bool, flag: str = "overwrite") -> None:
        assert self._manifest is not None
        self._manifest.add_entry(entry, overwrite, flag)
        self._removed.discard(entry.path)

    def add_dir(self, local_path: str | os.PathLike[str], name: str | None = None, skip_cache: bool | None = False,
                policy: str | None = "mutable", merge: bool = False) -> None:
        """Add every file under a directory, below `name` (default: the artifact's root). A file already
        added with other contents is an error unless `merge`."""
        self._check_open()
        root = Path(os.fspath(local_path))
        if not root.is_dir():
            raise ValueError(f"cannot add {os.fspath(local_path)!r} to the artifact: it is not a directory")
        if (policy or "mutable") not in POLICIES:
            raise ValueError(f"policy must be 'mutable' or 'immutable', not {policy!r}")
        prefix = names.check_path(Path(os.fspath(name)).as_posix()) + "/" if name else ""
        for file in _files_under(root):
            relative = name_under(file, root, "artifact file name")
            self._add_local(file, prefix + relative, is_tmp=False, skip_cache=skip_cache, policy=policy,
                            overwrite=merge, flag="merge")

    def add_reference(self, uri: ArtifactManifestEntry | str, name: str | os.PathLike[str] | None = None,
                      checksum: bool = True, max_objects: int | None = None) -> list[ArtifactManifestEntry]:
        """Track contents that stay where they are: file://, http(s)://, s3://, gs:// and az:// are checksummed (a
        directory or bucket prefix object by object), any other scheme is recorded under a digest of the URI; see
        references.py."""
        self._check_open()
        if isinstance(uri, ArtifactManifestEntry):
            if uri.ref is None:
                raise NotImplementedError("references to another artifact's stored files are not supported: download "
                                          "the file and add it, or add the original reference")
            path = names.check_path(os.fspath(name)) if name else uri.path
            entries = [ArtifactManifestEntry(path, uri.digest, uri.size, ref=uri.ref, extra=dict(uri.extra))]
        else:
            entries = references.entries_for(uri, os.fspath(name) if name is not None else None, checksum,
                                              max_objects)
        for entry in entries:
            entry._parent = self
            self._add_entry(entry, overwrite=True)
        return entries

    @contextlib.contextmanager
    def new_file(self, name: str, mode: str = "x", encoding: str | None = None) -> Iterator[IO[Any]]:
        """Open a new file to write; it is added to the artifact when the block ends without an error."""
        self._check_open()
        name = names.check_path(name)
        assert self._manifest is not None
        if name in self._manifest.entries:
            raise ValueError(f"the artifact already has a file {name!r}")
        if not any(flag in mode for flag in "wxa"):
            raise ValueError(f"new_file() opens a file to write: mode {mode!r} has none of 'w', 'x' or 'a'")
        with tempfile.TemporaryDirectory(prefix="runbase-new-file-") as folder:
            path = Path(folder) / Path(name).name
            with open(path, mode, encoding=encoding) as handle:
                yield handle
            self.add_file(path, name=name)
            del self._added_local_paths[str(path.absolute())]

    def add(self, obj: Any, name: str | os.PathLike[str], overwrite: bool = False) -> ArtifactManifestEntry:
        """Add a rich value (Table, Image, Histogram, ...) as W&B does: its JSON as the entry
        `NAME.LOG_TYPE.json` ("preds" -> "preds.table.json"), its files (a table's media cells) beside it,
        named after their contents. `get(NAME)` reads it back."""
        from ..data_types.media import ArtifactMediaStore, WBValue
        from ..data_types.table import dump_json

        self._check_open()
        if not isinstance(obj, WBValue):
            raise TypeError(f"Artifact.add() stores runbase data types (Table, Image, Histogram, ...), not "
                            f"{type(obj).__name__}: add files with add_file(), add_dir() or new_file()")
        suffix = f".{obj.log_type}.json"
        path = Path(os.fspath(name)).as_posix()
        entry_name = names.check_path(path if path.endswith(suffix) else path + suffix)
        existing = self.manifest.get_entry_by_path(entry_name)
        if existing is not None and not overwrite:
            raise ValueError(f"the artifact already has a file at {entry_name!r}; pass overwrite=True to replace it")
        content = dump_json(obj.to_json(ArtifactMediaStore(self)), sort_keys=True)  # sorted, as W&B writes it
        with tempfile.TemporaryDirectory(prefix="runbase-add-") as folder:
            local = Path(folder) / PurePosixPath(entry_name).name
            local.write_bytes(content)
            entry = self.add_file(local, name=entry_name, overwrite=overwrite)
            del self._added_local_paths[str(local.absolute())]
        return entry

    def remove(self, item: str | os.PathLike[str] | ArtifactManifestEntry) -> None:
        """Remove an entry, or every entry under a directory."""
        self._check_open()
        manifest = self.manifest
        if isinstance(item, ArtifactManifestEntry):
            manifest.remove_entry(item)
            self._removed.add(item.path)
            return
        path = Path(os.fspath(item)).as_posix().strip("/")
        found = [manifest.entries[path]] if path in manifest.entries else manifest.get_entries_in_directory(path)
        if not found:
            raise FileNotFoundError(f"the artifact has no file or directory {path!r}")
        for entry in found:
            manifest.remove_entry(entry)
            self._removed.add(entry.path)

    def get_entry(self, name: str | os.PathLike[str]) -> ArtifactManifestEntry:
        path = Path(os.fspath(name)).as_posix()
        entry = self.manifest.get_entry_by_path(path)
        if entry is None:
            raise KeyError(f"artifact {self.name!r} has no file {path!r}")
        return entry

    def get_path(self, name: str | os.PathLike[str]) -> ArtifactManifestEntry:
        """Deprecated: use get_entry()."""
        warnings.warn("Artifact.get_path() is deprecated: use get_entry()", DeprecationWarning, stacklevel=2)
        return self.get_entry(name)

    def get(self, name: str) -> Any:
        """The rich value (Table, Image, Histogram, ...) that add(obj, name) stored, downloaded with its files
        (into the version's default download folder) and rebuilt; None when there is no such value."""
        from ..data_types.media import DirectorySource
        from ..data_types.table import VALUE_CLASSES, load_json, value_class

        self._logged()
        suffixes = [f".{log_type}.json" for log_type in VALUE_CLASSES]
        candidates = [name] if name.endswith(tuple(suffixes)) else [name + suffix for suffix in suffixes]
        entry = next((found for found in map(self.manifest.get_entry_by_path, candidates) if found is not None), None)
        if entry is None:
            return None
        log_type = entry.path[:-len(".json")].rsplit(".", 1)[-1]
        root = self._default_root()
        local = Path(self._download_entries([entry], root, None, False)[0])
        files = [self.manifest.get_entry_by_path(path) for path in _stored_paths(local.read_bytes())]
        self._download_entries([found for found in files if found is not None], root, None, False)
        described = load_json(local)
        return value_class(log_type).from_json(described, DirectorySource(root))

    def get_added_local_path_name(self, local_path: str) -> str | None:
        """The name in the artifact of a file added from `local_path`, if it was."""
        return self._added_local_paths.get(str(Path(local_path).absolute()))

    # -- logging -----------------------------------------------------------------------------------
    def _start_job(self, client: Connection | None, entity: str | None = None, project: str | None = None, *,
                   commit: bool, use: bool, aliases: list[str] | None = None, tags: list[str] | None = None,
                   distributed_id: str | None = None, history_step: int | None = None) -> ArtifactJob:
        """Freeze the draft into the job that uploads it (through a run's sender, or save()); `client` is
        None for offline runs, whose record log keeps the job for `runbase sync`."""
        from .transfer import ArtifactJob

        if self._fields is not None or self._job is not None:
            raise ArtifactFinalizedError(f"artifact {self._name!r} was logged already: call new_draft() to log a new "
                                         "version")
        create = {"artifactTypeName": self._type, "artifactCollectionName": self._name,
                  "description": self._description, "metadata": json.dumps(names.check_metadata(self._metadata)),
                  "aliases": [{"alias": alias, "artifactCollectionName": self._name}
                              for alias in names.user_aliases(self._aliases + names.check_aliases(aliases))],
                  "tags": names.check_tags(self._tags + names.check_tags(tags)),
                  "ttlDurationSeconds": _ttl_seconds(self._ttl), "historyStep": history_step,
                  "distributedID": distributed_id}
        if self._incremental:
            if client is None:
                raise ArtifactNotLoggedError("an incremental artifact starts from the latest version on the server, "
                                             "which an offline run cannot read: use new_draft() online")
            self._merge_latest(client, entity, project or "uncategorized")
        self._final = True
        self._aliases = names.check_aliases(self._aliases + names.check_aliases(aliases))
        assert self._manifest is not None
        self._job = ArtifactJob({key: value for key, value in create.items() if value is not None},
                                list(self._manifest), commit=commit, use=use, client=client)
        return self._job

    def _merge_latest(self, client: Connection, entity: str | None, project: str) -> None:
        """Artifact(incremental=True): the files of the latest version not added or removed here."""
        found = client.artifact_by_name(entity=entity, project=project, name=f"{self._name}:latest").project
        if found is None or found.artifact is None:
            return
        assert self._manifest is not None
        for entry in Artifact._from_fields(client, found.artifact).manifest:
            if entry.path not in self._manifest.entries and entry.path not in self._removed:
                self._manifest.add_entry(entry.detached(self))  # refused beside a file or folder of its name

    # -- logged versions ---------------------------------------------------------------------------
    def _fetch(self, entity: str | None, project: str, name: str) -> Artifact:
        found = self._connection().artifact_by_name(entity=entity, project=project, name=name).project
        if found is None or found.artifact is None:
            raise ValueError(f"no artifact {entity}/{project}/{name} (or no access to it)")
        return Artifact._from_fields(self._connection(), found.artifact)

    def _fetch_manifest(self) -> ArtifactManifest:
        fields = self._logged()
        manifest = ArtifactManifest()
        after = None
        while True:
            found = self._connection().artifact_files(id=fields.id, first=FILES_PAGE, after=after).artifact
            if found is None:
                raise ValueError(f"artifact {self.name!r} (id {fields.id}) no longer exists (or no access to it)")
            for edge in found.files.edges:
                entry = ArtifactManifestEntry.from_fields(edge.node)
                entry._parent = self
                manifest.put(entry)
            if not found.files.page_info.has_next_page:
                return manifest
            after = found.files.page_info.end_cursor

    def files(self, names: list[str] | None = None, per_page: int = 50) -> ArtifactFiles:
        """The version's files, fetched a page at a time."""
        from ..apis.public.artifacts import ArtifactFiles

        return ArtifactFiles(self._connection(), self, names=names, per_page=per_page)

    def wait(self, timeout: int | None = None) -> Artifact:
        """Block until the upload started by log_artifact() is done (committed, or added by
        upsert_artifact); raises what made it fail."""
        if self._fields is not None:
            return self
        if self._job is None:
            raise ArtifactNotLoggedError(f"artifact {self._name!r} has not been logged, so there is nothing to wait "
                                         "for: log it with run.log_artifact() or artifact.save()")
        if not self._job.done.wait(timeout):
            raise TimeoutError(f"artifact {self._name!r} was not logged within {timeout} seconds")
        if self._job.error is not None:
            raise self._job.error
        self._take_job_result()
        return self

    def save(self, project: str | None = None, settings: Settings | None = None) -> None:
        """Send edits of a logged version (description, metadata, aliases, tags, ttl); log a draft with
        the active run, or without one through the Public API (into `project`)."""
        if self._known() is not None or (self._job is not None and self._job.done.is_set()):
            self._update()
            return
        if self._job is not None:
            raise ArtifactFinalizedError(f"artifact {self._name!r} is being logged: call wait() before save()")
        import runbase

        if runbase.run is not None and (runbase.run.disabled or project in (None, runbase.run.project)):
            runbase.run.log_artifact(self)  # in a disabled run, as every call there, it does nothing
            return
        from .transfer import save_without_run

        save_without_run(self, project, settings)

    def _update(self) -> None:
        fields = self._logged()
        changes: dict[str, Any] = {}
        if self._description != (fields.description or None):
            changes["description"] = self._description or ""  # the server reads null as "unchanged"
        if self._metadata != json.loads(fields.metadata or "{}"):
            changes["metadata"] = json.dumps(names.check_metadata(self._metadata))
        if self._tags != _tags(fields):
            changes["tags"] = names.check_tags(self._tags)
        ttl = _ttl_seconds(self._ttl)
        if ttl != _ttl_of(fields):
            changes["ttlDurationSeconds"] = ttl
        if self._aliases != _aliases(fields):
            if names.LATEST in set(self._aliases) ^ set(_aliases(fields)):
                raise ValueError("'latest' is kept on the newest version by the server: it cannot be added or removed")
            changes["aliases"] = [{"alias": alias, "artifactCollectionName": fields.collection.name}
                                  for alias in names.user_aliases(self._aliases)]
            changes["collectionId"] = fields.collection.id
        if not changes:
            return
        result = self._connection().update_artifact(UpdateArtifactInput.model_validate(
            {"artifactID": fields.id, **changes}))
        self._assign(present(result.update_artifact, "artifact").artifact)

    def delete(self, delete_aliases: bool = False) -> None:
        """Delete the version and its files; for a linked version, only the link."""
        fields = self._logged()
        if fields.is_link:
            self.unlink()
            return
        self._connection().delete_artifact(DeleteArtifactInput(artifact_id=fields.id, delete_aliases=delete_aliases))

    def link(self, target_path: str, aliases: list[str] | None = None) -> Artifact:
        """Link this version into a portfolio: "{portfolio}", "{project}/{portfolio}",
        "{entity}/{project}/{portfolio}", or a registry ("wandb-registry-model/{name}"; "model-registry/{name}"
        means the model registry)."""
        fields = self._logged()
        return self._link(target_path, aliases, fields.source_collection.entity_name,
                          fields.source_collection.project_name)

    def _link(self, target_path: str, aliases: list[str] | None, entity: str | None, project: str) -> Artifact:
        if not isinstance(target_path, str) or not target_path:
            raise ValueError(f"target_path must be a non-empty string, not {target_path!r}")
        parts = target_path.split("/")
        if len(parts) > 3 or not all(parts):
            raise ValueError(f"invalid target_path {target_path!r}: use {{portfolio}}, {{project}}/{{portfolio}} or "
                             "{entity}/{project}/{portfolio}")
        if len(parts) >= 2:
            project = MODEL_REGISTRY if parts[-2] == "model-registry" else parts[-2]
            entity = parts[0] if len(parts) == 3 else None if names.is_registry(project) else entity
        collection = names.check_name(parts[-1])
        result = self._connection().link_artifact(LinkArtifactInput.model_validate({
            "artifactID": self._logged().id, "entityName": entity, "projectName": project,
            "artifactPortfolioName": collection, "aliases": [
                {"alias": alias, "artifactCollectionName": collection} for alias in names.user_aliases(aliases)]}))
        return Artifact._from_fields(self._connection(), present(result.link_artifact, "artifact").artifact)

    def unlink(self) -> None:
        """Remove this linked version from its portfolio."""
        fields = self._logged()
        if not fields.is_link:
            raise ValueError(f"artifact {self.name!r} is not linked: it was not fetched through a portfolio")
        self._connection().unlink_artifact(UnlinkArtifactInput(artifact_id=fields.id,
                                                               collection_id=fields.collection.id))

    def logged_by(self) -> PublicRun | None:
        """The run that logged this version; None when it was saved without one (or the run is hidden)."""
        from ..apis.public.runs import Run

        found = self._connection().artifact_logged_by(id=self._logged().id).artifact
        if found is None or found.logged_by is None:
            return None
        run = found.logged_by
        project = present(run.project, "project of the run that logged the artifact")
        return Run(self._connection(), project.entity_name, project.name, run.name, attrs=run.model_dump())

    def used_by(self) -> list[PublicRun]:
        """The runs that used this version as an input, oldest first."""
        from ..apis.public.runs import Run

        runs: list[PublicRun] = []
        after = None
        while True:
            found = self._connection().artifact_used_by(id=self._logged().id, first=100, after=after).artifact
            if found is None:
                return runs
            for edge in found.used_by.edges:
                node = edge.node
                project = present(node.project, "project of a run that used the artifact")
                runs.append(Run(self._connection(), project.entity_name, project.name, node.name,
                                attrs=node.model_dump()))
            if not found.used_by.page_info.has_next_page:
                return runs
            after = found.used_by.page_info.end_cursor

    def new_draft(self) -> Artifact:
        """A draft with this version's name, type, description, metadata and files, to change and log as a
        new version."""
        fields = self._logged()
        draft = Artifact(fields.source_collection.name, self._type, self._description, dict(self._metadata))
        assert draft._manifest is not None
        for entry in self.manifest:
            draft._manifest.put(entry.detached(draft))
        return draft

    def json_encode(self) -> dict[str, Any]:
        """How W&B refers to a logged version inside other logged values."""
        return {"_type": "artifactVersion", "_version": "v0", "id": self._logged().id, "version": self.version,
                "sequenceName": self._logged().source_collection.name, "usedAs": self._use_as}

    # -- downloading ----------------------------------------------------------------------------------
    def _default_root(self) -> Path:
        from ..settings import env

        return Path(env("ARTIFACT_DIR") or "artifacts") / self.name

    def download(self, root: str | os.PathLike[str] | None = None, allow_missing_references: bool = False,
                 skip_cache: bool | None = None, path_prefix: str | os.PathLike[str] | None = None,
                 multipart: bool | None = None, *, allow_unverified_references: bool = False) -> str:
        """Download the files to `root` (default ./artifacts/<name>:<version>), each checked against its
        SHA-256; files already in the local cache are copied from it. Other files in root are left
        alone. Files are fetched several at a time, each in one stream (`multipart` changes nothing).

        A version logged by another user (or whose logger cannot be seen) may hold references that
        read what they chose: file:// paths on this machine and http(s) URLs, whatever checksum they
        carry (its logger wrote that too). Those are refused unless `allow_unverified_references`."""
        self._logged()
        entries = list(self.manifest)
        if path_prefix is not None:
            # A plain string prefix, as in W&B: "data/" takes the directory, "data" takes data.csv too.
            prefix = os.fspath(path_prefix).replace(os.sep, "/").lstrip("/")
            while prefix.startswith("./"):
                prefix = prefix[2:]
            entries = [entry for entry in entries if entry.path.startswith(prefix)]
        target = Path(root) if root is not None else self._default_root()
        target.mkdir(parents=True, exist_ok=True)  # the path returned exists, even for no files
        self._download_entries(entries, target, skip_cache, allow_missing_references,
                               allow_unverified=allow_unverified_references)
        return str(target)

    def _check_references(self, entries: list[ArtifactManifestEntry]) -> None:
        """Refuse, before anything is written, the unverified references of a version someone else logged."""
        risky = [entry for entry in entries if entry.ref is not None and references.unverified(entry)]
        if not risky:
            return
        connection = self._connection()
        found = connection.artifact_logged_by(id=self._logged().id).artifact
        logger = found.logged_by.user if found is not None and found.logged_by is not None else None
        viewer = present(connection.viewer().viewer, "viewer").username
        if logger is not None and logger.username == viewer:
            return
        who = f"user {logger.username!r}" if logger is not None else "a run you cannot see (or without a run)"
        raise PermissionError(
            f"artifact {self.name} was logged by {who} and holds {len(risky)} reference(s) to http(s) URLs, "
            f"local files or bucket objects it does not pin by their ETag (e.g. {risky[0].path!r} -> "
            f"{risky[0].ref_target()}); runbase does not fetch those for you: pass allow_unverified_references=True "
            "to download() if you trust them")

    def _download_entries(self, entries: list[ArtifactManifestEntry], root: str | os.PathLike[str] | None,
                          skip_cache: bool | None, allow_missing_references: bool, *,
                          allow_unverified: bool = False) -> list[str]:
        from .transfer import download_entries

        self._logged()
        if not allow_unverified:
            self._check_references(entries)
        target = Path(root) if root is not None else self._default_root()
        return download_entries(self._connection(), entries, target, self._cache, skip_cache=bool(skip_cache),
                                allow_missing=allow_missing_references)

    def checkout(self, root: str | None = None) -> str:
        """Make `root` hold exactly this version's files: download them and delete everything else there."""
        target = Path(self.download(root))
        keep = {target / entry.path for entry in self.manifest}
        for path in sorted(target.rglob("*"), reverse=True):
            if path.is_file() or path.is_symlink():
                if path not in keep and keep.isdisjoint(path.parents):  # files of a directory reference stay
                    path.unlink()
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
        return str(target)

    def verify(self, root: str | None = None) -> None:
        """Check that `root` holds exactly this version's stored files with their contents; raises
        ValueError naming the first file that is missing, differs or is extra. References are not
        checked, as in W&B."""
        self._logged()
        target = Path(root) if root is not None else self._default_root()
        expected = {entry.path: entry for entry in self.manifest}
        found = {path.relative_to(target).as_posix() for path in target.rglob("*") if path.is_file()} \
            if target.is_dir() else set()
        references = {path for path, entry in expected.items() if entry.ref is not None}
        for path in sorted(expected.keys() | found):
            entry = expected.get(path)
            if entry is None:
                if references.intersection(parent.as_posix() for parent in PurePosixPath(path).parents):
                    continue  # a file of a directory reference
                raise ValueError(f"verification failed: {path} in {target} is not part of artifact {self.name}")
            if entry.ref is not None:
                continue
            if path not in found:
                raise ValueError(f"verification failed: {path} of artifact {self.name} is missing from {target}")
            if digest_of(target / path) != (entry.digest, entry.size):
                raise ValueError(f"verification failed: {path} in {target} differs from artifact {self.name} "
                                 "(its SHA-256 does not match)")

    def file(self, root: str | None = None) -> str:
        """Download an artifact of exactly one file; returns that file's path."""
        self._logged()
        entries = list(self.manifest)
        if len(entries) != 1:
            raise ValueError(f"artifact {self.name!r} holds {len(entries)} files; file() needs exactly one "
                             "(use download())")
        return self._download_entries(entries, root, None, False)[0]

    def __repr__(self) -> str:
        return f"<Artifact {self.qualified_name if self._fields is not None else self._name} ({self._type})>"
