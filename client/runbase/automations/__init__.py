"""Automations (W&B's `wandb.automations`): when an event happens in a scope and passes a filter,
the server runs an action.

    from runbase.automations import OnRunMetric, RunEvent, SendNotification

    event = OnRunMetric(scope="my-team/my-project", filter=RunEvent.metric("loss") > 10)
    automation = (event >> SendNotification(title="Loss exploded")).save(name="loss-alert")
"""

from .actions import ActionType, AlertSeverity, DoNothing, SendNotification, SendWebhook
from .automation import Automation, NewAutomation
from .deliveries import Delivery, DeliveryAttempt
from .events import (
    EventType,
    OnAddArtifactAlias,
    OnCreateArtifact,
    OnLinkArtifact,
    OnRunMetric,
    OnRunState,
    OnSchedule,
)
from .filters import (
    Agg,
    ChangeDir,
    ChangeType,
    MetricChangeFilter,
    MetricThresholdFilter,
    MetricZScoreFilter,
    RunMetricFilter,
    RunState,
    RunStateFilter,
)
from .integrations import SlackIntegration, WebhookIntegration
from .operators import (
    All,
    And,
    Contains,
    Eq,
    Exists,
    FilterExpr,
    FilterField,
    Gt,
    Gte,
    In,
    Lt,
    Lte,
    Ne,
    Nor,
    Not,
    NotIn,
    Or,
    Regex,
    Size,
)
from .run_event import RunEvent
from .scopes import ArtifactCollectionScope, ProjectScope, RegistryScope, ScopeType

__all__ = [
    "ActionType", "Agg", "AlertSeverity", "All", "And", "ArtifactCollectionScope", "Automation", "ChangeDir",
    "ChangeType", "Contains", "Delivery", "DeliveryAttempt", "DoNothing", "Eq", "EventType", "Exists", "FilterExpr",
    "FilterField", "Gt", "Gte", "In", "Lt", "Lte", "MetricChangeFilter", "MetricThresholdFilter",
    "MetricZScoreFilter", "Ne", "NewAutomation", "Nor", "Not", "NotIn", "OnAddArtifactAlias", "OnCreateArtifact",
    "OnLinkArtifact", "OnRunMetric", "OnRunState", "OnSchedule", "Or", "ProjectScope", "RegistryScope", "Regex",
    "RunEvent", "RunMetricFilter", "RunState", "RunStateFilter", "ScopeType", "SendNotification", "SendWebhook",
    "Size", "SlackIntegration", "WebhookIntegration",
]
