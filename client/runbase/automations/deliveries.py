"""The delivery log: one row per firing of an automation, with each attempt to send it."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class DeliveryAttempt(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: int
    started_at: datetime
    duration_ms: float
    response_code: int | None = None
    error: str | None = None


class Delivery(BaseModel):
    """What one firing sent (or is still trying to send).

    `status` is PENDING (waiting for its next attempt), SENDING, SUCCEEDED, FAILED (gave up) or
    SUPPRESSED (rate limited); `payload` is the body as sent, template variables filled in."""

    model_config = ConfigDict(frozen=True)

    id: str
    trigger_id: str | None = None
    trigger_name: str | None = None
    entity_name: str
    event_type: str
    action_type: str
    status: str
    payload: Any = None
    attempt_count: int
    attempts: list[DeliveryAttempt]
    response_code: int | None = None
    error: str | None = None
    run_name: str | None = None
    created_at: datetime
    next_attempt_at: datetime | None = None
    delivered_at: datetime | None = None
    redelivery_of: str | None = None

    @classmethod
    def from_fields(cls, fields: BaseModel) -> Delivery:
        """From the generated client's DeliveryFields, whose payload is a JSON string."""
        data = fields.model_dump()
        data["payload"] = json.loads(data["payload"])
        return cls.model_validate(data)
