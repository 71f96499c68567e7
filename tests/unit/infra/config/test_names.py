"""Derived resource names stay within AWS limits for the longest prefix the config allows."""

from __future__ import annotations

import pytest

from infra.config import ResourceNames

LONGEST_PREFIX = "a" * 24  # name_prefix max_length in the config model
LONGEST_REGION = "ap-southeast-2"


@pytest.mark.parametrize("bucket", ["reports_bucket", "artifact_bucket"])
def test_bucket_names_fit_s3s_63_characters(bucket: str) -> None:
    name = getattr(ResourceNames(LONGEST_PREFIX), bucket)("123456789012", LONGEST_REGION)
    assert len(name) <= 63
    assert name.startswith(LONGEST_PREFIX)


def test_names_derive_from_the_prefix() -> None:
    names = ResourceNames("energy-insights-dev")
    assert names.as_dict() == {
        "stack": "energy-insights-dev",
        "data_table": "energy-insights-dev-data",
        "deployments_table": "energy-insights-dev-deployments",
        "function": "energy-insights-dev-api",
        "alias": "live",
        "http_api": "energy-insights-dev-http-api",
        "alert_topic": "energy-insights-dev-alerts",
        "user_pool": "energy-insights-dev-users",
        "user_pool_client": "energy-insights-dev-api-client",
        "function_log_group": "/aws/lambda/energy-insights-dev-api",
        "access_log_group": "/aws/http-api/energy-insights-dev-http-api",
    }
    assert names.artifact_bucket("123456789012", "eu-west-1") == (
        "energy-insights-dev-artifacts-123456789012-eu-west-1"
    )
