from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class NotifyScriptableRunAlert(BaseModel):
    notify_scriptable_run_alert: Optional[
        "NotifyScriptableRunAlertNotifyScriptableRunAlert"
    ] = Field(alias="notifyScriptableRunAlert")


class NotifyScriptableRunAlertNotifyScriptableRunAlert(BaseModel):
    success: bool
    sent: bool
