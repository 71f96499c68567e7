"""Process settings: every environment variable the app reads, parsed once into frozen data.

Errors name the variable, what is wrong and what to do, so a misconfigured deploy fails at
startup with a readable message instead of at the first request.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

PROD_ENV = "prod"
# The Cognito resource server identifier whose `<identifier>/<scope>` scopes the API accepts.
DEFAULT_RESOURCE_SERVER = "energy-insights"
# Cognito's rule for resource server identifiers (printable ASCII but space, " and \).
_RESOURCE_SERVER = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]{1,256}")


class SettingsError(ValueError):
    """An environment variable is missing or malformed (the message names it)."""


class Var(StrEnum):
    """The environment variables the app reads (AWS_* ones are read by boto3 itself)."""

    ENV = "EI_ENV"
    TABLE = "EI_TABLE_NAME"
    BUCKET = "EI_REPORTS_BUCKET"
    VERSION = "EI_VERSION"
    COMMIT = "EI_COMMIT"
    DIGEST = "EI_ARTIFACT_DIGEST"
    JWT_ISSUER = "EI_JWT_ISSUER"
    JWT_AUDIENCE = "EI_JWT_AUDIENCE"
    JWT_JWKS_URL = "EI_JWT_JWKS_URL"
    JWT_PUBLIC_KEY = "EI_JWT_PUBLIC_KEY"
    JWT_RESOURCE_SERVER = "EI_JWT_RESOURCE_SERVER"
    # A second trusted issuer, verified through its JWKS (the local target's emulator pool).
    JWT_EXTRA_ISSUER = "EI_JWT_EXTRA_ISSUER"
    JWT_EXTRA_AUDIENCE = "EI_JWT_EXTRA_AUDIENCE"
    JWT_EXTRA_JWKS_URL = "EI_JWT_EXTRA_JWKS_URL"
    FAULT_ERROR_RATE = "EI_FAULT_ERROR_RATE"
    FAULT_LATENCY_MS = "EI_FAULT_LATENCY_MS"
    FAULT_LATENCY_RATE = "EI_FAULT_LATENCY_RATE"
    FAULT_SEED = "EI_FAULT_SEED"
    FAULT_ALLOW_PROD = "EI_FAULT_ALLOW_PROD"
    HEALTH_TIMEOUT_S = "EI_HEALTH_TIMEOUT_S"
    REPORT_URL_TTL_S = "EI_REPORT_URL_TTL_S"
    LOG_LEVEL = "EI_LOG_LEVEL"
    FEATURE_FLAGS = "EI_FEATURE_FLAGS"


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class Feature(StrEnum):
    """Switches the environment config sets (`feature_flags`); unknown names are ignored so a
    config may name a flag before the code that reads it ships."""

    REPORTS = "reports"


@dataclass(frozen=True)
class FeatureFlags:
    """Flag values from EI_FEATURE_FLAGS (a JSON object of booleans); a flag not set is on."""

    values: Mapping[str, bool] = field(default_factory=dict)

    def enabled(self, feature: Feature) -> bool:
        return self.values.get(feature.value, True)


@dataclass(frozen=True)
class ExtraIssuer:
    """Another issuer whose tokens are accepted too, verified through its JWKS URL."""

    issuer: str
    audience: str
    jwks_url: str


@dataclass(frozen=True)
class AuthSettings:
    """How bearer tokens are verified: RS256 against a JWKS URL (Cognito) or one PEM key;
    `extra`: a second trusted issuer (the local target: its emulator's user pool)."""

    issuer: str
    audience: str
    jwks_url: str | None
    public_key_pem: str | None
    resource_server: str = DEFAULT_RESOURCE_SERVER
    extra: ExtraIssuer | None = None


@dataclass(frozen=True)
class FaultSettings:
    """Drill faults: a fraction of requests fail with 500, a fraction get extra latency."""

    error_rate: float = 0.0
    latency_ms: int = 0
    latency_rate: float = 0.0
    seed: int | None = None

    @property
    def active(self) -> bool:
        return self.error_rate > 0 or (self.latency_ms > 0 and self.latency_rate > 0)


@dataclass(frozen=True)
class Settings:
    """Everything the process needs, read once at startup."""

    env: str
    table_name: str
    reports_bucket: str
    version: str
    commit: str
    artifact_digest: str
    auth: AuthSettings
    faults: FaultSettings
    health_timeout_s: float = 2.0
    report_url_ttl_s: int = 300
    log_level: str = "INFO"
    features: FeatureFlags = FeatureFlags()


def _required(environ: Mapping[str, str], var: Var) -> str:
    value = environ.get(var.value, "").strip()
    if not value:
        raise SettingsError(f"{var.value} is not set: set it to a non-empty value")
    return value


def _float(environ: Mapping[str, str], var: Var, default: float, low: float, high: float) -> float:
    raw = environ.get(var.value, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{var.value}={raw!r} is not a number: use e.g. {default}") from None
    if not low <= value <= high:
        raise SettingsError(f"{var.value}={raw!r} is out of range: use a value in [{low}, {high}]")
    return value


def _int(environ: Mapping[str, str], var: Var, default: int, low: int, high: int) -> int:
    raw = environ.get(var.value, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{var.value}={raw!r} is not an integer: use e.g. {default}") from None
    if not low <= value <= high:
        raise SettingsError(f"{var.value}={raw!r} is out of range: use a value in [{low}, {high}]")
    return value


def _flag(environ: Mapping[str, str], var: Var) -> bool:
    raw = environ.get(var.value, "").strip().lower()
    if raw in ("", "0", "false", "no"):
        return False
    if raw in ("1", "true", "yes"):
        return True
    raise SettingsError(f"{var.value}={raw!r} is not a boolean: use true or false")


def load_log_level(environ: Mapping[str, str]) -> str:
    raw = environ.get(Var.LOG_LEVEL.value, "").strip().upper()
    if not raw:
        return "INFO"
    if raw not in LOG_LEVELS:
        raise SettingsError(
            f"{Var.LOG_LEVEL.value}={raw!r} is not a level: use one of {LOG_LEVELS}"
        )
    return raw


def load_features(environ: Mapping[str, str]) -> FeatureFlags:
    raw = environ.get(Var.FEATURE_FLAGS.value, "").strip()
    if not raw:
        return FeatureFlags()
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    if not isinstance(data, dict) or not all(isinstance(v, bool) for v in data.values()):
        raise SettingsError(
            f'{Var.FEATURE_FLAGS.value} must be a JSON object of booleans, e.g. {{"reports": true}}'
        )
    return FeatureFlags({str(k): v for k, v in data.items()})


def load_auth(environ: Mapping[str, str]) -> AuthSettings:
    jwks_url = environ.get(Var.JWT_JWKS_URL.value, "").strip() or None
    pem = environ.get(Var.JWT_PUBLIC_KEY.value, "").strip() or None
    if (jwks_url is None) == (pem is None):
        raise SettingsError(
            f"exactly one of {Var.JWT_JWKS_URL.value} (Cognito/JWKS) or "
            f"{Var.JWT_PUBLIC_KEY.value} (PEM public key) must be set"
        )
    if jwks_url is not None:
        _check_jwks_url(environ, Var.JWT_JWKS_URL, jwks_url)
    if pem is not None and "BEGIN PUBLIC KEY" not in pem:
        raise SettingsError(
            f"{Var.JWT_PUBLIC_KEY.value} is not a PEM public key: "
            "it must contain '-----BEGIN PUBLIC KEY-----'"
        )
    resource_server = environ.get(Var.JWT_RESOURCE_SERVER.value, "").strip()
    if resource_server and not _RESOURCE_SERVER.fullmatch(resource_server):
        raise SettingsError(
            f"{Var.JWT_RESOURCE_SERVER.value}={resource_server[:40]!r} is not a Cognito resource "
            "server identifier: use 1-256 printable characters without spaces, quotes or "
            f"backslashes, e.g. {DEFAULT_RESOURCE_SERVER}"
        )
    return AuthSettings(
        issuer=_required(environ, Var.JWT_ISSUER),
        audience=_required(environ, Var.JWT_AUDIENCE),
        jwks_url=jwks_url,
        public_key_pem=pem,
        resource_server=resource_server or DEFAULT_RESOURCE_SERVER,
        extra=load_extra_issuer(environ),
    )


def _check_jwks_url(environ: Mapping[str, str], var: Var, url: str) -> None:
    """https, or plain http on the loopback or below the AWS emulator the app already uses
    (AWS_ENDPOINT_URL: the local target serves its pool's keys there)."""
    emulator = environ.get("AWS_ENDPOINT_URL", "").strip().rstrip("/")
    if url.startswith(("https://", "http://127.0.0.1")):
        return
    if emulator and url.startswith(f"{emulator}/"):
        return
    raise SettingsError(f"{var.value} must be an https:// URL")


def load_extra_issuer(environ: Mapping[str, str]) -> ExtraIssuer | None:
    """EI_JWT_EXTRA_ISSUER/_AUDIENCE/_JWKS_URL: all three, or none."""
    names = (Var.JWT_EXTRA_ISSUER, Var.JWT_EXTRA_AUDIENCE, Var.JWT_EXTRA_JWKS_URL)
    values = [environ.get(var.value, "").strip() for var in names]
    if not any(values):
        return None
    if not all(values):
        missing = ", ".join(
            var.value for var, value in zip(names, values, strict=True) if not value
        )
        raise SettingsError(
            f"a second issuer needs all of {', '.join(v.value for v in names)}: "
            f"set {missing} too, or unset them all"
        )
    issuer, audience, jwks_url = values
    if issuer == environ.get(Var.JWT_ISSUER.value, "").strip():
        raise SettingsError(
            f"{Var.JWT_EXTRA_ISSUER.value} is the same issuer as {Var.JWT_ISSUER.value}: "
            "name a different issuer, or unset the EI_JWT_EXTRA_* variables"
        )
    _check_jwks_url(environ, Var.JWT_EXTRA_JWKS_URL, jwks_url)
    return ExtraIssuer(issuer, audience, jwks_url)


def load_faults(environ: Mapping[str, str], env: str) -> FaultSettings:
    seed_raw = environ.get(Var.FAULT_SEED.value, "").strip()
    faults = FaultSettings(
        error_rate=_float(environ, Var.FAULT_ERROR_RATE, 0.0, 0.0, 1.0),
        latency_ms=_int(environ, Var.FAULT_LATENCY_MS, 0, 0, 30_000),
        latency_rate=_float(environ, Var.FAULT_LATENCY_RATE, 1.0, 0.0, 1.0),
        seed=_int(environ, Var.FAULT_SEED, 0, 0, 2**32) if seed_raw else None,
    )
    if faults.active and env == PROD_ENV and not _flag(environ, Var.FAULT_ALLOW_PROD):
        names = f"{Var.FAULT_ERROR_RATE.value}/{Var.FAULT_LATENCY_MS.value}"
        raise SettingsError(
            f"{names} enable fault injection but {Var.ENV.value}={PROD_ENV}: unset them, or set "
            f"{Var.FAULT_ALLOW_PROD.value}=true for a deliberate production drill"
        )
    return faults


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Parse the environment (default: os.environ) into Settings or raise SettingsError."""
    env_map = os.environ if environ is None else environ
    env = _required(env_map, Var.ENV)
    return Settings(
        env=env,
        table_name=_required(env_map, Var.TABLE),
        reports_bucket=_required(env_map, Var.BUCKET),
        version=env_map.get(Var.VERSION.value, "").strip() or "0.0.0-dev",
        commit=env_map.get(Var.COMMIT.value, "").strip() or "unknown",
        artifact_digest=env_map.get(Var.DIGEST.value, "").strip() or "unknown",
        auth=load_auth(env_map),
        faults=load_faults(env_map, env),
        health_timeout_s=_float(env_map, Var.HEALTH_TIMEOUT_S, 2.0, 0.1, 30.0),
        report_url_ttl_s=_int(env_map, Var.REPORT_URL_TTL_S, 300, 1, 3600),
        log_level=load_log_level(env_map),
        features=load_features(env_map),
    )
