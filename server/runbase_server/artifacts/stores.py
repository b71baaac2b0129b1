"""Which blob store a server's settings name: the local disk (the default) or an S3-compatible object store."""

from __future__ import annotations

from ..settings import ServerSettings
from .blobs import BlobStore, LocalBlobStore
from .object_store import S3BlobStore, s3_settings

_STORES: dict[tuple[object, ...], BlobStore] = {}


def store_for(settings: ServerSettings) -> BlobStore:
    """Local disk under the data directory, or the object store of --blob-store s3://bucket/prefix; one per
    configuration, shared by the server's requests."""
    if not settings.blob_store:
        return LocalBlobStore(settings.data_dir / "blobs")
    key = s3_settings(settings)
    if key not in _STORES:
        _STORES[key] = S3BlobStore.from_settings(settings)
    return _STORES[key]
