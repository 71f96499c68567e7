"""Path parameters shared by several routes, with the constraints the OpenAPI document shows."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from app.readings import SITE_ID_PATTERN

REPORT_ID_PATTERN = r"^[0-9a-f]{32}$"

SiteId = Annotated[str, Path(pattern=SITE_ID_PATTERN, description="letters, digits, _ and -")]
ReportId = Annotated[str, Path(pattern=REPORT_ID_PATTERN, description="32 lowercase hex digits")]
