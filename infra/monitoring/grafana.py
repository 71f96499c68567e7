"""The same dashboard as a Grafana dashboard (JSON model) on a CloudWatch data source.

Grafana has no CloudWatch alarm-status panel: that widget becomes a text panel listing the
alarms. The data source is a dashboard variable, so any CloudWatch data source can be picked.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from infra.config.model import EnvironmentConfig
from infra.monitoring.dashboard import dashboard_body, dashboard_name, resolve_body
from infra.monitoring.model import Catalog

DATASOURCE = {"type": "cloudwatch", "uid": "${datasource}"}
SCHEMA_VERSION = 39


def grafana_dashboard(
    config: EnvironmentConfig, catalog: Catalog, placeholders: Mapping[str, str]
) -> dict[str, Any]:
    """The Grafana JSON model; `placeholders` fill `${HttpApi}`, `${AWS::Region}`... (the API
    id and account are only known once deployed)."""
    text = json.dumps(dashboard_body(config, catalog))
    body = json.loads(resolve_body(text, placeholders))
    region = placeholders.get("AWS::Region", config.region)
    panels = [_panel(i, widget, region) for i, widget in enumerate(body["widgets"], start=1)]
    return {
        "title": dashboard_name(config),
        "uid": dashboard_name(config),
        "tags": ["energy-insights", config.name],
        "timezone": "utc",
        "schemaVersion": SCHEMA_VERSION,
        "time": {"from": "now-3h", "to": "now"},
        "templating": {
            "list": [
                {
                    "name": "datasource",
                    "type": "datasource",
                    "query": "cloudwatch",
                    "label": "CloudWatch",
                }
            ]
        },
        "panels": panels,
    }


def _panel(panel_id: int, widget: Mapping[str, Any], region: str) -> dict[str, Any]:
    props = widget["properties"]
    base = {
        "id": panel_id,
        "title": props["title"],
        "gridPos": {
            "x": widget["x"],
            "y": widget["y"],
            "w": widget["width"],
            "h": widget["height"],
        },
    }
    if widget["type"] == "alarm":
        names = [arn.rsplit(":alarm:", 1)[-1] for arn in props["alarms"]]  # resolved or not
        lines = "CloudWatch alarms (state: see CloudWatch):\n" + "\n".join(f"- {n}" for n in names)
        return {**base, "type": "text", "options": {"mode": "markdown", "content": lines}}
    if widget["type"] == "log":
        target = {
            "refId": "A",
            "datasource": DATASOURCE,
            "queryMode": "Logs",
            "region": region,
            "expression": props["query"].split("|", 1)[1].strip(),
            "logGroups": [{"arn": "", "name": props["query"].split("'")[1]}],
        }
        return {**base, "type": "table", "datasource": DATASOURCE, "targets": [target]}
    targets = [
        _target(line, chr(ord("A") + i), props, region) for i, line in enumerate(props["metrics"])
    ]
    panel: dict[str, Any] = {
        **base,
        "type": "timeseries",
        "datasource": DATASOURCE,
        "targets": targets,
    }
    lines = props.get("annotations", {}).get("horizontal", [])
    if lines:
        steps = [{"color": "green", "value": None}] + [
            {"color": "red", "value": line["value"]} for line in lines
        ]
        panel["fieldConfig"] = {
            "defaults": {
                "thresholds": {"mode": "absolute", "steps": steps},
                "custom": {"thresholdsStyle": {"mode": "line"}},
            },
            "overrides": [],
        }
    return panel


def _target(line: list[Any], ref: str, props: Mapping[str, Any], region: str) -> dict[str, Any]:
    options = line[-1] if isinstance(line[-1], dict) else {}
    names = line[:-1] if options else line
    target: dict[str, Any] = {
        "refId": ref,
        "datasource": DATASOURCE,
        "queryMode": "Metrics",
        "region": region,
        "period": str(props.get("period", 60)),
        "id": options.get("id", ""),
        "hide": options.get("visible", True) is False,
        "label": options.get("label", ""),
    }
    if "expression" in options:
        return {
            **target,
            "metricEditorMode": 1,
            "metricQueryType": 0,
            "expression": options["expression"],
        }
    dims = {names[i]: names[i + 1] for i in range(2, len(names), 2)}
    return {
        **target,
        "metricEditorMode": 0,
        "metricQueryType": 0,
        "namespace": names[0],
        "metricName": names[1],
        "dimensions": dims,
        "statistic": options.get("stat", props.get("stat", "Sum")),
        "matchExact": True,
    }
