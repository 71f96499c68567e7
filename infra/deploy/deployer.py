"""One deploy, start to end: lint → plan (read calls only, printed) → apply the plan's effects in
order: artifact bucket, upload, bootstrap, then under the lock: record, change set, verify,
monitoring (alarms and dashboard), record the outcome. Only this module sequences the steps;
each lives in its own module."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from infra.aws.cloudformation import Stacks
from infra.aws.errors import AwsCallFailed
from infra.aws.items import ItemTable
from infra.aws.s3 import Buckets
from infra.clock import Clock
from infra.config.deploy import partition_of
from infra.deploy.artifact_store import ArtifactBucket
from infra.deploy.bootstrap import bootstrap_template
from infra.deploy.changeset import ChangeSet, ChangeSets, Waits, compact_template
from infra.deploy.errors import LockHeld, VerificationFailed
from infra.deploy.lock import DEFAULT_TTL, DeployLock, Lock
from infra.deploy.monitoring_step import apply_monitoring
from infra.deploy.plan import Plan, render_plan
from infra.deploy.planner import plan_deploy
from infra.deploy.records import DeploymentRecord, Outcome, RecordStore
from infra.deploy.request import (
    DeployRequest,
    DeployResult,
    Emit,
    is_concurrent_create,
    lint_template,
)
from infra.deploy.steps import (
    BootstrapStack,
    CreateBucket,
    DeployPlan,
    SecureBucket,
    UploadArtifact,
    UploadTemplate,
    render_deploy_plan,
)
from infra.deploy.verify import Verification, Verifier
from infra.errors import InfraError
from infra.targets.base import Connection


class Deployer:
    def __init__(
        self,
        connection: Connection,
        clock: Clock,
        emit: Emit,
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex[:12],
        lock_ttl: timedelta = DEFAULT_TTL,
    ) -> None:
        self._conn = connection
        self._clock = clock
        self._emit = emit
        self._new_id = new_id
        self._lock_ttl = lock_ttl
        waits = Waits(connection.waits.poll_seconds, connection.waits.timeout_seconds)
        self._cf = ChangeSets(Stacks(connection.clients), clock, waits)

    def bucket(self, req: DeployRequest) -> ArtifactBucket:
        name = req.config.names.artifact_bucket(self._conn.account_id, req.config.region)
        return ArtifactBucket(Buckets(self._conn.clients), name, self._conn.account_id)

    def plan(self, req: DeployRequest) -> DeployPlan:
        """Lint (unless the caller did), then plan with read calls only; nothing changes."""
        if not req.lint_checked:
            lint_template(req, self._emit)
        return plan_deploy(self._conn, self.bucket(req), req, self._new_id())

    def deploy(self, req: DeployRequest) -> DeployResult:
        """Plan and print; then, unless a dry run, apply. Raises DeployError subclasses."""
        plan = self.plan(req)
        for line in render_deploy_plan(plan):
            self._emit(line)
        if req.options.dry_run:
            self._emit("dry run: nothing was changed")
            outcome = Outcome.NO_CHANGE if plan.preview.is_empty else Outcome.PLANNED
            return DeployResult(outcome, plan.preview, notes=("dry run",), deploy_plan=plan)
        return self.apply(plan, req)

    def apply(self, plan: DeployPlan, req: DeployRequest) -> DeployResult:
        """Carry out the plan's effects in order (see `steps.DeployPlan`)."""
        bucket = self.bucket(req)
        for step in plan.prepare:
            if isinstance(step, CreateBucket):
                bucket.create()
                self._emit(f"created artifact bucket {step.bucket}")
            elif isinstance(step, SecureBucket):
                for fix in step.fixes:
                    bucket.fix(fix, partition_of(req.config.region))
                    if step.existing:
                        self._emit(
                            f"WARNING: artifact bucket {step.bucket} did not {fix.value}: fixed"
                        )
            elif isinstance(step, UploadArtifact):
                bucket.upload(req.artifact)
                self._emit(f"uploaded {step.source} to {step.location}")
            elif isinstance(step, UploadTemplate):
                body = compact_template(req.template_body)
                bucket.upload_template(hashlib.sha256(body.encode()).hexdigest(), body)
                self._emit(f"uploaded the template to {step.location}")
            elif isinstance(step, BootstrapStack):
                self._bootstrap(plan.template, step, plan.deployment_id, plan.role_arn)
        return self._locked_apply(plan, req)

    def _bootstrap(
        self,
        template: Mapping[str, Any],
        step: BootstrapStack,
        deployment_id: str,
        role_arn: str | None,
    ) -> None:
        self._emit(
            f"first deploy of stack {step.stack}: creating it with the deployments table "
            f"{step.table} only, so the deploy lock and records have a home"
        )
        try:
            change_set = self._cf.create(
                step.stack,
                f"bootstrap-{deployment_id}",
                bootstrap_template(template, step.table),
                {},
                "CREATE",
                role_arn,
            )
            self._cf.execute(change_set, self._emit)
        except AwsCallFailed as exc:
            if not is_concurrent_create(exc):
                raise
            self._emit(f"another deploy is creating stack {step.stack}; waiting ({exc.code})")
            self._cf.wait_settled(step.stack)

    def _locked_apply(self, plan: DeployPlan, req: DeployRequest) -> DeployResult:
        table = ItemTable(self._conn.clients, plan.apply.table)
        lock = DeployLock(table, plan.env)
        deployment_id = plan.deployment_id
        owner = f"{req.options.actor} (deployment {deployment_id})"
        if req.options.held_lock:
            held, broken = self._held_by_caller(lock, plan.env, req.options.held_lock), None
        else:
            held, broken = lock.acquire(
                owner, deployment_id, self._clock.now(), plan.apply.break_lock, self._lock_ttl
            )
        store = RecordStore(table, plan.env)
        record = DeploymentRecord(
            deployment_id=deployment_id,
            env=plan.env,
            target=plan.target,
            digest=plan.digest,
            commit=req.options.commit,
            actor=req.options.actor,
            started_at=held.acquired_at,
        )
        changes: Plan | None = None
        try:
            if broken is not None:
                self._emit(
                    f"WARNING: broke the lock of {broken.owner}, held since "
                    f"{broken.acquired_at.isoformat()} (--break-lock)"
                )
                why = f"abandoned: its lock was broken by {owner} (--break-lock)"
                if store.mark_abandoned(broken.token, broken.acquired_at, why, self._clock.now()):
                    self._emit(f"marked deployment {broken.token} failed (abandoned)")
            store.save(record)
            changes, outcome, verification = self._apply_change_set(plan, req)
            notes = tuple(verification.lines()) if verification else ()
            if plan.monitoring is not None:
                monitoring = apply_monitoring(self._conn, req.config, plan.monitoring, self._emit)
                notes = (*notes, monitoring.summary())
            record = record.finish(outcome, self._clock.now(), changes.summary(), notes=notes)
            store.save(record)
            return DeployResult(outcome, changes, record, verification, deploy_plan=plan)
        except BaseException as exc:  # record every failure (even Ctrl-C), then re-raise
            summary = changes.summary() if changes else ""
            error = str(exc) if isinstance(exc, InfraError) else f"{type(exc).__name__}: {exc}"
            failed = record.finish(Outcome.FAILED, self._clock.now(), summary, error=error)
            self._best_effort(lambda: store.save(failed), "record the failure")
            raise
        finally:
            if not req.options.held_lock:
                self._best_effort(lambda: self._release(lock, deployment_id), "release the lock")

    def _held_by_caller(self, lock: DeployLock, env: str, token: str) -> Lock:
        """The caller's lock, still its own (LockHeld naming the holder otherwise)."""
        current = lock.current()
        now = self._clock.now()
        if current is None or current.token != token:
            holder = current.owner if current else "nobody"
            since = current.acquired_at if current else now
            until = current.expires_at if current else now
            raise LockHeld(env, f"{holder} (not this promotion)", since, until, False)
        return current

    def _apply_change_set(
        self, plan: DeployPlan, req: DeployRequest
    ) -> tuple[Plan, Outcome, Verification | None]:
        stack = plan.apply.stack
        state = self._cf.stack(stack)
        change_set = self._cf.create(
            stack,
            f"deploy-{plan.deployment_id}",
            compact_template(req.template_body),
            plan.parameters,
            "UPDATE",
            plan.role_arn,
            plan.template_url,
        )
        current = dict(state.parameters) if state is not None else None
        if not self._show_plan(change_set, current, plan.parameters):
            self._cf.discard(change_set, delete_empty_stack=False)
            self._emit("no changes: the stack already runs this template and artifact")
            return change_set.plan, Outcome.NO_CHANGE, self._verify(plan, req)
        self._emit(f"applying change set to {stack}:")
        self._cf.execute(change_set, self._emit)
        return change_set.plan, Outcome.SUCCEEDED, self._verify(plan, req)

    def _show_plan(
        self,
        change_set: ChangeSet,
        current: Mapping[str, str] | None,
        params: Mapping[str, str],
    ) -> bool:
        """Print CloudFormation's plan; True when it has something to apply."""
        for line in render_plan(change_set.plan):
            self._emit(line)
        if not change_set.no_change and not change_set.plan.is_empty:
            return True
        # moto lists no resource changes for a parameter-only update (AWS lists the resources
        # that use the parameter); apply it anyway so a new digest is never silently skipped.
        if (
            change_set.arn
            and not change_set.no_change
            and self._conn.clients.endpoint.is_emulator
            and current is not None
            and current != dict(params)
        ):
            self._emit("  (the emulator lists no changes for new parameter values; applying them)")
            return True
        return False

    def _verify(self, plan: DeployPlan, req: DeployRequest) -> Verification:
        verifier = Verifier(self._conn.clients, req.config, self._conn.account_id)
        verification = verifier.verify(plan.template, plan.digest, req.options.live_version)
        self._emit("verified through each service's API:")
        for line in verification.lines():
            self._emit(line)
        if verification.failures:
            raise VerificationFailed(verification.failures)
        return verification

    def _release(self, lock: DeployLock, deployment_id: str) -> None:
        if not lock.release(deployment_id):
            self._emit("WARNING: the lock was broken by someone else during this deploy")

    def _best_effort(self, action: Callable[[], None], what: str) -> None:
        try:
            action()
        except InfraError as exc:
            self._emit(f"WARNING: could not {what}: {exc}")
