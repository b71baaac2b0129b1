from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class DeleteApiKey(BaseModel):
    delete_api_key: Optional["DeleteApiKeyDeleteApiKey"] = Field(alias="deleteApiKey")


class DeleteApiKeyDeleteApiKey(BaseModel):
    success: bool
