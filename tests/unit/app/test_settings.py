from __future__ import annotations

import pytest

from app.settings import SettingsError, load_settings

from .support import ISSUER as ISSUER_OF_BASE
from .support import base_environ


def env(**changes: str | None) -> dict[str, str]:
    environ = base_environ()
    for name, value in changes.items():
        if value is None:
            environ.pop(name, None)
        else:
            environ[name] = value
    return environ


def test_defaults_are_safe() -> None:
    settings = load_settings(env())
    assert settings.env == "dev"
    assert settings.version == "0.0.0-dev"
    assert settings.faults.active is False
    assert settings.health_timeout_s == 2.0
    assert settings.auth.public_key_pem is not None
    assert settings.auth.jwks_url is None
    assert settings.auth.resource_server == "energy-insights"


@pytest.mark.parametrize(
    ("changes", "names"),
    [
        ({"EI_ENV": None}, "EI_ENV"),
        ({"EI_TABLE_NAME": "  "}, "EI_TABLE_NAME"),
        ({"EI_REPORTS_BUCKET": None}, "EI_REPORTS_BUCKET"),
        ({"EI_JWT_ISSUER": None}, "EI_JWT_ISSUER"),
        ({"EI_JWT_AUDIENCE": ""}, "EI_JWT_AUDIENCE"),
        ({"EI_JWT_PUBLIC_KEY": None}, "EI_JWT_JWKS_URL"),
        ({"EI_JWT_JWKS_URL": "https://x/jwks.json"}, "exactly one"),
        ({"EI_JWT_PUBLIC_KEY": None, "EI_JWT_JWKS_URL": "ftp://x"}, "https://"),
        ({"EI_JWT_PUBLIC_KEY": "not a pem"}, "BEGIN PUBLIC KEY"),
        ({"EI_FAULT_ERROR_RATE": "lots"}, "EI_FAULT_ERROR_RATE"),
        ({"EI_FAULT_ERROR_RATE": "-0.01"}, "EI_FAULT_ERROR_RATE"),
        ({"EI_FAULT_ERROR_RATE": "1.01"}, "EI_FAULT_ERROR_RATE"),
        ({"EI_FAULT_LATENCY_MS": "1.5"}, "EI_FAULT_LATENCY_MS"),
        ({"EI_FAULT_LATENCY_MS": "30001"}, "EI_FAULT_LATENCY_MS"),
        ({"EI_FAULT_LATENCY_MS": "-1"}, "EI_FAULT_LATENCY_MS"),
        ({"EI_HEALTH_TIMEOUT_S": "0.09"}, "EI_HEALTH_TIMEOUT_S"),
        ({"EI_REPORT_URL_TTL_S": "0"}, "EI_REPORT_URL_TTL_S"),
        ({"EI_REPORT_URL_TTL_S": "3601"}, "EI_REPORT_URL_TTL_S"),
        ({"EI_JWT_RESOURCE_SERVER": "energy insights"}, "EI_JWT_RESOURCE_SERVER"),
        ({"EI_JWT_RESOURCE_SERVER": 'say"hi'}, "EI_JWT_RESOURCE_SERVER"),
        ({"EI_JWT_RESOURCE_SERVER": "back\\slash"}, "EI_JWT_RESOURCE_SERVER"),
        ({"EI_JWT_RESOURCE_SERVER": "x" * 257}, "EI_JWT_RESOURCE_SERVER"),
    ],
)
def test_bad_environment_names_the_variable(changes: dict[str, str | None], names: str) -> None:
    with pytest.raises(SettingsError, match=names):
        load_settings(env(**changes))


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"EI_FAULT_ERROR_RATE": "0"}, 0.0),
        ({"EI_FAULT_ERROR_RATE": "1"}, 1.0),
        ({"EI_FAULT_ERROR_RATE": "0.25"}, 0.25),
    ],
)
def test_error_rate_limits_are_inclusive(changes: dict[str, str], expected: float) -> None:
    assert load_settings(env(**changes)).faults.error_rate == expected


def test_jwks_url_instead_of_pem() -> None:
    settings = load_settings(
        env(EI_JWT_PUBLIC_KEY=None, EI_JWT_JWKS_URL="https://cognito.test/.well-known/jwks.json")
    )
    assert settings.auth.jwks_url == "https://cognito.test/.well-known/jwks.json"


@pytest.mark.parametrize(
    ("changes", "active"),
    [
        ({"EI_FAULT_ERROR_RATE": "0.1"}, True),
        ({"EI_FAULT_LATENCY_MS": "200"}, True),
        ({"EI_FAULT_LATENCY_MS": "200", "EI_FAULT_LATENCY_RATE": "0"}, False),
        ({"EI_FAULT_LATENCY_MS": "0", "EI_FAULT_LATENCY_RATE": "1"}, False),
    ],
)
def test_faults_are_active_only_when_they_do_something(
    changes: dict[str, str], active: bool
) -> None:
    assert load_settings(env(**changes)).faults.active is active


