"""The AWS notifier (inline Lambda code): SNS alarm message -> the severity's channels.
Stdlib + the runtime's boto3 only. Endpoints: SSM SecureStrings PREFIX/<channel>, never logged.
A failed delivery raises: Lambda retries, then the event goes to the dead-letter queue."""

import json
import os
import urllib.request
from typing import Any

PAGERDUTY = "https://events.pagerduty.com/v2/enqueue"


def summary(record: Any) -> tuple[str, dict[str, Any]]:
    sns = record["Sns"]
    topic = sns["TopicArn"].rsplit(":", 1)[-1]
    severity = topic.rsplit("-", 1)[-1].upper()
    try:
        alarm: dict[str, Any] = json.loads(sns["Message"])
    except ValueError:
        alarm = {"AlarmName": sns.get("Subject") or topic, "NewStateValue": "ALARM"}
    alarm.setdefault("NewStateReason", sns["Message"][:500])
    return severity, alarm


def payload(channel: str, secret: str, severity: str, alarm: Any) -> tuple[str, Any]:
    name, state = alarm.get("AlarmName", "?"), alarm.get("NewStateValue", "?")
    text = f"[{severity}] {name} is {state}: {alarm.get('NewStateReason', '')}"
    if channel == "pagerduty":
        action = "resolve" if state == "OK" else "trigger"
        body = {"routing_key": secret, "event_action": action, "dedup_key": name}
        level = "critical" if severity == "P0" else "error"
        body["payload"] = {"summary": text[:1024], "source": name, "severity": level}
        return PAGERDUTY, body
    return secret, {"text": text, "alarm": alarm}


def post(url: str, body: Any) -> None:
    if not url.startswith("https://"):
        raise ValueError("endpoint is not https")
    data = json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    request = urllib.request.Request(url, data=data, headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310  # nosec B310
        pass


def handler(event: Any, context: Any) -> None:
    import boto3

    ssm = boto3.client("ssm")
    routes = json.loads(os.environ["ROUTES"])
    failed = []
    for record in event["Records"]:
        severity, alarm = summary(record)
        for channel in routes.get(severity, []):
            name = f"{os.environ['PARAMETER_PREFIX']}/{channel}"
            try:
                secret = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
                if channel == "email":
                    text = payload("slack", "", severity, alarm)[1]["text"]
                    boto3.client("ses").send_email(
                        Source=secret,
                        Destination={"ToAddresses": [secret]},
                        Message={"Subject": {"Data": text[:200]}, "Body": {"Text": {"Data": text}}},
                    )
                else:
                    post(*payload(channel, secret, severity, alarm))
            except Exception as exc:
                failed.append(f"{channel}: {type(exc).__name__}")
    if failed:
        raise RuntimeError("delivery failed: " + ", ".join(failed))
