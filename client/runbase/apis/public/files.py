"""Public run files: what Run.files() and Run.file() return, and downloading them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any

from ..._generated.fragments import FileFields
from ...connection import Connection
from ...files import FileClient, check_name
from ..paginator import Counted


class File:
    """A file saved to a run; `download()` streams it to disk and checks its SHA-256."""

    def __init__(self, client: Connection, attrs: dict[str, Any]) -> None:
        self.client = client
        self._attrs = attrs

    @classmethod
    def of(cls, client: Connection, fields: FileFields) -> File:
        return cls(client, fields.model_dump())

    @property
    def name(self) -> str:
        return str(self._attrs["name"])

    @property
    def size(self) -> int:
        return int(self._attrs["size_bytes"])

    @property
    def digest(self) -> str:
        """SHA-256 of the contents, in hexadecimal."""
        return str(self._attrs["digest"])

    @property
    def updated_at(self) -> str:
        return str(self._attrs["updated_at"])

    @property
    def url(self) -> str:
        """Where the contents are served: a URL signed for this API key's user, as W&B's File.url is, that needs no
        key for an hour."""
        return FileClient(self.client).absolute(self._attrs["url"])

    def download(self, root: str | os.PathLike[str] = ".", replace: bool = False,
                 exist_ok: bool = False) -> IO[str]:
        """Write the file to root/name and return it open for reading; an existing file is an
        error unless `replace` (download again) or `exist_ok` (keep it)."""
        target = Path(root) / check_name(self.name)
        if target.exists() and not replace:
            if not exist_ok:
                raise ValueError(f"{target} already exists: pass replace=True to overwrite it or exist_ok=True to "
                                 "keep it")
        else:
            FileClient(self.client).download(self._attrs["url"], target, self.digest)
        return open(target)  # noqa: SIM115 - W&B returns the open file

    def __repr__(self) -> str:
        return f"<File {self.name} ({self.size} bytes)>"


class Files(Counted[File]):
    """A run's files, fetched a page at a time: all of them, exact `names`, or a LIKE `pattern` ("%.json")."""

    def __init__(self, client: Connection, entity: str, project: str, run_id: str, *, names: list[str] | None = None,
                 per_page: int = 50, pattern: str | None = None) -> None:
        super().__init__(per_page)
        if names is not None and pattern is not None:
            raise ValueError("pass either names or pattern to files(), not both")
        if names is not None and (isinstance(names, str) or not all(isinstance(n, str) for n in names)):
            raise ValueError("names must be a list of strings")
        self.client = client
        self.entity = entity
        self.project = project
        self.run_id = run_id
        self.names = list(names) if names else None
        self.pattern = pattern

    def _page(self, first: int, after: str | None) -> Any:
        found = self.client.run_files(entity=self.entity, project=self.project, run=self.run_id, names=self.names,
                                      pattern=self.pattern, first=first, after=after).project
        if found is None or found.run is None:
            raise ValueError(f"no run {self.entity}/{self.project}/{self.run_id} (or no access to it)")
        return found.run.files

    def _wrap(self, node: FileFields) -> File:
        return File.of(self.client, node)

    def __repr__(self) -> str:
        return f"<Files {self.entity}/{self.project}/{self.run_id}>"
