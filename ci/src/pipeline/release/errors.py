"""The release's domain errors; each carries the CLI exit code it maps to."""

from __future__ import annotations

from pipeline.errors import EXIT_FAILED, EXIT_USAGE


class ReleaseError(Exception):
    """A release step failed (exit 1); the message says what and what to do."""

    exit_code = EXIT_FAILED


class ReleaseUsageError(ReleaseError):
    """Bad command line or configuration: nothing was changed (exit 2)."""

    exit_code = EXIT_USAGE


class SmokeFailed(ReleaseError):
    """The smoke tests failed against an environment."""
