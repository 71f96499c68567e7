from __future__ import annotations

from infra.aws import AwsClients
from infra.aws.sts import account_id


def test_account_id(clients: AwsClients) -> None:
    assert account_id(clients) == "123456789012"
