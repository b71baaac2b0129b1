"""The `runbase` command: server, sync, login, monitor, sweep, agent."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

from . import __version__


class ArgumentParser(argparse.ArgumentParser):
    """A mistake on the command line is one line naming it, not the usage text (that is --help)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _server_command(command_name: str, function: str) -> Any:
    """The server-side command, or an exit naming the extra when the server's packages are missing."""

    def command(args: argparse.Namespace) -> int:
        try:
            import runbase_server.http.app  # noqa: F401 - imports every package the server needs
        except ModuleNotFoundError as exc:
            if exc.name is None or exc.name.split(".")[0] in ("runbase", "runbase_server"):
                raise  # a bug in runbase, not a missing extra
            sys.exit(f"runbase {command_name} needs the server extra: pip install 'runbase[server]' "
                     f"(missing: {exc.name})")
        from runbase_server import cli

        if function == "serve":
            from .demo import run as demo

            return cli.serve(args, show_demo=demo)
        return int(getattr(cli, function)(args))

    return command


def _sync(args: argparse.Namespace) -> int:
    from .connection import Connection
    from .lifecycle import base_settings
    from .sync import record_logs, sync_log

    settings = base_settings()
    with Connection.from_settings(settings, host=args.host) as connection:
        for path in args.paths:
            for log in record_logs(Path(path)):
                result = sync_log(connection, log, silent=bool(settings.silent))
                print(f"synced {result['path']}: {result['new_rows']} new history rows")
    return 0


def _login(args: argparse.Namespace) -> int:
    from .credentials import login

    login(key=args.key, host=args.host, relogin=args.relogin, verify=True)
    print("runbase: logged in")
    return 0


def _bool(text: str) -> bool:
    """True/False the way the reference's options take them (`--local True`)."""
    value = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}.get(text.strip().lower())
    if value is None:
        raise argparse.ArgumentTypeError(f"expected True or False, not {text!r}")
    return value


