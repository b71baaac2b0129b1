"""OpenMetrics text to system keys as W&B 0.21 makes them: gauges and counters only, label sets indexed in
first-seen order, and both forms of x_stats_open_metrics_filters."""

from __future__ import annotations

import math

import pytest
from runbase.system.openmetrics import Endpoint, MetricFilter, samples

DCGM = """\
# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).
# TYPE DCGM_FI_DEV_GPU_UTIL gauge
DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-a",modelName="H100"} 17
DCGM_FI_DEV_GPU_UTIL{gpu="1",UUID="GPU-b",modelName="H100"} 3
# TYPE DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION counter
DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu="0"} 123456
# TYPE http_requests_total counter
http_requests_total{code="200"} 5
http_requests_created{code="200"} 1.7e9
# TYPE latency histogram
latency_bucket{le="1"} 1
latency_bucket{le="+Inf"} 1
latency_sum 0.5
latency_count 1
# TYPE up gauge
up 1
# TYPE broken gauge
broken NaN
untyped_thing 7
"""


def test_gauges_and_counters_keep_their_declared_names_and_nothing_else() -> None:
    found = list(samples(DCGM))
    assert found[:5] == [
        ("DCGM_FI_DEV_GPU_UTIL", {"gpu": "0", "UUID": "GPU-a", "modelName": "H100"}, 17.0),
        ("DCGM_FI_DEV_GPU_UTIL", {"gpu": "1", "UUID": "GPU-b", "modelName": "H100"}, 3.0),
        ("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", {"gpu": "0"}, 123456.0),
        ("http_requests_total", {"code": "200"}, 5.0),  # the name declared, not prometheus_client's "http_requests"
        ("up", {}, 1.0),
    ]
    assert len(found) == 6 and found[5][0] == "broken" and math.isnan(found[5][2])


def test_keys_index_label_sets_in_first_seen_order_across_readings() -> None:
    endpoint = Endpoint("dcgm", "http://unused", MetricFilter(None))
    assert endpoint.metrics(DCGM) == {
        "openmetrics.dcgm.DCGM_FI_DEV_GPU_UTIL.0": 17.0, "openmetrics.dcgm.DCGM_FI_DEV_GPU_UTIL.1": 3.0,
        "openmetrics.dcgm.DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION.0": 123456.0,
        "openmetrics.dcgm.http_requests_total.0": 5.0, "openmetrics.dcgm.up.0": 1.0,
    }  # NaN left out: a row is JSON
    later = """\
# TYPE DCGM_FI_DEV_GPU_UTIL gauge
DCGM_FI_DEV_GPU_UTIL{gpu="2",UUID="GPU-c",modelName="H100"} 50
DCGM_FI_DEV_GPU_UTIL{UUID="GPU-b",gpu="1",modelName="H100"} 4
"""
    assert endpoint.metrics(later) == {"openmetrics.dcgm.DCGM_FI_DEV_GPU_UTIL.2": 50.0,
                                       "openmetrics.dcgm.DCGM_FI_DEV_GPU_UTIL.1": 4.0}


def test_sequence_filters_match_endpoint_dot_metric_unanchored() -> None:
    endpoint = Endpoint("dcgm", "http://unused", MetricFilter(("dcgm.DCGM_FI_DEV_GPU", "requests")))
    assert set(endpoint.metrics(DCGM)) == {"openmetrics.dcgm.DCGM_FI_DEV_GPU_UTIL.0",
                                           "openmetrics.dcgm.DCGM_FI_DEV_GPU_UTIL.1",
                                           "openmetrics.dcgm.http_requests_total.0"}
    assert Endpoint("node", "http://unused", MetricFilter(("^dcgm\\.",))).metrics(DCGM) == {}


def test_dict_filters_need_every_listed_label_to_match() -> None:
    endpoint = Endpoint("dcgm", "http://unused", MetricFilter({
        "DCGM_FI_DEV_GPU_UTIL": {"gpu": "^1$", "modelName": "H1"},
        "ENERGY": {"missing_label": ".*"},
        "^dcgm\\.up$": {},
    }))
    # GPU 1 is index 0: indices count the label sets kept, in the order first seen.
    assert endpoint.metrics(DCGM) == {"openmetrics.dcgm.DCGM_FI_DEV_GPU_UTIL.0": 3.0, "openmetrics.dcgm.up.0": 1.0}


def test_malformed_text_is_refused_whole() -> None:
    endpoint = Endpoint("x", "http://unused", MetricFilter(None))
    with pytest.raises(ValueError):
        endpoint.metrics("# TYPE up gauge\nup 1\nup{ 2 3 4\n")
