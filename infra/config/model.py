"""The typed environment configuration: one frozen model per section, validated on load.

Pydantic (already locked for FastAPI) does the type/range checks and reports the exact key of
every problem; `loader.py` turns its errors into messages naming the file, key and allowed values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import (
    Field,
    StrictBool,
    StrictInt,
    ValidationInfo,
    field_validator,
)

from infra.config.backup import BackupConfig
from infra.config.base import ConfigModel
from infra.config.names import ResourceNames

EnvironmentName = Literal["dev", "staging", "prod"]
ENVIRONMENT_NAMES: tuple[EnvironmentName, ...] = ("dev", "staging", "prod")

# The values CloudWatch Logs accepts for RetentionInDays.
LogRetentionDays = Literal[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
]  # fmt: skip

Fraction = Annotated[float, Field(strict=True, gt=0, le=1)]
HttpsUrl = Annotated[str, Field(strict=True, pattern=r"^https://[^\s/]+(/\S*)?$")]
Milliseconds = Annotated[StrictInt, Field(ge=100, le=60_000)]


class FunctionConfig(ConfigModel):
    """Lambda sizing. The timeout stays under API Gateway's 30 s integration limit."""

    memory_mb: Annotated[StrictInt, Field(ge=128, le=10_240)] = 512
    timeout_s: Annotated[StrictInt, Field(ge=1, le=29)] = 15
    reserved_concurrency: Annotated[StrictInt, Field(ge=1, le=1000)] | None = None


class ApiConfig(ConfigModel):
    """HTTP API stage throttling (requests per second, burst)."""

    throttle_rate_per_s: Annotated[float, Field(strict=True, gt=0, le=10_000)] = 100.0
    throttle_burst: Annotated[StrictInt, Field(ge=1, le=5000)] = 200


class AlarmThresholds(ConfigModel):
    """SLO targets (alarm) and the stricter-to-breach limits that trigger a rollback."""

    error_rate: Fraction = 0.01
    p95_latency_ms: Milliseconds = 5_000
    rollback_error_rate: Fraction = 0.05
    rollback_p95_latency_ms: Milliseconds = 10_000

    @field_validator("rollback_error_rate")
    @classmethod
    def _rollback_rate_above_slo(cls, value: float, info: ValidationInfo) -> float:
        slo = info.data.get("error_rate")
        if slo is not None and value < slo:
            raise ValueError(f"must be at least error_rate ({slo}): rollback is the worse limit")
        return value

    @field_validator("rollback_p95_latency_ms")
    @classmethod
    def _rollback_latency_above_slo(cls, value: int, info: ValidationInfo) -> int:
        slo = info.data.get("p95_latency_ms")
        if slo is not None and value < slo:
            raise ValueError(
                f"must be at least p95_latency_ms ({slo}): rollback is the worse limit"
            )
        return value


class SetWeightStep(ConfigModel):
    """Send `weight` percent of the alias traffic to the new version."""

    kind: Literal["set_weight"]
    weight: Annotated[StrictInt, Field(ge=0, le=100)]


class PauseStep(ConfigModel):
    """Wait `seconds`, or until a human promotes when `seconds` is null."""

    kind: Literal["pause"]
    seconds: Annotated[StrictInt, Field(ge=1, le=86_400)] | None = None


class AnalysisStep(ConfigModel):
    """Measure the new version against the alarm thresholds for `duration_s`."""

    kind: Literal["analysis"]
    duration_s: Annotated[StrictInt, Field(ge=10, le=3_600)] = 300
    interval_s: Annotated[StrictInt, Field(ge=5, le=600)] = 60


RolloutStep = Annotated[SetWeightStep | PauseStep | AnalysisStep, Field(discriminator="kind")]


class RolloutPlan(ConfigModel):
    """A placeholder canary plan; the rollout controller interprets it."""

    steps: tuple[RolloutStep, ...] = (SetWeightStep(kind="set_weight", weight=100),)

    @field_validator("steps")
    @classmethod
    def _ends_at_full_weight(cls, steps: tuple[RolloutStep, ...]) -> tuple[RolloutStep, ...]:
        weights = [step.weight for step in steps if isinstance(step, SetWeightStep)]
        if not weights or weights[-1] != 100:
            raise ValueError("the last set_weight step must have weight 100")
        if weights != sorted(weights):
            raise ValueError(f"set_weight steps must not decrease (got {weights})")
        return steps


class JwtConfig(ConfigModel):
    """Who issues the tokens the API accepts (API Gateway authorizer and the app itself)."""

    issuer: HttpsUrl
    audience: Annotated[str, Field(strict=True, min_length=1, max_length=256)]
    jwks_url: HttpsUrl | None = None

    @property
    def jwks_endpoint(self) -> str:
        """Where the signing keys are: `jwks_url`, else the issuer's well-known JWKS path."""
        return self.jwks_url or f"{self.issuer.rstrip('/')}/.well-known/jwks.json"


class EnvironmentConfig(ConfigModel):
    """Everything that differs between dev, staging and prod."""

    name: EnvironmentName
    account_id: Annotated[str, Field(strict=True, pattern=r"^\d{12}$")] | None = None
    region: Annotated[str, Field(strict=True, pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")]
    name_prefix: Annotated[
        str, Field(strict=True, pattern=r"^[a-z][a-z0-9-]*[a-z0-9]$", min_length=3, max_length=24)
    ]
    retain_data: StrictBool = True
    function: FunctionConfig = FunctionConfig()
    api: ApiConfig = ApiConfig()
    log_retention_days: LogRetentionDays = 30
    alarms: AlarmThresholds = AlarmThresholds()
    rollout: RolloutPlan = RolloutPlan()
    feature_flags: Mapping[
        Annotated[str, Field(strict=True, pattern=r"^[a-z][a-z0-9_]*$")], StrictBool
    ] = Field(default_factory=dict)
    fault_injection_allowed: StrictBool = False
    jwt: JwtConfig
    backup: BackupConfig = BackupConfig()

    @field_validator("fault_injection_allowed")
    @classmethod
    def _never_in_prod(cls, value: bool, info: ValidationInfo) -> bool:
        if value and info.data.get("name") == "prod":
            raise ValueError("must be false for prod: fault injection never runs in production")
        return value

    @property
    def names(self) -> ResourceNames:
        """The physical names of the stack's resources, derived from `name_prefix`."""
        return ResourceNames(prefix=self.name_prefix)
