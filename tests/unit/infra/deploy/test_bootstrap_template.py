"""The first-deploy bootstrap template: the stack reduced to its deployments table."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.deploy.bootstrap import bootstrap_template
from infra.deploy.errors import DeployError


def table(name: str) -> dict[str, Any]:
    return {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": name}}


TEMPLATE = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Description": "svc",
    "Parameters": {"P": {"Type": "String"}},
    "Resources": {
        "DataTable": table("x-data"),
        "DeploymentsTable": table("x-deployments"),
        "Fn": {"Type": "AWS::Lambda::Function", "Properties": {}},
    },
    "Outputs": {"O": {"Value": {"Ref": "Fn"}}},
}


def test_keeps_only_the_deployments_table_with_its_logical_id() -> None:
    body = json.loads(bootstrap_template(TEMPLATE, "x-deployments"))
    assert body["Resources"] == {"DeploymentsTable": table("x-deployments")}
    assert "Parameters" not in body
    assert "Outputs" not in body


@pytest.mark.parametrize(
    "resources",
    [
        {"DataTable": table("x-data")},
        {"A": table("x-deployments"), "B": table("x-deployments")},
    ],
)
def test_refuses_a_template_without_exactly_one_deployments_table(
    resources: dict[str, Any],
) -> None:
    with pytest.raises(DeployError, match="exactly one AWS::DynamoDB::Table named x-deployments"):
        bootstrap_template({"Resources": resources}, "x-deployments")
