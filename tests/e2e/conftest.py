"""End-to-end tests: the user flows against a deployed environment, never in the normal suite.

Point them at an API with `--e2e-base-url` (or E2E_BASE_URL); without one this folder is not
collected, so plain `pytest` over tests/ never runs them (like tests/smoke). Identity: see
tests/e2e/identity.py (E2E_SIGNING_KEY on the local target, E2E_TOKEN elsewhere). The fault
tests need a second instance of the same build started with EI_FAULT_ERROR_RATE > 0
(`--e2e-fault-base-url` or E2E_FAULT_BASE_URL), where the environment allows fault injection; they
are skipped without one unless E2E_REQUIRE_FAULTS=true.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.identity import Identity, IdentityUnavailable, identity_from

BASE_URL_ENV = "E2E_BASE_URL"
FAULT_URL_ENV = "E2E_FAULT_BASE_URL"
TIMEOUT_S = 30.0


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("e2e", "end-to-end tests against a deployed environment")
    group.addoption("--e2e-base-url", default=None, help=f"the API's base URL (or {BASE_URL_ENV})")
    group.addoption(
        "--e2e-fault-base-url",
        default=None,
        help=f"the same build with faults injected (or {FAULT_URL_ENV})",
    )


def _option(config: pytest.Config, name: str, env: str) -> str:
    try:
        value = config.getoption(name)
    except ValueError:  # the option is unknown when this conftest was not an initial one
        value = None
    return str(value or os.environ.get(env, "")).strip()


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """No target, no E2E tests (see the module docstring)."""
    if collection_path.name == "conftest.py":
        return None
    return True if not _option(config, "--e2e-base-url", BASE_URL_ENV) else None


@pytest.fixture(scope="session")
def base_url(pytestconfig: pytest.Config) -> str:
    return _option(pytestconfig, "--e2e-base-url", BASE_URL_ENV).rstrip("/")


@pytest.fixture(scope="session")
def identity() -> Identity:
    try:
        return identity_from(os.environ)
    except IdentityUnavailable as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def sites() -> tuple[str, ...]:
    """The suite's own sites: given (E2E_SITES, when the token is scoped to them) or fresh."""
    given = tuple(s for s in os.environ.get("E2E_SITES", "").split(",") if s)
    if given:
        return given
    run = uuid.uuid4().hex[:10]
    return (f"e2e-{run}-a", f"e2e-{run}-b")


@pytest.fixture(scope="session")
def anonymous(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=TIMEOUT_S) as client:
        yield client


@pytest.fixture(scope="session")
def api(base_url: str, identity: Identity, sites: tuple[str, ...]) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {identity.token(sites)}"}
    with httpx.Client(base_url=base_url, timeout=TIMEOUT_S, headers=headers) as client:
        yield client


@pytest.fixture(scope="session")
def fault_url(pytestconfig: pytest.Config) -> str:
    url = _option(pytestconfig, "--e2e-fault-base-url", FAULT_URL_ENV).rstrip("/")
    if not url:
        message = (
            f"no faulted instance: set {FAULT_URL_ENV} to the same build started with "
            "EI_FAULT_ERROR_RATE (only where the environment allows fault injection)"
        )
        if os.environ.get("E2E_REQUIRE_FAULTS", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return url


def body(response: httpx.Response, status: int) -> Any:
    """The JSON body after checking the status; the failure shows what the API said."""
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url.path}: expected {status}, "
        f"got {response.status_code}: {response.text[:500]}"
    )
    return response.json()
