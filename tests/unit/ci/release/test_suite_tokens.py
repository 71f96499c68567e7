"""The suites' sites and tokens decided before a run: which sites each suite's token names per
environment, the tokens the local keypair mints for them, and the ones a caller gives (AWS)."""

from __future__ import annotations

from typing import Any

import jwt
import pytest

from app.authz import SITES_CLAIM
from app.local.dev_keys import LOCAL_AUDIENCE, DevKeys, generate_keys
from infra.errors import exit_code_for
from infra.perf.errors import PerfConfigError
from pipeline.catalog import CATALOG
from pipeline.release.suite_tokens import (
    EXPIRED_AGE_S,
    FOREIGN_AUDIENCE,
    LocalMinter,
    SuiteSites,
    given_suite_tokens,
    suite_sites,
)

NOW = 1_700_000_000.0  # in the past: the checks below read claims, not the clock


@pytest.fixture(scope="module")
def keys() -> DevKeys:
    return generate_keys()


def claims(keys: DevKeys, token: str, audience: str = LOCAL_AUDIENCE) -> dict[str, Any]:
    decoded: dict[str, Any] = jwt.decode(
        token,
        keys.public_pem,
        algorithms=["RS256"],
        audience=audience,
        options={"verify_exp": False},
    )
    return decoded


@pytest.mark.parametrize(
    ("stages", "perf", "e2e"),
    [
        ((), (), ()),
        (("build", "deploy-dev", "smoke-dev"), (), ()),  # smoke's token is minted elsewhere
        (("e2e-dev",), (), ("e2e-dev-a", "e2e-dev-b", "e2e-dev-a-never-created")),
        (("perf-dev",), ("perf-dev-001", "perf-dev-002", "perf-dev-003", "perf-dev-004"), ()),
        (
            ("e2e-dev", "e2e-staging", "perf-staging"),
            ("perf-staging-001", "perf-staging-002", "perf-staging-003", "perf-staging-004"),
            (
                "e2e-dev-a",
                "e2e-dev-b",
                "e2e-dev-a-never-created",
                "e2e-staging-a",
                "e2e-staging-b",
                "e2e-staging-a-never-created",
            ),
        ),
    ],
)
def test_the_sites_each_suite_uses_over_the_run(
    stages: tuple[str, ...], perf: tuple[str, ...], e2e: tuple[str, ...]
) -> None:
    found = suite_sites([CATALOG.stage(name) for name in stages], "local")
    assert found == SuiteSites(perf, e2e)
    assert found.empty == (not perf and not e2e)


def test_the_aws_target_uses_the_configured_perf_sites() -> None:
    found = suite_sites([CATALOG.stage("perf-staging")], "aws")
    assert len(found.perf) == 20  # perf.load.sites in staging.yaml


def test_a_perf_run_on_prod_is_refused_before_anything_runs() -> None:
    with pytest.raises(PerfConfigError, match=r"perf\.allow_prod is false") as caught:
        suite_sites([CATALOG.stage("perf-prod")], "local")
    assert exit_code_for(caught.value) == 2


def test_the_minter_makes_exactly_the_tokens_the_suites_need(keys: DevKeys) -> None:
    minter = LocalMinter(keys.private_pem)
    assert minter.tokens(SuiteSites()) == {}
    assert set(minter.tokens(SuiteSites(perf=("p1",)), NOW)) == {"PERF_TOKEN"}
    both = minter.tokens(SuiteSites(perf=("p1",), e2e=("e1", "e2")), NOW)
    assert set(both) == {"PERF_TOKEN", "E2E_TOKEN", "E2E_EXPIRED_TOKEN", "E2E_FOREIGN_TOKEN"}


def test_each_token_is_scoped_to_its_suites_sites(keys: DevKeys) -> None:
    tokens = LocalMinter(keys.private_pem).tokens(SuiteSites(("p1", "p2"), ("e1",)), NOW)
    perf = claims(keys, tokens["PERF_TOKEN"])
    assert perf[SITES_CLAIM] == ["p1", "p2"]
    assert perf["exp"] - perf["iat"] == 2 * 3600
    e2e = claims(keys, tokens["E2E_TOKEN"])
    assert e2e[SITES_CLAIM] == ["e1"]
    assert e2e["iat"] == int(NOW)


def test_the_refusal_tokens_are_expired_or_for_another_audience(keys: DevKeys) -> None:
    tokens = LocalMinter(keys.private_pem).tokens(SuiteSites(e2e=("e1",)), NOW)
    expired = claims(keys, tokens["E2E_EXPIRED_TOKEN"])
    assert expired["iat"] == int(NOW - EXPIRED_AGE_S)
    assert expired["exp"] < NOW - 3000  # far beyond any leeway
    foreign = claims(keys, tokens["E2E_FOREIGN_TOKEN"], audience=FOREIGN_AUDIENCE)
    assert foreign["exp"] > NOW
    with pytest.raises(jwt.InvalidAudienceError):
        claims(keys, tokens["E2E_FOREIGN_TOKEN"])


def test_the_minter_never_shows_its_key(keys: DevKeys) -> None:
    assert keys.private_pem not in repr(LocalMinter(keys.private_pem))


@pytest.mark.parametrize(
    ("environ", "given"),
    [
        ({}, {}),
        ({"PERF_TOKEN": " p ", "SMOKE_TOKEN": "s"}, {"PERF_TOKEN": "p"}),  # smoke: elsewhere
        ({"E2E_TOKEN": "e", "E2E_EXPIRED_TOKEN": "  "}, {"E2E_TOKEN": "e"}),  # blank: unset
        (
            {"E2E_TOKEN": "e", "E2E_EXPIRED_TOKEN": "x", "E2E_FOREIGN_TOKEN": "f"},
            {"E2E_TOKEN": "e", "E2E_EXPIRED_TOKEN": "x", "E2E_FOREIGN_TOKEN": "f"},
        ),
    ],
)
def test_the_callers_tokens_pass_through_on_aws(
    environ: dict[str, str], given: dict[str, str]
) -> None:
    assert given_suite_tokens(environ) == given
