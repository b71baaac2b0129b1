"""Issue 10, item 4: init() reads its settings from WANDB_* variables, each also under its RUNBASE_* name
(RUNBASE_ first), in real SDK processes against real servers (SQLite and PostgreSQL). Explicit arguments and
Settings win over the environment; SILENT keeps every line of runbase's own off the terminal, QUIET only the
"started run" line; a value that cannot be read is an error naming the variable, and nothing is logged."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from conftest import Server, run_script, sdk_environment

REPORT = """
import json, runbase
def report(run):
    s = run.settings
    print(json.dumps({"id": run.id, "name": run.name, "notes": run.notes, "tags": list(run.tags),
                      "group": run.group, "job_type": run.job_type, "project": run.project, "dir": run.dir,
                      "resumed": run.resumed, "config": dict(run.config),
                      "settings": {key: getattr(s, key) for key in ("heartbeat_seconds", "init_timeout",
                                   "x_finish_timeout", "x_max_row_bytes", "allow_val_change", "quiet",
                                   "silent", "reinit", "console", "mode")}}))
"""
# A run that makes runbase print: the "started" line and three warnings (a file pattern that matches
# nothing, a step before the current one, and the console mode runbase does not build).
NOISY = REPORT + """
run = runbase.init(**ARGS)
run.log({"x": 1}, step=5)
run.log({"x": 2}, step=1)
run.save("nothing-matches-*.bin")
report(run)
run.finish()
"""


def tag() -> str:
    return uuid.uuid4().hex[:8]


def environment(server: Server, tmp_path: Path, prefix: str, **variables: str) -> dict[str, str]:
    """The SDK's environment with every variable under `prefix`: the server and key too, for WANDB_."""
    env = sdk_environment(server, tmp_path)
    if prefix == "WANDB_":
        for name in ("API_KEY", "BASE_URL", "DIR"):
            env[f"WANDB_{name}"] = env.pop(f"RUNBASE_{name}")
    env.update({f"{prefix}{name}": value for name, value in variables.items()})
    return env


def run_noisy(env: dict[str, str], args: dict[str, Any] | None = None, check: bool = True) -> Any:
    code = NOISY.replace("ARGS", repr(args or {}))
    return run_script(code, env, check=check)


def config_files(tmp_path: Path) -> str:
    """Two YAML files, the second over the first; W&B's {value: ...} shape is read too."""
    (tmp_path / "defaults.yaml").write_text("lr: 0.1\nbatch: 32\noptimizer: {value: sgd, desc: d}\n")
    (tmp_path / "override.yaml").write_text("batch: 64\n")
    return f"{tmp_path / 'defaults.yaml'},{tmp_path / 'override.yaml'}"


@pytest.mark.parametrize("prefix", ["WANDB_", "RUNBASE_"])
def test_every_run_field_and_setting_comes_from_the_environment(server: Server, tmp_path: Path,
                                                                 prefix: str) -> None:
    project, run_id = f"env-{tag()}", f"from-env-{tag()}"
    env = environment(server, tmp_path, prefix, PROJECT=project, ENTITY="admin", RUN_ID=run_id, NAME="env name",
                      NOTES="env notes", TAGS="alpha, beta", RUN_GROUP="env-group", JOB_TYPE="train",
                      CONFIG_PATHS=config_files(tmp_path), SILENT="true", CONSOLE="redirect",
                      HEARTBEAT_SECONDS="7", INIT_TIMEOUT="33", ALLOW_VAL_CHANGE="yes", REINIT="finish_previous",
                      X_MAX_ROW_BYTES="4096")
    env[f"{prefix}_FINISH_TIMEOUT"] = "77"  # W&B's WANDB__NAME form of the x_ settings
    result = run_noisy(env)
    assert "runbase" not in result.stderr, result.stderr  # SILENT: no started line, no warnings
    report = json.loads(result.stdout)
    assert (report["id"], report["name"], report["notes"], report["tags"], report["group"], report["job_type"],
            report["project"]) == (run_id, "env name", "env notes", ["alpha", "beta"], "env-group", "train", project)
    assert report["config"] == {"lr": 0.1, "batch": 64, "optimizer": "sgd"}
    assert report["settings"] == {"heartbeat_seconds": 7.0, "init_timeout": 33.0, "x_finish_timeout": 77.0,
                                  "x_max_row_bytes": 4096, "allow_val_change": True, "quiet": False, "silent": True,
                                  "reinit": "finish_previous", "console": "redirect", "mode": "online"}
    assert report["dir"].startswith(str(tmp_path / "runs"))  # WANDB_DIR / RUNBASE_DIR
    saved = server.run(run_id, project=project)
    assert saved is not None
    assert (saved["displayName"], saved["notes"], saved["tags"], saved["group"], saved["jobType"]) == (
        "env name", "env notes", ["alpha", "beta"], "env-group", "train")
    assert {key: value["value"] for key, value in json.loads(saved["config"]).items()} == report["config"]


