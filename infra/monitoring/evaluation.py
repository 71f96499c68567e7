"""CloudWatch's alarm semantics as pure functions: datapoints per period, `M of N` datapoints to
alarm, missing-data treatment, and composite rules over child states.

Missing data (our reading of CloudWatch's documented table): `breaching` / `notBreaching` fill
every missing datapoint; `missing` and `ignore` judge the datapoints present — at least M
present: ALARM when M of them breach; fewer than M present: ALARM only when all present breach;
none present: INSUFFICIENT_DATA (`missing`) or the previous state (`ignore`).
Periods end at the evaluation time (CloudWatch aligns them to whole periods; sliding them here
lets a local rehearsal see its data at once).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from infra.monitoring.model import (
    AlarmIs,
    AlarmStateValue,
    AllOf,
    AnyOf,
    Catalog,
    CompositeAlarm,
    Metric,
    MetricAlarm,
    MissingData,
    Query,
    Ratio,
    Rule,
    Single,
    query_metrics,
    rule_children,
)
from infra.monitoring.samples import MetricKey, MetricStore, statistic
from infra.monitoring.severity import Severity

State = AlarmStateValue


@dataclass(frozen=True)
class Evaluation:
    """One alarm's computed state, why, and the datapoints it was judged on (oldest first)."""

    name: str
    severity: Severity
    state: State
    reason: str
    datapoints: tuple[float | None, ...] = ()


def decide(
    breaches: Sequence[bool | None], to_alarm: int, missing: MissingData, previous: State
) -> State:
    """The state from per-period verdicts (None = no datapoint), oldest first."""
    if missing in (MissingData.BREACHING, MissingData.NOT_BREACHING):
        fill = missing is MissingData.BREACHING
        filled = [fill if b is None else b for b in breaches]
        return State.ALARM if sum(filled) >= to_alarm else State.OK
    present = [b for b in breaches if b is not None]
    if not present:
        return State.INSUFFICIENT_DATA if missing is MissingData.MISSING else previous
    breaching = sum(present)
    if len(present) >= to_alarm:
        return State.ALARM if breaching >= to_alarm else State.OK
    return State.ALARM if breaching == len(present) else State.OK


def windows(now: float, period_s: int, count: int) -> list[tuple[float, float]]:
    """`count` half-open periods ending at `now`, oldest first."""
    return [(now - (count - i) * period_s, now - (count - i - 1) * period_s) for i in range(count)]


def metric_value(metric: Metric, store: MetricStore, start: float, end: float) -> float | None:
    return statistic(metric.stat, store.values(MetricKey.of(metric), start, end))


def query_value(query: Query, store: MetricStore, start: float, end: float) -> float | None:
    """The query's datapoint for one period, as CloudWatch metric math computes it."""
    if isinstance(query, Single):
        return metric_value(query.metric, store, start, end)
    if isinstance(query, Ratio):
        top = metric_value(query.numerator, store, start, end)
        bottom = metric_value(query.denominator, store, start, end)
        if top is None or bottom is None or bottom == 0:
            return None
        return query.scale * top / bottom
    members = [metric_value(m, store, start, end) for m in query.metrics]
    present = [v for v in members if v is not None]
    return sum(present) if present else None


def evaluate_alarm(
    alarm: MetricAlarm,
    store: MetricStore,
    now: float,
    previous: State = State.INSUFFICIENT_DATA,
    placeholders: Mapping[str, str] | None = None,
) -> Evaluation:
    """One metric alarm's state at `now` (placeholders resolve `${HttpApi}`-style dimensions)."""
    query = _resolved(alarm.query, placeholders or {})
    points = tuple(
        query_value(query, store, start, end)
        for start, end in windows(now, alarm.period_s, alarm.evaluation_periods)
    )
    breaches = [
        None if v is None else alarm.comparison.breaches(v, alarm.threshold) for v in points
    ]
    state = decide(breaches, alarm.datapoints_to_alarm, alarm.missing_data, previous)
    return Evaluation(
        alarm.name, alarm.severity, state, _reason(alarm, query, store, points, state), points
    )


def rule_holds(rule: Rule, states: Mapping[str, State]) -> bool:
    """A composite rule over child states (an unknown child is INSUFFICIENT_DATA)."""
    if isinstance(rule, AlarmIs):
        return states.get(rule.alarm, State.INSUFFICIENT_DATA) is rule.state
    if isinstance(rule, AllOf):
        return all(rule_holds(r, states) for r in rule.rules)
    if isinstance(rule, AnyOf):
        return any(rule_holds(r, states) for r in rule.rules)
    return not rule_holds(rule.rule, states)


def evaluate_composite(composite: CompositeAlarm, states: Mapping[str, State]) -> Evaluation:
    children = rule_children(composite.rule)
    firing = [name for name in children if states.get(name) is State.ALARM]
    if rule_holds(composite.rule, states):
        return Evaluation(
            composite.name,
            composite.severity,
            State.ALARM,
            f"rule holds; children in ALARM: {', '.join(firing) or 'none'}",
        )
    detail = f"children in ALARM: {', '.join(firing)}" if firing else "no child in ALARM"
    return Evaluation(composite.name, composite.severity, State.OK, f"rule does not hold; {detail}")


def evaluate_catalog(
    catalog: Catalog,
    store: MetricStore,
    now: float,
    previous: Mapping[str, State] | None = None,
    placeholders: Mapping[str, str] | None = None,
) -> tuple[Evaluation, ...]:
    """Every alarm, then every composite over the states just computed (catalog order)."""
    before = previous or {}
    results = [
        evaluate_alarm(a, store, now, before.get(a.name, State.INSUFFICIENT_DATA), placeholders)
        for a in catalog.alarms
    ]
    states = {r.name: r.state for r in results}
    for composite in catalog.composites:
        result = evaluate_composite(composite, states)
        states[result.name] = result.state
        results.append(result)
    return tuple(results)


def _resolved(query: Query, placeholders: Mapping[str, str]) -> Query:
    if not placeholders:
        return query
    if isinstance(query, Single):
        return Single(query.metric.resolve(placeholders))
    if isinstance(query, Ratio):
        return Ratio(
            query.numerator.resolve(placeholders),
            query.denominator.resolve(placeholders),
            query.scale,
            query.label,
        )
    return type(query)(tuple(m.resolve(placeholders) for m in query.metrics), query.label)


def _reason(
    alarm: MetricAlarm,
    query: Query,
    store: MetricStore,
    points: Sequence[float | None],
    state: State,
) -> str:
    shown = ", ".join("-" if v is None else f"{v:.4g}" for v in points)
    missing = sum(v is None for v in points)
    window = f"last {len(points)} x {alarm.period_s}s [{shown}]"
    rule = f"{alarm.comparison.symbol} {alarm.threshold:g}, {alarm.datapoints_to_alarm} to alarm"
    if missing == len(points):
        absent = [m for m in query_metrics(query) if not store.has(MetricKey.of(m))]
        names = sorted({f"{m.namespace} {m.name}" for m in absent})
        source = (
            f"no datapoint of {', '.join(names)} received"
            if absent
            else "no datapoints in the window"
        )
        return f"{state.value}: {source}; missing data is {alarm.missing_data.value}"
    breaching = sum(v is not None and alarm.comparison.breaches(v, alarm.threshold) for v in points)
    return (
        f"{state.value}: {breaching} of {window} breach ({rule}); "
        f"{missing} missing, treated as {alarm.missing_data.value}"
    )
