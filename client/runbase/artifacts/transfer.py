"""Moving artifact contents: uploading a draft (an ArtifactJob) and downloading a version's files.

An upload sends the blobs the server does not have yet (HEAD, then PUT /files/blobs/{sha256}),
then createArtifact, addArtifactFiles in batches of 1000 and commitArtifact. The job remembers
which steps are done, so after a failure it goes on from where it stopped; replaying a whole job
(`runbase sync`) is harmless too, since the server drops a version whose digest it already has.

A live run's jobs go through its uploader (runbase.uploads) beside its sender."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .._generated.fragments import ArtifactFields
from .._generated.input_types import (
    AddArtifactFilesInput,
    CommitArtifactInput,
    CreateArtifactInput,
    UseArtifactInput,
)
from ..errors import CommError, present
from ..files import SMALL_FILE_BYTES, WORKERS, FileClient, bundles, digest_of
from . import references
from .cache import ArtifactCache
from .manifest import ArtifactManifestEntry
from .names import check_path

if TYPE_CHECKING:
    from ..connection import Connection
    from ..settings import Settings
    from .artifact import Artifact

MAX_FILES_PER_REQUEST = 1000
PROGRESS_MIN_BYTES = 50 * 2**20
PROGRESS_SECONDS = 1.0
MB = 2**20
T = TypeVar("T")


# CreateArtifactInput's keys before it took W&B's shape, as record logs written offline then still hold them.
_OLD_CREATE_KEYS = {"typeName": "artifactTypeName", "collectionName": "artifactCollectionName",
                    "distributedId": "distributedID", "artifactId": "artifactID"}


def _current_create(create: dict[str, Any]) -> dict[str, Any]:
    """A record's CreateArtifactInput fields as this SDK writes them: an older log's keys renamed, and its aliases
    (then bare names) given with the sequence they are in, so that `runbase sync` still sends it."""
    fields = {_OLD_CREATE_KEYS.get(key, key): value for key, value in create.items()}
    aliases = fields.get("aliases")
    if isinstance(aliases, list):
        fields["aliases"] = [{"alias": alias, "artifactCollectionName": fields.get("artifactCollectionName")}
                             if isinstance(alias, str) else alias for alias in aliases]
    return fields


@dataclass(eq=False)
class ArtifactJob:
    """One draft on its way to the server, and how far it got."""

    create: dict[str, Any]  # CreateArtifactInput fields but the entity, project and run
    entries: list[ArtifactManifestEntry]
    commit: bool = True  # False for upsert_artifact: the version stays PENDING for more files
    use: bool = False  # logged for use_artifact(): no "logged by", then used by the run
    number: int = -1  # its place among the artifacts of the run's record log
    client: Connection | None = None
    blobs_sent: bool = False
    artifact_id: str | None = None
    batches_added: int = 0
    commit_sent: bool = False
    used: bool = False
    result: ArtifactFields | None = None
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)

    @property
    def label(self) -> str:
        return f"{self.create['artifactCollectionName']} ({self.create['artifactTypeName']})"

    @property
    def what(self) -> str:
        return f"artifact {self.label}"

    def upload(self, connection: Connection, identity: dict[str, Any], *, silent: bool) -> ArtifactFields:
        return upload(connection, self, identity, silent=silent)

    def record(self) -> dict[str, Any]:
        return {"create": self.create, "entries": [entry.record() for entry in self.entries], "commit": self.commit,
                "use": self.use}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> ArtifactJob:
        return cls(_current_create(record["create"]), [ArtifactManifestEntry.from_record(e) for e in record["entries"]],
                   commit=record["commit"], use=record["use"], number=record.get("n", -1))

    def settle(self, result: ArtifactFields | None = None, error: BaseException | None = None) -> None:
        self.result, self.error = result, error
        self.done.set()


class Progress:
    """A stderr line about an upload of more than ~50 MB, at most once a second; none when the upload's
    own run (or, without one, the environment's SILENT) is silent."""

    def __init__(self, label: str, total: int, *, silent: bool) -> None:
        self.label, self.total, self.silent = label, total, silent
        self.sent = 0
        self.printed = 0.0
        self.lock = threading.Lock()

    def add(self, count: int) -> None:
        with self.lock:
            self.sent += count
            now = time.monotonic()
            if now - self.printed >= PROGRESS_SECONDS:
                self.printed = now
                self._print()

    def _print(self) -> None:
        if self.silent:
            return
        sent = min(self.sent, self.total)
        print(f"runbase: uploading artifact {self.label}: {sent / MB:.1f} of {self.total / MB:.1f} MB",
              file=sys.stderr, flush=True)

    def finish(self) -> None:
        with self.lock:
            self.sent = self.total
            self._print()


def _send_blobs(files: FileClient, entries: list[ArtifactManifestEntry], label: str, *, silent: bool) -> None:
    """Upload the stored files whose blobs the server does not hold for this user."""
    unique = {entry.digest: entry for entry in entries
              if entry.ref is None and entry.local_path is not None and entry.digest is not None}
    held = files.held(list(unique))
    missing = [entry for digest, entry in unique.items() if digest not in held]
    for entry in missing:
        if not os.path.isfile(entry.local_path):  # type: ignore[arg-type]
            raise CommError(f"cannot upload {entry.path!r} of artifact {label}: its local copy {entry.local_path} "
                            "is gone")
    total = sum(entry.size or 0 for entry in missing)
    progress = Progress(label, total, silent=silent) if total > PROGRESS_MIN_BYTES else None
    files.send([(entry.local_path, entry.digest, entry.size or 0) for entry in missing],  # type: ignore[misc]
               progress.add if progress else None)
    if progress is not None:
        progress.finish()


def _settle_local_copies(entries: list[ArtifactManifestEntry], cache: ArtifactCache) -> None:
    """After an upload: drop private staging copies, link immutable files into the cache unless told not to."""
    for entry in entries:
        if entry.ref is not None or entry.local_path is None or entry.digest is None:
            continue
        try:
            if entry.policy == "mutable" and entry.skip_cache:
                os.unlink(entry.local_path)
            elif entry.policy == "immutable" and not entry.skip_cache:
                cache.add(entry.local_path, entry.digest)
        except OSError:
            pass  # a cache is an optimization: the upload is done


def upload(connection: Connection, job: ArtifactJob, identity: dict[str, Any], *, silent: bool) -> ArtifactFields:
    """Run (or go on with) a job; identity holds entityName, projectName and runName (None without a run);
    `silent` is the SILENT setting of the run (or process) the upload belongs to."""
    if not job.blobs_sent:
        _send_blobs(FileClient(connection), job.entries, job.label, silent=silent)
        job.blobs_sent = True
    if job.artifact_id is None:
        run = identity.get("runName") if not job.use else None
        answer = connection.create_artifact(CreateArtifactInput.model_validate({
            **job.create, "entityName": identity.get("entityName"), "projectName": identity["projectName"],
            "runName": run})).create_artifact
        created = present(answer, "artifact").artifact
        job.artifact_id, job.result = created.id, created
    batches = [job.entries[start:start + MAX_FILES_PER_REQUEST]
               for start in range(0, len(job.entries), MAX_FILES_PER_REQUEST)]
    while job.batches_added < len(batches):
        files = json.dumps([entry.server_json() for entry in batches[job.batches_added]])
        connection.add_artifact_files(AddArtifactFilesInput(artifact_id=job.artifact_id, files=files))
        job.batches_added += 1
    if job.commit and job.commit_sent and job.result is not None and job.result.state != "COMMITTED":
        # The answer to an earlier commit was lost: see what became of the version.
        found = connection.artifact_by_id(id=job.artifact_id).artifact
        if found is None:  # dropped for a committed twin: build it again, and the commit answers with the twin
            job.artifact_id, job.batches_added, job.commit_sent = None, 0, False
            return upload(connection, job, identity, silent=silent)
        job.result = found
    if job.commit and job.result is not None and job.result.state != "COMMITTED":
        job.commit_sent = True
        committed = connection.commit_artifact(CommitArtifactInput(artifact_id=job.artifact_id))
        job.result = present(committed.commit_artifact, "artifact").artifact
    assert job.result is not None
    if job.use and not job.used:
        connection.use_artifact(UseArtifactInput.model_validate({
            "entityName": identity.get("entityName"), "projectName": identity["projectName"],
            "runName": identity["runName"], "artifactID": job.result.id}))
        job.used = True
    _settle_local_copies(job.entries, ArtifactCache())
    return job.result


def save_without_run(artifact: Artifact, project: str | None, settings: Settings | None) -> None:
    """Artifact.save() outside a run: log the draft through the Public API, without lineage, and wait."""
    from ..apis.public import Api
    from ..settings import env_setting

    overrides: dict[str, Any] = {}
    api_key = None
    if settings is not None:
        given = settings.as_dict()  # what is set: base_url's default is not to hide the settings files' one
        overrides = {key: given[key] for key in ("base_url", "entity", "project") if given.get(key)}
        api_key = settings.api_key
    api = Api(overrides=overrides, api_key=api_key)
    project = project or api.settings.get("project") or "uncategorized"
    job = artifact._start_job(api.client, api.default_entity, project, commit=True, use=False)
    identity = {"entityName": api.default_entity, "projectName": project, "runName": None}
    try:
        silent = settings.silent if settings is not None and "silent" in settings.as_dict() else env_setting("silent")
        job.settle(upload(api.client, job, identity, silent=bool(silent)))
    except BaseException as exc:
        job.settle(error=exc)
        raise
    artifact.wait()


def _present(entry: ArtifactManifestEntry, target: Path) -> bool:
    """Whether the file is already downloaded, intact."""
    return (entry.ref is None and target.is_file() and target.stat().st_size == entry.size
            and digest_of(target)[0] == entry.digest)


def _download_one(files: FileClient, entry: ArtifactManifestEntry, root: Path, cache: ArtifactCache, *,
                  skip_cache: bool, allow_missing: bool) -> str | None:
    target = root / check_path(entry.path)
    if entry.ref is not None:
        return str(target) if references.download(entry, target, allow_missing) else None
    assert entry.digest is not None
    if _present(entry, target):
        return str(target)
    if not skip_cache and cache.copy_out(entry.digest, target):
        return str(target)
    if entry.url is None:
        raise ValueError(f"{entry.path!r} has no download URL: fetch the artifact from the server again")
    if skip_cache:
        files.download(entry.url, target, entry.digest)
    else:
        files.download(entry.url, cache.path(entry.digest), entry.digest)
        cache.copy_fresh(entry.digest, target)
    return str(target)


def _bundle_url(entry: ArtifactManifestEntry) -> str | None:
    """The bundle route of the version an entry's URL points into (/files/artifacts/ID/PATH)."""
    parts = (entry.url or "").split("/")
    return "/".join(parts[:4]) + "/bundle" if len(parts) > 4 and parts[1:3] == ["files", "artifacts"] else None


def download_entries(connection: Connection, entries: list[ArtifactManifestEntry], root: Path, cache: ArtifactCache,
                     *, skip_cache: bool, allow_missing: bool) -> list[str]:
    """Download entries below `root`, several requests at a time, small files in bundles; returns their local
    paths (missing references left out when allowed)."""
    for entry in entries:
        if entry.ref is not None:
            references.check_fetchable(entry, allow_missing)  # refuse before anything is written
    files = FileClient(connection)
    bundled: dict[str, list[ArtifactManifestEntry]] = {}
    placed, alone = [], []
    for entry in entries:
        url = _bundle_url(entry) if entry.ref is None and (entry.size or 0) <= SMALL_FILE_BYTES else None
        target = root / check_path(entry.path)
        if url is None:
            alone.append(entry)  # large files and references: _download_one
        elif _present(entry, target) or (
                not skip_cache and cache.copy_out(present(entry.digest, f"digest for {entry.path!r}"), target)):
            placed.append(str(target))
        else:
            bundled.setdefault(url, []).append(entry)

    def fetch_bundle(url: str, group: list[ArtifactManifestEntry]) -> None:
        digests = {entry.path: present(entry.digest, f"digest for {entry.path!r}") for entry in group}
        where = {path: (digest, root / check_path(path) if skip_cache else cache.path(digest))
                 for path, digest in digests.items()}
        files.download_bundle(url, where)
        if not skip_cache:
            for path, digest in digests.items():
                cache.copy_fresh(digest, root / check_path(path))

    with ThreadPoolExecutor(WORKERS) as pool:
        jobs = [pool.submit(fetch_bundle, url, group) for url, entries_of in bundled.items()
                for group in bundles(entries_of, lambda e: e.size or 0)]
        paths = list(pool.map(lambda e: _download_one(files, e, root, cache, skip_cache=skip_cache,
                                                      allow_missing=allow_missing), alone))
        for job in jobs:
            job.result()
    paths += placed + [str(root / check_path(entry.path)) for group in bundled.values() for entry in group]
    return [path for path in paths if path is not None]
