"""Data stores: the app's DynamoDB table, the deployments table and the report bucket."""

from __future__ import annotations

from dataclasses import dataclass

from troposphere import GetAtt, Ref, Sub, Template, dynamodb, s3

from infra.config.capacity import TableCapacity
from infra.config.model import EnvironmentConfig
from infra.templates.metadata import checkov_skips, protect_stateful
from infra.templates.table_capacity import add_table_autoscaling, table_capacity_properties

# Key attributes (partition key + sort key, both strings). The data table's are the ones
# `app.storage.table` uses; the deployments table's are the deployer's (`infra.deploy`).
DATA_PARTITION_KEY = "PK"
DATA_SORT_KEY = "SK"
DEPLOYMENTS_PARTITION_KEY = "pk"
DEPLOYMENTS_SORT_KEY = "sk"
# The names infra.deploy.table_items imports: the deployments table's keys.
PARTITION_KEY = DEPLOYMENTS_PARTITION_KEY
SORT_KEY = DEPLOYMENTS_SORT_KEY

_DYNAMODB_CMK = (
    "CKV_AWS_119",
    "Encrypted at rest with the AWS managed key; a customer managed key adds KMS cost and "
    "key-policy coupling without a compliance need for this data.",
)


@dataclass(frozen=True)
class Storage:
    data_table: dynamodb.Table
    deployments_table: dynamodb.Table
    reports_bucket: s3.Bucket


def add_storage(template: Template, config: EnvironmentConfig) -> Storage:
    """Both tables (PITR, SSE; the data table's capacity from config, the deployments table
    on-demand) and the versioned, private, TLS-only report bucket."""
    names = config.names
    data_keys = (DATA_PARTITION_KEY, DATA_SORT_KEY)
    deployment_keys = (DEPLOYMENTS_PARTITION_KEY, DEPLOYMENTS_SORT_KEY)
    data_table = template.add_resource(
        _table("DataTable", names.data_table, data_keys, config, config.data_table)
    )
    add_table_autoscaling(template, data_table, config.data_table)
    deployments = template.add_resource(
        _table("DeploymentsTable", names.deployments_table, deployment_keys, config, None)
    )
    bucket = template.add_resource(_reports_bucket(config))
    template.add_resource(_tls_only_policy(bucket))
    return Storage(data_table=data_table, deployments_table=deployments, reports_bucket=bucket)


def _table(
    logical_id: str,
    name: str,
    keys: tuple[str, str],
    config: EnvironmentConfig,
    capacity: TableCapacity | None,
) -> dynamodb.Table:
    partition_key, sort_key = keys
    table = dynamodb.Table(
        logical_id,
        TableName=name,
        **table_capacity_properties(capacity or TableCapacity()),
        AttributeDefinitions=[
            dynamodb.AttributeDefinition(AttributeName=partition_key, AttributeType="S"),
            dynamodb.AttributeDefinition(AttributeName=sort_key, AttributeType="S"),
        ],
        KeySchema=[
            dynamodb.KeySchema(AttributeName=partition_key, KeyType="HASH"),
            dynamodb.KeySchema(AttributeName=sort_key, KeyType="RANGE"),
        ],
        PointInTimeRecoverySpecification=dynamodb.PointInTimeRecoverySpecification(
            PointInTimeRecoveryEnabled=True
        ),
        SSESpecification=dynamodb.SSESpecification(SSEEnabled=True),
        DeletionProtectionEnabled=config.retain_data,
        Metadata=checkov_skips(_DYNAMODB_CMK),
    )
    protect_stateful(table, config)
    return table


def _reports_bucket(config: EnvironmentConfig) -> s3.Bucket:
    bucket = s3.Bucket(
        "ReportsBucket",
        BucketName=Sub(f"{config.name_prefix}-reports-${{AWS::AccountId}}-${{AWS::Region}}"),
        BucketEncryption=s3.BucketEncryption(
            ServerSideEncryptionConfiguration=[
                s3.ServerSideEncryptionRule(
                    ServerSideEncryptionByDefault=s3.ServerSideEncryptionByDefault(
                        SSEAlgorithm="AES256"
                    )
                )
            ]
        ),
        VersioningConfiguration=s3.VersioningConfiguration(Status="Enabled"),
        # Request metrics (AllRequests, 5xxErrors...) for the S3 alarm and dashboard.
        MetricsConfigurations=[s3.MetricsConfiguration(Id="EntireBucket")],
        PublicAccessBlockConfiguration=s3.PublicAccessBlockConfiguration(
            BlockPublicAcls=True,
            BlockPublicPolicy=True,
            IgnorePublicAcls=True,
            RestrictPublicBuckets=True,
        ),
        OwnershipControls=s3.OwnershipControls(
            Rules=[s3.OwnershipControlsRule(ObjectOwnership="BucketOwnerEnforced")]
        ),
        LifecycleConfiguration=s3.LifecycleConfiguration(
            Rules=[
                s3.LifecycleRule(
                    Id="expire-old-versions",
                    Status="Enabled",
                    # A deleted or overwritten report stays restorable this long (restore
                    # procedure: docs/operations/backup-and-restore.md).
                    NoncurrentVersionExpiration=s3.NoncurrentVersionExpiration(
                        NoncurrentDays=config.backup.noncurrent_version_expiry_days
                    ),
                    # Once its old versions have expired, a delete marker hides nothing.
                    ExpiredObjectDeleteMarker=True,
                    AbortIncompleteMultipartUpload=s3.AbortIncompleteMultipartUpload(
                        DaysAfterInitiation=7
                    ),
                )
            ]
        ),
        Metadata=checkov_skips(
            (
                "CKV_AWS_18",
                "Report artifacts only; object access is audited with CloudTrail data "
                "events rather than a second logging bucket per environment.",
            ),
        ),
    )
    protect_stateful(bucket, config)
    return bucket


def _tls_only_policy(bucket: s3.Bucket) -> s3.BucketPolicy:
    """Deny every request that does not use TLS."""
    return s3.BucketPolicy(
        "ReportsBucketPolicy",
        Bucket=Ref(bucket),
        PolicyDocument={
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [
                        GetAtt(bucket, "Arn"),
                        Sub("${" + bucket.title + ".Arn}/*"),
                    ],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ],
        },
    )
