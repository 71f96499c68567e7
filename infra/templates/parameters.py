"""Stack parameters: which artifact to run (by digest) and which version the alias serves."""

from __future__ import annotations

from dataclasses import dataclass

from troposphere import Equals, Parameter, Ref, Template

from infra.templates import contract

NEW_VERSION_CONDITION = "ServeNewVersion"
ON_AWS_CONDITION = "OnAws"


@dataclass(frozen=True)
class Parameters:
    artifact_bucket: Parameter
    artifact_digest: Parameter
    git_commit: Parameter
    app_version: Parameter
    live_version: Parameter
    deploy_target: Parameter


def add_parameters(template: Template) -> Parameters:
    """Declare the parameters the deployer passes on every change set."""
    params = Parameters(
        artifact_bucket=template.add_parameter(
            Parameter(
                contract.PARAM_ARTIFACT_BUCKET,
                Type="String",
                Description="Bucket holding the Lambda zip (uploaded by the deployer first)",
                AllowedPattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$",
                ConstraintDescription="an S3 bucket name",
            )
        ),
        artifact_digest=template.add_parameter(
            Parameter(
                contract.PARAM_ARTIFACT_DIGEST,
                Type="String",
                Description="sha256 (hex) of the Lambda zip; its key is lambda/<digest>.zip",
                AllowedPattern=contract.DIGEST_PATTERN,
                ConstraintDescription="64 lowercase hex characters",
            )
        ),
        git_commit=template.add_parameter(
            Parameter(
                contract.PARAM_GIT_COMMIT,
                Type="String",
                Description="Commit the artifact was built from",
                Default="unknown",
                AllowedPattern=contract.COMMIT_PATTERN,
                ConstraintDescription="a 7-40 character hex commit id, or unknown",
            )
        ),
        app_version=template.add_parameter(
            Parameter(
                contract.PARAM_APP_VERSION,
                Type="String",
                Description="Release version the app reports on /version",
                Default="0.0.0",
                AllowedPattern=r"^[0-9A-Za-z.+_-]{1,64}$",
                ConstraintDescription="1-64 characters: letters, digits, . + _ -",
            )
        ),
        live_version=template.add_parameter(
            Parameter(
                contract.PARAM_LIVE_VERSION,
                Type="String",
                Description=(
                    "Lambda version the live alias serves; empty = the version this deploy "
                    "publishes. A canary pins the stable version and shifts alias weights."
                ),
                Default="",
                AllowedPattern=r"^([1-9][0-9]*)?$",
                ConstraintDescription="empty, or a published version number",
            )
        ),
        deploy_target=template.add_parameter(
            Parameter(
                contract.PARAM_DEPLOY_TARGET,
                Type="String",
                Description=(
                    "aws, or local for the emulator: it cannot create what depends on the alias "
                    "(the deployer manages those there through direct calls)"
                ),
                Default="aws",
                AllowedValues=list(contract.DEPLOY_TARGETS),
            )
        ),
    )
    template.add_condition(ON_AWS_CONDITION, Equals(Ref(params.deploy_target), "aws"))
    template.add_condition(NEW_VERSION_CONDITION, Equals(Ref(params.live_version), ""))
    return params
