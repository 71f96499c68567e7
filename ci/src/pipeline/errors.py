"""The pipeline's exit codes and the base of its usage errors. Every error the CLI reports
carries the exit code it maps to (`pipeline.cli.exits` is the one place that turns an error
into a message and that code). Standard library only: the Dagger module imports it."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1  # a stage or a check failed
EXIT_USAGE = 2  # bad usage or configuration: nothing was run


class UsageError(Exception):
    """Bad command line or configuration: exit 2, nothing run."""

    exit_code = EXIT_USAGE


class StepFailed(Exception):
    """A step failed (exit 1); the message says what and what to do."""

    exit_code = EXIT_FAILED
