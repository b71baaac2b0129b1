from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class CreateUser(BaseModel):
    create_user: Optional["CreateUserCreateUser"] = Field(alias="createUser")


class CreateUserCreateUser(BaseModel):
    user: "CreateUserCreateUserUser"


class CreateUserCreateUserUser(BaseModel):
    id: str
    username: str
    email: Optional[str]
    admin: bool
    entity: str
