"""Where an environment's API answers for the smoke tests, and with which token: pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pipeline.catalog import SMOKE_TOKEN_SECRET, app_url_param
from pipeline.release.errors import ReleaseError
from pipeline.release.targets import Target


@dataclass(frozen=True)
class SmokeEndpoint:
    base_url: str
    source: str  # where the URL came from, for the log
    token: str = field(repr=False)


def base_url(env: str, target: Target, environ: Mapping[str, str], api_url: str | None) -> str:
    """The run parameter `PIPELINE_APP_URL_<ENV>` when set (the local app the release serves),
    else on AWS the stack's `ApiUrl` output."""
    explicit = environ.get(app_url_param(env), "").strip()
    if explicit:
        return explicit.rstrip("/")
    if target is Target.AWS:
        if api_url:
            return api_url.rstrip("/")
        raise ReleaseError(
            f"the {env} stack has no ApiUrl output: deploy it first (`pipeline deploy --env "
            f"{env} --target aws`), or set {app_url_param(env)} to the API's base URL"
        )
    raise ReleaseError(
        f"no local app URL for {env}: {app_url_param(env)} is not set. The release serves the "
        f"app after deploying; run `pipeline deploy --env {env}` or `pipeline release` first"
    )


def smoke_endpoint(
    env: str, target: Target, environ: Mapping[str, str], api_url: str | None
) -> SmokeEndpoint:
    """Base URL plus the bearer token (secret `SMOKE_TOKEN`), or ReleaseError saying what is
    missing."""
    url = base_url(env, target, environ, api_url)
    token = environ.get(SMOKE_TOKEN_SECRET, "").strip()
    if not token:
        how = (
            "the release mints one from the local dev keypair"
            if target is Target.LOCAL
            else "pass a token the API's JWT authorizer accepts (e.g. a Cognito test user's)"
        )
        raise ReleaseError(f"no smoke token: set the secret {SMOKE_TOKEN_SECRET} ({how})")
    source = app_url_param(env) if environ.get(app_url_param(env), "").strip() else "ApiUrl"
    return SmokeEndpoint(base_url=url, source=source, token=token)
