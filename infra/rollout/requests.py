"""`rollout promote [--full]` and `rollout abort`: requests appended to the active rollout's
record. A live controller (fresh heartbeat) acts on them within its poll interval; when none is
running (paused, or killed) this process resumes the rollout and acts itself."""

from __future__ import annotations

from infra.rollout.commands import RolloutPorts, active_rollout, required, resume
from infra.rollout.record import Request, RequestKind, RolloutRecord, Status


def promote_now(env: str, by: str, ports: RolloutPorts, full: bool = False) -> RolloutRecord:
    """End the current pause or analysis step (full: go to 100 % now; the watch still runs)."""
    kind = RequestKind.PROMOTE_FULL if full else RequestKind.PROMOTE
    return _request(env, kind, required(by, "by", "who promotes"), ports)


def abort(env: str, by: str, ports: RolloutPorts) -> RolloutRecord:
    """Roll back now: the live controller does it within its poll interval, else this process."""
    return _request(env, RequestKind.ABORT, required(by, "by", "who aborts"), ports)


def controller_alive(record: RolloutRecord, now_s: float, poll_s: float) -> bool:
    """A running controller saves a heartbeat at least every poll; three missed: gone."""
    if record.status is not Status.RUNNING or record.heartbeat_at is None:
        return False
    return now_s - record.heartbeat_at.timestamp() <= max(10.0, 3 * poll_s)


def _request(env: str, kind: RequestKind, by: str, ports: RolloutPorts) -> RolloutRecord:
    record = active_rollout(env, ports.store)
    ports.store.add_request(record, Request(kind, by, ports.clock.now()))
    ports.emit(f"rollout {record.rollout_id}: {kind.value} requested by {by}")
    index = len(record.requests)  # our request's position
    waited = 0.0
    while controller_alive(record, ports.clock.now().timestamp(), ports.poll_s):
        if waited >= ports.handover_timeout_s:
            ports.emit(f"rollout {record.rollout_id}: the controller did not act; taking over")
            break
        ports.clock.sleep(ports.poll_s)
        waited += ports.poll_s
        record = ports.store.load(record) or record
        if record.handled_requests > index or record.status.terminal:
            return record
    return resume(env, ports)
