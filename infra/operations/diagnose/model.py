"""The vocabulary of a diagnosis: check statuses, check results, symptoms."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from infra.errors import UsageError
from infra.monitoring.model import RUNBOOK_ROOT


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    UNKNOWN = "unknown"

    @property
    def rank(self) -> int:
        """Worst first: fail, warn, unknown, ok."""
        return {"fail": 0, "warn": 1, "unknown": 2, "ok": 3}[self.value]


@dataclass(frozen=True)
class Runbook:
    """A section of docs/operations: `page` without .md, `anchor` a GitHub heading slug."""

    page: str
    anchor: str

    @property
    def link(self) -> str:
        return f"{RUNBOOK_ROOT}/{self.page}.md#{self.anchor}"


@dataclass(frozen=True)
class Check:
    key: str
    status: Status
    summary: str
    runbook: Runbook | None = None  # where to go when the status is not ok


class Symptom(StrEnum):
    SIGN_IN = "sign-in-fails"
    UNAUTHORIZED = "401s"
    SERVER_ERRORS = "500s"
    TIMEOUTS = "timeouts"
    REPORTS = "reports"
    SLOW = "slow-responses"
    FUNCTION_ERRORS = "function-errors"
    THROTTLING = "throttling"
    HIGH_COST = "high-cost"
    FAILED_DEPLOYMENT = "failed-deployment"


class UnknownSymptom(UsageError):
    """Exit 2, naming the symptoms there are."""


def parse_symptom(raw: str | None) -> Symptom | None:
    if raw is None or raw == "":
        return None
    try:
        return Symptom(raw)
    except ValueError:
        choices = ", ".join(s.value for s in Symptom)
        raise UnknownSymptom(f"unknown symptom {raw!r}; choose one of: {choices}") from None
