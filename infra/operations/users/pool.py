"""Find an environment's user pool and app client by their names (both targets)."""

from __future__ import annotations

from dataclasses import dataclass

from infra.aws.clients import AwsClients
from infra.aws.cognito import UserPools
from infra.config.model import EnvironmentConfig
from infra.operations.users.plan import IdentityNotDeployed
from infra.templates.identity import cognito_issuer


@dataclass(frozen=True)
class PoolRef:
    pool_id: str
    client_id: str
    region: str

    @property
    def issuer(self) -> str:
        return cognito_issuer(self.region, self.pool_id)


def find_pool(clients: AwsClients, config: EnvironmentConfig) -> PoolRef:
    """The pool and app client the stack (or the local setup) created; IdentityNotDeployed
    when either is missing or ambiguous."""
    pools = UserPools(clients)
    name = config.names.user_pool
    found = pools.find(name)
    if len(found) != 1:
        raise IdentityNotDeployed(_problem(config, f"user pool {name}", found))
    client_name = config.names.user_pool_client
    clients_found = pools.find_client(found[0], client_name)
    if len(clients_found) != 1:
        raise IdentityNotDeployed(_problem(config, f"app client {client_name}", clients_found))
    return PoolRef(found[0], clients_found[0], clients.endpoint.region)


def _problem(config: EnvironmentConfig, what: str, found: tuple[str, ...]) -> str:
    if not found:
        return (
            f"{config.name} has no {what}: deploy the environment first "
            f"(`./pipeline deploy --env {config.name}`)"
        )
    return f"{config.name} has {len(found)} of {what} ({', '.join(found)}): delete the extra ones"
