"""Environment switches from the config reach the app: log level and feature flags."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from moto import mock_aws

from app.local.provision import create_bucket, create_table
from app.main import create_app
from app.observability import logger
from app.services import Services
from app.settings import Feature, FeatureFlags, SettingsError, load_settings
from app.storage.clients import AwsClients, build_clients
from infra.aws.sessions import EMULATOR_KEY

from .support import NOW, auth_header, base_environ, settings

REPORT = {"metric": "power_kw", "from": "2026-05-31T00:00:00Z", "to": "2026-06-01T00:00:00Z"}


@pytest.fixture
def clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsClients]:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    for name, value in {
        "AWS_ACCESS_KEY_ID": EMULATOR_KEY,
        "AWS_SECRET_ACCESS_KEY": EMULATOR_KEY,
        "AWS_DEFAULT_REGION": "eu-west-1",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        built = build_clients()
        create_table(built.dynamodb, "energy-test")
        create_bucket(built.s3, "energy-test-reports")
        yield built


def api(clients: AwsClients, flags: dict[str, bool]) -> TestClient:
    svc = Services(
        settings(features=FeatureFlags(flags)), clients=lambda: clients, clock=lambda: NOW
    )
    return TestClient(create_app(svc=svc), raise_server_exceptions=False)


def test_reports_flag_off_answers_404_saying_so(clients: AwsClients) -> None:
    with api(clients, {"reports": False}) as client:
        created = client.post("/sites/s1/reports", json=REPORT, headers=auth_header())
        fetched = client.get(f"/reports/{'a' * 32}", headers=auth_header())
        unaffected = client.put("/sites/s1", json={"name": "S"}, headers=auth_header())
    assert created.status_code == fetched.status_code == 404
    assert created.json()["error"] == "not_found"
    assert "feature flag 'reports' is false" in created.json()["message"]
    assert unaffected.status_code == 200


def test_reports_flag_on_serves_reports(clients: AwsClients) -> None:
    with api(clients, {"reports": True}) as client:
        client.put("/sites/s1", json={"name": "S"}, headers=auth_header())
        created = client.post("/sites/s1/reports", json=REPORT, headers=auth_header())
    assert created.status_code == 201


@pytest.mark.parametrize(
    ("raw", "reports_on"),
    [
        (None, True),  # no flags: every feature on
        ("", True),
        ('{"reports": true}', True),
        ('{"reports": false}', False),
        ('{"not_yet_shipped": false}', True),  # a flag this code does not know is ignored
    ],
)
def test_feature_flags_are_read_from_the_environment(raw: str | None, reports_on: bool) -> None:
    environ = base_environ()
    if raw is not None:
        environ["EI_FEATURE_FLAGS"] = raw
    assert load_settings(environ).features.enabled(Feature.REPORTS) is reports_on


@pytest.mark.parametrize("raw", ["reports", '["reports"]', '{"reports": "no"}', '{"reports": 0}'])
def test_bad_feature_flags_name_the_variable(raw: str) -> None:
    with pytest.raises(SettingsError, match="EI_FEATURE_FLAGS must be a JSON object of booleans"):
        load_settings({**base_environ(), "EI_FEATURE_FLAGS": raw})


@pytest.mark.parametrize(
    ("raw", "level"),
    [(None, "INFO"), ("debug", "DEBUG"), ("WARNING", "WARNING"), (" error ", "ERROR")],
)
def test_log_level_is_read_from_the_environment(raw: str | None, level: str) -> None:
    environ = base_environ()
    if raw is not None:
        environ["EI_LOG_LEVEL"] = raw
    assert load_settings(environ).log_level == level


def test_bad_log_level_names_the_variable() -> None:
    with pytest.raises(SettingsError, match="EI_LOG_LEVEL='VERBOSE' is not a level"):
        load_settings({**base_environ(), "EI_LOG_LEVEL": "verbose"})


def test_the_app_logs_at_the_configured_level(clients: AwsClients) -> None:
    for level, debug_on in (("DEBUG", True), ("WARNING", False)):
        svc = Services(settings(log_level=level), clients=lambda: clients, clock=lambda: NOW)
        create_app(svc=svc)
        assert logger.isEnabledFor(logging.DEBUG) is debug_on
        assert logger.isEnabledFor(logging.WARNING)
    create_app(svc=Services(settings(), clients=lambda: clients, clock=lambda: NOW))
    assert logger.log_level == logging.INFO


def test_config_flags_and_level_reach_the_function_environment() -> None:
    from infra.config import load_environment
    from infra.templates.stack import build_template

    config = load_environment("dev")
    variables = build_template(config).to_dict()["Resources"]["Function"]["Properties"][
        "Environment"
    ]["Variables"]
    assert json.loads(variables["EI_FEATURE_FLAGS"]) == dict(config.feature_flags)
    assert variables["EI_LOG_LEVEL"] == config.log_level
