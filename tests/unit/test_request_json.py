"""Request bodies both ways at orjson's speed, exact like Python's encoder and parser: the client's
request_body and the server's loads_exact."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest
from pydantic import BaseModel
from runbase.connection import request_body
from runbase_server.documents import dump, loads_exact


@dataclasses.dataclass
class Point:
    value: float


class Model(BaseModel):
    value: float


def test_request_body_writes_what_pythons_encoder_writes() -> None:
    payload = {"query": "q", "variables": {"a": [1, 2.5, "é", None, True], "big": 2**70, "t": (1, 2)}}
    assert json.loads(request_body(payload)) == json.loads(json.dumps(payload))
    assert json.loads(request_body(payload))["variables"]["big"] == 2**70


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("wrap", [lambda v: v, lambda v: [v], lambda v: {"k": (v,)}, Point, lambda v: Model(value=v)])
def test_request_body_refuses_non_finite_numbers_wherever_they_are(value: float, wrap: object) -> None:
    with pytest.raises(ValueError):
        request_body({"variables": {"x": wrap(value)}})  # type: ignore[operator]


def test_request_body_takes_models_and_dataclasses() -> None:
    assert json.loads(request_body({"variables": {"p": Point(1.5), "m": Model(value=2.0)}})) == {
        "variables": {"p": {"value": 1.5}, "m": {"value": 2.0}}}


def test_loads_exact_is_exact_and_takes_deep_documents() -> None:
    assert loads_exact(b'{"a": 123456789012345678901234567890, "b": NaN, "c": -Infinity}')["a"] == \
        123456789012345678901234567890
    deep = loads_exact("[" * 1000 + "]" * 1000)  # deeper than Python's parser goes; orjson's limit is 1,024
    for _ in range(999):
        (deep,) = deep
    assert deep == []
    big_deep = "[" * 400 + "18446744073709551617" + "]" * 400
    for few_values in (False, True):
        found = loads_exact(big_deep, few_values=few_values)
        for _ in range(400):
            found = found[0]
        assert found == 18446744073709551617


def test_a_request_body_keeps_big_integers_in_its_values_and_its_strings_as_sent() -> None:
    """Data in a request body travels in strings (a batch of rows): digits there are text, whatever their
    length; a big integer among the variables is exact."""
    rows = json.dumps([{"_step": 1, "n": 2**70, "x": 0.1}])
    body = json.dumps({"query": "q", "variables": {"input": {"rows": rows, "n": 2**80}}})
    found = loads_exact(body, few_values=True)
    assert found["variables"]["input"] == {"rows": rows, "n": 2**80}


@pytest.mark.parametrize("text", [
    '{"a": 123456789012345678901}', '[-98765432109876543210]', '[9223372036854775807, 9223372036854775808]',
    '[18446744073709551615, 18446744073709551616]', '{"x": [0.000012345678901234567, 99999999999999999999]}',
    '[12345678901234567890.5, 12345678901234567890e1]', '["\u00e9\u4e2d", 123456789012345678901]',
    '["\\ud800", 123456789012345678901]', '{"m0": 0.36885456433921004, "m1": 1e-05, "n": 1234567890123456789}',
])
def test_loads_exact_reads_what_pythons_parser_reads(text: str) -> None:
    """orjson reads integers beyond 64 bits as floats: such texts (19 digits in a row) are read again by Python's
    parser; the rest keep orjson's reading, which is then the same. A request body (`few_values`) is read the
    same, its values looked at before its text."""
    for data in (text, text.encode("utf-8", "surrogatepass")):
        for few_values in (False, True):
            found, expected = loads_exact(data, few_values=few_values), json.loads(data)
            assert repr(found) == repr(expected)
            assert json.dumps(found) == json.dumps(expected)  # ints stay ints, floats floats


@pytest.mark.parametrize("value", [
    {"a": [1, 2.5, "é中", None, True, {"b": -0.0}], "c": 1e16, "d": 1.7976931348623157e308},
    {"nan": math.nan, "inf": [math.inf, -math.inf]}, [2**64, -(2**70)], ["\ud800 lone"], {"k\u0000": "\u0000"},
    (1, (2, 3)),
])
def test_dump_writes_what_pythons_encoder_writes(value: object) -> None:
    """The server's answers and documents: orjson where exact, Python's encoder where not (NaN, infinities,
    integers beyond 64 bits, lone surrogates); either way the text reads back as Python's encoder's would."""
    expected = json.dumps(value, separators=(",", ":"))
    found = dump(value)
    assert repr(json.loads(found)) == repr(json.loads(expected))
