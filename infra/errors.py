"""The infra package's domain errors. Each carries the exit code it maps to, so every CLI maps
errors in one place (`exit_code_for`): 1 a step or check failed, 2 bad usage or configuration."""

from __future__ import annotations

EXIT_FAILED = 1
EXIT_USAGE = 2


class InfraError(Exception):
    """Base of every error the CLIs report as a message instead of a traceback."""

    exit_code = EXIT_FAILED


class UsageError(InfraError):
    """The command line itself is wrong (unknown environment, missing directory...)."""

    exit_code = EXIT_USAGE


def exit_code_for(error: BaseException) -> int:
    """The exit code of a domain error (its class says); anything else is a failed step."""
    code = getattr(error, "exit_code", EXIT_FAILED)
    return code if isinstance(code, int) else EXIT_FAILED
