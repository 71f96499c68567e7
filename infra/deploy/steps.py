"""The deploy plan: every effect a deploy will have, as data, computed before any of them (read
calls only). A dry run prints it and stops; a deploy prints it, then applies it in order."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.deploy.bucket_policy import BucketFix
from infra.deploy.plan import Plan, render_plan


@dataclass(frozen=True)
class CreateBucket:
    """The environment's artifact bucket does not exist yet."""

    bucket: str

    def describe(self) -> str:
        return f"create the artifact bucket {self.bucket}"


@dataclass(frozen=True)
class SecureBucket:
    """The artifact bucket falls short of the reports bucket's policy (or is new): fix each."""

    bucket: str
    fixes: tuple[BucketFix, ...]
    existing: bool  # an existing bucket that drifted: each fix is reported as a warning
    tls_skipped: bool = False  # the local emulator serves plain HTTP: no TLS-only policy

    def describe(self) -> str:
        what = "; ".join(fix.value for fix in self.fixes)
        drift = "fix drift of" if self.existing else "secure"
        skipped = " (no TLS-only policy on the local emulator: it serves plain HTTP)"
        return f"{drift} the artifact bucket {self.bucket}: {what}{skipped * self.tls_skipped}"


@dataclass(frozen=True)
class UploadArtifact:
    """The artifact is not in the bucket yet (keys are content addressed)."""

    source: Path
    location: str

    def describe(self) -> str:
        return f"upload {self.source} to {self.location}"


@dataclass(frozen=True)
class UploadTemplate:
    """The template is over CloudFormation's TemplateBody limit: the change set reads it from
    the artifact bucket (content-addressed key) by TemplateURL."""

    location: str
    size: int
    limit: int

    def describe(self) -> str:
        return (
            f"upload the template ({self.size:,} bytes, over the {self.limit:,}-byte "
            f"TemplateBody limit) to {self.location}"
        )


@dataclass(frozen=True)
class BootstrapStack:
    """First deploy: the stack is created with its deployments table only, the lock's home."""

    stack: str
    table: str

    def describe(self) -> str:
        return (
            f"create stack {self.stack} with only its deployments table {self.table} (first "
            "deploy: the deploy lock and records live there)"
        )


Preparation = CreateBucket | SecureBucket | UploadArtifact | UploadTemplate | BootstrapStack


@dataclass(frozen=True)
class LockedApply:
    """Under the environment's lock: record the deployment, create and execute the change set,
    verify through each service's API, record the outcome, release the lock."""

    env: str
    stack: str
    table: str
    break_lock: bool

    def describe(self, monitoring: EnsureMonitoring | None = None) -> list[str]:
        lock = "take the deploy lock" + (" (breaking a stale one: --break-lock)" * self.break_lock)
        return [
            f"{lock} of {self.env} in {self.table} and record the deployment as in progress",
            f"create a change set on {self.stack}, print CloudFormation's plan, execute it",
            "verify through each service's API",
            *([monitoring.describe()] if monitoring is not None else []),
            "record the outcome, release the lock",
        ]


@dataclass(frozen=True)
class EnsureMonitoring:
    """After verification, the catalog's alarms and dashboard (a failed check fails the
    deploy). The emulator's CloudFormation skips them: locally they are created through the
    APIs, then read back; on AWS the stack created them: read back only."""

    dashboard: str
    alarms: int
    composites: int
    create: bool  # the local target: create through the CloudWatch, SNS and Logs APIs

    def describe(self) -> str:
        if self.create:
            return (
                f"create the {self.alarms} alarms, the dashboard {self.dashboard}, the severity "
                "topics and the log metric filters through the CloudWatch, SNS and Logs APIs "
                "(the emulator's CloudFormation skips them) and read them back; the "
                f"{self.composites} composite alarms are the local evaluator's (the emulator "
                "has none)"
            )
        return (
            f"read back the stack's {self.alarms} alarms, {self.composites} composite alarms, "
            f"the dashboard {self.dashboard} and the daily cost budget"
        )


@dataclass(frozen=True)
class DeployPlan:
    """What one deploy will do. `preview`: the resource changes, from comparing the stack's
    template and parameters with the new ones (read-only; CloudFormation decides replacements
    when the change set is created). `in_place`: what already exists and is left alone."""

    env: str
    target: str
    digest: str
    deployment_id: str
    prepare: tuple[Preparation, ...]
    apply: LockedApply
    preview: Plan
    parameters: Mapping[str, str]
    template: Mapping[str, Any] = field(repr=False)
    in_place: tuple[str, ...] = ()
    role_arn: str | None = None  # the CloudFormation service role every change set runs under
    monitoring: EnsureMonitoring | None = None  # after verification (None: not checked)
    template_url: str | None = None  # set when the template goes by TemplateURL (too big)

    @property
    def creates_stack(self) -> bool:
        return any(isinstance(step, BootstrapStack) for step in self.prepare)


def render_deploy_plan(plan: DeployPlan) -> list[str]:
    """Numbered lines, one per effect, then what is already in place and the resource changes."""
    steps = [step.describe() for step in plan.prepare] + plan.apply.describe(plan.monitoring)
    lines = [
        f"deploy plan for {plan.env} (digest {plan.digest[:12]}, target {plan.target}, "
        f"deployment {plan.deployment_id}):"
    ]
    lines += [f"  {number}. {text}" for number, text in enumerate(steps, start=1)]
    lines += [f"  already in place: {what}" for what in plan.in_place]
    return lines + render_plan(plan.preview, "resource changes, from comparing templates")
