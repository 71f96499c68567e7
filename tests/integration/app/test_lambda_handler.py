"""app.lambda_handler.handler answers API Gateway HTTP API (v2) events, on a real emulator."""

from __future__ import annotations

import importlib
import json
import sys
from types import SimpleNamespace
from typing import Any

import pytest

from app.storage.clients import AwsClients, aws_clients
from tests.unit.app.support import AUDIENCE, ISSUER, keys, token

pytestmark = pytest.mark.emulator


def http_api_event(
    method: str, path: str, headers: dict[str, str], body: str | None = None
) -> dict[str, Any]:
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"host": "abc.execute-api.eu-west-1.amazonaws.com", **headers},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc",
            "domainName": "abc.execute-api.eu-west-1.amazonaws.com",
            "domainPrefix": "abc",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "198.51.100.7",
                "userAgent": "pytest",
            },
            "requestId": "req-1",
            "routeKey": "$default",
            "stage": "$default",
            "time": "01/Jun/2026:12:00:00 +0000",
            "timeEpoch": 1780315200000,
        },
        "body": body,
        "isBase64Encoded": False,
    }


@pytest.fixture
def handler(monkeypatch: pytest.MonkeyPatch, clients: AwsClients, names: tuple[str, str]) -> Any:
    table, bucket = names
    for name, value in {
        "EI_ENV": "dev",
        "EI_TABLE_NAME": table,
        "EI_REPORTS_BUCKET": bucket,
        "EI_VERSION": "9.9.9",
        "EI_JWT_ISSUER": ISSUER,
        "EI_JWT_AUDIENCE": AUDIENCE,
        "EI_JWT_PUBLIC_KEY": keys().public_pem,
        # a healthy emulator answers at once; a busy machine must not turn that into a 503
        "EI_HEALTH_TIMEOUT_S": "30",
    }.items():
        monkeypatch.setenv(name, value)
    aws_clients.cache_clear()
    sys.modules.pop("app.lambda_handler", None)
    module = importlib.import_module("app.lambda_handler")
    yield module.handler
    sys.modules.pop("app.lambda_handler", None)
    aws_clients.cache_clear()


def context() -> SimpleNamespace:
    return SimpleNamespace(aws_request_id="lambda-req-42", function_name="energy-insights")


def test_health_event(handler: Any) -> None:
    result = handler(http_api_event("GET", "/health", {}), context())
    assert result["statusCode"] == 200, result["body"]
    assert json.loads(result["body"])["status"] == "ok"
    assert result["headers"]["x-app-version"] == "9.9.9"
    assert result["headers"]["x-request-id"] == "lambda-req-42"


def test_write_then_read_through_events(handler: Any) -> None:
    auth = {
        "authorization": f"Bearer {token(sites=['lambda-site'])}",
        "content-type": "application/json",
    }
    put = handler(
        http_api_event("PUT", "/sites/lambda-site", auth, json.dumps({"name": "L"})), context()
    )
    assert put["statusCode"] == 200
    got = handler(http_api_event("GET", "/sites/lambda-site", auth), context())
    assert json.loads(got["body"])["name"] == "L"
    denied = handler(http_api_event("GET", "/sites/lambda-site", {}), context())
    assert denied["statusCode"] == 401
