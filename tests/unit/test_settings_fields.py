"""Every field of the reference's Settings.__init__ is accepted as a keyword and in a dict, with its type
checked; the settings files, the environment and the update_from_* methods in W&B's precedence; the computed
properties; and the network options the settings give the HTTP client."""

from __future__ import annotations

import os
import ssl
from pathlib import Path
from typing import Any

import pytest

import runbase
from runbase.errors import CommError, UsageError
from runbase.network import Network, Retry
from runbase.settings import FIELDS, Settings

# (field, a value it takes, a value of the wrong type or outside what it takes), for every field the
# reference's Settings.__init__ lists (v0.21.3).
REFERENCE_FIELDS: list[tuple[str, Any, Any]] = [
    ("allow_offline_artifacts", False, "no"), ("allow_val_change", True, 1), ("anonymous", "allow", "sometimes"),
    ("api_key", "k" * 40, 3), ("azure_account_url_to_access_key", {"https://a.blob": "key"}, ["x"]),
    ("base_url", "http://127.0.0.1:9", "not a url"), ("code_dir", "src", 3), ("config_paths", ["a.yaml"], 3),
    ("console", "wrap", "loud"), ("console_multipart", True, "yes"), ("credentials_file", "/tmp/c.json", 3),
    ("disable_code", True, "yes"), ("disable_git", True, 0), ("disable_job_creation", False, "no"),
    ("docker", "img:1", 3), ("email", "a@b.c", 3), ("entity", "team", 3), ("organization", "org", 3),
    ("force", True, "yes"), ("git_commit", "abc123", 3), ("git_remote", "upstream", 3),
    ("git_remote_url", "https://g/x.git", 3), ("git_root", "/repo", 3), ("heartbeat_seconds", 30, "30"),
    ("host", "node-1", 3), ("http_proxy", "http://proxy:3128", "proxy"), ("https_proxy", "http://proxy:3128", 3),
    ("identity_token_file", "/tmp/jwt", 3), ("ignore_globs", ["*.ckpt"], "*.ckpt"), ("init_timeout", 90.0, -1),
    ("insecure_disable_ssl", True, "yes"), ("job_name", "job", 3), ("job_source", "repo", "git"),
    ("label_disable", True, "yes"), ("launch", True, "yes"), ("launch_config_path", "/tmp/l.json", 3),
    ("login_timeout", 5.0, "5"), ("mode", "offline", "sometimes"), ("notebook_name", "nb.ipynb", 3),
    ("program", "train.py", 3), ("program_abspath", "/w/train.py", 3), ("program_relpath", "train.py", 3),
    ("project", "p", 3), ("quiet", True, "yes"), ("reinit", "create_new", "maybe"), ("relogin", True, "yes"),
    ("resume", "allow", "sometimes"), ("resume_from", "r1?_step=5", 3), ("fork_from", "r0?_step=5", 3),
    ("resumed", True, "yes"), ("root_dir", "/tmp", 3), ("run_group", "g", 3), ("run_id", "r1", 3),
    ("run_job_type", "train", 3), ("run_name", "n", 3), ("run_notes", "notes", 3), ("run_tags", ("a", "b"), [1]),
    ("sagemaker_disable", True, "yes"), ("save_code", True, "yes"), ("settings_system", "/etc/s", 3),
    ("max_end_of_run_history_metrics", 5, -1), ("max_end_of_run_summary_metrics", 5, 1.5),
    ("show_colors", False, "no"), ("show_emoji", False, "no"), ("show_errors", False, "no"),
    ("show_info", False, "no"), ("show_warnings", False, "no"), ("silent", True, "yes"),
    ("start_method", "thread", "teleport"), ("strict", True, "yes"), ("summary_timeout", 60, "60"),
    ("summary_warnings", 5, "5"), ("sweep_id", "s1", 3), ("sweep_param_path", "/tmp/p.yaml", 3),
    ("symlink", False, "no"), ("sync_tensorboard", False, "no"), ("table_raise_on_max_row_limit_exceeded", True, 1),
    ("username", "me", 3), ("x_cli_only_mode", True, "yes"), ("x_disable_meta", True, "yes"),
    ("x_disable_stats", True, "yes"), ("x_disable_viewer", True, "yes"), ("x_disable_machine_info", True, "yes"),
    ("x_executable", "/usr/bin/python3", 3), ("x_extra_http_headers", {"X-Team": "a"}, {"X-Team": 1}),
    ("x_file_stream_max_bytes", 1024, 0), ("x_file_stream_max_line_bytes", 1024, "1k"),
    ("x_file_stream_transmit_interval", 15.0, -1.0), ("x_file_stream_retry_max", 3, -1),
    ("x_file_stream_retry_wait_min_seconds", 1.0, "1"), ("x_file_stream_retry_wait_max_seconds", 60.0, "x"),
    ("x_file_stream_timeout_seconds", 30.0, 0), ("x_file_transfer_retry_max", 3, 2.5),
    ("x_file_transfer_retry_wait_min_seconds", 1.0, -1), ("x_file_transfer_retry_wait_max_seconds", 60.0, "x"),
    ("x_file_transfer_timeout_seconds", 30.0, 0), ("x_files_dir", "/tmp/files", 3),
    ("x_flow_control_custom", True, "yes"), ("x_flow_control_disabled", True, "yes"), ("x_graphql_retry_max", 3, -1),
    ("x_graphql_retry_wait_min_seconds", 1.0, "1"), ("x_graphql_retry_wait_max_seconds", 60.0, float("nan")),
    ("x_graphql_timeout_seconds", 20.0, 0), ("x_internal_check_process", 8.0, "8"), ("x_jupyter_name", "nb", 3),
    ("x_jupyter_path", "nb.ipynb", 3), ("x_jupyter_root", "/nb", 3), ("x_label", "rank-1", 3),
    ("x_live_policy_rate_limit", 15, "15"), ("x_live_policy_wait_time", 600, -1), ("x_log_level", 10, "DEBUG"),
    ("x_network_buffer", 1000, -1), ("x_primary", False, "no"), ("x_proxies", {"https": "http://p:1"}, "p"),
    ("x_runqueue_item_id", "q1", 3), ("x_save_requirements", False, "no"),
    ("x_server_side_derived_summary", True, "yes"), ("x_server_side_expand_glob_metrics", False, "no"),
    ("x_service_transport", "tcp", 3), ("x_service_wait", 30.0, -1), ("x_skip_transaction_log", True, "yes"),
    ("x_start_time", 1.7e9, "now"), ("x_stats_pid", 1, 0), ("x_stats_sampling_interval", 1.0, 0.01),
    ("x_stats_neuron_monitor_config_path", "/tmp/n.json", 3), ("x_stats_dcgm_exporter", "http://p:9090/q", "p"),
    ("x_stats_open_metrics_endpoints", {"dcgm": "http://h:9400/metrics"}, {"dcgm": "h"}),
    ("x_stats_open_metrics_filters", ["dcgm.*"], 3), ("x_stats_open_metrics_http_headers", {"A": "b"}, ["A"]),
    ("x_stats_disk_paths", ["/"], [3]), ("x_stats_cpu_count", 4, 0), ("x_stats_cpu_logical_count", 8, "8"),
    ("x_stats_gpu_count", 1, -1), ("x_stats_gpu_type", "H100", 3), ("x_stats_gpu_device_ids", [0], [-1]),
    ("x_stats_buffer_size", 10, -2), ("x_stats_coreweave_metadata_base_url", "http://169.254.169.254", "x"),
    ("x_stats_coreweave_metadata_endpoint", "/meta", 3), ("x_stats_track_process_tree", True, "yes"),
    ("x_sync", True, "yes"), ("x_update_finish_state", False, "no"),
]
# Accepted, but init() refuses them: the features they configure are not built.
NOT_BUILT = {"identity_token_file": "identity-token", "x_files_dir": "x_files_dir"}


