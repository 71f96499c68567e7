"""The plan: parsing change sets, replacement and data-loss detection, rendering."""

from __future__ import annotations

import pytest

from infra.deploy.plan import (
    Action,
    Plan,
    ResourceChange,
    is_no_change_reason,
    parse_changes,
    render_plan,
)


def change(
    logical: str, kind: str, action: str, replacement: str | None = None
) -> dict[str, object]:
    body: dict[str, object] = {
        "Action": action,
        "LogicalResourceId": logical,
        "ResourceType": kind,
    }
    if replacement is not None:
        body["Replacement"] = replacement
    return {"Type": "Resource", "ResourceChange": body}


def test_parse_changes_reads_rows_and_drops_non_resource_entries() -> None:
    raw = [
        change("Table", "AWS::DynamoDB::Table", "Modify", "True"),
        change("Fn", "AWS::Lambda::Function", "Add"),
        {"Type": "HookInvocation", "HookInvocationCount": 1},
        change("Odd", "AWS::SNS::Topic", "SomethingNew"),
    ]
    rows = parse_changes(raw)
    assert rows == (
        ResourceChange("Table", "AWS::DynamoDB::Table", Action.MODIFY, "True"),
        ResourceChange("Fn", "AWS::Lambda::Function", Action.ADD, ""),
        ResourceChange("Odd", "AWS::SNS::Topic", Action.DYNAMIC, ""),
    )


@pytest.mark.parametrize(
    ("kind", "action", "replacement", "replaces", "loses_data"),
    [
        ("AWS::DynamoDB::Table", Action.MODIFY, "True", True, True),
        ("AWS::DynamoDB::Table", Action.MODIFY, "Conditional", True, True),
        ("AWS::DynamoDB::Table", Action.MODIFY, "False", False, False),
        ("AWS::DynamoDB::Table", Action.MODIFY, "", False, False),  # the emulator omits it
        ("AWS::DynamoDB::Table", Action.REMOVE, "", False, True),
        ("AWS::DynamoDB::Table", Action.ADD, "", False, False),
        ("AWS::S3::Bucket", Action.MODIFY, "True", True, True),
        ("AWS::S3::Bucket", Action.REMOVE, "", False, True),
        ("AWS::Lambda::Function", Action.MODIFY, "True", True, False),
        ("AWS::Lambda::Version", Action.REMOVE, "", False, False),
    ],
)
def test_replacement_and_stateful_detection(
    kind: str, action: Action, replacement: str, replaces: bool, loses_data: bool
) -> None:
    row = ResourceChange("R", kind, action, replacement)
    assert row.is_replacement is replaces
    assert row.loses_data is loses_data


def test_summary_counts_actions_and_replacements() -> None:
    plan = Plan(
        "s",
        (
            ResourceChange("A", "AWS::SNS::Topic", Action.ADD),
            ResourceChange("B", "AWS::Lambda::Function", Action.MODIFY, "True"),
            ResourceChange("C", "AWS::Lambda::Version", Action.MODIFY, "False"),
            ResourceChange("D", "AWS::Logs::LogGroup", Action.REMOVE),
        ),
    )
    assert plan.summary() == "1 to add, 2 to modify (1 replacement), 1 to remove"


def test_render_warns_loudly_on_stateful_replacement() -> None:
    plan = Plan(
        "energy-insights-dev",
        (
            ResourceChange("DataTable", "AWS::DynamoDB::Table", Action.MODIFY, "True"),
            ResourceChange("Fn", "AWS::Lambda::Function", Action.MODIFY, "False"),
        ),
    )
    lines = render_plan(plan)
    assert lines[0] == (
        "plan for stack energy-insights-dev (update): 0 to add, 2 to modify (1 replacement), "
        "0 to remove"
    )
    assert "  ~ DataTable (AWS::DynamoDB::Table)  [REPLACEMENT]" in lines
    warnings = [line for line in lines if line.startswith("WARNING")]
    assert len(warnings) == 1
    assert "DataTable" in warnings[0]
    assert "REPLACED" in warnings[0]


def test_render_empty_plan_says_no_changes() -> None:
    lines = render_plan(Plan("s", (), creates_stack=True))
    assert lines == [
        "plan for stack s (create): 0 to add, 0 to modify, 0 to remove",
        "  no changes",
    ]


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("The submitted information didn't contain changes. Submit different information.", True),
        ("No updates are to be performed.", True),
        ("Template format error: Unresolved resource dependencies [X]", False),
        ("", False),
    ],
)
def test_no_change_reasons(reason: str, expected: bool) -> None:
    assert is_no_change_reason(reason) is expected
