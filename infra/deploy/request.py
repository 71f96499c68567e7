"""What a deploy is asked to do and what it did, as data, and the stack parameters it sends."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from infra.aws.errors import AwsCallFailed
from infra.config.model import EnvironmentConfig
from infra.deploy.artifact_store import DEFAULT_BUILD_DIR, Artifact
from infra.deploy.errors import DeployUsageError
from infra.deploy.plan import Plan
from infra.deploy.records import DeploymentRecord, Outcome
from infra.deploy.steps import DeployPlan
from infra.deploy.template_check import require_lint_clean
from infra.deploy.verify import Verification
from infra.templates import contract

Emit = Callable[[str], None]
_COMMIT = re.compile(contract.COMMIT_PATTERN)


@dataclass(frozen=True)
class DeployOptions:
    """How to deploy, besides what (environment, template, artifact)."""

    commit: str = "unknown"
    actor: str = "unknown"
    app_version: str = "0.0.0"
    live_version: str = ""  # pin the live alias to this version (a canary does)
    template: Path | None = None  # default: synthesize the environment's template
    dry_run: bool = False
    break_lock: bool = False
    build_dir: Path = DEFAULT_BUILD_DIR
    # The token of the environment lock the caller already holds (a promotion deploying its
    # candidate): the deploy checks it still holds it, and neither takes nor releases it.
    held_lock: str = ""

    def __post_init__(self) -> None:
        if not _COMMIT.fullmatch(self.commit):
            raise DeployUsageError(
                f"--commit {self.commit!r} must be a 7-40 character hex id or unknown"
            )


@dataclass(frozen=True)
class DeployRequest:
    config: EnvironmentConfig
    template_body: str
    template_name: str
    artifact: Artifact
    options: DeployOptions = field(default_factory=DeployOptions)
    lint_checked: bool = False  # the caller already ran `lint_template` (before connecting)


@dataclass(frozen=True)
class DeployResult:
    outcome: Outcome
    plan: Plan | None
    record: DeploymentRecord | None = None
    verification: Verification | None = None
    notes: tuple[str, ...] = field(default=())
    deploy_plan: DeployPlan | None = None


def lint_template(req: DeployRequest, emit: Emit) -> None:
    """Refuse a template cfn-lint rejects (TemplateInvalid); print its warnings."""
    for warning in require_lint_clean(req.template_body, req.template_name, req.config.region):
        emit(f"cfn-lint warning: {warning}")


def stack_parameters(req: DeployRequest, artifact_bucket: str, target: str) -> dict[str, str]:
    return {
        contract.PARAM_DEPLOY_TARGET: target,
        contract.PARAM_ARTIFACT_BUCKET: artifact_bucket,
        contract.PARAM_ARTIFACT_DIGEST: req.artifact.digest,
        contract.PARAM_GIT_COMMIT: req.options.commit,
        contract.PARAM_APP_VERSION: req.options.app_version,
        contract.PARAM_LIVE_VERSION: req.options.live_version,
    }


def is_concurrent_create(exc: AwsCallFailed) -> bool:
    """The bootstrap lost a race: another first deploy created (or is creating) the stack."""
    text = str(exc).lower()
    return exc.code == "AlreadyExistsException" or (
        exc.code == "ValidationError"
        and any(word in text for word in ("already exists", "in_progress state", "obsolete"))
    )
