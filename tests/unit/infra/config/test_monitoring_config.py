"""The `monitoring` section: bad thresholds, unknown keys (an unknown metric), burn windows and
routes fail the load naming file and key (exit 2)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra.config import ConfigError, load_environment
from infra.errors import EXIT_USAGE, exit_code_for
from tests.unit.infra.config.conftest import rewrite
from tests.unit.infra.config.test_loader import drop_key, set_key


def test_the_repository_environments_have_a_monitoring_section() -> None:
    prod = load_environment("prod").monitoring
    assert prod.thresholds.api_error_rate_pct == 5
    assert prod.slo.fast_burn.factor == 14.4
    assert prod.notifications.routes["P3"] == ("email",)
    assert load_environment("dev").monitoring.tracing is False


def test_the_section_has_defaults(config_dir: Path) -> None:
    rewrite(config_dir, "dev", drop_key("monitoring"))
    monitoring = load_environment("dev", config_dir).monitoring
    assert monitoring.thresholds.api_p95_latency_ms == 10_000
    assert monitoring.notifications.parameter_prefix is None


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("monitoring.thresholds.api_error_rate_pct", 0, "greater than 0"),
        ("monitoring.thresholds.api_error_rate_pct", 101, "less than or equal to 100"),
        ("monitoring.thresholds.api_error_rate_pct", "5", "valid number"),
        ("monitoring.thresholds.api_p95_latency_ms", 99, "greater than or equal to 100"),
        ("monitoring.thresholds.api_p95_latency_ms", 30_001, "less than or equal to 30000"),
        ("monitoring.thresholds.lambda_errors", 0, "greater than or equal to 1"),
        (
            "monitoring.thresholds.api_errors_pct",
            5,
            "unknown key; allowed keys: api_error_rate_pct",
        ),
        ("monitoring.slo.availability", 1, "less than 1"),
        ("monitoring.slo.availability", 0.5, "greater than or equal to 0.9"),
        ("monitoring.slo.fast_burn.factor", 1, "greater than 1"),
        ("monitoring.slo.fast_burn.long_window_s", 3601, "multiple of 60"),
        ("monitoring.daily_budget_usd", 0, "greater than 0"),
        ("monitoring.notifications.parameter_prefix", "notify", "should match pattern"),
        ("monitoring.notifications.routes.P5", ["slack"], "P0"),
        ("monitoring.notifications.routes.P0", ["sms"], "'pagerduty', 'slack', 'email'"),
        ("monitoring.tracing", "yes", "valid boolean"),
        ("monitoring.local_time_scale", 0, "greater than 0"),
        ("monitoring.local_time_scale", 1.5, "less than or equal to 1"),
        ("monitoring.local_time_scale", "fast", "valid number"),
    ],
)
def test_bad_values_name_file_and_key(config_dir: Path, key: str, value: Any, says: str) -> None:
    rewrite(config_dir, "dev", set_key(key, value))
    with pytest.raises(ConfigError) as caught:
        load_environment("dev", config_dir)
    assert exit_code_for(caught.value) == EXIT_USAGE
    (problem,) = caught.value.problems
    assert problem.file.endswith("dev.yaml")
    assert problem.key.startswith(key.rsplit(".", 1)[0])
    assert says in problem.problem


def test_short_burn_window_must_be_shorter(config_dir: Path) -> None:
    rewrite(
        config_dir,
        "dev",
        set_key(
            "monitoring.slo.slow_burn", {"long_window_s": 1800, "short_window_s": 1800, "factor": 6}
        ),
    )
    with pytest.raises(ConfigError, match=r"monitoring\.slo\.slow_burn: short_window_s \(1800\)"):
        load_environment("dev", config_dir)


def test_every_severity_needs_a_channel(config_dir: Path) -> None:
    rewrite(config_dir, "dev", set_key("monitoring.notifications.routes", {"P0": ["slack"]}))
    with pytest.raises(ConfigError, match=r"monitoring\.notifications\.routes: .*missing"):
        load_environment("dev", config_dir)
