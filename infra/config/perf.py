"""The `perf` section: load per target, the gate's absolute thresholds and the baseline policy.

Thresholds have no defaults on purpose: a perf gate must say what it holds the release to, so a
missing one is a config error naming its key (exit 2), never a silent default.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictBool, StrictInt, ValidationInfo, field_validator, model_validator

from infra.config.base import ConfigModel

LatencyMs = Annotated[StrictInt, Field(ge=1, le=600_000)]
Seconds = Annotated[float, Field(strict=False, ge=0, le=60)]


class LoadProfile(ConfigModel):
    """How many simulated users, how fast they arrive, for how long, over how many sites."""

    users: Annotated[StrictInt, Field(ge=1, le=5_000)]
    spawn_rate_per_s: Annotated[float, Field(gt=0, le=1_000)]
    duration_s: Annotated[StrictInt, Field(ge=5, le=3_600)]
    wait_min_s: Seconds = 0.5
    wait_max_s: Seconds = 2.0
    sites: Annotated[StrictInt, Field(ge=1, le=200)] = 10
    # The gate's "minimum requests served" for this load: fewer means the API could not keep up.
    min_requests: Annotated[StrictInt, Field(ge=1)]

    @field_validator("wait_max_s")
    @classmethod
    def _wait_range(cls, value: float, info: ValidationInfo) -> float:
        low = info.data.get("wait_min_s")
        if low is not None and value < low:
            raise ValueError(f"must be at least wait_min_s ({low})")
        return value

    @model_validator(mode="after")
    def _ramp_fits(self) -> LoadProfile:
        ramp = self.users / self.spawn_rate_per_s
        if ramp > self.duration_s / 2:
            raise ValueError(
                f"ramp-up takes {ramp:g} s of the {self.duration_s} s run (users / "
                "spawn_rate_per_s): at least half the run must be at full load; raise "
                "spawn_rate_per_s or duration_s"
            )
        return self


class PerfThresholds(ConfigModel):
    """Absolute limits (the SLO): any one exceeded fails the gate. The minimum of requests
    served is part of each load profile (it depends on the load)."""

    p95_ms: LatencyMs
    long_operation_p95_ms: LatencyMs
    report_generation_p95_ms: LatencyMs
    error_rate: Annotated[float, Field(ge=0, lt=1)]
    # A percentile over fewer samples than this is noise: that check is Inconclusive.
    min_samples: Annotated[StrictInt, Field(ge=1, le=100_000)] = 20

    @field_validator("long_operation_p95_ms", "report_generation_p95_ms")
    @classmethod
    def _not_below_interactive(cls, value: int, info: ValidationInfo) -> int:
        p95 = info.data.get("p95_ms")
        if p95 is not None and value < p95:
            raise ValueError(f"must be at least p95_ms ({p95}): these are the slower operations")
        return value


class BaselinePolicy(ConfigModel):
    """How a run compares with the last green run of the same environment and load."""

    regression_margin: Annotated[float, Field(gt=0, le=1)] = 0.2
    # A p95 rise smaller than this many ms is never called a regression (timer noise).
    noise_floor_ms: Annotated[StrictInt, Field(ge=0, le=60_000)] = 50


class PerfConfig(ConfigModel):
    """Load on AWS (`load`) and on the local emulator (`local_load`), thresholds, baseline."""

    allow_prod: StrictBool = False
    load: LoadProfile
    local_load: LoadProfile
    thresholds: PerfThresholds
    baseline: BaselinePolicy = BaselinePolicy()
    progress_interval_s: Annotated[StrictInt, Field(ge=1, le=300)] = 5
