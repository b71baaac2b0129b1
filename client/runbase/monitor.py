"""Run monitors: services that poll the Public API for runs that ended and act on each one once,
like ClearML's `Monitor` and its Slack alerts example. Unlike those, a monitor keeps what it has
handled in a state file, so a restart neither misses nor repeats an alert.

Which runs a poll sees: those matching `get_query_parameters()` whose `heartbeatAt` (the server
stamps it on every write, the last one being the final state) is at or after the previous poll's
start, less OVERLAP_SECONDS for clock skew and commits in flight. Crashed runs look further back:
the server marks a silent run crashed up to its heartbeat timeout (plus a sweep period) after
its last heartbeat. Only a run the monitor has handled is skipped, so overlaps are harmless.
A monitor without saved state starts from now (less the overlap): like ClearML's, it reports
runs that end after it started, not the whole history."""

from __future__ import annotations

import json
import logging
import os
import re
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from .apis.public import Api
from .apis.public.runs import Run
from .errors import UsageError

log = logging.getLogger("runbase.monitor")

FAILED_STATES = ("failed", "crashed")
COMPLETED_STATES = ("finished", "killed")
OVERLAP_SECONDS = 120.0
CRASH_SWEEP_SECONDS = 30.0  # the longest the server waits between passes that mark silent runs crashed
FORGET_AFTER = timedelta(days=30)  # handled runs older than this leave the state file
STATE_VERSION = 1
SLACK_TEXT_LIMIT = 3000  # characters in one section block
RATE_LIMIT_WAITS = 5  # Retry-After waits for one message before it is left for the next poll
STATE_EMOJI = {"failed": ":x:", "crashed": ":boom:", "finished": ":white_check_mark:", "killed": ":stop_sign:"}


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat()


