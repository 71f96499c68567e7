"""The release manager's entries (`promote`, `hotfix`, `undo`, `resume`, `retire` on prod):
bind the rollout's ports for the target and call infra.rollout. On the local target this
process runs the local prod for the promotion's length: HAProxy in front of the app versions
(uvicorn processes from each digest's bundle), stopped when it ends; the records in the
emulator keep what went live."""

from __future__ import annotations

import getpass
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace

from app.local.dev_keys import mint_token
from infra.aws.lambda_ import LambdaFunctions
from infra.config.model import EnvironmentConfig
from infra.config.rollout import rehearsal_rollout
from infra.rollout import commands, requests
from infra.rollout.binding.aws_ports import aws_ports
from infra.rollout.binding.local_ports import LocalSetup, environ_drill, local_ports
from infra.rollout.commands import RolloutPorts, exit_code_of
from infra.rollout.errors import RolloutError
from infra.rollout.plan import time_scale_for
from infra.rollout.providers.probe import PROBE_SITE
from infra.rollout.record import RolloutRecord
from infra.rollout.retire import LambdaVersionCatalog, retire_versions
from infra.targets.base import TargetKind
from infra.targets.local import LocalTarget as Emulator
from infra.targets.local_state import local_keys
from pipeline.catalog import (
    DRY_RUN,
    PARAM_ACTOR,
    PARAM_APPROVED_BY,
    PARAM_CANARY_FAULT,
    PARAM_COMMIT,
    PARAM_DIGEST,
    PARAM_LOCAL_PUBLIC_KEY,
    PARAM_OLDER_THAN,
    PARAM_REASON,
    PARAM_REHEARSAL,
    PARAM_ROUTER_PORTS,
    PARAM_TARGET,
    PARAM_UNDO_TO,
    PROBE_TOKEN_SECRET,
    TARGET_LOCAL,
)
from pipeline.release.app_runners import HostAppRunner
from pipeline.release.entries.context import EntryContext
from pipeline.release.errors import ReleaseUsageError

Command = Callable[[EnvironmentConfig, RolloutPorts, float], RolloutRecord]


class RolledBack(RolloutError):
    """The rollout ended rolled back (the record says why): the stage fails."""


def promote(ctx: EntryContext) -> None:
    digest, by = ctx.param(PARAM_DIGEST), ctx.param(PARAM_APPROVED_BY)
    _run(ctx, digest, lambda c, p, scale: commands.promote(c, digest, by, p, scale), first=True)


def hotfix(ctx: EntryContext) -> None:
    digest, reason = ctx.param(PARAM_DIGEST), ctx.param(PARAM_REASON)
    _run(ctx, digest, lambda c, p, scale: commands.hotfix(c, digest, reason, _who(ctx), p, scale))


def undo(ctx: EntryContext) -> None:
    to = ctx.param(PARAM_UNDO_TO) or None
    _run(ctx, to or "", lambda c, p, _scale: commands.undo(c, _who(ctx), p, to))


def resume(ctx: EntryContext) -> None:
    _run(ctx, "", lambda c, p, _scale: commands.resume(c.name, p))


def retire(ctx: EntryContext) -> None:
    older = ctx.param(PARAM_OLDER_THAN)
    with _ports(ctx, "") as (ports, _url):
        functions = LambdaFunctions(ctx.target().connect(ctx.config.region).clients)
        catalog = LambdaVersionCatalog(functions, ctx.config.names, functions.delete_version)
        retire_versions(catalog, ports, older, ctx.switch(DRY_RUN))


def rollout_request(ctx: EntryContext, what: str, full: bool = False) -> RolloutRecord:
    """`rollout promote [--full]` / `rollout abort`: handed to the live controller, else this
    process resumes the rollout (locally: with the local prod) and acts itself."""
    with _ports(ctx, "") as (ports, _url):
        if what == "abort":
            return requests.abort(ctx.env, _who(ctx), ports)
        return requests.promote_now(ctx.env, _who(ctx), ports, full)


def _who(ctx: EntryContext) -> str:
    return ctx.param(PARAM_ACTOR) or f"{getpass.getuser()}@{socket.gethostname()}"


