from typing import Optional

from .base_model import BaseModel
from .fragments import ArtifactFields


class ArtifactByName(BaseModel):
    project: Optional["ArtifactByNameProject"]


class ArtifactByNameProject(BaseModel):
    artifact: Optional["ArtifactByNameProjectArtifact"]


ArtifactByNameProjectArtifact = ArtifactFields