def test_explicit_arguments_and_settings_win_over_the_environment(server: Server, tmp_path: Path) -> None:
    project, run_id = f"env-explicit-{tag()}", f"explicit-{tag()}"
    env = environment(server, tmp_path, "WANDB_", PROJECT=project, RUN_ID=f"not-{run_id}", NAME="env name",
                      NOTES="env notes", TAGS="env", RUN_GROUP="env-group", JOB_TYPE="env-job", SILENT="true",
                      CONFIG_PATHS=config_files(tmp_path), HEARTBEAT_SECONDS="7")
    env["RUNBASE_NAME"] = "runbase name"  # RUNBASE_ over WANDB_
    assert json.loads(run_noisy(env).stdout)["name"] == "runbase name"
    explicit = {"id": run_id, "name": "arg name", "notes": "arg notes", "tags": ["arg"], "group": "arg-group",
                "job_type": "eval", "config": {"lr": 0.5}}
    code = NOISY.replace("ARGS", repr(explicit) + ", settings=runbase.Settings(silent=False, heartbeat_seconds=3)")
    result = run_script(code, env)
    report = json.loads(result.stdout)
    assert (report["id"], report["name"], report["notes"], report["tags"], report["group"], report["job_type"]) == (
        run_id, "arg name", "arg notes", ["arg"], "arg-group", "eval")
    assert report["config"] == {"lr": 0.5, "batch": 64, "optimizer": "sgd"}  # the argument over the files
    assert (report["settings"]["silent"], report["settings"]["heartbeat_seconds"]) == (False, 3.0)
    assert f"runbase: started run arg name ({run_id})" in result.stderr  # Settings(silent=False) beat SILENT
    saved = server.run(run_id, project=project)
    assert saved is not None and (saved["displayName"], saved["tags"], saved["jobType"]) == (
        "arg name", ["arg"], "eval")
    offline = {**env, "WANDB_MODE": "offline", "WANDB_RUN_ID": f"offline-{run_id}"}
    assert json.loads(run_noisy(offline).stdout)["settings"]["mode"] == "offline"
    assert server.run(f"offline-{run_id}", project=project) is None
    assert json.loads(run_noisy(offline, {"mode": "online"}).stdout)["settings"]["mode"] == "online"
    assert server.run(f"offline-{run_id}", project=project) is not None


def test_resume_and_run_id_from_the_environment(server: Server, tmp_path: Path) -> None:
    project, run_id = f"env-resume-{tag()}", f"resumed-{tag()}"
    env = environment(server, tmp_path, "WANDB_", PROJECT=project, RUN_ID=run_id, QUIET="true")
    assert json.loads(run_noisy(env).stdout)["resumed"] is False
    refused = run_noisy({**env, "WANDB_RESUME": "never"}, check=False)
    assert refused.returncode != 0 and "resume='never' but a run with id" in refused.stderr
    assert json.loads(run_noisy({**env, "WANDB_RESUME": "must"}).stdout)["resumed"] is True
    # an explicit resume wins over the variable
    assert json.loads(run_noisy({**env, "WANDB_RESUME": "never"}, {"resume": "allow"}).stdout)["resumed"] is True
    missing = run_noisy({**env, "WANDB_RESUME": "must", "WANDB_RUN_ID": f"missing-{tag()}"}, check=False)
    assert missing.returncode != 0 and "no run with id" in missing.stderr
    assert server.run(f"missing-{tag()}", project=project) is None


def test_silent_and_quiet(server: Server, tmp_path: Path) -> None:
    env = environment(server, tmp_path, "RUNBASE_", PROJECT=f"env-output-{tag()}", CONSOLE="redirect")
    warnings = ("matched no files", "is before the current step", "console='redirect' is not built")
    loud = run_noisy(env).stderr
    assert "runbase: started run" in loud and all(warning in loud for warning in warnings), loud
    quiet = run_noisy({**env, "WANDB_QUIET": "1"}).stderr
    assert "started run" not in quiet and all(warning in quiet for warning in warnings), quiet
    for silent in ({"WANDB_SILENT": "true"}, {"RUNBASE_SILENT": "on", "WANDB_SILENT": "false"}):
        assert "runbase" not in run_noisy({**env, **silent}).stderr
    # RUNBASE_ wins: SILENT false there, whatever WANDB_SILENT says
    assert "runbase: started run" in run_noisy({**env, "RUNBASE_SILENT": "false", "WANDB_SILENT": "true"}).stderr


def test_unreadable_variables_are_clear_errors_and_log_nothing(server: Server, tmp_path: Path) -> None:
    project = f"env-bad-{tag()}"
    env = environment(server, tmp_path, "WANDB_", PROJECT=project)
    cases = {"WANDB_SILENT": ("maybe", "WANDB_SILENT must be true or false"),
             "RUNBASE_QUIET": ("2", "RUNBASE_QUIET must be true or false"),
             "WANDB_HEARTBEAT_SECONDS": ("soon", "WANDB_HEARTBEAT_SECONDS must be a number"),
             "WANDB_INIT_TIMEOUT": ("-1", "init_timeout must be a positive number"),
             "WANDB_X_MAX_ROW_BYTES": ("1.5", "WANDB_X_MAX_ROW_BYTES must be an integer"),
             "WANDB_CONFIG_PATHS": (str(tmp_path / "missing.yaml"), "missing.yaml' does not exist"),
             "WANDB_TAGS": ("ok," + "t" * 65, "each tag must be 1 to 64 characters"),
             "WANDB_RESUME": ("sometimes", "resume must be one of"),
             "WANDB_REINIT": ("later", "reinit must be one of"),
             "WANDB_RUN_ID": ("a/b", "must not contain"),
             "WANDB_MODE": ("loud", "mode must be one of")}
    code = """
        import json, os, runbase
        messages = {}
        for name, value in CASES.items():
            os.environ[name] = value
            try:
                runbase.init()
            except runbase.UsageError as exc:
                messages[name] = str(exc)
            del os.environ[name]
        print(json.dumps(messages))
    """.replace("CASES", repr({name: value for name, (value, _) in cases.items()}))
    messages = json.loads(run_script(code, env).stdout)
    for name, (_, expected) in cases.items():
        assert expected in messages.get(name, ""), (name, messages.get(name))
    answer = server.graphql('query($p: String!) { project(name: $p) { runCount } }', {"p": project})
    assert answer.get("data", {}).get("project") in (None, {"runCount": 0}), answer
