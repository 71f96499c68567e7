"""Which target a command goes to, and opening it: the auto choice (with the reason it prints)
and, for the local target, whether the command may start the emulator."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from infra.aws.sessions import credential_source
from infra.errors import UsageError
from infra.targets.aws import AwsTarget
from infra.targets.base import AUTO, TARGET_CHOICES, Target, TargetChoice, TargetKind
from infra.targets.local import LocalTarget
from infra.targets.local_emulator import STATE_DIR


def choose_target(
    requested: str | None,
    given_by: str = "--target",
    find_credentials: Callable[[], str | None] | None = None,
) -> TargetChoice:
    """The named target; for none (or `auto`), aws when boto3's credential chain finds
    credentials (named by their source, never their value), else the local emulator."""
    if requested is not None and requested != AUTO:
        try:
            return TargetChoice(TargetKind(requested), f"chosen with {given_by}")
        except ValueError:
            raise UsageError(
                f"{given_by} {requested!r}: choose one of {', '.join(TARGET_CHOICES)}"
            ) from None
    source = (find_credentials or credential_source)()
    if source:
        return TargetChoice(TargetKind.AWS, f"AWS credentials found ({source})")
    return TargetChoice(
        TargetKind.LOCAL, "no AWS credentials configured, so the embedded local emulator"
    )


def open_target(kind: TargetKind, *, start: bool, state_dir: Path = STATE_DIR) -> Target:
    """AWS, or the local emulator: started on demand when `start` (deploys), else the one that
    already runs (status, history: they never start one)."""
    if kind is TargetKind.AWS:
        return AwsTarget()
    return LocalTarget.start(state_dir) if start else LocalTarget.running(state_dir)
