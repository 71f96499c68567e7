"""DynamoDB backups, point-in-time recovery and restores; what a restore leaves behind (TTL,
tags, PITR, stream, autoscaling, deletion protection), read and re-applied; paged scans.
(S3 object versions and the backup snapshot objects: `backup_objects.py`.)

Emulator (moto) gaps: a point-in-time restore ignores the time; the PITR window is not modelled.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from infra.aws.calls import aws_call
from infra.aws.clients import AwsClients
from infra.aws.errors import AwsCallFailed

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import ScanInputTypeDef

Item = dict[str, Any]
TABLE_DIMENSIONS = ("dynamodb:table:ReadCapacityUnits", "dynamodb:table:WriteCapacityUnits")
_NOT_FOUND = frozenset({"ResourceNotFoundException", "TableNotFoundException"})


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class BackupInfo:
    arn: str
    name: str
    table: str
    created_at: datetime  # the point in time the backup holds
    status: str  # CREATING | AVAILABLE | DELETED
    size_bytes: int = 0


@dataclass(frozen=True)
class PitrWindow:
    enabled: bool
    earliest: datetime | None = None
    latest: datetime | None = None


@dataclass(frozen=True)
class TableShape:
    """What a restore must be told to keep (billing, encryption) and the table's state."""

    name: str
    arn: str
    status: str
    billing_mode: str  # PAY_PER_REQUEST | PROVISIONED
    sse_kms_key: str | None  # None: AWS owned key (the default)


@dataclass(frozen=True)
class ScalingTarget:
    """One autoscaled capacity dimension of a table with its policies (configs as JSON)."""

    dimension: str
    min_capacity: int
    max_capacity: int
    policies: tuple[tuple[str, str], ...] = ()  # (policy name, target-tracking config JSON)


@dataclass(frozen=True)
class TableSettings:
    """The settings a restore does not carry over to the new table."""

    ttl_attribute: str | None = None
    stream_view_type: str | None = None  # None: no stream
    pitr_enabled: bool = False
    deletion_protection: bool = False
    tags: tuple[tuple[str, str], ...] = ()  # sorted; aws:* tags are AWS's, never copied
    scaling: tuple[ScalingTarget, ...] = field(default=())


