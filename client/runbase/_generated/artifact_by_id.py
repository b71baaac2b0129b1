from typing import Optional

from .base_model import BaseModel
from .fragments import ArtifactFields


class ArtifactById(BaseModel):
    artifact: Optional["ArtifactByIdArtifact"]


ArtifactByIdArtifact = ArtifactFields
