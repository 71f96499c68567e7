"""Business metrics in EMF (readings ingested, report generation time and success, with the
version dimension) and the tracer staying inert outside Lambda."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app import observability
from app.storage.clients import AwsClients
from app.storage.errors import StoreUnavailable

from .support import auth_header
from .test_api import WINDOW, make_api

AUTH = auth_header()
REPORT = {"metric": "power_kw", "from": WINDOW["from"], "to": WINDOW["to"]}


def business_documents(out: str) -> list[dict[str, Any]]:
    docs = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return [d for d in docs if "_aws" in d and "route" not in d]


def seeded(api: TestClient) -> None:
    api.put("/sites/s1", json={"name": "S", "capacity_kw": 10}, headers=AUTH)
    batch = {"readings": [{"timestamp": "2026-05-31T10:00:00Z", "metric": "power_kw", "value": 5}]}
    api.post("/sites/s1/readings", json=batch, headers=AUTH)


def test_ingest_and_report_emit_business_metrics_with_the_version(
    clients: AwsClients,
    capfd: pytest.CaptureFixture[str],
) -> None:
    with make_api(clients) as api:
        capfd.readouterr()
        seeded(api)
        assert api.post("/sites/s1/reports", json=REPORT, headers=AUTH).status_code == 201
    docs = business_documents(capfd.readouterr().out)
    ingest, report = docs
    assert ingest["ReadingsIngested"] == [1.0]
    assert report["ReportsGenerated"] == [1.0]
    assert report["ReportsFailed"] == [0.0]
    assert report["ReportGenerationTime"][0] > 0
    for doc in docs:
        assert doc["version"] == "1.2.3"
        directive = doc["_aws"]["CloudWatchMetrics"][0]
        assert sorted(map(sorted, directive["Dimensions"])) == [["service"], ["service", "version"]]


def test_a_failed_generation_counts_as_a_failure(
    clients: AwsClients,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with make_api(clients) as api:
        seeded(api)
        bucket = type(api.app.state.services.bucket)  # type: ignore[attr-defined]

        def unavailable(*_: Any, **__: Any) -> None:
            raise StoreUnavailable("s3", "down")

        monkeypatch.setattr(bucket, "put", unavailable)
        capfd.readouterr()
        assert api.post("/sites/s1/reports", json=REPORT, headers=AUTH).status_code == 503
    (report,) = business_documents(capfd.readouterr().out)
    assert (report["ReportsGenerated"], report["ReportsFailed"]) == ([0.0], [1.0])


def test_a_client_mistake_is_not_a_failed_generation(
    clients: AwsClients,
    capfd: pytest.CaptureFixture[str],
) -> None:
    with make_api(clients) as api:
        capfd.readouterr()
        assert api.post("/sites/ghost/reports", json=REPORT, headers=AUTH).status_code == 404
    assert business_documents(capfd.readouterr().out) == []


def test_the_tracer_is_inert_outside_lambda() -> None:
    assert observability.tracer is None
    assert observability.build_tracer({}) is None


@pytest.mark.parametrize(
    ("environ", "wanted"),
    [
        ({}, False),
        ({"LAMBDA_TASK_ROOT": "/var/task"}, True),
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "true"}, False),
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "false"}, True),
        ({"POWERTOOLS_TRACE_DISABLED": "false"}, False),
    ],
)
def test_tracing_is_wanted_on_lambda_unless_the_stack_disables_it(
    environ: dict[str, str], wanted: bool
) -> None:
    assert observability.tracing_wanted(environ) is wanted
