"""tables.postgres_json: the JSON text a JSONB column gets, where a float written with an exponent would come back a
whole number (JSONB keeps digits and decimals, not the exponent)."""

from __future__ import annotations

import json
import math

from runbase_server.tables import postgres_json


def test_whole_floats_are_written_in_digits_and_read_back_as_the_same_floats() -> None:
    value = {"a": 1e16, "b": [2.0**60, -1.5e300], "c": {"d": 1e22}, "i": 10**20, "small": 1e-5, "f": 0.5}
    text = postgres_json(value)
    assert "e+" not in text and '"a": 10000000000000000.0' in text and '"i": 100000000000000000000' in text
    back = json.loads(text)
    assert back == value and [type(back[k]) for k in value] == [type(value[k]) for k in value]
    assert back["b"][0] == 2.0**60 and type(back["c"]["d"]) is float


def test_strings_and_keys_that_look_like_numbers_are_left_as_they_are() -> None:
    value = {"1e+16": 'x 1e+16 "quoted 2e+20" \\ 3e+5', "k": ["4e+17", 5e17], "n": math.pi}
    assert json.loads(postgres_json(value)) == value
    assert postgres_json({"x": 1}) == json.dumps({"x": 1})  # no exponent: json.dumps' text as it is
