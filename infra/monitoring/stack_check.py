"""On AWS the stack creates the catalog's alarms, composites, dashboard and budget: after a
deploy, read them back (DescribeAlarms, GetDashboard, DescribeBudget) and compare with the
catalog. Read calls only; what could not be read is named, never claimed."""

from __future__ import annotations

import json
from collections.abc import Sequence

from infra.aws.budgets import Budgets
from infra.aws.clients import AwsClients
from infra.aws.cloudwatch import AlarmDescription, CloudWatchAlarms
from infra.aws.errors import AwsCallFailed
from infra.config.model import EnvironmentConfig
from infra.monitoring.catalog import build_catalog, topic_name
from infra.monitoring.dashboard import dashboard_body, dashboard_name
from infra.monitoring.local_setup import Check, MonitoringVerification
from infra.monitoring.model import Catalog, CompositeAlarm, MetricAlarm, render_rule


def verify_stack_monitoring(
    clients: AwsClients, config: EnvironmentConfig, account_id: str
) -> MonitoringVerification:
    """Every alarm and composite of the catalog as the stack created it, and its dashboard."""
    catalog = build_catalog(config)
    found = CloudWatchAlarms(clients).describe(catalog.names)
    checks = [*alarm_checks(catalog, config, found), _dashboard_check(clients, config, catalog)]
    not_checked = []
    budget = f"{config.name_prefix}-daily-cost"
    try:
        described = Budgets(clients).describe(account_id, budget)
    except AwsCallFailed as exc:
        not_checked.append(f"budget {budget}: not verified (DescribeBudget answered {exc.code})")
    else:
        want = config.monitoring.daily_budget_usd
        ok = described is not None and described.limit_usd == want
        detail = f"daily, {want:g} USD" if ok else f"missing or not {want:g} USD a day"
        checks.append(Check("budget", budget, ok, detail))
    return MonitoringVerification(tuple(checks), tuple(not_checked))


def alarm_checks(
    catalog: Catalog, config: EnvironmentConfig, found: Sequence[AlarmDescription]
) -> list[Check]:
    """Pure: each catalog alarm against what DescribeAlarms returned (actions by topic name)."""
    by_name = {d.name: d for d in found}
    checks = []
    for alarm in catalog.every:
        composite = isinstance(alarm, CompositeAlarm)
        kind = "composite alarm" if composite else "alarm"
        got = by_name.get(alarm.name)
        if got is None:
            checks.append(Check(kind, alarm.name, False, "not found (DescribeAlarms)"))
            continue
        problems = _differences(alarm, got, config)
        shown = f"exists, {got.state}"
        checks.append(Check(kind, alarm.name, not problems, "; ".join(problems) or shown))
    return checks


def _differences(
    alarm: MetricAlarm | CompositeAlarm, got: AlarmDescription, config: EnvironmentConfig
) -> list[str]:
    topics = (topic_name(config, alarm.severity),) if alarm.notify else ()
    actions = tuple(arn.rsplit(":", 1)[-1] for arn in got.alarm_actions)
    wanted: list[tuple[str, object, object]] = [("alarm actions", actions, topics)]
    if isinstance(alarm, CompositeAlarm):
        wanted.append(("rule", got.rule, render_rule(alarm.rule)))
    else:
        wanted += [
            ("threshold", got.threshold, alarm.threshold),
            ("comparison", got.comparison, alarm.comparison.value),
            ("evaluation periods", got.evaluation_periods, alarm.evaluation_periods),
        ]
    return [f"{what} is {have!r}, expected {want!r}" for what, have, want in wanted if have != want]


def _dashboard_check(clients: AwsClients, config: EnvironmentConfig, catalog: Catalog) -> Check:
    name = dashboard_name(config)
    stored = CloudWatchAlarms(clients).dashboard_body(name)
    if stored is None:
        return Check("dashboard", name, False, "not found (GetDashboard)")
    widgets = len(json.loads(stored).get("widgets", []))
    expected = len(dashboard_body(config, catalog)["widgets"])
    ok = widgets == expected
    return Check("dashboard", name, ok, f"{widgets} widgets" + ("" if ok else f", not {expected}"))
