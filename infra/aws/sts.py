"""STS: who the credentials belong to. One call checks credentials (or that the emulator
answers) and gives the account id that bucket names carry."""

from __future__ import annotations

from infra.aws.calls import aws_call
from infra.aws.clients import AwsClients


def account_id(clients: AwsClients) -> str:
    with aws_call("sts GetCallerIdentity", clients.endpoint):
        return str(clients.sts.get_caller_identity()["Account"])
