"""The per-environment deploy lock: one item in the deployments table, written with a
conditional PutItem so two deploys can never both hold it. The decision is pure."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from infra.aws.items import Condition, ConditionFailed, Item, ItemTable, absent
from infra.deploy.errors import LockHeld
from infra.deploy.table_items import (
    LOCK_SORT_KEY,
    PARTITION_KEY,
    SORT_KEY,
    format_time,
    parse_time,
)

DEFAULT_TTL = timedelta(minutes=45)


@dataclass(frozen=True)
class Lock:
    """Who holds an environment's lock, since when, until when."""

    env: str
    owner: str
    token: str  # the holder's deployment id: only the holder may release
    acquired_at: datetime
    expires_at: datetime

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expires_at


class LockDecision(StrEnum):
    ACQUIRE = "acquire"  # nobody holds it
    REFUSE = "refuse"  # a live deploy holds it
    REFUSE_STALE = "refuse-stale"  # expired: the holder probably died; breaking is explicit
    BREAK = "break"  # --break-lock: remove the holder's lock, then acquire


def decide(existing: Lock | None, now: datetime, break_lock: bool) -> LockDecision:
    """What to do about the current lock."""
    if existing is None:
        return LockDecision.ACQUIRE
    if break_lock:
        return LockDecision.BREAK
    return LockDecision.REFUSE_STALE if existing.is_expired(now) else LockDecision.REFUSE


class DeployLock:
    """The lock item in one deployments table."""

    def __init__(self, table: ItemTable, env: str) -> None:
        self._table = table
        self._env = env

    def acquire(
        self, owner: str, token: str, now: datetime, break_lock: bool, ttl: timedelta = DEFAULT_TTL
    ) -> tuple[Lock, Lock | None]:
        """Take the lock; returns it and the lock that was broken (if any). Raises LockHeld."""
        mine = Lock(self._env, owner, token, now, now + ttl)
        if self._put_if_absent(mine):
            return mine, None
        existing = self.current()
        decision = decide(existing, now, break_lock)
        if decision is LockDecision.ACQUIRE:  # released between our put and our read
            if self._put_if_absent(mine):
                return mine, None
            existing = self.current()
            decision = decide(existing, now, break_lock)
        if existing is None or decision in (LockDecision.REFUSE, LockDecision.REFUSE_STALE):
            raise self._held(existing, now)
        with contextlib.suppress(ConditionFailed):  # released or broken meanwhile
            self._delete(existing.token)
        if not self._put_if_absent(mine):
            raise self._held(self.current(), now)
        return mine, existing

    def release(self, token: str) -> bool:
        """Remove the lock if `token` still holds it; False when someone broke it meanwhile."""
        try:
            self._delete(token)
        except ConditionFailed:
            return False
        return True

    def current(self) -> Lock | None:
        item = self._table.get(self._key(), "deploy lock")
        if not item:
            return None
        return Lock(
            env=self._env,
            owner=item["owner"]["S"],
            token=item["token"]["S"],
            acquired_at=parse_time(item["acquired_at"]["S"]),
            expires_at=parse_time(item["expires_at"]["S"]),
        )

    def _key(self) -> Item:
        return {PARTITION_KEY: {"S": self._env}, SORT_KEY: {"S": LOCK_SORT_KEY}}

    def _put_if_absent(self, lock: Lock) -> bool:
        item = {
            **self._key(),
            "owner": {"S": lock.owner},
            "token": {"S": lock.token},
            "acquired_at": {"S": format_time(lock.acquired_at)},
            "expires_at": {"S": format_time(lock.expires_at)},
        }
        try:
            self._table.put(item, "deploy lock", absent(PARTITION_KEY))
        except ConditionFailed:
            return False
        return True

    def _delete(self, token: str) -> None:
        held_by = Condition(
            "#token = :token",
            {"#token": "token"},  # pragma: allowlist secret
            {":token": {"S": token}},
        )
        self._table.delete(self._key(), "deploy lock", held_by)

    def _held(self, existing: Lock | None, now: datetime) -> LockHeld:
        if existing is None:
            return LockHeld(self._env, "another deploy", now, now, stale=False)
        return LockHeld(
            self._env,
            existing.owner,
            existing.acquired_at,
            existing.expires_at,
            stale=existing.is_expired(now),
        )
