"""s3:// references (issue 18): the SDK's CPU time to record a prefix of many small objects and to download them
(references.download, as Artifact.download runs it, WORKERS at a time), beside obstore itself fetching the same
objects through one client of the bucket. Against MiniStack (the tests' .venv-s3), as artifacts.py --s3
--s3-server ministack.

    python benchmarks/bucket_references.py [--objects 1000] [--repeats 3] [--versioned]

Measured with the process's CPU time (all threads), the two ways interleaved, as the machine is shared; adding the
reference also by its wall time, which the HEAD per object of a bucket that keeps versions (--versioned) adds to."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from artifacts import S3_BUCKET, s3_server  # noqa: E402 - the S3 server of W6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--objects", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--versioned", action="store_true", help="turn on the bucket's versioning first")
    args = parser.parse_args()
    import obstore
    from obstore.store import S3Store
    from runbase.artifacts import references
    from runbase.artifacts.manifest import ArtifactManifestEntry
    from runbase.files import WORKERS

    with tempfile.TemporaryDirectory() as folder, s3_server(Path(folder)) as endpoint:
        os.environ.update({"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                           "AWS_REGION": "us-east-1", "AWS_ALLOW_HTTP": "true"})
        bucket = S3Store(S3_BUCKET, endpoint=endpoint, region="us-east-1", access_key_id="test",
                         secret_access_key="test", client_options={"allow_http": True})
        if args.versioned:  # unsigned: an emulator
            versioning = b"<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>"
            request = urllib.request.Request(f"{endpoint}/{S3_BUCKET}?versioning", data=versioning, method="PUT")
            urllib.request.urlopen(request, timeout=10).close()
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(lambda i: obstore.put(bucket, f"many/{i:06d}", b"x" * 1024), range(args.objects)))
        for _ in range(args.repeats):
            started, wall = time.process_time(), time.perf_counter()
            entries = references.entries_for(f"s3://{S3_BUCKET}/many")
            print(f"add_reference of {len(entries)} objects: {time.process_time() - started:.2f} s CPU, "
                  f"{time.perf_counter() - wall:.2f} s wall, {sum('versionID' in e.extra for e in entries)} versions")

        def sdk(root: Path) -> None:
            with ThreadPoolExecutor(WORKERS) as workers:
                list(workers.map(lambda entry: references.download(entry, root / entry.path, False), entries))

        def one_client(root: Path) -> None:
            def fetch(entry: ArtifactManifestEntry) -> None:
                got = obstore.get(bucket, f"many/{entry.path}", options={"if_match": f'"{entry.digest}"'})
                (root / entry.path).write_bytes(got.bytes())

            with ThreadPoolExecutor(WORKERS) as workers:
                list(workers.map(fetch, entries))

        for repeat in range(args.repeats):
            for label, way in (("runbase download", sdk), ("obstore, one client", one_client)):
                root = Path(tempfile.mkdtemp(dir=folder))
                started = time.process_time()
                way(root)
                print(f"{repeat} {label}: {time.process_time() - started:.2f} s CPU for {len(entries)} objects")


if __name__ == "__main__":
    main()
