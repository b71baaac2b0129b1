"""The end-to-end checks of s3://, gs:// and az:// references, each run against a store's emulator
(tests/emulators.py) by tests/test_bucket_references.py and tests/test_cloud_references.py: an SDK process logs
references with the user's own credentials from the store's usual environment variables, and another process,
as another machine would, downloads them checked."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from conftest import Server, run_script, sdk_environment
from emulators import Emulator

LOG = """
import json, runbase
with runbase.init(project="{project}") as run:
    artifact = runbase.Artifact("bucket-data", "dataset")
    artifact.add_reference("{root}/model.bin")
    artifact.add_reference("{root}/images", name="images")
    artifact.add_reference("{root}/images/a.png", name="unchecked.png", checksum=False)
    for bad in ("{root}/missing.bin", "{root}/nothing-under/", "{elsewhere}/model.bin"):
        try:
            artifact.add_reference(bad)
        except ValueError as exc:
            print("REFUSED", exc)
    try:
        artifact.add_reference("{root}/images", name="few", max_objects=2)
    except ValueError as exc:
        print("REFUSED", exc)
    run.log_artifact(artifact)
    print("ENTRIES", json.dumps({{e.path: [e.digest, e.size, e.ref] for e in artifact.manifest.entries.values()}}))
"""

DOWNLOAD = """
import runbase
artifact = runbase.Api().artifact("{project}/{name}:latest")
try:
    print("ROOT", artifact.download("{into}", path_prefix={only!r}, allow_missing_references={allow_missing}))
except (ValueError, FileNotFoundError) as exc:
    print("REFUSED", type(exc).__name__, exc)
"""

ODD_KEYS = {"odd/what?x=1&y=2.bin": b"a question mark", "odd/hash#1.bin": b"a hash sign",
            "odd/\u00fcn\u00efc\u00f8d\u00e9 \u540d\u524d.bin": b"unicode and a space"}

ODD_LOG = """
import json, runbase
with runbase.init(project="{project}") as run:
    artifact = runbase.Artifact("odd-keys", "dataset")
    artifact.add_reference("{root}/odd", name="odd")
    for key in {keys!r}:
        artifact.add_reference("{root}/" + key, name="one-by-one/" + key)
    run.log_artifact(artifact)
    print("ENTRIES", json.dumps({{e.path: [e.size, e.ref] for e in artifact.manifest.entries.values()}}))
"""


def environment(server: Server, store: Emulator, tmp_path: Path) -> dict[str, str]:
    """An SDK process's environment: the runbase server, and the store's credentials as a user sets them."""
    return {**sdk_environment(server, tmp_path), **store.reference_env(), "RUNBASE_DISABLE_STATS": "true"}


def refusals(output: str) -> list[str]:
    """The lines of a script's output that say what it refused."""
    return [line for line in output.splitlines() if line.startswith("REFUSED")]


def line(output: str, tag: str) -> str:
    return next(line for line in output.splitlines() if line.startswith(tag + " "))[len(tag) + 1:]


def recorded(store: Emulator, prefix: str, key: str) -> tuple[str, str]:
    """The ETag (unquoted) and the reference of an object as the store describes it: a single object's reference
    pins the version the store gives (a GCS generation)."""
    import obstore

    meta = obstore.head(store.store(prefix), key)
    version = f"{store.version_marker}{meta['version']}" if meta["version"] else ""
    return meta["e_tag"].strip('"'), f"{store.root(prefix)}/{key}{version}"


def download(store: Emulator, env: dict[str, str], into: Path, *, only: str | None = None,
             name: str = "bucket-data", allow_missing: bool = False) -> str:
    return run_script(DOWNLOAD.format(project=f"refs-{store.scheme}", name=name, into=into, only=only,
                                      allow_missing=allow_missing), env).stdout


