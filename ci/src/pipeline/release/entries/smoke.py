"""The smoke entry: `tests/smoke` against the environment's API (the run parameter
PIPELINE_APP_URL_<ENV> when set, else where the target says it answers), with the bearer token
of the secret SMOKE_TOKEN; a failure marks the environment's latest deployment record failed."""

from __future__ import annotations

from infra.deploy.records import RecordStore
from pipeline.catalog import SMOKE_TOKEN_SECRET
from pipeline.release.entries.context import EntryContext
from pipeline.release.smoke import SmokeEndpoint, SmokeRun, run_pytest, smoke_environment


def run(ctx: EntryContext) -> None:
    target = ctx.target()
    url, source = ctx.app_url(target)
    hint = "(e.g. a Cognito test user's)"
    token = ctx.suite_token(target, SMOKE_TOKEN_SECRET, "smoke", hint)
    endpoint = SmokeEndpoint(base_url=url, source=source, token=token)
    store = RecordStore(ctx.deployments(target), ctx.env)
    report_dir = ctx.repo / "build" / "reports" / f"smoke-{ctx.env}"

    def pytest_run(ep: SmokeEndpoint, digest: str) -> SmokeRun:
        return run_pytest(ctx.repo, ep, digest, report_dir, ctx.environ)

    smoke_environment(ctx.env, endpoint, store, pytest_run, ctx.emit)
