"""The SNS topic alarms publish to (alarms themselves come with monitoring as code)."""

from __future__ import annotations

from troposphere import Template, sns

from infra.config.model import EnvironmentConfig
from infra.templates.metadata import checkov_skips


def add_alert_topic(template: Template, config: EnvironmentConfig) -> sns.Topic:
    """One alert topic per environment."""
    return template.add_resource(
        sns.Topic(
            "AlertTopic",
            TopicName=config.names.alert_topic,
            DisplayName=f"Energy Insights {config.name} alerts",
            Metadata=checkov_skips(
                (
                    "CKV_AWS_26",
                    "CloudWatch alarms cannot publish to a topic encrypted with the AWS managed "
                    "SNS key; messages carry alarm state only, no service data.",
                )
            ),
        )
    )
