"""Log metric filters on the function's log group, as data: rendered to CloudWatch filter
patterns for the template, and matched locally against the app's JSON log lines (the emulator
stores metric filters but never produces their metrics)."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}


def log_namespace(env: str) -> str:
    """Filters publish per environment (environments may share an account)."""
    return f"EnergyInsights/Logs/{env}"


@dataclass(frozen=True)
class FieldTest:
    """`$.field <op> value` of a JSON filter pattern."""

    field: str
    op: str
    value: str | int

    def render(self) -> str:
        value = f'"{self.value}"' if isinstance(self.value, str) else str(self.value)
        return f"$.{self.field} {self.op} {value}"

    def matches(self, record: Mapping[str, Any]) -> bool:
        actual = record.get(self.field)
        if actual is None or isinstance(actual, bool):
            return False
        if isinstance(self.value, int):
            if not isinstance(actual, int | float):
                return False
        elif not isinstance(actual, str):
            return False
        return _OPS[self.op](actual, self.value)


@dataclass(frozen=True)
class LogFilter:
    """One metric filter: a JSON pattern (all `tests`) or text terms (all must appear)."""

    key: str
    metric: str
    summary: str
    tests: tuple[FieldTest, ...] = ()
    terms: tuple[str, ...] = ()
    dimensions: tuple[tuple[str, str], ...] = ()  # metric dimension <- JSON field

    @property
    def pattern(self) -> str:
        if self.tests:
            return "{ " + " && ".join(f"({t.render()})" for t in self.tests) + " }"
        return " ".join(f'"{term}"' for term in self.terms)

    def matches_record(self, record: Mapping[str, Any]) -> bool:
        return bool(self.tests) and all(t.matches(record) for t in self.tests)

    def matches_text(self, line: str) -> bool:
        return bool(self.terms) and all(term in line for term in self.terms)

    def dimension_values(self, record: Mapping[str, Any]) -> tuple[tuple[str, str], ...] | None:
        """The metric's dimensions for a matching record; None when a field is absent."""
        values = []
        for name, field in self.dimensions:
            value = record.get(field)
            if value is None:
                return None
            values.append((name, str(value)))
        return tuple(values)


_REQUEST = FieldTest("message", "=", "request")  # the app's one access-log line per request

LOG_FILTERS = (
    LogFilter(
        "server-errors",
        "ServerErrors",
        "Requests answered 5xx, by route (access log lines).",
        tests=(_REQUEST, FieldTest("status", ">=", 500)),
        dimensions=(("route", "route"),),
    ),
    LogFilter(
        "auth-failures",
        "AuthFailures",
        "Requests refused with 401.",
        tests=(_REQUEST, FieldTest("status", "=", 401)),
    ),
    LogFilter(
        "timeouts",
        "Timeouts",
        "Invocations Lambda stopped at the function timeout.",
        terms=("Task timed out",),
    ),
)
