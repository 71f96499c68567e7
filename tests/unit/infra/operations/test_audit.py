"""Audit records: the item mapping round-trips and sorts in time order."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from infra.operations.audit import AuditOutcome, AuditRecord, from_item, to_item

AT = datetime(2026, 6, 1, 12, 30, 5, 123456, tzinfo=UTC)


@pytest.mark.parametrize(
    "record",
    [
        AuditRecord(
            "a1",
            "prod",
            "users.create",
            "ann@example.com",
            "me@host",
            "lead",
            AT,
            AuditOutcome.SUCCEEDED,
            "created",
        ),
        AuditRecord(
            "b2", "dev", "users.disable", "bob@example.com", "ci", "", AT, AuditOutcome.FAILED
        ),
    ],
)
def test_item_round_trip(record: AuditRecord) -> None:
    item = to_item(record)
    assert item["sk"]["S"] == f"audit#2026-06-01T12:30:05.123456+00:00#{record.audit_id}"
    assert item["schema_version"] == {"N": "1"}
    assert from_item(item) == record


def test_unknown_schema_version_is_refused() -> None:
    item = to_item(AuditRecord("a", "dev", "x", "y", "z", "", AT, AuditOutcome.SUCCEEDED))
    item["schema_version"] = {"N": "2"}
    with pytest.raises(ValueError, match="schema_version 2"):
        from_item(item)
