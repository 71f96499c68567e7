"""The Dagger side of `report`: an environment's operational report on AWS (`pipeline report
KIND --env E --target aws` in the toolchain container, credentials only as secret variables),
returned as the directory ops.yml exports (report.md, report.json, PNG charts).

AWS only: on the local target an environment's records and the served app's log live in the
emulator and the apps `./pipeline` keeps on the host, which a Dagger call does not reach (its own
emulator service would start empty): `./pipeline report KIND --env E --target local` reports those.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

import dagger
from dagger import Doc

from pipeline.catalog import AWS_SECRETS, TARGET_AWS, Catalog
from pipeline.engines.base import RUNNER_PYTHONPATH, SOURCE_DIR
from pipeline.engines.dagger import release_plan as rp
from pipeline.engines.dagger.stages import PipelineError, toolchain_container

REPORT_DIR = "build/reports/ops"  # ops.yml exports this folder and posts its report.md
REPORT_KINDS = ("daily", "weekly")  # infra.operations.reports.model.ReportKind (a test holds them)
ReportKind = Annotated[str, Doc("daily (the last 24 hours) or weekly (the last 7 days)")]


def report_argv(kind: str, env: str) -> tuple[str, ...]:
    """The CLI's report in the container, written under the source's REPORT_DIR."""
    out = f"{SOURCE_DIR}/{REPORT_DIR}"
    return (
        rp.VENV_PYTHON, "-m", "pipeline.cli", "report", kind, "--target", TARGET_AWS,
        "--out", out, "--repo", SOURCE_DIR, "--env", env,
    )  # fmt: skip


def check_report_args(kind: str, target: str) -> None:
    """PipelineError naming the fix, before anything runs."""
    if kind not in REPORT_KINDS:
        raise PipelineError(f"--kind {kind!r}: choose one of {', '.join(REPORT_KINDS)}")
    if target != TARGET_AWS:
        raise PipelineError(
            f"--target {target!r}: the report function reads AWS only (a Dagger call's emulator "
            "starts empty); for the local target run `./pipeline report KIND --env E --target "
            "local`, which reads the emulator and apps it keeps"
        )


async def report_directory(
    client: dagger.Client,
    catalog: Catalog,
    source: dagger.Directory,
    kind: str,
    env: str,
    target: str,
    credentials: Mapping[str, dagger.Secret | None],
    run_id: str,
) -> dagger.Directory:
    """Run the report (never from Dagger's cache: `run_id`) and return its folder; a failed
    run raises PipelineError with what the CLI said (exit 2: bad kind/env, no stack)."""
    check_report_args(kind, target)
    try:
        secrets = rp.credentials_for(target, credentials)
    except rp.ReleaseUsageError as exc:
        raise PipelineError(str(exc)) from None
    ctr = (
        toolchain_container(client, catalog.toolchains["python"], source)
        .with_directory(SOURCE_DIR, source)
        .with_workdir(SOURCE_DIR)
        .with_env_variable("PYTHONPATH", RUNNER_PYTHONPATH)
        .with_env_variable(rp.RUN_ID_ENV, run_id)
    )
    for name in AWS_SECRETS:
        if name in secrets:
            ctr = ctr.with_secret_variable(name, secrets[name])
    ran = ctr.with_exec(list(report_argv(kind, env)), expect=dagger.ReturnType.ANY)
    code = await ran.exit_code()
    if code != 0:
        said = (await ran.stderr()).strip()
        raise PipelineError(f"report {kind} --env {env} failed (exit {code}): {said}")
    return ran.directory(f"{SOURCE_DIR}/{REPORT_DIR}")
