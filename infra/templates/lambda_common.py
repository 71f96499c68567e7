"""What the stack's Lambda functions share: the trust policy of their execution roles and, for
the helper functions (notifier, token claims), a log group named after the function."""

from __future__ import annotations

from typing import Any

from troposphere import logs

from infra.config.model import EnvironmentConfig
from infra.templates.metadata import LOG_GROUP_KMS_SKIP, checkov_skips


def lambda_trust_policy() -> dict[str, Any]:
    """AssumeRolePolicyDocument of a Lambda execution role (a new dict each call)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def function_log_group(
    title: str, function_name: str, config: EnvironmentConfig, **kw: Any
) -> logs.LogGroup:
    """`/aws/lambda/<function_name>`, kept the config's days (`kw`: e.g. a Condition)."""
    return logs.LogGroup(
        title,
        LogGroupName=f"/aws/lambda/{function_name}",
        RetentionInDays=config.log_retention_days,
        Metadata=checkov_skips(LOG_GROUP_KMS_SKIP),
        **kw,
    )
