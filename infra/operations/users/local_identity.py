"""The local target's identity provider: the environment's pool and app client created on the
emulator through the API (its CloudFormation skips Cognito), and the app settings that make the
local app trust the emulator's tokens, so E2E runs sign in for real.

The emulator signs every token with one RSA key published in its own source (key id `dummy`):
anyone can forge a token it would accept, which is fine for a throwaway local stack only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.settings import Var
from infra.aws.clients import AwsClients
from infra.aws.cognito import CognitoUser, PoolUsers, SignIn, Tokens, UserPools
from infra.config.model import EnvironmentConfig
from infra.errors import UsageError
from infra.operations.users.pool import PoolRef
from infra.templates.identity import client_properties, pool_properties

# Template-only properties: MFA factors are set with SetUserPoolMfaConfig on the API.
_TEMPLATE_ONLY = ("EnabledMfas",)


@dataclass(frozen=True)
class LocalIdentity:
    pool: PoolRef
    emulator_url: str
    created: tuple[str, ...]  # what this call created (empty when everything existed)

    @property
    def jwks_url(self) -> str:
        """The emulator serves the pool's JWKS below its own URL (http, loopback)."""
        return f"{self.emulator_url.rstrip('/')}/{self.pool.pool_id}/.well-known/jwks.json"

    def app_environment(self) -> dict[str, str]:
        """The app's variables for trusting the emulator's pool as a second issuer, next to
        the local release key (which stays the app's own: its tokens carry scopes and sites;
        the emulator runs no pre-token-generation trigger, so the pool's tokens carry none)."""
        return {
            Var.JWT_EXTRA_ISSUER.value: self.pool.issuer,
            Var.JWT_EXTRA_AUDIENCE.value: self.pool.client_id,
            Var.JWT_EXTRA_JWKS_URL.value: self.jwks_url,
        }


def api_pool_parameters(config: EnvironmentConfig) -> dict[str, Any]:
    """CreateUserPool parameters from the template's pool properties."""
    props = {k: v for k, v in pool_properties(config).items() if k not in _TEMPLATE_ONLY}
    props["PoolName"] = props.pop("UserPoolName")
    return props


def ensure_local_identity(clients: AwsClients, config: EnvironmentConfig) -> LocalIdentity:
    """Create the environment's pool and app client on the emulator unless they exist."""
    if clients.endpoint.url is None:
        raise UsageError("the local identity setup only runs against the emulator")
    if config.identity.provider != "cognito":
        raise UsageError(f"{config.name} uses an external identity provider: nothing to create")
    pools = UserPools(clients)
    created: list[str] = []
    found = pools.find(config.names.user_pool)
    if len(found) > 1:
        raise UsageError(f"the emulator holds {len(found)} pools {config.names.user_pool}")
    if found:
        pool_id = found[0]
    else:
        pool_id = pools.create(api_pool_parameters(config))
        created.append(f"user pool {config.names.user_pool}")
    client_ids = pools.find_client(pool_id, config.names.user_pool_client)
    if client_ids:
        client_id = client_ids[0]
    else:
        client_id = pools.create_client(pool_id, client_properties(config))
        created.append(f"app client {config.names.user_pool_client}")
    return LocalIdentity(
        PoolRef(pool_id, client_id, clients.endpoint.region), clients.endpoint.url, tuple(created)
    )


def add_test_user(clients: AwsClients, pool: PoolRef, email: str, password: str) -> CognitoUser:
    """A user who can sign in at once (E2E): created, then given a permanent password."""
    users = PoolUsers(clients, pool.pool_id)
    users.create(email)
    users.set_password(email, password, permanent=True)
    return users.get(email)


def sign_in(clients: AwsClients, pool: PoolRef, email: str, password: str) -> Tokens:
    return SignIn(clients, pool.client_id).password(email, password)
