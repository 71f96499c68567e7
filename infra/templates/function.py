"""The Lambda function: least-privilege role, log group, published version and `live` alias."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from troposphere import GetAtt, If, Ref, Sub, Template, awslambda, iam, logs

from infra.config.model import EnvironmentConfig
from infra.config.runtime import LAMBDA_ARCHITECTURE, LAMBDA_HANDLER, LAMBDA_RUNTIME
from infra.templates import contract
from infra.templates.identity import TokenIssuer
from infra.templates.lambda_common import lambda_trust_policy
from infra.templates.metadata import LOG_GROUP_KMS_SKIP, checkov_skips
from infra.templates.parameters import NEW_VERSION_CONDITION, Parameters
from infra.templates.storage import Storage

# What the app does with its data, and nothing more (no wildcards on data resources).
TABLE_ACTIONS = (
    "dynamodb:BatchWriteItem",
    "dynamodb:DescribeTable",  # the deep health check
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
)
OBJECT_ACTIONS = ("s3:GetObject", "s3:PutObject")  # GetObject signs the download URLs
BUCKET_ACTIONS = ("s3:ListBucket",)  # HeadBucket in the deep health check
LOG_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")
TRACE_ACTIONS = ("xray:PutTelemetryRecords", "xray:PutTraceSegments")
# Powertools Tracer stays inert where this is true (and outside Lambda anyway).
ENV_TRACE_DISABLED = "POWERTOOLS_TRACE_DISABLED"
__all__ = ["LOG_GROUP_KMS_SKIP", "Function", "add_function"]


@dataclass(frozen=True)
class Function:
    function: awslambda.Function
    version: awslambda.Version
    alias: awslambda.Alias
    log_group: logs.LogGroup


def add_function(
    template: Template,
    config: EnvironmentConfig,
    params: Parameters,
    storage: Storage,
    issuer: TokenIssuer,
) -> Function:
    """Function, role, log group, a version published per artifact/config, and the alias."""
    names = config.names
    log_group = template.add_resource(
        logs.LogGroup(
            "FunctionLogGroup",
            LogGroupName=names.function_log_group,
            RetentionInDays=config.log_retention_days,
            Metadata=checkov_skips(LOG_GROUP_KMS_SKIP),
        )
    )
    role = template.add_resource(_role(log_group, storage, config))
    function = template.add_resource(_function(config, params, storage, role, log_group, issuer))
    # A new version is published only when this resource's properties change, so its
    # description carries the artifact digest and a fingerprint of the function's settings.
    settings = json.dumps(function.to_dict()["Properties"], sort_keys=True)
    fingerprint = hashlib.sha256(settings.encode()).hexdigest()[:16]
    version = template.add_resource(
        awslambda.Version(
            "FunctionVersion",
            FunctionName=Ref(function),
            Description=Sub(f"artifact ${{{contract.PARAM_ARTIFACT_DIGEST}}} config {fingerprint}"),
            # Replaced versions stay published: the alias may still route to the previous one
            # during a canary, and a rollback needs it.
            DeletionPolicy="Retain",
            UpdateReplacePolicy="Retain",
        )
    )
    alias = template.add_resource(
        awslambda.Alias(
            "LiveAlias",
            Name=names.alias,
            FunctionName=Ref(function),
            FunctionVersion=If(
                NEW_VERSION_CONDITION, GetAtt(version, "Version"), Ref(params.live_version)
            ),
            Description="The version API Gateway invokes; the rollout shifts its weights",
            **_provisioned(config),
        )
    )
    return Function(function=function, version=version, alias=alias, log_group=log_group)


def _provisioned(config: EnvironmentConfig) -> dict[str, Any]:
    """Warm environments on the alias (so a canary's weights split them), when configured."""
    provisioned = config.function.provisioned_concurrency
    if provisioned is None:
        return {}
    return {
        "ProvisionedConcurrencyConfig": awslambda.ProvisionedConcurrencyConfiguration(
            ProvisionedConcurrentExecutions=provisioned
        )
    }


def _role(log_group: logs.LogGroup, storage: Storage, config: EnvironmentConfig) -> iam.Role:
    table_arns: list[Any] = [GetAtt(storage.data_table, "Arn")]
    override = config.backup.data_table_override
    if override:
        # A restored table lives outside the stack. The stack's table stays allowed: during the
        # switch deploy the previous version still serves it with this same role.
        table_arns.append(
            Sub(
                f"arn:${{AWS::Partition}}:dynamodb:${{AWS::Region}}:${{AWS::AccountId}}:table/{override}"
            )
        )
    tracing = config.monitoring.tracing
    bucket_arn = GetAtt(storage.reports_bucket, "Arn")
    # X-Ray trace segments have no resource-level permissions: "*" is the only resource.
    traces = [_allow("WriteTraces", TRACE_ACTIONS, ["*"])] if tracing else []
    return iam.Role(
        "FunctionRole",
        AssumeRolePolicyDocument=lambda_trust_policy(),
        Policies=[
            iam.Policy(
                PolicyName="least-privilege",
                PolicyDocument={
                    "Version": "2012-10-17",
                    "Statement": [
                        _allow("WriteOwnLogs", LOG_ACTIONS, [GetAtt(log_group, "Arn")]),
                        _allow("UseDataTable", TABLE_ACTIONS, table_arns),
                        _allow("ListReportsBucket", BUCKET_ACTIONS, [bucket_arn]),
                        _allow(
                            "ReadWriteReports",
                            OBJECT_ACTIONS,
                            [Sub("${" + storage.reports_bucket.title + ".Arn}/*")],
                        ),
                        *traces,
                    ],
                },
            )
        ],
    )


def _allow(sid: str, actions: tuple[str, ...], resources: list[Any]) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": list(actions), "Resource": resources}


def _function(
    config: EnvironmentConfig,
    params: Parameters,
    storage: Storage,
    role: iam.Role,
    log_group: logs.LogGroup,
    issuer: TokenIssuer,
) -> awslambda.Function:
    reserved = config.function.reserved_concurrency
    skips = [
        ("CKV_AWS_116", "Invoked synchronously by API Gateway only; a DLQ never receives events."),
        ("CKV_AWS_117", "Talks only to AWS APIs over TLS; a VPC would add NAT cost and latency."),
        ("CKV_AWS_173", "Environment variables hold names and versions only, never secrets."),
    ]
    if reserved is None:
        skips.append(
            (
                "CKV_AWS_115",
                f"{config.name} shares the account's unreserved concurrency (reserved_concurrency "
                "is unset in its environment config).",
            )
        )
    sizing: dict[str, int] = {
        "MemorySize": config.function.memory_mb,
        "Timeout": config.function.timeout_s,
    }
    if reserved is not None:
        sizing["ReservedConcurrentExecutions"] = reserved
    return awslambda.Function(
        "Function",
        DependsOn=[log_group.title],
        FunctionName=config.names.function,
        Description=f"Energy Insights API ({config.name})",
        Runtime=LAMBDA_RUNTIME,
        Architectures=[LAMBDA_ARCHITECTURE],
        Handler=LAMBDA_HANDLER,
        Code=awslambda.Code(
            S3Bucket=Ref(params.artifact_bucket),
            S3Key=Sub(contract.ARTIFACT_KEY_FORMAT.format(digest="${ArtifactDigest}")),
        ),
        Role=GetAtt(role, "Arn"),
        **sizing,
        Environment=awslambda.Environment(
            Variables=_app_environment(config, params, storage, issuer)
        ),
        TracingConfig=awslambda.TracingConfig(
            Mode="Active" if config.monitoring.tracing else "PassThrough"
        ),
        Metadata=checkov_skips(*skips),
    )


def _app_environment(
    config: EnvironmentConfig, params: Parameters, storage: Storage, issuer: TokenIssuer
) -> dict[str, Any]:
    flags = json.dumps(dict(sorted(config.feature_flags.items())), separators=(",", ":"))
    return {
        contract.ENV_APP_ENV: config.name,
        # After a restore: the restored table (config backup.data_table_override).
        contract.ENV_TABLE_NAME: config.backup.data_table_override or Ref(storage.data_table),
        contract.ENV_BUCKET_NAME: Ref(storage.reports_bucket),
        contract.ENV_APP_VERSION: Ref(params.app_version),
        contract.ENV_ARTIFACT_DIGEST: Ref(params.artifact_digest),
        contract.ENV_GIT_COMMIT: Ref(params.git_commit),
        contract.ENV_JWT_ISSUER: issuer.issuer,
        contract.ENV_JWT_AUDIENCE: issuer.audience,
        contract.ENV_JWT_JWKS_URL: issuer.jwks_url,
        contract.ENV_FEATURE_FLAGS: flags,
        contract.ENV_LOG_LEVEL: config.log_level,
        # The app refuses fault settings in prod unless this is true; config never allows it.
        contract.ENV_FAULT_ALLOW_PROD: "true" if config.fault_injection_allowed else "false",
        ENV_TRACE_DISABLED: "false" if config.monitoring.tracing else "true",
    }
