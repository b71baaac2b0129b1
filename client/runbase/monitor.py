"""Run monitors: services that poll the Public API for runs that ended and act on each one once,
like ClearML's `Monitor` and its Slack alerts example. Unlike those, a monitor keeps what it has
handled in a state file, so a restart neither misses nor repeats an alert.

Which runs a poll sees: those matching `get_query_parameters()` whose `heartbeatAt` (the server
stamps it on every write, the last one being the final state) is at or after the previous poll's
start, less OVERLAP_SECONDS for commits in flight. Every time is the server's: a poll's start is
read from the Date header of the server's answers, so this machine's clock does not matter.
Crashed runs look further back: the server marks a silent run crashed up to its heartbeat timeout
(plus a sweep period) after its last heartbeat. A run is skipped only if it was handled in the same
state and has not ended again since (a crashed run revived by new data that later fails, a failed
run resumed that fails again, are reported again), so overlaps are harmless.
A monitor without saved state starts from now (less the overlap): like ClearML's, it reports
runs that end after it started, not the whole history."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
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
MAX_ATTEMPTS = 10  # polls that may fail to handle one run before it is given up
STATE_VERSION = 2
SLACK_TEXT_LIMIT = 3000  # characters in one section block
RATE_LIMIT_WAITS = 5  # Retry-After waits for one message before it is left for the next poll
STATE_EMOJI = {"failed": ":x:", "crashed": ":boom:", "finished": ":white_check_mark:", "killed": ":stop_sign:"}
# Slack errors that no retry cures: the operator must fix the token, the workspace or the channel.
FATAL_SLACK_ERRORS = frozenset(("invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired",
                                "no_permission", "missing_scope", "not_allowed_token_type", "channel_not_found",
                                "is_archived"))

_local_clock = time.time  # this machine's clock; only its offset from the server's is used


class FatalMonitorError(UsageError):
    """Raised by process_run() (or a poll) when nothing will work until the operator acts: a revoked
    Slack token, a channel that does not exist, a watched project that does not exist. It stops
    monitor() and monitor_step() instead of being retried."""


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat()


def _epoch(text: str | None) -> float | None:
    """An ISO-8601 time from the server (UTC when it names no zone) as seconds since the epoch."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()


def _ended(run: Run) -> float | None:
    """When the run last reached the state it is in: finishedAt, which the server sets each time a
    run enters a final state (and clears when it runs again), else heartbeatAt. Unlike heartbeatAt
    alone, finishedAt does not move when someone edits a finished run's summary or tags."""
    return _epoch(run._attrs.get("finished_at")) or _epoch(run.heartbeat_at)


