"""What the restore path relies on in the template: the table override and the report versions'
expiry from config."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra.config import EnvironmentConfig, load_environment
from infra.templates import contract, render_template
from infra.templates.lint import cfn_lint

RESTORED = "energy-insights-staging-data-restored-20261204t140000z"


def with_override(config: EnvironmentConfig, table: str | None) -> EnvironmentConfig:
    backup = config.backup.model_copy(update={"data_table_override": table})
    return config.model_copy(update={"backup": backup})


def synth(config: EnvironmentConfig) -> dict[str, Any]:
    return json.loads(render_template(config))  # type: ignore[no-any-return]


def table_statement(template: dict[str, Any]) -> dict[str, Any]:
    role = template["Resources"]["FunctionRole"]  # the function's (the notifier has its own)
    statements = role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    return next(s for s in statements if s["Sid"] == "UseDataTable")


def test_an_override_makes_the_function_serve_the_restored_table() -> None:
    template = synth(with_override(load_environment("staging"), RESTORED))

    variables = template["Resources"]["Function"]["Properties"]["Environment"]["Variables"]
    assert variables[contract.ENV_TABLE_NAME] == RESTORED
    resources = table_statement(template)["Resource"]
    assert resources[0] == {"Fn::GetAtt": ["DataTable", "Arn"]}  # the previous version's table
    assert resources[1] == {
        "Fn::Sub": "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/"
        + RESTORED
    }
    # The stack's own table is untouched: the restore never replaces it.
    assert template["Resources"]["DataTable"]["Properties"]["TableName"] == (
        "energy-insights-staging-data"
    )


def test_without_an_override_the_function_serves_the_stacks_table() -> None:
    template = synth(load_environment("staging"))

    variables = template["Resources"]["Function"]["Properties"]["Environment"]["Variables"]
    assert variables[contract.ENV_TABLE_NAME] == {"Ref": "DataTable"}
    assert table_statement(template)["Resource"] == [{"Fn::GetAtt": ["DataTable", "Arn"]}]


def test_a_template_with_an_override_is_lint_clean(tmp_path: Path) -> None:
    path = tmp_path / "template.json"
    path.write_text(render_template(with_override(load_environment("prod"), RESTORED)))

    findings = cfn_lint([path], "eu-west-1")

    assert [f for f in findings if f.severity == "error"] == []


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_old_report_versions_expire_after_the_configured_days(env: str) -> None:
    config = load_environment(env)
    template = synth(config)

    bucket = template["Resources"]["ReportsBucket"]["Properties"]
    [rule] = bucket["LifecycleConfiguration"]["Rules"]
    days = config.backup.noncurrent_version_expiry_days
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": days}
    assert rule["ExpiredObjectDeleteMarker"] is True
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