class DynamoBackups:
    """Backups, restores and table settings of DynamoDB tables."""

    def __init__(self, clients: AwsClients) -> None:
        self._clients = clients
        self._db = clients.dynamodb

    def shape(self, table: str) -> TableShape | None:
        try:
            with aws_call("dynamodb DescribeTable", self._clients.endpoint):
                found = self._db.describe_table(TableName=table)["Table"]
        except AwsCallFailed as exc:
            if exc.code in _NOT_FOUND:
                return None
            raise
        sse = found.get("SSEDescription") or {}
        return TableShape(
            name=table,
            arn=found.get("TableArn", ""),
            status=found.get("TableStatus", ""),
            billing_mode=(found.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED"),
            sse_kms_key=sse.get("KMSMasterKeyArn") if sse.get("SSEType") == "KMS" else None,
        )

    def create_backup(self, table: str, name: str) -> BackupInfo:
        with aws_call("dynamodb CreateBackup", self._clients.endpoint):
            details = self._db.create_backup(TableName=table, BackupName=name)["BackupDetails"]
        return BackupInfo(
            arn=details["BackupArn"],
            name=details["BackupName"],
            table=table,
            created_at=_utc(details["BackupCreationDateTime"]),
            status=details["BackupStatus"],
            size_bytes=int(details.get("BackupSizeBytes", 0)),
        )

    def describe_backup(self, arn: str) -> BackupInfo | None:
        try:
            with aws_call("dynamodb DescribeBackup", self._clients.endpoint):
                found = self._db.describe_backup(BackupArn=arn)["BackupDescription"]
        except AwsCallFailed as exc:
            if exc.code in ("BackupNotFoundException", "ValidationException"):
                return None
            raise
        details = found["BackupDetails"]
        return BackupInfo(
            arn=details["BackupArn"],
            name=details["BackupName"],
            table=found.get("SourceTableDetails", {}).get("TableName", ""),
            created_at=_utc(details["BackupCreationDateTime"]),
            status=details["BackupStatus"],
            size_bytes=int(details.get("BackupSizeBytes", 0)),
        )

    def list_backups(self, table: str) -> tuple[BackupInfo, ...]:
        """The table's on-demand (USER) backups, oldest first."""
        found: list[BackupInfo] = []
        args: dict[str, Any] = {"TableName": table, "BackupType": "USER"}
        while True:
            with aws_call("dynamodb ListBackups", self._clients.endpoint):
                page = self._db.list_backups(**args)
            for summary in page.get("BackupSummaries", []):
                found.append(
                    BackupInfo(
                        arn=summary["BackupArn"],
                        name=summary.get("BackupName", ""),
                        table=summary.get("TableName", table),
                        created_at=_utc(summary["BackupCreationDateTime"]),
                        status=summary.get("BackupStatus", ""),
                        size_bytes=int(summary.get("BackupSizeBytes", 0)),
                    )
                )
            last = page.get("LastEvaluatedBackupArn")
            if not last:
                return tuple(sorted(found, key=lambda b: (b.created_at, b.arn)))
            args["ExclusiveStartBackupArn"] = last

    def delete_backup(self, arn: str) -> None:
        with aws_call("dynamodb DeleteBackup", self._clients.endpoint):
            self._db.delete_backup(BackupArn=arn)

    def restore_backup(self, arn: str, target: str, like: TableShape) -> None:
        """Restore a backup into a new table with the source's billing mode and encryption."""
        with aws_call("dynamodb RestoreTableFromBackup", self._clients.endpoint):
            self._db.restore_table_from_backup(
                TargetTableName=target, BackupArn=arn, **_overrides(like)
            )

    def restore_point_in_time(
        self, source: str, target: str, at: datetime | None, like: TableShape
    ) -> None:
        """Restore `source` as it was at `at` (None: the latest restorable time)."""
        point: dict[str, Any] = (
            {"UseLatestRestorableTime": True} if at is None else {"RestoreDateTime": at}
        )
        with aws_call("dynamodb RestoreTableToPointInTime", self._clients.endpoint):
            self._db.restore_table_to_point_in_time(
                SourceTableName=source, TargetTableName=target, **point, **_overrides(like)
            )

    def pitr(self, table: str) -> PitrWindow:
        with aws_call("dynamodb DescribeContinuousBackups", self._clients.endpoint):
            found = self._db.describe_continuous_backups(TableName=table)
        pitr = found["ContinuousBackupsDescription"].get("PointInTimeRecoveryDescription", {})
        earliest, latest = (
            pitr.get("EarliestRestorableDateTime"),
            pitr.get("LatestRestorableDateTime"),
        )
        return PitrWindow(
            enabled=pitr.get("PointInTimeRecoveryStatus") == "ENABLED",
            earliest=_utc(earliest) if earliest else None,
            latest=_utc(latest) if latest else None,
        )

    def settings(self, table: str) -> TableSettings:
        endpoint = self._clients.endpoint
        with aws_call("dynamodb DescribeTable", endpoint):
            described = self._db.describe_table(TableName=table)["Table"]
        with aws_call("dynamodb DescribeTimeToLive", endpoint):
            ttl = self._db.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
        stream: Mapping[str, Any] = described.get("StreamSpecification") or {}
        ttl_on = ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING")
        return TableSettings(
            ttl_attribute=ttl.get("AttributeName") if ttl_on else None,
            stream_view_type=stream.get("StreamViewType") if stream.get("StreamEnabled") else None,
            pitr_enabled=self.pitr(table).enabled,
            deletion_protection=bool(described.get("DeletionProtectionEnabled", False)),
            tags=self._tags(described["TableArn"]),
            scaling=self._scaling(table),
        )

    def _tags(self, arn: str) -> tuple[tuple[str, str], ...]:
        tags: dict[str, str] = {}
        args: dict[str, Any] = {"ResourceArn": arn}
        while True:
            with aws_call("dynamodb ListTagsOfResource", self._clients.endpoint):
                page = self._db.list_tags_of_resource(**args)
            tags.update({t["Key"]: t["Value"] for t in page.get("Tags", [])})
            if not page.get("NextToken"):
                return tuple(sorted((k, v) for k, v in tags.items() if not k.startswith("aws:")))
            args["NextToken"] = page["NextToken"]

    def _scaling(self, table: str) -> tuple[ScalingTarget, ...]:
        scaling = self._clients.autoscaling
        resource = f"table/{table}"
        with aws_call("application-autoscaling DescribeScalableTargets", self._clients.endpoint):
            targets = scaling.describe_scalable_targets(
                ServiceNamespace="dynamodb", ResourceIds=[resource]
            )["ScalableTargets"]
        with aws_call("application-autoscaling DescribeScalingPolicies", self._clients.endpoint):
            policies = scaling.describe_scaling_policies(
                ServiceNamespace="dynamodb", ResourceId=resource
            )["ScalingPolicies"]
        found = []
        for target in targets:
            dimension = target["ScalableDimension"]
            mine = sorted(
                (p["PolicyName"], _policy_json(p.get("TargetTrackingScalingPolicyConfiguration")))
                for p in policies
                # exact match: the emulator also returns policies of tables named as a prefix
                if p["ScalableDimension"] == dimension and p["ResourceId"] == resource
            )
            found.append(
                ScalingTarget(dimension, target["MinCapacity"], target["MaxCapacity"], tuple(mine))
            )
        return tuple(sorted(found, key=lambda t: t.dimension))

    def set_ttl(self, table: str, attribute: str) -> None:
        with aws_call("dynamodb UpdateTimeToLive", self._clients.endpoint):
            self._db.update_time_to_live(
                TableName=table,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute},
            )

    def set_stream(self, table: str, view_type: str) -> None:
        with aws_call("dynamodb UpdateTable (stream)", self._clients.endpoint):
            self._db.update_table(
                TableName=table,
                StreamSpecification={"StreamEnabled": True, "StreamViewType": view_type},  # type: ignore[typeddict-item]
            )

    def set_pitr(self, table: str, enabled: bool) -> None:
        with aws_call("dynamodb UpdateContinuousBackups", self._clients.endpoint):
            self._db.update_continuous_backups(
                TableName=table,
                PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": enabled},
            )

    def set_deletion_protection(self, table: str, enabled: bool) -> None:
        with aws_call("dynamodb UpdateTable (deletion protection)", self._clients.endpoint):
            self._db.update_table(TableName=table, DeletionProtectionEnabled=enabled)

    def tag(self, table: str, tags: tuple[tuple[str, str], ...]) -> None:
        arn = self._arn(table)
        with aws_call("dynamodb TagResource", self._clients.endpoint):
            self._db.tag_resource(ResourceArn=arn, Tags=[{"Key": k, "Value": v} for k, v in tags])

    def set_scaling(self, table: str, target: ScalingTarget) -> None:
        scaling = self._clients.autoscaling
        resource = f"table/{table}"
        dimension: Any = target.dimension
        with aws_call("application-autoscaling RegisterScalableTarget", self._clients.endpoint):
            scaling.register_scalable_target(
                ServiceNamespace="dynamodb",
                ResourceId=resource,
                ScalableDimension=dimension,
                MinCapacity=target.min_capacity,
                MaxCapacity=target.max_capacity,
            )
        for name, config in target.policies:
            with aws_call("application-autoscaling PutScalingPolicy", self._clients.endpoint):
                scaling.put_scaling_policy(
                    PolicyName=name,
                    ServiceNamespace="dynamodb",
                    ResourceId=resource,
                    ScalableDimension=dimension,
                    PolicyType="TargetTrackingScaling",
                    TargetTrackingScalingPolicyConfiguration=json.loads(config),
                )

    def remove_scaling(self, table: str, dimensions: tuple[str, ...]) -> None:
        """Deregister a deleted drill table's scalable targets (their policies go with them)."""
        operation = "application-autoscaling DeregisterScalableTarget"
        for dimension in dimensions:
            try:
                with aws_call(operation, self._clients.endpoint):
                    self._clients.autoscaling.deregister_scalable_target(
                        ServiceNamespace="dynamodb",
                        ResourceId=f"table/{table}",
                        ScalableDimension=dimension,  # type: ignore[arg-type]
                    )
            except AwsCallFailed as exc:
                # AWS says ObjectNotFoundException; the emulator a ValidationException.
                gone = exc.code == "ObjectNotFoundException" or "No scalable target" in str(exc)
                if not gone:
                    raise

    def delete_table(self, table: str) -> bool:
        """Delete a table; False when it did not exist."""
        try:
            with aws_call("dynamodb DeleteTable", self._clients.endpoint):
                self._db.delete_table(TableName=table)
        except AwsCallFailed as exc:
            if exc.code in _NOT_FOUND:
                return False
            raise
        return True

    def scan_pages(
        self, table: str, segment: int, segments: int, page_size: int
    ) -> Iterator[list[Item]]:
        """One parallel-scan segment, a page at a time (strongly consistent reads)."""
        args: ScanInputTypeDef = {"TableName": table, "Limit": page_size, "ConsistentRead": True}
        if segments > 1:  # one segment is a plain scan (the emulator hashes every item otherwise)
            args["Segment"] = segment
            args["TotalSegments"] = segments
        while True:
            with aws_call(f"dynamodb Scan (segment {segment})", self._clients.endpoint):
                response = self._db.scan(**args)
            items: list[Item] = response.get("Items", [])
            last = response.get("LastEvaluatedKey")
            # Hold no reference to a page while the next one is fetched: memory is one page.
            del response
            yield items
            del items
            if not last:
                return
            args["ExclusiveStartKey"] = last

    def _arn(self, table: str) -> str:
        with aws_call("dynamodb DescribeTable", self._clients.endpoint):
            return self._db.describe_table(TableName=table)["Table"]["TableArn"]


def _overrides(like: TableShape) -> dict[str, Any]:
    # A provisioned table restores with the backup's throughput; only on-demand needs saying.
    args: dict[str, Any] = {}
    if like.billing_mode == "PAY_PER_REQUEST":
        args["BillingModeOverride"] = "PAY_PER_REQUEST"
    if like.sse_kms_key:
        args["SSESpecificationOverride"] = {
            "Enabled": True,
            "SSEType": "KMS",
            "KMSMasterKeyId": like.sse_kms_key,
        }
    return args


def _policy_json(config: Any) -> str:
    return json.dumps(config or {}, sort_keys=True, separators=(",", ":"), default=str)
