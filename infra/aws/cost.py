"""Cost Explorer: an environment's spend, by the cost allocation tag CloudFormation puts on
every stack resource (`aws:cloudformation:stack-name`; activate it once in Billing)."""

from __future__ import annotations

from datetime import date

from infra.aws.calls import aws_call
from infra.aws.clients import AwsClients

STACK_TAG = "aws:cloudformation:stack-name"


class CostExplorer:
    def __init__(self, clients: AwsClients) -> None:
        self._clients = clients

    def daily_costs(self, stack: str, start: date, end: date) -> dict[date, float]:
        """Unblended USD per day in [start, end) of the resources tagged with `stack`."""
        with aws_call("ce GetCostAndUsage", self._clients.endpoint):
            pages = []
            token: str | None = None
            while True:
                args = {
                    "TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()},
                    "Granularity": "DAILY",
                    "Metrics": ["UnblendedCost"],
                    "Filter": {"Tags": {"Key": STACK_TAG, "Values": [stack]}},
                }
                if token:
                    args["NextPageToken"] = token
                answer = self._clients.ce.get_cost_and_usage(**args)  # type: ignore[arg-type]
                pages.append(answer)
                token = answer.get("NextPageToken")
                if not token:
                    break
        return {
            date.fromisoformat(str(day["TimePeriod"]["Start"])): float(
                day.get("Total", {}).get("UnblendedCost", {}).get("Amount", "0")
            )
            for page in pages
            for day in page.get("ResultsByTime", [])
        }
