"""The alarm catalog's vocabulary: metrics, queries over them, metric and composite alarms.

Plain frozen data: the template renders it for CloudFormation, `local_setup` for the CloudWatch
API, and the local evaluator computes states from it with CloudWatch's semantics.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from infra.monitoring.severity import Severity

RUNBOOK_ROOT = "docs/operations"


class Comparison(StrEnum):
    GT = "GreaterThanThreshold"
    GE = "GreaterThanOrEqualToThreshold"
    LT = "LessThanThreshold"
    LE = "LessThanOrEqualToThreshold"

    def breaches(self, value: float, threshold: float) -> bool:
        if self is Comparison.GT:
            return value > threshold
        if self is Comparison.GE:
            return value >= threshold
        if self is Comparison.LT:
            return value < threshold
        return value <= threshold

    @property
    def symbol(self) -> str:
        return {"GreaterThanThreshold": ">", "GreaterThanOrEqualToThreshold": ">="}.get(
            self.value, "<" if self is Comparison.LT else "<="
        )


class MissingData(StrEnum):
    """CloudWatch's TreatMissingData values."""

    MISSING = "missing"
    NOT_BREACHING = "notBreaching"
    BREACHING = "breaching"
    IGNORE = "ignore"


class AlarmStateValue(StrEnum):
    OK = "OK"
    ALARM = "ALARM"
    INSUFFICIENT_DATA = "INSUFFICIENT_DATA"


@dataclass(frozen=True)
class Metric:
    """One CloudWatch metric and statistic. Dimension values may hold `${HttpApi}` or
    `${AWS::AccountId}`-style placeholders, resolved by the template (Sub) or `resolve`."""

    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...]
    stat: str  # Sum, Average, Minimum, Maximum, SampleCount or pNN

    def resolve(self, values: Mapping[str, str]) -> Metric:
        """The same metric with every `${name}` placeholder replaced from `values`."""
        resolved = []
        for key, value in self.dimensions:
            for name, replacement in values.items():
                value = value.replace("${" + name + "}", replacement)
            resolved.append((key, value))
        return Metric(self.namespace, self.name, tuple(resolved), self.stat)

    @property
    def is_percentile(self) -> bool:
        return self.stat.startswith("p")


@dataclass(frozen=True)
class Single:
    """The alarm compares the metric's statistic itself."""

    metric: Metric


@dataclass(frozen=True)
class Ratio:
    """`scale * numerator / denominator` per period; no datapoint when the denominator is 0."""

    numerator: Metric
    denominator: Metric
    scale: float
    label: str


@dataclass(frozen=True)
class Total:
    """`SUM([...])` of several metrics per period (missing members count as absent)."""

    metrics: tuple[Metric, ...]
    label: str


Query = Single | Ratio | Total


def query_metrics(query: Query) -> tuple[Metric, ...]:
    if isinstance(query, Single):
        return (query.metric,)
    if isinstance(query, Ratio):
        return (query.numerator, query.denominator)
    return query.metrics


@dataclass(frozen=True)
class Runbook:
    """A section of a runbook page under docs/operations (written by the operations work)."""

    page: str
    anchor: str

    @property
    def link(self) -> str:
        return f"{RUNBOOK_ROOT}/{self.page}.md#{self.anchor}"


@dataclass(frozen=True)
class MetricAlarm:
    """One CloudWatch metric alarm. `notify` False: a composite pages for it instead."""

    key: str
    name: str
    severity: Severity
    summary: str
    query: Query
    period_s: int
    evaluation_periods: int
    datapoints_to_alarm: int
    threshold: float
    comparison: Comparison
    missing_data: MissingData
    runbook: Runbook
    notify: bool = True

    @property
    def description(self) -> str:
        return description(self.severity, self.summary, self.runbook)


@dataclass(frozen=True)
class AlarmIs:
    """`ALARM("name")`-style atom of a composite rule."""

    alarm: str
    state: AlarmStateValue = AlarmStateValue.ALARM


@dataclass(frozen=True)
class AllOf:
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class AnyOf:
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Not:
    rule: Rule


Rule = AlarmIs | AllOf | AnyOf | Not


def render_rule(rule: Rule) -> str:
    """CloudWatch's AlarmRule text of a rule tree."""
    if isinstance(rule, AlarmIs):
        return f'{rule.state.value}("{rule.alarm}")'
    if isinstance(rule, Not):
        return f"NOT ({render_rule(rule.rule)})"
    joiner = " AND " if isinstance(rule, AllOf) else " OR "
    return "(" + joiner.join(render_rule(r) for r in rule.rules) + ")"


def rule_children(rule: Rule) -> tuple[str, ...]:
    if isinstance(rule, AlarmIs):
        return (rule.alarm,)
    if isinstance(rule, Not):
        return rule_children(rule.rule)
    return tuple(name for r in rule.rules for name in rule_children(r))


@dataclass(frozen=True)
class CompositeAlarm:
    key: str
    name: str
    severity: Severity
    summary: str
    rule: Rule
    runbook: Runbook
    notify: bool = True

    @property
    def description(self) -> str:
        return description(self.severity, self.summary, self.runbook)


def description(severity: Severity, summary: str, runbook: Runbook) -> str:
    return f"[{severity.value}, respond {severity.response}] {summary} Runbook: {runbook.link}"


@dataclass(frozen=True)
class Catalog:
    """Every alarm of one environment; composites after the alarms they read."""

    env: str
    alarms: tuple[MetricAlarm, ...]
    composites: tuple[CompositeAlarm, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return (*(a.name for a in self.alarms), *(c.name for c in self.composites))

    @property
    def every(self) -> tuple[MetricAlarm | CompositeAlarm, ...]:
        return (*self.alarms, *self.composites)

    def severity_of(self, name: str) -> Severity | None:
        for alarm in self.every:
            if alarm.name == name:
                return alarm.severity
        return None

    def runbooks(self) -> tuple[Runbook, ...]:
        """Every runbook section the catalog links to (the operations pages must have them)."""
        seen = {a.runbook: None for a in self.every}
        return tuple(seen)
