"""The Dagger module `pipeline`: each catalog stage compiled to a Dagger container chain.

`dagger call ci` runs lint, typecheck, test, synth and scan (independent stages concurrently,
scan with synth's templates) and fails when a stage fails; `dagger call reports export --path
build/reports` exports every stage's reports. Dagger caches identical execs, so `reports` after
`ci` on the same source reruns nothing.
"""

import shlex
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

import dagger
from dagger import DefaultPath, Doc, Ignore, dag, function, object_type
from dagger.mod._exceptions import FunctionError

from pipeline import dagger_plan as plan
from pipeline.catalog import CATALOG, CI_STAGES, EXCLUDES, Catalog, Stage, Toolchain
from pipeline.engines.base import SOURCE_DIR, runner_argv
from pipeline.results import LOG_FILE, RESULT_FILE, RunReport, StageResult

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
Clock = Callable[[], float]


class PipelineError(FunctionError):
    """An outcome the user acts on. Subclassing the SDK's FunctionError makes Dagger show the
    message as the function's error without a Python traceback."""


class StagesFailed(PipelineError):
    """At least one stage failed; the message is the full report."""


class MissingSecret(PipelineError):
    """A stage declares a secret that no function argument provided."""


@dataclass(frozen=True)
class StageRun:
    """A stage's result plus the container it ran in (None when it did not run)."""

    result: StageResult
    container: dagger.Container | None

    @property
    def passed(self) -> bool:
        return self.result.status.ok


def toolchain_layer(
    client: dagger.Client, toolchain: Toolchain, source: dagger.Directory
) -> Callable[[dagger.Container], dagger.Container]:
    """Install the toolchain from its lock files only, so the layer is cached until they change."""

    def install(ctr: dagger.Container) -> dagger.Container:
        for var in plan.toolchain_env():
            ctr = ctr.with_env_variable(var.name, var.value, expand=var.expand)
        apt = plan.apt_install_argv(toolchain)
        if apt is not None:
            ctr = ctr.with_exec(list(apt))
        ctr = ctr.with_exec(list(plan.uv_install_argv()))
        for repo_path, path in plan.lock_file_targets(toolchain):
            ctr = ctr.with_file(path, source.file(repo_path))
        uv_cache = plan.UV_CACHE
        return (
            ctr.with_mounted_cache(
                uv_cache.path, client.cache_volume(plan.cache_volume_name(uv_cache))
            )
            .with_env_variable(uv_cache.env_var, uv_cache.path)
            .with_workdir(plan.toolchain_workdir(toolchain))
            .with_exec(list(plan.uv_sync_argv(toolchain)))
        )

    return install


def stage_layer(
    client: dagger.Client,
    catalog: Catalog,
    stage: Stage,
    source: dagger.Directory,
    outputs: Mapping[str, dagger.Directory],
    secrets: Mapping[str, dagger.Secret],
) -> Callable[[dagger.Container], dagger.Container]:
    """Env, tool caches, secrets, the source at /src and the outputs of the stages it needs."""

    def configure(ctr: dagger.Container) -> dagger.Container:
        for var in plan.stage_env(stage):
            ctr = ctr.with_env_variable(var.name, var.value, expand=var.expand)
        for cache in catalog.caches_of(stage):
            ctr = ctr.with_mounted_cache(
                cache.path, client.cache_volume(plan.cache_volume_name(cache))
            ).with_env_variable(cache.env_var, cache.path)
        for name in stage.secrets:
            ctr = ctr.with_secret_variable(name, secrets[name])
        ctr = ctr.with_directory(SOURCE_DIR, source)
        for path, directory in sorted(outputs.items()):
            ctr = ctr.with_directory(f"{SOURCE_DIR}/{path}", directory)
        return ctr.with_workdir(SOURCE_DIR)

    return configure


def compile_stage(
    client: dagger.Client,
    catalog: Catalog,
    stage: Stage,
    source: dagger.Directory,
    outputs: Mapping[str, dagger.Directory] | None = None,
    secrets: Mapping[str, dagger.Secret] | None = None,
) -> dagger.Container:
    """The lazy container that runs `stage` with the stage runner (any exit code is a result)."""
    secrets = secrets or {}
    missing = [name for name in stage.secrets if name not in secrets]
    if missing:
        raise MissingSecret(
            f"stage {stage.name!r} needs the secret(s) {', '.join(missing)}: pass each as a "
            "dagger.Secret argument, e.g. `--token=env:NAME` on `dagger call`"
        )
    toolchain = catalog.toolchain_of(stage)
    return (
        client.container()
        .from_(toolchain.base_image)
        .with_(toolchain_layer(client, toolchain, source))
        .with_(stage_layer(client, catalog, stage, source, outputs or {}, secrets))
        .with_exec(list(runner_argv(stage)), expect=dagger.ReturnType.ANY)
    )


