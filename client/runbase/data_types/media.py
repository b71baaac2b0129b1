"""What every rich value has in common: a value that `run.log` and `Artifact.add` store as files (an image's
PNG, a table's JSON) plus a small JSON descriptor that the history row, the summary or a table cell holds,
in W&B's format, so that code written against W&B's Public API reads them unchanged.

Where the files go is a `MediaStore`'s business: a run names them after the key and step they were logged
at (`media/images/KEY_STEP_SHA20.png`) and uploads them in the background; an artifact names them after
their contents (`media/images/SHA20.png`) and adds them to its draft. Reading back goes the other way
through a `MediaSource`, which finds a descriptor's path on disk."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

if TYPE_CHECKING:
    from ..artifacts.artifact import Artifact

HASH_CHARS = 20  # the leading hex characters of a file's SHA-256 that its stored name carries


class MediaStore(Protocol):
    """Where a rich value's files are stored while it is turned into its descriptor."""

    is_artifact: bool  # W&B writes some values differently into an artifact (a Table: its whole JSON)

    def add(self, source: Path, *, subdir: str, extension: str, digest: str, is_tmp: bool) -> str:
        """Store the file; the path (relative to the run's files or the artifact's root) descriptors name it by.
        `subdir` is below `media/` ("images", "images/mask"); `extension` starts with a dot (".mask.png")."""
        ...

    def for_cells(self) -> MediaStore:
        """The store for the values inside a table: files named after their contents
        (`media/SUBDIR/SHA20EXT`), so that a table's JSON is the same bytes in a run and in an artifact."""
        ...

    def class_labels(self, kind: str, layer: str, labels: Mapping[int, str]) -> None:
        """Record the class names of an image's layer (`kind` "mask/class_labels" or
        "bounding_box/class_labels"): a run keeps them in its config, as W&B does; elsewhere they go nowhere."""
        ...


class MediaSource(Protocol):
    """Where a logged value's files are read back from."""

    def local_path(self, path: str) -> Path:
        """The file a descriptor's `path` names, on disk (downloaded first where needed)."""
        ...


