"""The Dagger module `pipeline`: each catalog stage compiled to a Dagger container chain.

`dagger call ci` runs lint, typecheck, test, integration, synth and scan (independent stages
concurrently, scan with synth's templates; `--github-token env:GITHUB_TOKEN` lets the workflow
audit run online) and fails when a stage fails; `dagger call reports export --path
build/reports` exports every stage's reports. Dagger caches identical execs, so `reports` after
`ci` on the same source reruns nothing.

Release: `build` (the Lambda zip, digest printed), `deploy --env E`, `smoke --env E`, `status`,
`history` and `release` (build -> deploy dev -> smoke -> deploy staging -> smoke, one call).
`--target local` (default) runs against an AWS emulator service of this Dagger session;
`--target aws` takes credentials only as secrets: `--aws-access-key-id env:AWS_ACCESS_KEY_ID`
`--aws-secret-access-key env:AWS_SECRET_ACCESS_KEY [--aws-session-token env:AWS_SESSION_TOKEN]`.
"""

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

import dagger
from dagger import DefaultPath, Doc, Ignore, dag, function, object_type

from pipeline import dagger_plan as plan
from pipeline import dagger_release as release
from pipeline.catalog import (
    AWS_SECRETS,
    CATALOG,
    CI_STAGES,
    EXCLUDES,
    GITHUB_TOKEN_SECRET,
    SMOKE_TOKEN_SECRET,
)
from pipeline.dagger_stages import (
    Clock,
    MissingSecret,
    PipelineError,
    RunInputs,
    StageRun,
    StagesFailed,
    compile_stage,
    execute_stage,
    run_stages,
    stage_layer,
    toolchain_layer,
)
from pipeline.engines.base import SOURCE_DIR
from pipeline.results import RunReport, run_status

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

Source = Annotated[
    dagger.Directory,
    DefaultPath("/"),
    Ignore(list(EXCLUDES)),
    Doc("The repository to check (default: this repository, minus build output and caches)"),
]
Strict = Annotated[
    bool,
    Doc("Fail on degraded stages too (a check that ran but could not check everything)"),
]
Env = Annotated[str, Doc("The environment: dev or staging")]
Target = Annotated[
    str,
    Doc(
        "local: the AWS emulator as a service of this Dagger session (no account; what it holds "
        "ends with the call); aws: real AWS with the credentials below"
    ),
]
AwsKeyId = Annotated[
    dagger.Secret | None,
    Doc("AWS access key id for --target aws, e.g. env:AWS_ACCESS_KEY_ID (unused on local)"),
]
AwsSecretKey = Annotated[
    dagger.Secret | None,
    Doc("AWS secret access key for --target aws, e.g. env:AWS_SECRET_ACCESS_KEY"),
]
AwsSessionToken = Annotated[
    dagger.Secret | None,
    Doc("AWS session token of temporary credentials (OIDC, SSO), e.g. env:AWS_SESSION_TOKEN"),
]
SmokeToken = Annotated[
    dagger.Secret | None,
    Doc(
        "Bearer token the API accepts, for smoke tests on --target aws, e.g. env:SMOKE_TOKEN "
        "(the local target mints its own)"
    ),
]
GithubToken = Annotated[
    dagger.Secret | None,
    Doc(
        "GitHub token (read-only is enough) for the workflow audit's online checks (known-"
        "vulnerable actions, impostor commits), e.g. env:GITHUB_TOKEN; without it scan is degraded"
    ),
]
Commit = Annotated[str, Doc("Commit the artifact is built from, recorded with each deploy")]
Actor = Annotated[str, Doc("Who releases, recorded with each deploy")]


F = TypeVar("F", bound=Callable[..., Any])


def never_cached(func: F) -> F:
    """`@function(cache="never")`: a deploy or smoke test must run on every call. The SDK's
    overloads omit `cache` (its runtime accepts it), hence the one ignore."""
    decorated: F = function(cache="never")(func)  # type: ignore[call-overload]
    return decorated


