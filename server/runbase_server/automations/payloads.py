"""Payload templates: the `${variable}` placeholders in webhook payloads and
Slack messages, checked when an automation is saved and filled in when it fires.

A string that is exactly one placeholder takes the variable's JSON value (so
`"${metric_value}"` stays a number and `"${digest_runs}"` a list); anywhere
else a placeholder is replaced by the value's text. A dotted name reaches into
an object variable: `${artifact_metadata.lr}` is the version's metadata key lr
(missing keys give null)."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from ..errors import UserError

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_.]*)\}")

RUN = ("event_type", "event_author", "entity_name", "project_name", "run_name", "run_id", "run_state", "run_url")
METRIC = (*RUN, "metric_name", "metric_value", "metric_step")
SCHEDULE = ("event_type", "event_author", "entity_name", "project_name", "period_start", "period_end",
            "run_count", "digest", "digest_runs")
ALERT = (*RUN, "title", "text", "severity")
ARTIFACT = ("event_type", "event_author", "entity_name", "project_name", "artifact_collection_name",
            "artifact_version_string", "artifact_version", "artifact_metadata")
OBJECTS = ("artifact_metadata",)  # variables whose keys `${name.KEY}` reaches
VARIABLES: dict[str, tuple[str, ...]] = {
    "RUN_METRIC_THRESHOLD": METRIC,
    "RUN_METRIC_CHANGE": METRIC,
    "RUN_METRIC_ZSCORE": METRIC,
    "RUN_STATE": RUN,
    "SCHEDULE": SCHEDULE,
    "RUN_ALERT": ALERT,
    "CREATE_ARTIFACT": ARTIFACT,
    "LINK_ARTIFACT": ARTIFACT,
    "ADD_ARTIFACT_ALIAS": (*ARTIFACT, "alias"),
}
MAX_TEMPLATE_BYTES = 64 * 1024
SEVERITY_EMOJI = {"INFO": ":information_source:", "WARN": ":warning:", "ERROR": ":rotating_light:"}


def _strings(template: Any) -> list[str]:
    if isinstance(template, str):
        return [template]
    if isinstance(template, dict):
        return [s for key, value in template.items() for s in (*_strings(key), *_strings(value))]
    if isinstance(template, list):
        return [s for item in template for s in _strings(item)]
    return []


def check(template: Any, event_type: str, what: str) -> None:
    """Reject placeholders the event cannot fill, when the automation is saved rather than when it fires."""
    if len(json.dumps(template)) > MAX_TEMPLATE_BYTES:
        raise UserError(f"{what} is larger than {MAX_TEMPLATE_BYTES} bytes")
    known = VARIABLES[event_type]
    for text in _strings(template):
        for name in _PLACEHOLDER.findall(text):
            head, dot, key = name.partition(".")
            if name not in known and not (dot and head in OBJECTS and head in known and key):
                raise UserError(f"{what} uses ${{{name}}}, which a {event_type} event does not have; "
                                f"it has {', '.join('${' + v + '}' for v in known)}")


def plain(value: Any) -> Any:
    """A value that strict JSON can carry: NaN and infinities (which artifact metadata may hold) become the
    strings "NaN", "Infinity" and "-Infinity", so that every receiver can parse a webhook's body."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value)


_UNKNOWN = object()


def _lookup(values: dict[str, Any], name: str) -> Any:
    """A variable's value, following dots into object variables; _UNKNOWN if the event has no such variable."""
    if name in values:
        return values[name]
    head, _, key = name.partition(".")
    if head not in OBJECTS or head not in values:
        return _UNKNOWN
    value = values[head]
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def render(template: Any, values: dict[str, Any]) -> Any:
    if isinstance(template, str):
        whole = _PLACEHOLDER.fullmatch(template)
        if whole and _lookup(values, whole.group(1)) is not _UNKNOWN:
            return _lookup(values, whole.group(1))

        def text(match: re.Match[str]) -> str:
            value = _lookup(values, match.group(1))
            return match.group(0) if value is _UNKNOWN else _text(value)

        return _PLACEHOLDER.sub(text, template)
    if isinstance(template, dict):
        return {render(key, values): render(value, values) for key, value in template.items()}
    if isinstance(template, list):
        return [render(item, values) for item in template]
    return template


def default_payload(event_type: str) -> dict[str, str]:
    """What a webhook sends when its automation gives no payload: every variable."""
    return {name: "${" + name + "}" for name in VARIABLES[event_type]}


def _describe(values: dict[str, Any]) -> str:
    event = values.get("event_type")
    where = f"{values.get('entity_name')}/{values.get('project_name')}"
    if event == "SCHEDULE":
        return f"Digest of {where}: {values.get('run_count')} runs from {values.get('period_start')} to " \
               f"{values.get('period_end')}\n{values.get('digest')}"
    if event in ("CREATE_ARTIFACT", "LINK_ARTIFACT", "ADD_ARTIFACT_ALIAS"):
        version = values.get("artifact_version") or {}
        link = f"<{version.get('url')}|{values.get('artifact_version_string')}>"
        if event == "CREATE_ARTIFACT":
            return f"New {version.get('type')} version {link}"
        if event == "LINK_ARTIFACT":
            return f"{version.get('type')} version {link} linked into {where}/{values.get('artifact_collection_name')}"
        return f"Alias {values.get('alias')} added to {link}"
    run = f"<{values.get('run_url')}|{values.get('run_name')}> in {where}"
    if event == "RUN_STATE":
        return f"Run {run} is {values.get('run_state')}"
    if event == "RUN_ALERT":
        return f"{values.get('text')}\nRun {run}"
    return f"Run {run}: {values.get('metric_name')} = {values.get('metric_value')} ({event})"


def slack_message(title: str, message: str, severity: str, values: dict[str, Any]) -> dict[str, Any]:
    """Slack's `text` (the fallback and notification line) and Block Kit blocks."""
    heading = render(title, values) or f"runbase automation: {values.get('event_type')}"
    body = render(message, values) or _describe(values)
    heading = f"{SEVERITY_EMOJI.get(severity, '')} {heading}".strip()
    return {
        "text": f"{heading}\n{body}"[:3000],
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": heading[:150], "emoji": True}},
            {"type": "section", "text": {"type": "mrkdwn", "text": body[:3000] or " "}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"severity {severity} · "
                                              f"{values.get('event_type')}"}]},
        ],
    }
