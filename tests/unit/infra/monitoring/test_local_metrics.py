"""API Gateway's metrics on the local target: from the router's counters when there is a
router, else from the app's EMF; latency always from EMF."""

from __future__ import annotations

import json
from datetime import timedelta

from infra.monitoring.local_metrics import RouterSample, api_key, build_store
from tests.unit.infra.monitoring.conftest import START, app_emf_lines

T = START.timestamp()


def docs(requests: int, share: float) -> list[dict[str, object]]:
    return [json.loads(line) for line in app_emf_lines(requests, share, START)]


def test_without_a_router_api_counts_come_from_emf() -> None:
    store, inputs = build_store(docs(10, 0.2), (), "dev")
    assert sum(store.values(api_key("Count"), T, T + 60)) == 10
    assert sum(store.values(api_key("5xx"), T, T + 60)) == 2
    assert len(store.values(api_key("Latency"), T, T + 60)) == 10
    assert (inputs.emf_documents, inputs.router_samples) == (10, 0)
    assert inputs.api_source == "the app's EMF"


def test_router_counters_become_per_interval_deltas_and_win_over_emf() -> None:
    router = [
        RouterSample(START, "green", 100, 0, 1),
        RouterSample(START + timedelta(seconds=10), "green", 150, 5, 11),
        RouterSample(START + timedelta(seconds=10), "blue", 40, 0, 0),  # first reading: no delta
        RouterSample(START + timedelta(seconds=20), "green", 20, 0, 2),  # restarted: from zero
    ]
    store, inputs = build_store(docs(10, 0.5), router, "dev")
    assert store.values(api_key("Count"), T, T + 60) == [50.0, 20.0]
    assert store.values(api_key("5xx"), T, T + 60) == [10.0, 2.0]
    assert store.values(api_key("4xx"), T, T + 60) == [5.0, 0.0]
    assert len(store.values(api_key("Latency"), T, T + 60)) == 10  # still from EMF
    assert inputs.api_source == "the local router's counters"


def test_documents_of_other_namespaces_are_not_requests() -> None:
    other = docs(1, 0.0)[0]
    other["_aws"]["CloudWatchMetrics"][0]["Namespace"] = "Other"  # type: ignore[index]
    store, _ = build_store([other], (), "dev")
    assert store.values(api_key("Count"), T, T + 60) == []
