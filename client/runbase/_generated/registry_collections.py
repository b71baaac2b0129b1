from pydantic import Field

from .base_model import BaseModel
from .fragments import ArtifactCollectionPage


class RegistryCollections(BaseModel):
    registry_collections: "RegistryCollectionsRegistryCollections" = Field(
        alias="registryCollections"
    )


RegistryCollectionsRegistryCollections = ArtifactCollectionPage
