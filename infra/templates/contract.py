"""What the deployer and smoke tests rely on: stack parameter and output names, artifact keys,
and the environment variables the app receives. Change these only together with their readers.
"""

from __future__ import annotations

import re

# Stack parameters (CloudFormation ParameterKey).
PARAM_ARTIFACT_BUCKET = "ArtifactBucket"
PARAM_ARTIFACT_DIGEST = "ArtifactDigest"
PARAM_GIT_COMMIT = "GitCommit"
PARAM_APP_VERSION = "AppVersion"
PARAM_LIVE_VERSION = "LiveVersion"
PARAM_DEPLOY_TARGET = "DeployTarget"
DEPLOY_TARGETS = ("aws", "local")
PARAMETERS = (
    PARAM_ARTIFACT_BUCKET,
    PARAM_ARTIFACT_DIGEST,
    PARAM_GIT_COMMIT,
    PARAM_APP_VERSION,
    PARAM_LIVE_VERSION,
    PARAM_DEPLOY_TARGET,
)

# Stack outputs (CloudFormation OutputKey).
OUT_API_URL = "ApiUrl"
OUT_API_ID = "ApiId"
OUT_DATA_TABLE = "DataTableName"
OUT_DEPLOYMENTS_TABLE = "DeploymentsTableName"
OUT_REPORTS_BUCKET = "ReportsBucketName"
OUT_FUNCTION_NAME = "FunctionName"
OUT_FUNCTION_ARN = "FunctionArn"
OUT_FUNCTION_VERSION_ARN = "FunctionVersionArn"
OUT_ALIAS_NAME = "AliasName"
OUT_ALIAS_ARN = "AliasArn"
OUT_ALERT_TOPIC = "AlertTopicArn"
OUT_LOG_GROUP = "FunctionLogGroupName"
OUT_ENVIRONMENT = "EnvironmentName"
OUTPUTS = (
    OUT_API_URL,
    OUT_API_ID,
    OUT_DATA_TABLE,
    OUT_DEPLOYMENTS_TABLE,
    OUT_REPORTS_BUCKET,
    OUT_FUNCTION_NAME,
    OUT_FUNCTION_ARN,
    OUT_FUNCTION_VERSION_ARN,
    OUT_ALIAS_NAME,
    OUT_ALIAS_ARN,
    OUT_ALERT_TOPIC,
    OUT_LOG_GROUP,
    OUT_ENVIRONMENT,
)

# The app's environment variables on Lambda: the names `app.settings.Var` reads (a unit test
# keeps them equal; synth does not import app so its cache key stays infra/ alone).
ENV_APP_ENV = "EI_ENV"
ENV_TABLE_NAME = "EI_TABLE_NAME"
ENV_BUCKET_NAME = "EI_REPORTS_BUCKET"
ENV_APP_VERSION = "EI_VERSION"
ENV_ARTIFACT_DIGEST = "EI_ARTIFACT_DIGEST"
ENV_GIT_COMMIT = "EI_COMMIT"
ENV_JWT_ISSUER = "EI_JWT_ISSUER"
ENV_JWT_AUDIENCE = "EI_JWT_AUDIENCE"
ENV_JWT_JWKS_URL = "EI_JWT_JWKS_URL"
ENV_FAULT_ALLOW_PROD = "EI_FAULT_ALLOW_PROD"
ENV_FEATURE_FLAGS = "EI_FEATURE_FLAGS"
ENV_LOG_LEVEL = "EI_LOG_LEVEL"

DIGEST_PATTERN = r"^[0-9a-f]{64}$"
COMMIT_PATTERN = r"^([0-9a-f]{7,40}|unknown)$"
# Key of the Lambda zip in the artifact bucket; the template fills `digest` with the parameter.
ARTIFACT_KEY_FORMAT = "lambda/{digest}.zip"
_DIGEST = re.compile(DIGEST_PATTERN)


def template_key(digest: str) -> str:
    """The S3 key of a stack template with this sha256 (hex), in the artifact bucket: a
    template over TemplateBody's limit reaches CloudFormation as a TemplateURL from there."""
    if not _DIGEST.fullmatch(digest):
        raise ValueError(f"template digest must be 64 lowercase hex characters, got {digest!r}")
    return f"templates/{digest}.json"


def artifact_key(digest: str) -> str:
    """The S3 key of the Lambda zip with this sha256 digest (hex), in the artifact bucket."""
    if not _DIGEST.fullmatch(digest):
        raise ValueError(f"artifact digest must be 64 lowercase hex characters, got {digest!r}")
    return ARTIFACT_KEY_FORMAT.format(digest=digest)
