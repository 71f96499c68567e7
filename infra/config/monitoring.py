"""The `monitoring` section: alarm thresholds, the availability SLO and its burn-rate windows,
the daily cost budget, notification routes per severity, the X-Ray tracing switch and how
the local target's evaluator scales alarm periods.

Each threshold has the range CloudWatch (or common sense) allows; a value outside it, or a key
the catalog does not know, fails the load with the file and key named (exit 2).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictBool, StrictInt, field_validator, model_validator

from infra.config.base import ConfigModel

Percent = Annotated[float, Field(strict=True, gt=0, le=100)]
Count = Annotated[StrictInt, Field(ge=1, le=100_000)]
Channel = Literal["pagerduty", "slack", "email", "webhook"]
SeverityName = Literal["P0", "P1", "P2", "P3"]
# SSM parameter names: a path of letters, digits and - _ . / (no trailing slash).
ParameterPath = Annotated[str, Field(strict=True, pattern=r"^/[A-Za-z0-9_.\-/]*[A-Za-z0-9_.\-]$")]


class Thresholds(ConfigModel):
    """When each alarm of the catalog breaches (the issue's operations guide values)."""

    api_error_rate_pct: Percent = 5.0
    api_p95_latency_ms: Annotated[StrictInt, Field(ge=100, le=30_000)] = 10_000
    lambda_errors: Count = 5
    lambda_throttles: Count = 1
    # Must stay below the function timeout (checked by the catalog): a longer one never fires.
    lambda_duration_ms: Annotated[StrictInt, Field(ge=100, le=900_000)] = 12_000
    dynamodb_throttles: Count = 1
    dynamodb_system_errors: Count = 1
    s3_5xx_rate_pct: Percent = 5.0
    report_failures: Count = 1
    function_timeouts: Count = 1
    auth_failures: Count = 100


class BurnWindow(ConfigModel):
    """One multi-window burn-rate alert: both windows must burn faster than `factor`."""

    long_window_s: Annotated[StrictInt, Field(ge=300, le=86_400, multiple_of=60)]
    short_window_s: Annotated[StrictInt, Field(ge=60, le=21_600, multiple_of=60)]
    factor: Annotated[float, Field(strict=True, gt=1, le=1000)]

    @model_validator(mode="after")
    def _short_inside_long(self) -> BurnWindow:
        if self.short_window_s >= self.long_window_s:
            raise ValueError(
                f"short_window_s ({self.short_window_s}) must be shorter than long_window_s "
                f"({self.long_window_s})"
            )
        return self


class Slo(ConfigModel):
    """The availability objective and its fast (page) and slow (ticket) burn-rate alerts."""

    availability: Annotated[float, Field(strict=True, ge=0.9, lt=1)] = 0.999
    fast_burn: BurnWindow = BurnWindow(long_window_s=3600, short_window_s=300, factor=14.4)
    slow_burn: BurnWindow = BurnWindow(long_window_s=21_600, short_window_s=1800, factor=6.0)


def _default_routes() -> dict[SeverityName, tuple[Channel, ...]]:
    return {
        "P0": ("pagerduty", "slack"),
        "P1": ("pagerduty", "slack"),
        "P2": ("slack",),
        "P3": ("email",),
    }


class Notifications(ConfigModel):
    """Where each severity goes. Endpoint values live in SSM SecureString parameters named
    `<parameter_prefix>/<channel>` (default prefix `/<name_prefix>/notify`), never in config,
    templates or logs."""

    parameter_prefix: ParameterPath | None = None
    routes: dict[SeverityName, tuple[Channel, ...]] = Field(default_factory=_default_routes)

    @field_validator("routes")
    @classmethod
    def _every_severity_routed(
        cls, routes: dict[SeverityName, tuple[Channel, ...]]
    ) -> dict[SeverityName, tuple[Channel, ...]]:
        missing = [s for s in ("P0", "P1", "P2", "P3") if not routes.get(s)]
        if missing:
            raise ValueError(f"every severity needs at least one channel; missing: {missing}")
        return routes


class MonitoringConfig(ConfigModel):
    """Alarms, dashboard, routing, cost and tracing of one environment."""

    thresholds: Thresholds = Thresholds()
    slo: Slo = Slo()
    daily_budget_usd: Annotated[float, Field(strict=True, gt=0, le=100_000)] = 10.0
    notifications: Notifications = Notifications()
    tracing: StrictBool = True
    # The local target's evaluator multiplies every alarm period by this (1: CloudWatch's own
    # periods, so `3 of 5 x 60 s` takes minutes of traffic); a rehearsal or test shortens them
    # and `alarms` says which periods it used. AWS always uses the catalog's periods.
    local_time_scale: Annotated[float, Field(strict=False, gt=0, le=1)] = 1.0
