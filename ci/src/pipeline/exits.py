"""The one place an error becomes a message and an exit code, for the `pipeline` CLI and the
stage entries alike: every error worth a message (not a traceback) carries its exit code."""

from __future__ import annotations

import sys
from typing import TextIO

from infra.errors import InfraError, exit_code_for
from pipeline.engines.base import EngineError
from pipeline.errors import StepFailed, UsageError

# Usage errors (the catalog's too), failed steps (the release's), engine and infra errors: each
# class says 1 (a step or check failed) or 2 (bad usage or configuration, nothing run).
REPORTED: tuple[type[Exception], ...] = (UsageError, StepFailed, EngineError, InfraError)

__all__ = ["REPORTED", "exit_code_for", "report"]


def report(exc: BaseException, stream: TextIO | None = None) -> int:
    """Print `error: <message>` (every line of it) and return the error's exit code."""
    out = stream or sys.stderr
    for line in str(exc).splitlines() or [type(exc).__name__]:
        print(f"error: {line}", file=out, flush=True)
    return exit_code_for(exc)