class Monitor:
    """Calls `process_run()` once for each run that newly matches `get_query_parameters()`,
    polling every `refresh_rate` seconds. Subclass it and override both methods.

    state_file: a JSON file (written atomically) holding the last poll time and the runs handled;
    without one the monitor remembers only while it runs. One monitor per state file: the monitor
    holds a lock on `<state_file>.lock` (see lock_state_file()) until close() or the process ends.
    verbose: log each poll and each run skipped, not only what was done."""

    def __init__(self, api: Api | None = None, state_file: str | os.PathLike[str] | None = None,
                 refresh_rate: float = 10.0, per_page: int = 50, *, verbose: bool = False) -> None:
        if isinstance(refresh_rate, bool) or not isinstance(refresh_rate, (int, float)) or not refresh_rate > 0:
            raise ValueError(f"refresh_rate must be a positive number of seconds, not {refresh_rate!r}")
        self.api = api or Api()
        self.refresh_rate = float(refresh_rate)
        self.per_page = per_page
        self.verbose = verbose
        self.state_file = Path(state_file) if state_file is not None else None
        self._last_poll: float | None = None  # the server's clock
        # "entity/project/run_id" -> {"at": when handled, "state": its state then, "ended": _ended() then}
        self._handled: dict[str, dict[str, Any]] = {}
        self._retry: dict[str, int] = {}  # runs whose process_run() raised -> polls that failed; offered again
        self._crash_window: float | None = None
        self._offset = 0.0  # the server's clock less this machine's, from the last answer's Date header
        self._server_date: tuple[float, float] | None = None  # (Date of the last answer, local clock then)
        self._warned_clock = False
        self._lock = lock_state_file(self.state_file) if self.state_file is not None else None
        try:
            self._load_state()
        except BaseException:
            self.close()
            raise
        self.api.client.http.event_hooks["response"].append(self._note_date)

    def close(self) -> None:
        """Release the state file's lock (the process ending does too)."""
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    # -- what subclasses provide ---------------------------------------------------------------
    def get_query_parameters(self) -> dict[str, Any]:
        """{"filters": a MongoDB-style runs filter, "projects": ["entity/project" or "project", ...]
        or None, "entities": [...] or None}. No projects means every project of the entities, and
        no entities means the viewer's own and their teams."""
        return {"filters": {}, "projects": None, "entities": None}

    def process_run(self, run: Run) -> None:
        """Act on one newly matching run; raise to have it offered again at the next poll (up to
        MAX_ATTEMPTS polls), or raise FatalMonitorError to stop the monitor."""
        raise NotImplementedError

    # -- polling ------------------------------------------------------------------------------------
    def monitor(self, pool_period: float | None = None) -> None:
        """Poll until interrupted, every `pool_period` seconds (default: refresh_rate). A poll that
        fails (the server is down) is logged and the next one covers its time too; a
        FatalMonitorError ends it."""
        period = self.refresh_rate if pool_period is None else pool_period
        failures = 0
        while True:
            started = time.monotonic()
            try:
                self.monitor_step()
                failures = 0
            except FatalMonitorError:
                raise
            except Exception as exc:  # noqa: BLE001 - a service keeps going; the next poll starts from the same time
                failures += 1
                if failures == 1:
                    log.exception("polling runs failed; trying again every %.0f s", period)
                else:
                    log.warning("polling runs failed again (%d in a row): %s", failures, exc)
            time.sleep(max(0.0, period - (time.monotonic() - started)))

    def monitor_step(self) -> int:
        """One poll: hand every matching run not handled yet to process_run(); returns how many were."""
        started = self._server_now()
        since = (self._last_poll if self._last_poll is not None else started) - OVERLAP_SECONDS
        query = self.get_query_parameters()
        tried: set[str] = set()
        handled = 0
        for run in [*self._retries(), *self._matching(query, since)]:
            key = "/".join(run.path)
            if key in tried or (key not in self._retry and self._already_handled(key, run)):
                continue
            tried.add(key)
            handled += self._handle(key, run)
        self._last_poll = started
        self._save_state()
        if self.verbose:
            log.info("poll: %d new matching runs, %d handled", len(tried), handled)
        return handled

    def _already_handled(self, key: str, run: Run) -> bool:
        """Handled in this state, and it has not ended again since."""
        entry = self._handled.get(key)
        if entry is None or (entry["state"] is not None and entry["state"] != run.state):
            return False
        ended, before = _ended(run), entry["ended"] if entry["ended"] is not None else entry["at"]
        return ended is None or ended <= before

    def _handle(self, key: str, run: Run) -> bool:
        try:
            self.process_run(run)
        except FatalMonitorError:
            self._retry.setdefault(key, 0)  # offered again once the operator fixed what stopped the monitor
            self._save_state()
            raise
        except Exception as exc:  # noqa: BLE001 - one run's failure must not stop the others
            attempts = self._retry.get(key, 0) + 1
            if attempts >= MAX_ATTEMPTS:
                log.error("handling run %s failed %d times (last: %s); giving up on it", key, attempts, exc)
                self._done(key, run)
            else:
                if attempts == 1:
                    log.exception("handling run %s failed; it will be tried again at the next poll", key)
                else:
                    log.warning("handling run %s failed again (%d of %d tries): %s", key, attempts, MAX_ATTEMPTS,
                                exc)
                self._retry[key] = attempts
                self._save_state()
            return False
        self._done(key, run)
        return True

    def _done(self, key: str, run: Run) -> None:
        self._retry.pop(key, None)
        self._handled[key] = {"at": self._now(), "state": run.state, "ended": _ended(run)}
        self._save_state()  # at once: a crash now must not repeat this alert

    def _retries(self) -> list[Run]:
        runs = []
        for key in sorted(self._retry):
            entity, project, run_id = key.split("/")
            try:
                run = Run(self.api.client, entity, project, run_id)
            except ValueError:
                log.warning("run %s is gone; not trying it again", key)
                self._retry.pop(key, None)
                continue
            if run.state != "running":  # one resumed meanwhile is offered again when it ends
                runs.append(run)
        return runs

    def _matching(self, query: dict[str, Any], since: float) -> list[Run]:
        """Every run of the watched projects matching the query and changed since `since`, all pages."""
        recent = {"$or": [{"heartbeatAt": {"$gte": _iso(since)}},
                          {"state": "crashed", "heartbeatAt": {"$gte": _iso(since - self._crash_lookback())}}]}
        filters = {"$and": [query["filters"], recent]} if query.get("filters") else recent
        runs: list[Run] = []
        named = bool(query.get("projects"))
        for path in self._projects(query):
            try:
                runs.extend(self.api.runs(path, filters=filters, per_page=self.per_page))
            except ValueError as exc:  # no such project (or no access to it)
                if named:
                    raise FatalMonitorError(f"cannot watch project {path}: {exc}") from None
                log.warning("skipping project %s: %s", path, exc)  # deleted since it was listed
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

    # -- the server's clock ----------------------------------------------------------------------------
    def _note_date(self, response: Any) -> None:
        """httpx response hook: remember the server's clock from each answer's Date header."""
        date = response.headers.get("date")
        if date:
            try:
                self._server_date = (parsedate_to_datetime(date).timestamp(), _local_clock())
            except (TypeError, ValueError):
                pass

    def _server_now(self) -> float:
        """The server's clock now, from the Date header of its answer to a small request (whole
        seconds, so up to a second early, which the overlap covers). Refreshes the crash window too."""
        self._server_date = None
        info = self.api.client.server_info().server_info
        self._crash_window = info.heartbeat_timeout_seconds + CRASH_SWEEP_SECONDS
        if self._server_date is None:
            if not self._warned_clock:
                self._warned_clock = True
                log.warning("the server's answers carry no Date header: using this machine's clock, which must "
                            "then be within %.0f s of the server's", OVERLAP_SECONDS)
            return self._now()
        server, local = self._server_date
        self._offset = server - local
        if abs(self._offset) > OVERLAP_SECONDS and not self._warned_clock:
            self._warned_clock = True
            log.warning("this machine's clock is %.0f s %s the server's (more than the %.0f s overlap): the monitor "
                        "uses the server's clock, but fix this machine's (NTP)", abs(self._offset),
                        "behind" if self._offset > 0 else "ahead of", OVERLAP_SECONDS)
        return self._now()

    def _now(self) -> float:
        return _local_clock() + self._offset

    # -- the state file -----------------------------------------------------------------------------
    def _load_state(self) -> None:
        if self.state_file is None or not self.state_file.exists():
            return
        try:
            state = json.loads(self.state_file.read_text())
            version = state.get("version")
            if version not in (1, STATE_VERSION):
                raise ValueError(f"version {version!r}, expected {STATE_VERSION}")
            self._last_poll = state["last_poll"]
            if version == 1:  # {key: when handled}, [key, ...]
                self._handled = {key: {"at": float(when), "state": None, "ended": None}
                                 for key, when in state["handled"].items()}
                self._retry = {key: 0 for key in state["retry"]}
            else:
                self._handled = {key: {"at": float(entry["at"]), "state": entry["state"], "ended": entry["ended"]}
                                 for key, entry in state["handled"].items()}
                self._retry = {key: int(attempts) for key, attempts in state["retry"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            # Starting afresh could repeat or miss alerts: make the operator decide.
            raise UsageError(f"cannot read the monitor state file {self.state_file}: {exc}; "
                             "fix or delete it (deleting it starts the monitor from now)") from None

    def _save_state(self) -> None:
        if self.state_file is None:
            return
        horizon = self._now() - FORGET_AFTER.total_seconds()
        self._handled = {key: entry for key, entry in self._handled.items() if entry["at"] >= horizon}
        state = {"version": STATE_VERSION, "last_poll": self._last_poll, "handled": self._handled,
                 "retry": dict(sorted(self._retry.items()))}
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.state_file.with_name(f".{self.state_file.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(state))
        os.replace(temporary, self.state_file)


class _StateLock:
    """An exclusive flock on a state file's `.lock` companion, held while the file object is open."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: Any = None
        try:
            import fcntl
        except ImportError:  # Windows: no flock; one monitor per state file is then up to the operator
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip()
            handle.close()
            raise UsageError(f"another runbase monitor{f' (pid {holder})' if holder else ''} is using the state "
                             f"file {path.with_suffix('')}: stop it, or give this one its own --state-file") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle

    def close(self) -> None:
        if self._file is not None:
            self._file.close()  # closing the descriptor releases the lock
            self._file = None


def lock_state_file(state_file: str | os.PathLike[str]) -> _StateLock:
    """Hold an exclusive lock on `<state_file>.lock` until close() or the process ends; UsageError if
    another monitor (another process, or another Monitor here) holds it."""
    path = Path(state_file)
    return _StateLock(path.with_name(path.name + ".lock"))


def default_state_file(kind: str, *parts: str, options: dict[str, Any] | None = None) -> Path:
    """Where the CLI keeps a monitor's state: the runbase config directory, named after what it watches
    and ending in a short hash of every option that chooses the runs (`options`), so that monitors
    with different filters never share a state file."""
    from .credentials import config_dir

    names = [re.sub(r"[^A-Za-z0-9_.-]+", "_", part) for part in (kind, *parts) if part]
    if options is not None:
        names.append(hashlib.sha256(json.dumps(options, sort_keys=True).encode()).hexdigest()[:10])
    return config_dir() / "monitors" / f"{'-'.join(names)}.json"


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
        """chat.postMessage, waiting out rate limits and joining the channel if the bot is not in it.
        Errors no retry cures raise FatalMonitorError; others are left for the next poll."""
        from slack_sdk.errors import SlackApiError

        waits = 0
        joined = False
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
                elif error in FATAL_SLACK_ERRORS:
                    raise self._fatal(error, "chat.postMessage") from None
                elif error == "not_in_channel" and not joined:  # never joined, or removed from it since
                    self._join()
                    joined = True
                else:
                    raise

    def _fatal(self, error: str, method: str) -> FatalMonitorError:
        if error == "channel_not_found":
            hint = f"check --channel {self.channel!r} (for a private channel, invite the bot to it)"
        elif error == "is_archived":
            hint = f"channel {self.channel!r} is archived: unarchive it or choose another --channel"
        elif error in ("missing_scope", "no_permission", "not_allowed_token_type"):
            hint = "the bot token lacks a permission: give it the chat:write, channels:read and channels:join scopes"
        else:
            hint = "check the Slack bot token (--slack-api or SLACK_API_TOKEN) and that its workspace is active"
        return FatalMonitorError(f"Slack refused {method} with {error!r}, which no retry cures: {hint}")

    def _join(self) -> None:
        """Join the channel (needs the channels:read and channels:join scopes)."""
        from slack_sdk.errors import SlackApiError

        wanted = self.channel.removeprefix("#")
        cursor = None
        try:
            while True:
                page = self.slack.conversations_list(cursor=cursor, limit=200, exclude_archived=True)
                for channel in page["channels"]:
                    if wanted in (channel["id"], channel["name"]):
                        self.slack.conversations_join(channel=channel["id"])
                        return
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    raise FatalMonitorError(f"the Slack bot is not in channel {self.channel!r} and cannot find it to "
                                            "join; invite the bot to the channel")
        except SlackApiError as exc:
            error = exc.response.get("error")
            if error in FATAL_SLACK_ERRORS:
                raise self._fatal(error, "conversations.join") from None
            raise
