"""A faulted release (the fault switch, EI_FAULT_ERROR_RATE, where the environment allows it):
clients see 500 `injected_fault` attributed to its version, while /health and /version stay up
so the release remains observable. This is the failure the canary analysis must catch."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.conftest import body
from tests.e2e.identity import Identity

ATTEMPTS = 20


@pytest.fixture(scope="module")
def faulted(fault_url: str, identity: Identity, sites: tuple[str, ...]) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {identity.token(sites)}"}
    with httpx.Client(base_url=fault_url, timeout=30, headers=headers) as client:
        yield client


def test_injected_failures_carry_the_version_and_the_error_shape(
    faulted: httpx.Client, sites: tuple[str, ...]
) -> None:
    responses = [faulted.get(f"/sites/{sites[0]}") for _ in range(ATTEMPTS)]
    injected = [r for r in responses if r.status_code == 500]
    assert injected, f"no injected fault in {ATTEMPTS} requests: is EI_FAULT_ERROR_RATE set?"
    for response in injected:
        assert response.json()["error"] == "injected_fault"
        assert response.headers.get("x-app-version")
    assert {r.status_code for r in responses} <= {200, 404, 500}


def test_a_faulted_release_stays_observable(faulted: httpx.Client) -> None:
    for _ in range(5):
        assert body(faulted.get("/health"), 200)["status"] == "ok"
        assert "artifact_digest" in body(faulted.get("/version"), 200)
