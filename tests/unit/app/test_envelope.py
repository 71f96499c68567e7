from __future__ import annotations

import json
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from app.aggregation import Bucket, Period
from app.middleware import request_id_of, route_of
from app.observability import outcome_of
from app.readings import Metric
from app.reports import render_csv, render_json, summary_document


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ({"aws.context": SimpleNamespace(aws_request_id="aws-1"), "headers": []}, "aws-1"),
        ({"headers": [(b"x-request-id", b"client-7")]}, "client-7"),
        ({"headers": [(b"x-request-id", b"bad id with spaces")]}, None),
        ({"headers": [(b"x-request-id", b"x" * 65)]}, None),
        ({"headers": []}, None),
    ],
)
def test_request_id_of(scope: dict[str, Any], expected: str | None) -> None:
    found = request_id_of(scope)
    if expected is None:
        assert len(found) == 32
    else:
        assert found == expected


def test_route_of_uses_the_template() -> None:
    assert route_of({"route": SimpleNamespace(path="/sites/{site_id}")}) == "/sites/{site_id}"
    assert route_of({}) == "unmatched"


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(200, "ok"), (399, "ok"), (400, "client_error"), (499, "client_error"), (500, "server_error")],
)
def test_outcome_of(status: int, outcome: str) -> None:
    assert outcome_of(status) == outcome


def test_report_renderings() -> None:
    bucket = Bucket(datetime(2026, 6, 1, tzinfo=UTC), 2, 3.0, 1.5, 1.0, 2.0, None)
    document = summary_document(
        "s1",
        Metric.ENERGY_KWH,
        Period.DAY,
        datetime(2026, 6, 1, tzinfo=UTC),
        datetime(2026, 6, 2, tzinfo=UTC),
        None,
        [bucket],
    )
    assert render_csv(document).decode().splitlines() == [
        "start,count,sum,mean,min,max,capacity_factor",
        "2026-06-01T00:00:00Z,2,3.0,1.5,1.0,2.0,",
    ]
    parsed = json.loads(render_json(document))
    assert parsed["buckets"][0]["capacity_factor"] is None
    assert parsed["from"] == "2026-06-01T00:00:00Z"
