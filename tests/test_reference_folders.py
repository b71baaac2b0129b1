"""Folders in buckets, for s3:// and gs:// references, each shown by an SDK process against the store's emulator,
as tests/reference_checks.py runs them (from an independent review).

A "folder" in a bucket is often an empty object whose key ends with "/": the S3 console's "Create folder" makes
one, and so do GCS's console, gsutil and Hadoop's connectors. Like W&B's client, runbase leaves such objects out
when it expands a prefix: a reference to the folder or to its parent records the files under it, and download()
fetches them."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from conftest import Server, run_script
from emulators import Emulator
from reference_checks import download, environment, line, refusals

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

LOG = """
import json, runbase
with runbase.init(project="{project}") as run:
    artifact = runbase.Artifact("{artifact}", "dataset")
    for uri, name in {references!r}:
        try:
            artifact.add_reference(uri, name=name)
        except ValueError as exc:
            print("REFUSED", exc)
    run.log_artifact(artifact)
    print("ENTRIES", json.dumps(sorted(artifact.manifest.entries)))
"""


@pytest.fixture(params=["s3", "gcs"])
def store(request: pytest.FixtureRequest) -> Emulator:
    return request.getfixturevalue(request.param)


def log_with_folder(server: Server, store: Emulator, tmp_path: Path, artifact: str,
                    references: list[tuple[str, str | None]]) -> tuple[list[str], list[str]]:
    """A folder object "data/" holding "data/a.txt", referenced by an SDK process (each URI relative to the
    prefix's root): what it refused, and the entries it logged."""
    prefix = f"refs-{uuid.uuid4().hex[:8]}"
    store.put_verbatim(prefix, "data/", b"")  # obstore makes no key ending with '/'
    store.put(prefix, "data/a.txt", b"a")
    root = store.root(prefix)
    logged = run_script(LOG.format(project=f"refs-{store.scheme}", artifact=artifact, references=[
        (root + uri, name) for uri, name in references]), environment(server, store, tmp_path / "logger")).stdout
    return refusals(logged), json.loads(line(logged, "ENTRIES"))


def test_a_reference_to_a_folder_holds_its_objects(server: Server, store: Emulator, tmp_path: Path) -> None:
    refused, entries = log_with_folder(server, store, tmp_path, "folder", [
        ("/data", None), ("/data/", "slashed"), ("/data", "named")])
    # Found: "cannot ... a artifact file name must be a non-empty string of at most 1024 characters" without a
    # name, and "artifact file name 'slashed/' must not contain empty, '.' or '..' components (path traversal is
    # refused)" with one: the folder object is listed as the prefix itself, an entry with an empty name.
    assert refused == [], refused
    assert entries == ["a.txt", "named/a.txt", "slashed/a.txt"], entries


def test_a_reference_to_a_folders_parent_downloads(server: Server, store: Emulator, tmp_path: Path) -> None:
    refused, entries = log_with_folder(server, store, tmp_path, "parent", [("", "parent")])
    assert refused == [], refused
    # Found: ["parent/data", "parent/data/a.txt"], the first the folder object, 0 bytes, recorded under the key
    # without its '/', which no object has
    assert entries == ["parent/data/a.txt"], entries
    answer = download(store, environment(server, store, tmp_path / "downloader"), tmp_path / "got", name="parent")
    assert "REFUSED" not in answer, answer
    root = Path(line(answer, "ROOT"))
    assert (root / "parent" / "data" / "a.txt").read_bytes() == b"a"


def test_the_folders_parent_downloads_even_as_recorded_now(server: Server, store: Emulator, tmp_path: Path) -> None:
    """What a user who logged such a prefix meets: every download of the version fails on the folder's entry."""
    log_with_folder(server, store, tmp_path, "parent-now", [("", "parent")])
    answer = download(store, environment(server, store, tmp_path / "downloader"), tmp_path / "got",
                      name="parent-now")
    # Found: "REFUSED FileNotFoundError the reference 'parent/data' points to .../data, which no longer exists"
    assert "REFUSED" not in answer, answer