def _names(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise argparse.ArgumentTypeError("expected comma-separated usernames")
    return names


def _monitor_slack(args: argparse.Namespace) -> int:
    import logging

    from .apis.public import Api
    from .errors import UsageError
    from .monitor import SlackMonitor, default_state_file

    if not args.local or args.service_queue is not None:
        raise UsageError("runbase has no agent to run the monitor remotely as a service: run it here "
                         "(--local True), under systemd or supervisord, or from cron with --once")
    if not args.slack_api:
        raise UsageError("give the Slack bot token with --slack-api or SLACK_API_TOKEN")
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s runbase monitor: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request
    api = Api()
    # Everything that chooses the runs is in the default name, so monitors with other filters keep
    # their own state; SlackMonitor locks the file, so two monitors never share one.
    watched = {"channel": args.channel, "entity": args.entity, "project": args.project,
               "include_users": args.include_users, "exclude_users": args.exclude_users,
               "include_completed_experiments": args.include_completed_experiments,
               "include_manual_experiments": args.include_manual_experiments,
               "min_num_iterations": args.min_num_iterations}
    state_file = args.state_file or default_state_file(
        "slack", args.channel, api.settings["base_url"].split("://", 1)[-1], args.entity or "", args.project or "",
        options=watched)
    try:
        monitor = SlackMonitor(
            args.slack_api, args.channel, args.message_prefix, api=api, state_file=state_file,
            refresh_rate=args.refresh_rate, min_num_iterations=args.min_num_iterations, project=args.project,
            entity=args.entity, include_manual_experiments=args.include_manual_experiments,
            include_completed_experiments=args.include_completed_experiments, include_archived=args.include_archived,
            include_users=args.include_users, exclude_users=args.exclude_users, verbose=args.verbose,
            slack_base_url=args.slack_base_url)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    try:
        if args.once:
            try:
                handled = monitor.monitor_step()
            except ValueError as exc:  # e.g. no such entity
                raise UsageError(str(exc)) from None
            print(f"runbase monitor: {handled} runs handled")
            return 0
        monitor.monitor()  # until interrupted, or a FatalMonitorError (a UsageError: exits 1 with its message)
    except KeyboardInterrupt:
        pass
    finally:
        monitor.close()
    return 0


def _add_monitor(commands: Any) -> None:
    monitor = commands.add_parser("monitor", help="services that watch runs and notify people")
    kinds = monitor.add_subparsers(dest="kind", required=True)
    slack = kinds.add_parser("slack", help="post to a Slack channel when runs fail (or complete)")
    slack.add_argument("--channel", required=True, help="Slack channel name or id")
    slack.add_argument("--slack-api", default=os.environ.get("SLACK_API_TOKEN"), metavar="TOKEN",
                       help="Slack bot token (default: $SLACK_API_TOKEN)")
    slack.add_argument("--message-prefix", help='text before each message, e.g. "Hey <!here>"')
    slack.add_argument("--min-num-iterations", type=int, default=0, metavar="N",
                       help="ignore runs with fewer iterations")
    slack.add_argument("--project", help="project (or entity/project) to watch; default: all")
    slack.add_argument("--include-manual-experiments", type=_bool, default=True, metavar="BOOL",
                       help="False: only runs tagged 'remote' (runbase has no agent, so all runs are manual)")
    slack.add_argument("--include-completed-experiments", type=_bool, default=False, metavar="BOOL",
                       help="also report runs that finished, not only failed or crashed ones")
    slack.add_argument("--include-archived", type=_bool, default=False, metavar="BOOL",
                       help="accepted; runbase has no archive")
    slack.add_argument("--refresh-rate", type=float, default=10.0, metavar="SECONDS", help="seconds between polls")
    users = slack.add_mutually_exclusive_group()
    users.add_argument("--include-users", type=_names, metavar="USERS",
                       help="only runs by these users (comma-separated)")
    users.add_argument("--exclude-users", type=_names, metavar="USERS",
                       help="no runs by these users (comma-separated)")
    slack.add_argument("--verbose", type=_bool, default=False, metavar="BOOL", help="log runs skipped and each poll")
    slack.add_argument("--local", type=_bool, default=True, metavar="BOOL", help="must be True: the monitor runs here")
    slack.add_argument("--service-queue", help="not supported: runbase has no agents")
    slack.add_argument("--slack-base-url", help="Slack Web API URL, for a proxy or a fake")
    slack.add_argument("--state-file", help="where handled runs are remembered, locked while the monitor runs "
                       "(default: in the config dir, named after the options that choose the runs)")
    slack.add_argument("--entity", help="entity to watch; default: yours and your teams'")
    slack.add_argument("--once", action="store_true", help="poll once and exit (for cron)")
    slack.set_defaults(func=_monitor_slack)


CONTROLS = {"pause": "PAUSED", "resume": "RUNNING", "stop": "FINISHED", "cancel": "CANCELED"}


def _sweep(args: argparse.Namespace) -> int:
    from . import sweeps
    from .sweeps import config_file

    control = [name for name in CONTROLS if getattr(args, name)]
    if control:
        state = sweeps.set_state(args.config_yaml_or_sweep_id, CONTROLS[control[0]], entity=args.entity,
                                 project=args.project)
        print(f"runbase: sweep {args.config_yaml_or_sweep_id} is {state}")
        return 0
    config = config_file.load(args.config_yaml_or_sweep_id)
    config.update({key: value for key, value in (("name", args.name), ("program", args.program)) if value})
    sweep_id = sweeps.sweep(config, entity=args.entity, project=args.project, prior_runs=args.prior_run)
    print(f"runbase: run the sweep with: runbase agent {sweep_id}")
    return 0


def _agent(args: argparse.Namespace) -> int:
    from . import sweeps

    return sweeps.run_agent(args.sweep_id, entity=args.entity, project=args.project, count=args.count)


def _add_sweeps(commands: Any) -> None:
    sweep = commands.add_parser("sweep", help="create a hyperparameter sweep from a YAML file, or control one")
    sweep.add_argument("config_yaml_or_sweep_id", metavar="CONFIG_YAML_OR_SWEEP_ID",
                       help="the sweep configuration (YAML); with a control option, the sweep ([entity/project/]id)")
    sweep.add_argument("--project", help="the project (default: the configuration's, then RUNBASE_PROJECT)")
    sweep.add_argument("--entity", help="the entity (default: the configuration's, then yours)")
    sweep.add_argument("--name", help="the sweep's name, over the configuration's")
    sweep.add_argument("--program", help="the program to run, over the configuration's")
    sweep.add_argument("--prior_run", "-R", action="append", metavar="RUN_ID",
                       help="an existing run to add to the sweep (repeatable)")
    controls = sweep.add_mutually_exclusive_group()
    controls.add_argument("--pause", action="store_true", help="pause the sweep: its agents wait")
    controls.add_argument("--resume", action="store_true", help="resume a paused sweep")
    controls.add_argument("--stop", action="store_true", help="stop the sweep: runs going on finish, no new ones")
    controls.add_argument("--cancel", action="store_true", help="cancel the sweep: agents stop their runs")
    sweep.set_defaults(func=_sweep)
    agent = commands.add_parser("agent", help="run a sweep's suggestions, its program as a subprocess")
    agent.add_argument("sweep_id", metavar="SWEEP_ID", help="the sweep ([entity/project/]id)")
    agent.add_argument("--count", type=int, metavar="N", help="make at most N runs")
    agent.add_argument("--project", help="the sweep's project, when SWEEP_ID does not name it")
    agent.add_argument("--entity", help="the sweep's entity, when SWEEP_ID does not name it")
    agent.set_defaults(func=_agent)


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(prog="runbase", description="Self-hosted experiment tracking.")
    parser.add_argument("--version", action="version", version=f"runbase {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    from runbase_server.cli import add_admin_arguments, add_arguments

    server = commands.add_parser("server", help="run the runbase server")
    add_arguments(server)
    server.set_defaults(func=_server_command("server", "serve"))
    admin = commands.add_parser("admin", help="server maintenance on the server's machine (it needs the database)")
    add_admin_arguments(admin)
    admin.set_defaults(func=_server_command("admin", "admin"))
    sync = commands.add_parser("sync", help="upload offline runs or runs the server missed")
    sync.add_argument("paths", nargs="+", help="a run directory or a directory of runs")
    sync.add_argument("--host", help="server URL (default: the one you logged in to)")
    sync.set_defaults(func=_sync)
    login = commands.add_parser("login", help="store an API key for a server")
    login.add_argument("key", nargs="?")
    login.add_argument("--host")
    login.add_argument("--relogin", action="store_true")
    login.set_defaults(func=_login)
    _add_monitor(commands)
    _add_sweeps(commands)
    args = parser.parse_args(argv)
    from .errors import Error

    try:
        return int(args.func(args))
    except (Error, NotImplementedError) as exc:  # a part not built is said as plainly as a mistake
        print(f"runbase: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
