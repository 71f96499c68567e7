"""The release's domain errors; each carries the CLI exit code it maps to."""

from __future__ import annotations

from pipeline.errors import StepFailed, UsageError


class ReleaseError(StepFailed):
    """A release step failed (exit 1); the message says what and what to do."""


class ReleaseUsageError(UsageError, ReleaseError):
    """Bad command line or configuration: nothing was changed (exit 2)."""


class SmokeFailed(ReleaseError):
    """The smoke tests failed against an environment."""
