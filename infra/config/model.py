"""The typed environment configuration: one frozen model per section, validated on load.

Pydantic (already locked for FastAPI) does the type/range checks and reports the exact key of
every problem; `loader.py` turns its errors into messages naming the file, key and allowed values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    StrictBool,
    StrictInt,
    ValidationInfo,
    field_validator,
    model_validator,
)

from infra.config.backup import BackupConfig
from infra.config.base import ConfigModel as ConfigModel  # re-exported: sections' base
from infra.config.capacity import TableCapacity
from infra.config.deploy import DeployConfig
from infra.config.identity import IdentityConfig, require_approval_in_prod
from infra.config.monitoring import MonitoringConfig
from infra.config.names import ResourceNames
from infra.config.perf import PerfConfig
from infra.config.rollout import RolloutConfig

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
    # Pre-initialised environments on the live alias (counted against reserved_concurrency).
    provisioned_concurrency: Annotated[StrictInt, Field(ge=1, le=1000)] | None = None

    @model_validator(mode="after")
    def _provisioned_within_reserved(self) -> FunctionConfig:
        reserved, provisioned = self.reserved_concurrency, self.provisioned_concurrency
        if provisioned is not None and reserved is not None and provisioned > reserved:
            raise ValueError(
                f"provisioned_concurrency ({provisioned}) must not exceed reserved_concurrency "
                f"({reserved}): provisioned environments count against the reservation"
            )
        return self


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
    monitoring: MonitoringConfig = MonitoringConfig()
    rollout: RolloutConfig = RolloutConfig()
    feature_flags: Mapping[
        Annotated[str, Field(strict=True, pattern=r"^[a-z][a-z0-9_]*$")], StrictBool
    ] = Field(default_factory=dict)
    fault_injection_allowed: StrictBool = False
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    identity: IdentityConfig = Field(default_factory=IdentityConfig, validate_default=True)
    # The issuer when identity.provider is `external`; Cognito's pool is the issuer otherwise.
    jwt: JwtConfig | None = Field(default=None, validate_default=True)
    deploy: DeployConfig = DeployConfig()
    data_table: TableCapacity = TableCapacity()
    perf: PerfConfig | None = None  # None: no perf gate configured (a perf run refuses, exit 2)
    backup: BackupConfig = BackupConfig()

    @field_validator("fault_injection_allowed")
    @classmethod
    def _never_in_prod(cls, value: bool, info: ValidationInfo) -> bool:
        if value and info.data.get("name") == "prod":
            raise ValueError("must be false for prod: fault injection never runs in production")
        return value

    @field_validator("identity")
    @classmethod
    def _approval_in_prod(cls, value: IdentityConfig, info: ValidationInfo) -> IdentityConfig:
        return require_approval_in_prod(info.data.get("name"), value)

    @field_validator("jwt")
    @classmethod
    def _issuer_matches_provider(cls, value: JwtConfig | None, info: ValidationInfo) -> Any:
        identity = info.data.get("identity")
        provider = identity.provider if isinstance(identity, IdentityConfig) else None
        if provider == "external" and value is None:
            raise ValueError("is required when identity.provider is external (issuer, audience)")
        if provider == "cognito" and value is not None:
            raise ValueError(
                "is only for identity.provider external: with cognito the stack's user pool "
                "issues the tokens; remove this section"
            )
        return value

    @property
    def names(self) -> ResourceNames:
        """The physical names of the stack's resources, derived from `name_prefix`."""
        return ResourceNames(prefix=self.name_prefix)
