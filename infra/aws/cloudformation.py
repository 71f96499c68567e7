"""CloudFormation stacks and change sets: the calls the deployer, `status` and the smoke stage
make. Sequencing and waiting (create → wait → describe → execute) is `infra.deploy.changeset`'s
job; this adapter only calls the API and returns plain data."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from infra.aws.calls import aws_call
from infra.aws.clients import AwsClients
from infra.aws.errors import AwsCallFailed

ChangeSetKind = Literal["CREATE", "UPDATE"]
# A stack in REVIEW_IN_PROGRESS holds no resources yet (a change set was created, never run).
EMPTY_STATUSES = frozenset({"REVIEW_IN_PROGRESS"})
CAPABILITIES = ("CAPABILITY_IAM", "CAPABILITY_NAMED_IAM")


@dataclass(frozen=True)
class StackState:
    name: str
    status: str
    parameters: Mapping[str, str]
    outputs: Mapping[str, str]

    @property
    def holds_resources(self) -> bool:
        return self.status not in EMPTY_STATUSES


@dataclass(frozen=True)
class ChangeSetState:
    """A change set as described: its status, why (when FAILED) and, once computed, every row of
    its `Changes` (all pages)."""

    status: str
    reason: str
    changes: tuple[Mapping[str, Any], ...] = ()


class Stacks:
    """The CloudFormation calls of the release side, for one account and region."""

    def __init__(self, clients: AwsClients) -> None:
        self._clients = clients

    def stack(self, name: str) -> StackState | None:
        """The stack, or None when it does not exist."""
        try:
            with aws_call("cloudformation DescribeStacks", self._clients.endpoint):
                stacks = self._clients.cloudformation.describe_stacks(StackName=name)["Stacks"]
        except AwsCallFailed as exc:
            if exc.code == "ValidationError" and "does not exist" in str(exc):
                return None
            raise
        stack = stacks[0]
        return StackState(
            name=name,
            status=stack["StackStatus"],
            parameters={
                p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])
            },
            outputs={o["OutputKey"]: o.get("OutputValue", "") for o in stack.get("Outputs", [])},
        )

    def template(self, name: str) -> dict[str, Any] | None:
        """The stack's current template (read-only), or None when the stack does not exist."""
        try:
            with aws_call("cloudformation GetTemplate", self._clients.endpoint):
                answer = self._clients.cloudformation.get_template(StackName=name)
        except AwsCallFailed as exc:
            if exc.code == "ValidationError" and "does not exist" in str(exc):
                return None
            raise
        body: Any = answer["TemplateBody"]  # JSON text, or already parsed by botocore
        return dict(json.loads(body) if isinstance(body, str) else body)

    def create_change_set(
        self,
        stack: str,
        name: str,
        template_body: str,
        parameters: Mapping[str, str],
        kind: ChangeSetKind,
        role_arn: str | None = None,
        template_url: str | None = None,
    ) -> str:
        """Create a change set (run under `role_arn` when given) from the body, or from the
        S3 object at `template_url` (bodies over 51,200 bytes); returns its ARN (CloudFormation
        computes it asynchronously)."""
        role = {"RoleARN": role_arn} if role_arn else {}
        source = {"TemplateURL": template_url} if template_url else {"TemplateBody": template_body}
        with aws_call("cloudformation CreateChangeSet", self._clients.endpoint):
            return self._clients.cloudformation.create_change_set(
                StackName=stack,
                ChangeSetName=name,
                ChangeSetType=kind,
                **source,  # type: ignore[arg-type]
                Parameters=[
                    {"ParameterKey": key, "ParameterValue": value}
                    for key, value in parameters.items()
                ],
                Capabilities=list(CAPABILITIES),  # type: ignore[arg-type]
                **role,  # type: ignore[arg-type]
            )["Id"]

    def describe_change_set(self, stack: str, arn: str) -> ChangeSetState:
        """Its status; once CREATE_COMPLETE, every row of its Changes (following pages)."""
        cloudformation = self._clients.cloudformation
        with aws_call("cloudformation DescribeChangeSet", self._clients.endpoint):
            page = cloudformation.describe_change_set(ChangeSetName=arn, StackName=stack)
        status, reason = page["Status"], page.get("StatusReason", "")
        if status != "CREATE_COMPLETE":
            return ChangeSetState(status, reason)
        changes: list[Mapping[str, Any]] = list(page.get("Changes", []))
        token = page.get("NextToken")
        while token:
            with aws_call("cloudformation DescribeChangeSet", self._clients.endpoint):
                page = cloudformation.describe_change_set(
                    ChangeSetName=arn, StackName=stack, NextToken=token
                )
            changes.extend(page.get("Changes", []))
            token = page.get("NextToken")
        return ChangeSetState(status, reason, tuple(changes))

    def execute_change_set(self, stack: str, arn: str) -> None:
        with aws_call("cloudformation ExecuteChangeSet", self._clients.endpoint):
            self._clients.cloudformation.execute_change_set(ChangeSetName=arn, StackName=stack)

    def delete_change_set(self, stack: str, arn: str) -> None:
        with aws_call("cloudformation DeleteChangeSet", self._clients.endpoint):
            self._clients.cloudformation.delete_change_set(ChangeSetName=arn, StackName=stack)

    def delete_stack(self, stack: str) -> None:
        with aws_call("cloudformation DeleteStack", self._clients.endpoint):
            self._clients.cloudformation.delete_stack(StackName=stack)

    def events(self, stack: str) -> list[Mapping[str, Any]]:
        """The newest page of the stack's events (newest first)."""
        with aws_call("cloudformation DescribeStackEvents", self._clients.endpoint):
            return list(
                self._clients.cloudformation.describe_stack_events(StackName=stack)["StackEvents"]
            )
