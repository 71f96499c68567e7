"""The runtime probe against a real moto server, and the capacity model's journeys against the
calls the real app makes."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.local.provision import create_bucket, create_table
from app.main import create_app
from app.services import Services
from app.storage.clients import AwsClients, build_clients
from infra.targets import local_capacity as lc
from infra.targets.emulator_probe import EmulatorCalls, ProbeError, item_count, probe
from tests.unit.app.support import NOW, auth_header, settings

pytestmark = pytest.mark.emulator
REGION = "eu-west-1"


def tables_and_buckets(endpoint: str) -> tuple[list[str], bytes]:
    calls = EmulatorCalls(endpoint, REGION)
    tables = calls.checked(calls.dynamodb("ListTables", {}), "ListTables")["TableNames"]
    return [t for t in tables if t.startswith("capacity-probe")], calls.send(
        "GET", "/", "s3", b"", {}
    )[1]


def test_probe_measures_every_family_and_leaves_nothing_behind(aws_env: str) -> None:
    found = probe(aws_env, REGION, window_s=0.1, query_window_s=0.2)
    for field in ("get_item_per_s", "empty_query_per_s", "batch_write_per_s", "put_object_per_s"):
        assert getattr(found, field) > found.query_per_s > 0, field
    assert "runtime probe of " + aws_env in found.source
    assert "scaled from the recorded figures" in found.source  # no table given
    probe_tables, buckets = tables_and_buckets(aws_env)
    assert probe_tables == [] and b"capacity-probe" not in buckets


def test_probe_measures_the_scan_cost_on_a_big_enough_table(aws_env: str) -> None:
    clients = build_clients()
    table = f"energy-{uuid.uuid4().hex[:10]}"
    create_table(clients.dynamodb, table)
    for start in range(0, 2500, 25):
        requests: Any = [
            {"PutRequest": {"Item": {"PK": {"S": "p"}, "SK": {"S": f"{i:06d}"}}}}
            for i in range(start, start + 25)
        ]
        clients.dynamodb.batch_write_item(RequestItems={table: requests})
    assert item_count(EmulatorCalls(aws_env, REGION), table) == 2500
    found = probe(aws_env, REGION, table=table, window_s=0.1, query_window_s=0.2)
    assert f"scan rate measured on {table} (2500 items)" in found.source
    assert found.scanned_items_per_s > 0


def test_probe_of_a_table_too_small_to_measure_says_so(aws_env: str) -> None:
    clients = build_clients()
    table = f"energy-{uuid.uuid4().hex[:10]}"
    create_table(clients.dynamodb, table)
    found = probe(aws_env, REGION, table=table, window_s=0.1, query_window_s=0.2)
    assert f"{table}: 0 items, scan rate scaled" in found.source


def test_probe_of_nothing_names_the_endpoint() -> None:
    with pytest.raises(ProbeError, match=r"emulator at http://127.0.0.1:9 did not answer"):
        probe("http://127.0.0.1:9", REGION)


@pytest.mark.parametrize("endpoint", ["127.0.0.1:4566", "https://localhost:4566", "http://host"])
def test_a_malformed_endpoint_is_refused(endpoint: str) -> None:
    with pytest.raises(ProbeError, match="expected http://HOST:PORT"):
        EmulatorCalls(endpoint, REGION)


# --- JOURNEYS: the calls the model counts are the calls the app makes ----------------------


@pytest.fixture
def counted_api(aws_env: str) -> Iterator[tuple[TestClient, Counter[str]]]:
    clients: AwsClients = build_clients()
    suffix = uuid.uuid4().hex[:10]
    table, bucket = f"energy-{suffix}", f"energy-reports-{suffix}"
    create_table(clients.dynamodb, table)
    create_bucket(clients.s3, bucket)
    calls: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        calls[model.name] += 1

    for client in (clients.dynamodb, clients.s3):
        client.meta.events.register("before-call", count)
    svc = Services(settings(table, bucket), clients=lambda: clients, clock=lambda: NOW)
    with TestClient(create_app(svc=svc), raise_server_exceptions=False) as api:
        yield api, calls


def emulator_calls(journey: lc.Journey) -> Counter[str]:
    """The model's view of a journey, in botocore operation names."""
    found: Counter[str] = Counter()
    found["single-item"] += journey.single_item_calls
    found["Query"] += journey.queries
    found["BatchWriteItem"] += journey.batch_writes
    found["PutObject"] += journey.put_objects
    return +found


SINGLE_ITEM = {"GetItem", "PutItem", "DescribeTable", "HeadBucket"}


def as_families(seen: Counter[str]) -> Counter[str]:
    found: Counter[str] = Counter()
    for name, n in seen.items():
        found["single-item" if name in SINGLE_ITEM else name] += n
    return +found


def test_journeys_match_the_calls_the_app_makes(
    counted_api: tuple[TestClient, Counter[str]],
) -> None:
    api, calls = counted_api
    auth = auth_header()
    day = NOW.replace(hour=0, minute=0) - timedelta(days=1)
    assert api.put("/sites/s1", json={"name": "S"}, headers=auth).status_code == 200
    for chunk in range(3):  # one day of 5-minute readings, 288 of them
        readings = [
            {
                "timestamp": (day + timedelta(minutes=5 * (96 * chunk + i))).isoformat(),
                "metric": "power_kw",
                "value": i,
            }
            for i in range(96)
        ]
        assert api.post("/sites/s1/readings", json={"readings": readings}, headers=auth).is_success
    window = {
        "metric": "power_kw",
        "from": day.isoformat(),
        "to": (day + timedelta(days=1)).isoformat(),
    }
    ingest = [
        {"timestamp": (day + timedelta(minutes=i)).isoformat(), "metric": "power_kw", "value": 1}
        for i in range(100)
    ]
    requests = {
        "summary": lambda: api.get(
            "/sites/s1/summary", params={**window, "period": "hour"}, headers=auth
        ),
        "readings": lambda: api.get(
            "/sites/s1/readings", params={**window, "limit": 100}, headers=auth
        ),
        "ingest": lambda: api.post("/sites/s1/readings", json={"readings": ingest}, headers=auth),
        "ingest_one": lambda: api.post(  # the rehearsal client's write
            "/sites/s1/readings", json={"readings": ingest[:1]}, headers=auth
        ),
        "report": lambda: api.post(
            "/sites/s1/reports", json={**window, "period": "hour"}, headers=auth
        ),
        "site": lambda: api.get("/sites/s1", headers=auth),
        "health": lambda: api.get("/health"),
        "refused": lambda: api.get("/sites/s1"),
    }
    seen: dict[str, Any] = {}
    for name, send in requests.items():
        calls.clear()
        response = seen[name] = send()
        assert response.status_code < 500, (name, response.text)
        assert as_families(calls) == emulator_calls(lc.JOURNEYS[name]), name
    calls.clear()
    assert api.get(seen["report"].headers["Location"], headers=auth).status_code == 200
    assert as_families(calls) == emulator_calls(lc.JOURNEYS["get_report"])
    assert set(lc.JOURNEYS) == {*requests, "get_report"}  # a new journey gets a row here


def test_the_apps_503_for_a_dependency_is_recognised(aws_env: str) -> None:
    """The contract classify relies on, from the real app: a missing table answers 503."""
    clients = build_clients()
    svc = Services(
        settings("no-such-table", "no-such-bucket"), clients=lambda: clients, clock=lambda: NOW
    )
    with TestClient(create_app(svc=svc), raise_server_exceptions=False) as api:
        response = api.get("/sites/s1", headers=auth_header())
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert lc.is_dependency_503(response.status_code, response.json())
