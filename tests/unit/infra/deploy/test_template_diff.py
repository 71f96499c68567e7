"""The read-only preview of a deploy's resource changes (template and parameters compared)."""

from __future__ import annotations

from typing import Any

import pytest

from infra.config import load_environment
from infra.deploy.plan import Action
from infra.deploy.template_diff import active_resources, resource_changes
from infra.templates.stack import render_template

TEMPLATE: dict[str, Any] = {
    "Parameters": {"Target": {"Default": "aws"}, "Digest": {}},
    "Conditions": {
        "OnAws": {"Fn::Equals": [{"Ref": "Target"}, "aws"]},
        "Local": {"Fn::Not": [{"Condition": "OnAws"}]},
    },
    "Resources": {
        "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": "t"}},
        "Function": {
            "Type": "AWS::Lambda::Function",
            "Properties": {"Code": {"S3Key": {"Fn::Sub": "lambda/${Digest}.zip"}}},
        },
        "Permission": {"Type": "AWS::Lambda::Permission", "Condition": "OnAws"},
        "Alias": {
            "Type": "AWS::Lambda::Alias",
            "Properties": {"Version": {"Fn::If": ["Local", "1", {"Ref": "AWS::NoValue"}]}},
        },
    },
}
AWS = {"Target": "aws", "Digest": "a"}


def changes(
    current: dict[str, Any] | None,
    new: dict[str, Any],
    before: dict[str, str] = AWS,
    after: dict[str, str] = AWS,
) -> dict[str, Action]:
    return {c.logical_id: c.action for c in resource_changes(current, before, new, after)}


def test_a_new_stack_adds_every_active_resource() -> None:
    assert changes(None, TEMPLATE) == {
        "Alias": Action.ADD,
        "Function": Action.ADD,
        "Permission": Action.ADD,
        "Table": Action.ADD,
    }
    local = changes(None, TEMPLATE, after={"Target": "local", "Digest": "a"})
    assert "Permission" not in local  # its condition is false on the local target


def test_the_same_template_and_parameters_change_nothing() -> None:
    assert changes(TEMPLATE, TEMPLATE) == {}


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        ({"Target": "aws", "Digest": "b"}, {"Function": Action.MODIFY}),  # ${Digest} in a Sub
        # a condition flips: the resource it guards goes, the Fn::If that uses it changes
        ({"Target": "local", "Digest": "a"}, {"Permission": Action.REMOVE, "Alias": Action.MODIFY}),
    ],
)
def test_a_changed_parameter_modifies_what_uses_it(
    after: dict[str, str], expected: dict[str, Action]
) -> None:
    assert changes(TEMPLATE, TEMPLATE, after=after) == expected


def test_added_removed_and_edited_resources() -> None:
    new = {**TEMPLATE, "Resources": dict(TEMPLATE["Resources"])}
    del new["Resources"]["Table"]
    new["Resources"]["Bucket"] = {"Type": "AWS::S3::Bucket"}
    new["Resources"]["Function"] = {"Type": "AWS::Lambda::Function", "Properties": {"Memory": 1}}
    assert changes(TEMPLATE, new) == {
        "Bucket": Action.ADD,
        "Function": Action.MODIFY,
        "Table": Action.REMOVE,
    }


def test_a_condition_it_cannot_evaluate_keeps_the_resource() -> None:
    template = {
        "Conditions": {"Odd": {"Fn::Contains": ["x"]}},
        "Resources": {"R": {"Type": "T", "Condition": "Odd"}},
    }
    assert list(active_resources(template, {})) == ["R"]


def test_the_real_template_on_the_local_target_leaves_out_aws_only_resources() -> None:
    import json

    template = json.loads(render_template(load_environment("dev")))
    local = active_resources(template, {"DeployTarget": "local", "LiveVersion": ""})
    on_aws = active_resources(template, {"DeployTarget": "aws", "LiveVersion": ""})
    aws_only = {
        logical_id
        for logical_id, resource in template["Resources"].items()
        if resource.get("Condition") == "OnAws"
    }
    assert "ApiInvokePermission" in aws_only
    assert set(on_aws) - set(local) == aws_only
