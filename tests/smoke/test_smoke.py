"""The smoke suite: is the deployed environment up, the right build, and working end to end?"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.smoke.conftest import body

METRIC = "energy_kwh"


# Runs write to one site (the one the token grants), each to its own past day.
DAYS_BACK = 3650


@pytest.fixture(scope="module")
def site(api: httpx.Client, site_id: str) -> str:
    created = body(api.put(f"/sites/{site_id}", json={"name": "Smoke test site"}), 200)
    assert created["name"] == "Smoke test site"
    return site_id


@pytest.fixture(scope="module")
def window() -> tuple[datetime, datetime]:
    """A whole UTC day drawn per run (one daily bucket), so reruns never see each other's
    readings (a rare repeat writes the same values: ingest is idempotent)."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = today - timedelta(days=1 + uuid.uuid4().int % DAYS_BACK)
    return start, start + timedelta(days=1)


def test_health_answers_ok(anonymous: httpx.Client) -> None:
    document = body(anonymous.get("/health"), 200)
    assert document["status"] == "ok", document


def test_version_is_the_deployed_digest(anonymous: httpx.Client, expected_digest: str) -> None:
    document = body(anonymous.get("/version"), 200)
    assert document["artifact_digest"] == expected_digest


def test_request_without_token_is_refused(anonymous: httpx.Client) -> None:
    response = anonymous.get("/sites/smoke-unauthenticated")
    assert response.status_code == 401, response.text[:500]


def test_token_is_refused_on_a_site_it_does_not_grant(api: httpx.Client) -> None:
    response = api.get(f"/sites/smoke-foreign-{uuid.uuid4().hex[:12]}")
    assert body(response, 403)["error"] == "forbidden"


def test_written_readings_read_back(
    api: httpx.Client, site: str, window: tuple[datetime, datetime]
) -> None:
    start, end = window
    readings = [
        {"timestamp": (start + timedelta(hours=h)).isoformat(), "metric": METRIC, "value": v}
        for h, v in ((1, 1.5), (2, 2.5), (3, 3.0))
    ]
    stored = body(api.post(f"/sites/{site}/readings", json={"readings": readings}), 200)
    assert stored["stored"] == 3
    params = {"metric": METRIC, "from": start.isoformat(), "to": end.isoformat()}
    page = body(api.get(f"/sites/{site}/readings", params=params), 200)
    assert [r["value"] for r in page["readings"]] == [1.5, 2.5, 3.0]


def test_summary_aggregates_the_readings(
    api: httpx.Client, site: str, window: tuple[datetime, datetime]
) -> None:
    start, end = window
    params = {"metric": METRIC, "from": start.isoformat(), "to": end.isoformat(), "period": "day"}
    summary = body(api.get(f"/sites/{site}/summary", params=params), 200)
    assert summary["site_id"] == site
    assert len(summary["buckets"]) == 1, summary


def test_report_round_trip(api: httpx.Client, site: str, window: tuple[datetime, datetime]) -> None:
    start, end = window
    request = {"metric": METRIC, "period": "day", "from": start.isoformat(), "to": end.isoformat()}
    created = body(api.post(f"/sites/{site}/reports", json=request), 201)
    fetched = body(api.get(f"/reports/{created['report_id']}"), 200)
    assert fetched["report_id"] == created["report_id"]
    assert fetched["bucket_count"] == created["bucket_count"] == 1
    assert fetched["json_url"], fetched
