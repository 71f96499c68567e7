"""Stack status classification and naming the resource that failed."""

from __future__ import annotations

import pytest

from infra.deploy.stack_status import StatusKind, classify, first_failure


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        ("CREATE_COMPLETE", StatusKind.SUCCEEDED),
        ("UPDATE_COMPLETE", StatusKind.SUCCEEDED),
        ("IMPORT_COMPLETE", StatusKind.SUCCEEDED),
        ("CREATE_IN_PROGRESS", StatusKind.IN_PROGRESS),
        ("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", StatusKind.IN_PROGRESS),
        ("UPDATE_ROLLBACK_IN_PROGRESS", StatusKind.IN_PROGRESS),
        ("ROLLBACK_COMPLETE", StatusKind.FAILED),
        ("UPDATE_ROLLBACK_COMPLETE", StatusKind.FAILED),
        ("CREATE_FAILED", StatusKind.FAILED),
        ("DELETE_COMPLETE", StatusKind.FAILED),
    ],
)
def test_classify(status: str, kind: StatusKind) -> None:
    assert classify(status) is kind


def event(logical: str, status: str, reason: str = "", kind: str = "AWS::X::Y") -> dict[str, str]:
    return {
        "LogicalResourceId": logical,
        "ResourceStatus": status,
        "ResourceStatusReason": reason,
        "ResourceType": kind,
    }


def test_first_failure_names_the_resource_that_broke_not_the_cancelled_ones() -> None:
    events = [
        event("Table", "CREATE_IN_PROGRESS"),
        event("Topic", "CREATE_FAILED", "Resource creation cancelled"),
        event("Fn", "CREATE_FAILED", "Code not found in s3://b/k"),
        event("stack", "ROLLBACK_IN_PROGRESS", "", "AWS::CloudFormation::Stack"),
    ]
    assert first_failure(events) == ("Fn", "Code not found in s3://b/k")


def test_first_failure_falls_back_to_cancelled_or_stack_events() -> None:
    only_cancelled = [event("Topic", "CREATE_FAILED", "Resource creation cancelled")]
    assert first_failure(only_cancelled) == ("Topic", "Resource creation cancelled")
    stack_only = [event("s", "UPDATE_FAILED", "why", "AWS::CloudFormation::Stack")]
    assert first_failure(stack_only) == ("s", "why")
    assert first_failure([event("Fn", "CREATE_COMPLETE")]) is None
