"""How the deployer acts on an account: the CloudFormation service role its change sets run under.

With a service role, CloudFormation (not the deploy role) creates the stack's resources, so the
deploy role needs no IAM, Lambda-create or DynamoDB-create rights of its own: only iam:PassRole
on this one role (infra/deploy/README.md lists both roles' least-privilege policies).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from infra.config.base import ConfigModel

# IAM role names: letters, digits and +=,.@_- ; 1-64 characters.
RoleName = Annotated[str, Field(strict=True, pattern=r"^[\w+=,.@-]{1,64}$")]


def partition_of(region: str) -> str:
    """The ARN partition a region belongs to."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


class DeployConfig(ConfigModel):
    """`cloudformation_role`: the name of the role CloudFormation assumes for this stack's change
    sets (trusted by cloudformation.amazonaws.com); null: change sets use the caller's rights."""

    cloudformation_role: RoleName | None = None

    def cloudformation_role_arn(self, account_id: str, region: str) -> str | None:
        """The service role's ARN in the deploying account, or None when none is configured."""
        if self.cloudformation_role is None:
            return None
        return f"arn:{partition_of(region)}:iam::{account_id}:role/{self.cloudformation_role}"
