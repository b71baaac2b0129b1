"""Run alerts (`run.alert`): a script's own notification, throttled per title
and sent to its entity's Slack integrations through the outbox."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from ..auth import Viewer
from ..errors import UserError
from ..runs import runs
from ..tables import AlertSent, utcnow
from . import integrations, outbox, payloads
from .automations import SEVERITIES
from .engine import run_values

MAX_TITLE = 64
MAX_TEXT = 10_000


def notify(session: Session, viewer: Viewer, entity: str | None, project: str, *, run_name: str, title: str,
           text: str, severity: str | None, wait_seconds: float | None) -> bool:
    """False when an alert with this title went out less than `wait_seconds` ago."""
    if not title or len(title) >= MAX_TITLE:
        raise UserError(f"an alert's title must be 1 to {MAX_TITLE - 1} characters")
    if len(text) > MAX_TEXT:
        raise UserError(f"an alert's text must be at most {MAX_TEXT} characters")
    level = (severity or "INFO").upper()
    if level not in SEVERITIES:
        raise UserError(f"an alert's level must be one of {', '.join(SEVERITIES)}, not {severity!r}")
    if wait_seconds is not None and not 0 <= wait_seconds <= 366 * 86400:
        raise UserError("waitDuration must be from 0 seconds to a year")
    run = runs.writable(session, viewer, entity, project, name=run_name)
    now = utcnow()
    last = session.get(AlertSent, (run.id, title), with_for_update=True)
    if last is not None and now - last.sent_at < timedelta(seconds=wait_seconds or 0):
        return False
    if last is None:
        session.add(AlertSent(run_id=run.id, title=title, sent_at=now))
    else:
        last.sent_at = now
    values = {**run_values(session, "RUN_ALERT", run), "title": title, "text": text, "severity": level}
    message = payloads.slack_message(title, text + "\n<${run_url}|${run_name}> in ${entity_name}/${project_name}",
                                     level, values)
    for integration in integrations.slack_of(session, run.project.entity_id):
        outbox.enqueue(session, entity_id=integration.entity_id, event_type="RUN_ALERT",
                           action_type="NOTIFICATION", payload=message, integration_id=integration.id, run=run)
    session.flush()
    return True
