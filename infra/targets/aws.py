"""The AWS target: boto3's standard credential chain (GitHub Actions: an OIDC role); the API
is the stack's `ApiUrl` output."""

from __future__ import annotations

from infra.aws import AwsClients, Endpoint
from infra.aws.cloudformation import Stacks
from infra.aws.sessions import aws_session
from infra.aws.sts import account_id
from infra.config.model import EnvironmentConfig
from infra.targets.base import Connection, TargetError, TargetKind, WaitPolicy

AWS_WAITS = WaitPolicy(poll_seconds=5.0, timeout_seconds=3600.0)
API_URL_OUTPUT = "ApiUrl"


class AwsTarget:
    """Real AWS, with whatever credentials the standard chain yields (only their source is
    ever printed)."""

    kind = TargetKind.AWS

    def connect(self, region: str) -> Connection:
        session, source = aws_session(region)
        clients = AwsClients(session, Endpoint(region=region))
        note = f"target: AWS {region} (credentials from {source})"
        return Connection(clients, self.kind, AWS_WAITS, account_id(clients), (note,))

    def api_url(self, config: EnvironmentConfig) -> str:
        clients = self.connect(config.region).clients
        return stack_output(clients, config, API_URL_OUTPUT).rstrip("/")


def stack_output(clients: AwsClients, config: EnvironmentConfig, name: str) -> str:
    """An output of the environment's stack; TargetError (deploy first) when there is none."""
    state = Stacks(clients).stack(config.names.stack)
    value = state.outputs.get(name, "") if state is not None else ""
    if not value:
        raise TargetError(
            f"the {config.name} stack has no {name} output: deploy it first "
            f"(`pipeline deploy --env {config.name} --target aws`)"
        )
    return value
