"""One deploy, start to end: lint → artifact → bootstrap → lock → plan → apply → verify →
record. Only this module sequences the steps; each step lives in its own adapter module."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from infra.aws.errors import AwsCallFailed
from infra.clock import Clock
from infra.deploy.artifact_store import ArtifactBucket
from infra.deploy.bootstrap import bootstrap_template, ensure_artifact_bucket
from infra.deploy.changeset import ChangeSet, CloudFormation, StackState, Waits
from infra.deploy.connect import Connection
from infra.deploy.errors import ArtifactNotFound, DeployError, DeployUsageError, VerificationFailed
from infra.deploy.lock import DEFAULT_TTL, DeployLock
from infra.deploy.plan import Plan, render_plan
from infra.deploy.records import DeploymentRecord, Outcome, RecordStore
from infra.deploy.request import (
    DeployRequest,
    DeployResult,
    Emit,
    is_concurrent_create,
    lint_template,
    stack_parameters,
)
from infra.deploy.verify import Verification, Verifier
from infra.errors import InfraError
from infra.targets.model import TargetKind


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
        self._cf = CloudFormation(connection.clients, clock, waits)

    def deploy(self, req: DeployRequest) -> DeployResult:
        """Plan and (unless dry run) apply one deploy; raises DeployError subclasses."""
        if not req.lint_checked:
            lint_template(req, self._emit)
        expected = req.config.account_id
        if self._conn.kind is TargetKind.AWS and expected and expected != self._conn.account_id:
            raise DeployUsageError(
                f"the AWS credentials are for account {self._conn.account_id}, but environment "
                f"{req.config.name} lives in account {expected} (account_id in its config); "
                "use credentials for that account"
            )
        try:
            template: dict[str, Any] = json.loads(req.template_body)
        except ValueError as exc:
            raise DeployUsageError(f"template {req.template_name} is not JSON: {exc}") from None
        names = req.config.names
        bucket = ArtifactBucket(
            self._conn.clients, names.artifact_bucket(self._conn.account_id, req.config.region)
        )
        params = stack_parameters(req, bucket.bucket, self._conn.kind.value)
        state = self._cf.stack(names.stack)
        if state is not None and state.status == "ROLLBACK_COMPLETE":
            raise DeployError(
                f"stack {names.stack} is ROLLBACK_COMPLETE: its first creation failed and was "
                "rolled back, and CloudFormation cannot update it. Delete it (`aws cloudformation "
                f"delete-stack --stack-name {names.stack}`) and deploy again"
            )
        deployment_id = self._new_id()
        if req.dry_run:
            if req.artifact.path is None and not bucket.has(req.artifact.digest):
                raise ArtifactNotFound(
                    req.artifact.digest,
                    (f"{req.build_dir}/*.zip", bucket.location(req.artifact.digest)),
                )
            return self._dry_run(req, state, params, deployment_id)
        if ensure_artifact_bucket(
            self._conn.clients, bucket.bucket, self._conn.account_id, self._emit
        ):
            self._emit(f"created artifact bucket {bucket.bucket}")
        if bucket.ensure_uploaded(req.artifact, req.build_dir):
            self._emit(f"uploaded {req.artifact.path} to {bucket.location(req.artifact.digest)}")
        else:
            self._emit(f"artifact already at {bucket.location(req.artifact.digest)}")
        if state is None or not state.holds_resources:
            self._bootstrap(
                template,
                names.stack,
                names.deployments_table,
                deployment_id,
                self._service_role(req),
            )
        return self._locked_deploy(req, template, params, deployment_id)

    def _service_role(self, req: DeployRequest) -> str | None:
        """The CloudFormation service role every change set runs under (config: deploy)."""
        return req.config.deploy.cloudformation_role_arn(self._conn.account_id, req.config.region)

    def _dry_run(
        self,
        req: DeployRequest,
        state: StackState | None,
        params: Mapping[str, str],
        deployment_id: str,
    ) -> DeployResult:
        creates = state is None or not state.holds_resources
        change_set = self._cf.create(
            req.config.names.stack,
            f"dry-run-{deployment_id}",
            _compact(req.template_body),
            params,
            "CREATE" if creates else "UPDATE",
            self._service_role(req),
        )
        try:
            self._show_plan(change_set, state, params, dry_run=True)
        finally:
            self._cf.discard(change_set, delete_empty_stack=creates)
        self._emit("dry run: nothing was changed")
        outcome = Outcome.NO_CHANGE if change_set.no_change else Outcome.PLANNED
        return DeployResult(outcome, change_set.plan, notes=("dry run",))

    def _bootstrap(
        self,
        template: Mapping[str, Any],
        stack: str,
        table: str,
        deployment_id: str,
        role_arn: str | None,
    ) -> None:
        self._emit(
            f"first deploy of stack {stack}: creating it with the deployments table {table} "
            "only, so the deploy lock and records have a home"
        )
        try:
            change_set = self._cf.create(
                stack,
                f"bootstrap-{deployment_id}",
                bootstrap_template(template, table),
                {},
                "CREATE",
                role_arn,
            )
            self._cf.execute(change_set, self._emit)
        except AwsCallFailed as exc:
            if not is_concurrent_create(exc):
                raise
            self._emit(f"another deploy is creating stack {stack}; waiting for it ({exc.code})")
            self._cf.wait_settled(stack)

    def _locked_deploy(
        self,
        req: DeployRequest,
        template: Mapping[str, Any],
        params: Mapping[str, str],
        deployment_id: str,
    ) -> DeployResult:
        names = req.config.names
        clients = self._conn.clients
        lock = DeployLock(clients, names.deployments_table, req.config.name)
        owner = f"{req.actor} (deployment {deployment_id})"
        held, broken = lock.acquire(
            owner, deployment_id, self._clock.now(), req.break_lock, self._lock_ttl
        )
        store = RecordStore(clients, names.deployments_table, req.config.name)
        record = DeploymentRecord(
            deployment_id=deployment_id,
            env=req.config.name,
            target=self._conn.kind.value,
            digest=req.artifact.digest,
            commit=req.commit,
            actor=req.actor,
            started_at=held.acquired_at,
        )
        plan: Plan | None = None
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
            plan, outcome, verification = self._apply(req, template, params, deployment_id)
            notes = tuple(verification.lines()) if verification else ()
            record = record.finish(outcome, self._clock.now(), plan.summary(), notes=notes)
            store.save(record)
            return DeployResult(outcome, plan, record, verification)
        except BaseException as exc:  # record every failure (even Ctrl-C), then re-raise
            summary = plan.summary() if plan else ""
            error = str(exc) if isinstance(exc, InfraError) else f"{type(exc).__name__}: {exc}"
            failed = record.finish(Outcome.FAILED, self._clock.now(), summary, error=error)
            self._best_effort(lambda: store.save(failed), "record the failure")
            raise
        finally:
            self._best_effort(lambda: self._release(lock, deployment_id), "release the lock")

    def _apply(
        self,
        req: DeployRequest,
        template: Mapping[str, Any],
        params: Mapping[str, str],
        deployment_id: str,
    ) -> tuple[Plan, Outcome, Verification | None]:
        stack = req.config.names.stack
        state = self._cf.stack(stack)
        change_set = self._cf.create(
            stack,
            f"deploy-{deployment_id}",
            _compact(req.template_body),
            params,
            "UPDATE",
            self._service_role(req),
        )
        apply = self._show_plan(change_set, state, params)
        if not apply:
            self._cf.discard(change_set, delete_empty_stack=False)
            self._emit("no changes: the stack already runs this template and artifact")
            return change_set.plan, Outcome.NO_CHANGE, self._verify(req, template)
        self._emit(f"applying change set to {stack}:")
        self._cf.execute(change_set, self._emit)
        verification = self._verify(req, template)
        return change_set.plan, Outcome.SUCCEEDED, verification

    def _show_plan(
        self,
        change_set: ChangeSet,
        state: StackState | None,
        params: Mapping[str, str],
        dry_run: bool = False,
    ) -> bool:
        """Print the plan; True when it has something to apply."""
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
            and state is not None
            and dict(state.parameters) != dict(params)
        ):
            verb = "a deploy would apply" if dry_run else "applying"
            self._emit(f"  (the emulator lists no changes for new parameter values; {verb} them)")
            return True
        return False

    def _verify(self, req: DeployRequest, template: Mapping[str, Any]) -> Verification:
        verifier = Verifier(self._conn.clients, req.config, self._conn.account_id)
        verification = verifier.verify(template, req.artifact.digest, req.live_version)
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


def _compact(template_body: str) -> str:
    """Same template, fewer bytes (TemplateBody is limited to 51,200)."""
    return json.dumps(json.loads(template_body), separators=(",", ":"), sort_keys=True)
