"""The GraphQL side of the official wandb client moving an artifact version's files. Downloads: a version's
W&B manifest (Artifact.currentManifest) and its files (ArtifactCollectionMembership.files) behind URLs signed
for the viewer (artifacts/downloads.py). Uploads, logging a version: createArtifactFiles and
createArtifactManifest / updateArtifactManifest hand out upload URLs (runs/uploads.py) for a PENDING version's
files and its W&B manifest, which the PUTs bring (http/wandb_routes.py), a large file's in parts that
completeMultipartUploadArtifact puts together (artifacts/multipart.py); commitArtifact then makes the version's
entries what the manifest lists (versions.commit). schema.py mixes ArtifactUploadMutations into Mutation."""

from __future__ import annotations

from enum import Enum

import anyio.from_thread
import strawberry

from .. import pagination
from ..artifacts import downloads, manifests, multipart, stores, versions
from ..runs import uploads
from ..settings import of_session
from ..tables import Artifact as ArtifactRow
from ..tables import ArtifactEntry as EntryRow
from ..tables import utcnow
from .artifacts import Artifact
from .base import DateTime, Info, Int64, PageInfo, given
from .files import File, FileConnection, FileEdge, UploadMultipartUrls, UploadUrlPart


@strawberry.enum
class ArtifactManifestType(Enum):
    FULL = "FULL"
    INCREMENTAL = "INCREMENTAL"
    PATCH = "PATCH"


@strawberry.enum
class ArtifactStorageLayout(Enum):
    V1 = "V1"
    V2 = "V2"


@strawberry.type
class ArtifactManifest:
    """A version's manifest, one per version (its id is the version's)."""

    id: strawberry.ID
    type: ArtifactManifestType
    file: File

    @classmethod
    def download(cls, info: Info, version: versions.Version) -> ArtifactManifest:
        """A committed version's manifest, its file's directUrl signed for the viewer."""
        file = _download(info, version.artifact, manifests.NAME, None)
        return cls(id=strawberry.ID(str(version.artifact.id)), type=ArtifactManifestType.FULL, file=file)


def _download(info: Info, artifact: ArtifactRow, name: str, entry: EntryRow | None) -> File:
    """A version's file (the manifest when `entry` is None) with a directUrl signed for the viewer."""
    ctx = info.context
    grant = downloads.Grant(ctx.viewer.user_id, artifact.id, None if entry is None else entry.path)
    url = downloads.url(of_session(ctx.session.info), grant, base_url=ctx.base_url)
    size, digest = (0, "") if entry is None else (entry.size or 0, entry.md5 or entry.digest or entry.sha256 or "")
    return File(id=strawberry.ID(f"{artifact.id}:{name}"), name=name, size_bytes=Int64(size), digest=digest,
                updated_at=DateTime(artifact.updated_at or artifact.created_at), link=url, direct_url=url,
                storage_path=name, known_md5=None if entry is None else entry.md5)


def download_files(info: Info, version: versions.Version, names: list[str] | None, first: int | None,
                   after: str | None) -> FileConnection:
    """A page of a version's manifest entries (those named, where `names` is given) as W&B's client downloads
    them: named by path, each with a signed directUrl (a reference's answers that it is not stored here; the
    client reads references itself). W&B's client asks for 5000 a page and follows hasNextPage: a page holds at
    most pagination.MAX_PAGE."""
    session, artifact = info.context.session, version.artifact
    first = None if first is None else min(first, pagination.MAX_PAGE)
    page = info.context.charged(versions.files(session, artifact, names, first, after=after), "files")
    return FileConnection(edges=[FileEdge(node=_download(info, artifact, entry.path, entry), cursor=cursor)
                                 for entry, cursor in zip(page.items, page.cursors())],
                          page_info=PageInfo.of(page), counted=lambda: versions.count_files(session, artifact, names))


