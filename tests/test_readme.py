"""The README's automation example runs as written (with a team and project of its own)."""

from __future__ import annotations

import uuid

import pytest
from conftest import ROOT, Server

import runbase as wandb


def test_the_automate_example_runs(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (ROOT / "README.md").read_text()
    example = readme.split("## Automate", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    team = f"team-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("RUNBASE_BASE_URL", server.url)
    monkeypatch.setenv("RUNBASE_API_KEY", server.key)
    api = wandb.Api()
    api.create_team(team)
    api.create_project("vision", entity=team)
    exec(example.replace("my-team", team), {})  # noqa: S102 - the documented example is the test
    saved = {automation.name: automation for automation in api.automations(entity=team)}
    assert set(saved) == {"accuracy-drop", "deploy"} and not saved["deploy"].enabled
    assert len(list(api.slack_integrations(entity=team))) == 1
    assert [i.name for i in api.webhook_integrations(entity=team)] == ["ci"]
