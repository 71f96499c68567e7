"""The Dagger module `pipeline`: each catalog stage compiled to a Dagger container chain.

`dagger call ci` runs lint, typecheck, test, integration, synth and scan (independent stages
concurrently, scan with synth's templates; `--github-token env:GITHUB_TOKEN` lets the workflow
audit run online) and fails when a stage fails; `dagger call reports export --path
build/reports` exports every stage's reports. Dagger caches identical execs, so `reports` after
`ci` on the same source reruns nothing. Every other stage has its own function (`lint`, ...).

Release: `build` (the Lambda zip, digest printed), one function per stage kind (`deploy --env E`,
`smoke --env E`, `e2e --env E`, `perf --env E`, `status --env E`, `history --env E`) and
`release` (build -> deploy dev -> smoke + e2e -> deploy staging -> smoke -> e2e -> perf, one
call). `--target local` (default) runs against an AWS
emulator service of this Dagger session; `--target aws` takes credentials only as secrets:
`--aws-access-key-id env:AWS_ACCESS_KEY_ID` `--aws-secret-access-key env:AWS_SECRET_ACCESS_KEY`
`[--aws-session-token env:AWS_SESSION_TOKEN]`. The per-stage and per-kind functions are made
from the catalog (`pipeline.engines.dagger.functions`): adding a stage adds its function.

Operations: `report --env E --kind daily|weekly --target aws` (credentials as above) returns the
report folder (report.md, report.json, PNG charts): ops.yml exports it with `export --path
build/reports/ops`.
"""

import dagger
from dagger import dag, function, object_type

from pipeline.catalog import (
    AWS_SECRETS,
    CATALOG,
    CI_STAGES,
    E2E_SECRETS,
    GITHUB_TOKEN_SECRET,
    PERF_TOKEN_SECRET,
    SMOKE_TOKEN_SECRET,
)
from pipeline.engines.dagger import operations, release
from pipeline.engines.dagger.checks import check, collect_reports, secret_inputs
from pipeline.engines.dagger.functions import (
    Actor,
    AwsKeyId,
    AwsSecretKey,
    AwsSessionToken,
    Commit,
    E2eExpiredToken,
    E2eForeignToken,
    E2eToken,
    Env,
    GithubToken,
    PerfToken,
    SmokeToken,
    Source,
    Strict,
    Target,
    never_cached,
    with_catalog_functions,
)
from pipeline.engines.dagger.operations import ReportKind
from pipeline.engines.dagger.stages import (
    MissingSecret,
    PipelineError,
    StageRun,
    StagesFailed,
    compile_stage,
    execute_stage,
    run_stages,
    stage_layer,
    toolchain_layer,
)

__all__ = [
    "MissingSecret",
    "Pipeline",
    "PipelineError",
    "StageRun",
    "StagesFailed",
    "compile_stage",
    "execute_stage",
    "run_stages",
    "stage_layer",
    "toolchain_layer",
]


def client() -> dagger.Client:
    """The session's client, looked up at call time (tests replace `dag`)."""
    return dag


@object_type
@with_catalog_functions(CATALOG, client, skip=("build",))
class Pipeline:
    """The Energy Insights CI pipeline: the stage catalog run in containers by Dagger."""

    @function
    async def ci(
        self, source: Source, strict: Strict = False, github_token: GithubToken = None
    ) -> str:
        """Run every CI stage (independent ones concurrently); fail if any stage fails."""
        inputs = secret_inputs({GITHUB_TOKEN_SECRET: github_token})
        return await check(dag, CATALOG, CI_STAGES, source, strict=strict, inputs=inputs)

    @function
    async def reports(
        self, source: Source, strict: Strict = False, github_token: GithubToken = None
    ) -> dagger.Directory:
        """The CI stages' reports (JUnit, SARIF, logs, summary.md, report.json) to export."""
        inputs = secret_inputs({GITHUB_TOKEN_SECRET: github_token})
        return await collect_reports(dag, CATALOG, CI_STAGES, source, strict=strict, inputs=inputs)

    @function
    async def build(self, source: Source) -> dagger.File:
        """The reproducible Lambda zip (build/artifacts/lambda.zip); prints its sha256 digest.
        Export it with `dagger call build export --path build/artifacts/lambda.zip`."""
        return await release.build(dag, CATALOG, source)

    @never_cached
    async def release(
        self,
        source: Source,
        target: Target = "local",
        aws_access_key_id: AwsKeyId = None,
        aws_secret_access_key: AwsSecretKey = None,
        aws_session_token: AwsSessionToken = None,
        smoke_token: SmokeToken = None,
        perf_token: PerfToken = None,
        e2e_token: E2eToken = None,
        e2e_expired_token: E2eExpiredToken = None,
        e2e_foreign_token: E2eForeignToken = None,
        commit: Commit = "unknown",
        actor: Actor = "dagger",
    ) -> str:
        """build -> deploy dev -> smoke + e2e dev -> deploy staging -> smoke, e2e, perf
        staging, stopping at the first failure. On the local target a full rehearsal against
        one emulator."""
        values = (
            aws_access_key_id,
            aws_secret_access_key,
            aws_session_token,
            smoke_token,
            perf_token,
            e2e_token,
            e2e_expired_token,
            e2e_foreign_token,
        )
        names = (*AWS_SECRETS, SMOKE_TOKEN_SECRET, PERF_TOKEN_SECRET, *E2E_SECRETS)
        request = release.ReleaseRequest.from_args(
            target, commit, actor, dict(zip(names, values, strict=True))
        )
        stages = release.release_names(CATALOG)
        runs = await release.run_release_stages(
            dag, CATALOG, stages, source, request, with_needs=True
        )
        return await release.report(runs)

    @never_cached
    async def report(
        self,
        source: Source,
        env: Env,
        kind: ReportKind = "daily",
        target: Target = "aws",
        aws_access_key_id: AwsKeyId = None,
        aws_secret_access_key: AwsSecretKey = None,
        aws_session_token: AwsSessionToken = None,
    ) -> dagger.Directory:
        """The daily or weekly operational report of an environment on AWS (availability and
        error budget, alarms, deployments, DORA metrics, cost): report.md, report.json and PNG
        charts, e.g. `export --path build/reports/ops` (runs in any environment)."""
        values = (aws_access_key_id, aws_secret_access_key, aws_session_token)
        return await operations.report_directory(
            dag, CATALOG, source, kind, env, target,
            dict(zip(AWS_SECRETS, values, strict=True)), release.new_run_id(),
        )  # fmt: skip
