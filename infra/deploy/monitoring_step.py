"""The deploy's monitoring step, after verification: locally create the catalog's alarms,
dashboard, topics and log metric filters through the APIs (the emulator's CloudFormation skips
them) and read them back; on AWS read back what the stack created. A failed check fails the
deploy, like any verification."""

from __future__ import annotations

from infra.config.model import EnvironmentConfig
from infra.deploy.errors import VerificationFailed
from infra.deploy.request import Emit
from infra.deploy.steps import EnsureMonitoring
from infra.monitoring.catalog import build_catalog
from infra.monitoring.dashboard import dashboard_name
from infra.monitoring.local_setup import MonitoringVerification, ensure_local_monitoring
from infra.monitoring.stack_check import verify_stack_monitoring
from infra.targets.base import Connection


def plan_monitoring(config: EnvironmentConfig, on_emulator: bool) -> EnsureMonitoring:
    """The step as data (builds the catalog: a threshold that cannot work refuses here)."""
    catalog = build_catalog(config)
    return EnsureMonitoring(
        dashboard_name(config), len(catalog.alarms), len(catalog.composites), create=on_emulator
    )


def apply_monitoring(
    conn: Connection, config: EnvironmentConfig, step: EnsureMonitoring, emit: Emit
) -> MonitoringVerification:
    """Carry the step out and print each check; VerificationFailed when one fails."""
    if step.create:
        emit(
            "monitoring (the alarms, dashboard and log metric filters the emulator skipped "
            "above), created through the CloudWatch, SNS and Logs APIs and read back:"
        )
        result = ensure_local_monitoring(conn.clients, config, conn.account_id)
    else:
        emit("monitoring, as the stack created it (read back):")
        result = verify_stack_monitoring(conn.clients, config, conn.account_id)
    for line in result.lines():
        emit(line)
    if result.failures:
        raise VerificationFailed(result.failures)
    return result