class Monitor:
    """Calls `process_run()` once for each run that newly matches `get_query_parameters()`,
    polling every `refresh_rate` seconds. Subclass it and override both methods.

    state_file: a JSON file (written atomically) holding the last poll time and the runs handled;
    without one the monitor remembers only while it runs. One monitor process per state file.
    verbose: log each poll and each run skipped, not only what was done."""

    def __init__(self, api: Api | None = None, state_file: str | os.PathLike[str] | None = None,
                 refresh_rate: float = 10.0, per_page: int = 50, verbose: bool = False) -> None:
        if isinstance(refresh_rate, bool) or not isinstance(refresh_rate, (int, float)) or not refresh_rate > 0:
            raise ValueError(f"refresh_rate must be a positive number of seconds, not {refresh_rate!r}")
        self.api = api or Api()
        self.refresh_rate = float(refresh_rate)
        self.per_page = per_page
        self.verbose = verbose
        self.state_file = Path(state_file) if state_file is not None else None
        self._last_poll: float | None = None
        self._handled: dict[str, float] = {}  # "entity/project/run_id" -> when it was handled
        self._retry: set[str] = set()  # runs whose process_run() raised: offered again at the next poll
        self._crash_window: float | None = None
        self._load_state()

    # -- what subclasses provide ---------------------------------------------------------------
    def get_query_parameters(self) -> dict[str, Any]:
        """{"filters": a MongoDB-style runs filter, "projects": ["entity/project" or "project", ...]
        or None, "entities": [...] or None}. No projects means every project of the entities, and
        no entities means the viewer's own and their teams."""
        return {"filters": {}, "projects": None, "entities": None}

    def process_run(self, run: Run) -> None:
        """Act on one newly matching run; raise to have it offered again at the next poll."""
        raise NotImplementedError

    # -- polling ------------------------------------------------------------------------------------
    def monitor(self, pool_period: float | None = None) -> None:
        """Poll until interrupted, every `pool_period` seconds (default: refresh_rate). A poll that
        fails (the server is down) is logged and the next one covers its time too."""
        period = self.refresh_rate if pool_period is None else pool_period
        while True:
            started = time.monotonic()
            try:
                self.monitor_step()
            except Exception:  # noqa: BLE001 - a service keeps going; the next poll starts from the same time
                log.exception("polling runs failed; trying again in %.0f s", period)
            time.sleep(max(0.0, period - (time.monotonic() - started)))

    def monitor_step(self) -> int:
        """One poll: hand every matching run not handled yet to process_run(); returns how many were."""
        started = time.time()
        since = (self._last_poll if self._last_poll is not None else started) - OVERLAP_SECONDS
        query = self.get_query_parameters()
        tried: set[str] = set()
        handled = 0
        for run in [*self._retries(), *self._matching(query, since)]:
            key = "/".join(run.path)
            if key in self._handled or key in tried:
                continue
            tried.add(key)
            handled += self._handle(key, run)
        self._last_poll = started
        self._save_state()
        if self.verbose:
            log.info("poll: %d new matching runs, %d handled", len(tried), handled)
        return handled

    def _handle(self, key: str, run: Run) -> bool:
        try:
            self.process_run(run)
        except Exception:  # noqa: BLE001 - one run's failure must not stop the others
            log.exception("handling run %s failed; it will be tried again at the next poll", key)
            self._retry.add(key)
            return False
        self._retry.discard(key)
        self._handled[key] = time.time()
        self._save_state()  # at once: a crash now must not repeat this alert
        return True

    def _retries(self) -> list[Run]:
        runs = []
        for key in sorted(self._retry):
            entity, project, run_id = key.split("/")
            try:
                runs.append(Run(self.api.client, entity, project, run_id))
            except ValueError:
                log.warning("run %s is gone; not trying it again", key)
                self._retry.discard(key)
        return runs

    def _matching(self, query: dict[str, Any], since: float) -> list[Run]:
        """Every run of the watched projects matching the query and changed since `since`, all pages."""
        recent = {"$or": [{"heartbeatAt": {"$gte": _iso(since)}},
                          {"state": "crashed", "heartbeatAt": {"$gte": _iso(since - self._crash_lookback())}}]}
        filters = {"$and": [query["filters"], recent]} if query.get("filters") else recent
        runs: list[Run] = []
        for path in self._projects(query):
            runs.extend(self.api.runs(path, filters=filters, per_page=self.per_page))
        return runs

    def _projects(self, query: dict[str, Any]) -> list[str]:
        if query.get("projects"):
            return list(query["projects"])
        entities = query.get("entities") or [self.api.viewer.entity, *self.api.viewer.teams]
        return [f"{entity}/{project.name}" for entity in entities for project in self.api.projects(entity)]

    def _crash_lookback(self) -> float:
        if self._crash_window is None:
            info = self.api.client.server_info().server_info
            self._crash_window = info.heartbeat_timeout_seconds + CRASH_SWEEP_SECONDS
        return self._crash_window

    # -- the state file -----------------------------------------------------------------------------
    def _load_state(self) -> None:
        if self.state_file is None or not self.state_file.exists():
            return
        try:
            state = json.loads(self.state_file.read_text())
            if state.get("version") != STATE_VERSION:
                raise ValueError(f"version {state.get('version')!r}, expected {STATE_VERSION}")
            self._last_poll = state["last_poll"]
            self._handled = dict(state["handled"])
            self._retry = set(state["retry"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            # Starting afresh could repeat or miss alerts: make the operator decide.
            raise UsageError(f"cannot read the monitor state file {self.state_file}: {exc}; "
                             "fix or delete it (deleting it starts the monitor from now)") from None

    def _save_state(self) -> None:
        if self.state_file is None:
            return
        horizon = time.time() - FORGET_AFTER.total_seconds()
        self._handled = {key: when for key, when in self._handled.items() if when >= horizon}
        state = {"version": STATE_VERSION, "last_poll": self._last_poll, "handled": self._handled,
                 "retry": sorted(self._retry)}
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.state_file.with_name(f".{self.state_file.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(state))
        os.replace(temporary, self.state_file)


def default_state_file(kind: str, *parts: str) -> Path:
    """Where the CLI keeps a monitor's state: the runbase config directory, named after what it watches."""
    from .credentials import config_dir

    name = "-".join(re.sub(r"[^A-Za-z0-9_.-]+", "_", part) for part in (kind, *parts) if part)
    return config_dir() / "monitors" / f"{name}.json"


def _escape(text: str) -> str:
    """Slack reads &, < and > in message text as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _users(value: Any, name: str) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str) or not all(isinstance(user, str) and user for user in value):
        raise ValueError(f"{name} must be a list of usernames, not {value!r}")
    return list(value)


class SlackMonitor(Monitor):
    """Posts a Slack message for each run that failed or crashed (and, with
    include_completed_experiments, each that finished or was killed), with its link, project, name,
    state, user, iterations and the end of its console output.

    Options follow ClearML's Slack alerts; where runbase differs:
    * include_manual_experiments: runbase has no agent that launches runs remotely, so every run is
      "manual" and the default is True. With False only runs tagged `remote` are reported (a tag
      a launcher can set, e.g. RUNBASE_TAGS=remote).
    * include_archived: runbase does not archive runs; the option is accepted and changes nothing.
    * include_users / exclude_users take usernames (not user ids)."""

    def __init__(
        self,
        slack_api_token: str,
        channel: str,
        message_prefix: str | None = None,
        *,
        api: Api | None = None,
        state_file: str | os.PathLike[str] | None = None,
        refresh_rate: float = 10.0,
        min_num_iterations: int = 0,
        project: str | None = None,
        entity: str | None = None,
        include_manual_experiments: bool = True,
        include_completed_experiments: bool = False,
        include_archived: bool = False,
        include_users: list[str] | None = None,
        exclude_users: list[str] | None = None,
        verbose: bool = False,
        console_lines: int = 10,
        slack_base_url: str | None = None,
        per_page: int = 50,
    ) -> None:
        try:
            from slack_sdk import WebClient
        except ImportError:
            raise UsageError("the Slack monitor needs slack_sdk: pip install 'runbase[monitor]'") from None
        if not slack_api_token or not channel:
            raise ValueError("a Slack API token and a channel are both required")
        if include_users and exclude_users:
            raise ValueError("include_users and exclude_users are mutually exclusive: give one of them")
        if isinstance(min_num_iterations, bool) or not isinstance(min_num_iterations, int) or min_num_iterations < 0:
            raise ValueError(f"min_num_iterations must be a whole number >= 0, not {min_num_iterations!r}")
        if isinstance(console_lines, bool) or not isinstance(console_lines, int) or not 0 <= console_lines <= 10_000:
            raise ValueError(f"console_lines must be from 0 to 10000, not {console_lines!r}")
        super().__init__(api=api, state_file=state_file, refresh_rate=refresh_rate, per_page=per_page,
                         verbose=verbose)
        base_url = slack_base_url or "https://slack.com/api/"
        self.slack = WebClient(token=slack_api_token, base_url=base_url if base_url.endswith("/") else base_url + "/")
        self.channel = channel
        self.message_prefix = message_prefix
        self.min_num_iterations = min_num_iterations
        self.project = project
        self.entity = entity
        self.include_manual_experiments = include_manual_experiments
        self.include_completed_experiments = include_completed_experiments
        self.include_archived = include_archived
        self.include_users = _users(include_users, "include_users")
        self.exclude_users = _users(exclude_users, "exclude_users")
        self.console_lines = console_lines
        self._joined = False

    def get_query_parameters(self) -> dict[str, Any]:
        states = FAILED_STATES + (COMPLETED_STATES if self.include_completed_experiments else ())
        filters: dict[str, Any] = {"state": {"$in": list(states)}}
        if self.include_users:
            filters["username"] = {"$in": self.include_users}
        if self.exclude_users:
            filters["username"] = {"$nin": self.exclude_users}
        if not self.include_manual_experiments:
            filters["tags"] = "remote"
        project = self.project
        if project and self.entity and "/" not in project:
            project = f"{self.entity}/{project}"
        return {"filters": filters, "projects": [project] if project else None,
                "entities": [self.entity] if self.entity else None}

    def process_run(self, run: Run) -> None:
        iterations = run.lastHistoryStep + 1
        if iterations < self.min_num_iterations:
            if self.verbose:
                log.info("skipping %s (%s): %d iterations, fewer than %d", "/".join(run.path), run.state,
                         iterations, self.min_num_iterations)
            return
        text, blocks = self.message(run, iterations, run.console_output(tail=self.console_lines))
        self._post(text, blocks)
        log.info("posted to Slack: run %s %s", "/".join(run.path), run.state)

    def message(self, run: Run, iterations: int, console: list[str]) -> tuple[str, list[dict[str, Any]]]:
        """The notification text and Block Kit blocks for one run."""
        prefix = f"{self.message_prefix} " if self.message_prefix else ""
        name = _escape(run.display_name or run.id)
        where = _escape(f"{run.entity}/{run.project}")
        text = f"{prefix}Run {name} in {where} {run.state}: {run.url}"
        fields = {"Project": where, "Run": f"{name} (`{_escape(run.id)}`)", "State": run.state,
                  "User": _escape(run.user or "unknown"), "Iterations": str(iterations)}
        blocks: list[dict[str, Any]] = [
            {"type": "section", "text": {"type": "mrkdwn", "text": (
                f"{prefix}{STATE_EMOJI.get(run.state, '')} Run *<{run.url}|{name}>* {run.state}")[:SLACK_TEXT_LIMIT]}},
            {"type": "section", "fields": [{"type": "mrkdwn", "text": f"*{key}*\n{value}"[:2000]}
                                           for key, value in fields.items()]},
        ]
        tail = self._console_tail(console, SLACK_TEXT_LIMIT - 100)
        if tail:
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": (
                f"*Console output (last {len(tail)} lines)*\n```" + "\n".join(tail) + "```")}})
        return text, blocks

    @staticmethod
    def _console_tail(console: list[str], room: int) -> list[str]:
        """The last lines, escaped, that fit in `room` characters (a cut last line if none does)."""
        kept: list[str] = []
        left = room
        for line in reversed(console):
            line = _escape(line)
            left -= len(line) + 1
            if left < 0:
                break
            kept.append(line)
        if not kept and console:
            kept.append(_escape(console[-1])[-room:])
        return kept[::-1]

    def _post(self, text: str, blocks: list[dict[str, Any]]) -> None:
        """chat.postMessage, waiting out rate limits and joining the channel if the bot is not in it."""
        from slack_sdk.errors import SlackApiError

        waits = 0
        while True:
            try:
                self.slack.chat_postMessage(channel=self.channel, text=text, blocks=blocks)
                return
            except SlackApiError as exc:
                response = exc.response
                error = response.get("error")
                if (response.status_code == 429 or error == "ratelimited") and waits < RATE_LIMIT_WAITS:
                    waits += 1
                    headers = {name.lower(): value for name, value in (response.headers or {}).items()}
                    delay = float(headers.get("retry-after", 1))
                    log.warning("Slack rate limit: waiting %.0f s as it asks", delay)
                    time.sleep(delay)
                elif error == "not_in_channel" and not self._joined:
                    self._join()
                else:
                    raise

    def _join(self) -> None:
        """Join the channel (needs the channels:read and channels:join scopes)."""
        wanted = self.channel.removeprefix("#")
        cursor = None
        while True:
            page = self.slack.conversations_list(cursor=cursor, limit=200, exclude_archived=True)
            for channel in page["channels"]:
                if wanted in (channel["id"], channel["name"]):
                    self.slack.conversations_join(channel=channel["id"])
                    self._joined = True
                    return
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                raise UsageError(f"the Slack bot is not in channel {self.channel!r} and cannot find it to join; "
                                 "invite the bot to the channel")
