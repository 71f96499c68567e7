"""The release's domain errors; each carries the CLI exit code it maps to."""

from __future__ import annotations

from pipeline.catalog import DEGRADED_EXIT
from pipeline.errors import StepFailed, UsageError


class ReleaseError(StepFailed):
    """A release step failed (exit 1); the message says what and what to do."""


class ReleaseUsageError(UsageError, ReleaseError):
    """Bad command line or configuration: nothing was changed (exit 2)."""


class SmokeFailed(ReleaseError):
    """The smoke tests failed against an environment."""


class E2EFailed(ReleaseError):
    """The end-to-end suite failed against an environment."""


class PerfGateFailed(ReleaseError):
    """The perf gate judged a run Failed (or Error); the message names the exceeded limits."""


class StageDegraded(ReleaseError):
    """The stage ran but could not judge everything (e.g. perf Inconclusive): the catalog's
    degraded exit, never a pass. Its entry prints the reason as `degraded: ...`."""

    exit_code = DEGRADED_EXIT
