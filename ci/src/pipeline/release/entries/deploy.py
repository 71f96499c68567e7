"""The deploy entry: deploy the build's artifact to the environment (or plan only, dry run).
With `--digest` (staging): build once, promote the digest: the one dev recorded as green
(deployed and smoke-tested), fetched from dev's artifact bucket by digest, its sha256 checked,
instead of the artifact this run built."""

from __future__ import annotations

from pathlib import Path

from infra.artifact.digest import single_artifact
from infra.aws.items import ItemTable
from infra.aws.s3 import Buckets
from infra.config import load_environment
from infra.deploy import commands
from infra.deploy.artifact_store import resolve_local
from infra.deploy.promotion_source import PREVIOUS, PROMOTED_DIR, fetch_by_digest, is_green
from infra.deploy.provenance import actor
from infra.deploy.records import RecordStore
from infra.targets.base import Target
from pipeline.catalog import ARTIFACTS_DIR, DRY_RUN, PARAM_ACTOR, PARAM_COMMIT, PARAM_DIGEST
from pipeline.release.entries.context import EntryContext
from pipeline.release.errors import ReleaseUsageError


def run(ctx: EntryContext) -> None:
    options = commands.DeployOptions(
        commit=ctx.param(PARAM_COMMIT) or "unknown",
        actor=ctx.param(PARAM_ACTOR) or actor(),
        dry_run=ctx.switch(DRY_RUN),
        build_dir=Path(ARTIFACTS_DIR),
    )
    target = ctx.target()
    digest = ctx.param(PARAM_DIGEST)
    if digest:
        bundle = promoted_artifact(ctx, target, digest)
    else:
        bundle = single_artifact(ctx.repo).relative_to(ctx.repo)  # the stage runs in the repo
    request = commands.deploy_request(
        ctx.config, resolve_local(bundle, digest or None, options.build_dir), options, ctx.emit
    )
    commands.deploy(target, request, ctx.emit)


def promoted_artifact(ctx: EntryContext, target: Target, digest: str) -> Path:
    """The zip of `digest` from the previous environment's artifact store, refused (exit 2)
    unless that environment recorded it green."""
    previous_name = PREVIOUS.get(ctx.env)
    if previous_name is None:
        raise ReleaseUsageError(
            f"deploy --env {ctx.env} --digest: {ctx.env} deploys the build itself; --digest "
            "deploys what the previous environment proved (staging: dev's)"
        )
    previous = load_environment(previous_name)
    conn = target.connect(previous.region)
    table = ItemTable(conn.clients, previous.names.deployments_table)
    records = RecordStore(table, previous.name).history(50) if table.exists() else []
    mine = [r for r in records if r.digest == digest]
    if not any(is_green(r) for r in mine):
        seen = f"its latest record of it is {mine[0].outcome.value}" if mine else "no record"
        raise ReleaseUsageError(
            f"deploy --env {ctx.env} --digest {digest[:12]}: not green in {previous.name} "
            f"({seen}); "
            f"deploy and smoke-test it there first (`pipeline deploy --env {previous.name}`, "
            f"`pipeline smoke --env {previous.name}`)"
        )
    bucket = previous.names.artifact_bucket(conn.account_id, previous.region)
    path = fetch_by_digest(Buckets(conn.clients), bucket, digest, ctx.repo / PROMOTED_DIR)
    ctx.emit(f"deploying {digest[:12]}, green in {previous.name}, fetched from s3://{bucket}")
    return path.relative_to(ctx.repo)
