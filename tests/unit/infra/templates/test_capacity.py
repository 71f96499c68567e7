"""Capacity settings in the template: provisioned concurrency on the alias, and the data
table's on-demand caps or provisioned capacity with autoscaling (cfn-lint clean)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra.config import load_environment
from infra.config.capacity import AutoScaling, TableCapacity
from infra.config.model import EnvironmentConfig, FunctionConfig
from infra.templates import render_template, synth
from infra.templates.lint import cfn_lint

PROVISIONED = TableCapacity(
    billing_mode="provisioned",
    read=AutoScaling(min_units=5, max_units=200, target_utilization_percent=60),
    write=AutoScaling(min_units=2, max_units=50),
)


def variant(env: str, **changes: Any) -> EnvironmentConfig:
    return load_environment(env).model_copy(update=changes)


def rendered(config: EnvironmentConfig) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(render_template(config))
    return result


def of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == kind}


@pytest.mark.parametrize(("env", "provisioned"), [("dev", None), ("staging", None), ("prod", 10)])
def test_alias_carries_the_configured_provisioned_concurrency(
    env: str, provisioned: int | None
) -> None:
    alias = rendered(load_environment(env))["Resources"]["LiveAlias"]["Properties"]
    config = alias.get("ProvisionedConcurrencyConfig")
    assert (config or {}).get("ProvisionedConcurrentExecutions") == provisioned


def test_on_demand_table_without_caps_has_no_throughput_settings() -> None:
    table = rendered(load_environment("prod"))["Resources"]["DataTable"]["Properties"]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert "OnDemandThroughput" not in table
    assert "ProvisionedThroughput" not in table


def test_on_demand_caps_become_on_demand_throughput() -> None:
    capacity = TableCapacity(max_read_request_units=400, max_write_request_units=100)
    template = rendered(variant("dev", data_table=capacity))
    table = template["Resources"]["DataTable"]["Properties"]
    assert table["OnDemandThroughput"] == {"MaxReadRequestUnits": 400, "MaxWriteRequestUnits": 100}
    assert of_type(template, "AWS::ApplicationAutoScaling::ScalableTarget") == {}
    # The deployments table is the pipeline's, not the app's: always plain on-demand.
    deployments = template["Resources"]["DeploymentsTable"]["Properties"]
    assert deployments["BillingMode"] == "PAY_PER_REQUEST"
    assert "OnDemandThroughput" not in deployments


def test_provisioned_table_starts_at_the_minimum_and_autoscales_reads_and_writes() -> None:
    template = rendered(variant("staging", data_table=PROVISIONED))
    table = template["Resources"]["DataTable"]["Properties"]
    assert table["BillingMode"] == "PROVISIONED"
    assert table["ProvisionedThroughput"] == {"ReadCapacityUnits": 5, "WriteCapacityUnits": 2}
    targets = of_type(template, "AWS::ApplicationAutoScaling::ScalableTarget")
    ranges = {
        t["Properties"]["ScalableDimension"]: (
            t["Properties"]["MinCapacity"],
            t["Properties"]["MaxCapacity"],
        )
        for t in targets.values()
    }
    assert ranges == {
        "dynamodb:table:ReadCapacityUnits": (5, 200),
        "dynamodb:table:WriteCapacityUnits": (2, 50),
    }
    for target in targets.values():
        assert target["Properties"]["ResourceId"] == {"Fn::Sub": "table/${DataTable}"}
        assert "RoleARN" not in target["Properties"]  # the service-linked role
    policies = of_type(template, "AWS::ApplicationAutoScaling::ScalingPolicy")
    tracking = {
        p["Properties"]["TargetTrackingScalingPolicyConfiguration"][
            "PredefinedMetricSpecification"
        ]["PredefinedMetricType"]: p["Properties"]["TargetTrackingScalingPolicyConfiguration"][
            "TargetValue"
        ]
        for p in policies.values()
    }
    assert tracking == {
        "DynamoDBReadCapacityUtilization": 60.0,
        "DynamoDBWriteCapacityUtilization": 70.0,
    }


def test_capacity_variants_are_cfn_lint_clean(tmp_path: Path) -> None:
    configs = [
        variant("staging", data_table=PROVISIONED),
        variant(
            "dev",
            data_table=TableCapacity(max_read_request_units=400, max_write_request_units=100),
            function=FunctionConfig(reserved_concurrency=20, provisioned_concurrency=5),
        ),
    ]
    paths = synth(configs, tmp_path)
    assert cfn_lint(paths, "eu-west-1") == ()
