"""Readings: batch ingest, paginated range query, and the per-bucket summary."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from aws_lambda_powertools.metrics import MetricUnit
from fastapi import APIRouter, Depends, Query, Security
from pydantic import AwareDatetime

from app.aggregation import MAX_SUMMARY_SPAN, Period, summarize
from app.authz import Principal, Scope
from app.contract.bodies import IngestResult, ReadingsPage, Summary
from app.contract.responses import AUTHENTICATED, documented
from app.http_errors import InvalidInput
from app.observability import emit_business_metrics
from app.readings import (
    CLOCK_SKEW,
    EARLIEST,
    LATEST,
    METRIC_RANGES,
    FieldError,
    Metric,
    ReadingBatch,
    check_range,
    normalize_batch,
)
from app.reports import iso, summary_document
from app.routes.auth_dependency import site_granted
from app.routes.params import SiteId
from app.routes.sites import existing_site
from app.services import Services, services

router = APIRouter()

MAX_QUERY_SPAN = timedelta(days=366)
# A summary reads every reading of its window; past this it asks the client to narrow it.
MAX_SUMMARY_READINGS = 100_000

From = Annotated[
    AwareDatetime,
    Query(
        alias="from",
        description=f"inclusive, with a timezone, on/after {EARLIEST.date()}; "
        "must be earlier than `to`",
    ),
]
To = Annotated[
    AwareDatetime,
    Query(
        alias="to",
        description=f"exclusive, with a timezone, before {LATEST.date()}; "
        "must be later than `from`",
    ),
]
CURSOR_PATTERN = r"^[A-Za-z0-9_-]{1,200}$"
Reader = Annotated[Principal, Security(site_granted, scopes=[Scope.READINGS_READ])]
Writer = Annotated[Principal, Security(site_granted, scopes=[Scope.READINGS_WRITE])]

RANGES = ", ".join(f"`{m.value}` [{lo:g}, {hi:g}]" for m, (lo, hi) in METRIC_RANGES.items())
INGEST_RULES = (
    "Store a batch of readings (idempotent on site, metric and timestamp). Needs "
    f"`readings:write` on the site. Rules beyond the schema (422, naming the field): values per "
    f"metric: {RANGES}; timestamps on/after {EARLIEST.date()} and at most "
    f"{int(CLOCK_SKEW.total_seconds() // 60)} minutes ahead of the server clock; the same metric "
    "and timestamp twice with different values is a conflict. 404 when the site does not exist."
)
QUERY_RULES = (
    "Readings of one metric in [`from`, `to`), oldest first, paginated by `next_cursor`. Needs "
    f"`readings:read` on the site. Rules beyond the schema (422): `from` earlier than `to`, "
    f"both within [{EARLIEST.date()}, {LATEST.date()}), a window of at most "
    f"{MAX_QUERY_SPAN.days} days; a cursor from another query is refused. "
    "404 when the site does not exist."
)
SUMMARY_LIMITS = (
    "Rules beyond the schema (422): `from` earlier than `to`, both within "
    f"[{EARLIEST.date()}, {LATEST.date()}); a window of at most "
    f"{MAX_SUMMARY_SPAN[Period.HOUR].days} days per hour and "
    f"{MAX_SUMMARY_SPAN[Period.DAY].days} days per day; at most {MAX_SUMMARY_READINGS} readings. "
    "404 when the site does not exist."
)
SUMMARY_RULES = (
    "Per UTC hour or day: count, sum, mean, min, max and the capacity factor. Needs "
    f"`readings:read` on the site. {SUMMARY_LIMITS}"
)


def checked_range(start: datetime, end: datetime, max_span: timedelta) -> None:
    errors = check_range(start, end, max_span)
    if errors:
        raise InvalidInput(errors)


@router.post(
    "/sites/{site_id}/readings",
    response_model=None,
    responses=documented(*AUTHENTICATED, 400, 404, 422, ok=(200, IngestResult, "Stored.")),
    description=INGEST_RULES,
)
def ingest(
    site_id: SiteId,
    batch: ReadingBatch,
    svc: Annotated[Services, Depends(services)],
    _: Writer,
) -> dict[str, Any]:
    distinct, errors = normalize_batch(batch, svc.clock())
    if errors:
        raise InvalidInput(errors)
    existing_site(svc, site_id)
    svc.table.put_readings(site_id, distinct)
    emit_business_metrics(
        {"ReadingsIngested": (len(distinct), MetricUnit.Count)}, svc.settings.version
    )
    return {"site_id": site_id, "received": len(batch.readings), "stored": len(distinct)}


@router.get(
    "/sites/{site_id}/readings",
    response_model=None,
    responses=documented(*AUTHENTICATED, 404, 422, ok=(200, ReadingsPage, "One page.")),
    description=QUERY_RULES,
)
def query_readings(
    site_id: SiteId,
    metric: Metric,
    start: From,
    end: To,
    svc: Annotated[Services, Depends(services)],
    _: Reader,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[
        str | None,
        Query(pattern=CURSOR_PATTERN, description="`next_cursor` of the previous page"),
    ] = None,
) -> dict[str, Any]:
    checked_range(start, end, MAX_QUERY_SPAN)
    existing_site(svc, site_id)
    page = svc.table.readings_page(site_id, metric, start, end, limit, cursor)
    return {
        "site_id": site_id,
        "metric": metric.value,
        "readings": [{"timestamp": iso(r.timestamp), "value": r.value} for r in page.readings],
        "next_cursor": page.next_cursor,
    }


def build_summary(
    svc: Services, site_id: str, metric: Metric, period: Period, start: datetime, end: datetime
) -> dict[str, Any]:
    """Read the window, aggregate it, and shape the document (shared with reports)."""
    checked_range(start, end, MAX_SUMMARY_SPAN[period])
    site = existing_site(svc, site_id)
    readings = svc.table.all_readings(site_id, metric, start, end, MAX_SUMMARY_READINGS)
    if readings is None:
        raise InvalidInput(
            [FieldError("to", f"more than {MAX_SUMMARY_READINGS} readings: narrow the range")]
        )
    buckets = summarize(readings, metric, period, site.capacity_kw)
    return summary_document(site_id, metric, period, start, end, site.capacity_kw, buckets)


@router.get(
    "/sites/{site_id}/summary",
    response_model=None,
    responses=documented(*AUTHENTICATED, 404, 422, ok=(200, Summary, "The buckets.")),
    description=SUMMARY_RULES,
)
def summary(
    site_id: SiteId,
    metric: Metric,
    start: From,
    end: To,
    svc: Annotated[Services, Depends(services)],
    _: Reader,
    period: Period = Period.DAY,
) -> dict[str, Any]:
    return build_summary(svc, site_id, metric, period, start, end)
