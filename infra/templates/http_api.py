"""The API Gateway v2 HTTP API: JWT authorizer, Lambda integration on the alias, routes, stage."""

from __future__ import annotations

import json
from dataclasses import dataclass

from troposphere import GetAtt, Join, Ref, Sub, Template, apigatewayv2, awslambda, logs

from infra.config.model import EnvironmentConfig
from infra.templates.function import LOG_GROUP_KMS_SKIP, Function
from infra.templates.identity import TokenIssuer
from infra.templates.metadata import checkov_skips
from infra.templates.parameters import ON_AWS_CONDITION

# Routes anyone may call (load balancers, smoke tests, canary attribution); all else needs a JWT.
PUBLIC_ROUTES = ("GET /health", "GET /version")
# API Gateway's own ceiling for an HTTP API integration.
MAX_INTEGRATION_TIMEOUT_MS = 30_000

_ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "requestTime": "$context.requestTime",
        "routeKey": "$context.routeKey",
        "status": "$context.status",
        "responseLength": "$context.responseLength",
        "integrationLatency": "$context.integrationLatency",
        "integrationError": "$context.integrationErrorMessage",
    },
    sort_keys=True,
)


@dataclass(frozen=True)
class HttpApi:
    api: apigatewayv2.Api
    stage: apigatewayv2.Stage


def add_http_api(
    template: Template, config: EnvironmentConfig, function: Function, issuer: TokenIssuer
) -> HttpApi:
    """HTTP API in front of the `live` alias, with its access log and invoke permission; its
    JWT authorizer trusts `issuer` (the environment's user pool)."""
    names = config.names
    api = template.add_resource(
        apigatewayv2.Api(
            "HttpApi",
            Name=names.http_api,
            ProtocolType="HTTP",
            Description=f"Energy Insights API ({config.name})",
        )
    )
    authorizer = template.add_resource(
        apigatewayv2.Authorizer(
            "JwtAuthorizer",
            ApiId=Ref(api),
            Name="jwt",
            AuthorizerType="JWT",
            IdentitySource=["$request.header.Authorization"],
            JwtConfiguration=apigatewayv2.JWTConfiguration(
                Issuer=issuer.issuer, Audience=[issuer.audience]
            ),
        )
    )
    integration = template.add_resource(
        apigatewayv2.Integration(
            "LambdaIntegration",
            ApiId=Ref(api),
            IntegrationType="AWS_PROXY",
            IntegrationUri=Ref(function.alias),
            PayloadFormatVersion="2.0",
            TimeoutInMillis=min(
                config.function.timeout_s * 1000 + 1000, MAX_INTEGRATION_TIMEOUT_MS
            ),
        )
    )
    target = Join("/", ["integrations", Ref(integration)])
    template.add_resource(
        apigatewayv2.Route(
            "DefaultRoute",
            ApiId=Ref(api),
            RouteKey="$default",
            AuthorizationType="JWT",
            AuthorizerId=Ref(authorizer),
            Target=target,
        )
    )
    for route_key in PUBLIC_ROUTES:
        template.add_resource(
            apigatewayv2.Route(
                _route_id(route_key),
                ApiId=Ref(api),
                RouteKey=route_key,
                AuthorizationType="NONE",
                Target=target,
            )
        )
    access_logs = template.add_resource(
        logs.LogGroup(
            "AccessLogGroup",
            LogGroupName=names.access_log_group,
            RetentionInDays=config.log_retention_days,
            Metadata=checkov_skips(LOG_GROUP_KMS_SKIP),
        )
    )
    stage = template.add_resource(
        apigatewayv2.Stage(
            "DefaultStage",
            ApiId=Ref(api),
            StageName="$default",
            AutoDeploy=True,
            AccessLogSettings=apigatewayv2.AccessLogSettings(
                DestinationArn=GetAtt(access_logs, "Arn"), Format=_ACCESS_LOG_FORMAT
            ),
            DefaultRouteSettings=apigatewayv2.RouteSettings(
                ThrottlingRateLimit=config.api.throttle_rate_per_s,
                ThrottlingBurstLimit=config.api.throttle_burst,
            ),
        )
    )
    template.add_resource(
        awslambda.Permission(
            "ApiInvokePermission",
            # The emulator skips the alias, so a permission on it would fail the whole stack.
            Condition=ON_AWS_CONDITION,
            DependsOn=[function.alias.title],
            Action="lambda:InvokeFunction",
            # "name:alias" form: the permission must sit on the alias the integration invokes.
            FunctionName=Sub("${" + function.function.title + "}:" + names.alias),
            Principal="apigateway.amazonaws.com",
            SourceArn=Sub(
                "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:"
                "${" + api.title + "}/*"
            ),
        )
    )
    return HttpApi(api=api, stage=stage)


def _route_id(route_key: str) -> str:
    """`GET /health` -> `GetHealthRoute`."""
    method, path = route_key.split(" ", 1)
    words = [method, *path.strip("/").split("/")]
    return "".join(word.capitalize() for word in words if word) + "Route"
