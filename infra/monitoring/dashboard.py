"""The `energy-insights-<env>` CloudWatch dashboard (16 widgets), built from the catalog.

The body holds `${AWS::Region}`, `${AWS::AccountId}` and `${HttpApi}` placeholders: the template
wraps it in Sub, the local target substitutes them (`resolve_body`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from infra.config.model import EnvironmentConfig
from infra.monitoring.catalog import API_ID, STAGE, TABLE_OPERATIONS
from infra.monitoring.model import Catalog

REGION = "${AWS::Region}"
WIDTH = 24
ALARM_ARN = "arn:aws:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:"
WIDGET_TYPES = frozenset({"metric", "log", "alarm", "text"})


def dashboard_name(config: EnvironmentConfig) -> str:
    return f"energy-insights-{config.name}"


def _api(name: str) -> list[Any]:
    return ["AWS/ApiGateway", name, "ApiId", API_ID, "Stage", STAGE]


def _metric(
    title: str, lines: list[list[Any]], stat: str = "Sum", period: int = 60, **extra: Any
) -> dict[str, Any]:
    props = {"title": title, "region": REGION, "view": "timeSeries", "stat": stat}
    return {"type": "metric", "properties": {**props, "period": period, "metrics": lines, **extra}}


def widgets(config: EnvironmentConfig, catalog: Catalog) -> list[dict[str, Any]]:
    """The 16 widgets, unplaced (see `dashboard_body`)."""
    fn = ["AWS/Lambda"]
    function = ("FunctionName", config.names.function)
    table = ("TableName", config.names.data_table)
    bucket = (
        "BucketName",
        f"{config.name_prefix}-reports-${{AWS::AccountId}}-${{AWS::Region}}",
        "FilterId",
        "EntireBucket",
    )
    threshold = next(a for a in catalog.alarms if a.key == "api-error-rate").threshold
    errors_query = (
        f"SOURCE '{config.names.function_log_group}' | fields @timestamp, route, status, "
        "message, request_id | filter level = 'ERROR' | sort @timestamp desc | limit 50"
    )
    return [
        _metric("API requests", [[*_api("Count"), {"label": "requests"}]]),
        _metric("API 4xx / 5xx", [_api("4xx"), _api("5xx")]),
        _metric(
            "API latency p50 / p95 / p99",
            [[*_api("Latency"), {"stat": p, "label": p}] for p in ("p50", "p95", "p99")],
        ),
        _metric("Lambda invocations", [[*fn, "Invocations", *function]]),
        _metric("Lambda errors", [[*fn, "Errors", *function]]),
        _metric(
            "Lambda duration",
            [[*fn, "Duration", *function, {"stat": s}] for s in ("Average", "Maximum")],
        ),
        _metric(
            "Lambda concurrent executions", [[*fn, "ConcurrentExecutions", *function]], "Maximum"
        ),
        _metric("Lambda throttles", [[*fn, "Throttles", *function]]),
        _metric(
            "DynamoDB consumed capacity",
            [
                ["AWS/DynamoDB", name, *table]
                for name in ("ConsumedReadCapacityUnits", "ConsumedWriteCapacityUnits")
            ],
        ),
        _metric(
            "DynamoDB throttles",
            [["AWS/DynamoDB", n, *table] for n in ("ReadThrottleEvents", "WriteThrottleEvents")],
        ),
        _metric(
            "DynamoDB system errors",
            [["AWS/DynamoDB", "SystemErrors", *table, "Operation", op] for op in TABLE_OPERATIONS],
        ),
        _metric(
            "S3 requests",
            [["AWS/S3", n, *bucket] for n in ("AllRequests", "GetRequests", "PutRequests")],
            period=300,
        ),
        _metric(
            "S3 errors", [["AWS/S3", n, *bucket] for n in ("4xxErrors", "5xxErrors")], period=300
        ),
        {
            "type": "log",
            "properties": {
                "title": "Recent errors",
                "region": REGION,
                "query": errors_query,
                "view": "table",
            },
        },
        _metric(
            "API error rate (%)",
            [
                [{"expression": "100 * m2 / m1", "label": "5xx %", "id": "e1"}],
                [*_api("Count"), {"id": "m1", "visible": False}],
                [*_api("5xx"), {"id": "m2", "visible": False}],
            ],
            annotations={"horizontal": [{"label": "P0 threshold", "value": threshold}]},
            yAxis={"left": {"min": 0}},
        ),
        {
            "type": "alarm",
            "properties": {
                "title": "Alarm status",
                "alarms": [ALARM_ARN + name for name in catalog.names],
            },
        },
    ]


def dashboard_body(config: EnvironmentConfig, catalog: Catalog) -> dict[str, Any]:
    """Widgets placed two per row (12 columns x 6 rows each)."""
    placed = []
    for index, widget in enumerate(widgets(config, catalog)):
        x, y = (index % 2) * 12, (index // 2) * 6
        placed.append({**widget, "x": x, "y": y, "width": 12, "height": 6})
    return {"widgets": placed}


def body_text(body: Mapping[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"))


def resolve_body(text: str, values: Mapping[str, str]) -> str:
    """The body with `${name}` placeholders replaced (what Sub does on AWS)."""
    for name, value in values.items():
        text = text.replace("${" + name + "}", value)
    return text


def problems(body: Mapping[str, Any]) -> list[str]:
    """What CloudWatch would refuse or render badly; empty when the body is sound."""
    found: list[str] = []
    cells: set[tuple[int, int]] = set()
    for i, widget in enumerate(body.get("widgets", [])):
        where = f"widget {i} ({widget.get('properties', {}).get('title', '?')})"
        if widget.get("type") not in WIDGET_TYPES:
            found.append(
                f"{where}: type {widget.get('type')!r} is not one of {sorted(WIDGET_TYPES)}"
            )
        x, y, w, h = (widget.get(k) for k in ("x", "y", "width", "height"))
        if not all(isinstance(v, int) for v in (x, y, w, h)) or x + w > WIDTH or w < 1 or h < 1:
            found.append(f"{where}: position/size outside the 24-column grid")
            continue
        area = {(cx, cy) for cx in range(x, x + w) for cy in range(y, y + h)}
        if area & cells:
            found.append(f"{where}: overlaps another widget")
        cells |= area
        found.extend(f"{where}: {p}" for p in _widget_problems(widget))
    return found


def _widget_problems(widget: Mapping[str, Any]) -> list[str]:
    props = widget.get("properties", {})
    kind = widget.get("type")
    if kind == "log":
        return (
            [] if str(props.get("query", "")).startswith("SOURCE '") else ["query needs a SOURCE"]
        )
    if kind == "alarm":
        return [] if props.get("alarms") else ["alarm widget lists no alarms"]
    if kind != "metric":
        return []
    out = []
    ids = set()
    for line in props.get("metrics", []):
        options = line[-1] if line and isinstance(line[-1], dict) else {}
        names = line[:-1] if options else line
        if "expression" in options:
            if names:
                out.append("an expression line carries no metric name")
            continue
        if "id" in options:
            ids.add(options["id"])
        if len(names) < 2 or len(names) % 2 != 0 or not all(isinstance(n, str) for n in names):
            out.append(f"metric line {line!r} is not [namespace, name, (dim, value)*]")
    for line in props.get("metrics", []):
        expression = line[-1].get("expression", "") if line and isinstance(line[-1], dict) else ""
        missing = [i for i in ("m1", "m2") if i in expression and i not in ids]
        if missing:
            out.append(f"expression {expression!r} reads undefined ids {missing}")
    return out
