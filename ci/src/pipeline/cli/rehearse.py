"""`pipeline rehearse`: release -> promote on the local target, twice, under steady client
load, and judge what a release manager must be able to trust (infra.rollout.rehearsal).

1. The tree is released (build -> dev -> staging -> perf, the release chain as `pipeline
   release` runs it). If prod has nothing live yet, that release goes live as prod's first
   release (gated, no canary: nothing to compare with).
2. The good release is promoted: the tree's digest, or, when that digest is what prod runs
   already, a second release of the tree built with a label (its own digest, through the
   whole chain again). Its canary must reach 100 % through every weight of the plan.
3. The faulty release: the tree built with another label, published to the artifact store and
   shipped as a hotfix (it skips staging, never the canary) with the app's fault switch on for
   it (`rehearsal.fault_error_rate`). It must be rolled back automatically, and answer nothing
   after that.

Every promotion is its real stage (`deploy-prod` / `hotfix-prod`) on the engine, with the
rehearsal's plan (`rollout.rehearsal`: prod's steps, fewer and longer measurements) and the
local prod's router on ports chosen here, so this process can be the users: a steady client
through the router at a rate sized from the emulator's ceiling, and a reader of the router's
weights. The report and a PNG timeline go to build/reports/rollout/."""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console

from app.local.dev_keys import mint_token
from app.local.ports import free_port, loopback_url
from app.readings import Metric
from app.storage.errors import StoreError
from app.storage.table import EnergyTable
from infra.artifact.digest import sha256_of, single_artifact
from infra.aws.items import ItemTable
from infra.aws.s3 import Buckets
from infra.config import load_environment
from infra.config.model import EnvironmentConfig
from infra.config.rollout import rehearsal_rollout
from infra.deploy.artifact_store import Artifact, ArtifactBucket
from infra.deploy.provenance import actor, git_head
from infra.rollout.binding.local_prod import live_digest
from infra.rollout.binding.records import perf_verdicts, release_evidence
from infra.rollout.commands import check_gate
from infra.rollout.errors import RolloutError
from infra.rollout.plan import Analysis, SetWeight, compile_plan
from infra.rollout.record import RolloutRecord, Status
from infra.rollout.rehearsal import report
from infra.rollout.rehearsal.judge import Run, judge
from infra.rollout.rehearsal.load import READ, SITE, WRITE, Ledger, SteadyClient
from infra.rollout.rehearsal.weights import WeightReader
from infra.rollout.store import RolloutStore
from infra.targets import local_capacity as lc
from infra.targets.local import LocalTarget
from infra.targets.local_state import LOCAL_DIR, local_keys
from pipeline.catalog import (
    BUILD_STAGE,
    DEGRADED_EXIT,
    KINDS,
    PARAM_APPROVED_BY,
    PARAM_BUILD_LABEL,
    PARAM_CANARY_FAULT,
    PARAM_DIGEST,
    PARAM_REASON,
    PARAM_REHEARSAL,
    PARAM_ROUTER_PORTS,
    RELEASE_STAGES,
    Catalog,
    alone,
    kind_stage,
    with_stage,
)
from pipeline.cli.parser import DEFAULT_JOBS
from pipeline.cli.stage_commands import preflight, repo_of
from pipeline.engines.base import Engine
from pipeline.engines.select import choose_local
from pipeline.errors import EXIT_FAILED, EXIT_OK, UsageError
from pipeline.results import RunReport
from pipeline.results import Status as StageStatus
from pipeline.runs import RunRequest, run_and_report
from pipeline.scheduler import RunOptions

PROD = "prod"
REPORT_DIR = Path("build/reports/rollout")
CLIENT_SITE = "rehearsal"
SECOND_LABEL = "rehearsal: a second release of the same tree"
FAULTY_LABEL = "rehearsal: the faulty release"
PERF_STAGE = "perf-staging"
STOP_BEFORE_S = 2.0  # the client stops this long before the local prod does
# The steady client's journeys, weighted as the mix its rate is sized from.
CLIENT_MIX = {
    READ: lc.STEADY_MIX[lc.JOURNEYS["readings"]],
    WRITE: lc.STEADY_MIX[lc.JOURNEYS["ingest_one"]],
    SITE: lc.STEADY_MIX[lc.JOURNEYS["site"]],
}


