"""A public Run parses its config and summary on first read: the values must be those the eager parse gave."""

from __future__ import annotations

import copy
import json
import math
from typing import Any, cast

from runbase.apis.public.runs import Run, Summary, _snapshot
from runbase.config import from_wandb_shape
from runbase.connection import Connection

CONFIG = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf, "big": 2**63, "huge": -(2**70), "ünï.cödé": "✓ ü",
          "a.b": {"c.d": {"e": [1, math.nan, {"f": math.inf}]}}, "plain": {"value": 3, "other": 4},
          "float": 1.0, "int": 1, "flag": True, "none": None}
SUMMARY = {"nan": math.nan, "inf": math.inf, "big": 2**63 + 1, "ключ": {"x.y": {"z": [math.inf, -math.inf]}},
           "list": [math.nan, [2**64]], "none": None, "_wandb": {"runtime": 3}}
RAW_CONFIG = {**{key: {"value": value} for key, value in CONFIG.items()}, "_wandb": {"value": {"cli_version": "x"}}}


def attrs() -> dict[str, Any]:
    """What the server sends for a run: config and summary as JSON text (NaN, Infinity and big ints in it)."""
    return {"id": "1", "name": "r1", "state": "finished", "display_name": "one", "tags": ["t"], "notes": None,
            "group": None, "job_type": None, "config": json.dumps(RAW_CONFIG), "summary_metrics": json.dumps(SUMMARY),
            "system_metrics": "{}", "history_keys": "{}", "project": {"name": "p", "entity_name": "e"}}


def same(a: Any, b: Any) -> bool:
    """Equal values of equal types all the way down, NaN equal to NaN (json.dumps tells 1 from 1.0 and True)."""
    return type(a) is type(b) and json.dumps(a) == json.dumps(b)


def run() -> Run:
    return Run(cast(Connection, None), "e", "p", "r1", attrs=attrs())  # no request: the attributes are given


def test_lazy_config_and_summary_equal_the_eager_parse() -> None:
    eager_config = from_wandb_shape(json.loads(attrs()["config"]))
    eager_summary = json.loads(attrs()["summary_metrics"])
    lazy = run()
    assert same(lazy.config, eager_config) and lazy.config is lazy.config
    assert isinstance(lazy.summary, Summary) and same(dict(lazy.summary), eager_summary)
    assert same(lazy.rawconfig, RAW_CONFIG) and "_wandb" not in lazy.config
    assert same(lazy._loaded_summary, copy.deepcopy(dict(lazy.summary)))
    assert math.isnan(lazy.config["nan"]) and lazy.summary["big"] == 2**63 + 1 and lazy.config["huge"] == -(2**70)
    assert list(lazy.config) == list(CONFIG) and list(lazy.summary) == list(SUMMARY)  # key order kept
    assert (lazy.name, lazy.tags, lazy.entity, lazy.state) == ("one", ["t"], "e", "finished")


def test_snapshot_is_deepcopy_for_parsed_json() -> None:
    """Fresh containers and the very same leaves, as deepcopy gives: a [NaN] left alone compares equal to
    the server's copy (list equality checks identity first), so update() does not send it again."""
    parsed = json.loads(json.dumps(SUMMARY))
    copied, deep = _snapshot(parsed), copy.deepcopy(parsed)
    assert same(copied, deep)
    assert copied["list"] is not parsed["list"] and copied["list"][1] is not parsed["list"][1]
    assert copied["list"][0] is parsed["list"][0] is deep["list"][0]
    assert copied["list"] == parsed["list"] and copied["ключ"] == parsed["ключ"]


def test_assigned_config_and_summary_replace_the_parsed_ones() -> None:
    replaced = run()
    replaced.config = {"lr": 0.1}
    replaced.summary = {"loss": 1.0}
    assert replaced.config == {"lr": 0.1} and replaced.summary == {"loss": 1.0}
    assert same(replaced._loaded_summary, json.loads(attrs()["summary_metrics"]))  # what update() compares with
    unset = run()
    unset.config = None  # not a dict: update() refuses it, so a None must not read back as the parsed config
    assert unset.config is None
