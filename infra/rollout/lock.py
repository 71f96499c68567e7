"""The deploy lock as the rollout's LockPort: one promotion (or deploy) per environment at a
time. The only import of infra.deploy.lock on the rollout side, so a move touches this file."""

from __future__ import annotations

from datetime import timedelta

from infra.clock import Clock
from infra.deploy.lock import DeployLock


class DeployLockPort:
    def __init__(self, lock: DeployLock, clock: Clock) -> None:
        self._lock = lock
        self._clock = clock

    def acquire(self, owner: str, token: str, ttl: timedelta) -> None:
        """A rollout's own lock (same token: its controller was killed) is taken over; any
        other holder refuses with LockHeld."""
        current = self._lock.current()
        mine = current is not None and current.token == token
        self._lock.acquire(owner, token, self._clock.now(), break_lock=mine, ttl=ttl)

    def release(self, token: str) -> None:
        self._lock.release(token)