async def _read_reports(ran: dagger.Container, stage: Stage) -> tuple[str | None, str]:
    try:
        result = await ran.file(plan.report_path(stage, RESULT_FILE)).contents()
        # Dagger scrubs secret values from an exec's output, not from the files it writes.
        log_file = ran.file(plan.report_path(stage, LOG_FILE))
        log = await (ran.stdout() if stage.secrets else log_file.contents())
    except dagger.QueryError:
        # The runner died before writing its report (bad usage, import error): show its output.
        try:
            return None, await ran.stdout() + await ran.stderr()
        except dagger.QueryError as exc:
            return None, str(exc)
    return result, log


def _describe(exc: dagger.DaggerError) -> tuple[str, str]:
    """(what went wrong in one line, the output that shows why) for an engine-side failure."""
    if isinstance(exc, dagger.ExecError):
        return f"`{shlex.join(exc.command)}` exited {exc.exit_code}", exc.stdout + exc.stderr
    text = str(exc)
    return (text.splitlines() or ["unknown error"])[0], text


async def execute_stage(
    client: dagger.Client,
    catalog: Catalog,
    stage: Stage,
    source: dagger.Directory,
    done: Mapping[str, StageRun],
    secrets: Mapping[str, dagger.Secret],
    clock: Clock = time.monotonic,
) -> StageRun:
    """Run one stage and read its result; engine failures become an ERROR result."""
    image = catalog.toolchain_of(stage).base_image
    outputs: dict[str, dagger.Directory] = {}
    for need, output in plan.needed_outputs(catalog, stage):
        needed = done[need].container
        if needed is None:  # the scheduler only runs a stage after its needs passed
            raise PipelineError(f"stage {stage.name!r} runs before {need!r} produced {output}")
        outputs[output] = needed.directory(f"{SOURCE_DIR}/{output}")
    ran = compile_stage(client, catalog, stage, source, outputs, secrets)
    started = clock()
    try:
        exit_code = await ran.exit_code()
    except dagger.DaggerError as exc:
        what, output = _describe(exc)
        return StageRun(plan.engine_error(stage, image, clock() - started, what, output), None)
    result_text, log_text = await _read_reports(ran, stage)
    result = plan.parse_result(stage, exit_code, result_text, log_text, clock() - started, image)
    return StageRun(result, ran)


async def run_stages(
    client: dagger.Client,
    catalog: Catalog,
    names: Sequence[str],
    source: dagger.Directory,
    secrets: Mapping[str, dagger.Secret] | None = None,
    clock: Clock = time.monotonic,
) -> list[StageRun]:
    """Run the named stages and what they need, each as soon as its needs passed."""
    stages = [catalog.stage(name) for name in catalog.closure(names)]

    async def run(stage: Stage, done: Mapping[str, StageRun]) -> StageRun:
        return await execute_stage(client, catalog, stage, source, done, secrets or {}, clock)

    def skip(stage: Stage, blocked: tuple[str, ...]) -> StageRun:
        image = catalog.toolchain_of(stage).base_image
        return StageRun(plan.skipped(stage, image, blocked), None)

    runs = await plan.run_in_dependency_order(stages, run, lambda r: r.passed, skip)
    return list(runs.values())


async def check(
    client: dagger.Client, names: Sequence[str], source: dagger.Directory, *, strict: bool
) -> str:
    """Run the stages; return the report, or raise StagesFailed carrying it."""
    results = [run.result for run in await run_stages(client, CATALOG, names, source)]
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
) -> dagger.Directory:
    """Every stage's report folder plus summary.md and report.json, as one directory."""
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    started = clock()
    runs = await run_stages(client, CATALOG, names, source, clock=clock)
    results = [run.result for run in runs]
    report = RunReport(
        engine=plan.ENGINE,
        status=plan.run_status(results, strict=strict),
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
    async def ci(self, source: Source, strict: Strict = False) -> str:
        """Run every CI stage (independent ones concurrently); fail if any stage fails."""
        return await check(dag, CI_STAGES, source, strict=strict)

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
    async def synth(self, source: Source, strict: Strict = False) -> str:
        """CloudFormation templates for every environment, validated by cfn-lint."""
        return await check(dag, ("synth",), source, strict=strict)

    @function
    async def scan(self, source: Source, strict: Strict = False) -> str:
        """Security scans (bandit, pip-audit, secrets, workflows, IaC) of the tree and templates."""
        return await check(dag, ("scan",), source, strict=strict)

    @function
    async def reports(self, source: Source, strict: Strict = False) -> dagger.Directory:
        """The CI stages' reports (JUnit, SARIF, logs, summary.md, report.json) to export."""
        return await collect_reports(dag, CI_STAGES, source, strict=strict)
