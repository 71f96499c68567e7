"""The infra package's domain errors; `infra.cli` maps each to an exit code in one place."""

from __future__ import annotations


class InfraError(Exception):
    """Base of every error the infra CLI reports as a message instead of a traceback."""


class UsageError(InfraError):
    """The command line itself is wrong (unknown environment, missing directory...)."""
