"""SNS topics: make sure a topic exists (CreateTopic is idempotent) and list its subscriptions."""

from __future__ import annotations

from infra.aws.calls import aws_call
from infra.aws.clients import AwsClients


class Topics:
    def __init__(self, clients: AwsClients) -> None:
        self._clients = clients

    def ensure(self, name: str) -> str:
        """The topic's ARN, creating the topic if it does not exist."""
        with aws_call(f"sns CreateTopic ({name})", self._clients.endpoint):
            return str(self._clients.sns.create_topic(Name=name)["TopicArn"])

    def subscriptions(self, topic_arn: str) -> tuple[tuple[str, str], ...]:
        """(protocol, endpoint) of each subscription of the topic."""
        with aws_call("sns ListSubscriptionsByTopic", self._clients.endpoint):
            pages = self._clients.sns.get_paginator("list_subscriptions_by_topic")
            return tuple(
                (str(s.get("Protocol", "")), str(s.get("Endpoint", "")))
                for page in pages.paginate(TopicArn=topic_arn)
                for s in page.get("Subscriptions", [])
            )
