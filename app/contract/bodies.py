"""The JSON bodies the routes return, as models for the OpenAPI document.

Routes build plain dicts; the contract test checks real responses against these schemas, so
extra or missing fields are caught there (every model forbids undeclared properties).
"""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from app.aggregation import Period
from app.readings import Metric


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Health(Body):
    status: Literal["ok", "unavailable"]
    version: str
    commit: str
    checks: dict[str, str] = Field(description='dependency -> "ok" or why it failed')
    failing: list[str] | None = Field(None, description="present (non-empty) only on 503")


class Version(Body):
    version: str
    commit: str
    artifact_digest: str
    environment: str


class IngestResult(Body):
    site_id: str
    received: int = Field(ge=1, description="readings in the batch")
    stored: int = Field(ge=1, description="distinct readings written (exact repeats collapse)")


class ReadingOut(Body):
    timestamp: AwareDatetime
    value: float


class ReadingsPage(Body):
    site_id: str
    metric: Metric
    readings: list[ReadingOut]
    next_cursor: str | None = Field(description="the `cursor` of the next page; null at the end")


class BucketOut(Body):
    start: AwareDatetime
    count: int = Field(ge=1)
    sum: float
    mean: float
    min: float
    max: float
    capacity_factor: float | None


class Summary(Body):
    site_id: str
    metric: Metric
    period: Period
    start: AwareDatetime = Field(alias="from")
    end: AwareDatetime = Field(alias="to")
    capacity_kw: float | None
    buckets: list[BucketOut]


class ReportCreated(Body):
    report_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    site_id: str
    metric: Metric
    period: Period
    start: AwareDatetime = Field(alias="from")
    end: AwareDatetime = Field(alias="to")
    created_at: AwareDatetime
    bucket_count: int = Field(ge=0)


class ReportLinks(ReportCreated):
    expires_in_s: int = Field(ge=1, description="lifetime of the two presigned URLs")
    csv_url: str
    json_url: str
