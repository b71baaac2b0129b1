"""The object-store emulators the tests start on 127.0.0.1 (scripts/test.sh installs them): each a process of its
own on a free port, holding its objects in memory, with the test bucket made as soon as it answers. Besides the
S3 server (conftest.S3), fake-gcs-server for gs:// and Azurite for az:// references, each with the settings a user
would give runbase's SDK for it."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import subprocess
import time
from email.utils import formatdate
from pathlib import Path
from typing import Any

import httpx
import plain_http

BUCKET = "runbase-test"
# Azurite's account and key, the well-known ones of Azure's storage emulators
AZURE_ACCOUNT = "devstoreaccount1"
AZURE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


class Emulator:
    """A store's emulator process. Subclasses make the bucket in `_make_bucket` (True once it answered) and say
    what a reference to it needs: its scheme, the SDK's environment, and an obstore client for the tests' own
    reads and writes."""

    scheme = ""
    version_marker = "#"  # what follows an object's key in a reference pinned to its version
    # A changed object is refused at download through If-Match on its recorded ETag; False where the emulator
    # ignores If-Match, so that only a change of size (or of a pinned version) is seen.
    honours_if_match = True

    def __init__(self, argv: list[str], *, port: int, log: Path, env: dict[str, str] | None = None) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        self.process = subprocess.Popen(argv, env={**os.environ, **(env or {})}, cwd=log.parent,
                                        stdout=log.open("ab"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{argv[0]} exited: {log.read_text()}")
            try:
                if self._make_bucket():
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{argv[0]} did not start: {log.read_text()}")

    def _make_bucket(self) -> bool:
        raise NotImplementedError

    def root(self, prefix: str) -> str:
        """The URI of `prefix` in the test bucket, as a user writes it."""
        return f"{self.scheme}://{BUCKET}/{prefix}"

    def reference_env(self) -> dict[str, str]:
        """The environment a user sets for the SDK to read the bucket with their credentials."""
        raise NotImplementedError

    def store(self, prefix: str) -> Any:
        """An obstore client for the objects under `prefix`."""
        raise NotImplementedError

    def put(self, prefix: str, key: str, body: bytes) -> None:
        import obstore

        obstore.put(self.store(prefix), key, body)

    def put_verbatim(self, prefix: str, key: str, body: bytes) -> None:
        """An object under exactly `key`, as another tool could write it, for a key obstore makes no object under (a
        control character, a '.' or an empty segment, a trailing '/'): `put`, where that keeps the name as given
        (fake-gcs-server's JSON upload); conftest.S3 sends a raw request."""
        self.put(prefix, key, body)

    def stop(self) -> None:
        self.process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(10)
        self.process.kill()  # where it has not exited: Popen leaves a process it has reaped alone
        self.process.wait()


class FakeGCS(Emulator):
    """fake-gcs-server, which obstore reaches as GCS through a service-account file naming it (`gcs_base_url`,
    with `disable_oauth`), the way obstore's own tests do. It lacks GCS's XML upload (fsouza/fake-gcs-server#331),
    so the tests write through its JSON API; it ignores If-Match on reads, so a changed object under a prefix is
    seen at download only by its size here (GCS answers If-Match with 412). A single object's reference pins its
    generation, which it keeps."""

    scheme = "gs"
    honours_if_match = False

    def __init__(self, binary: Path, *, port: int, log: Path) -> None:
        self.service_account = log.parent / "service-account.json"
        self.service_account.write_text(json.dumps({
            "gcs_base_url": f"http://127.0.0.1:{port}", "disable_oauth": True, "client_email": "",
            "private_key": "", "private_key_id": ""}))
        super().__init__([str(binary), "-scheme", "http", "-host", "127.0.0.1", "-port", str(port),
                          "-public-host", f"127.0.0.1:{port}", "-backend", "memory", "-log-level", "warn"],
                         port=port, log=log)

    def _make_bucket(self) -> bool:
        return plain_http.post(f"{self.url}/storage/v1/b", json={"name": BUCKET}, timeout=1).status_code == 200

    def reference_env(self) -> dict[str, str]:
        return {"GOOGLE_SERVICE_ACCOUNT": str(self.service_account)}

    def store(self, prefix: str) -> Any:
        from obstore.store import GCSStore

        return GCSStore(BUCKET, prefix=prefix, service_account_path=str(self.service_account))

    def put(self, prefix: str, key: str, body: bytes) -> None:
        plain_http.post(f"{self.url}/upload/storage/v1/b/{BUCKET}/o", params={
            "uploadType": "media", "name": f"{prefix}/{key}"}, content=body).raise_for_status()


class Azurite(Emulator):
    """Microsoft's Azurite (its blob service), which the SDK reaches with the account name and key as it would
    Azure's, and the endpoint of this account."""

    scheme = "az"

    def __init__(self, program: Path, *, port: int, log: Path) -> None:
        super().__init__([str(program), "--blobHost", "127.0.0.1", "--blobPort", str(port), "--inMemoryPersistence",
                          "--disableTelemetry", "--skipApiVersionCheck", "--silent"], port=port, log=log)

    def _make_bucket(self) -> bool:
        """Create Container, signed with the account's key (Azure's SharedKey scheme), as Azurite requires."""
        headers = {"x-ms-date": formatdate(usegmt=True), "x-ms-version": "2021-08-06"}
        signed = "PUT\n" + "\n" * 11 + "".join(f"{name}:{value}\n" for name, value in sorted(headers.items())) + \
            f"/{AZURE_ACCOUNT}/{AZURE_ACCOUNT}/{BUCKET}\nrestype:container"
        signature = base64.b64encode(hmac.new(base64.b64decode(AZURE_KEY), signed.encode(), hashlib.sha256).digest())
        answer = plain_http.put(f"{self.url}/{AZURE_ACCOUNT}/{BUCKET}", params={"restype": "container"}, timeout=1,
                                headers={**headers, "Authorization": f"SharedKey {AZURE_ACCOUNT}:{signature.decode()}"})
        return answer.status_code == 201

    def reference_env(self) -> dict[str, str]:
        return {"AZURE_STORAGE_ACCOUNT_NAME": AZURE_ACCOUNT, "AZURE_STORAGE_ACCOUNT_KEY": AZURE_KEY,
                "AZURE_STORAGE_ENDPOINT": f"{self.url}/{AZURE_ACCOUNT}", "AZURE_ALLOW_HTTP": "true"}

    def store(self, prefix: str) -> Any:
        from obstore.store import AzureStore

        return AzureStore(BUCKET, prefix=prefix, account_name=AZURE_ACCOUNT, account_key=AZURE_KEY,
                          endpoint=f"{self.url}/{AZURE_ACCOUNT}", client_options={"allow_http": True})
