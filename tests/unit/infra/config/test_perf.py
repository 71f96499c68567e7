"""The `perf` section and the capacity settings: missing or nonsensical values are config
errors naming the file and the dotted key (the loader exits 2 on them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra.config import ConfigError, load_environment
from infra.errors import exit_code_for
from tests.unit.infra.config.conftest import rewrite
from tests.unit.infra.config.test_loader import drop_key, set_key


def problems(config_dir: Path, env: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_environment(env, config_dir)
    assert exit_code_for(caught.value) == 2
    return [f"{p.key}: {p.problem}" for p in caught.value.problems]


def test_every_environment_has_a_perf_gate_and_prod_refuses_load_tests() -> None:
    for env in ("dev", "staging", "prod"):
        perf = load_environment(env).perf
        assert perf is not None
        assert perf.thresholds.p95_ms == 5000
        assert perf.thresholds.error_rate == 0.01
        assert perf.allow_prod is False
    staging = load_environment("staging").perf
    assert staging is not None
    assert staging.load.users == 100  # the release plan's figure
    prod = load_environment("prod").function
    assert (prod.reserved_concurrency, prod.provisioned_concurrency) == (100, 10)


@pytest.mark.parametrize(
    "key",
    [
        "perf.thresholds.p95_ms",
        "perf.thresholds.long_operation_p95_ms",
        "perf.thresholds.report_generation_p95_ms",
        "perf.thresholds.error_rate",
        "perf.thresholds",
        "perf.local_load.min_requests",
        "perf.load",
    ],
)
def test_a_missing_threshold_is_required_by_name(config_dir: Path, key: str) -> None:
    rewrite(config_dir, "staging", drop_key(key))
    assert problems(config_dir, "staging") == [f"{key}: is required"]


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("perf.thresholds.p95_ms", 0, "greater than or equal to 1"),
        ("perf.thresholds.p95_ms", "fast", "valid integer"),
        ("perf.thresholds.error_rate", 1.0, "less than 1"),
        ("perf.thresholds.error_rate", -0.01, "greater than or equal to 0"),
        ("perf.thresholds.long_operation_p95_ms", 4999, "must be at least p95_ms (5000)"),
        ("perf.thresholds.report_generation_p95_ms", 100, "must be at least p95_ms (5000)"),
        ("perf.thresholds.min_samples", 0, "greater than or equal to 1"),
        ("perf.local_load.min_requests", 0, "greater than or equal to 1"),
        ("perf.load.users", 0, "greater than or equal to 1"),
        ("perf.local_load.wait_max_s", 0.1, "must be at least wait_min_s (0.5)"),
        ("perf.baseline.regression_margin", 0, "greater than 0"),
        ("perf.baseline.regression_margin", 1.5, "less than or equal to 1"),
        ("perf.thresholds.p50_ms", 10, "unknown key"),
    ],
)
def test_a_nonsensical_value_is_refused_by_name(
    config_dir: Path, key: str, value: Any, says: str
) -> None:
    rewrite(config_dir, "staging", set_key(key, value))
    (problem,) = problems(config_dir, "staging")
    assert problem.startswith(f"{key}: ")
    assert says in problem


@pytest.mark.parametrize(
    ("users", "rate", "duration", "ok"),
    [(100, 10, 20, True), (100, 10, 19, False), (8, 2, 7, False), (8, 2, 8, True)],
)
def test_the_ramp_up_must_leave_half_the_run_at_full_load(
    config_dir: Path, users: int, rate: float, duration: int, ok: bool
) -> None:
    def mutate(data: dict[str, Any]) -> None:
        data["perf"]["load"].update(users=users, spawn_rate_per_s=rate, duration_s=duration)

    rewrite(config_dir, "staging", mutate)
    if ok:
        load_environment("staging", config_dir)
        return
    (problem,) = problems(config_dir, "staging")
    assert problem.startswith("perf.load: ramp-up takes")
    assert "raise spawn_rate_per_s or duration_s" in problem


def test_no_perf_section_is_allowed_by_the_loader(config_dir: Path) -> None:
    """Absent is valid config (other tooling loads it); the perf run itself refuses (exit 2)."""
    rewrite(config_dir, "dev", drop_key("perf"))
    assert load_environment("dev", config_dir).perf is None


@pytest.mark.parametrize(
    ("reserved", "provisioned", "ok"),
    [(100, 10, True), (10, 10, True), (10, 11, False), (None, 50, True)],
)
def test_provisioned_concurrency_fits_within_the_reservation(
    config_dir: Path, reserved: int | None, provisioned: int, ok: bool
) -> None:
    def mutate(data: dict[str, Any]) -> None:
        data["function"].update(reserved_concurrency=reserved, provisioned_concurrency=provisioned)

    rewrite(config_dir, "prod", mutate)
    if ok:
        assert load_environment("prod", config_dir).function.provisioned_concurrency == provisioned
        return
    (problem,) = problems(config_dir, "prod")
    assert problem.startswith("function: provisioned_concurrency (11) must not exceed")


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ({"billing_mode": "provisioned"}, "billing_mode provisioned needs read and write"),
        (
            {"billing_mode": "provisioned", "read": {"min_units": 5, "max_units": 10}},
            "needs write",
        ),
        (
            {"billing_mode": "on_demand", "read": {"min_units": 5, "max_units": 10}},
            "applies to billing_mode provisioned only",
        ),
        (
            {
                "billing_mode": "provisioned",
                "read": {"min_units": 5, "max_units": 10},
                "write": {"min_units": 5, "max_units": 10},
                "max_read_request_units": 100,
            },
            "cap on-demand tables only",
        ),
        ({"billing_mode": "reserved"}, "'on_demand' or 'provisioned'"),
    ],
)
def test_table_capacity_must_fit_its_billing_mode(
    config_dir: Path, table: dict[str, Any], says: str
) -> None:
    rewrite(config_dir, "staging", set_key("data_table", table))
    (problem,) = problems(config_dir, "staging")
    assert problem.startswith("data_table")
    assert says in problem


def test_autoscaling_range_must_not_be_inverted(config_dir: Path) -> None:
    table = {
        "billing_mode": "provisioned",
        "read": {"min_units": 50, "max_units": 10},
        "write": {"min_units": 5, "max_units": 10},
    }
    rewrite(config_dir, "staging", set_key("data_table", table))
    assert problems(config_dir, "staging") == [
        "data_table.read.max_units: must be at least min_units (50) (got 10)"
    ]
