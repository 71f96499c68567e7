"""The deploy entry: deploy the build's artifact to the environment (or plan only, dry run)."""

from __future__ import annotations

from pathlib import Path

from infra.artifact.digest import single_artifact
from infra.deploy import commands
from infra.deploy.artifact_store import resolve_local
from infra.deploy.provenance import actor
from pipeline.catalog import ARTIFACTS_DIR, DRY_RUN, PARAM_ACTOR, PARAM_COMMIT
from pipeline.release.entries.context import EntryContext


def run(ctx: EntryContext) -> None:
    bundle = single_artifact(ctx.repo).relative_to(ctx.repo)  # the stage runs in the repo
    options = commands.DeployOptions(
        commit=ctx.param(PARAM_COMMIT) or "unknown",
        actor=ctx.param(PARAM_ACTOR) or actor(),
        dry_run=ctx.switch(DRY_RUN),
        build_dir=Path(ARTIFACTS_DIR),
    )
    request = commands.deploy_request(
        ctx.config, resolve_local(bundle, None, options.build_dir), options, ctx.emit
    )
    commands.deploy(ctx.target(), request, ctx.emit)
