"""The port to the local emulator's measured capacity (`infra/targets/local_capacity.py`,
bound by the caller): derived local load, the ceiling a run ran under, and whether a run
saturated the emulator (then the gate says Inconclusive, never Failed nor Successful)."""

from __future__ import annotations

from typing import Protocol

from infra.config.perf import LoadProfile
from infra.perf.measure import RunStats


class EmulatorCapacity(Protocol):
    def local_load(self, configured: LoadProfile) -> LoadProfile | None:
        """Load settings derived from the measured ceilings; None keeps the configured ones."""
        ...

    def ceiling(self) -> str:
        """The measured ceiling (and a runtime probe, if taken), one line for the report."""
        ...

    def saturated(self, stats: RunStats) -> str | None:
        """Why this run saturated the emulator, or None when it did not."""
        ...

    def comparable_key(self) -> str:
        """What else two local runs must share to be compared (baseline): the emulator's
        data-table size band, since its Query cost grows with the table; '' for nothing."""
        ...
