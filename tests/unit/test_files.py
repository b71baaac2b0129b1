from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
import pytest
from runbase import files
from runbase.connection import Connection
from runbase.errors import AuthenticationError, CommError

KEY = "k" * 40


def client_with(handler: httpx.MockTransport) -> files.FileClient:
    connection = Connection("http://runbase.test", KEY)
    connection.http = httpx.Client(transport=handler)
    return files.FileClient(connection)


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "a/../b", "a\\b", "", "a//b", "./a", "a/",
                                  "C:/x", "a\x00b", "a\nb"])
def test_unsafe_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError):
        files.check_name(name)


def test_safe_names_and_names_under_a_root(tmp_path: Path) -> None:
    assert files.check_name("logs/out 1.txt") == "logs/out 1.txt"
    assert files.check_name("..hidden/x..y") == "..hidden/x..y"
    assert files.name_under(tmp_path / "a" / "b.txt", tmp_path) == "a/b.txt"
    with pytest.raises(ValueError, match="not inside"):
        files.name_under(tmp_path / "b.txt", tmp_path / "a")


def test_digest_of_reads_in_chunks(tmp_path: Path) -> None:
    data = b"x" * (files.CHUNK * 2 + 5)
    (tmp_path / "f").write_bytes(data)
    assert files.digest_of(tmp_path / "f") == (hashlib.sha256(data).hexdigest(), len(data))


def test_a_download_is_retried_after_a_passing_failure_and_verified(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files.time, "sleep", lambda seconds: None)
    body = b"contents"
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if len(calls) == 1:
            return httpx.Response(503, json={"errors": [{"message": "busy"}]})
        return httpx.Response(200, content=body)

    client = client_with(httpx.MockTransport(handler))
    client.download("/files/e/p/r/a.txt", tmp_path / "a.txt", hashlib.sha256(body).hexdigest())
    assert (tmp_path / "a.txt").read_bytes() == body and len(calls) == 2

    with pytest.raises(CommError, match="does not hash"):
        client.download("/files/e/p/r/b.txt", tmp_path / "b.txt", "0" * 64)
    assert not (tmp_path / "b.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]  # no temporary file left behind


def test_refusals_are_not_retried(tmp_path: Path) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        return httpx.Response(401, json={"errors": [{"message": "invalid API key"}]})

    with pytest.raises(AuthenticationError, match="invalid API key"):
        client_with(httpx.MockTransport(handler)).has_blob("0" * 64)
    assert calls == ["HEAD"]
