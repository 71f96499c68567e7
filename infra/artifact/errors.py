"""Errors of the bundle build (a failed external tool, an oversized bundle)."""

from __future__ import annotations


class BuildError(Exception):
    """The bundle could not be built; the message names the step and what to do."""


class BundleTooLarge(BuildError):
    """The zip exceeds the size budget."""
