"""The environment lock port over `infra.deploy.lock.DeployLock` (the lock module may move;
only this adapter follows it)."""

from __future__ import annotations

from datetime import timedelta

from infra.clock import Clock
from infra.deploy.lock import DeployLock


class DeployLockPort:
    """A restore holds the same lock a promotion does, for at most `ttl`."""

    def __init__(self, lock: DeployLock, clock: Clock, ttl: timedelta) -> None:
        self._lock = lock
        self._clock = clock
        self._ttl = ttl

    def holder(self) -> str | None:
        current = self._lock.current()
        if current is None:
            return None
        return f"{current.owner} since {current.acquired_at.isoformat()}"

    def acquire(self, owner: str, token: str) -> None:
        self._lock.acquire(owner, token, self._clock.now(), break_lock=False, ttl=self._ttl)

    def release(self, token: str) -> None:
        self._lock.release(token)
