"""EMF documents and log records from the app's stdout become metric samples."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.monitoring.emf import emf_samples, json_documents, log_time, parse_documents
from infra.monitoring.log_filters import LOG_FILTERS, FieldTest, LogFilter
from infra.monitoring.samples import MetricKey
from tests.unit.infra.monitoring.conftest import START, app_emf_lines

NS = "EnergyInsights/Logs/dev"


def test_real_app_emf_becomes_one_sample_per_metric_and_dimension_set() -> None:
    (line,) = app_emf_lines(1, 1.0, START)
    samples = emf_samples(json.loads(line))
    dims = (("route", "/sites/{site_id}"), ("service", "energy-insights"), ("version", "1.0.0"))
    by_name = {s.key.name: s for s in samples}
    assert set(by_name) == {"Latency", "ok", "client_error", "server_error"}
    assert by_name["server_error"].key == MetricKey("EnergyInsights", "server_error", dims)
    assert by_name["server_error"].value == 1.0
    assert by_name["server_error"].at == START.timestamp()


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda d: d["_aws"].pop("Timestamp"), "Timestamp"),
        (lambda d: d.pop("version"), "dimension 'version'"),
        (lambda d: d.update(Latency="fast"), "metric 'Latency'"),
        (lambda d: d["_aws"]["CloudWatchMetrics"][0].pop("Namespace"), "Namespace"),
    ],
)
def test_documents_that_break_the_specification_are_refused(change: Any, why: str) -> None:
    doc = json.loads(app_emf_lines(1, 0.0, START)[0])
    change(doc)
    with pytest.raises(ValueError, match=why):
        emf_samples(doc)
    assert parse_documents([doc]).rejected == 1


def test_only_json_objects_are_read_from_stdout() -> None:
    lines = ["starting uvicorn", '{"a": 1}', "[1, 2]", "{broken", "  ", '{"b": 2}']
    assert list(json_documents(lines)) == [{"a": 1}, {"b": 2}]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-12-04 12:00:00,000+0000", START.timestamp()),
        ("2026-12-04T12:00:00.000000Z", START.timestamp()),
        ("yesterday", None),
        (None, None),
    ],
)
def test_log_timestamps(raw: str | None, expected: float | None) -> None:
    assert log_time({"timestamp": raw}) == expected


def access(status: int, route: str = "/sites/{site_id}") -> dict[str, Any]:
    return {
        "level": "ERROR" if status >= 500 else "INFO",
        "message": "request",
        "timestamp": "2026-12-04 12:00:00,000+0000",
        "route": route,
        "status": status,
    }


def test_metric_filters_apply_to_access_log_records() -> None:
    records = [access(500), access(503, "/reports/{report_id}"), access(401), access(200)]
    samples = parse_documents(records, LOG_FILTERS, NS).samples
    keys = sorted((s.key.name, s.key.dimensions) for s in samples)
    assert keys == [
        ("AuthFailures", ()),
        ("ServerErrors", (("route", "/reports/{report_id}"),)),
        ("ServerErrors", (("route", "/sites/{site_id}"),)),
    ]


@pytest.mark.parametrize(
    ("test", "record", "matches"),
    [
        (FieldTest("status", ">=", 500), {"status": 500}, True),
        (FieldTest("status", ">=", 500), {"status": 499}, False),
        (FieldTest("status", ">=", 500), {"status": "500"}, False),
        (FieldTest("status", ">=", 500), {"status": True}, False),
        (FieldTest("status", "=", 401), {}, False),
        (FieldTest("message", "=", "request"), {"message": "request"}, True),
        (FieldTest("message", "=", "request"), {"message": 1}, False),
    ],
)
def test_field_tests(test: FieldTest, record: dict[str, Any], matches: bool) -> None:
    assert test.matches(record) is matches


def test_filter_patterns_render_as_cloudwatch_syntax() -> None:
    patterns = {f.key: f.pattern for f in LOG_FILTERS}
    assert patterns["server-errors"] == '{ ($.message = "request") && ($.status >= 500) }'
    assert patterns["timeouts"] == '"Task timed out"'
    text = LogFilter("t", "T", "s", terms=("Task timed out",))
    assert text.matches_text("2026 abc Task timed out after 15.0 seconds")
    assert not text.matches_record({"message": "Task timed out"})
