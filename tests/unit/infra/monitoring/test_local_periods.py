"""The local evaluator's periods: the catalog's times `monitoring.local_time_scale`, in whole
seconds (never below one), counts and thresholds unchanged, and said in the output."""

from __future__ import annotations

import pytest

from infra.config import EnvironmentConfig, load_environment
from infra.monitoring.catalog import build_catalog
from infra.monitoring.local_periods import (
    describe_periods,
    local_catalog,
    scale_catalog,
    scaled_period,
)


def with_scale(scale: float) -> EnvironmentConfig:
    staging = load_environment("staging")
    monitoring = staging.monitoring.model_copy(update={"local_time_scale": scale})
    return staging.model_copy(update={"monitoring": monitoring})


@pytest.mark.parametrize(
    ("period", "scale", "expected"),
    [
        (60, 1.0, 60),
        (60, 0.05, 3),
        (300, 0.05, 15),
        (3600, 0.05, 180),
        (60, 0.01, 1),  # 0.6 s rounds to 1
        (60, 0.008, 1),  # 0.48 s: never below one second
        (60, 0.001, 1),
        (21_600, 0.001, 22),  # 21.6 s rounds to 22
    ],
)
def test_scaled_period(period: int, scale: float, expected: int) -> None:
    assert scaled_period(period, scale) == expected


def test_scaling_changes_only_periods() -> None:
    config = with_scale(0.05)
    plain, scaled = build_catalog(config), local_catalog(config)
    assert [a.name for a in scaled.alarms] == [a.name for a in plain.alarms]
    for before, after in zip(plain.alarms, scaled.alarms, strict=True):
        assert after.period_s == scaled_period(before.period_s, 0.05)
        assert (after.evaluation_periods, after.datapoints_to_alarm, after.threshold) == (
            before.evaluation_periods,
            before.datapoints_to_alarm,
            before.threshold,
        )
    assert scaled.composites == plain.composites


def test_scale_one_is_cloudwatch_itself() -> None:
    catalog = build_catalog(load_environment("staging"))
    assert scale_catalog(catalog, 1.0) is catalog
    assert describe_periods(load_environment("staging")) == (
        "periods: CloudWatch's own (monitoring.local_time_scale 1)"
    )


def test_the_output_names_every_period_used() -> None:
    assert describe_periods(with_scale(0.05)) == (
        "periods: CloudWatch's x 0.05 (monitoring.local_time_scale): 60 s -> 3 s, "
        "300 s -> 15 s, 1800 s -> 90 s, 3600 s -> 180 s, 21600 s -> 1080 s"
    )
