"""The alarm catalog of one environment, built from its config: what pages whom, and why.

Metric identities are the ones AWS publishes (API Gateway, Lambda, DynamoDB, S3, Billing) plus
the app's EMF namespace and the log metric filters' namespace. Locally the evaluator binds the
API Gateway metrics to what the local apps emit (see `local_metrics`).
"""

from __future__ import annotations

from infra.config.loader import ConfigError, ConfigProblem, environment_file, load_environment
from infra.config.model import EnvironmentConfig
from infra.config.monitoring import BurnWindow
from infra.monitoring.log_filters import log_namespace
from infra.monitoring.model import (
    AlarmIs,
    AllOf,
    AnyOf,
    Catalog,
    Comparison,
    CompositeAlarm,
    Metric,
    MetricAlarm,
    MissingData,
    Ratio,
    Runbook,
    Single,
    Total,
)
from infra.monitoring.severity import Severity

APP_NAMESPACE = "EnergyInsights"  # app.observability.NAMESPACE (app is not imported by infra)
APP_SERVICE = "energy-insights"
API_ID = "${HttpApi}"  # the HTTP API's logical id: Sub resolves it to the API id
STAGE = "$default"
# The operations the app calls on its data table (app.storage.table).
TABLE_OPERATIONS = ("BatchWriteItem", "GetItem", "PutItem", "Query")
BILLING_DAYS = 31  # EstimatedCharges is month to date: a month of daily budgets


def api_metric(name: str, stat: str = "Sum") -> Metric:
    return Metric("AWS/ApiGateway", name, (("ApiId", API_ID), ("Stage", STAGE)), stat)


def app_metric(name: str, stat: str = "Sum") -> Metric:
    return Metric(APP_NAMESPACE, name, (("service", APP_SERVICE),), stat)


def topic_name(config: EnvironmentConfig, severity: Severity) -> str:
    """The SNS topic of one severity, e.g. energy-insights-prod-alerts-p0."""
    return f"{config.names.alert_topic}-{severity.topic_suffix}"


def parameter_prefix(config: EnvironmentConfig) -> str:
    """Where the notifier reads endpoint values: `<prefix>/<channel>` SSM parameters."""
    return config.monitoring.notifications.parameter_prefix or f"/{config.name_prefix}/notify"


def catalog_of(env: str) -> Catalog:
    """The catalog of a named environment, from its config file (a `catalog_for` callable)."""
    return build_catalog(load_environment(env))


