"""The bearer tokens of the suites a run's stages drive (perf, E2E), decided before any stage
runs: which sites each suite uses in which environment (planning the perf run also refuses a
bad or forbidden perf config here, exit 2, before anything is deployed), and the tokens.

Locally they are minted host-side with the local release keypair, scoped to exactly those sites,
and reach the stages as secrets: no signing key enters a stage container. On AWS they are the
caller's (PERF_TOKEN, E2E_TOKEN...: a test user's tokens of the identity provider; signing in
through Cognito from here is a later step's job), passed through unchanged.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from app.authz import ALL_SCOPES
from app.local.dev_keys import LOCAL_AUDIENCE, DevKeys, mint_token
from infra.config import load_environment
from infra.perf.plan import plan_perf
from infra.perf.suite_sites import e2e_token_sites
from pipeline.catalog import (
    E2E,
    E2E_EXPIRED_TOKEN_SECRET,
    E2E_FOREIGN_TOKEN_SECRET,
    E2E_SECRETS,
    E2E_TOKEN_SECRET,
    PERF,
    PERF_TOKEN_SECRET,
    Stage,
    kind_of,
)

# Long enough for a whole release (build, two deploys, the suites), short enough to be useless
# soon after; the perf stage's own run is at most duration + its overrun guard.
SUITE_TOKEN_TTL_S = 2 * 3600
EXPIRED_AGE_S = 7200  # issued two hours ago for one hour: expired well past the API's leeway
FOREIGN_AUDIENCE = "some-other-api"


@dataclass(frozen=True)
class SuiteSites:
    """The sites each suite uses, over every environment the run reaches."""

    perf: tuple[str, ...] = ()
    e2e: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.perf or self.e2e)


def _union(groups: Iterable[Sequence[str]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(site for group in groups for site in group))


def suite_sites(stages: Iterable[Stage], target: str) -> SuiteSites:
    """The perf and E2E sites of the stages' environments. Plans each perf run: a missing or
    refused perf config (prod unless allowed) raises PerfConfigError (exit 2) here."""
    perf: list[tuple[str, ...]] = []
    e2e: list[tuple[str, ...]] = []
    for found in filter(None, map(kind_of, stages)):
        kind, env = found
        if kind == PERF:
            perf.append(plan_perf(load_environment(env), target).sites)
        elif kind == E2E:
            e2e.append(e2e_token_sites(env))
    return SuiteSites(_union(perf), _union(e2e))


@dataclass(frozen=True)
class LocalMinter:
    """Mints the suites' tokens with the local release keypair (the local target only)."""

    private_pem: str = field(repr=False)
    ttl_s: int = SUITE_TOKEN_TTL_S

    def _mint(self, sites: Sequence[str], audience: str, ttl_s: int, now: float) -> str:
        keys = DevKeys(private_pem=self.private_pem, public_pem="")
        return mint_token(
            keys,
            audience=audience,
            subject="release-suites",
            ttl_s=ttl_s,
            now=now,
            scopes=ALL_SCOPES,
            sites=sites,
        )

    def tokens(self, sites: SuiteSites, now: float | None = None) -> dict[str, str]:
        """PERF_TOKEN for the perf sites; E2E_TOKEN, an expired and a foreign-audience token
        for the E2E sites (what the suite's refusal tests need)."""
        issued = time.time() if now is None else now
        found: dict[str, str] = {}
        if sites.perf:
            found[PERF_TOKEN_SECRET] = self._mint(sites.perf, LOCAL_AUDIENCE, self.ttl_s, issued)
        if sites.e2e:
            found[E2E_TOKEN_SECRET] = self._mint(sites.e2e, LOCAL_AUDIENCE, self.ttl_s, issued)
            found[E2E_EXPIRED_TOKEN_SECRET] = self._mint(
                sites.e2e, LOCAL_AUDIENCE, EXPIRED_AGE_S // 2, issued - EXPIRED_AGE_S
            )
            found[E2E_FOREIGN_TOKEN_SECRET] = self._mint(
                sites.e2e, FOREIGN_AUDIENCE, self.ttl_s, issued
            )
        return found


def given_suite_tokens(environ: Mapping[str, str]) -> dict[str, str]:
    """The suites' tokens the caller gives (AWS): PERF_TOKEN and the E2E_* ones, if set."""
    names = (PERF_TOKEN_SECRET, *E2E_SECRETS)
    return {name: environ[name].strip() for name in names if environ.get(name, "").strip()}
