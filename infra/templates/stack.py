"""The whole service stack of one environment, as a troposphere Template and as stable JSON."""

from __future__ import annotations

import json

from troposphere import GetAtt, Output, Ref, Sub, Template

from infra.config.model import EnvironmentConfig
from infra.config.runtime import LAMBDA_PYTHON
from infra.monitoring.severity import Severity
from infra.templates import contract
from infra.templates.alerts import add_alerts
from infra.templates.function import add_function
from infra.templates.http_api import add_http_api
from infra.templates.identity import add_identity
from infra.templates.monitoring import add_monitoring
from infra.templates.parameters import add_parameters
from infra.templates.storage import add_storage


def build_template(config: EnvironmentConfig) -> Template:
    """Tables, bucket, user pool + app client, function + version + alias, HTTP API, alert
    topics and notifier, alarms, dashboard, log metric filters, cost budget, and outputs."""
    template = Template(
        Description=f"Energy Insights API - {config.name} ({config.name_prefix})",
    )
    template.set_version("2010-09-09")
    template.set_metadata(
        {
            "EnergyInsights": {
                "environment": config.name,
                "region": config.region,
                "lambda_python": LAMBDA_PYTHON,
            }
        }
    )
    params = add_parameters(template)
    storage = add_storage(template, config)
    issuer = add_identity(template, config)
    function = add_function(template, config, params, storage, issuer)
    http_api = add_http_api(template, config, function, issuer)
    alerts = add_alerts(template, config)
    add_monitoring(template, config, alerts, function.log_group)
    # The local emulator (moto) breaks on two kinds of output: GetAtt FunctionVersion.Version
    # wipes every output, and GetAtt on a type it skips (the HTTP API) fails the whole create.
    api_url = "https://${" + http_api.api.title + "}.execute-api.${AWS::Region}.${AWS::URLSuffix}"
    outputs = {
        contract.OUT_API_URL: Sub(api_url),
        contract.OUT_API_ID: Ref(http_api.api),
        contract.OUT_DATA_TABLE: Ref(storage.data_table),
        contract.OUT_DEPLOYMENTS_TABLE: Ref(storage.deployments_table),
        contract.OUT_REPORTS_BUCKET: Ref(storage.reports_bucket),
        contract.OUT_FUNCTION_NAME: Ref(function.function),
        contract.OUT_FUNCTION_ARN: GetAtt(function.function, "Arn"),
        contract.OUT_FUNCTION_VERSION_ARN: Ref(function.version),
        contract.OUT_ALIAS_NAME: config.names.alias,
        contract.OUT_ALIAS_ARN: Ref(function.alias),
        contract.OUT_ALERT_TOPIC: Ref(alerts.topics[Severity.P0]),
        contract.OUT_LOG_GROUP: Ref(function.log_group),
        contract.OUT_ENVIRONMENT: config.name,
    }
    for key in contract.OUTPUTS:
        template.add_output(Output(key, Value=outputs[key]))
    return template


def render_template(config: EnvironmentConfig) -> str:
    """The template as deterministic JSON: sorted keys, two-space indent, trailing newline."""
    return json.dumps(build_template(config).to_dict(), indent=2, sort_keys=True) + "\n"