def _slot(info: Info, artifact: ArtifactRow, name: str, upload_url: str, digest: str = "",
          parts: UploadMultipartUrls | None = None) -> File:
    """A file to PUT: `digest` is the MD5 it was declared with; `parts`, where to PUT its parts instead."""
    return File(id=strawberry.ID(f"{artifact.id}:{name}"), name=name, size_bytes=Int64(0), digest=digest,
                updated_at=DateTime(utcnow()), link=versions.path_url(artifact, name), upload_url=upload_url,
                storage_path=name, known_md5=digest or None, upload_multipart_urls=parts,
                artifact=Artifact.of(versions.Version(artifact, artifact.collection, None)))


def _parts(info: Info, artifact: ArtifactRow, spec: CreateArtifactFileSpecInput) -> UploadMultipartUrls | None:
    """A multipart upload of the file, when the client cut it into parts."""
    parts = given(spec.upload_parts_input)
    if not parts:
        return None
    ctx = info.context
    upload_id, urls = multipart.start(of_session(ctx.session.info), artifact, ctx.viewer.user_id, spec.name,
                                      spec.md5, [(int(part.part_number), part.hex_md5) for part in parts],
                                      base_url=ctx.base_url)
    return UploadMultipartUrls(upload_id=upload_id, upload_url_parts=[
        UploadUrlPart(part_number=part.part_number, upload_url=url) for part, url in zip(parts, urls)])


def _manifest(info: Info, artifact_id: object, name: str | None, include_upload: bool = True) -> ArtifactManifest:
    ctx = info.context
    artifact = versions.pending_writable(ctx.session, ctx.viewer, artifact_id)
    name = name or manifests.NAME
    url = uploads.manifest_url(of_session(ctx.session.info), artifact, ctx.viewer.user_id, name,
                               base_url=ctx.base_url)
    kind = ArtifactManifestType.INCREMENTAL if artifact.manifest_incremental else ArtifactManifestType.FULL
    return ArtifactManifest(id=strawberry.ID(str(artifact.id)), type=kind,
                            file=_slot(info, artifact, name, url))


@strawberry.input
class CreateArtifactManifestInput:
    """W&B's input: the entity, project and run are the version's already. A manifest is FULL (it lists every
    entry) or INCREMENTAL (the base version's entries stay where it lists none); PATCH is read as FULL."""

    artifact_id: strawberry.ID = strawberry.field(name="artifactID")
    name: str
    digest: str
    entity_name: str | None = strawberry.UNSET
    project_name: str | None = strawberry.UNSET
    run_name: str | None = strawberry.UNSET
    base_artifact_id: strawberry.ID | None = strawberry.field(default=strawberry.UNSET, name="baseArtifactID")
    type: ArtifactManifestType | None = strawberry.UNSET
    include_upload: bool | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class UpdateArtifactManifestInput:
    artifact_manifest_id: strawberry.ID = strawberry.field(name="artifactManifestID")
    digest: str | None = strawberry.UNSET
    base_artifact_id: strawberry.ID | None = strawberry.field(default=strawberry.UNSET, name="baseArtifactID")
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.type
class ArtifactManifestPayload:
    artifact_manifest: ArtifactManifest


@strawberry.input
class UploadPartsInput:
    part_number: Int64
    hex_md5: str = strawberry.field(name="hexMD5")


@strawberry.input
class CreateArtifactFileSpecInput:
    artifact_id: strawberry.ID = strawberry.field(name="artifactID")
    name: str
    md5: str
    mimetype: str | None = strawberry.UNSET
    artifact_manifest_id: strawberry.ID | None = strawberry.field(default=strawberry.UNSET,
                                                                 name="artifactManifestID")
    upload_parts_input: list[UploadPartsInput] | None = strawberry.UNSET


@strawberry.input
class CreateArtifactFilesInput:
    artifact_files: list[CreateArtifactFileSpecInput]
    storage_layout: ArtifactStorageLayout | None = strawberry.UNSET
    cloud_region_id: strawberry.ID | None = strawberry.field(default=strawberry.UNSET, name="cloudRegionID")
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.type
class CreateArtifactFilesPayload:
    files: FileConnection


