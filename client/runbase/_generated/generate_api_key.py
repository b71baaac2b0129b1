from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class GenerateApiKey(BaseModel):
    generate_api_key: Optional["GenerateApiKeyGenerateApiKey"] = Field(
        alias="generateApiKey"
    )


class GenerateApiKeyGenerateApiKey(BaseModel):
    key: str
    api_key: "GenerateApiKeyGenerateApiKeyApiKey" = Field(alias="apiKey")


class GenerateApiKeyGenerateApiKeyApiKey(BaseModel):
    id: str
    name: str
    description: Optional[str]
