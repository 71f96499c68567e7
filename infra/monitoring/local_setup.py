"""Monitoring on the local target: the emulator's CloudFormation skips alarms and metric filters
(and the template keeps alarms, dashboard and budget for AWS), so create the catalog's alarms,
the dashboard, the severity topics and the log metric filters through the APIs, read them back,
and say plainly what the emulator cannot hold (composite alarms) or never does (evaluate)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from infra.aws.clients import AwsClients
from infra.aws.cloudwatch import AlarmDescription, CloudWatchAlarms
from infra.aws.errors import AwsCallFailed
from infra.aws.logs import LogGroups
from infra.aws.sns import Topics
from infra.config.model import EnvironmentConfig
from infra.monitoring.alarm_specs import composite_alarm_properties, metric_alarm_properties
from infra.monitoring.catalog import build_catalog, topic_name
from infra.monitoring.dashboard import body_text, dashboard_body, dashboard_name, resolve_body
from infra.monitoring.local_metrics import LOCAL_API_ID
from infra.monitoring.log_filters import LOG_FILTERS, log_namespace
from infra.monitoring.model import MetricAlarm
from infra.monitoring.severity import ALARM_SEVERITIES


@dataclass(frozen=True)
class Check:
    kind: str  # alarm, composite alarm, dashboard, log metric filter
    name: str
    ok: bool
    detail: str

    @property
    def what(self) -> str:
        return f"{self.kind} {self.name}"


NEVER_EVALUATES = (
    "the emulator never evaluates alarms nor fires their actions: their states come from the "
    "local evaluator over the apps' EMF output (`pipeline alarms --env ENV`)"
)


@dataclass(frozen=True)
class MonitoringVerification:
    checks: tuple[Check, ...]
    not_created: tuple[str, ...]  # what the target cannot hold (or was not checked), and why
    notes: tuple[str, ...] = ()

    @property
    def failures(self) -> tuple[str, ...]:
        return tuple(f"{c.what}: {c.detail}" for c in self.checks if not c.ok)

    def lines(self) -> list[str]:
        out = [f"  {'ok  ' if c.ok else 'FAIL'} {c.what}: {c.detail}" for c in self.checks]
        out.extend(f"  NOT CREATED {item}" for item in self.not_created)
        out.extend(f"  NOTE {note}" for note in self.notes)
        return out

    def summary(self) -> str:
        """One line for the deployment record, e.g. `monitoring: 16 alarms, 1 dashboard ...`."""
        kinds: dict[str, int] = {}
        for check in self.checks:
            if check.ok:
                kinds[check.kind] = kinds.get(check.kind, 0) + 1
        verified = ", ".join(f"{n} x {kind}" for kind, n in kinds.items()) or "nothing"
        missing = f"; {len(self.not_created)} not created" if self.not_created else ""
        failed = f"; {len(self.failures)} FAILED" if self.failures else ""
        return f"monitoring verified: {verified}{missing}{failed}"


def placeholders(config: EnvironmentConfig, account_id: str) -> dict[str, str]:
    return {"HttpApi": LOCAL_API_ID, "AWS::Region": config.region, "AWS::AccountId": account_id}


def ensure_local_monitoring(
    clients: AwsClients, config: EnvironmentConfig, account_id: str = "123456789012"
) -> MonitoringVerification:
    """Create (idempotently) and verify the catalog's monitoring on the emulator."""
    catalog = build_catalog(config)
    values = placeholders(config, account_id)
    topics = {s: Topics(clients).ensure(topic_name(config, s)) for s in ALARM_SEVERITIES}
    alarms = CloudWatchAlarms(clients)
    expected: dict[str, dict[str, Any]] = {}
    for alarm in catalog.alarms:
        actions = [topics[alarm.severity]] if alarm.notify else []
        props = metric_alarm_properties(alarm, actions, lambda v: resolve_body(v, values))
        alarms.put_metric_alarm(props)
        expected[alarm.name] = props
    not_created = []
    for composite in catalog.composites:
        actions = [topics[composite.severity]] if composite.notify else []
        try:
            alarms.put_composite_alarm(composite_alarm_properties(composite, actions))
        except AwsCallFailed as exc:
            not_created.append(
                f"composite alarm {composite.name} (the emulator does not implement "
                f"PutCompositeAlarm; it answered {exc.code}): the local evaluator computes its "
                "state from its children"
            )
    not_created.append(
        f"budget {config.name_prefix}-daily-cost (AWS only: the emulator has no cost data)"
    )
    checks = [
        *_alarm_checks(catalog.alarms, alarms.describe(list(expected)), topics),
        _dashboard_check(clients, config, catalog_body(config, values)),
        *_filter_checks(clients, config),
    ]
    return MonitoringVerification(tuple(checks), tuple(not_created), (NEVER_EVALUATES,))


