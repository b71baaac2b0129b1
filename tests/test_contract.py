"""schema.graphql is the contract: the server serves exactly it, and the client and the web app's operation
types are generated from it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from graphql import build_schema, lexicographic_sort_schema, print_schema


def test_served_schema_equals_the_contract() -> None:
    from runbase_server.graphql.schema import build

    served = print_schema(lexicographic_sort_schema(build()._schema))
    contract = print_schema(lexicographic_sort_schema(build_schema((ROOT / "schema.graphql").read_text())))
    assert served == contract


def test_generated_client_is_up_to_date() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "codegen.py"), "--check"], capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr


def test_web_app_operation_types_are_up_to_date(tmp_path: Path) -> None:
    """graphql-codegen also validates the page's operations (web/src/queries) against the schema."""
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed: the web app's generated types (web/src/generated) are not checked")
    codegen = ROOT / "web" / "node_modules" / ".bin" / "graphql-codegen"
    if not codegen.exists():
        pytest.fail("web/node_modules is missing: run scripts/build_web.sh (the test command does)")
    fresh = tmp_path / "graphql.ts"
    result = subprocess.run([str(codegen), "--config", "codegen.ts", "--silent"], cwd=ROOT / "web", text=True,
                            capture_output=True, timeout=300, env={**os.environ, "RUNBASE_CODEGEN_OUT": str(fresh)})
    assert result.returncode == 0, result.stdout + result.stderr
    committed = ROOT / "web" / "src" / "generated" / "graphql.ts"
    assert fresh.read_text() == committed.read_text(), "stale web types: run `npm run codegen` in web/"


def test_client_installs_without_server_dependencies() -> None:
    """The SDK imports with none of the server's packages available."""
    code = (
        "import sys\n"
        "for name in ('strawberry', 'sqlalchemy', 'starlette', 'uvicorn', 'alembic', 'psycopg', 'runbase_server'):\n"
        "    sys.modules[name] = None\n"
        "import runbase\n"
        "run = runbase.init(mode='disabled')\n"
        "run.log({'x': 1})\n"
        "run.finish()\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_an_offline_run_loads_no_network_client(tmp_path: Path) -> None:
    """A training script's start stays cheap: `import runbase` and an offline run load neither httpx nor pydantic
    (with the generated GraphQL models), nor PyYAML; Artifact, save and restore still come when asked for."""
    code = (
        "import sys, runbase\n"
        "heavy = ('httpx', 'pydantic', 'yaml', 'runbase._generated', 'runbase.artifacts.artifact')\n"
        "print(sorted(name for name in heavy if name in sys.modules))\n"
        "runbase.init(project='p', mode='offline', settings=runbase.Settings(silent=True))\n"
        "runbase.log({'x': 1})\n"
        "runbase.finish()\n"
        "print(sorted(name for name in heavy if name in sys.modules))\n"
        "from runbase import Artifact, restore, save\n"
        "from runbase import files\n"
        "from runbase.artifacts import ArtifactManifestEntry, artifact\n"
        "print(Artifact is runbase.Artifact is artifact.Artifact, save is runbase.save is files.save,\n"
        "      restore is runbase.restore, ArtifactManifestEntry.__module__)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUNBASE_", "WANDB_"))}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path,
                            env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["[]", "[]", "True True True runbase.artifacts.manifest"]


def test_the_server_never_imports_the_client() -> None:
    """The contract is what they share; a server module importing the SDK would tie their releases."""
    import subprocess
    import sys

    code = ("import pkgutil, importlib, sys, runbase_server\n"
            "for m in pkgutil.walk_packages(runbase_server.__path__, 'runbase_server.'):\n"
            "    if '.migrations' not in m.name:\n"
            "        importlib.import_module(m.name)\n"
            "print(sorted(name for name in sys.modules if name == 'runbase' or name.startswith('runbase.')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