class RehearsalStopped(Exception):
    """A release or build the rehearsal needs failed: nothing further is promoted."""


@dataclass(frozen=True)
class Session:
    """What every step of one rehearsal shares."""

    repo: Path
    catalog: Catalog
    engine: Engine
    console: Console
    verbose: bool
    commit: str
    who: str

    def run(
        self,
        names: tuple[str, ...],
        report_name: str,
        *,
        catalog: Catalog | None = None,
        values: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        jobs: int = 1,
    ) -> RunReport:
        """The stages `names` (and what they need) on the local target, stopping at a failure;
        the report is printed and written as build/reports/`report_name`."""
        request = RunRequest(
            catalog=self.catalog if catalog is None else catalog,
            names=names,
            options=RunOptions(fail_fast=True, jobs=jobs, params=dict(params or {})),
            verbose=self.verbose,
            report_name=report_name,
            target="local",
            commit=self.commit,
            actor=self.who,
            values=dict(values or {}),
        )
        return run_and_report(self.console, self.engine, self.repo, request)[0]

    def run_kind(self, kind: str, env: str, report_name: str, values: Mapping[str, str]) -> None:
        """One environment's stage of `kind` alone (as `pipeline <kind> --env E` runs it)."""
        stage = kind_stage(self.catalog, KINDS[kind], env)
        catalog = alone(with_stage(self.catalog, stage), stage.name)
        self.run((stage.name,), report_name, catalog=catalog, values=values)


def rehearse(args: argparse.Namespace, catalog: Catalog, console: Console) -> int:
    if args.engine == "dagger":
        raise UsageError(
            "pipeline rehearse --engine dagger: the rehearsal's client and the local prod live "
            "on this machine, so its stages run on the docker or host engine: pass --engine "
            "docker or --engine host (auto picks docker when a daemon answers)"
        )
    repo = repo_of(args)
    prod_stages = [kind_stage(catalog, KINDS[kind], PROD).name for kind in ("promote", "hotfix")]
    preflight(catalog, (*RELEASE_STAGES, *prod_stages), repo)
    session = Session(
        repo, catalog, choose_local(args.engine), console, args.verbose, git_head(repo), actor()
    )
    config = load_environment(PROD)
    started = time.monotonic()
    say = console.print
    say(f"rehearsal of {PROD} on the local target, {session.engine.name} engine")
    try:
        tree = release(session, "")
    except RehearsalStopped as exc:
        say(f"[red]rehearsal stopped:[/] {exc}")
        return EXIT_FAILED
    emulator = LocalTarget.running(repo / LOCAL_DIR)
    plan = rehearsal_plan(config)
    load, capacity = load_basis(config, emulator, plan)
    say(f"steady client: {load.rate_rps:.1f} req/s ({load.basis}); {load.ceiling}")
    ledger = Ledger.starting(datetime.now(UTC))
    token = mint_token(local_keys(repo), sites=(CLIENT_SITE,))
    runs: list[Run] = []
    step = Stepper(session, config, emulator, ledger, token, load.rate_rps)
    try:
        if step.live() is None:
            say(f"{PROD} has nothing live: the tree's release goes live first (no canary)")
            runs.append(step.promote(tree, "first release", canary=False))
        good = tree if step.live() != tree else second_release(session, config, emulator)
        runs.append(step.promote(good, "good"))
        faulty = build(session, FAULTY_LABEL)
        publish(config, emulator, repo, faulty)
        runs.append(step.hotfix(faulty, config.rollout.rehearsal.fault_error_rate))
    except RehearsalStopped as exc:
        say(f"[red]rehearsal stopped:[/] {exc}")
        return EXIT_FAILED
    finally:
        restore_tree_build(session, tree)
    missing = table_missing(config, emulator, ledger)
    judged = judge(runs, plan.interval_s, plan.weights, missing, len(ledger.written), capacity)
    seconds = time.monotonic() - started
    paths = report.write(repo / REPORT_DIR, runs, judged, load, seconds)
    for line in report.render(runs, judged, load, seconds):
        say(line, markup=False, highlight=False)
    say(f"report: {paths['summary'].relative_to(repo)}, {paths['json'].relative_to(repo)}, "
        f"timeline {paths['timeline'].relative_to(repo)}")  # fmt: skip
    say(f"history: `pipeline history --env {PROD}`; live: `pipeline rollout status --env {PROD}`")
    if judged.ok:
        return EXIT_OK
    return DEGRADED_EXIT if judged.inconclusive else EXIT_FAILED


