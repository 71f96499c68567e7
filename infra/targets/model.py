"""The deploy targets as data."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class TargetKind(StrEnum):
    AWS = "aws"
    LOCAL = "local"
    AUTO = "auto"  # aws when credentials are configured, else local


@dataclass(frozen=True)
class WaitPolicy:
    """How often and how long to poll CloudFormation on this target."""

    poll_seconds: float
    timeout_seconds: float


AWS_WAITS = WaitPolicy(poll_seconds=5.0, timeout_seconds=3600.0)
# The emulator applies synchronously; a resource that fails there never rolls back, so a short
# timeout turns "stuck IN_PROGRESS" into an error quickly.
LOCAL_WAITS = WaitPolicy(poll_seconds=0.1, timeout_seconds=60.0)


def resolve_kind(requested: TargetKind) -> TargetKind:
    """`auto` is AWS when the credential chain yields credentials, otherwise the emulator."""
    from infra.aws.sessions import credential_source

    if requested is not TargetKind.AUTO:
        return requested
    return TargetKind.AWS if credential_source() else TargetKind.LOCAL
