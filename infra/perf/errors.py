"""The perf stage's errors: each carries its exit code (2 config/usage, 1 a failed step)."""

from __future__ import annotations

from infra.errors import EXIT_USAGE, InfraError


class PerfError(InfraError):
    """The perf run could not be carried out (exit 1); nothing is recorded."""


class PerfConfigError(PerfError):
    """The environment's perf config is missing or refuses this run (exit 2)."""

    exit_code = EXIT_USAGE


class EndpointUnreachable(PerfError):
    """Nothing usable answers at the API's base URL."""


class GeneratorFailed(PerfError):
    """The load generator could not run or crashed; its log says why."""