@dataclass(frozen=True)
class RehearsalPlan:
    """What the rehearsal's plan means for its judge and its load."""

    weights: tuple[int, ...]
    interval_s: float
    min_requests: int


def rehearsal_plan(config: EnvironmentConfig) -> RehearsalPlan:
    """The plan the promotions run (`rollout.rehearsal` applied to prod's steps)."""
    rollout = rehearsal_rollout(config.rollout)
    steps = compile_plan(config.model_copy(update={"rollout": rollout})).steps
    analyses = [s for s in steps if isinstance(s, Analysis)]
    return RehearsalPlan(
        tuple(s.weight for s in steps if isinstance(s, SetWeight)),
        analyses[0].interval_s if analyses else float(config.rollout.rehearsal.interval_s),
        analyses[0].template.min_requests if analyses else 0,
    )


def load_basis(
    config: EnvironmentConfig, emulator: LocalTarget, plan: RehearsalPlan
) -> tuple[report.LoadBasis, lc.EmulatorCapacity]:
    """The steady client's rate: `rehearsal.load_headroom` of the recorded ceiling for its mix,
    or of the ceiling probed now when the recorded one would come near it (a busy machine);
    and the capacity probed now (the judge's basis for "emulator saturated")."""
    from infra.targets.emulator_probe import ProbeError, probe

    headroom = config.rollout.rehearsal.load_headroom
    mix = lc.STEADY_MIX
    rate = lc.steady_rps(lc.MEASURED, mix, headroom=headroom)
    basis = f"{headroom:.0%} of the recorded ceiling"
    try:
        now, note = probe(emulator.endpoint, config.region, None), "probed now"
    except ProbeError as exc:
        now, note = lc.MEASURED, f"probe failed ({exc}): the recorded figures"
    if rate > lc.NEAR_CEILING * lc.ceiling_rps(now, mix):
        rate = lc.steady_rps(now, mix, headroom=headroom)
        basis = f"{headroom:.0%} of the ceiling probed now: the recorded one would come near it"
    first = plan.weights[0] if plan.weights else 100
    return report.LoadBasis(
        rate,
        f"{lc.describe(now, mix)} ({note})",
        basis,
        rate * first / 100 * plan.interval_s,
        plan.min_requests,
    ), now


