"""The release functions' Dagger side: build, the per-environment calls (one per stage kind:
deploy, smoke, status, history...) and release runs, and the local target's services (the AWS
emulator and the app served from the built bundle).

On the local target one emulator service serves the whole call: it is started explicitly before
the first stage and stopped after the last, so what deploy dev wrote is still there for smoke dev
and for deploy staging. Dagger dedupes services by their definition within a session, so every
`with_service_binding("emulator", …)` of this call reaches that one running instance.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import dagger

from pipeline.catalog import (
    ARTIFACTS_DIR,
    AWS_SECRETS,
    BUILD_STAGE,
    SMOKE_TOKEN_SECRET,
    TARGET_AWS,
    Catalog,
    CatalogError,
    Stage,
    StageKind,
)
from pipeline.engines.base import RUNNER_PYTHONPATH, SOURCE_DIR
from pipeline.engines.dagger import plan
from pipeline.engines.dagger import release_plan as rp
from pipeline.engines.dagger.stages import (
    Layer,
    PipelineError,
    RunInputs,
    StageRun,
    StagesFailed,
    run_stages,
    toolchain_container,
)

# The name the minted smoke token gets in Dagger's secret store (a name, not a value).
TOKEN_SECRET_NAME = "pipeline-local-smoke-token"  # noqa: S105  # nosec B105  # pragma: allowlist secret


@dataclass(frozen=True)
class ReleaseRequest:
    """Who deploys what where: checked arguments of one function call."""

    target: str  # TARGET_LOCAL | TARGET_AWS
    commit: str
    actor: str
    credentials: Mapping[str, dagger.Secret]
    switches: Mapping[str, bool] = field(default_factory=dict)  # run parameter -> on
    options: Mapping[str, str] = field(default_factory=dict)  # a kind's valued options

    @classmethod
    def from_args(
        cls,
        target: str,
        commit: str,
        actor: str,
        credentials: Mapping[str, dagger.Secret | None],
        switches: Mapping[str, bool] | None = None,
        options: Mapping[str, str] | None = None,
    ) -> ReleaseRequest:
        """Validate the function arguments; a usage error becomes a PipelineError naming it."""
        try:
            chosen = rp.parse_target(target)
            rp.check_commit(commit)
            credentials_ = rp.credentials_for(chosen, credentials)
        except rp.ReleaseUsageError as exc:
            raise PipelineError(str(exc)) from None
        return cls(chosen, commit, actor, credentials_, dict(switches or {}), dict(options or {}))

    @property
    def params(self) -> dict[str, str]:
        return {
            **rp.run_params(self.target, self.commit, self.actor, self.switches),
            **self.options,
        }


class LocalServices:
    """The emulator for this call and, per smoke stage, the app serving the built bundle."""

    def __init__(
        self,
        client: dagger.Client,
        catalog: Catalog,
        source: dagger.Directory,
        commit: str,
        run_id: str,
    ) -> None:
        self.client = client
        self.source = source
        self.commit = commit
        self.toolchain = catalog.toolchains["python"]
        self.emulator = (
            toolchain_container(client, self.toolchain, source)
            .with_exposed_port(rp.EMULATOR_PORT)
            .as_service(args=list(rp.emulator_argv()))
        )
        # A throwaway key pair per call: the app trusts its public half, smoke gets a token.
        self.auth = (
            self._with_source()
            .with_env_variable(rp.RUN_ID_ENV, run_id)
            .with_exec(list(rp.auth_argv()))
            .directory(rp.AUTH_DIR)
        )

    def _with_source(self) -> dagger.Container:
        return (
            toolchain_container(self.client, self.toolchain, self.source)
            .with_directory(SOURCE_DIR, self.source)
            .with_workdir(SOURCE_DIR)
            .with_env_variable("PYTHONPATH", RUNNER_PYTHONPATH)
        )

    def app(self, env: str, bundle: dagger.File) -> dagger.Service:
        """uvicorn serving the unpacked bundle, configured like env's deployed function."""
        return (
            self._with_source()
            .with_file(rp.BUNDLE_PATH, bundle)
            .with_exec(list(rp.unpack_bundle_argv()))
            .with_file(f"{rp.AUTH_DIR}/public.pem", self.auth.file("public.pem"))
            .with_service_binding(rp.EMULATOR_ALIAS, self.emulator)
            .with_exposed_port(rp.APP_PORT)
            .as_service(args=list(rp.app_argv(env, self.commit)))
        )

    async def wire(self, stage: Stage, done: Mapping[str, StageRun]) -> Layer | None:
        """Bind the emulator (and for smoke the app) to a stage that talks to AWS."""
        wiring = rp.local_wiring(stage)
        if not wiring.bind_emulator:
            return None
        app: dagger.Service | None = None
        token: dagger.Secret | None = None
        if wiring.bind_app:
            build = done.get(BUILD_STAGE)
            if build is None or build.container is None:
                raise PipelineError(
                    f"stage {stage.name!r} on the local target serves the artifact built in the "
                    "same call: run it through `smoke` or `release`, which build first"
                )
            bundle_path = f"{SOURCE_DIR}/{ARTIFACTS_DIR}/{rp.BUNDLE_FILE}"
            app = self.app(rp.env_of(stage), build.container.file(bundle_path))
            plaintext = await self.auth.file("token").contents()
            token = self.client.set_secret(TOKEN_SECRET_NAME, plaintext)

        def bind(ctr: dagger.Container) -> dagger.Container:
            ctr = ctr.with_service_binding(rp.EMULATOR_ALIAS, self.emulator)
            if app is not None:
                ctr = ctr.with_service_binding(rp.APP_ALIAS, app)
            if token is not None:
                ctr = ctr.with_secret_variable(SMOKE_TOKEN_SECRET, token)
            return ctr

        return bind


