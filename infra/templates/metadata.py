"""Template Metadata helpers: justified scanner suppressions and stateful-resource policies."""

from __future__ import annotations

from typing import Any

from troposphere import AWSObject

from infra.config.model import EnvironmentConfig

LOG_GROUP_KMS_SKIP = (
    "CKV_AWS_158",
    "CloudWatch Logs encrypts at rest by default; the app never logs secrets or tokens, so a "
    "customer managed key would add cost without protecting anything more.",
)


def checkov_skips(*skips: tuple[str, str]) -> dict[str, Any]:
    """Resource Metadata that makes checkov skip `(check id, justification)` pairs."""
    return {"checkov": {"skip": [{"id": check, "comment": why} for check, why in skips]}}


def protect_stateful(resource: AWSObject, config: EnvironmentConfig) -> AWSObject:
    """Keep data on stack deletion and replacement unless the environment says it may go."""
    policy = "Retain" if config.retain_data else "Delete"
    resource.DeletionPolicy = policy
    resource.UpdateReplacePolicy = policy
    return resource
