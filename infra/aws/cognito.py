"""Cognito user pools: find or create a pool and its app client, manage users (admin API), and
sign in (USER_PASSWORD_AUTH, REFRESH_TOKEN_AUTH). Tokens and passwords never appear in a repr,
a message or an exception."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from infra.aws.calls import aws_call
from infra.aws.clients import AwsClients, Endpoint
from infra.aws.errors import AwsCallFailed, AwsError

PAGE = 60  # list_user_pools / list_user_pool_clients accept at most 60 per page
NOT_FOUND = "UserNotFoundException"
EXISTS = "UsernameExistsException"


class UserNotFound(AwsError):
    """The pool has no user by that name (or e-mail)."""

    def __init__(self, username: str) -> None:
        self.username = username
        super().__init__(f"no user {username!r} in the user pool")


class UserExists(AwsError):
    def __init__(self, username: str) -> None:
        self.username = username
        super().__init__(f"a user {username!r} already exists in the user pool")


class SignInRefused(AwsError):
    """Cognito refused the credentials or token (wrong, disabled, expired, revoked)."""


@dataclass(frozen=True)
class CognitoUser:
    username: str  # the pool's username (a UUID when e-mail is the sign-in name)
    email: str
    status: str  # FORCE_CHANGE_PASSWORD, CONFIRMED, RESET_REQUIRED, ...
    enabled: bool
    created_at: datetime | None


@dataclass(frozen=True)
class Tokens:
    """What a sign-in returns; the values are secrets (kept out of repr)."""

    access_token: str = field(repr=False)
    id_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_in_s: int


class UserPools:
    """Pools and app clients by name (CloudFormation creates them on AWS; the local target
    creates them here because the emulator's CloudFormation skips Cognito)."""

    def __init__(self, clients: AwsClients) -> None:
        self._clients = clients

    def find(self, name: str) -> tuple[str, ...]:
        """Ids of the pools called `name` (Cognito does not make names unique)."""
        with aws_call("cognito-idp ListUserPools", self._clients.endpoint):
            pages = self._clients.cognito_idp.get_paginator("list_user_pools")
            return tuple(
                str(pool["Id"])
                for page in pages.paginate(PaginationConfig={"PageSize": PAGE})
                for pool in page.get("UserPools", [])
                if pool.get("Name") == name
            )

    def create(self, properties: Mapping[str, Any]) -> str:
        """Create a pool from CreateUserPool parameters; returns its id."""
        with aws_call(f"cognito-idp CreateUserPool ({properties['PoolName']})", self._endpoint):
            answer = self._clients.cognito_idp.create_user_pool(**properties)
        return str(answer["UserPool"]["Id"])

    def find_client(self, pool_id: str, name: str) -> tuple[str, ...]:
        with aws_call("cognito-idp ListUserPoolClients", self._endpoint):
            pages = self._clients.cognito_idp.get_paginator("list_user_pool_clients")
            return tuple(
                str(client["ClientId"])
                for page in pages.paginate(UserPoolId=pool_id, PaginationConfig={"PageSize": PAGE})
                for client in page.get("UserPoolClients", [])
                if client.get("ClientName") == name
            )

    def create_client(self, pool_id: str, properties: Mapping[str, Any]) -> str:
        with aws_call(
            f"cognito-idp CreateUserPoolClient ({properties['ClientName']})", self._endpoint
        ):
            answer = self._clients.cognito_idp.create_user_pool_client(
                UserPoolId=pool_id, **properties
            )
        return str(answer["UserPoolClient"]["ClientId"])

    @property
    def _endpoint(self) -> Endpoint:
        return self._clients.endpoint


class PoolUsers:
    """The admin API on one pool's users; an unknown user raises UserNotFound."""

    def __init__(self, clients: AwsClients, pool_id: str) -> None:
        self._clients = clients
        self._pool = pool_id

    def create(self, email: str) -> CognitoUser:
        """A new user who signs in with `email`; Cognito e-mails a temporary password."""
        with self._call("AdminCreateUser", email):
            answer = self._clients.cognito_idp.admin_create_user(
                UserPoolId=self._pool,
                Username=email,
                UserAttributes=[
                    {"Name": "email", "Value": email},
                    {"Name": "email_verified", "Value": "true"},
                ],
                DesiredDeliveryMediums=["EMAIL"],
            )
        return _user(answer["User"])

    def get(self, username: str) -> CognitoUser:
        with self._call("AdminGetUser", username):
            raw = self._clients.cognito_idp.admin_get_user(UserPoolId=self._pool, Username=username)
        attributes = {a["Name"]: a.get("Value", "") for a in raw.get("UserAttributes", [])}
        return CognitoUser(
            username=str(raw["Username"]),
            email=attributes.get("email", ""),
            status=str(raw.get("UserStatus", "")),
            enabled=bool(raw.get("Enabled", False)),
            created_at=raw.get("UserCreateDate"),
        )

    def reset_password(self, username: str) -> None:
        """Cognito e-mails a code; the user must choose a new password at next sign-in."""
        with self._call("AdminResetUserPassword", username):
            self._clients.cognito_idp.admin_reset_user_password(
                UserPoolId=self._pool, Username=username
            )

    def resend_invitation(self, username: str) -> None:
        """A new temporary password by e-mail, for a user who never signed in (Cognito refuses
        a password reset in that state)."""
        with self._call("AdminCreateUser RESEND", username):
            self._clients.cognito_idp.admin_create_user(
                UserPoolId=self._pool,
                Username=username,
                MessageAction="RESEND",
                DesiredDeliveryMediums=["EMAIL"],
            )

    def set_password(self, username: str, password: str, permanent: bool) -> None:
        """For test users of the local target and E2E runs; the password is never logged."""
        with self._call("AdminSetUserPassword", username):
            self._clients.cognito_idp.admin_set_user_password(
                UserPoolId=self._pool, Username=username, Password=password, Permanent=permanent
            )

    def disable(self, username: str) -> None:
        """Refuse new sign-ins and revoke every refresh token the user holds."""
        with self._call("AdminDisableUser", username):
            self._clients.cognito_idp.admin_disable_user(UserPoolId=self._pool, Username=username)
        with self._call("AdminUserGlobalSignOut", username):
            self._clients.cognito_idp.admin_user_global_sign_out(
                UserPoolId=self._pool, Username=username
            )

    def list(self) -> tuple[CognitoUser, ...]:
        with aws_call("cognito-idp ListUsers", self._clients.endpoint):
            pages = self._clients.cognito_idp.get_paginator("list_users")
            return tuple(
                _user(raw)
                for page in pages.paginate(UserPoolId=self._pool)
                for raw in page.get("Users", [])
            )

    def _call(self, operation: str, username: str) -> AbstractContextManager[None]:
        return _user_call(f"cognito-idp {operation}", self._clients, username)


class SignIn:
    """Sign in through one app client (no client secret)."""

    def __init__(self, clients: AwsClients, client_id: str) -> None:
        self._clients = clients
        self._client = client_id

    def password(self, username: str, password: str) -> Tokens:
        return self._auth("USER_PASSWORD_AUTH", {"USERNAME": username, "PASSWORD": password})

    def refresh(self, refresh_token: str) -> Tokens:
        return self._auth("REFRESH_TOKEN_AUTH", {"REFRESH_TOKEN": refresh_token})

    def _auth(self, flow: str, parameters: dict[str, str]) -> Tokens:
        try:
            with aws_call(f"cognito-idp InitiateAuth ({flow})", self._clients.endpoint):
                answer = self._clients.cognito_idp.initiate_auth(
                    ClientId=self._client,
                    AuthFlow=flow,  # type: ignore[arg-type]
                    AuthParameters=parameters,
                )
        except AwsCallFailed as exc:
            if exc.code in ("NotAuthorizedException", NOT_FOUND, "PasswordResetRequiredException"):
                raise SignInRefused(f"sign-in refused ({flow}): {exc.code}") from None
            raise
        result: Mapping[str, Any] = answer.get("AuthenticationResult") or {}
        if not result:
            challenge = answer.get("ChallengeName", "unknown")
            raise SignInRefused(f"sign-in needs the {challenge} challenge first ({flow})")
        return Tokens(
            access_token=str(result["AccessToken"]),
            id_token=str(result["IdToken"]),
            refresh_token=result.get("RefreshToken"),
            expires_in_s=int(result.get("ExpiresIn", 0)),
        )


@contextmanager
def _user_call(operation: str, clients: AwsClients, username: str) -> Iterator[None]:
    """aws_call, with the pool's "no such user" and "exists already" as their own errors."""
    try:
        with aws_call(f"{operation} ({username})", clients.endpoint):
            yield
    except AwsCallFailed as exc:
        if exc.code == NOT_FOUND:
            raise UserNotFound(username) from None
        if exc.code == EXISTS:
            raise UserExists(username) from None
        raise


def _user(raw: Mapping[str, Any]) -> CognitoUser:
    attributes = {a["Name"]: a.get("Value", "") for a in raw.get("Attributes", [])}
    return CognitoUser(
        username=str(raw.get("Username", "")),
        email=attributes.get("email", ""),
        status=str(raw.get("UserStatus", "")),
        enabled=bool(raw.get("Enabled", False)),
        created_at=raw.get("UserCreateDate"),
    )