def _request(
    target: str,
    commit: str,
    actor: str,
    key_id: dagger.Secret | None,
    secret_key: dagger.Secret | None,
    session_token: dagger.Secret | None,
    smoke_token: dagger.Secret | None = None,
) -> release.ReleaseRequest:
    values = (key_id, secret_key, session_token, smoke_token)
    names = (*AWS_SECRETS, SMOKE_TOKEN_SECRET)
    return release.ReleaseRequest.from_args(
        target, commit, actor, dict(zip(names, values, strict=True))
    )


def audit_inputs(github_token: dagger.Secret | None) -> RunInputs:
    """The workflow audit's token when given; the stage degrades (never fails) without it."""
    given = {GITHUB_TOKEN_SECRET: github_token} if github_token is not None else {}
    return RunInputs(secrets=given, optional_secrets=(GITHUB_TOKEN_SECRET,))


async def check(
    client: dagger.Client,
    names: Sequence[str],
    source: dagger.Directory,
    *,
    strict: bool,
    github_token: dagger.Secret | None = None,
) -> str:
    """Run the stages; return the report, or raise StagesFailed carrying it."""
    inputs = audit_inputs(github_token)
    results = [
        run.result for run in await run_stages(client, CATALOG, names, source, inputs=inputs)
    ]
    report = plan.summary(results, strict=strict)
    if plan.run_fails(results, strict=strict):
        raise StagesFailed(report)
    return report


async def collect_reports(
    client: dagger.Client,
    names: Sequence[str],
    source: dagger.Directory,
    *,
    strict: bool,
    clock: Clock = time.monotonic,
    github_token: dagger.Secret | None = None,
) -> dagger.Directory:
    """Every stage's report folder plus summary.md and report.json, as one directory."""
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    started = clock()
    inputs = audit_inputs(github_token)
    runs = await run_stages(client, CATALOG, names, source, clock=clock, inputs=inputs)
    results = [run.result for run in runs]
    report = RunReport(
        engine=plan.ENGINE,
        status=run_status(results, strict=strict),
        duration_s=round(clock() - started, 3),
        stages=tuple(results),
        started_at=started_at,
    )
    out = client.directory()
    for run in runs:
        if run.container is not None:
            stage = CATALOG.stage(run.result.name)
            out = out.with_directory(
                stage.name, run.container.directory(f"{SOURCE_DIR}/{stage.report_dir}")
            )
    return out.with_new_file("summary.md", plan.summary(results, strict=strict)).with_new_file(
        "report.json", report.to_json() + "\n"
    )


