"""The GraphQL layer of run files: File, Run.files/Run.file and upsertRunFiles, as thin
resolvers over files.py. schema.py mixes RunFiles into Run and FileMutations into Mutation;
the contents travel over HTTP (file_routes.py), never through GraphQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import strawberry

from ..artifacts import downloads
from ..errors import UserError
from ..runs import files, runs, uploads
from ..settings import of_session
from ..tables import Run as RunRow
from ..tables import RunFile as RunFileRow
from .base import DateTime, Info, Int64, JSONString, PageInfo, given

if TYPE_CHECKING:
    from .artifacts import Artifact


@strawberry.type
class UploadUrlPart:
    part_number: Int64
    upload_url: str


@strawberry.type
class UploadMultipartUrls:
    upload_id: str = strawberry.field(name="uploadID")
    upload_url_parts: list[UploadUrlPart]


@strawberry.type
class File:
    """A run's file, or a slot for uploading an artifact version's file (createArtifactFiles,
    createArtifactManifest): then `uploadUrl` takes its contents and `artifact` is the version."""

    id: strawberry.ID
    name: str
    size_bytes: Int64
    digest: str
    updated_at: DateTime
    link: strawberry.Private[str]  # what url answers
    run_file: strawberry.Private[RunFileRow | None] = None
    known_md5: strawberry.Private[str | None] = None  # an artifact file's, where one is known
    upload_url: str | None = None
    upload_headers: list[str] = strawberry.field(default_factory=list)
    storage_path: str | None = None
    direct_url: str | None = None
    upload_multipart_urls: UploadMultipartUrls | None = None  # a large file's parts (artifacts/multipart.py)
    artifact: Annotated[Artifact, strawberry.lazy("runbase_server.graphql.artifacts")] | None = None

    @classmethod
    def of(cls, info: Info, run: RunRow, row: RunFileRow) -> File:
        """A run's file, its URLs signed for the viewer."""
        ctx = info.context
        url = downloads.url(of_session(ctx.session.info), downloads.Grant(ctx.viewer.user_id, None, row.name, run.id),
                            base_url=ctx.base_url)
        return cls(id=strawberry.ID(f"{run.id}:{row.name}"), name=row.name, size_bytes=Int64(row.size),
                   digest=row.sha256, updated_at=DateTime(row.updated_at), link=url, direct_url=url, run_file=row)

    @strawberry.field
    def display_name(self) -> str:
        return self.name

    @strawberry.field
    def url(self, info: Info, upload: bool | None = strawberry.UNSET) -> str:
        if not given(upload):
            return self.link
        if self.run_file is None:
            if self.upload_url is None:
                raise UserError(f"{self.name!r} is an artifact version's file: it takes no upload")
            return self.upload_url
        ctx, run = info.context, self.run_file.run
        writable = runs.writable(ctx.session, ctx.viewer, run.project.entity.name, run.project.name, name=run.name)
        [(_, made)] = uploads.urls(of_session(ctx.session.info), writable, ctx.viewer.user_id, [self.name],
                                   base_url=ctx.base_url)
        return made

    @strawberry.field
    def md5(self, info: Info) -> str | None:
        return self.known_md5 if self.run_file is None else files.md5(info.context.session, self.run_file)

    @strawberry.field
    def mimetype(self) -> str:
        return files.mimetype(self.name)


@strawberry.type
class FileEdge:
    node: File
    cursor: str


@strawberry.type
class FileConnection:
    edges: list[FileEdge]
    page_info: PageInfo
    counted: strawberry.Private[Callable[[], int]]

    @strawberry.field
    def total_count(self) -> int:
        return self.counted()


@strawberry.type
class RunFiles:
    """Run's file fields; Run carries the row they read."""

    row: strawberry.Private[RunRow]

    @strawberry.field
    def file_count(self, info: Info) -> int:
        return files.count(info.context.session, self.row, None, None)

    @strawberry.field
    def files(self, info: Info, names: list[str | None] | None = strawberry.UNSET,
              pattern: str | None = strawberry.UNSET,
              *, first: int | None = strawberry.UNSET, after: str | None = strawberry.UNSET) -> FileConnection:
        names, pattern = given(names), given(pattern)
        page = info.context.charged(files.page(info.context.session, self.row, names, pattern, first=given(first),
                                               after=given(after)), "files")
        return FileConnection(
            edges=[FileEdge(node=File.of(info, self.row, row), cursor=c) for row, c in zip(page.items, page.cursors())],
            page_info=PageInfo.of(page),
            counted=lambda: files.count(info.context.session, self.row, names, pattern))

    @strawberry.field
    def file(self, info: Info, name: str) -> File | None:
        row = files.get(info.context.session, self.row, name)
        return None if row is None else File.of(info, self.row, row)


@strawberry.input
class UpsertRunFilesInput:
    project_name: str
    run_name: str
    files: JSONString
    entity_name: str | None = strawberry.UNSET


@strawberry.type
class UpsertRunFilesPayload:
    files: list[File]


@strawberry.input
class CreateRunFilesInput:
    project_name: str
    run_name: str
    files: list[str]
    entity_name: str | None = strawberry.UNSET


@strawberry.type
class RunFileUpload:
    name: str
    upload_url: str


@strawberry.type
class CreateRunFilesPayload:
    run_id: strawberry.ID = strawberry.field(name="runID")
    upload_headers: list[str]
    files: list[RunFileUpload]


@strawberry.type
class FileMutations:
    @strawberry.mutation
    def upsert_run_files(self, info: Info, input: UpsertRunFilesInput) -> UpsertRunFilesPayload | None:
        input = given(input)
        ctx = info.context
        rows = files.upsert(ctx.session, ctx.viewer, input.entity_name, input.project_name,
                            run_name=input.run_name, files=input.files)
        return UpsertRunFilesPayload(files=[File.of(info, row.run, row) for row in rows])

    @strawberry.mutation
    def create_run_files(self, info: Info, input: CreateRunFilesInput) -> CreateRunFilesPayload | None:
        input = given(input)
        ctx = info.context
        run = runs.writable(ctx.session, ctx.viewer, input.entity_name, input.project_name, name=input.run_name)
        made = uploads.urls(of_session(ctx.session.info), run, ctx.viewer.user_id, input.files, base_url=ctx.base_url)
        return CreateRunFilesPayload(run_id=strawberry.ID(str(run.id)), upload_headers=[],
                                     files=[RunFileUpload(name=name, upload_url=url) for name, url in made])
