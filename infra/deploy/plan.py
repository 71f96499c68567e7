"""The plan: what a CloudFormation change set will do, as data, and how it is printed.

Pure functions only; `changeset.py` fetches the raw `Changes` and hands them here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

# Resources whose replacement or removal loses data.
STATEFUL_TYPES = frozenset(
    {
        "AWS::DynamoDB::Table",
        "AWS::DynamoDB::GlobalTable",
        "AWS::S3::Bucket",
        "AWS::RDS::DBInstance",
        "AWS::RDS::DBCluster",
        "AWS::EFS::FileSystem",
        "AWS::Logs::LogGroup",
    }
)
# How AWS says "this change set is empty" (FAILED status reason or CreateChangeSet error).
NO_CHANGE_MARKERS = (
    "didn't contain changes",
    "No updates are to be performed",
    "submitted information didn't contain changes",
)


class Action(StrEnum):
    ADD = "Add"
    MODIFY = "Modify"
    REMOVE = "Remove"
    IMPORT = "Import"
    DYNAMIC = "Dynamic"


@dataclass(frozen=True)
class ResourceChange:
    """One row of a change set."""

    logical_id: str
    resource_type: str
    action: Action
    replacement: str = ""  # "True" | "False" | "Conditional" | "" (the emulator omits it)
    physical_id: str = ""

    @property
    def is_replacement(self) -> bool:
        return self.action is Action.MODIFY and self.replacement in ("True", "Conditional")

    @property
    def is_stateful(self) -> bool:
        return self.resource_type in STATEFUL_TYPES

    @property
    def loses_data(self) -> bool:
        """A stateful resource replaced or removed: its data does not come along."""
        return self.is_stateful and (self.is_replacement or self.action is Action.REMOVE)


@dataclass(frozen=True)
class Plan:
    """The change set of one deploy."""

    stack: str
    changes: tuple[ResourceChange, ...]
    creates_stack: bool = False

    def count(self, action: Action) -> int:
        return sum(1 for change in self.changes if change.action is action)

    @property
    def replacements(self) -> tuple[ResourceChange, ...]:
        return tuple(change for change in self.changes if change.is_replacement)

    @property
    def data_risks(self) -> tuple[ResourceChange, ...]:
        return tuple(change for change in self.changes if change.loses_data)

    @property
    def is_empty(self) -> bool:
        return not self.changes

    def summary(self) -> str:
        """One line, e.g. `3 to add, 1 to modify (1 replacement), 0 to remove`."""
        replaced = len(self.replacements)
        modify = f"{self.count(Action.MODIFY)} to modify"
        if replaced:
            modify += f" ({replaced} replacement{'s' if replaced != 1 else ''})"
        return f"{self.count(Action.ADD)} to add, {modify}, {self.count(Action.REMOVE)} to remove"


def parse_changes(raw: Sequence[Mapping[str, Any]]) -> tuple[ResourceChange, ...]:
    """The `Changes` of describe_change_set as ResourceChange rows (non-resource rows dropped)."""
    rows: list[ResourceChange] = []
    for entry in raw:
        change = entry.get("ResourceChange")
        if entry.get("Type", "Resource") != "Resource" or not isinstance(change, Mapping):
            continue
        rows.append(
            ResourceChange(
                logical_id=str(change.get("LogicalResourceId", "?")),
                resource_type=str(change.get("ResourceType", "?")),
                action=_action(str(change.get("Action", ""))),
                replacement=str(change.get("Replacement", "")),
                physical_id=str(change.get("PhysicalResourceId", "")),
            )
        )
    return tuple(rows)


def _action(value: str) -> Action:
    try:
        return Action(value)
    except ValueError:
        return Action.DYNAMIC


def is_no_change_reason(reason: str) -> bool:
    """True when AWS's reason for a FAILED change set (or refused create) means 'no changes'."""
    return any(marker in reason for marker in NO_CHANGE_MARKERS)


_SYMBOL = {
    Action.ADD: "+",
    Action.MODIFY: "~",
    Action.REMOVE: "-",
    Action.IMPORT: "<",
    Action.DYNAMIC: "?",
}


def render_plan(plan: Plan, heading: str = "") -> list[str]:
    """Human-readable lines: one per change, then loud warnings for data at risk."""
    verb = "create" if plan.creates_stack else "update"
    lines = [f"{heading or f'plan for stack {plan.stack} ({verb})'}: {plan.summary()}"]
    if plan.is_empty:
        lines.append("  no changes")
    for change in sorted(plan.changes, key=lambda c: (c.action.value, c.logical_id)):
        note = ""
        if change.is_replacement:
            note = "  [REPLACEMENT]" if change.replacement == "True" else "  [may replace]"
        lines.append(
            f"  {_SYMBOL[change.action]} {change.logical_id} ({change.resource_type}){note}"
        )
    for risk in plan.data_risks:
        what = "REMOVED" if risk.action is Action.REMOVE else "REPLACED"
        lines.append(
            f"WARNING: stateful resource {risk.logical_id} ({risk.resource_type}) will be "
            f"{what}: its data does not move to the new resource. Check DeletionPolicy/"
            "UpdateReplacePolicy and back it up before applying."
        )
    return lines
