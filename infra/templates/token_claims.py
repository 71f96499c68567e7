"""What makes the pool's access tokens carry what the app authorizes: a resource server with
the API's four scopes, a group per role, and a pre-token-generation trigger (V2_0, which needs
the Essentials feature plan) mapping a user's groups to scopes and the `sites` claim. AWS only:
the emulator runs no Cognito triggers (the local target trusts its own release key for that)."""

from __future__ import annotations

from pathlib import Path

from troposphere import GetAtt, If, NoValue, Ref, Template, awslambda, cognito, iam

from infra.config.model import EnvironmentConfig
from infra.config.runtime import LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME
from infra.operations.users import token_claims_function
from infra.operations.users.grants import (
    RESOURCE_SERVER,
    ROLE_DESCRIPTIONS,
    Role,
    roles_setting,
)
from infra.templates.lambda_common import function_log_group, lambda_trust_policy
from infra.templates.metadata import checkov_skips
from infra.templates.parameters import ON_AWS_CONDITION

TRIGGER_SOURCE = Path(token_claims_function.__file__).read_text(encoding="utf-8")
TRIGGER_VERSION = "V2_0"  # access token customization (V1_0 only changes the ID token)
POOL_TIER = "ESSENTIALS"  # the lowest feature plan with V2_0 triggers


def add_token_claims(template: Template, config: EnvironmentConfig, pool: cognito.UserPool) -> None:
    """Resource server, role groups and the trigger; sets the pool's LambdaConfig (AWS only)."""
    template.add_resource(
        cognito.UserPoolResourceServer(
            "ApiResourceServer",
            UserPoolId=Ref(pool),
            Identifier=RESOURCE_SERVER,
            Name=f"{config.name_prefix}-api",
            Scopes=[
                cognito.ResourceServerScopeType(ScopeName=s.value, ScopeDescription=s.value)
                for s in Role.ADMIN.scopes
            ],
        )
    )
    for precedence, role in enumerate(Role):
        template.add_resource(
            cognito.UserPoolGroup(
                f"RoleGroup{role.value.capitalize()}",
                UserPoolId=Ref(pool),
                GroupName=role.value,
                Description=ROLE_DESCRIPTIONS[role],
                Precedence=len(Role) - precedence,
            )
        )
    trigger = _add_trigger(template, config)
    pool.LambdaConfig = If(
        ON_AWS_CONDITION,
        cognito.LambdaConfig(
            PreTokenGenerationConfig=cognito.PreTokenGenerationConfig(
                LambdaArn=GetAtt(trigger, "Arn"), LambdaVersion=TRIGGER_VERSION
            )
        ),
        NoValue,
    )
    template.add_resource(
        awslambda.Permission(
            "TokenClaimsInvoke",
            Action="lambda:InvokeFunction",
            FunctionName=Ref(trigger),
            Principal="cognito-idp.amazonaws.com",
            SourceArn=GetAtt(pool, "Arn"),
            Condition=ON_AWS_CONDITION,
        )
    )


def _add_trigger(template: Template, config: EnvironmentConfig) -> awslambda.Function:
    name = f"{config.name_prefix}-token-claims"
    aws_only = {"Condition": ON_AWS_CONDITION}
    log_group = template.add_resource(
        function_log_group("TokenClaimsLogGroup", name, config, **aws_only)
    )
    role = template.add_resource(
        iam.Role(
            "TokenClaimsRole",
            AssumeRolePolicyDocument=lambda_trust_policy(),
            Policies=[
                iam.Policy(
                    PolicyName="logs",
                    PolicyDocument={
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                                "Resource": GetAtt(log_group, "Arn"),
                            }
                        ],
                    },
                )
            ],
            **aws_only,
        )
    )
    return template.add_resource(
        awslambda.Function(
            "TokenClaimsFunction",
            DependsOn=[log_group.title],
            FunctionName=name,
            Description=f"{config.name}: user pool groups -> access token scopes and sites",
            Runtime=LAMBDA_RUNTIME,
            Architectures=[LAMBDA_ARCHITECTURE],
            Handler="index.handler",
            Code=awslambda.Code(ZipFile=TRIGGER_SOURCE),
            Role=GetAtt(role, "Arn"),
            MemorySize=128,
            Timeout=5,  # Cognito waits 5 s for a trigger
            Environment=awslambda.Environment(
                Variables={"ROLES": roles_setting(), "RESOURCE_SERVER": RESOURCE_SERVER}
            ),
            Metadata=checkov_skips(
                ("CKV_AWS_115", "A concurrency cap would fail sign-ins under load."),
                ("CKV_AWS_116", "Invoked synchronously by Cognito: a DLQ never receives."),
                ("CKV_AWS_117", "Computes claims from its input only; no network, no VPC."),
                ("CKV_AWS_173", "Environment holds role names and scope names only."),
            ),
            **aws_only,
        )
    )
