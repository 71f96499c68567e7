"""The perf entry: the perf gate (`infra.perf.run_perf`) against the environment's API with
the secret PERF_TOKEN, expecting the digest of its latest deployment record; the `perf#` record
goes to its deployments table (what `promote` reads). On the local target the load is sized
from the emulator's recorded ceiling, lowered when the ceiling probed right before the run is
lower (`infra.perf.local_ceiling`), and a failure the ceiling explains is Inconclusive.
Exit: 0 Successful, 1 Failed/Error, 3 Inconclusive (degraded, never a pass)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from infra.deploy.records import Outcome, RecordStore
from infra.perf.capacity_command import REPORTS
from infra.perf.endpoint import HttpEndpoint
from infra.perf.gate import Verdict
from infra.perf.local_ceiling import LocalCeiling, probe_ceiling
from infra.perf.locust_process import LocustProcess
from infra.perf.records import PerfRecords
from infra.perf.report import MARKDOWN_FILE
from infra.perf.stage import PerfOutcome, PerfPorts, PerfRequest, run_perf
from infra.perf.tokens import StaticToken
from infra.targets.base import Target
from infra.targets.local import LocalTarget
from pipeline.catalog import PARAM_COMMIT, PERF_TOKEN_SECRET
from pipeline.release.deployed import latest_deployment
from pipeline.release.entries.context import EntryContext
from pipeline.release.errors import PerfGateFailed, StageDegraded
from pipeline.results import STEP_SUMMARY_FILE


def run(ctx: EntryContext) -> None:
    summary_file = ctx.repo / "build" / "reports" / f"perf-{ctx.env}" / STEP_SUMMARY_FILE
    summary_file.unlink(missing_ok=True)  # a stale block must never stand for this run
    target = ctx.target()
    url, _source = ctx.app_url(target)
    hint = f"for the perf sites perf-{ctx.env}-001... (e.g. a Cognito test user's)"
    token = ctx.suite_token(target, PERF_TOKEN_SECRET, "perf", hint)
    table = ctx.deployments(target)
    why = "so the perf record names the build it measured"
    record = latest_deployment(ctx.env, RecordStore(table, ctx.env), why)
    if record.outcome is not Outcome.SUCCEEDED:
        ctx.emit(f"perf {ctx.env}: note: its latest deployment is {record.outcome.value}")
    request = PerfRequest(
        env=ctx.env,
        target=target.kind.value,
        base_url=url,
        out_dir=report_dir(ctx.repo, ctx.env),
        digest=record.digest,
        commit=ctx.param(PARAM_COMMIT) or record.commit,
    )
    ports = PerfPorts(
        tokens=StaticToken(token),
        endpoint=HttpEndpoint(url),
        # locust gets no AWS credentials nor our secrets: only the token, through the run
        generator=LocustProcess(ctx.repo, generator_environ(ctx)),
        records=PerfRecords(table, ctx.env),
        emulator=_ceiling(ctx, target),
        emit=ctx.emit,
        load_average=os.getloadavg,
    )
    outcome = run_perf(ctx.config, request, ports)
    copy_step_summary(outcome, summary_file)
    raise_unless_successful(ctx.env, outcome)


def report_dir(repo: Path, env: str) -> Path:
    """build/reports/perf/<env>, relative when the entry runs in the repository (it does): the
    report then names files a reader finds on the host too, not the container's /src/..."""
    path = repo / REPORTS / env
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def generator_environ(ctx: EntryContext) -> dict[str, str]:
    secret = ("AWS_", "PERF_", "E2E_", "SMOKE_")
    return {k: v for k, v in ctx.environ.items() if not k.startswith(secret)}


def _ceiling(ctx: EntryContext, target: Target) -> LocalCeiling | None:
    """The local target's emulator ceiling now (None on AWS); the line every report states."""
    if not isinstance(target, LocalTarget) or ctx.config.perf is None:
        return None
    configured = ctx.config.perf.local_load
    ceiling = probe_ceiling(
        target.endpoint, ctx.config.region, ctx.config.names.data_table, configured.sites
    )
    ctx.emit(f"perf {ctx.env}: {ceiling.ceiling()}")
    ctx.emit(f"perf {ctx.env}: {ceiling.describe_load(configured)}")
    return ceiling


def copy_step_summary(outcome: PerfOutcome, summary_file: Path) -> None:
    """The verdict's Markdown block, where the run's step summary picks it up."""
    markdown = outcome.files.get("markdown")
    if markdown is None or not markdown.is_file():
        return
    summary_file.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(markdown, summary_file)


def raise_unless_successful(env: str, outcome: PerfOutcome) -> None:
    """Successful returns; Failed/Error and Inconclusive raise, naming what decided it."""
    result = outcome.result
    if outcome.verdict in (None, Verdict.SUCCESSFUL) or result is None:
        return
    decided = [c for c in result.checks if c.verdict is outcome.verdict] or list(result.checks)
    reasons = [
        f"{c.name} {c.measured} (limit {c.limit}{', ' + c.key if c.key else ''})"
        + (f": {c.note}" if c.note else "")
        for c in decided
    ]
    where = f"report: {outcome.files.get('summary', MARKDOWN_FILE)}"
    message = "\n".join([f"perf {env}: {outcome.verdict.value}", *reasons, where])
    if outcome.verdict is Verdict.INCONCLUSIVE:
        raise StageDegraded(message + "\n(inconclusive is never a pass: promotion needs green)")
    raise PerfGateFailed(message)
