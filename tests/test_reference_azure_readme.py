"""az:// references with the credentials the README names, followed as written (AZURE_STORAGE_ACCOUNT_NAME,
AZURE_STORAGE_ACCOUNT_KEY, AZURE_STORAGE_ENDPOINT for Azurite's endpoint and AZURE_ALLOW_HTTP for its plain http),
and nothing more. (From an independent review: the README once left out AZURE_ALLOW_HTTP.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Server, run_script
from emulators import Azurite
from reference_checks import environment

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

ADD = """
import runbase
artifact = runbase.Artifact("readme-azure", "dataset")
try:
    artifact.add_reference("{uri}")
    print("ADDED", sorted(artifact.manifest.entries))
except ValueError as exc:
    print("REFUSED", exc)
"""


def test_the_readmes_azure_settings_reach_azurite(server: Server, azurite: Azurite, tmp_path: Path) -> None:
    azurite.put("readme", "model.bin", b"weights")
    readme = ("AZURE_STORAGE_ACCOUNT_NAME", "AZURE_STORAGE_ACCOUNT_KEY", "AZURE_STORAGE_ENDPOINT", "AZURE_ALLOW_HTTP")
    env = {key: value for key, value in environment(server, azurite, tmp_path).items()
           if not key.startswith("AZURE_") or key in readme}
    answer = run_script(ADD.format(uri=azurite.root("readme") + "/model.bin"), env).stdout
    assert answer.strip() == "ADDED ['model.bin']", answer
