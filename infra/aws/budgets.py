"""AWS Budgets: read an environment's cost budget back (the stack creates it on AWS; the
emulator accepts budgets but never evaluates them)."""

from __future__ import annotations

from dataclasses import dataclass

from infra.aws.calls import aws_call
from infra.aws.clients import AwsClients
from infra.aws.errors import AwsCallFailed


@dataclass(frozen=True)
class BudgetDescription:
    name: str
    time_unit: str
    limit_usd: float


class Budgets:
    def __init__(self, clients: AwsClients) -> None:
        self._clients = clients

    def describe(self, account_id: str, name: str) -> BudgetDescription | None:
        try:
            with aws_call(f"budgets DescribeBudget ({name})", self._clients.endpoint):
                raw = self._clients.budgets.describe_budget(AccountId=account_id, BudgetName=name)
        except AwsCallFailed as exc:
            if exc.code == "NotFoundException":
                return None
            raise
        budget = raw["Budget"]
        limit = budget.get("BudgetLimit", {})
        return BudgetDescription(
            name=str(budget.get("BudgetName", name)),
            time_unit=str(budget.get("TimeUnit", "")),
            limit_usd=float(limit.get("Amount", "0")),
        )
