"""Site metadata: name, nameplate capacity and timezone."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# IANA names such as "Europe/Berlin", "America/Argentina/Buenos_Aires", or "UTC".
TIMEZONE_PATTERN = r"^(UTC|[A-Za-z_]+(/[A-Za-z0-9_+-]+){1,2})$"


class SiteIn(BaseModel):
    """The body of PUT /sites/{site_id}."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=200)]
    # From 1 W: DynamoDB cannot store non-zero magnitudes below 1e-130 anyway.
    capacity_kw: Annotated[
        float | None, Field(default=None, ge=0.001, le=10_000_000, allow_inf_nan=False)
    ] = None
    timezone: Annotated[str, Field(pattern=TIMEZONE_PATTERN, max_length=64)] = "UTC"


class Site(SiteIn):
    """A stored site."""

    site_id: str
    updated_at: str
