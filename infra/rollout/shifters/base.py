"""The traffic shifter interface: how much of the live traffic the canary gets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from infra.rollout.errors import ShiftFailed


@dataclass(frozen=True)
class Weights:
    """The share of live traffic (percent) that reaches `canary`; the rest reaches `stable`."""

    stable: str
    canary: str
    canary_percent: int


class TrafficShifter(Protocol):
    """Every change is read back; a router that does not show what was set raises ShiftFailed."""

    def set_weight(self, percent: int) -> Weights: ...

    def read_weight(self) -> Weights: ...

    def promote(self) -> Weights:
        """The canary becomes the live version at 100 % (the previous one keeps running);
        a no-op when it already is, so a rerun after a kill changes nothing."""
        ...

    def reset(self) -> Weights:
        """All traffic back to the stable version (rollback)."""
        ...


def check_percent(percent: int) -> int:
    """A canary share is a whole percent in 0..100."""
    if isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100:
        raise ShiftFailed(f"canary weight {percent!r} is not a whole percent in 0..100")
    return percent


def verify(expected: int, actual: Weights, where: str) -> Weights:
    if actual.canary_percent != expected:
        raise ShiftFailed(
            f"{where} reads back canary {actual.canary_percent}% after setting {expected}%: "
            "something else changed it, or the router did not apply it"
        )
    return actual
