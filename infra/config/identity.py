"""The `identity` section: who issues the API's tokens. `cognito` (the default): a user pool and
app client in the environment's stack, trusted by the API's JWT authorizer and the app;
`external`: another issuer, described by the top-level `jwt` section.

User management (`users create|reset-password|disable`) asks for `--approved-by` where
`changes_need_approval` is true; prod must keep it true.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictBool, StrictInt, ValidationInfo, field_validator

from infra.config.base import ConfigModel

Provider = Literal["cognito", "external"]
Mfa = Literal["off", "optional", "required"]


class IdentityConfig(ConfigModel):
    """The user pool's policies and token lifetimes (Cognito's own ranges)."""

    provider: Provider = "cognito"
    password_min_length: Annotated[StrictInt, Field(ge=8, le=99)] = 12
    temporary_password_days: Annotated[StrictInt, Field(ge=1, le=365)] = 3
    mfa: Mfa = "optional"
    # Cognito's default units (hours for access/id tokens, days for refresh tokens).
    access_token_hours: Annotated[StrictInt, Field(ge=1, le=24)] = 1
    refresh_token_days: Annotated[StrictInt, Field(ge=1, le=3650)] = 30
    changes_need_approval: StrictBool = False

    @field_validator("refresh_token_days")
    @classmethod
    def _refresh_outlives_access(cls, value: int, info: ValidationInfo) -> int:
        hours = info.data.get("access_token_hours")
        if hours is not None and value * 24 <= hours:
            raise ValueError(
                f"must last longer than access_token_hours ({hours}): a refresh token "
                "that expires first can never refresh"
            )
        return value


def require_approval_in_prod(env: str | None, identity: IdentityConfig) -> IdentityConfig:
    """prod refuses `changes_need_approval: false` (user changes there need a second person)."""
    if env == "prod" and not identity.changes_need_approval:
        raise ValueError(
            "identity.changes_need_approval must be true for prod: user changes in production "
            "need --approved-by"
        )
    return identity
