"""The lock decision, with the edges on each side of expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from infra.deploy.lock import Lock, LockDecision, decide

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
EXPIRES = T0 + timedelta(minutes=45)
HELD = Lock("dev", "alice@laptop", "abc123", T0, EXPIRES)
TICK = timedelta(microseconds=1)


@pytest.mark.parametrize(
    ("existing", "now", "break_lock", "expected"),
    [
        (None, T0, False, LockDecision.ACQUIRE),
        (None, T0, True, LockDecision.ACQUIRE),
        (HELD, T0, False, LockDecision.REFUSE),
        (HELD, EXPIRES - TICK, False, LockDecision.REFUSE),
        (HELD, EXPIRES, False, LockDecision.REFUSE_STALE),
        (HELD, EXPIRES + TICK, False, LockDecision.REFUSE_STALE),
        (HELD, EXPIRES - TICK, True, LockDecision.BREAK),
        (HELD, EXPIRES + TICK, True, LockDecision.BREAK),
    ],
)
def test_decide(
    existing: Lock | None, now: datetime, break_lock: bool, expected: LockDecision
) -> None:
    assert decide(existing, now, break_lock) is expected


@pytest.mark.parametrize(
    ("now", "expired"),
    [(EXPIRES - TICK, False), (EXPIRES, True), (EXPIRES + TICK, True)],
)
def test_is_expired_edges(now: datetime, expired: bool) -> None:
    assert HELD.is_expired(now) is expired
