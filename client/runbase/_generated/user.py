from typing import Optional

from .base_model import BaseModel
from .fragments import UserFields


class User(BaseModel):
    user: Optional["UserUser"]


UserUser = UserFields
