"""Builders shared by the app's unit and integration tests: settings, keys, tokens."""

from __future__ import annotations

import functools
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from app.local.dev_keys import DevKeys, generate_keys, mint_token
from app.settings import AuthSettings, FaultSettings, Settings

ISSUER = "https://issuer.test"
AUDIENCE = "energy-insights-test"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
# The sites the tests' default token grants (every scope on each).
SITES = ("s1", "plant-1", "plant-2", "nope", "ghost", "unknown")


@functools.cache
def keys() -> DevKeys:
    return generate_keys()


@functools.cache
def other_keys() -> DevKeys:
    return generate_keys()


def token(**overrides: Any) -> str:
    extra = overrides.pop("extra", None)
    params: dict[str, Any] = {"issuer": ISSUER, "audience": AUDIENCE, "sites": SITES, **overrides}
    signing = params.pop("keys", keys())
    return mint_token(signing, extra=extra, **params)


def auth_header(**overrides: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(**overrides)}"}


def settings(
    table: str = "energy-test", bucket: str = "energy-test-reports", **changes: Any
) -> Settings:
    base = Settings(
        env="test",
        table_name=table,
        reports_bucket=bucket,
        version="1.2.3",
        commit="abc1234",
        artifact_digest="sha256:feed",
        auth=AuthSettings(
            issuer=ISSUER, audience=AUDIENCE, jwks_url=None, public_key_pem=keys().public_pem
        ),
        faults=FaultSettings(),
        health_timeout_s=2.0,
    )
    return replace(base, **changes)


def base_environ() -> dict[str, str]:
    """A complete, valid environment for load_settings."""
    return {
        "EI_ENV": "dev",
        "EI_TABLE_NAME": "t",
        "EI_REPORTS_BUCKET": "b",
        "EI_JWT_ISSUER": ISSUER,
        "EI_JWT_AUDIENCE": AUDIENCE,
        "EI_JWT_PUBLIC_KEY": keys().public_pem,
    }
