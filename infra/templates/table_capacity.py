"""The data table's capacity: on-demand (optional request-unit caps) or provisioned with
target-tracking autoscaling of reads and writes (`data_table` in the environment config)."""

from __future__ import annotations

from typing import Any

from troposphere import Ref, Sub, Template, applicationautoscaling, dynamodb

from infra.config.capacity import AutoScaling, TableCapacity

# (config attribute, CloudFormation dimension, predefined utilization metric, logical-id part)
_DIMENSIONS = (
    ("read", "dynamodb:table:ReadCapacityUnits", "DynamoDBReadCapacityUtilization", "Read"),
    ("write", "dynamodb:table:WriteCapacityUnits", "DynamoDBWriteCapacityUtilization", "Write"),
)


def table_capacity_properties(capacity: TableCapacity) -> dict[str, Any]:
    """BillingMode plus ProvisionedThroughput (the autoscaling minimum) or OnDemandThroughput."""
    if capacity.billing_mode == "provisioned":
        read, write = capacity.read, capacity.write
        if read is None or write is None:  # TableCapacity's validator refuses this
            raise ValueError("provisioned capacity needs read and write autoscaling")
        return {
            "BillingMode": "PROVISIONED",
            "ProvisionedThroughput": dynamodb.ProvisionedThroughput(
                ReadCapacityUnits=read.min_units,
                WriteCapacityUnits=write.min_units,
            ),
        }
    caps: dict[str, int] = {}
    if capacity.max_read_request_units is not None:
        caps["MaxReadRequestUnits"] = capacity.max_read_request_units
    if capacity.max_write_request_units is not None:
        caps["MaxWriteRequestUnits"] = capacity.max_write_request_units
    properties: dict[str, Any] = {"BillingMode": "PAY_PER_REQUEST"}
    if caps:
        properties["OnDemandThroughput"] = dynamodb.OnDemandThroughput(**caps)
    return properties


def add_table_autoscaling(
    template: Template, table: dynamodb.Table, capacity: TableCapacity
) -> None:
    """A scalable target and a target-tracking policy per dimension (provisioned mode only).

    No RoleARN: Application Auto Scaling uses its DynamoDB service-linked role.
    """
    if capacity.billing_mode != "provisioned":
        return
    for attribute, dimension, metric, part in _DIMENSIONS:
        scaling: AutoScaling = getattr(capacity, attribute)
        target = template.add_resource(
            applicationautoscaling.ScalableTarget(
                f"{table.title}{part}ScalableTarget",
                ServiceNamespace="dynamodb",
                ResourceId=Sub("table/${" + table.title + "}"),
                ScalableDimension=dimension,
                MinCapacity=scaling.min_units,
                MaxCapacity=scaling.max_units,
            )
        )
        template.add_resource(
            applicationautoscaling.ScalingPolicy(
                f"{table.title}{part}ScalingPolicy",
                PolicyName=Sub("${" + table.title + "}-" + attribute),
                PolicyType="TargetTrackingScaling",
                ScalingTargetId=Ref(target),
                TargetTrackingScalingPolicyConfiguration=(
                    applicationautoscaling.TargetTrackingScalingPolicyConfiguration(
                        TargetValue=float(scaling.target_utilization_percent),
                        PredefinedMetricSpecification=(
                            applicationautoscaling.PredefinedMetricSpecification(
                                PredefinedMetricType=metric
                            )
                        ),
                    )
                ),
            )
        )
