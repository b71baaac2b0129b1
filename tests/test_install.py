"""runbase installed from a wheel built from the tree: the client alone, and with the server. Slow (virtualenvs
are built from PyPI or pip's cache), and part of the README's test command. The README's run command has its
tests in test_readme.py."""

from __future__ import annotations

import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import plain_http
from conftest import free_port
from installs import ROOT, build_wheel, clean_environment, make_venv, wait_healthy

import runbase

pytestmark = pytest.mark.slow
SERVER_ONLY = ("runbase_server.http.app", "strawberry", "starlette", "uvicorn", "sqlalchemy", "alembic", "psycopg",
               "graphql", "slack_sdk", "numpy")
LOG_A_RUN = """
    import runbase
    with runbase.init(project="installed", config={"lr": 0.1}) as run:
        for step in range(100):
            run.log({"loss": 1 / (step + 1)})
    print(run.id)
"""


def _python(python: Path, code: str, cwd: Path | None = None, **env: str) -> str:
    result = subprocess.run([str(python), "-c", textwrap.dedent(code)], cwd=cwd, capture_output=True, text=True,
                            timeout=300, env=clean_environment(**env))
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="module")
def client_only(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_venv(tmp_path_factory.mktemp("client") / "venv", str(wheel))


@pytest.fixture(scope="module")
def wheel_server(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """`runbase server` from the wheel with its server extra, on a free port: (url, admin key)."""
    workdir = tmp_path_factory.mktemp("server")
    python = make_venv(workdir / "venv", f"{wheel}[server]")
    port, key = free_port(), "installed_" + "k" * 40
    process = subprocess.Popen([str(python.parent / "runbase"), "server", "--port", str(port), "--data-dir",
                                str(workdir / "data")], env=clean_environment(RUNBASE_ADMIN_API_KEY=key),
                               stdout=subprocess.DEVNULL, stderr=(workdir / "server.log").open("w"))
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_healthy(url, process)
        except AssertionError:
            raise AssertionError((workdir / "server.log").read_text()) from None
        yield url, key
    finally:
        process.terminate()
        process.wait(30)


def test_the_wheel_ships_every_package_and_the_contract(wheel: Path) -> None:
    import zipfile

    names = set(zipfile.ZipFile(wheel).namelist())
    for required in ("runbase/artifacts/__init__.py", "runbase/automations/__init__.py", "runbase/py.typed",
                     "runbase/_generated/client.py", "runbase_server/schema.graphql",
                     "runbase_server/migrations/env.py", "runbase_server/migrations/script.py.mako",
                     "runbase_server/migrations/versions/0001_initial_schema.py",
                     "runbase_server/web/static/index.html", "runbase_server/web/static/graphiql.html"):
        assert required in names, required
    sources = {path.relative_to(folder.parent).as_posix() for folder in (ROOT / "client" / "runbase",
                                                                          ROOT / "server" / "runbase_server")
               for path in folder.rglob("*.py") if "__pycache__" not in path.parts}
    assert sources - names == set()


def test_the_client_installs_alone(client_only: Path) -> None:
    found = _python(client_only, f"""
        import importlib.util, runbase
        from runbase.apis.public import Api
        from runbase.automations import OnRunMetric
        from runbase import Artifact
        assert callable(runbase.init) and callable(runbase.log)
        print([name for name in {SERVER_ONLY!r} if importlib.util.find_spec(name.split(".")[0]) is not None
               and name != "runbase_server.http.app"])
    """)
    assert found.strip() == "[]", found
    version = subprocess.run([str(client_only.parent / "runbase"), "--version"], capture_output=True, text=True)
    assert version.stdout.strip() == f"runbase {runbase.__version__}"
    server = subprocess.run([str(client_only.parent / "runbase"), "server", "--port", str(free_port())],
                            capture_output=True, text=True, env=clean_environment())
    assert server.returncode == 1 and "needs the server extra: pip install 'runbase[server]'" in server.stderr
    assert server.stderr.count("\n") == 1, server.stderr


def test_the_client_alone_logs_to_a_server_from_the_wheel(client_only: Path, wheel_server: tuple[str, str],
                                                          tmp_path: Path) -> None:
    url, key = wheel_server
    run_id = _python(client_only, LOG_A_RUN, cwd=tmp_path, RUNBASE_BASE_URL=url, RUNBASE_API_KEY=key,
                     RUNBASE_CONFIG_DIR=str(tmp_path / "config")).strip().splitlines()[-1]
    answer = plain_http.post(f"{url}/graphql", headers={"Authorization": f"Bearer {key}"}, json={
        "query": '{ project(name: "installed") { run(name: "%s") { state historyLineCount config } } }' % run_id})
    run = answer.json()["data"]["project"]["run"]
    assert run["state"] == "finished" and run["historyLineCount"] == 100