def new_run_id() -> str:
    return str(time.time_ns())


async def run_release_stages(
    client: dagger.Client,
    catalog: Catalog,
    names: Sequence[str],
    source: dagger.Directory,
    request: ReleaseRequest,
    *,
    with_needs: bool,
) -> list[StageRun]:
    """Run the stages on the request's target; locally inside one emulator session."""
    run_id = new_run_id()
    optional = (*AWS_SECRETS, SMOKE_TOKEN_SECRET)
    if request.target == TARGET_AWS:
        inputs = RunInputs(request.credentials, request.params, optional, run_id)
        return await run_stages(
            client, catalog, names, source, inputs=inputs, with_needs=with_needs
        )
    local = LocalServices(client, catalog, source, request.commit, run_id)
    inputs = RunInputs({}, request.params, optional, run_id, local.wire)
    try:
        await local.emulator.start()
    except dagger.DaggerError as exc:
        raise PipelineError(f"the local AWS emulator service did not start: {exc}") from None
    try:
        return await run_stages(
            client, catalog, names, source, inputs=inputs, with_needs=with_needs
        )
    finally:
        # A failed stop is harmless: the session ends with the call, and its services with it.
        with contextlib.suppress(dagger.DaggerError):
            await local.emulator.stop()


async def report(runs: Sequence[StageRun], *, strict: bool = False) -> str:
    """The summary, or StagesFailed carrying it when a stage did not pass."""
    results = [run.result for run in runs]
    text = plan.summary(results, strict=strict)
    for result in results:  # what each deploy/smoke did (failures are in the summary already)
        if result.status.ok and result.name != BUILD_STAGE and result.log_tail:
            text += f"\n### {result.name}\n```\n{result.log_tail}\n```\n"
    digest = await built_digest(runs)
    if digest is not None:
        text += f"\nartifact: sha256:{digest}\n"
    if plan.run_fails(results, strict=strict):
        raise StagesFailed(text)
    return text


async def built_digest(runs: Sequence[StageRun]) -> str | None:
    """The sha256 the build stage wrote, when it ran and passed in this call."""
    for run in runs:
        if run.result.name == BUILD_STAGE and run.passed and run.container is not None:
            path = f"{SOURCE_DIR}/{ARTIFACTS_DIR}/{rp.DIGEST_FILE}"
            try:
                return rp.parse_digest(await run.container.file(path).contents())
            except rp.ReleaseUsageError as exc:
                raise PipelineError(str(exc)) from None
    return None


async def run_kind(
    client: dagger.Client,
    catalog: Catalog,
    kind: StageKind,
    env: str,
    source: dagger.Directory,
    request: ReleaseRequest,
) -> str:
    """One `KIND --env E` call: its stage and what the call must make first (see
    `release_plan.selection`). A read-only kind answers with what its stage printed."""
    try:
        selected = rp.selection(catalog, kind, env, request.target)
    except CatalogError as exc:
        raise PipelineError(str(exc)) from None
    stage_name = kind.stage_name(env)
    runs = await run_release_stages(
        client, selected, tuple(selected.stages), source, request, with_needs=False
    )
    if not kind.read_only:
        return await report(runs)
    (run,) = [run for run in runs if run.result.name == stage_name]
    if not run.passed or run.container is None:
        raise StagesFailed(plan.summary([r.result for r in runs], strict=False))
    return await run.container.stdout()


def release_names(catalog: Catalog) -> tuple[str, ...]:
    """The stages of a release; a usage error becomes a PipelineError naming it."""
    try:
        return rp.release_selection(catalog)
    except CatalogError as exc:
        raise PipelineError(str(exc)) from None


async def build(client: dagger.Client, catalog: Catalog, source: dagger.Directory) -> dagger.File:
    """Run the build stage; print the digest and return the Lambda zip."""
    runs = await run_stages(client, catalog, (BUILD_STAGE,), source, with_needs=False)
    text = await report(runs)
    (run,) = runs
    if run.container is None:  # report() raises unless the build passed
        raise StagesFailed(text)
    print(text, flush=True)
    return run.container.file(f"{SOURCE_DIR}/{ARTIFACTS_DIR}/{rp.BUNDLE_FILE}")