@strawberry.enum
class CompleteMultipartAction(Enum):
    Complete = "Complete"  # W&B's spelling


@strawberry.input
class CompleteMultipartUploadArtifactInput:
    complete_multipart_action: CompleteMultipartAction
    completed_parts: list[UploadPartsInput]
    artifact_id: strawberry.ID = strawberry.field(name="artifactID")
    storage_path: str
    upload_id: str = strawberry.field(name="uploadID")
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.type
class CompleteMultipartUploadArtifactPayload:
    digest: str | None


@strawberry.type
class ArtifactUploadMutations:
    @strawberry.mutation
    def create_artifact_manifest(self, info: Info,
                                 input: CreateArtifactManifestInput) -> ArtifactManifestPayload | None:
        i, ctx = given(input), info.context
        versions.set_manifest_base(ctx.session, ctx.viewer, i.artifact_id, i.base_artifact_id,
                                   incremental=i.type == ArtifactManifestType.INCREMENTAL)
        return ArtifactManifestPayload(artifact_manifest=_manifest(info, i.artifact_id, i.name))

    @strawberry.mutation
    def update_artifact_manifest(self, info: Info,
                                 input: UpdateArtifactManifestInput) -> ArtifactManifestPayload | None:
        i, ctx = given(input), info.context
        if i.base_artifact_id is not None:
            artifact = versions.pending_writable(ctx.session, ctx.viewer, i.artifact_manifest_id)
            versions.set_manifest_base(ctx.session, ctx.viewer, i.artifact_manifest_id, i.base_artifact_id,
                                       incremental=artifact.manifest_incremental)
        return ArtifactManifestPayload(artifact_manifest=_manifest(info, i.artifact_manifest_id, None))

    @strawberry.mutation
    def create_artifact_files(self, info: Info, input: CreateArtifactFilesInput) -> CreateArtifactFilesPayload | None:
        ctx, specs = info.context, input.artifact_files
        settings, slots = of_session(ctx.session.info), []
        for artifact_id in dict.fromkeys(spec.artifact_id for spec in specs):
            mine = [spec for spec in specs if spec.artifact_id == artifact_id]
            named = [(spec.name, manifests.check_md5(spec.md5, f"file {spec.name!r}: md5")) for spec in mine]
            artifact = versions.pending_writable(ctx.session, ctx.viewer, artifact_id)
            urls = uploads.artifact_urls(settings, artifact, ctx.viewer.user_id, named, base_url=ctx.base_url)
            slots += [_slot(info, artifact, path, url, md5, _parts(info, artifact, spec))
                      for (path, md5), url, spec in zip(named, urls, mine)]
        return CreateArtifactFilesPayload(files=FileConnection(
            edges=[FileEdge(node=slot, cursor=str(index)) for index, slot in enumerate(slots)],
            page_info=PageInfo(end_cursor=None, has_next_page=False), counted=lambda: len(slots)))

    @strawberry.mutation
    def complete_multipart_upload_artifact(self, info: Info, input: CompleteMultipartUploadArtifactInput
                                           ) -> CompleteMultipartUploadArtifactPayload | None:
        """Put the parts together (on the event loop, the version not held meanwhile), then attach the file."""
        ctx, i = info.context, given(input)
        settings = of_session(ctx.session.info)
        upload = multipart.verify(settings, i.upload_id, user_id=ctx.viewer.user_id, artifact_id=i.artifact_id,
                                  path=i.storage_path)
        versions.pending_writable(ctx.session, ctx.viewer, upload.artifact_id, lock=False)
        store = stores.store_for(settings)
        stored = anyio.from_thread.run(multipart.assemble, store, upload,
                                       [(int(part.part_number), part.hex_md5) for part in i.completed_parts],
                                       settings.max_file_bytes)
        versions.save_upload(ctx.session, ctx.viewer, upload.artifact_id, path=upload.path, sha256=stored.sha256,
                             size=stored.size, md5=stored.md5)
        store.delete_parts(upload.key, upload.parts)
        return CompleteMultipartUploadArtifactPayload(digest=stored.md5)