@pytest.mark.parametrize(
    ("changes", "refused"),
    [
        ({"EI_ENV": "prod", "EI_FAULT_ERROR_RATE": "0.1"}, True),
        ({"EI_ENV": "prod", "EI_FAULT_LATENCY_MS": "100"}, True),
        ({"EI_ENV": "prod", "EI_FAULT_ERROR_RATE": "0.1", "EI_FAULT_ALLOW_PROD": "false"}, True),
        ({"EI_ENV": "prod", "EI_FAULT_ERROR_RATE": "0.1", "EI_FAULT_ALLOW_PROD": "true"}, False),
        ({"EI_ENV": "prod"}, False),
        ({"EI_ENV": "staging", "EI_FAULT_ERROR_RATE": "0.1"}, False),
    ],
)
def test_faults_refused_in_prod_unless_allowed(changes: dict[str, str], refused: bool) -> None:
    if refused:
        with pytest.raises(SettingsError, match="EI_FAULT_ALLOW_PROD"):
            load_settings(env(**changes))
    else:
        assert load_settings(env(**changes)).env == changes["EI_ENV"]


def test_allow_flag_must_be_boolean() -> None:
    with pytest.raises(SettingsError, match="EI_FAULT_ALLOW_PROD"):
        load_settings(env(EI_ENV="prod", EI_FAULT_ERROR_RATE="0.1", EI_FAULT_ALLOW_PROD="maybe"))


def test_fault_seed_is_parsed() -> None:
    assert load_settings(env(EI_FAULT_SEED="42")).faults.seed == 42


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "energy-insights"),
        ("  ", "energy-insights"),
        ("billing-api", "billing-api"),
        ("https://api.example.com", "https://api.example.com"),
        ("x" * 256, "x" * 256),
    ],
)
def test_resource_server(value: str | None, expected: str) -> None:
    assert load_settings(env(EI_JWT_RESOURCE_SERVER=value)).auth.resource_server == expected


EXTRA = {
    "EI_JWT_EXTRA_ISSUER": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool1",
    "EI_JWT_EXTRA_AUDIENCE": "client-1",
    "EI_JWT_EXTRA_JWKS_URL": "http://127.0.0.1:5000/eu-west-1_Pool1/.well-known/jwks.json",
}


def test_a_second_issuer_is_trusted_next_to_the_first() -> None:
    auth = load_settings(env(**EXTRA)).auth
    assert auth.public_key_pem is not None  # the first issuer is unchanged
    assert auth.extra is not None
    assert (auth.extra.issuer, auth.extra.audience) == (
        EXTRA["EI_JWT_EXTRA_ISSUER"],
        "client-1",
    )
    assert load_settings(env()).auth.extra is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({**EXTRA, "EI_JWT_EXTRA_AUDIENCE": None}, "set EI_JWT_EXTRA_AUDIENCE too"),
        ({"EI_JWT_EXTRA_ISSUER": "https://x"}, "EI_JWT_EXTRA_AUDIENCE, EI_JWT_EXTRA_JWKS_URL too"),
        ({**EXTRA, "EI_JWT_EXTRA_ISSUER": ISSUER_OF_BASE}, "same issuer as EI_JWT_ISSUER"),
        ({**EXTRA, "EI_JWT_EXTRA_JWKS_URL": "http://emulator:5000/p/jwks.json"}, "https://"),
    ],
)
def test_a_half_configured_second_issuer_is_refused(
    changes: dict[str, str | None], message: str
) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(env(**changes))


@pytest.mark.parametrize(
    ("endpoint", "url", "ok"),
    [
        ("http://emulator:5000", "http://emulator:5000/p/.well-known/jwks.json", True),
        ("http://emulator:5000/", "http://emulator:5000/p/.well-known/jwks.json", True),
        ("http://emulator:5000", "http://emulator:50001/p/.well-known/jwks.json", False),
        ("http://emulator:5000", "http://elsewhere:5000/p/.well-known/jwks.json", False),
        (None, "http://emulator:5000/p/.well-known/jwks.json", False),
        (None, "https://cognito-idp.eu-west-1.amazonaws.com/p/.well-known/jwks.json", True),
    ],
)
def test_plain_http_keys_only_from_the_emulator_the_app_uses(
    endpoint: str | None, url: str, ok: bool
) -> None:
    changes = {**EXTRA, "EI_JWT_EXTRA_JWKS_URL": url, "AWS_ENDPOINT_URL": endpoint}
    if ok:
        assert load_settings(env(**changes)).auth.extra is not None
    else:
        with pytest.raises(SettingsError, match="EI_JWT_EXTRA_JWKS_URL must be an https://"):
            load_settings(env(**changes))
