"""Smoke tests: run against a deployed environment, never as part of the normal suite.

They need a target: `--base-url` (or SMOKE_BASE_URL), a bearer token (`--token` or
SMOKE_TOKEN) and the deployed artifact digest (`--expected-digest` or SMOKE_EXPECTED_DIGEST).
The token must grant every scope on the site they write to: `--site` (or SMOKE_SITE), by
default `smoke`, which the local tokens of app.local.dev_keys grant.
Without a base URL this folder is not collected at all, so `./run-tests` (plain pytest over
tests/) never runs them; `pipeline smoke --env E` and the `smoke-<env>` stages run them, and
under CI=true they are exercised by tests/integration/release (a full local release).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

BASE_URL_ENV = "SMOKE_BASE_URL"
# pragma: allowlist nextline secret
TOKEN_ENV = "SMOKE_TOKEN"
DIGEST_ENV = "SMOKE_EXPECTED_DIGEST"
SITE_ENV = "SMOKE_SITE"
DEFAULT_SITE = "smoke"
TIMEOUT_S = 15.0


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("smoke", "smoke tests against a deployed environment")
    group.addoption("--base-url", default=None, help=f"the API's base URL (or {BASE_URL_ENV})")
    group.addoption("--token", default=None, help=f"a bearer token (or {TOKEN_ENV})")
    group.addoption(
        "--expected-digest", default=None, help=f"the deployed artifact sha256 (or {DIGEST_ENV})"
    )
    group.addoption(
        "--site",
        default=None,
        help=f"the site the token grants (or {SITE_ENV}; default {DEFAULT_SITE})",
    )


def _option(config: pytest.Config, name: str, env: str) -> str:
    try:
        value = config.getoption(name)
    except ValueError:  # the option is unknown when this conftest was not an initial one
        value = None
    return str(value or os.environ.get(env, "")).strip()


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """No target, no smoke tests: skip collecting this folder (see the module docstring)."""
    if collection_path.name == "conftest.py":
        return None
    return True if not _option(config, "--base-url", BASE_URL_ENV) else None


@pytest.fixture(scope="session")
def base_url(pytestconfig: pytest.Config) -> str:
    return _option(pytestconfig, "--base-url", BASE_URL_ENV).rstrip("/")


@pytest.fixture(scope="session")
def token(pytestconfig: pytest.Config) -> str:
    value = _option(pytestconfig, "--token", TOKEN_ENV)
    if not value:
        pytest.fail(f"no bearer token: pass --token or set {TOKEN_ENV}")
    return value


@pytest.fixture(scope="session")
def expected_digest(pytestconfig: pytest.Config) -> str:
    value = _option(pytestconfig, "--expected-digest", DIGEST_ENV)
    if not value:
        pytest.fail(f"no expected digest: pass --expected-digest or set {DIGEST_ENV}")
    return value


@pytest.fixture(scope="session")
def site_id(pytestconfig: pytest.Config) -> str:
    return _option(pytestconfig, "--site", SITE_ENV) or DEFAULT_SITE


@pytest.fixture(scope="session")
def anonymous(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=TIMEOUT_S) as client:
        yield client


@pytest.fixture(scope="session")
def api(base_url: str, token: str) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, timeout=TIMEOUT_S, headers=headers) as client:
        yield client


def body(response: httpx.Response, status: int) -> Any:
    """The JSON body after checking the status; the failure shows what the API said."""
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url.path}: expected {status}, "
        f"got {response.status_code}: {response.text[:500]}"
    )
    return response.json()
