"""Change set waits and failures: a scripted CloudFormation client behind the real adapter,
and a fake clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from infra.aws import Endpoint
from infra.aws.cloudformation import Stacks
from infra.deploy.changeset import ChangeSet, ChangeSets, Waits
from infra.deploy.errors import ChangeSetFailed
from infra.deploy.plan import Plan
from tests.unit.infra.deploy.conftest import FakeClock

WAITS = Waits(poll_seconds=1.0, timeout_seconds=3.0)


@dataclass
class ScriptedCloudFormation:
    """Answers describe calls from scripts; records what was executed and deleted."""

    change_set_statuses: list[dict[str, Any]] = field(default_factory=list)
    stack_statuses: list[str] = field(default_factory=list)
    events: list[list[dict[str, Any]]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    create_error: ClientError | None = None

    def create_change_set(self, **_: Any) -> dict[str, str]:
        if self.create_error is not None:
            raise self.create_error
        return {"Id": "arn:cs"}

    def describe_change_set(self, **_: Any) -> dict[str, Any]:
        return self.change_set_statuses.pop(0)

    def describe_stacks(self, **_: Any) -> dict[str, Any]:
        status = (
            self.stack_statuses.pop(0) if len(self.stack_statuses) > 1 else self.stack_statuses[0]
        )
        return {"Stacks": [{"StackStatus": status}]}

    def describe_stack_events(self, **_: Any) -> dict[str, Any]:
        page = self.events.pop(0) if len(self.events) > 1 else self.events[0]
        return {"StackEvents": page}

    def execute_change_set(self, **_: Any) -> None:
        self.calls.append("execute")

    def delete_change_set(self, **_: Any) -> None:
        self.calls.append("delete-change-set")

    def delete_stack(self, **_: Any) -> None:
        self.calls.append("delete-stack")


@dataclass
class StubClients:
    cloudformation: ScriptedCloudFormation
    endpoint: Endpoint = field(default_factory=lambda: Endpoint("eu-west-1", emulator=True))


def cloudformation(script: ScriptedCloudFormation, clock: FakeClock) -> ChangeSets:
    return ChangeSets(Stacks(StubClients(script)), clock, WAITS)  # type: ignore[arg-type]


def event(event_id: str, logical: str, status: str, reason: str = "") -> dict[str, Any]:
    return {
        "EventId": event_id,
        "LogicalResourceId": logical,
        "ResourceType": "AWS::Lambda::Function",
        "ResourceStatus": status,
        "ResourceStatusReason": reason,
        "Timestamp": datetime(2026, 1, 1, tzinfo=UTC),
    }


def test_change_set_failed_with_no_changes_is_a_no_change(clock: FakeClock) -> None:
    script = ScriptedCloudFormation(
        change_set_statuses=[
            {"Status": "CREATE_IN_PROGRESS"},
            {
                "Status": "FAILED",
                "StatusReason": "The submitted information didn't contain changes.",
            },
        ]
    )
    result = cloudformation(script, clock).create("s", "cs", "{}", {}, "UPDATE")
    assert result.no_change is True
    assert clock.slept == 1.0


def test_change_set_failed_for_another_reason_raises(clock: FakeClock) -> None:
    script = ScriptedCloudFormation(
        change_set_statuses=[{"Status": "FAILED", "StatusReason": "Unresolved dependency X"}]
    )
    with pytest.raises(ChangeSetFailed, match="change set failed: Unresolved dependency X"):
        cloudformation(script, clock).create("s", "cs", "{}", {}, "UPDATE")


def test_change_set_that_never_completes_times_out(clock: FakeClock) -> None:
    script = ScriptedCloudFormation(change_set_statuses=[{"Status": "CREATE_PENDING"}] * 10)
    with pytest.raises(ChangeSetFailed, match="still CREATE_PENDING after 3 s"):
        cloudformation(script, clock).create("s", "cs", "{}", {}, "UPDATE")


def test_emulator_refusing_an_identical_update_is_a_no_change(clock: FakeClock) -> None:
    refusal = ClientError(
        {"Error": {"Code": "ValidationError", "Message": "No updates are to be performed."}}, "Op"
    )
    script = ScriptedCloudFormation(create_error=refusal)
    result = cloudformation(script, clock).create("s", "cs", "{}", {}, "UPDATE")
    assert result.no_change is True
    assert result.arn == ""


def test_changes_are_read_across_pages(clock: FakeClock) -> None:
    row = {
        "Type": "Resource",
        "ResourceChange": {"Action": "Add", "LogicalResourceId": "A", "ResourceType": "T"},
    }
    script = ScriptedCloudFormation(
        change_set_statuses=[
            {"Status": "CREATE_COMPLETE", "Changes": [row], "NextToken": "n"},
            {"Changes": [row]},
        ]
    )
    result = cloudformation(script, clock).create("s", "cs", "{}", {}, "CREATE")
    assert len(result.plan.changes) == 2
    assert result.plan.creates_stack is True


def test_oversized_template_is_refused(clock: FakeClock) -> None:
    with pytest.raises(ChangeSetFailed, match="TemplateBody allows 51200"):
        cloudformation(ScriptedCloudFormation(), clock).create(
            "s", "cs", "x" * 60_000, {}, "UPDATE"
        )


def changes() -> ChangeSet:
    return ChangeSet("arn:cs", "s", Plan("s", ()), no_change=False)


def test_execute_streams_new_events_and_names_the_failed_resource(clock: FakeClock) -> None:
    old = event("e0", "s", "UPDATE_COMPLETE")
    script = ScriptedCloudFormation(
        stack_statuses=["UPDATE_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE"],
        events=[
            [old],
            [event("e1", "Fn", "UPDATE_FAILED", "Code not found"), old],
        ],
    )
    printed: list[str] = []
    with pytest.raises(ChangeSetFailed) as caught:
        cloudformation(script, clock).execute(changes(), printed.append)
    assert caught.value.resource == "Fn"
    assert caught.value.reason == "Code not found"
    assert str(caught.value) == "stack s: Fn failed: Code not found"
    assert len(printed) == 1
    assert "UPDATE_FAILED" in printed[0]
    assert script.calls == ["execute"]


def test_execute_stuck_in_progress_times_out_with_a_hint(clock: FakeClock) -> None:
    script = ScriptedCloudFormation(stack_statuses=["CREATE_IN_PROGRESS"], events=[[]])
    with pytest.raises(ChangeSetFailed, match="never rolls back"):
        cloudformation(script, clock).execute(changes(), lambda _: None)
    assert clock.slept == 3.0


def test_discard_deletes_the_change_set_and_an_empty_stack(clock: FakeClock) -> None:
    script = ScriptedCloudFormation(stack_statuses=["REVIEW_IN_PROGRESS"])
    cloudformation(script, clock).discard(changes(), delete_empty_stack=True)
    assert script.calls == ["delete-change-set", "delete-stack"]


def test_wait_settled_returns_once_the_other_create_completed(clock: FakeClock) -> None:
    script = ScriptedCloudFormation(
        stack_statuses=["REVIEW_IN_PROGRESS", "CREATE_IN_PROGRESS", "CREATE_COMPLETE"]
    )
    state = cloudformation(script, clock).wait_settled("s")
    assert state.status == "CREATE_COMPLETE"
    assert clock.slept == 2.0


@pytest.mark.parametrize(
    ("statuses", "message"),
    [
        (["ROLLBACK_COMPLETE"], "the other deploy left it ROLLBACK_COMPLETE"),
        (["CREATE_IN_PROGRESS"], "still CREATE_IN_PROGRESS after 3 s"),
    ],
)
def test_wait_settled_fails_when_the_other_create_fails_or_hangs(
    statuses: list[str], message: str, clock: FakeClock
) -> None:
    with pytest.raises(ChangeSetFailed, match=message):
        cloudformation(ScriptedCloudFormation(stack_statuses=statuses), clock).wait_settled("s")
