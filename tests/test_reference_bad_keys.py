"""A prefix holding a key obstore cannot address (a tab or another control character, which S3 takes in a key; a
'.' segment, which GCS keeps as written) is refused with the key named, whatever its fault (from an independent
review: the message once always blamed an empty segment)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from conftest import Server, run_script
from emulators import Emulator
from reference_checks import environment

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

ADD = """
import runbase
try:
    runbase.Artifact("bad-keys", "dataset").add_reference("{root}")
except ValueError as exc:
    print("REFUSED", exc)
"""


@pytest.mark.parametrize(("scheme", "key", "named"), [("s3", "tab\there.bin", "here.bin"),
                                                    ("gs", "dir/./dot.bin", "dot.bin")])
def test_a_prefix_refused_for_a_key_names_that_key(server: Server, scheme: str, key: str, named: str,
                                                   tmp_path: Path, request: pytest.FixtureRequest) -> None:
    store: Emulator = request.getfixturevalue({"s3": "s3", "gs": "gcs"}[scheme])
    prefix = f"refs-{uuid.uuid4().hex[:8]}"
    store.put_verbatim(prefix, key, b"x")  # a key obstore makes no object under
    answer = run_script(ADD.format(root=store.root(prefix)), environment(server, store, tmp_path)).stdout
    assert answer.startswith("REFUSED"), answer
    assert named in answer and "control character" in answer, answer  # the key, and what keys obstore refuses
