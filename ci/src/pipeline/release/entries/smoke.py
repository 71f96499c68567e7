"""The smoke entry: `tests/smoke` against the environment's API (the run parameter
PIPELINE_APP_URL_<ENV> when set, else where the target says it answers), with the bearer token
of the secret SMOKE_TOKEN; a failure marks the environment's latest deployment record failed."""

from __future__ import annotations

from infra.aws.items import ItemTable
from infra.deploy.records import RecordStore
from infra.targets.base import TargetKind
from pipeline.catalog import SMOKE_TOKEN_SECRET, app_url_param
from pipeline.release.entries.context import EntryContext
from pipeline.release.errors import ReleaseUsageError
from pipeline.release.smoke import SmokeEndpoint, SmokeRun, run_pytest, smoke_environment


def run(ctx: EntryContext) -> None:
    target = ctx.target()
    explicit = ctx.param(app_url_param(ctx.env))
    url = explicit.rstrip("/") if explicit else target.api_url(ctx.config)
    token = ctx.param(SMOKE_TOKEN_SECRET)
    if not token:
        how = (
            "the local release mints one from its keypair"
            if target.kind is TargetKind.LOCAL
            else "pass a token the API's JWT authorizer accepts (e.g. a Cognito test user's)"
        )
        raise ReleaseUsageError(f"no smoke token: set the secret {SMOKE_TOKEN_SECRET} ({how})")
    source = app_url_param(ctx.env) if explicit else "the target"
    endpoint = SmokeEndpoint(base_url=url, source=source, token=token)
    clients = target.connect(ctx.config.region).clients
    store = RecordStore(ItemTable(clients, ctx.config.names.deployments_table), ctx.env)
    report_dir = ctx.repo / "build" / "reports" / f"smoke-{ctx.env}"

    def pytest_run(ep: SmokeEndpoint, digest: str) -> SmokeRun:
        return run_pytest(ctx.repo, ep, digest, report_dir, ctx.environ)

    smoke_environment(ctx.env, endpoint, store, pytest_run, ctx.emit)
