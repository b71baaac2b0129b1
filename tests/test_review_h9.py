"""Review h9: cases found breaking today's changes (some fail on purpose; see the commit messages)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from conftest import Server

import runbase


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.mark.parametrize("first, then", [("x", "x/y"), ("x/y", "x")])
def test_incremental_artifact_refuses_a_file_and_a_folder_of_one_name(
        server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, first: str, then: str) -> None:
    """An incremental draft takes the latest version's files with ArtifactManifest.put, which skips the
    file-and-folder check of add_entry: a draft adding x/y beside the latest version's x (or x beside x/y) is
    logged, and its download then fails with a bare OS error."""
    monkeypatch.setenv("RUNBASE_CACHE_DIR", str(tmp_path / "cache"))
    settings = runbase.Settings(base_url=server.url, api_key=server.key)
    project = unique("incr")
    (tmp_path / "a").write_text("a")
    (tmp_path / "b").write_text("b")
    v0 = runbase.Artifact("data", "dataset")
    v0.add_file(tmp_path / "a", name=first)
    v0.save(project=project, settings=settings)
    v0.wait()
    with pytest.warns(DeprecationWarning):
        incremental = runbase.Artifact("data", "dataset", incremental=True)
    incremental.add_file(tmp_path / "b", name=then)
    with pytest.raises(ValueError, match="no folder on disk"):
        incremental.save(project=project, settings=settings)
        incremental.wait()
    logged = runbase.Api(overrides={"base_url": server.url}, api_key=server.key).artifact(f"{project}/data:latest")
    assert logged.version == "v0", sorted(logged.manifest.entries)


# ---------------------------------------------------------------- the sender (SQLite only: the SDK's side)

import json  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

from official_client import Exchange, LoggingProxy  # noqa: E402
from proxied_runs import holding, logged_rows, start_run, stored_steps  # noqa: E402

from runbase import records  # noqa: E402


def _recorded_batches(log: Path) -> list[list[int]]:
    return [[row["_step"] for row in json.loads(record["rows"])] for record in records.read(log)
            if record["t"] == records.HISTORY and record["rows"] != "[]"]


def _wait_recorded(log: Path, step: int) -> None:
    deadline = time.monotonic() + 30
    while not _recorded_batches(log) or _recorded_batches(log)[-1][-1] != step:
        assert time.monotonic() < deadline
        time.sleep(0.05)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_bad_batch_among_merged_ones_costs_only_itself(server: Server, tmp_path: Path) -> None:
    held, release = threading.Event(), threading.Event()
    hold_first = holding(release, first_only=held)
    refused: list[list[int]] = []

    def policy(method: str, path: str, body: bytes) -> int | None:
        steps = [row["_step"] for row in logged_rows(body)]
        if steps and not held.is_set():
            hold_first(method, path, body)
        elif 1500 in steps:
            refused.append(steps)
            return 400
        return None

    with LoggingProxy(server, before=policy) as proxy:
        proxy_run = start_run(proxy, server, tmp_path, "h9-bad-batch")
        proxy_run.log({"x": 0})
        assert held.wait(30)
        [log] = tmp_path.rglob(f"run-{proxy_run.id}.runbase")
        for step in range(1, 3001):
            proxy_run.log({"x": step})
            if step % 1000 == 0:
                _wait_recorded(log, step)
        release.set()
        proxy_run.finish()
    bad = next(batch for batch in _recorded_batches(log) if 1500 in batch)
    assert len(refused) == 2 and refused[-1] == bad, refused
    assert stored_steps(server, proxy_run.id, "h9-bad-batch") == [s for s in range(3001) if s not in bad]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_rows_logged_fast_through_an_outage_arrive_once_in_order(server: Server, tmp_path: Path) -> None:
    down = threading.Event()
    dropped: list[int] = []

    def policy(method: str, path: str, body: bytes) -> int | None:
        if down.is_set() and b"LogHistory" in body:
            return 502
        return None

    def drop_merged(exchange: Exchange) -> bool:  # a merged request handled, its answer lost
        steps = [row["_step"] for row in logged_rows(exchange.body)]
        if len(steps) > 1500:
            dropped.extend(steps)
            return True
        return False

    with LoggingProxy(server, before=policy, drop_once=drop_merged) as proxy:
        run = start_run(proxy, server, tmp_path, "h9-outage", x_file_stream_retry_wait_min_seconds=0.1,
                        x_file_stream_retry_wait_max_seconds=0.5)
        for step in range(0, 2000):
            run.log({"x": step})
        down.set()
        for step in range(2000, 6000):
            run.log({"x": step, "s": "q" * (step % 50)})
            if step % 500 == 0:
                time.sleep(0.3)
        down.clear()
        for step in range(6000, 8000):
            run.log({"x": step})
        run.finish()
    assert dropped, "no merged request was sent"
    assert stored_steps(server, run.id, "h9-outage") == list(range(8000))


# ---------------------------------------------------------------- bucket references W&B wrote

def test_a_gcs_reference_w_and_b_wrote_downloads_or_says_why(tmp_path: Path) -> None:
    """W&B's GCS handler writes a reference's generation as an int (extra={"versionID": obj.generation}, digest
    obj.etag, no "etag" in extra). buckets.download reads it with _Where.recorded, whose _Where.__init__ adds it
    to a str: a bare TypeError before any request, even with allow_unverified_references=True."""
    pytest.importorskip("obstore")
    from runbase.artifacts import buckets
    from runbase.artifacts.manifest import ArtifactManifestEntry

    entry = ArtifactManifestEntry("f.txt", "CJ2Ot4u0n4gDEAE=", 5, ref="gs://some-bucket/f.txt",
                                  extra={"versionID": 1700000000000000})
    try:
        buckets.download(entry, entry.ref or "", tmp_path / "f.txt", allow_missing=False)
    except TypeError as exc:
        pytest.fail(f"a W&B-written GCS reference fails with a bare TypeError: {exc}")
    except (ValueError, OSError):
        pass  # no such bucket here: said as the store's answer


# ---------------------------------------------------------------- another user's references: If-Match injection

from test_reference_others_buckets import _check_refused  # noqa: E402


@pytest.mark.parametrize("store", ["s3", "azurite"])
def test_anothers_reference_whose_digest_is_a_star_is_not_fetched_without_the_opt_in(
        server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest,
        store: str) -> None:
    """buckets.pinned takes an entry whose extra etag equals its digest as pinned, whatever the digest is, and
    download sends If-Match: f'"{digest}"'. With digest "*" (written through addArtifactFiles: its logger needs
    no access to anything), Azure (Azurite) takes If-Match: "*" as the wildcard and serves the reader's own
    private object: written into the reader's download folder without allow_unverified_references=True. (S3
    answers 412 there, so the s3 case fails differently: a ValueError, not the refusal.)"""
    _check_refused(server, request.getfixturevalue(store), tmp_path, monkeypatch, lambda uri: {
        "path": "train.csv", "ref": uri, "digest": "*", "extra": {"etag": "*"}})


# ---------------------------------------------------------------- a refused summary takes rows down with it

from conftest import Server as _Server  # noqa: E402


def test_a_summary_too_large_for_a_request_costs_only_itself(tmp_path: Path) -> None:
    """The summary rides along with every batch of rows (Sender._send_history); a request the server refuses as
    too large because of it is taken for a refusal of its rows (_drop_rejected with sending == "a batch of
    history rows"): each batch pending with the summary goes again alone, is refused again, and is dropped, and
    only then is the summary sent alone, refused and dropped. Rows the server would have taken are lost."""
    server = _Server(tmp_path / "srv", None, {"RUNBASE_MAX_REQUEST_BYTES": "100000"}).start()
    try:
        run = runbase.init(settings=runbase.Settings(api_key=server.key, base_url=server.url, quiet=True,
                                                     root_dir=str(tmp_path)), project="h9-big-summary")
        for step in range(500):
            run.log({"x": step})
        run.summary["big"] = "x" * 200_000  # more than a request may carry: refused whatever goes with it
        for step in range(500, 3000):
            run.log({"x": step})
            if step % 500 == 0:
                time.sleep(0.2)
        run.finish()
        assert stored_steps(server, run.id, "h9-big-summary") == list(range(3000))
    finally:
        server.stop()
