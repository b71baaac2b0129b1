from .base_model import BaseModel
from .fragments import UserFields


class Users(BaseModel):
    users: "UsersUsers"


class UsersUsers(BaseModel):
    edges: list["UsersUsersEdges"]


class UsersUsersEdges(BaseModel):
    node: "UsersUsersEdgesNode"


UsersUsersEdgesNode = UserFields
