"""What a gate concludes, and the errors that stop a gate from concluding anything."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from pipeline.catalog import DEGRADED_EXIT


class GateExit(IntEnum):
    PASSED = 0
    FINDINGS = 1
    UNUSABLE = 2  # the gate could not run: tool missing, input missing, tool crashed
    DEGRADED = DEGRADED_EXIT  # ran, but could not check everything (never a silent pass)


@dataclass(frozen=True)
class GateResult:
    """A gate's verdict: detail lines for the log, then one summary line."""

    exit: GateExit
    summary: str
    details: tuple[str, ...] = ()


class GateError(Exception):
    """The gate cannot reach a verdict; the message says what to do. Exit code 2."""


class ToolNotInstalled(GateError):
    """A scanner is not on PATH."""


class ToolFailed(GateError):
    """A scanner ran but crashed or did not write the report it was asked for."""


class GateInputError(GateError):
    """Something the gate reads is missing or malformed (build/synth, .secrets.baseline, a lock)."""
