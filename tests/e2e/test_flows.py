"""The release plan's user flow: register a site, ingest (idempotently), query with paging,
summarize, generate a report and download both of its files."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.e2e.conftest import body

METRIC = "power_kw"
DAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=2)
WINDOW = {"metric": METRIC, "from": DAY.isoformat(), "to": (DAY + timedelta(days=1)).isoformat()}
# 150 one-minute readings from 10:00 (values 0..149): two pages of 100, three hourly buckets.
READINGS = [
    {
        "timestamp": (DAY + timedelta(hours=10, minutes=i)).isoformat(),
        "metric": METRIC,
        "value": float(i),
    }
    for i in range(150)
]


@pytest.fixture(scope="module")
def site(api: httpx.Client, sites: tuple[str, ...]) -> str:
    site_id = sites[-1]
    created = body(
        api.put(f"/sites/{site_id}", json={"name": "E2E plant", "capacity_kw": 200}), 200
    )
    assert (created["name"], created["capacity_kw"]) == ("E2E plant", 200)
    stored = body(api.post(f"/sites/{site_id}/readings", json={"readings": READINGS}), 200)
    assert stored == {"site_id": site_id, "received": 150, "stored": 150}
    return site_id


def test_a_registered_site_reads_back(api: httpx.Client, site: str) -> None:
    document = body(api.get(f"/sites/{site}"), 200)
    assert (document["name"], document["capacity_kw"], document["timezone"]) == (
        "E2E plant",
        200,
        "UTC",
    )


def test_ingest_is_idempotent(api: httpx.Client, site: str) -> None:
    replay = body(api.post(f"/sites/{site}/readings", json={"readings": READINGS[:10]}), 200)
    assert replay["stored"] == 10
    everything = body(api.get(f"/sites/{site}/readings", params={**WINDOW, "limit": 1000}), 200)
    assert len(everything["readings"]) == 150  # the replay changed nothing


def test_range_query_pages_through_every_reading_in_order(api: httpx.Client, site: str) -> None:
    first = body(api.get(f"/sites/{site}/readings", params=WINDOW), 200)
    assert len(first["readings"]) == 100
    assert first["next_cursor"]
    second = body(
        api.get(f"/sites/{site}/readings", params={**WINDOW, "cursor": first["next_cursor"]}), 200
    )
    assert second["next_cursor"] is None
    values = [r["value"] for r in first["readings"] + second["readings"]]
    assert values == [float(i) for i in range(150)]


def test_summary_aggregates_per_hour(api: httpx.Client, site: str) -> None:
    summary = body(api.get(f"/sites/{site}/summary", params={**WINDOW, "period": "hour"}), 200)
    buckets = {b["start"][11:13]: b for b in summary["buckets"]}
    assert sorted(buckets) == ["10", "11", "12"]
    ten = buckets["10"]
    assert (ten["count"], ten["min"], ten["max"]) == (60, 0.0, 59.0)
    assert ten["sum"] == pytest.approx(sum(range(60)))
    assert ten["mean"] == pytest.approx(29.5)
    assert buckets["12"]["count"] == 30


def test_a_report_is_generated_and_both_files_download(api: httpx.Client, site: str) -> None:
    request = {**WINDOW, "period": "hour"}
    created = api.post(f"/sites/{site}/reports", json=request)
    report = body(created, 201)
    assert created.headers["location"] == f"/reports/{report['report_id']}"
    assert report["bucket_count"] == 3
    links = body(api.get(created.headers["location"]), 200)
    assert links["expires_in_s"] > 0
    with httpx.Client(timeout=30) as anyone:  # presigned: no bearer token needed
        document = body(anyone.get(links["json_url"]), 200)
        table = anyone.get(links["csv_url"])
    assert [b["count"] for b in document["buckets"]] == [60, 60, 30]
    assert table.status_code == 200, table.text[:300]
    rows = list(csv.DictReader(io.StringIO(table.text)))
    assert len(rows) == 3
    assert {"count", "mean"} <= set(rows[0])
