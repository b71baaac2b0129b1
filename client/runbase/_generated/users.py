from .base_model import BaseModel
from .fragments import UserFields


class Users(BaseModel):
    users: list["UsersUsers"]


UsersUsers = UserFields
