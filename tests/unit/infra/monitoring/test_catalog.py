"""The alarm catalog of each environment: enough alarms, every severity, runbook links as
data, composites over alarms that exist, thresholds from config."""

from __future__ import annotations

import re

import pytest

from infra.config import ENVIRONMENT_NAMES, ConfigError, load_environment
from infra.config.loader import EXIT_USAGE
from infra.monitoring.catalog import build_catalog
from infra.monitoring.model import Catalog, Ratio, rule_children
from infra.monitoring.severity import ALARM_SEVERITIES, Severity


@pytest.fixture(params=ENVIRONMENT_NAMES)
def catalog(request: pytest.FixtureRequest) -> Catalog:
    return build_catalog(load_environment(request.param))


def test_prod_has_at_least_15_alarms_in_every_severity() -> None:
    prod = build_catalog(load_environment("prod"))
    assert len(prod.names) >= 15
    assert {a.severity for a in prod.every} == set(ALARM_SEVERITIES)


def test_names_are_unique_and_prefixed(catalog: Catalog) -> None:
    config = load_environment(catalog.env)
    assert len(set(catalog.names)) == len(catalog.names)
    assert all(name.startswith(config.name_prefix + "-") for name in catalog.names)


def test_descriptions_name_the_severity_and_link_a_runbook_section(catalog: Catalog) -> None:
    for alarm in catalog.every:
        assert alarm.description.startswith(f"[{alarm.severity.value},")
        link = re.search(r"Runbook: (\S+)$", alarm.description)
        assert link is not None
        assert re.fullmatch(r"docs/operations/[a-z0-9-]+\.md#[a-z0-9-]+", link.group(1))
        assert link.group(1) == alarm.runbook.link
        assert len(alarm.description) <= 1024  # CloudWatch's limit


def test_runbook_targets_are_data_for_the_operations_pages(catalog: Catalog) -> None:
    links = {r.link for r in catalog.runbooks()}
    assert "docs/operations/api.md#api-error-rate" in links
    assert "docs/operations/service-health.md#service-health" in links


def test_composites_read_alarms_defined_before_them(catalog: Catalog) -> None:
    seen = {a.name for a in catalog.alarms}
    for composite in catalog.composites:
        assert set(rule_children(composite.rule)) <= seen
        seen.add(composite.name)


def test_service_health_pages_for_the_p0_alarms(catalog: Catalog) -> None:
    health = next(c for c in catalog.composites if c.key == "service-health")
    p0 = {a.name for a in catalog.every if a.severity is Severity.P0 and a is not health}
    children = set(rule_children(health.rule))
    assert {n for n in p0 if not n.endswith(("-long", "-short"))} == children
    assert health.notify
    assert all(not a.notify for a in catalog.every if a.name in children)


def test_thresholds_come_from_the_config() -> None:
    config = load_environment("prod")
    by_key = {a.key: a for a in build_catalog(config).alarms}
    limits = config.monitoring.thresholds
    assert by_key["api-error-rate"].threshold == limits.api_error_rate_pct
    assert by_key["api-p95-latency"].threshold == limits.api_p95_latency_ms
    assert by_key["lambda-duration"].threshold == limits.lambda_duration_ms


def test_burn_rate_windows_and_factors() -> None:
    config = load_environment("prod")
    by_key = {a.key: a for a in build_catalog(config).alarms}
    fast_long, fast_short = (
        by_key["availability-fast-burn-long"],
        by_key["availability-fast-burn-short"],
    )
    assert (fast_long.period_s, fast_short.period_s) == (3600, 300)
    assert fast_long.threshold == fast_short.threshold == 14.4
    slow_long = by_key["availability-slow-burn-long"]
    assert (slow_long.period_s, slow_long.threshold) == (21_600, 6.0)
    assert isinstance(fast_long.query, Ratio)
    assert fast_long.query.scale == 1000.0  # 1 / (1 - 0.999): the burn rate of the budget


def test_a_duration_threshold_the_timeout_never_reaches_is_a_config_error() -> None:
    config = load_environment("dev")
    thresholds = config.monitoring.thresholds.model_copy(update={"lambda_duration_ms": 15_000})
    broken = config.model_copy(
        update={"monitoring": config.monitoring.model_copy(update={"thresholds": thresholds})}
    )
    with pytest.raises(ConfigError) as caught:
        build_catalog(broken)
    assert caught.value.exit_code == EXIT_USAGE
    problem = caught.value.problems[0]
    assert problem.file.endswith("dev.yaml")
    assert problem.key == "monitoring.thresholds.lambda_duration_ms"
    assert "function.timeout_s is 15" in problem.problem