def catalog_body(config: EnvironmentConfig, values: Mapping[str, str]) -> str:
    return resolve_body(body_text(dashboard_body(config, build_catalog(config))), values)


def _alarm_checks(
    wanted: Sequence[MetricAlarm],
    found: Sequence[AlarmDescription],
    topics: Mapping[Any, str],
) -> list[Check]:
    by_name = {d.name: d for d in found}
    checks = []
    for alarm in wanted:
        got = by_name.get(alarm.name)
        if got is None:
            checks.append(Check("alarm", alarm.name, False, "not found after PutMetricAlarm"))
            continue
        actions = (topics[alarm.severity],) if alarm.notify else ()
        problems = [
            f"{what} is {have!r}, expected {want!r}"
            for what, have, want in (
                ("threshold", got.threshold, alarm.threshold),
                ("comparison", got.comparison, alarm.comparison.value),
                ("evaluation periods", got.evaluation_periods, alarm.evaluation_periods),
                ("alarm actions", got.alarm_actions, actions),
                ("OK actions", got.ok_actions, actions),
            )
            if have != want
        ]
        shown = f"{alarm.comparison.symbol} {alarm.threshold:g}, actions: " + (
            actions[0].rsplit(":", 1)[-1] if actions else "none (a composite pages)"
        )
        checks.append(Check("alarm", alarm.name, not problems, "; ".join(problems) or shown))
    return checks


def _dashboard_check(clients: AwsClients, config: EnvironmentConfig, body: str) -> Check:
    name = dashboard_name(config)
    alarms = CloudWatchAlarms(clients)
    messages = alarms.put_dashboard(name, body)
    stored = alarms.dashboard_body(name)
    if stored is None:
        return Check("dashboard", name, False, "not found after PutDashboard")
    widgets = len(json.loads(stored).get("widgets", []))
    same = json.loads(stored) == json.loads(body)
    detail = f"{widgets} widgets" + (f"; validation: {'; '.join(messages)}" if messages else "")
    return Check("dashboard", name, same and not messages, detail if same else "body differs")


def _filter_checks(clients: AwsClients, config: EnvironmentConfig) -> list[Check]:
    groups = LogGroups(clients)
    log_group = config.names.function_log_group
    groups.ensure(log_group, config.log_retention_days)
    namespace = log_namespace(config.name)
    for log_filter in LOG_FILTERS:
        transformation: dict[str, Any] = {
            "metricNamespace": namespace,
            "metricName": log_filter.metric,
            "metricValue": "1",
        }
        if log_filter.dimensions:
            transformation["dimensions"] = {k: f"$.{f}" for k, f in log_filter.dimensions}
        else:
            transformation["defaultValue"] = 0.0
        groups.put_metric_filter(
            log_group,
            f"{config.name_prefix}-{log_filter.key}",
            log_filter.pattern,
            [transformation],
        )
    stored = {f.name: f for f in groups.metric_filters(log_group)}
    checks = []
    for log_filter in LOG_FILTERS:
        name = f"{config.name_prefix}-{log_filter.key}"
        got = stored.get(name)
        ok = got is not None and got.pattern == log_filter.pattern
        detail = f"{namespace} {log_filter.metric} (stored; the emulator never emits its metric)"
        checks.append(Check("log metric filter", name, ok, detail if ok else "missing or differs"))
    return checks
