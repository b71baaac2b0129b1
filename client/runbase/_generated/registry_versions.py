from pydantic import Field

from .base_model import BaseModel
from .fragments import ArtifactPage


class RegistryVersions(BaseModel):
    registry_versions: "RegistryVersionsRegistryVersions" = Field(
        alias="registryVersions"
    )


RegistryVersionsRegistryVersions = ArtifactPage