class Stepper:
    """Runs one promotion stage with the client and the weight reader around it."""

    def __init__(
        self,
        session: Session,
        config: EnvironmentConfig,
        emulator: LocalTarget,
        ledger: Ledger,
        token: str,
        rate_rps: float,
    ) -> None:
        self._session = session
        self._config = config
        clients = emulator.connect(config.region).clients
        self._table = ItemTable(clients, config.names.deployments_table)
        self._ledger = ledger
        self._token = token
        self._rate = rate_rps

    def _store(self) -> RolloutStore:
        return RolloutStore(self._table, self._config.name)

    def live(self) -> str | None:
        """The digest prod runs (its rollout records), None before its first release."""
        if not self._table.exists():
            return None
        return live_digest(self._store().history(200))

    def promote(self, digest: str, role: str, canary: bool = True) -> Run:
        values = {PARAM_DIGEST: digest, PARAM_APPROVED_BY: f"rehearsal run by {self._session.who}"}
        return self._run("promote", digest, role, values, Status.SUCCEEDED, canary)

    def hotfix(self, digest: str, fault_rate: float) -> Run:
        values = {
            PARAM_DIGEST: digest,
            PARAM_REASON: "rehearsal: a faulty release the canary must roll back",
            PARAM_CANARY_FAULT: f"{fault_rate:g}",
        }
        return self._run("hotfix", digest, "faulty", values, Status.ROLLED_BACK, True)

    def _run(
        self,
        kind: str,
        digest: str,
        role: str,
        values: Mapping[str, str],
        expect: Status,
        canary: bool,
    ) -> Run:
        session = self._session
        listen, runtime = free_port(), free_port()
        session.console.rule(f"rehearsal: {role} ({kind} {digest[:12]})")
        client = SteadyClient(
            loopback_url(listen), self._token, CLIENT_SITE, self._rate, self._ledger, CLIENT_MIX
        )
        reader = WeightReader(runtime)
        started = time.time()
        client.start()
        reader.start()
        ended = threading.Event()
        watcher = threading.Thread(
            target=self._stop_before_teardown, args=(digest, started, client, ended), daemon=True
        )
        watcher.start()
        try:
            ports = {PARAM_ROUTER_PORTS: f"{listen},{runtime}", PARAM_REHEARSAL: "1"}
            session.run_kind(kind, PROD, f"rehearse-{kind}.json", {**values, **ports})
        finally:
            ended.set()
            client.stop()
            reader.stop()
            watcher.join(timeout=5)
        seconds = time.time() - started
        record = self._record_since(digest, started)
        if record is not None:
            session.console.print(
                f"{role}: rollout {record.rollout_id} {record.status.value} at {record.weight}% "
                f"in {seconds:.1f} s" + (f" ({record.verdict_message})" if record.verdict else "")
            )
        return Run(role, kind, digest, expect, record, tuple(client.samples),
                   tuple(reader.samples), started, seconds, canary)  # fmt: skip

    def _stop_before_teardown(
        self, digest: str, started: float, client: SteadyClient, ended: threading.Event
    ) -> None:
        """Once the rollout has ended, the local prod serves `rehearsal.hold_s` more, then
        stops: the client stops STOP_BEFORE_S before that, so no request of it is cut by the
        router's teardown (which would be the rehearsal's doing, not the app's)."""
        hold_s = self._config.rollout.rehearsal.hold_s
        while not ended.is_set():
            record = self._record_since(digest, started)
            if record is not None and (record.status.terminal or record.status is Status.PAUSED):
                ended.wait(max(0.0, hold_s - STOP_BEFORE_S))
                client.stop()
                return
            ended.wait(0.5)

    def _record_since(self, digest: str, started: float) -> RolloutRecord | None:
        latest = self._store().latest() if self._table.exists() else None
        if latest is None or latest.digest != digest:
            return None
        return latest if latest.started_at.timestamp() >= started - 1 else None


def release(session: Session, label: str) -> str:
    """The release chain on the local target (the build labelled when `label`); its digest."""
    what = f"release labelled {label!r}" if label else "release of the tree"
    session.console.rule(f"rehearsal: {what}")
    values = {PARAM_BUILD_LABEL: label} if label else {}
    report_ = session.run(RELEASE_STAGES, "rehearse-release.json", values=values, jobs=DEFAULT_JOBS)
    if not report_.status.ok:
        raise RehearsalStopped(f"the {what} failed (build/reports/rehearse-release.json)")
    perf = [s for s in report_.stages if s.name == PERF_STAGE]
    if perf and perf[0].status is StageStatus.DEGRADED:
        rerun_perf(session)
    return sha256_of(single_artifact(session.repo))


