"""The one builder of a local app's environment (app.local up and the local release target)."""

from __future__ import annotations

from app.local.environment import local_app_environment
from app.local.ports import free_port, loopback_url, port_is_free

FUNCTION_ENV = {
    "EI_ENV": "dev",
    "EI_TABLE_NAME": "energy-insights-dev-data",
    "EI_ARTIFACT_DIGEST": "d" * 64,
    "EI_JWT_JWKS_URL": "https://auth.example.com/jwks",
    "EI_JWT_ISSUER": "https://auth.example.com/",
}


def test_the_settings_keep_theirs_with_local_auth_and_the_emulator() -> None:
    env = local_app_environment(
        FUNCTION_ENV, emulator_url="http://127.0.0.1:5000", public_pem="PEM", region="eu-west-1"
    )
    assert env["EI_TABLE_NAME"] == "energy-insights-dev-data"
    assert env["EI_ARTIFACT_DIGEST"] == "d" * 64
    assert "EI_JWT_JWKS_URL" not in env
    assert env["EI_JWT_PUBLIC_KEY"] == "PEM"
    assert env["EI_JWT_ISSUER"] == "energy-insights-local"
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5000"
    assert env["AWS_DEFAULT_REGION"] == env["AWS_REGION"] == "eu-west-1"
    # pragma: allowlist nextline secret
    assert env["AWS_SECRET_ACCESS_KEY"] == "testing"  # fake: never real credentials
    assert "HOME" not in env


def test_free_port_is_free_and_on_the_loopback() -> None:
    port = free_port()
    assert port_is_free(port)
    assert loopback_url(port) == f"http://127.0.0.1:{port}"
