"""What a target is: where an environment's AWS resources live (real AWS, or the local emulator),
how to talk to it, how long to wait on it, how the environment's API is reached, and what the
target does around the stages of a run (its lifecycle)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from infra.errors import UsageError

if TYPE_CHECKING:
    from infra.aws import AwsClients
    from infra.config.model import EnvironmentConfig

AUTO = "auto"  # the requested target when none is named: aws if credentials, else local


class TargetKind(StrEnum):
    AWS = "aws"
    LOCAL = "local"


TARGET_CHOICES = (AUTO, *(kind.value for kind in TargetKind))


@dataclass(frozen=True)
class TargetChoice:
    """The target a command goes to, and why (printed, so a user sees what was picked)."""

    kind: TargetKind
    reason: str

    def describe(self) -> str:
        return f"target: {self.kind.value} ({self.reason})"


@dataclass(frozen=True)
class WaitPolicy:
    """How often and how long to poll CloudFormation on this target."""

    poll_seconds: float
    timeout_seconds: float


@dataclass(frozen=True)
class Connection:
    """Clients for a target, checked with one STS call (which also gives the account id)."""

    clients: AwsClients
    kind: TargetKind
    waits: WaitPolicy
    account_id: str
    notes: tuple[str, ...] = field(default=())  # what to tell the user about the target


class Target(Protocol):
    """Real AWS or the local emulator; implemented by `aws.AwsTarget` and `local.LocalTarget`."""

    @property
    def kind(self) -> TargetKind: ...

    def connect(self, region: str) -> Connection:
        """Clients for `region`, checked (credentials valid, or the emulator answers)."""
        ...

    def api_url(self, config: EnvironmentConfig) -> str:
        """Where the environment's HTTP API answers; TargetError saying how to get one."""
        ...


class TargetError(UsageError):
    """The target cannot do what was asked (nothing served, no API URL): exit 2."""


class Lifecycle(Protocol):
    """What a target does around the stages of one run, keyed by stage kind (`deploy`,
    `smoke`, ...) and environment. The local target serves an environment's app after its
    deploy passed; later kinds (promotion) hook in here the same way."""

    def before_stage(self, kind: str, env: str) -> str | None:
        """Prepare for the stage; returns a line to show, or None. Raise to stop it."""
        ...

    def after_stage(self, kind: str, env: str, passed: bool) -> str | None:
        """Follow up on the stage; returns a line to show, or None. Raise to fail it."""
        ...

    def close(self) -> str | None:
        """Stop what must not outlive the run; returns a line to show, or None."""
        ...


class NoLifecycle:
    """A target that needs nothing around stages (AWS: everything is in the account)."""

    def before_stage(self, kind: str, env: str) -> str | None:
        return None

    def after_stage(self, kind: str, env: str, passed: bool) -> str | None:
        return None

    def close(self) -> str | None:
        return None
