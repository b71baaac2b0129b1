from typing import Optional

from .base_model import BaseModel
from .fragments import UserFields


class Viewer(BaseModel):
    viewer: Optional["ViewerViewer"]


ViewerViewer = UserFields
