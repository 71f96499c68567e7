"""Which target a release goes to, and why: pure decisions plus one boto3 adapter."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from infra.aws.sessions import credential_source
from pipeline.catalog import RELEASE_ENVS
from pipeline.release.errors import ReleaseUsageError

__all__ = ["Target", "TargetChoice", "check_env", "choose_target", "credential_source"]

KNOWN_ENVS = (*RELEASE_ENVS, "prod")


class Target(StrEnum):
    LOCAL = "local"
    AWS = "aws"


@dataclass(frozen=True)
class TargetChoice:
    target: Target
    reason: str

    def describe(self) -> str:
        return f"target: {self.target.value} ({self.reason})"


def choose_target(
    requested: str | None, credential_source: str | None, given_by: str = "--target"
) -> TargetChoice:
    """`--target` when given; else aws when boto3's credential chain found credentials (named
    by their source, never their value), else the local emulator."""
    if requested is not None:
        try:
            return TargetChoice(Target(requested), f"chosen with {given_by}")
        except ValueError:
            choices = ", ".join(t.value for t in Target)
            raise ReleaseUsageError(f"{given_by} {requested!r}: choose one of {choices}") from None
    if credential_source:
        return TargetChoice(Target.AWS, f"AWS credentials found ({credential_source})")
    return TargetChoice(
        Target.LOCAL, "no AWS credentials configured, so the embedded local emulator"
    )


def check_env(env: str, allowed: tuple[str, ...] = KNOWN_ENVS) -> str:
    """The environment name, or ReleaseUsageError naming the choices."""
    if env not in allowed:
        raise ReleaseUsageError(
            f"--env {env!r} is not an environment: choose one of {', '.join(allowed)}"
        )
    return env
