"""gs:// and az:// references end to end, as the s3:// ones (tests/reference_checks.py): an SDK process records
objects and prefixes from fake-gcs-server and Azurite (tests/emulators.py) with the user's own credentials, given
as the README says (GOOGLE_SERVICE_ACCOUNT, a service-account file; AZURE_STORAGE_ACCOUNT_NAME and
AZURE_STORAGE_ACCOUNT_KEY, with AZURE_STORAGE_ENDPOINT for an endpoint of its own), and another downloads them
checked. What is tested is the SDK and the stores: the manifest the server keeps is the same on both of its
databases, so these run on SQLite (the s3:// ones run on both)."""

from __future__ import annotations

import base64
import hashlib
import uuid
from pathlib import Path

import pytest
from conftest import Server, run_script
from emulators import Azurite, Emulator
from reference_checks import DOWNLOAD, check_odd_keys, check_recorded_and_downloaded, environment

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@pytest.fixture(params=["gcs", "azurite"])
def store(request: pytest.FixtureRequest) -> Emulator:
    return request.getfixturevalue(request.param)


def test_objects_and_prefixes_are_recorded_and_downloaded_checked(server: Server, store: Emulator,
                                                                 tmp_path: Path) -> None:
    entries = check_recorded_and_downloaded(server, store, tmp_path)
    if store.scheme == "gs":  # a single object pins its generation, and fake-gcs-server's ETag is its MD5
        assert "#" in entries["model.bin"][2]
        assert entries["model.bin"][0] == base64.b64encode(hashlib.md5(b"weights").digest()).decode()


def test_keys_with_question_marks_hashes_spaces_and_unicode(server: Server, store: Emulator, tmp_path: Path) -> None:
    check_odd_keys(server, store, tmp_path)


REFUSED_DOWNLOAD = """
import runbase
with runbase.init(project="refs-az-keys") as run:
    artifact = runbase.Artifact("keyed", "dataset")
    artifact.add_reference("{root}/model.bin")
    run.log_artifact(artifact)
"""


def test_a_download_with_refused_credentials_names_the_reference(server: Server, azurite: Azurite,
                                                                 tmp_path: Path) -> None:
    """Azurite checks the account key: a download with a wrong one is a ValueError naming the reference and the
    store's answer, not obstore's error dump."""
    prefix = f"refs-{uuid.uuid4().hex[:8]}"
    azurite.put(prefix, "model.bin", b"weights")
    env = environment(server, azurite, tmp_path)
    run_script(REFUSED_DOWNLOAD.format(root=azurite.root(prefix)), env)
    wrong = {**env, "AZURE_STORAGE_ACCOUNT_KEY": base64.b64encode(b"not the key").decode()}
    answer = run_script(DOWNLOAD.format(project="refs-az-keys", name="keyed", into=tmp_path / "out", only=None,
                                        allow_missing=False), wrong).stdout
    assert answer.startswith("REFUSED ValueError cannot download the reference 'model.bin'"), answer
    assert "may these credentials read it?" in answer and "\n" not in answer.strip(), answer
    assert not (tmp_path / "out" / "model.bin").exists()
