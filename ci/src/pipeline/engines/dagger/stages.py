"""Catalog stages compiled to Dagger container chains, run in dependency order.

Used by the Dagger module (`pipeline.main`); the client is passed in, so tests hand it a
recording stand-in for the SDK.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace

import dagger
from dagger.mod._exceptions import FunctionError

from pipeline.catalog import Catalog, Stage, Toolchain
from pipeline.dag import run_in_dependency_order
from pipeline.engines.base import SOURCE_DIR, VENV_DIR, runner_argv
from pipeline.engines.dagger import plan
from pipeline.engines.dagger.release_plan import RUN_ID_ENV
from pipeline.results import LOG_FILE, RESULT_FILE, StageResult

Clock = Callable[[], float]
Layer = Callable[[dagger.Container], dagger.Container]


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


Wire = Callable[[Stage, Mapping[str, StageRun]], Awaitable[Layer | None]]
"""Extra wiring for one stage (service bindings, their env), given the stages done so far."""


@dataclass(frozen=True)
class RunInputs:
    """What one function call gives its stages besides the source.

    `params` reach a stage as env vars when it declares them; `secrets` as secret variables;
    a declared secret in `optional_secrets` may be absent (e.g. AWS keys on the local target).
    `run_id` is set on non-cacheable stages so Dagger reruns them on every call (on every
    stage with `rerun`: `--no-cache`); `wall_clock` (epoch seconds) puts stages with a result
    TTL in their TTL window (see catalog.result_epoch).
    """

    secrets: Mapping[str, dagger.Secret] = field(default_factory=dict)
    params: Mapping[str, str] = field(default_factory=dict)
    optional_secrets: Collection[str] = ()
    run_id: str = ""
    wire: Wire | None = None
    rerun: bool = False
    wall_clock: Clock = time.time


def toolchain_layer(client: dagger.Client, toolchain: Toolchain, source: dagger.Directory) -> Layer:
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


def toolchain_container(
    client: dagger.Client, toolchain: Toolchain, source: dagger.Directory
) -> dagger.Container:
    """The toolchain image: its base plus the locked tools (cached on the lock files)."""
    return (
        client.container()
        .from_(toolchain.base_image)
        .with_(toolchain_layer(client, toolchain, source))
    )


def service_layer(
    client: dagger.Client, catalog: Catalog, stage: Stage, source: dagger.Directory
) -> Layer:
    """Bind each service the stage declares under its name (the hostname the stage reaches it
    by) and tell the stage where it answers (`url_env`), as the docker engine does."""

    def bind(ctr: dagger.Container) -> dagger.Container:
        for service in catalog.services_of(stage):
            every_interface = "0.0.0.0"  # noqa: S104 - reached only through its alias  # nosec B104
            argv = service.command(every_interface, service.port)
            running = (
                toolchain_container(client, catalog.toolchains[service.toolchain], source)
                .with_env_variable("PATH", f"{VENV_DIR}/bin:${{PATH}}", expand=True)
                .with_exposed_port(service.port)
                .as_service(args=[f"{VENV_DIR}/bin/{argv[0]}", *argv[1:]])
            )
            ctr = ctr.with_service_binding(service.name, running).with_env_variable(
                service.url_env, f"http://{service.name}:{service.port}"
            )
        return ctr

    return bind


def stage_layer(
    client: dagger.Client,
    catalog: Catalog,
    stage: Stage,
    source: dagger.Directory,
    outputs: Mapping[str, dagger.Directory],
    inputs: RunInputs,
) -> Layer:
    """Env and params, tool caches, secrets, the source at /src and the outputs it needs."""

    def configure(ctr: dagger.Container) -> dagger.Container:
        for var in plan.stage_env(stage, inputs.params, inputs.wall_clock()):
            ctr = ctr.with_env_variable(var.name, var.value, expand=var.expand)
        if inputs.run_id and (not stage.cacheable or inputs.rerun):
            ctr = ctr.with_env_variable(RUN_ID_ENV, inputs.run_id)
        for cache in catalog.caches_of(stage):
            ctr = ctr.with_mounted_cache(
                cache.path, client.cache_volume(plan.cache_volume_name(cache))
            ).with_env_variable(cache.env_var, cache.path)
        for name in stage.secrets:
            if name in inputs.secrets:
                ctr = ctr.with_secret_variable(name, inputs.secrets[name])
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
    *,
    inputs: RunInputs | None = None,
    extra: Layer | None = None,
) -> dagger.Container:
    """The lazy container that runs `stage` with the stage runner (any exit code is a result)."""
    inputs = inputs or RunInputs()
    if secrets is not None:
        inputs = replace(inputs, secrets=secrets)
    missing = [
        name
        for name in stage.secrets
        if name not in inputs.secrets and name not in inputs.optional_secrets
    ]
    if missing:
        raise MissingSecret(
            f"stage {stage.name!r} needs the secret(s) {', '.join(missing)}: pass each as a "
            "dagger.Secret argument, e.g. `--token=env:NAME` on `dagger call`"
        )
    ctr = (
        toolchain_container(client, catalog.toolchain_of(stage), source)
        .with_(stage_layer(client, catalog, stage, source, outputs or {}, inputs))
        .with_(service_layer(client, catalog, stage, source))
    )
    if extra is not None:
        ctr = ctr.with_(extra)
    return ctr.with_exec(list(runner_argv(stage)), expect=dagger.ReturnType.ANY)


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
    inputs: RunInputs,
    clock: Clock = time.monotonic,
    upstream: Sequence[str] | None = None,
) -> StageRun:
    """Run one stage and read its result; engine failures become an ERROR result. It gets the
    outputs of the stages `upstream` of it (default: its needs)."""
    image = catalog.toolchain_of(stage).base_image
    outputs: dict[str, dagger.Directory] = {}
    for need, output in plan.needed_outputs(catalog, stage, upstream):
        needed = done[need].container
        if needed is None:  # the scheduler only runs a stage after its needs passed
            raise PipelineError(f"stage {stage.name!r} runs before {need!r} produced {output}")
        outputs[output] = needed.directory(f"{SOURCE_DIR}/{output}")
    started = clock()
    try:
        extra = await inputs.wire(stage, done) if inputs.wire is not None else None
        ran = compile_stage(client, catalog, stage, source, outputs, inputs=inputs, extra=extra)
        exit_code = await ran.exit_code()
    except PipelineError as exc:  # e.g. a missing secret: this stage's result, not a crash
        return StageRun(plan.engine_error(stage, image, 0.0, str(exc), ""), None)
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
    *,
    inputs: RunInputs | None = None,
    with_needs: bool = True,
) -> list[StageRun]:
    """Run the named stages (and, `with_needs`, what they need), each as soon as its needs
    passed; a stage whose needs did not pass is skipped."""
    inputs = inputs or RunInputs()
    if secrets is not None:
        inputs = replace(inputs, secrets=secrets)
    if with_needs:
        stages = [catalog.stage(name) for name in catalog.closure(names)]
    else:
        stages = list(catalog.only(names).stages.values())
    upstream = plan.upstream_of(stages)

    async def run(stage: Stage, done: Mapping[str, StageRun]) -> StageRun:
        return await execute_stage(
            client, catalog, stage, source, done, inputs, clock, upstream[stage.name]
        )

    def skip(stage: Stage, blocked: tuple[str, ...]) -> StageRun:
        image = catalog.toolchain_of(stage).base_image
        return StageRun(plan.skipped(stage, image, blocked), None)

    runs = await run_in_dependency_order(stages, run, lambda r: r.passed, skip)
    return list(runs.values())