def test_settings_has_the_reference_s_fields_and_runbase_s_three() -> None:
    names = {name for name, _, _ in REFERENCE_FIELDS}
    assert len(REFERENCE_FIELDS) == len(names) == 141
    assert set(FIELDS) - names == {"x_finish_timeout", "x_max_row_bytes", "x_stats_samples_to_average"}


@pytest.mark.parametrize(("name", "good", "bad"), REFERENCE_FIELDS, ids=[f[0] for f in REFERENCE_FIELDS])
def test_every_reference_field_is_accepted_and_checked(name: str, good: Any, bad: Any) -> None:
    as_keyword = Settings(**{name: good})
    as_dict = Settings().updated({name: good})
    assert getattr(as_keyword, name) == getattr(as_dict, name) is not None
    with pytest.raises(UsageError, match=name):
        Settings(**{name: bad})
    with pytest.raises(UsageError, match=name):
        Settings().updated({name: bad})
    if name in NOT_BUILT:
        with pytest.raises(NotImplementedError, match=NOT_BUILT[name]):
            as_dict.checked()


def test_init_takes_every_field_in_one_dict(tmp_path: Path) -> None:
    values = {name: good for name, good, _ in REFERENCE_FIELDS
              if name not in NOT_BUILT and name not in ("resume_from", "fork_from")}  # they need a server
    values.update(root_dir=str(tmp_path), settings_system=str(tmp_path / "none"),
                  config_paths=[str(write(tmp_path / "a.yaml", "lr: 0.1\n"))])
    run = runbase.init(mode="disabled", settings=values)
    assert run.settings.x_label == "rank-1" and run.settings.run_tags == ("a", "b") and run.config.lr == 0.1
    run.finish()


