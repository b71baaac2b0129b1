"""schema.graphql is the contract: the server serves exactly it and the client is generated from it."""

from __future__ import annotations

import subprocess
import sys

from graphql import build_schema, lexicographic_sort_schema, print_schema

from conftest import ROOT


def test_served_schema_equals_the_contract() -> None:
    from runbase_server.schema import build

    served = print_schema(lexicographic_sort_schema(build()._schema))
    contract = print_schema(lexicographic_sort_schema(build_schema((ROOT / "schema.graphql").read_text())))
    assert served == contract


def test_generated_client_is_up_to_date() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "codegen.py"), "--check"], capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr


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
