"""OpenMetrics/Prometheus text endpoints (an NVIDIA DCGM exporter, a node exporter) scraped into system
metrics as W&B 0.21 does (its wandb-core monitor, openmetrics.go): gauges and counters only, keyed
`openmetrics.{endpoint}.{metric}.{index}`, where index numbers each metric's label sets in the order they
were first seen (the labels themselves are not in the key), and filtered by x_stats_open_metrics_filters.

The text is parsed with prometheus_client's parser. That parser renames counters (`x_total` becomes the
family `x`, a counter declared as `x` gets samples `x_total`), so the declared names are read from the
`# TYPE` lines to key a counter by the name the endpoint gave it, as W&B's parser (Prometheus's expfmt)
does. Values that are not finite (NaN, ±Inf) are left out: a system row is JSON."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterator, Mapping, Sequence

import httpx

from ..network import tls_context

log = logging.getLogger("runbase.system")
# W&B's per-request timeout. W&B also retries three times with 1-10 s waits; here the next reading is the
# retry, so a dead endpoint never holds the other metrics back by more than one timeout.
TIMEOUT_SECONDS = 5.0
Filters = Mapping[str, Mapping[str, str]] | Sequence[str] | None


class MetricFilter:
    """W&B's filter: no filter keeps everything; a list keeps the metrics one of whose regexes matches
    "{endpoint}.{metric}"; a dict {metric regex: {label: value regex}} keeps those for which, for one
    matching metric regex, every listed label is present and its value matches. Regexes are searched
    (unanchored, as Go's MatchString)."""

    def __init__(self, filters: Filters) -> None:
        items = filters.items() if isinstance(filters, Mapping) else ((pattern, {}) for pattern in filters or ())
        self._rules = [(re.compile(metric), [(label, re.compile(value)) for label, value in labels.items()])
                       for metric, labels in items]

    def __call__(self, full_name: str, labels: Mapping[str, str]) -> bool:
        if not self._rules:
            return True
        for metric, label_rules in self._rules:
            if metric.search(full_name) and all(
                    label in labels and value.search(labels[label]) for label, value in label_rules):
                return True
        return False


def _declared_counters(text: str) -> set[str]:
    return {parts[2] for parts in (line.split() for line in text.splitlines() if line.startswith("# TYPE"))
            if len(parts) >= 4 and parts[3] == "counter"}


def samples(text: str) -> Iterator[tuple[str, dict[str, str], float]]:
    """(metric, labels, value) of each gauge and counter sample, in the text's order. The whole text is
    parsed first, so a malformed one raises (ValueError) before anything is kept, as W&B drops it whole."""
    from prometheus_client.parser import text_string_to_metric_families

    families = list(text_string_to_metric_families(text))
    declared = _declared_counters(text)
    for family in families:
        if family.type == "gauge":
            names = {family.name: family.name}
        elif family.type == "counter":
            name = family.name + "_total" if family.name + "_total" in declared else family.name
            names = {family.name: name, family.name + "_total": name}
        else:
            continue
        for sample in family.samples:
            if sample.name in names:
                yield names[sample.name], dict(sample.labels), float(sample.value)


class Endpoint:
    """One endpoint's scrapes, keeping its label-set indices from reading to reading."""

    def __init__(self, name: str, url: str, metric_filter: MetricFilter) -> None:
        self.name = name
        self.url = url
        self._filter = metric_filter
        self._indices: dict[str, dict[frozenset[tuple[str, str]], int]] = {}

    def metrics(self, text: str) -> dict[str, float]:
        """The keys and values of one scrape's text."""
        metrics: dict[str, float] = {}
        for metric, labels, value in samples(text):
            if not self._filter(f"{self.name}.{metric}", labels) or not math.isfinite(value):
                continue
            indices = self._indices.setdefault(metric, {})
            index = indices.setdefault(frozenset(labels.items()), len(indices))
            metrics[f"openmetrics.{self.name}.{metric}.{index}"] = value
        return metrics


class OpenMetrics:
    """Scrapes every configured endpoint once per reading. An endpoint that fails (unreachable, slow,
    not 200, not Prometheus text) is left out of that reading alone and tried again at the next."""

    def __init__(self, endpoints: Mapping[str, str], *, filters: Filters = None,
                 headers: Mapping[str, str] | None = None, timeout: float = TIMEOUT_SECONDS) -> None:
        metric_filter = MetricFilter(filters)
        self._endpoints = [Endpoint(name, url, metric_filter) for name, url in endpoints.items()]
        self._client = httpx.Client(timeout=timeout, headers=dict(headers or {}), follow_redirects=True,
                                    verify=tls_context())

    def sample(self) -> dict[str, float]:
        metrics: dict[str, float] = {}
        for endpoint in self._endpoints:
            try:
                response = self._client.get(endpoint.url)
                if response.status_code != 200:
                    raise ValueError(f"HTTP {response.status_code}")
                metrics.update(endpoint.metrics(response.text))
            except Exception as e:  # noqa: BLE001 - unreachable, not 200, text the parser refuses: skip it
                log.debug("system metrics: OpenMetrics endpoint %s (%s) skipped: %s", endpoint.name, endpoint.url,
                          e)
        return metrics

    def close(self) -> None:
        """Closes the HTTP connections."""
        self._client.close()
