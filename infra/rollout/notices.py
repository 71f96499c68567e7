"""What the rollout tells people, and delivery that never stops a promotion: a notifier that
raises or reports a failure only adds a note to the record (healthy: INFO, rollback: P0)."""

from __future__ import annotations

from collections.abc import Mapping

from infra.rollout.ports import Notification, Notifier, Severity
from infra.rollout.record import RolloutRecord


def notification(
    record: RolloutRecord,
    event: str,
    severity: Severity,
    title: str,
    body: str,
    extra: Mapping[str, str] | None = None,
) -> Notification:
    fields = {
        "rollout": record.rollout_id,
        "kind": record.kind.value,
        "digest": record.digest,
        "stable_version": record.stable_version,
        "canary_version": record.canary_version,
        "requested_by": record.requested_by,
        "weight": f"{record.weight}%",
        **(extra or {}),
    }
    return Notification(
        event=f"rollout.{event}",
        severity=severity,
        title=f"[{record.env}] {title}",
        body=body,
        env=record.env,
        fields=fields,
    )


def deliver(notifier: Notifier, record: RolloutRecord, n: Notification) -> RolloutRecord:
    """Send; on failure return the record with a note saying which notification was lost."""
    try:
        report = notifier.notify(n)
    except Exception as exc:  # a notifier's failure must never stop or roll back a promotion
        return record.note(
            f"notification {n.event} ({n.severity.value}) failed: {type(exc).__name__}: {exc}"[:300]
        )
    if not report.ok:
        return record.note(
            f"notification {n.event} ({n.severity.value}) not delivered: {report.detail}"[:300]
        )
    return record


def cause_text(record: RolloutRecord) -> str:
    """The last measurements that caused a rollback, on one line."""
    return "; ".join(
        f"{m.metric.value}/{m.source}={m.value if m.value is not None else '-'} "
        f"(limit {m.limit:g}): {m.detail}"
        for m in record.cause[-5:]
    )[:1000]
