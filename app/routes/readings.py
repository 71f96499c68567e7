"""Readings: batch ingest, paginated range query, and the per-bucket summary."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from aws_lambda_powertools.metrics import MetricUnit
from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime

from app.aggregation import MAX_SUMMARY_SPAN, Period, summarize
from app.http_errors import InvalidInput
from app.observability import emit_business_metrics
from app.readings import FieldError, Metric, ReadingBatch, check_range, normalize_batch
from app.reports import iso, summary_document
from app.routes.auth_dependency import Authenticated
from app.routes.sites import SiteId, existing_site
from app.services import Services, services

router = APIRouter()

MAX_QUERY_SPAN = timedelta(days=366)
# A summary reads every reading of its window; past this it asks the client to narrow it.
MAX_SUMMARY_READINGS = 100_000

From = Annotated[AwareDatetime, Query(alias="from", description="inclusive, with timezone")]
To = Annotated[AwareDatetime, Query(alias="to", description="exclusive, with timezone")]


def checked_range(start: datetime, end: datetime, max_span: timedelta) -> None:
    errors = check_range(start, end, max_span)
    if errors:
        raise InvalidInput(errors)


@router.post("/sites/{site_id}/readings")
def ingest(
    site_id: SiteId,
    batch: ReadingBatch,
    svc: Annotated[Services, Depends(services)],
    _: Authenticated,
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


@router.get("/sites/{site_id}/readings")
def query_readings(
    site_id: SiteId,
    metric: Metric,
    start: From,
    end: To,
    svc: Annotated[Services, Depends(services)],
    _: Authenticated,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
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


@router.get("/sites/{site_id}/summary")
def summary(
    site_id: SiteId,
    metric: Metric,
    start: From,
    end: To,
    svc: Annotated[Services, Depends(services)],
    _: Authenticated,
    period: Period = Period.DAY,
) -> dict[str, Any]:
    return build_summary(svc, site_id, metric, period, start, end)