def build_catalog(config: EnvironmentConfig) -> Catalog:
    """Every alarm and composite of `config`'s environment; ConfigError (exit 2) when a
    threshold cannot work with the rest of the config."""
    _check(config)
    prefix = config.name_prefix
    limits = config.monitoring.thresholds
    slo = config.monitoring.slo
    function = config.names.function
    table = config.names.data_table
    bucket = f"{prefix}-reports-${{AWS::AccountId}}-${{AWS::Region}}"
    logs_ns = log_namespace(config.name)

    def alarm(
        key: str,
        severity: Severity,
        summary: str,
        query: Single | Ratio | Total,
        threshold: float,
        *,
        period_s: int = 300,
        evaluation: tuple[int, int] = (1, 1),
        comparison: Comparison = Comparison.GE,
        missing: MissingData = MissingData.NOT_BREACHING,
        page: str,
        notify: bool = True,
    ) -> MetricAlarm:
        periods, to_alarm = evaluation
        return MetricAlarm(
            key=key,
            name=f"{prefix}-{key}",
            severity=severity,
            summary=summary,
            query=query,
            period_s=period_s,
            evaluation_periods=periods,
            datapoints_to_alarm=to_alarm,
            threshold=threshold,
            comparison=comparison,
            missing_data=missing,
            runbook=Runbook(page, key),
            notify=notify,
        )

    errors, requests = api_metric("5xx"), api_metric("Count")
    burn_scale = round(1 / (1 - slo.availability), 6)

    def burn(speed: str, window: BurnWindow, severity: Severity) -> tuple[MetricAlarm, ...]:
        ratio = Ratio(errors, requests, burn_scale, "burn rate")
        return tuple(
            alarm(
                f"availability-{speed}-burn-{which}",
                severity,
                f"Error budget of the {slo.availability:.2%} availability SLO burns faster "
                f"than {window.factor}x over {seconds // 60} min.",
                ratio,
                window.factor,
                period_s=seconds,
                comparison=Comparison.GT,
                page="availability",
                notify=False,
            )
            for which, seconds in (("long", window.long_window_s), ("short", window.short_window_s))
        )

    fast = burn("fast", slo.fast_burn, Severity.P0)
    slow = burn("slow", slo.slow_burn, Severity.P1)
    alarms = (
        alarm(
            "api-error-rate",
            Severity.P0,
            f"More than {limits.api_error_rate_pct}% of API requests fail with 5xx.",
            Ratio(errors, requests, 100.0, "5xx %"),
            limits.api_error_rate_pct,
            period_s=60,
            evaluation=(5, 3),
            comparison=Comparison.GT,
            page="api",
            notify=False,  # service-health pages for it
        ),
        alarm(
            "api-p95-latency",
            Severity.P1,
            f"API p95 latency above {limits.api_p95_latency_ms} ms.",
            Single(api_metric("Latency", "p95")),
            limits.api_p95_latency_ms,
            period_s=60,
            evaluation=(5, 3),
            comparison=Comparison.GT,
            page="api",
        ),
        *fast,
        *slow,
        alarm(
            "lambda-errors",
            Severity.P2,
            f"{limits.lambda_errors}+ Lambda invocation errors in 5 min.",
            Single(Metric("AWS/Lambda", "Errors", (("FunctionName", function),), "Sum")),
            limits.lambda_errors,
            page="lambda",
        ),
        alarm(
            "lambda-throttles",
            Severity.P2,
            f"{limits.lambda_throttles}+ Lambda throttles in 5 min.",
            Single(Metric("AWS/Lambda", "Throttles", (("FunctionName", function),), "Sum")),
            limits.lambda_throttles,
            page="lambda",
        ),
        alarm(
            "lambda-duration",
            Severity.P2,
            f"Lambda invocations slower than {limits.lambda_duration_ms} ms (timeout "
            f"{config.function.timeout_s} s).",
            Single(Metric("AWS/Lambda", "Duration", (("FunctionName", function),), "Maximum")),
            limits.lambda_duration_ms,
            evaluation=(3, 2),
            comparison=Comparison.GT,
            page="lambda",
        ),
        alarm(
            "dynamodb-throttles",
            Severity.P2,
            f"{limits.dynamodb_throttles}+ throttled DynamoDB requests on {table} in 5 min.",
            Total(
                tuple(
                    Metric("AWS/DynamoDB", name, (("TableName", table),), "Sum")
                    for name in ("ReadThrottleEvents", "WriteThrottleEvents")
                ),
                "throttle events",
            ),
            limits.dynamodb_throttles,
            page="dynamodb",
        ),
        alarm(
            "dynamodb-system-errors",
            Severity.P2,
            f"{limits.dynamodb_system_errors}+ DynamoDB system errors on {table} in 5 min.",
            Total(
                tuple(
                    Metric(
                        "AWS/DynamoDB",
                        "SystemErrors",
                        (("TableName", table), ("Operation", op)),
                        "Sum",
                    )
                    for op in TABLE_OPERATIONS
                ),
                "system errors",
            ),
            limits.dynamodb_system_errors,
            page="dynamodb",
        ),
        alarm(
            "s3-5xx-rate",
            Severity.P2,
            f"More than {limits.s3_5xx_rate_pct}% of report bucket requests fail with 5xx.",
            Ratio(
                Metric("AWS/S3", "5xxErrors", _bucket_dims(bucket), "Sum"),
                Metric("AWS/S3", "AllRequests", _bucket_dims(bucket), "Sum"),
                100.0,
                "5xx %",
            ),
            limits.s3_5xx_rate_pct,
            comparison=Comparison.GT,
            page="s3",
        ),
        alarm(
            "report-failures",
            Severity.P2,
            f"{limits.report_failures}+ report generations failed in 5 min.",
            Single(app_metric("ReportsFailed")),
            limits.report_failures,
            page="reports",
        ),
        alarm(
            "function-timeouts",
            Severity.P2,
            f"{limits.function_timeouts}+ Lambda invocations timed out in 5 min.",
            Single(Metric(logs_ns, "Timeouts", (), "Sum")),
            limits.function_timeouts,
            page="lambda",
        ),
        alarm(
            "auth-failures",
            Severity.P3,
            f"{limits.auth_failures}+ requests refused with 401 in 5 min.",
            Single(Metric(logs_ns, "AuthFailures", (), "Sum")),
            limits.auth_failures,
            page="security",
        ),
        alarm(
            "estimated-charges",
            Severity.P3,
            f"Month-to-date estimated charges above {BILLING_DAYS} x the daily budget "
            f"({config.monitoring.daily_budget_usd} USD). AWS publishes billing metrics in "
            "us-east-1 only: elsewhere this alarm has no data and the budget alerts instead.",
            Single(Metric("AWS/Billing", "EstimatedCharges", (("Currency", "USD"),), "Maximum")),
            round(config.monitoring.daily_budget_usd * BILLING_DAYS, 2),
            period_s=21_600,
            comparison=Comparison.GT,
            missing=MissingData.MISSING,
            page="cost",
        ),
    )
    names = {a.key: a.name for a in alarms}

    def composite(
        key: str, severity: Severity, summary: str, rule: AllOf | AnyOf, page: str, notify: bool
    ) -> CompositeAlarm:
        return CompositeAlarm(
            key, f"{prefix}-{key}", severity, summary, rule, Runbook(page, key), notify
        )

    def both(speed: str) -> AllOf:
        return AllOf(
            tuple(AlarmIs(names[f"availability-{speed}-burn-{w}"]) for w in ("long", "short"))
        )

    composites = (
        composite(
            "availability-fast-burn",
            Severity.P0,
            f"Fast error-budget burn ({slo.fast_burn.factor}x over both windows).",
            both("fast"),
            "availability",
            notify=False,  # service-health pages for it
        ),
        composite(
            "availability-slow-burn",
            Severity.P1,
            f"Slow error-budget burn ({slo.slow_burn.factor}x over both windows).",
            both("slow"),
            "availability",
            notify=True,
        ),
    )
    health = composite(
        "service-health",
        Severity.P0,
        "The service is unhealthy: a P0 alarm is in ALARM.",
        AnyOf(
            (AlarmIs(names["api-error-rate"]), AlarmIs(composites[0].name)),
        ),
        "service-health",
        notify=True,
    )
    return Catalog(config.name, alarms, (*composites, health))


def _bucket_dims(bucket: str) -> tuple[tuple[str, str], ...]:
    # Request metrics exist for the bucket's `EntireBucket` metrics configuration (storage.py).
    return (("BucketName", bucket), ("FilterId", "EntireBucket"))


def _check(config: EnvironmentConfig) -> None:
    limit_ms = config.function.timeout_s * 1000
    duration = config.monitoring.thresholds.lambda_duration_ms
    if duration >= limit_ms:
        raise ConfigError(
            [
                ConfigProblem(
                    str(environment_file(config.name)),
                    "monitoring.thresholds.lambda_duration_ms",
                    f"is {duration} but function.timeout_s is {config.function.timeout_s}: an "
                    f"invocation never runs longer, so the alarm could never fire; use less "
                    f"than {limit_ms}",
                )
            ]
        )
