"""The e2e entry: `tests/e2e` against the environment's API (the run parameter
PIPELINE_APP_URL_<ENV> when set, else where the target says it answers), signed in with the
secret E2E_TOKEN (and, when given, the expired and foreign-audience tokens its refusal tests
use), over the environment's fixed E2E sites; a failure marks the deployment record failed."""

from __future__ import annotations

from infra.deploy.records import RecordStore
from infra.perf.suite_sites import e2e_sites, e2e_token_sites
from pipeline.catalog import E2E_SECRETS, E2E_TOKEN_SECRET
from pipeline.release.e2e import E2ERun, E2ETarget, e2e_environment, run_pytest
from pipeline.release.entries.context import EntryContext


def run(ctx: EntryContext) -> None:
    target = ctx.target()
    url, source = ctx.app_url(target)
    hint = f"for the sites {', '.join(e2e_token_sites(ctx.env))} (e.g. a Cognito test user's)"
    ctx.suite_token(target, E2E_TOKEN_SECRET, "E2E", hint)
    tokens = {name: ctx.param(name) for name in E2E_SECRETS if ctx.param(name)}
    suite = E2ETarget(url, source, e2e_sites(ctx.env), tokens)
    store = RecordStore(ctx.deployments(target), ctx.env)
    report_dir = ctx.repo / "build" / "reports" / f"e2e-{ctx.env}"
    # The suite's process gets no AWS credentials: it talks to the API only.
    environ = {k: v for k, v in ctx.environ.items() if not k.startswith("AWS_")}

    def pytest_run(on: E2ETarget) -> E2ERun:
        return run_pytest(ctx.repo, on, report_dir, environ)

    e2e_environment(ctx.env, suite, store, pytest_run, ctx.emit)
