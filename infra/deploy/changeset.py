"""CloudFormation change sets: create → wait → describe → execute → wait while streaming stack
events, on the `infra.aws.cloudformation` adapter. Errors leave here as domain errors naming the
failing resource."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from infra.aws.cloudformation import ChangeSetKind, Stacks, StackState
from infra.aws.errors import AwsCallFailed
from infra.clock import Clock
from infra.deploy.errors import ChangeSetFailed
from infra.deploy.plan import Plan, is_no_change_reason, parse_changes
from infra.deploy.stack_status import StatusKind, classify, first_failure

MAX_TEMPLATE_BODY = 51_200  # bytes CloudFormation takes as TemplateBody; larger: TemplateURL
EventSink = Callable[[str], None]


def compact_template(template_body: str) -> str:
    """Same template, fewer bytes: what the deployer sends (or uploads)."""
    return json.dumps(json.loads(template_body), separators=(",", ":"), sort_keys=True)


def fits_template_body(body: str) -> bool:
    return len(body.encode()) <= MAX_TEMPLATE_BODY


__all__ = ["ChangeSet", "ChangeSets", "StackState", "Waits"]


@dataclass(frozen=True)
class ChangeSet:
    """A created change set and its plan; `no_change` when AWS found nothing to do."""

    arn: str
    stack: str
    plan: Plan
    no_change: bool


@dataclass(frozen=True)
class Waits:
    poll_seconds: float
    timeout_seconds: float


class ChangeSets:
    """Change sets of the deployer's stacks, waited on with an injected clock."""

    def __init__(self, stacks: Stacks, clock: Clock, waits: Waits) -> None:
        self._stacks = stacks
        self._clock = clock
        self._waits = waits

    def stack(self, name: str) -> StackState | None:
        return self._stacks.stack(name)

    def create(
        self,
        stack: str,
        name: str,
        template_body: str,
        parameters: Mapping[str, str],
        kind: ChangeSetKind,
        role_arn: str | None = None,
        template_url: str | None = None,
    ) -> ChangeSet:
        """Create a change set, wait until CloudFormation computed it, and return its plan.

        `role_arn`: the CloudFormation service role the change set (and its execution) runs
        under, so the caller needs no rights on the stack's resources, only iam:PassRole.
        `template_url`: where the same template was uploaded (a body over the limit)."""
        if template_url is None and not fits_template_body(template_body):
            raise ChangeSetFailed(
                stack,
                "template",
                f"is {len(template_body.encode())} bytes; TemplateBody allows "
                f"{MAX_TEMPLATE_BODY}: upload it and pass its TemplateURL",
            )
        try:
            arn = self._stacks.create_change_set(
                stack, name, template_body, parameters, kind, role_arn, template_url
            )
        except AwsCallFailed as exc:
            if exc.code == "ValidationError" and is_no_change_reason(str(exc)):
                return ChangeSet("", stack, Plan(stack, ()), no_change=True)  # the emulator's way
            raise
        described = self._wait_created(stack, arn)
        if described is None:
            return ChangeSet(arn, stack, Plan(stack, (), creates_stack=kind == "CREATE"), True)
        plan = Plan(stack, parse_changes(described), creates_stack=kind == "CREATE")
        return ChangeSet(arn, stack, plan, no_change=False)

    def _wait_created(self, stack: str, arn: str) -> tuple[Mapping[str, Any], ...] | None:
        """The change set's Changes (all pages), or None when AWS says there are none."""
        waited = 0.0
        while True:
            state = self._stacks.describe_change_set(stack, arn)
            if state.status == "CREATE_COMPLETE":
                return state.changes
            if state.status == "FAILED":
                reason = state.reason or "no reason given"
                if is_no_change_reason(reason):
                    return None
                raise ChangeSetFailed(stack, "change set", reason)
            if waited >= self._waits.timeout_seconds:
                raise ChangeSetFailed(
                    stack, "change set", f"still {state.status} after {waited:.0f} s"
                )
            self._clock.sleep(self._waits.poll_seconds)
            waited += self._waits.poll_seconds

    def discard(self, change_set: ChangeSet, delete_empty_stack: bool) -> None:
        """Delete an unexecuted change set (and the empty stack a CREATE change set left)."""
        if change_set.arn:
            self._stacks.delete_change_set(change_set.stack, change_set.arn)
        if delete_empty_stack:
            state = self.stack(change_set.stack)
            if state is not None and not state.holds_resources:
                self._stacks.delete_stack(change_set.stack)

    def execute(self, change_set: ChangeSet, on_event: EventSink) -> StackState:
        """Execute and wait for a terminal status, printing each new stack event once."""
        stack = change_set.stack
        seen = {e["EventId"] for e in self._stacks.events(stack)}
        self._stacks.execute_change_set(stack, change_set.arn)
        waited = 0.0
        new: list[Mapping[str, Any]] = []
        while True:
            fresh = [e for e in reversed(self._stacks.events(stack)) if e["EventId"] not in seen]
            for event in fresh:
                seen.add(event["EventId"])
                new.append(event)
                on_event(_event_line(event))
            state = self.stack(stack)
            status = state.status if state else "DELETE_COMPLETE"
            kind = classify(status)
            if kind is StatusKind.SUCCEEDED and state is not None:
                return state
            if kind is StatusKind.FAILED:
                resource, reason = first_failure(new) or (stack, f"stack ended in {status}")
                raise ChangeSetFailed(stack, resource, reason)
            if waited >= self._waits.timeout_seconds:
                resource, reason = first_failure(new) or (
                    stack,
                    f"still {status} after {waited:.0f} s (the emulator never rolls back a "
                    "failed resource; check the events above)",
                )
                raise ChangeSetFailed(stack, resource, reason)
            self._clock.sleep(self._waits.poll_seconds)
            waited += self._waits.poll_seconds

    def wait_settled(self, stack: str) -> StackState:
        """Wait until another deploy's create/update of `stack` finished successfully."""
        waited = 0.0
        while True:
            state = self.stack(stack)
            if state is not None and state.holds_resources:
                kind = classify(state.status)
                if kind is StatusKind.SUCCEEDED:
                    return state
                if kind is StatusKind.FAILED:
                    raise ChangeSetFailed(stack, stack, f"the other deploy left it {state.status}")
            if waited >= self._waits.timeout_seconds:
                status = state.status if state else "absent"
                raise ChangeSetFailed(stack, stack, f"still {status} after {waited:.0f} s")
            self._clock.sleep(self._waits.poll_seconds)
            waited += self._waits.poll_seconds


def _event_line(event: Mapping[str, Any]) -> str:
    stamp = event.get("Timestamp")
    when = stamp.strftime("%H:%M:%S") if stamp is not None else "--:--:--"
    reason = event.get("ResourceStatusReason")
    line = (
        f"  {when} {event.get('ResourceStatus', '?'):<20} {event.get('LogicalResourceId', '?')} "
        f"({event.get('ResourceType', '?')})"
    )
    return line + (f": {reason}" if reason else "")