@pytest.mark.parametrize(("values", "error", "message"), [
    ({"sync_tensorboard": True}, NotImplementedError, "sync_tensorboard"),
    ({"anonymous": "must"}, NotImplementedError, "anonymous"),
    ({"mode": "shared"}, NotImplementedError, "shared"),
    ({"mode": "offline", "x_skip_transaction_log": True}, UsageError, "x_skip_transaction_log"),
    ({"x_extra_http_headers": {"authorization": "Bearer other"}}, UsageError, "cannot set Authorization"),
    ({"run_tags": ("x" * 65,)}, UsageError, "1 to 64 characters"),
    ({"run_tags": ("",)}, UsageError, "1 to 64 characters"),
    ({"no_such_setting": 1}, UsageError, "no_such_setting"),
])
def test_what_init_cannot_run_with(values: dict[str, Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        Settings().updated(values).checked()


def test_values_are_normalised_as_wandb_does() -> None:
    s = Settings(run_tags="one", base_url="http://h:8080/", config_paths="c.yaml", code_dir=Path("src"))
    assert (s.run_tags, s.base_url, s.config_paths, s.code_dir) == (("one",), "http://h:8080", ("c.yaml",), "src")
    assert Settings().updated({"_stats_pid": 7}).x_stats_pid == 7  # W&B's older private names
    checked = Settings().checked()
    assert (checked.show_info, checked.x_save_requirements, checked.git_remote, checked.x_log_level) == (
        True, True, "origin", 20)


def test_assignment_is_checked_and_computed_settings_cannot_be_set() -> None:
    s = Settings()
    s.show_info = False
    with pytest.raises(UsageError, match="show_info"):
        s.show_info = "no"  # type: ignore[assignment]
    with pytest.raises(UsageError, match="unknown setting: show_infos"):
        s.show_infos = False  # type: ignore[attr-defined]
    with pytest.raises(UsageError, match="files_dir is computed"):
        s.files_dir = "/x"  # type: ignore[misc]


def test_update_from_dict_and_settings_apply_all_or_nothing() -> None:
    s = Settings(project="p")
    with pytest.raises(UsageError, match="heartbeat_seconds"):
        s.update_from_dict({"entity": "e", "heartbeat_seconds": "often"})
    assert (s.entity, s.project) == (None, "p")
    s.update_from_dict({"entity": "e", "project": None})
    assert (s.entity, s.project) == ("e", "p")  # None is "not given"
    s.update_from_settings(Settings(project="q", x_label="w0"))
    assert (s.entity, s.project, s.x_label) == ("e", "q", "w0")
    assert s.as_dict() == {"entity": "e", "project": "q", "x_label": "w0"}


def test_update_from_env_vars_with_wandb_s_names() -> None:
    s = Settings()
    s.update_from_env_vars({
        "WANDB_HTTP_TIMEOUT": "12", "WANDB_FILE_PUSHER_TIMEOUT": "40", "WANDB_USER_EMAIL": "me@x.org",
        "WANDB__LABEL": "rank-0", "WANDB_SHOW_INFO": "false", "RUNBASE_SHOW_INFO": "true",
        "WANDB_X_EXTRA_HTTP_HEADERS": '{"X-Team": "a"}', "WANDB_IGNORE_GLOBS": "*.pt,*.ckpt",
        "WANDB_HTTPS_PROXY": "http://proxy:3128", "WANDB_X_PRIMARY": "0", "UNRELATED": "x", "WANDB_DOCKER": "img",
    })
    assert (s.x_graphql_timeout_seconds, s.x_file_transfer_timeout_seconds, s.email) == (12.0, 40.0, "me@x.org")
    assert (s.x_label, s.show_info, s.x_extra_http_headers) == ("rank-0", True, {"X-Team": "a"})
    assert (s.ignore_globs, s.https_proxy, s.x_primary, s.docker) == (("*.pt", "*.ckpt"), "http://proxy:3128",
                                                                      False, "img")
    with pytest.raises(UsageError, match="WANDB_X_LOG_LEVEL must be an integer"):
        s.update_from_env_vars({"WANDB_X_LOG_LEVEL": "DEBUG"})


def test_update_from_system_environment_fills_what_is_not_set() -> None:
    s = Settings(host="given")
    s.update_from_system_environment()
    assert s.host == "given" and s.x_executable and s.program
    cli = Settings(x_cli_only_mode=True)
    cli.update_from_system_environment()
    assert cli.program is None


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_settings_files_in_wandb_s_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WANDB_CONFIG_DIR", str(tmp_path / "wandb-config"))
    monkeypatch.setenv("RUNBASE_CONFIG_DIR", str(tmp_path / "runbase-config"))
    write(tmp_path / "wandb-config" / "settings",
          "[default]\nentity = sys-wandb\nproject = sys\nrun_group = sys\nrun_job_type = sys\nrun_notes = sys\n"
          "ignore_globs = *.a,*.b\n")
    write(tmp_path / "runbase-config" / "settings", "[default]\nentity = sys-runbase\nx_label = from-file\n")
    write(tmp_path / "wandb" / "settings", "[default]\nproject = ws-wandb\nrun_group = ws\nrun_job_type = ws\n"
                                           "show_info = false\n")
    write(tmp_path / "runbase" / "settings", "[default]\nproject = ws-runbase\nrun_job_type = ws-runbase\n")
    monkeypatch.setenv("WANDB_JOB_TYPE", "env")
    s = Settings.from_sources()
    assert (s.entity, s.project, s.run_group, s.run_job_type, s.run_notes) == (
        "sys-runbase", "ws-runbase", "ws", "env", "sys")
    assert (s.ignore_globs, s.show_info, s.x_label) == (("*.a", "*.b"), False, "from-file")
    assert s.settings_workspace == str(tmp_path / "runbase" / "settings")
    runbase.setup({"run_notes": "setup"})
    try:
        run = runbase.init(mode="disabled", notes="init", settings={"run_group": "settings"})
        assert (run.settings.run_notes, run.settings.run_group, run.settings.run_job_type) == (
            "init", "settings", "env")
        run.finish()
        run = runbase.init(mode="disabled")
        assert (run.settings.run_notes, run.settings.project) == ("setup", "ws-runbase")
        run.finish()
    finally:
        runbase.lifecycle._setup_settings = None


def test_settings_system_names_the_one_system_file(tmp_path: Path) -> None:
    path = write(tmp_path / "mine.ini", "[default]\nbase_url = http://files.example:8080/\n")
    s = Settings(settings_system=str(path), root_dir=str(tmp_path))
    s.update_from_system_config_file()
    assert s.base_url == "http://files.example:8080"


def test_a_workspace_file_cannot_say_where_the_key_and_files_go(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WANDB_CONFIG_DIR", str(tmp_path / "wandb-config"))
    monkeypatch.setenv("RUNBASE_CONFIG_DIR", str(tmp_path / "runbase-config"))
    monkeypatch.delenv("RUNBASE_SILENT", raising=False)
    monkeypatch.delenv("WANDB_SILENT", raising=False)
    write(tmp_path / "wandb-config" / "settings", "[default]\nbase_url = http://mine:8080\n")
    workspace = write(tmp_path / "wandb" / "settings",
                      "[default]\nproject = cloned\nbase_url = http://attacker:1\nhttp_proxy = http://attacker:2\n"
                      "x_proxies = {\"https\": \"http://attacker:3\"}\nconfig_paths = /home/u/.kube/config\n"
                      "api_key = stolen\nx_extra_http_headers = {\"X-A\": \"1\"}\nroot_dir = /\n"
                      "code_dir = /home/u\nx_stats_open_metrics_endpoints = {\"a\": \"http://attacker:4\"}\n")
    s = Settings.from_sources()
    assert (s.project, s.base_url) == ("cloned", "http://mine:8080")
    assert (s.http_proxy, s.x_proxies, s.config_paths, s.api_key, s.x_extra_http_headers, s.root_dir, s.code_dir,
            s.x_stats_open_metrics_endpoints) == (None,) * 8
    err = capsys.readouterr().err
    assert err.count("WARNING") == 1 and str(workspace) in err
    assert ("api_key, base_url, code_dir, config_paths, http_proxy, root_dir, x_extra_http_headers, "
            "x_proxies, x_stats_open_metrics_endpoints") in err
    monkeypatch.setenv("RUNBASE_HTTP_PROXY", "http://corporate:3128")  # the environment stays trusted
    assert Settings.from_sources().http_proxy == "http://corporate:3128"


@pytest.mark.parametrize(("text", "message"), [
    ("[default]\nno_such = 1\n", "unknown setting 'no_such' in the settings file"),
    ("[default]\nheartbeat_seconds = often\n", "heartbeat_seconds in the settings file .* must be a number"),
    ("[default]\nquiet = perhaps\n", "quiet in the settings file .* must be true or false"),
    ("not an ini file\n", "cannot read the settings file"),
])
def test_bad_settings_files_are_named(tmp_path: Path, text: str, message: str) -> None:
    write(tmp_path / "runbase" / "settings", text)
    with pytest.raises(UsageError, match=message):
        Settings(root_dir=str(tmp_path)).update_from_workspace_config_file()


@pytest.mark.parametrize("call", ["open", "is_file"])
def test_an_unreadable_settings_file_is_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str], call: str) -> None:
    monkeypatch.delenv("RUNBASE_SILENT", raising=False)
    monkeypatch.delenv("WANDB_SILENT", raising=False)
    path = write(tmp_path / "runbase" / "settings", "[default]\nproject = p\n")
    real = getattr(Path, call)

    def refused(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, call, refused)  # the tests run as root, for whom chmod refuses nothing
    s = Settings(root_dir=str(tmp_path))
    s.update_from_workspace_config_file()
    assert s.project is None
    err = capsys.readouterr().err
    assert f"cannot read the settings file {path} (Permission denied)" in err and "Traceback" not in err


def test_wandb_disabled_and_service_transport_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WANDB_SERVICE_TRANSPORT", "tcp")
    monkeypatch.setenv("WANDB_MODE", "online")
    assert Settings.from_environment().mode == "online"
    monkeypatch.setenv("WANDB_DISABLED", "true")  # as HF's Trainer sets it
    s = Settings.from_environment()
    assert (s.mode, s.x_service_transport) == ("disabled", "tcp")
    monkeypatch.setenv("WANDB_DISABLED", "false")
    assert Settings.from_environment().mode == "online"
    monkeypatch.setenv("WANDB_DISABLED", "perhaps")
    with pytest.raises(UsageError, match="WANDB_DISABLED must be true or false"):
        Settings.from_environment()


def test_settings_system_from_settings_setup_or_init(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    mine = write(tmp_path / "mine.ini", "[default]\nproject = from-mine\nrun_group = mine\n")
    theirs = write(tmp_path / "theirs.ini", "[default]\nproject = from-theirs\n")
    run = runbase.init(mode="disabled", settings=Settings(settings_system=str(mine)))
    assert (run.settings.project, run.settings.settings_system) == ("from-mine", str(mine))
    run.finish()
    runbase.setup({"settings_system": str(theirs)})
    try:
        run = runbase.init(mode="disabled")
        assert run.settings.project == "from-theirs"
        run.finish()
        run = runbase.init(mode="disabled", settings={"settings_system": str(mine)})  # init's wins over setup()'s
        assert (run.settings.project, run.settings.run_group) == ("from-mine", "mine")
        run.finish()
    finally:
        runbase.lifecycle._setup_settings = None


def test_unknown_names_and_run_moments_are_named() -> None:
    from runbase.errors import UnknownSettingError

    for make in (lambda: Settings(foo=1), lambda: Settings().updated({"foo": 1}),
                 lambda: setattr(Settings(), "foo", 1)):
        with pytest.raises(UnknownSettingError, match="foo") as raised:
            make()
        assert isinstance(raised.value, UsageError) and isinstance(raised.value, TypeError)
    for name in ("resume_from", "fork_from"):
        with pytest.raises(UsageError, match=f"^{name}: cannot read the run moment 'zz'"):
            Settings(**{name: "zz"})


def test_checked_fills_the_reference_s_defaults() -> None:
    s = Settings().checked()
    assert (s.reinit, s.save_code, s.show_info, s.heartbeat_seconds) == ("default", None, True, 30.0)


def test_an_unset_setting_reads_the_reference_s_default(monkeypatch: pytest.MonkeyPatch) -> None:
    s = Settings()
    assert (s.show_info, s.silent, s.allow_offline_artifacts, s.disable_job_creation, s.x_primary) == (
        True, False, True, True, True)
    assert (s.x_stats_sampling_interval, s.heartbeat_seconds, s.init_timeout, s.x_log_level,
            s.max_end_of_run_history_metrics, s.x_stats_buffer_size) == (15.0, 30.0, 90.0, 20, 10, 0)
    assert (s.mode, s.console, s.reinit, s.git_remote, s.ignore_globs, s.x_stats_disk_paths) == (
        "online", "auto", "default", "origin", (), ("/",))
    assert (s.api_key, s.entity, s.save_code, s.anonymous, s.run_id, s.x_stats_gpu_device_ids) == (None,) * 6
    assert s.x_stats_pid == os.getpid()
    assert all(getattr(s, name) == field.default for name, field in FIELDS.items()
               if name not in ("base_url", "x_stats_pid"))
    assert s.base_url == "http://127.0.0.1:8080"  # runbase's server, not W&B's cloud
    monkeypatch.setenv("RUNBASE_BASE_URL", "http://elsewhere:9000/")
    assert Settings().base_url == "http://elsewhere:9000"  # the server runbase uses when none is set
    assert (s.as_dict(), repr(s)) == ({}, "Settings()")  # reading a default does not set it
    s = Settings(show_info=False, silent=None)
    assert (s.show_info, s.silent, s.as_dict()) == (False, False, {"show_info": False})
    setattr(s, "show_info", None)  # not set again: the default
    assert (s.show_info, s.as_dict()) == (True, {})


def test_a_setting_set_to_its_default_still_wins_over_the_environment(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import copy
    import pickle

    environ = {"WANDB_SILENT": "true", "WANDB_SHOW_INFO": "false", "WANDB_MODE": "offline",
               "WANDB_X_STATS_SAMPLING_INTERVAL": "2"}
    monkeypatch.chdir(tmp_path)  # no workspace settings file
    base = Settings.from_sources(environ)
    explicit = Settings(silent=False, show_info=True, mode="online", x_stats_sampling_interval=15.0)
    assert explicit.as_dict() == {"mode": "online", "show_info": True, "silent": False,
                                  "x_stats_sampling_interval": 15.0}
    for kept in (copy.copy(explicit), copy.deepcopy(explicit), pickle.loads(pickle.dumps(explicit)),
                 Settings().updated(explicit), Settings().updated(explicit.as_dict())):
        assert kept.as_dict() == explicit.as_dict()
    fields = ("silent", "show_info", "mode", "x_stats_sampling_interval")
    assert [getattr(base.updated(explicit), name) for name in fields] == [False, True, "online", 15.0]
    assert [getattr(base.updated(Settings()), name) for name in fields] == [True, False, "offline", 2.0]
    merged = Settings.from_sources(environ)
    merged.update_from_settings(explicit)
    assert [getattr(merged.checked(), name) for name in fields] == [False, True, "online", 15.0]
    # init(): Settings over the environment, and the environment over a default never set
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    run = runbase.init(mode="disabled", settings=Settings(silent=False, show_info=True, x_stats_sampling_interval=15))
    assert (run.settings.silent, run.settings.show_info, run.settings.x_stats_sampling_interval) == (False, True, 15.0)
    run.finish()
    run = runbase.init(mode="disabled")
    assert (run.settings.silent, run.settings.show_info, run.settings.x_stats_sampling_interval) == (True, False, 2.0)
    run.finish()


def test_every_field_is_in_the_readme_settings_subsection() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    section = readme.split("### Settings\n", 1)[1].split("\n### ", 1)[0]
    named = set(__import__("re").findall(r"`([a-z_]+)", section))
    prefixes = {name.rstrip("*") for name in __import__("re").findall(r"`([a-z_]+_)\*`", section)}
    missing = [name for name in FIELDS if name not in named and not any(name.startswith(p) for p in prefixes)]
    assert missing == []


def test_a_tiny_row_limit_is_said_in_bytes(tmp_path: Path) -> None:
    run = runbase.init(mode="offline", settings={"x_file_stream_max_line_bytes": 10, "root_dir": str(tmp_path),
                                                 "x_disable_stats": True, "console": "off"})
    try:
        with pytest.raises(ValueError, match=r"about 20 bytes, over the 10 bytes limit for one step"):
            run.log({"text": "x" * 20})
    finally:
        run.finish()


def test_file_requests_take_the_transfer_timeout() -> None:
    import httpx

    from runbase.connection import Connection
    from runbase.files import FileClient

    timeouts: list[tuple[str, float]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        timeouts.append((request.method, request.extensions["timeout"]["read"]))
        return httpx.Response(200, json={"held": []})

    connection = Connection("http://server", "k", network=Network(transfer_timeout=3.0))
    connection.http = httpx.Client(transport=httpx.MockTransport(answer), timeout=30.0)
    files = FileClient(connection)
    assert files._kept("a" * 64) is None
    files._post_json("/files/blobs/held", {"digests": []}, "checking")
    assert timeouts == [("HEAD", 3.0), ("POST", 3.0)]


def test_a_second_run_beside_the_first_leaves_its_terminal_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    from runbase import term

    for name in ("_silent", "_logger", "_hidden"):
        monkeypatch.setattr(term, name, getattr(term, name))
    first = runbase.init(mode="disabled", settings={"show_warnings": True})
    second = runbase.init(mode="disabled", reinit="create_new", settings={"show_warnings": False})
    runbase.termwarn("still shown")
    assert "still shown" in capsys.readouterr().err
    second.finish()
    first.finish()


def test_a_copy_shares_no_dict() -> None:
    import copy

    s = Settings(x_extra_http_headers={"X-A": "1"}, x_stats_open_metrics_filters={"m": {"l": "v"}})
    copied = copy.copy(s)
    assert copied == s and copied.x_extra_http_headers is not s.x_extra_http_headers
    assert copied.x_stats_open_metrics_filters["m"] is not s.x_stats_open_metrics_filters["m"]  # type: ignore[index,call-overload]


def test_computed_properties(tmp_path: Path) -> None:
    s = Settings(root_dir=str(tmp_path), run_id="abc", entity="e", project="p", base_url="http://h:1",
                 x_start_time=0.0, mode="offline")
    assert s.wandb_dir == str(tmp_path / "runbase") and s.run_mode == "offline-run"
    assert s.timespec == __import__("datetime").datetime.fromtimestamp(0).strftime("%Y%m%d_%H%M%S")
    assert s.sync_dir == str(tmp_path / "runbase" / f"offline-run-{s.timespec}-abc")
    assert s.files_dir == os.path.join(s.sync_dir, "files") and s.sync_file.endswith("run-abc.runbase")
    assert (s.sync_symlink_latest, s.resume_fname) == (str(tmp_path / "runbase" / "latest-run"),
                                                       str(tmp_path / "runbase" / "resume.json"))
    assert (s.project_url, s.run_url, s.sweep_url) == ("http://h:1/e/p", "http://h:1/e/p/runs/abc", "")
    assert (s.is_local, s.deployment, s.colab_url) == (True, "local", None)
    with pytest.raises(NotImplementedError, match="debug logs"):
        _ = s.log_dir
    with pytest.raises(UsageError, match="sync_dir is known once the run has an id"):
        _ = Settings().sync_dir
    with pytest.raises(NotImplementedError, match="to_proto"):
        s.to_proto()


def test_network_options_from_the_settings() -> None:
    network = Network.from_settings(Settings(
        http_proxy="http://p1:3128", x_proxies={"https": "http://p2:3128", "all://special": "http://p3:1"},
        insecure_disable_ssl=True, x_extra_http_headers={"X-Team": "a"}, x_graphql_timeout_seconds=7.0,
        x_graphql_retry_max=4, x_graphql_retry_wait_min_seconds=0.1, x_file_transfer_retry_max=0,
        x_file_transfer_timeout_seconds=3.0))
    assert network.proxies == {"http://": "http://p1:3128", "https://": "http://p2:3128",
                               "all://special": "http://p3:1"}
    assert (network.verify, network.timeout, network.transfer_options()) == (False, 7.0, {"timeout": 3.0})
    assert (network.retry, network.transfer_retry) == (Retry(4, 0.1, 2.0), Retry(0, 0.5, 2.0))
    client = network.client({"Authorization": "Bearer k"}, 30.0)
    assert client.headers["X-Team"] == "a" and client.headers["Authorization"] == "Bearer k"
    assert client.timeout.read == 7.0
    transport = client._transport_for_url(__import__("httpx").URL("https://server/x"))
    assert transport._pool._ssl_context.verify_mode == ssl.CERT_NONE  # type: ignore[attr-defined]
    assert Network().verify and Network().proxies == {} and Network().retry == Retry(0)


@pytest.mark.parametrize(("headers", "message"), [
    ({"Authorization": "x"}, "cannot set Authorization"), ({"host": "evil"}, "cannot set host"),
    ({"Content-Length": "0"}, "cannot set Content-Length"), ({"Transfer-Encoding": "chunked"}, "cannot set Transfer"),
    ({"Connection": "close"}, "cannot set Connection"), ({"X-A": "v\r\nX-Injected: 1"}, r"\['X-A'\]: .*CR, LF or NUL"),
    ({"X-A": "v\0"}, "CR, LF or NUL"), ({"X-B\r\nX-Inj": "1"}, "is not an HTTP header name"),
    ({"Bad Name": "1"}, "'Bad Name' is not an HTTP header name"),
])
def test_extra_headers_are_http_headers_the_client_does_not_set(headers: dict[str, str], message: str) -> None:
    with pytest.raises(UsageError, match=message) as raised:
        Settings(x_extra_http_headers=headers)
    assert str(raised.value).startswith("x_extra_http_headers")
    if "cannot set" not in message:  # an open-metrics endpoint may want its own Host or Authorization
        with pytest.raises(UsageError, match=f"x_stats_open_metrics_http_headers.*{message}"):
            Settings(x_stats_open_metrics_http_headers=headers)
    assert Settings(x_extra_http_headers={"X-Team": "a", "User-Agent": "mine"}).x_extra_http_headers


@pytest.mark.parametrize(("name", "value", "message"), [
    ("x_proxies", {"http": "ftp://u:s3cret@h:1"}, r"x_proxies\['http'\] must be an http://.*'ftp://u:\*\*\*@h:1'"),
    ("x_proxies", {"http": "not a url"}, r"x_proxies\['http'\] must be a proxy URL"),
    ("x_proxies", {"bad key!": "http://h:1"}, "'bad key!' is not a proxy key"),
    ("x_proxies", ["http://h:1"], "x_proxies must be a dict"),
    ("http_proxy", "ftp://u:s3cret@h:1", r"http_proxy must be an http://.*\*\*\*"),
    ("https_proxy", "proxy:3128", "https_proxy must be a proxy URL"),
])
def test_proxies_are_checked_when_set_and_passwords_not_echoed(name: str, value: Any, message: str) -> None:
    with pytest.raises(UsageError, match=message) as raised:
        Settings(**{name: value})
    assert "s3cret" not in str(raised.value)


def test_proxy_keys_httpx_takes_and_socks_proxies() -> None:
    import importlib.util

    proxies = {"http": "http://a:1", "all://special.example": "http://b:2", "https://*.example.com": "https://c:3"}
    assert Network.from_settings(Settings(x_proxies=proxies)).client({}, 5.0)
    if importlib.util.find_spec("socksio") is None:
        with pytest.raises(UsageError, match=r"http_proxy: a SOCKS proxy needs the socksio package"):
            Settings(http_proxy="socks5://h:1080")
    else:
        assert Network.from_settings(Settings(http_proxy="socks5://h:1080")).client({}, 5.0)


def test_repr_hides_secrets() -> None:
    shown = repr(Settings(api_key="k" * 40, http_proxy="http://u:pw1@h:1", x_proxies={"all": "https://a:pw2@c"},
                          project="p", x_extra_http_headers={"X-Token": "pw3"},
                          azure_account_url_to_access_key={"https://a.blob": "pw4"}))
    assert "k" * 40 not in shown and not any(f"pw{i}" in shown for i in range(1, 5))
    assert "project='p'" in shown and "http://u:***@h:1" in shown and "'X-Token': '***'" in shown


def test_retry_tries_again_only_what_may_pass() -> None:
    calls: list[int] = []

    def failing(retryable: bool) -> Any:
        def action() -> None:
            calls.append(1)
            raise CommError("down", retryable=retryable)
        return action

    with pytest.raises(CommError):
        Retry(2, 0.0, 0.0).run(failing(True))
    assert len(calls) == 3
    calls.clear()
    with pytest.raises(CommError):
        Retry(2, 0.0, 0.0).run(failing(False))
    assert len(calls) == 1


def test_graphql_requests_are_tried_again_per_the_settings() -> None:
    import httpx

    from runbase.connection import Connection

    statuses: list[int] = []

    def connection(retries: int) -> Connection:
        answers = [503, 503, 200]

        def answer(request: httpx.Request) -> httpx.Response:
            statuses.append(answers[0])
            return httpx.Response(answers.pop(0), json={"data": {"ok": True}})

        network = Network.from_settings(Settings(x_graphql_retry_max=retries, x_graphql_retry_wait_min_seconds=0.0,
                                                 x_graphql_retry_wait_max_seconds=0.0))
        made = Connection("http://runbase.invalid", "k", network=network)
        made.http._transport = httpx.MockTransport(answer)
        return made

    patient = connection(2)
    assert patient.get_data(patient.execute("{ ok }")) == {"ok": True} and statuses == [503, 503, 200]
    statuses.clear()
    impatient = connection(1)
    with pytest.raises(CommError, match="HTTP 503") as raised:
        impatient.get_data(impatient.execute("{ ok }"))
    assert raised.value.retryable and statuses == [503, 503]


def test_show_settings_keep_their_kind_of_line_off_stderr(monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    from runbase import term

    for name in ("_silent", "_logger", "_hidden"):
        monkeypatch.setattr(term, name, getattr(term, name))  # put back after the test
    term.termsetup(Settings(show_errors=False, show_info=False))
    term.termerror("bad")
    term.termlog("info")
    term.termwarn("careful")
    assert capsys.readouterr().err == "runbase: WARNING careful\n"
