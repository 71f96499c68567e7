"""The sites the release's E2E suite uses in an environment: fixed per environment, so a token
minted before the stage runs (the local keypair, host-side; or a test user's on AWS) can name
them, and reruns reuse them instead of creating new ones. The perf sites are
`journeys.site_ids` (their number comes from the load profile).

Pure and dependency-free: tests/e2e imports it inside the suite.
"""

from __future__ import annotations

# The E2E suite checks that a site nobody created answers 404 (not 403): its token must allow
# that site too, so the name is derived here, in one place.
MISSING_SUFFIX = "-never-created"


def e2e_sites(env: str) -> tuple[str, str]:
    """The two sites the E2E flows register and use in `env`."""
    return (f"e2e-{env}-a", f"e2e-{env}-b")


def missing_site(site: str) -> str:
    """A site id next to `site` that is never created."""
    return f"{site}{MISSING_SUFFIX}"


def e2e_token_sites(env: str) -> tuple[str, ...]:
    """Every site an E2E token for `env` must allow: its sites and the never-created one."""
    sites = e2e_sites(env)
    return (*sites, missing_site(sites[0]))
