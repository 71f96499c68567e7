"""Per-version traffic from the app's EMF documents: which documents count, and the window."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from infra.rollout.binding.emf_traffic import (
    EmfTraffic,
    RequestSample,
    p95,
    request_sample,
    traffic_of,
)
from infra.rollout.providers.version_metrics import VersionTraffic

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def emf(
    version: str = "v2", at_s: float = 0.0, route: str = "/sites/{site_id}", **values: Any
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "_aws": {"Timestamp": (T0.timestamp() + at_s) * 1000, "CloudWatchMetrics": [{}]},
        "version": version,
        "route": route,
        "Latency": [12.5],
        "server_error": [0.0],
    }
    doc.update(values)
    return doc


@pytest.mark.parametrize(
    ("doc", "sample"),
    [
        (emf(), RequestSample(T0.timestamp(), "v2", 12.5, False)),
        (emf(server_error=[1.0]), RequestSample(T0.timestamp(), "v2", 12.5, True)),
        (emf(Latency=40, server_error=1), RequestSample(T0.timestamp(), "v2", 40.0, True)),
        (emf(route="/version"), None),  # the router's health check
        (emf(route="/health"), None),  # the probe's
        ({"level": "INFO", "message": "request"}, None),  # a log record, not EMF
        (emf(Latency=["x"]), None),
        (emf(Latency=[1.0, 2.0]), None),  # one request per document
        (emf(version=None), None),
        (emf(server_error=True), None),
    ],
)
def test_request_sample(doc: dict[str, Any], sample: RequestSample | None) -> None:
    assert request_sample(doc) == sample


@pytest.mark.parametrize(
    ("values", "expected"),
    [([], None), ([5.0], 5.0), ([float(i) for i in range(1, 21)], 19.0), ([3.0, 1.0, 2.0], 3.0)],
)
def test_p95_nearest_rank(values: list[float], expected: float | None) -> None:
    assert p95(values) == expected


def test_traffic_counts_one_version_in_a_half_open_window() -> None:
    s = T0.timestamp()
    samples = [
        RequestSample(s - 0.001, "v2", 1.0, True),  # before
        RequestSample(s, "v2", 10.0, False),  # at the start: in
        RequestSample(s + 5, "v2", 30.0, True),
        RequestSample(s + 5, "v1", 99.0, True),  # another version
        RequestSample(s + 10, "v2", 50.0, True),  # at the end: out
    ]
    end = datetime.fromtimestamp(s + 10, UTC)
    assert traffic_of(samples, "v2", T0, end) == VersionTraffic(2, 1, 30.0)
    assert traffic_of(samples, "v3", T0, end) == VersionTraffic(0, 0, None)


class Docs:
    def __init__(self) -> None:
        self.pending: list[Mapping[str, Any]] = []

    def documents(self) -> Iterable[Mapping[str, Any]]:
        out, self.pending = self.pending, []
        return out


def test_emf_traffic_accumulates_reads_and_forgets_old_samples() -> None:
    docs = Docs()
    now = [T0.timestamp() + 100]
    traffic = EmfTraffic(docs, lambda: now[0], keep_s=50)
    docs.pending = [emf(at_s=1), emf(at_s=60)]
    end = datetime.fromtimestamp(T0.timestamp() + 120, UTC)
    assert traffic.traffic("v2", T0, end).requests == 1  # at_s=1 is older than keep_s
    docs.pending = [emf(at_s=70, server_error=[1.0])]
    assert traffic.traffic("v2", T0, end) == VersionTraffic(2, 1, 12.5)
