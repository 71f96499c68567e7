"""The environment's identity provider: a Cognito user pool and the API's app client, and the
token issuer the JWT authorizer and the app trust (the pool, or an external `jwt` issuer).

The pool and client properties are plain data, shared with the local target, which creates the
same pool through the API (the emulator's CloudFormation skips Cognito resources).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from troposphere import Ref, Sub, Template, cognito

from infra.config.model import EnvironmentConfig
from infra.templates.token_claims import POOL_TIER, add_token_claims

# Sign-in flows of the app client: SRP for browsers, password for the CLI and the E2E suite
# (TLS protects it), refresh tokens for both. No client secret: the client is public.
AUTH_FLOWS = ("ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")
_MFA = {"off": "OFF", "optional": "OPTIONAL", "required": "ON"}


def cognito_issuer(region: str, pool_id: str) -> str:
    """The `iss` of the pool's tokens (its JWKS is below it at /.well-known/jwks.json)."""
    return f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"


@dataclass(frozen=True)
class TokenIssuer:
    """What the authorizer and the app check: issuer, audience and the JWKS URL (template
    values: strings or intrinsic functions)."""

    issuer: Any
    audience: Any
    jwks_url: Any


def pool_properties(config: EnvironmentConfig) -> dict[str, Any]:
    """AWS::Cognito::UserPool properties: admin-created users only, e-mail as the username."""
    identity = config.identity
    props: dict[str, Any] = {
        "UserPoolName": config.names.user_pool,
        "UsernameAttributes": ["email"],
        "AutoVerifiedAttributes": ["email"],
        "AdminCreateUserConfig": {
            "AllowAdminCreateUserOnly": True,
        },
        "Policies": {
            "PasswordPolicy": {
                "MinimumLength": identity.password_min_length,
                "RequireLowercase": True,
                "RequireUppercase": True,
                "RequireNumbers": True,
                "RequireSymbols": True,
                "TemporaryPasswordValidityDays": identity.temporary_password_days,
            }
        },
        "AccountRecoverySetting": {
            "RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}],
        },
        "MfaConfiguration": _MFA[identity.mfa],
        "DeletionProtection": "ACTIVE" if config.retain_data else "INACTIVE",
        "UserPoolTier": POOL_TIER,  # V2_0 token triggers (infra/templates/token_claims.py)
    }
    if identity.mfa != "off":
        props["EnabledMfas"] = ["SOFTWARE_TOKEN_MFA"]
    return props


def client_properties(config: EnvironmentConfig) -> dict[str, Any]:
    """AWS::Cognito::UserPoolClient properties (without UserPoolId)."""
    identity = config.identity
    return {
        "ClientName": config.names.user_pool_client,
        "GenerateSecret": False,
        "ExplicitAuthFlows": list(AUTH_FLOWS),
        "PreventUserExistenceErrors": "ENABLED",
        "EnableTokenRevocation": True,
        # In Cognito's default units: hours (access, id) and days (refresh).
        "AccessTokenValidity": identity.access_token_hours,
        "IdTokenValidity": identity.access_token_hours,
        "RefreshTokenValidity": identity.refresh_token_days,
    }


def add_identity(template: Template, config: EnvironmentConfig) -> TokenIssuer:
    """The user pool and app client (provider cognito) and the issuer everything trusts."""
    if config.identity.provider == "external":
        jwt = config.jwt
        if jwt is None:  # the config model refuses this; kept for type narrowing
            raise ValueError(f"{config.name}: identity.provider external needs a jwt section")
        return TokenIssuer(jwt.issuer, jwt.audience, jwt.jwks_endpoint)
    policy = "Retain" if config.retain_data else "Delete"
    # from_dict builds troposphere's typed sub-properties from the shared plain data.
    pool = cognito.UserPool.from_dict("UserPool", pool_properties(config))
    pool.DeletionPolicy = pool.UpdateReplacePolicy = policy
    template.add_resource(pool)
    add_token_claims(template, config, pool)
    client = cognito.UserPoolClient.from_dict("UserPoolClient", client_properties(config))
    client.UserPoolId = Ref(pool)
    template.add_resource(client)
    issuer = "https://cognito-idp.${AWS::Region}.amazonaws.com/${" + pool.title + "}"
    return TokenIssuer(Sub(issuer), Ref(client), Sub(issuer + "/.well-known/jwks.json"))
