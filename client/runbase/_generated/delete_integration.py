from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class DeleteIntegration(BaseModel):
    delete_integration: Optional["DeleteIntegrationDeleteIntegration"] = Field(
        alias="deleteIntegration"
    )


class DeleteIntegrationDeleteIntegration(BaseModel):
    success: bool
