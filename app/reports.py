"""Summary documents: the JSON shape of GET /summary, and its CSV/JSON report renderings."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any

from app.aggregation import Bucket, Period
from app.readings import Metric

CSV_COLUMNS = ("start", "count", "sum", "mean", "min", "max", "capacity_factor")


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def bucket_document(bucket: Bucket) -> dict[str, Any]:
    return {
        "start": iso(bucket.start),
        "count": bucket.count,
        "sum": bucket.total,
        "mean": bucket.mean,
        "min": bucket.minimum,
        "max": bucket.maximum,
        "capacity_factor": bucket.capacity_factor,
    }


def summary_document(
    site_id: str,
    metric: Metric,
    period: Period,
    start: datetime,
    end: datetime,
    capacity_kw: float | None,
    buckets: list[Bucket],
) -> dict[str, Any]:
    return {
        "site_id": site_id,
        "metric": metric.value,
        "period": period.value,
        "from": iso(start),
        "to": iso(end),
        "capacity_kw": capacity_kw,
        "buckets": [bucket_document(b) for b in buckets],
    }


def render_json(document: dict[str, Any]) -> bytes:
    return json.dumps(document, indent=2, sort_keys=True).encode()


def render_csv(document: dict[str, Any]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for bucket in document["buckets"]:
        writer.writerow(["" if bucket[c] is None else bucket[c] for c in CSV_COLUMNS])
    return out.getvalue().encode()