def check_recorded_and_downloaded(server: Server, store: Emulator, tmp_path: Path) -> dict[str, Any]:
    """An object and a prefix recorded with their ETags and sizes; a missing object, an empty prefix, a missing
    bucket and max_objects refused when adding; a download checked, and refused (with nothing written) for an
    object changed or deleted since. The recorded entries, for the store's own checks."""
    import obstore

    prefix = f"refs-{uuid.uuid4().hex[:8]}"
    objects = {"model.bin": b"weights", "images/a.png": b"a.png", "images/b.png": b"b.png",
               "images/deep/c.png": b"deep/c.png"}
    for key, body in objects.items():
        store.put(prefix, key, body)
    elsewhere = f"{store.scheme}://no-such-bucket-{uuid.uuid4().hex[:8]}"
    logged = run_script(LOG.format(project=f"refs-{store.scheme}", root=store.root(prefix), elsewhere=elsewhere),
                        environment(server, store, tmp_path / "logger")).stdout
    refused = refusals(logged)
    assert len(refused) == 4, logged
    assert "no object at or under" in refused[0] and "no object at or under" in refused[1]
    assert elsewhere in refused[2] and "is the bucket there, and may these credentials read it?" in refused[2]
    assert "more than max_objects=2" in refused[3]
    entries = json.loads(line(logged, "ENTRIES"))
    assert sorted(entries) == ["images/a.png", "images/b.png", "images/deep/c.png", "model.bin", "unchecked.png"]
    etag, ref = recorded(store, prefix, "model.bin")
    assert entries["model.bin"] == [etag, 7, ref]
    for key in ("a.png", "b.png", "deep/c.png"):  # a prefix's objects, as listed: no version pinned
        etag = recorded(store, prefix, f"images/{key}")[0]
        assert entries[f"images/{key}"] == [etag, len(objects[f"images/{key}"]),
                                            f"{store.root(prefix)}/images/{key}"]
    assert entries["unchecked.png"] == [None, None, f"{store.root(prefix)}/images/a.png"]

    downloader = environment(server, store, tmp_path / "downloader")
    root = Path(line(download(store, downloader, tmp_path / "one"), "ROOT"))
    assert {key: (root / key).read_bytes() for key in objects} == objects
    assert (root / "unchecked.png").read_bytes() == b"a.png"

    store.put(prefix, "model.bin", b"WEIGHTS")  # changed upstream after it was logged, its size the same
    answer = download(store, downloader, tmp_path / "changed", only="model.bin")
    # refused by its ETag (If-Match), or, for GCS, whose reference pins its generation, as that version is gone
    assert "REFUSED" in answer and "model.bin" in answer and "since it was logged" in answer, answer
    assert not (tmp_path / "changed" / "model.bin").exists()

    obstore.delete(store.store(prefix), "images/b.png")  # gone: refused, or skipped where allowed
    answer = download(store, downloader, tmp_path / "deleted", only="images/b.png")
    assert "REFUSED FileNotFoundError" in answer and "images/b.png" in answer and "no longer exists" in answer, answer
    root = Path(line(download(store, downloader, tmp_path / "allowed", only="images/", allow_missing=True), "ROOT"))
    fetched = {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}
    assert fetched == {"images/a.png", "images/deep/c.png"}, fetched

    # Under a prefix, nothing pins a version: the recorded ETag does (If-Match), or the size where the
    # emulator ignores If-Match.
    store.put(prefix, "images/deep/c.png", b"DEEP/C.PNG" if store.honours_if_match else b"retrained c.png")
    answer = download(store, downloader, tmp_path / "changed-under", only="images/deep/")
    assert "REFUSED ValueError" in answer and "images/deep/c.png" in answer, answer
    assert "changed since it was logged" in answer, answer
    assert not (tmp_path / "changed-under" / "images" / "deep" / "c.png").exists()
    return entries


def check_odd_keys(server: Server, store: Emulator, tmp_path: Path) -> None:
    """Keys that a URL would cut at '?' or '#' or percent-encode, recorded by an SDK process (a prefix, and each
    key alone) and downloaded checked by another."""
    prefix = f"refs-{uuid.uuid4().hex[:8]}"
    for key, body in ODD_KEYS.items():
        store.put(prefix, key, body)
    env = environment(server, store, tmp_path / "logger")
    logged = run_script(ODD_LOG.format(project=f"refs-{store.scheme}", root=store.root(prefix), keys=list(ODD_KEYS)),
                        env).stdout
    entries = json.loads(line(logged, "ENTRIES"))
    expected = {**ODD_KEYS, **{f"one-by-one/{key}": body for key, body in ODD_KEYS.items()}}
    assert sorted(entries) == sorted(expected), entries
    for key, body in ODD_KEYS.items():
        assert entries[key] == [len(body), f"{store.root(prefix)}/{key}"]
        assert entries[f"one-by-one/{key}"] == [len(body), recorded(store, prefix, key)[1]]

    downloader = environment(server, store, tmp_path / "downloader")
    root = Path(line(download(store, downloader, tmp_path / "got", name="odd-keys"), "ROOT"))
    assert {path: (root / path).read_bytes() for path in expected} == expected
