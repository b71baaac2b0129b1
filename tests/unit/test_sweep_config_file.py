"""A sweep configuration file read by the CLI means what the server reads in the same text: YAML 1.2's numbers,
dates as text; a string where a number belongs is refused naming its type."""

from __future__ import annotations

from pathlib import Path

import pytest
from runbase.errors import UsageError
from runbase.sweeps import config_file
from runbase_server.errors import UserError
from runbase_server.sweeps import config as sweep_config

TEXT = """
method: random
parameters:
  lr: {min: 1e-5, max: 1.5E+2}
  wd: {values: [1e3, -2.5e-1, .5e1, 3, "1e-5", 1_000, 0x10, 2020-01-01, .inf, yes]}
"""


def test_the_cli_reads_a_configuration_file_as_the_server_reads_its_text(tmp_path: Path) -> None:
    (tmp_path / "sweep.yaml").write_text(TEXT)
    read = config_file.load(str(tmp_path / "sweep.yaml"))
    assert read == sweep_config.read(TEXT)
    assert read["parameters"]["lr"] == {"min": 1e-5, "max": 150.0}
    assert read["parameters"]["wd"]["values"][:-2] == [1000.0, -0.25, 5.0, 3, "1e-5", 1000, 16, "2020-01-01"]


def test_a_file_that_is_not_a_mapping_or_not_there_is_named(tmp_path: Path) -> None:
    (tmp_path / "list.yaml").write_text("[1, 2]")
    with pytest.raises(UsageError, match="list.yaml holds no sweep configuration"):
        config_file.load(str(tmp_path / "list.yaml"))
    with pytest.raises(UsageError, match="cannot read the sweep configuration"):
        config_file.load(str(tmp_path / "missing.yaml"))


def test_a_string_where_a_number_belongs_is_refused_naming_its_type() -> None:
    with pytest.raises(UserError) as raised:
        sweep_config.parse({"method": "random", "parameters": {"x": {"min": "1e-5", "max": True},
                                                               "y": {"values": [1], "probabilities": [[1]]}}})
    assert str(raised.value) == (
        "invalid sweep configuration: parameters.x.min: must be a number, not the string '1e-5'; "
        "parameters.x.max: must be a number, not the boolean True; "
        "parameters.y.probabilities.0: must be a number, not the list [1]")