def _run(ctx: EntryContext, digest: str, command: Command, first: bool = False) -> None:
    ctx = rehearsal_context(ctx)
    with _ports(ctx, digest, first) as (ports, url):
        if url:
            ctx.emit(f"local prod: the router answers at {url} while this runs")
        scale = time_scale_for(ctx.config, local_target=ports.target.name == "local")
        record = command(ctx.config, ports, scale)
        ctx.emit(
            f"rollout {record.rollout_id}: {record.status.value} at {record.weight}% "
            f"(version {record.canary_version}, digest {record.digest[:12]})"
        )
        hold_s = ctx.config.rollout.rehearsal.hold_s if ctx.param(PARAM_REHEARSAL) else 0
        if url and hold_s:  # the rehearsal's client sees what serves after the rollout ended
            ctx.emit(f"rehearsal: the local prod serves {hold_s} s more, then stops")
            time.sleep(hold_s)
        if exit_code_of(record) != 0:
            raise RolledBack(
                f"{ctx.env}: rollout {record.rollout_id} of {record.digest[:12]} was rolled back"
                + (f" ({record.verdict}: {record.verdict_message})" if record.verdict else "")
                + f"; see `pipeline rollout status --env {ctx.env}`"
            )


@contextmanager
def _ports(
    ctx: EntryContext, digest: str, first_allowed: bool = False
) -> Iterator[tuple[RolloutPorts, str]]:
    """The bound ports and, locally, the router's URL (the local prod's endpoint)."""
    target = ctx.target()
    commit = ctx.param(PARAM_COMMIT) or "unknown"
    if target.kind is TargetKind.AWS or not isinstance(target, Emulator):
        token = ctx.param(PROBE_TOKEN_SECRET)
        yield aws_ports(ctx.config, target, ctx.repo, ctx.environ, _who(ctx), commit, ctx.emit,
                        token), ""  # fmt: skip
        return
    setup = LocalSetup(
        repo=ctx.repo,
        runner=HostAppRunner(ctx.repo),
        owner=_who(ctx),
        commit=commit,
        actor=_who(ctx),
        drill=environ_drill(ctx.environ, digest, PARAM_CANARY_FAULT),
        first_digest=digest if first_allowed else "",
        router_ports=router_ports(ctx.param(PARAM_ROUTER_PORTS)),
        public_pem=ctx.environ.get(PARAM_LOCAL_PUBLIC_KEY, ""),
    )
    # Locally the probe gets a token of the local keypair for its own site only.
    token = ctx.param(PROBE_TOKEN_SECRET) or mint_token(local_keys(ctx.repo), sites=(PROBE_SITE,))
    with local_ports(ctx.config, target, setup, ctx.emit, probe_token=token) as (ports, prod):
        yield ports, prod.url


def rehearsal_context(ctx: EntryContext) -> EntryContext:
    """With the run parameter PIPELINE_REHEARSAL=1 (`pipeline rehearse`, local target only):
    the config's rehearsal plan (`infra.config.rollout.rehearsal_rollout`)."""
    if not ctx.param(PARAM_REHEARSAL):
        return ctx
    if ctx.param(PARAM_TARGET) != TARGET_LOCAL:
        raise ReleaseUsageError(
            f"{PARAM_REHEARSAL} is set but the target is not local: the rehearsal's plan runs "
            "only on the local target (`pipeline rehearse`)"
        )
    rollout = rehearsal_rollout(ctx.config.rollout)
    return replace(ctx, config=ctx.config.model_copy(update={"rollout": rollout}))


def router_ports(value: str) -> tuple[int, int]:
    """PIPELINE_LOCAL_PROD_PORTS "LISTEN,RUNTIME" (loopback ports the host chose); (0, 0) when
    unset: the local prod picks free ones."""
    if not value:
        return 0, 0
    parts = value.split(",")
    if len(parts) != 2 or not all(p.strip().isdigit() and 0 < int(p) < 65536 for p in parts):
        raise ReleaseUsageError(
            f"{PARAM_ROUTER_PORTS}={value!r}: expected two loopback ports, LISTEN,RUNTIME "
            "(e.g. 18080,18081)"
        )
    return int(parts[0]), int(parts[1])
