"""One SNS topic per severity, and the notifier function that delivers what they receive to
PagerDuty / Slack / email per the environment's routes (endpoint values from SSM parameters,
never in the template). The notifier exists on AWS only: locally the pipeline's own routing
writes notifications to a sink file."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from troposphere import GetAtt, Ref, Sub, Template, awslambda, iam, sns, sqs

from infra.config.model import EnvironmentConfig
from infra.config.runtime import LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME
from infra.monitoring import notifier_function
from infra.monitoring.catalog import parameter_prefix, topic_name
from infra.monitoring.severity import ALARM_SEVERITIES, Severity
from infra.templates.lambda_common import function_log_group, lambda_trust_policy
from infra.templates.metadata import checkov_skips
from infra.templates.parameters import ON_AWS_CONDITION

NOTIFIER_SOURCE = Path(notifier_function.__file__).read_text(encoding="utf-8")
_TOPIC_KMS_SKIP = (
    "CKV_AWS_26",
    "CloudWatch alarms cannot publish to a topic encrypted with the AWS managed SNS key; "
    "messages carry alarm state only, no service data.",
)


@dataclass(frozen=True)
class Alerts:
    topics: dict[Severity, sns.Topic]


def add_alerts(template: Template, config: EnvironmentConfig) -> Alerts:
    """A topic per severity (budgets may publish to P3) and the notifier subscribed to all."""
    topics = {
        severity: template.add_resource(
            sns.Topic(
                f"AlertTopic{severity.value}",
                TopicName=topic_name(config, severity),
                DisplayName=f"Energy Insights {config.name} {severity.value} alerts",
                Metadata=checkov_skips(_TOPIC_KMS_SKIP),
            )
        )
        for severity in ALARM_SEVERITIES
    }
    template.add_resource(
        sns.TopicPolicy(
            "BudgetTopicPolicy",
            Topics=[Ref(topics[Severity.P3])],
            PolicyDocument={
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "BudgetsPublish",
                        "Effect": "Allow",
                        "Principal": {"Service": "budgets.amazonaws.com"},
                        "Action": "sns:Publish",
                        "Resource": Ref(topics[Severity.P3]),
                        "Condition": {"StringEquals": {"aws:SourceAccount": Ref("AWS::AccountId")}},
                    }
                ],
            },
        )
    )
    _add_notifier(template, config, topics)
    return Alerts(topics)


def _add_notifier(
    template: Template, config: EnvironmentConfig, topics: dict[Severity, sns.Topic]
) -> None:
    name = f"{config.name_prefix}-notifier"
    prefix = parameter_prefix(config)
    aws_only = {"Condition": ON_AWS_CONDITION}
    queue = template.add_resource(
        sqs.Queue(
            "NotifierDeadLetters",
            QueueName=f"{name}-dead-letters",
            MessageRetentionPeriod=1_209_600,  # 14 days: time to replay a lost alarm
            KmsMasterKeyId="alias/aws/sqs",  # the AWS managed key: no key policy to keep
            **aws_only,
        )
    )
    log_group = template.add_resource(
        function_log_group("NotifierLogGroup", name, config, **aws_only)
    )
    role = template.add_resource(
        iam.Role(
            "NotifierRole",
            AssumeRolePolicyDocument=lambda_trust_policy(),
            Policies=[
                iam.Policy(
                    PolicyName="notify",
                    PolicyDocument={
                        "Version": "2012-10-17",
                        "Statement": [
                            _allow(
                                ["logs:CreateLogStream", "logs:PutLogEvents"],
                                GetAtt(log_group, "Arn"),
                            ),
                            _allow(
                                ["ssm:GetParameter"],
                                Sub(
                                    "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:"
                                    f"parameter{prefix}/*"
                                ),
                            ),
                            _allow(["sqs:SendMessage"], GetAtt(queue, "Arn")),
                            _allow(
                                ["ses:SendEmail"],
                                Sub(
                                    "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/*"
                                ),
                            ),
                        ],
                    },
                )
            ],
            **aws_only,
        )
    )
    routes = {s: list(c) for s, c in sorted(config.monitoring.notifications.routes.items())}
    function = template.add_resource(
        awslambda.Function(
            "NotifierFunction",
            DependsOn=[log_group.title],
            FunctionName=name,
            Description=f"Delivers {config.name} alarm notifications to their channels",
            Runtime=LAMBDA_RUNTIME,
            Architectures=[LAMBDA_ARCHITECTURE],
            Handler="index.handler",
            Code=awslambda.Code(ZipFile=NOTIFIER_SOURCE),
            Role=GetAtt(role, "Arn"),
            MemorySize=128,
            Timeout=30,
            ReservedConcurrentExecutions=2,
            DeadLetterConfig=awslambda.DeadLetterConfig(TargetArn=GetAtt(queue, "Arn")),
            Environment=awslambda.Environment(
                Variables={
                    "ROUTES": json.dumps(routes, separators=(",", ":")),
                    "PARAMETER_PREFIX": prefix,
                }
            ),
            Metadata=checkov_skips(
                ("CKV_AWS_117", "Calls public HTTPS endpoints and AWS APIs only; no VPC needed."),
                ("CKV_AWS_173", "Environment holds routes and a parameter path, never secrets."),
            ),
            **aws_only,
        )
    )
    for severity, topic in topics.items():
        template.add_resource(
            awslambda.Permission(
                f"NotifierInvoke{severity.value}",
                Action="lambda:InvokeFunction",
                FunctionName=Ref(function),
                Principal="sns.amazonaws.com",
                SourceArn=Ref(topic),
                **aws_only,
            )
        )
        template.add_resource(
            sns.SubscriptionResource(
                f"NotifierSubscription{severity.value}",
                TopicArn=Ref(topic),
                Protocol="lambda",
                Endpoint=GetAtt(function, "Arn"),
                **aws_only,
            )
        )


def _allow(actions: list[str], resource: object) -> dict[str, object]:
    return {"Effect": "Allow", "Action": actions, "Resource": resource}