@object_type
class Pipeline:
    """The Energy Insights CI pipeline: the stage catalog run in containers by Dagger."""

    @function
    async def ci(
        self, source: Source, strict: Strict = False, github_token: GithubToken = None
    ) -> str:
        """Run every CI stage (independent ones concurrently); fail if any stage fails."""
        return await check(dag, CI_STAGES, source, strict=strict, github_token=github_token)

    @function
    async def lint(self, source: Source, strict: Strict = False) -> str:
        """ruff check and ruff format --check over the whole repository."""
        return await check(dag, ("lint",), source, strict=strict)

    @function
    async def typecheck(self, source: Source, strict: Strict = False) -> str:
        """mypy --strict over app, infra and ci."""
        return await check(dag, ("typecheck",), source, strict=strict)

    @function
    async def test(self, source: Source, strict: Strict = False) -> str:
        """Unit tests with coverage (gate 85%) and a JUnit report."""
        return await check(dag, ("test",), source, strict=strict)

    @function
    async def integration(self, source: Source, strict: Strict = False) -> str:
        """Integration tests (tests marked docker run on a host with a daemon)."""
        return await check(dag, ("integration",), source, strict=strict)

    @function
    async def synth(self, source: Source, strict: Strict = False) -> str:
        """CloudFormation templates for every environment, validated by cfn-lint."""
        return await check(dag, ("synth",), source, strict=strict)

    @function
    async def scan(
        self, source: Source, strict: Strict = False, github_token: GithubToken = None
    ) -> str:
        """Security scans (bandit, pip-audit, secrets, workflows, IaC) of the tree and templates."""
        return await check(dag, ("scan",), source, strict=strict, github_token=github_token)

    @function
    async def reports(
        self, source: Source, strict: Strict = False, github_token: GithubToken = None
    ) -> dagger.Directory:
        """The CI stages' reports (JUnit, SARIF, logs, summary.md, report.json) to export."""
        return await collect_reports(
            dag, CI_STAGES, source, strict=strict, github_token=github_token
        )

    @function
    async def build(self, source: Source) -> dagger.File:
        """The reproducible Lambda zip (build/artifacts/lambda.zip); prints its sha256 digest.
        Export it with `dagger call build export --path build/artifacts/lambda.zip`."""
        return await release.build(dag, CATALOG, source)

    @never_cached
    async def deploy(
        self,
        source: Source,
        env: Env,
        target: Target = "local",
        aws_access_key_id: AwsKeyId = None,
        aws_secret_access_key: AwsSecretKey = None,
        aws_session_token: AwsSessionToken = None,
        commit: Commit = "unknown",
        actor: Actor = "dagger",
    ) -> str:
        """Build the artifact and deploy it to one environment (plan, lock, apply, verify,
        record). On the local target the deployment lives only as long as this call."""
        request = _request(
            target, commit, actor, aws_access_key_id, aws_secret_access_key, aws_session_token
        )
        names = release.release_names(CATALOG, "deploy", env, request.target)
        runs = await release.run_release_stages(
            dag, CATALOG, names, source, request, with_needs=False
        )
        return await release.report(runs)

    @never_cached
    async def smoke(
        self,
        source: Source,
        env: Env,
        target: Target = "local",
        aws_access_key_id: AwsKeyId = None,
        aws_secret_access_key: AwsSecretKey = None,
        aws_session_token: AwsSessionToken = None,
        smoke_token: SmokeToken = None,
        commit: Commit = "unknown",
        actor: Actor = "dagger",
    ) -> str:
        """Smoke tests against an environment: on AWS what is deployed; locally (the emulator
        lives only for this call) after building and deploying into it."""
        request = _request(
            target,
            commit,
            actor,
            aws_access_key_id,
            aws_secret_access_key,
            aws_session_token,
            smoke_token,
        )
        names = release.release_names(CATALOG, "smoke", env, request.target)
        runs = await release.run_release_stages(
            dag, CATALOG, names, source, request, with_needs=False
        )
        return await release.report(runs)

    @never_cached
    async def status(
        self,
        source: Source,
        env: Env,
        target: Target = "local",
        aws_access_key_id: AwsKeyId = None,
        aws_secret_access_key: AwsSecretKey = None,
        aws_session_token: AwsSessionToken = None,
    ) -> str:
        """What is live in an environment (stack, digest, alias, lock). The local target's
        emulator starts empty in every call: use `release` to see a local deployment."""
        request = _request(
            target, "unknown", "dagger", aws_access_key_id, aws_secret_access_key, aws_session_token
        )
        return await release.inspect(dag, CATALOG, "status", env, source, request)

    @never_cached
    async def history(
        self,
        source: Source,
        env: Env,
        target: Target = "local",
        aws_access_key_id: AwsKeyId = None,
        aws_secret_access_key: AwsSecretKey = None,
        aws_session_token: AwsSessionToken = None,
    ) -> str:
        """An environment's deployment records, newest first. On the local target they live
        only for the call (the emulator is a service of this Dagger session)."""
        request = _request(
            target, "unknown", "dagger", aws_access_key_id, aws_secret_access_key, aws_session_token
        )
        return await release.inspect(dag, CATALOG, "history", env, source, request)

    @never_cached
    async def release(
        self,
        source: Source,
        target: Target = "local",
        aws_access_key_id: AwsKeyId = None,
        aws_secret_access_key: AwsSecretKey = None,
        aws_session_token: AwsSessionToken = None,
        smoke_token: SmokeToken = None,
        commit: Commit = "unknown",
        actor: Actor = "dagger",
    ) -> str:
        """build -> deploy dev -> smoke dev -> deploy staging -> smoke staging, stopping at the
        first failure. On the local target a full rehearsal against one emulator."""
        request = _request(
            target,
            commit,
            actor,
            aws_access_key_id,
            aws_secret_access_key,
            aws_session_token,
            smoke_token,
        )
        names = release.release_names(CATALOG, "release", "", request.target)
        runs = await release.run_release_stages(
            dag, CATALOG, names, source, request, with_needs=True
        )
        return await release.report(runs)