@dataclass(frozen=True)
class MediaFile:
    path: Path
    digest: str  # SHA-256, hex
    size: int
    extension: str  # with its dot: ".png", ".table.json"
    is_tmp: bool  # made by runbase (from an array, say) in tmp_path(): linked into place rather than copied


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        for chunk in iter(lambda: source.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def media_file(path: str | os.PathLike[str], *, is_tmp: bool, extension: str | None = None) -> MediaFile:
    """A file that a rich value is stored as, hashed now: later edits to a user's file do not change what
    was logged. `extension` defaults to the file's own."""
    local = Path(path)
    if not local.is_file():
        raise FileNotFoundError(f"no file at {os.fspath(path)!r}")
    if extension is None:  # a user's file: its own extension, in lower case (".PNG" is a PNG)
        extension = ("".join(local.suffixes[-2:]) if local.name.endswith((".pts.json", ".table.json"))
                     else local.suffix).lower()
    return MediaFile(local, sha256_of(local), local.stat().st_size, extension, is_tmp)


class WBValue:
    """Any rich value run.log stores (Media, Table, Histogram, ...), named as in W&B: it knows its descriptor."""

    log_type: ClassVar[str]

    def to_json(self, store: MediaStore) -> dict[str, Any]:
        raise NotImplementedError


class Media(WBValue):
    """A rich value stored as one file. Subclasses set `log_type` (the descriptor's `_type`) and `subdir`
    (below `media/`), call `_set_file` once they have a file, and add their own fields in `_fields`."""

    subdir: ClassVar[str]
    _file: MediaFile | None = None
    _caption: str | None = None

    def _set_file(self, path: str | os.PathLike[str], *, is_tmp: bool, extension: str | None = None) -> None:
        self._file = media_file(path, is_tmp=is_tmp, extension=extension)

    def _fields(self, store: MediaStore) -> dict[str, Any]:
        """Fields of the descriptor beyond the common ones (an image's width and height, say)."""
        return {}

    def to_json(self, store: MediaStore) -> dict[str, Any]:
        """The descriptor, with the file stored by `store`."""
        if self._file is None:
            raise ValueError(f"this {type(self).__name__} has no file to store")
        described: dict[str, Any] = {} if self._caption is None else {"caption": self._caption}
        described.update({"_type": self.log_type, "sha256": self._file.digest, "size": self._file.size,
                          "path": store.add(self._file.path, subdir=self.subdir, extension=self._file.extension,
                                            digest=self._file.digest, is_tmp=self._file.is_tmp)})
        described.update(self._fields(store))
        return described

    @classmethod
    def from_json(cls, described: Mapping[str, Any], source: MediaSource) -> Any:
        """The value a descriptor names, rebuilt from its file (for the types made from a path and a caption;
        the others override this)."""
        return cls(source.local_path(described["path"]), caption=described.get("caption"))  # type: ignore[call-arg]

    @classmethod
    def seq_to_json(cls, items: list[Media], store: MediaStore) -> dict[str, Any]:
        """The descriptor of a list of values of this class logged under one key; W&B batches some types
        (images/separated, audio, videos, ...): those override this."""
        raise NotImplementedError(f"lists of {cls.__name__} are logged one descriptor each")

    @property
    def sha256(self) -> str | None:
        return None if self._file is None else self._file.digest

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._file is not None and other._file is not None \
            and self._file.digest == other._file.digest and self._caption == other._caption

    __hash__ = None  # type: ignore[assignment]


MAX_PART_CHARS = 120  # of one folder or file name made from a key: file systems allow 255 bytes
MAX_KEY_CHARS = 600  # of the folders and name made from a key, leaving room in a run file's 1,024


def safe_key(key: str) -> str:
    """A logged key as part of a file name: slashes make folders, as in W&B, but no part may climb out, hold
    a character a run file's name may not (control characters become "_"), or be too long for a file system
    (a long part keeps its start and a checksum of the whole)."""
    parts = []
    for part in key.replace("\\", "/").split("/"):
        if not part:
            continue
        part = "_" * len(part) if part in (".", "..") else "".join("_" if ord(c) < 32 or ord(c) == 127 else c
                                                                    for c in part)
        if len(part.encode()) > MAX_PART_CHARS:
            tag = hashlib.sha256(part.encode()).hexdigest()[:8]
            part = part.encode()[:MAX_PART_CHARS - 9].decode(errors="ignore") + "-" + tag
        parts.append(part)
    joined = "/".join(parts) or "_"
    if len(joined.encode()) > MAX_KEY_CHARS:  # many parts: the name must still fit a run file's (1,024)
        joined = joined.encode()[:MAX_KEY_CHARS - 9].decode(errors="ignore").rstrip("/") + "-" + \
            hashlib.sha256(joined.encode()).hexdigest()[:8]
    return joined


class RunMediaStore:
    """A run's files directory: a value logged under `key` at `step` is stored as
    `media/SUBDIR/KEY_STEP_SHA20EXT`, and each name stored is handed to `stored` (the upload queue)."""

    is_artifact = False

    def __init__(self, root: Path, key: str, step: int | str, stored: Callable[[str], None], *,
                 by_content: bool = False, tables: Callable[[str, Path, list[str]], None] | None = None,
                 labels: Callable[[str, str, dict[str, str]], None] | None = None) -> None:
        self.root, self.key, self.step, self.stored, self.by_content = root, safe_key(key), step, stored, by_content
        self.logged_key, self.tables, self.labels = key, tables, labels

    def add(self, source: Path, *, subdir: str, extension: str, digest: str, is_tmp: bool) -> str:
        stem = digest[:HASH_CHARS] if self.by_content else f"{self.key}_{self.step}_{digest[:HASH_CHARS]}"
        name = f"media/{subdir}/{stem}{extension}"
        place_file(source, self.root / name, is_tmp=is_tmp)
        self.stored(name)
        return name

    def for_cells(self) -> RunMediaStore:
        """Images in a table: W&B records no class names of their layers in the run's config."""
        return RunMediaStore(self.root, self.logged_key, self.step, self.stored, by_content=True, tables=self.tables)

    def class_labels(self, kind: str, layer: str, labels: Mapping[int, str]) -> None:
        """W&B's config entry `_wandb[kind]["KEY_wandb_delimeter_LAYER"]`, ids as strings (JSON's keys)."""
        if self.labels is not None:
            self.labels(kind, f"{self.logged_key}_wandb_delimeter_{layer}",
                        {str(class_id): name for class_id, name in labels.items()})

    def log_table_artifact(self, json_path: Path, cell_names: list[str]) -> None:
        """A table logged to the run is kept as W&B's run-ID-KEY artifact too (from the same files)."""
        if self.tables is not None:
            self.tables(self.logged_key, json_path, cell_names)


class ArtifactMediaStore:
    """An artifact draft: files are named after their contents, `media/SUBDIR/SHA20EXT`."""

    is_artifact = True

    def __init__(self, artifact: Artifact) -> None:
        self.artifact = artifact

    def for_cells(self) -> ArtifactMediaStore:
        return self

    def class_labels(self, kind: str, layer: str, labels: Mapping[int, str]) -> None:
        """An artifact's images carry their classes in a classes file instead."""

    def add(self, source: Path, *, subdir: str, extension: str, digest: str, is_tmp: bool) -> str:
        name = f"media/{subdir}/{digest[:HASH_CHARS]}{extension}"
        if self.artifact.manifest.get_entry_by_path(name) is None:
            # Named here, after its contents: add_file's is_tmp would rename it to a name of its own.
            self.artifact.add_file(os.fspath(source), name=name)
        return name


class DiscardingMediaStore:
    """A disabled run's store: values are described as anywhere else, and their files kept nowhere."""

    is_artifact = False

    def add(self, source: Path, *, subdir: str, extension: str, digest: str, is_tmp: bool) -> str:
        return f"media/{subdir}/{digest[:HASH_CHARS]}{extension}"

    def for_cells(self) -> DiscardingMediaStore:
        return self

    def class_labels(self, kind: str, layer: str, labels: Mapping[int, str]) -> None:
        """A disabled run keeps nothing."""


def place_file(source: Path, target: Path, *, is_tmp: bool) -> None:
    """Put a file where it is stored: runbase's own temporary files are linked (a value may be logged
    again), a user's are copied (they may change it later)."""
    if target.exists():
        return  # named after its contents: the same file is already there
    target.parent.mkdir(parents=True, exist_ok=True)
    if is_tmp:
        try:
            os.link(source, target)
            return
        except OSError:
            pass  # another filesystem: copy it
    shutil.copyfile(source, target)


_tmp: list[tempfile.TemporaryDirectory[str]] = []


def tmp_path(extension: str) -> Path:
    """A new path for a file runbase makes (an encoded image, a table's JSON), in a folder of this process
    removed when it exits."""
    if not _tmp:
        _tmp.append(tempfile.TemporaryDirectory(prefix="runbase-media-"))
    handle, name = tempfile.mkstemp(suffix=extension, dir=_tmp[0].name)
    os.close(handle)
    return Path(name)


class DirectorySource:
    """Descriptors whose paths are relative to a directory on disk (a run's files, a downloaded artifact)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def local_path(self, path: str) -> Path:
        local = (self.root / path).resolve()
        if not local.is_relative_to(self.root.resolve()):
            raise ValueError(f"{path!r} is outside {self.root}")
        return local