def rerun_perf(session: Session) -> None:
    """An Inconclusive staging perf run could not judge (too few samples to call a change
    against the baseline significant; its report says "rerun"): the promotion gate needs a
    green one, so it runs once more, as its report advises; the newest run decides."""
    session.console.print(
        f"{PERF_STAGE} was Inconclusive (build/reports/perf/staging/summary.md): running it once "
        "more, as its report advises; the promotion gate reads the newest run"
    )
    session.run_kind("perf", "staging", "rehearse-perf.json", {})


def second_release(session: Session, config: EnvironmentConfig, emulator: LocalTarget) -> str:
    """Prod runs the tree's digest already: the good release is the tree built with
    SECOND_LABEL (its own digest, the same each time for the same tree). Released through the
    chain unless staging holds a green release of that digest already (an earlier rehearsal
    of this tree): then its evidence stands, as for any digest promoted later."""
    labelled = build(session, SECOND_LABEL)
    conn = emulator.connect(config.region)
    evidence = release_evidence(conn.clients, load_environment, config.name, conn.account_id)
    try:
        check_gate(labelled, "rehearsal", evidence, perf_verdicts(conn.clients, load_environment))
    except RolloutError as exc:
        session.console.print(f"the second release {labelled[:12]} is not green in staging yet "
                              f"({exc}): releasing it")  # fmt: skip
        return release(session, SECOND_LABEL)
    session.console.print(
        f"the second release {labelled[:12]} is green in staging already (deploy, smoke, perf): "
        "promoting it without releasing it again"
    )
    return labelled


def build(session: Session, label: str) -> str:
    """Only the build stage, labelled; its digest (build/artifacts holds it until restored)."""
    session.console.rule(f"rehearsal: build labelled {label!r}")
    only = session.catalog.only([BUILD_STAGE])
    params = {PARAM_BUILD_LABEL: label}  # no environment: a run parameter, not a target value
    report_ = session.run((BUILD_STAGE,), "rehearse-build.json", catalog=only, params=params)
    if not report_.status.ok:
        raise RehearsalStopped(f"the build labelled {label!r} failed")
    return sha256_of(single_artifact(session.repo))


def restore_tree_build(session: Session, tree: str) -> None:
    """build/artifacts holds the tree's build again (answered from the build cache)."""
    if sha256_of(single_artifact(session.repo)) == tree:
        return
    quiet = replace(session, console=Console(quiet=True))
    try:
        build(quiet, "")
    except RehearsalStopped:
        session.console.print("note: build/artifacts still holds a rehearsal build; run "
                              "`pipeline build`")  # fmt: skip


def publish(config: EnvironmentConfig, emulator: LocalTarget, repo: Path, digest: str) -> None:
    """The faulty build into the artifact store the promotion fetches from (staging's bucket,
    as a release publishes it), so prod finds it by digest."""
    staging = load_environment("staging")
    conn = emulator.connect(staging.region)
    bucket = ArtifactBucket(
        Buckets(conn.clients), staging.names.artifact_bucket(conn.account_id, staging.region)
    )
    if not bucket.has(digest):
        bucket.upload(Artifact(digest, single_artifact(repo)))


def table_missing(config: EnvironmentConfig, emulator: LocalTarget, ledger: Ledger) -> int | None:
    """Acknowledged writes the data table lacks after the rehearsal; None if unreadable."""
    written = ledger.written
    if not written:
        return 0
    table = EnergyTable(emulator.connect(config.region).clients.dynamodb, config.names.data_table)
    first = min(datetime.fromisoformat(w.timestamp) for w in written)
    last = max(datetime.fromisoformat(w.timestamp) for w in written)
    try:
        stored = table.all_readings(
            CLIENT_SITE, Metric.ENERGY_KWH, first, last + timedelta(seconds=1), 1_000_000
        )
    except StoreError:  # reported as a failed check, never a pass
        return None
    found = {(r.timestamp.astimezone(UTC), r.value) for r in stored or []}
    return sum(
        1
        for w in written
        if (datetime.fromisoformat(w.timestamp).astimezone(UTC), w.value) not in found
    )
