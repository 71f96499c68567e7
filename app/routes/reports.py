"""POST /sites/{site_id}/reports renders a summary to S3; GET /reports/{id} links to it."""

from __future__ import annotations

import time
import uuid
from typing import Annotated, Any

from aws_lambda_powertools.metrics import MetricUnit
from fastapi import APIRouter, Depends, Security
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from app.aggregation import Period
from app.authz import Principal, Scope, decide
from app.contract.bodies import ReportCreated, ReportLinks
from app.contract.responses import AUTHENTICATED, documented
from app.http_errors import InvalidInput, NotFound
from app.observability import emit_business_metrics
from app.readings import Metric
from app.reports import render_csv, render_json
from app.routes.auth_dependency import scope_granted, site_granted
from app.routes.params import ReportId, SiteId
from app.routes.readings import SUMMARY_LIMITS, build_summary
from app.services import Services, services
from app.storage.table import ReportRecord, format_ts

router = APIRouter()


class ReportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    metric: Metric
    period: Period = Period.DAY
    start: AwareDatetime = Field(alias="from", description="inclusive; earlier than `to`")
    end: AwareDatetime = Field(alias="to", description="exclusive; later than `from`")


def record_document(record: ReportRecord) -> dict[str, Any]:
    return {
        "report_id": record.report_id,
        "site_id": record.site_id,
        "metric": record.metric,
        "period": record.period,
        "from": record.start,
        "to": record.end,
        "created_at": record.created_at,
        "bucket_count": record.bucket_count,
    }


# The client's own mistakes (bad range, unknown site): refused, not a failed generation.
CLIENT_ERRORS = (InvalidInput, NotFound)


@router.post(
    "/sites/{site_id}/reports",
    status_code=201,
    response_model=None,
    responses=documented(
        *AUTHENTICATED,
        400,
        404,
        422,
        ok=(201, ReportCreated, "Written to S3 as summary.csv and summary.json."),
        Location="`/reports/{report_id}`",
    ),
    description="Render the summary of a window to S3. Needs `reports:write` on the site. "
    f"{SUMMARY_LIMITS}",
)
def create_report(
    site_id: SiteId,
    body: ReportRequest,
    svc: Annotated[Services, Depends(services)],
    _: Annotated[Principal, Security(site_granted, scopes=[Scope.REPORTS_WRITE])],
) -> JSONResponse:
    """Generate the report; its time and success go out as EMF business metrics."""
    started = time.perf_counter()
    try:
        response = _generate(site_id, body, svc)
    except CLIENT_ERRORS:
        raise
    except Exception:
        _report_metrics(svc, started, succeeded=False)
        raise
    _report_metrics(svc, started, succeeded=True)
    return response


def _report_metrics(svc: Services, started: float, succeeded: bool) -> None:
    elapsed_ms = (time.perf_counter() - started) * 1000
    emit_business_metrics(
        {
            "ReportGenerationTime": (elapsed_ms, MetricUnit.Milliseconds),
            "ReportsGenerated": (1 if succeeded else 0, MetricUnit.Count),
            "ReportsFailed": (0 if succeeded else 1, MetricUnit.Count),
        },
        svc.settings.version,
    )


def _generate(site_id: str, body: ReportRequest, svc: Services) -> JSONResponse:
    document = build_summary(svc, site_id, body.metric, body.period, body.start, body.end)
    report_id = uuid.uuid4().hex
    prefix = f"reports/{site_id}/{report_id}"
    record = ReportRecord(
        report_id=report_id,
        site_id=site_id,
        metric=body.metric.value,
        period=body.period.value,
        start=document["from"],
        end=document["to"],
        created_at=format_ts(svc.clock()),
        bucket_count=len(document["buckets"]),
        csv_key=f"{prefix}/summary.csv",
        json_key=f"{prefix}/summary.json",
    )
    svc.bucket.put(record.csv_key, render_csv(document), "text/csv")
    svc.bucket.put(record.json_key, render_json(document), "application/json")
    svc.table.put_report(record)
    return JSONResponse(
        record_document(record), status_code=201, headers={"Location": f"/reports/{report_id}"}
    )


@router.get(
    "/reports/{report_id}",
    response_model=None,
    responses=documented(*AUTHENTICATED, 404, 422, ok=(200, ReportLinks, "Links to the files.")),
    description="A report's metadata and presigned download links. Needs `readings:read` on "
    "the report's site; a report of another site is a 404, like an unknown id.",
)
def get_report(
    report_id: ReportId,
    svc: Annotated[Services, Depends(services)],
    who: Annotated[Principal, Security(scope_granted, scopes=[Scope.READINGS_READ])],
) -> dict[str, Any]:
    record = svc.table.get_report(report_id)
    # Another site's report answers like an unknown one: ids never leak across sites.
    if record is None or not decide(who, Scope.READINGS_READ, record.site_id).allowed:
        raise NotFound(f"report '{report_id}' not found")
    ttl = svc.settings.report_url_ttl_s
    return {
        **record_document(record),
        "expires_in_s": ttl,
        "csv_url": svc.bucket.download_url(record.csv_key, ttl),
        "json_url": svc.bucket.download_url(record.json_key, ttl),
    }
