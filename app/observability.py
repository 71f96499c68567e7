"""Structured JSON logs with a request id, per-request and business EMF metrics with a version
dimension, and the X-Ray tracer (inert outside Lambda and where POWERTOOLS_TRACE_DISABLED)."""

from __future__ import annotations

import contextvars
import logging
import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TextIO

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

SERVICE = "energy-insights"
NAMESPACE = "EnergyInsights"

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


class RequestIdFilter(logging.Filter):
    """Stamps every record with the current request id (contextvars reach worker threads)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class StdoutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stdout is at emit time (Lambda ships stdout to CloudWatch)."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    @property
    def stream(self) -> TextIO:
        return sys.stdout

    @stream.setter
    def stream(self, value: TextIO) -> None:
        """Ignored: the stream is always the current sys.stdout."""


def build_logger() -> Logger:
    logger = Logger(service=SERVICE, logger_handler=StdoutHandler())
    logger.addFilter(RequestIdFilter())
    return logger


logger = build_logger()


def set_log_level(level: str) -> None:
    """The environment's level (EI_LOG_LEVEL, from its config): DEBUG in dev shows why a token
    was rejected; INFO elsewhere."""
    logger.setLevel(level)


def tracing_wanted(environ: Mapping[str, str]) -> bool:
    """On Lambda, unless the stack turned tracing off (monitoring.tracing in the config)."""
    disabled = environ.get("POWERTOOLS_TRACE_DISABLED", "").strip().lower() in ("1", "true")
    return bool(environ.get("LAMBDA_TASK_ROOT")) and not disabled


def build_tracer(environ: Mapping[str, str]) -> Tracer | None:
    """The X-Ray tracer, patching botocore so every AWS call (DynamoDB, S3) is a subsegment;
    None where tracing is off: local runs and tests import and patch nothing (the X-Ray SDK
    costs a cold start only where traces are wanted)."""
    if not tracing_wanted(environ):
        return None
    from aws_lambda_powertools import Tracer

    return Tracer(service=SERVICE, patch_modules=["botocore"])


tracer = build_tracer(os.environ)


def outcome_of(status: int) -> str:
    if status >= 500:
        return "server_error"
    if status >= 400:
        return "client_error"
    return "ok"


def emit_request_metrics(route: str, status: int, latency_ms: float, version: str) -> None:
    """One EMF document per request: Latency (ms) and a 0/1 count per outcome class."""
    metrics = EphemeralMetrics(namespace=NAMESPACE, service=SERVICE)
    metrics.add_dimension(name="version", value=version)
    metrics.add_dimension(name="route", value=route)
    metrics.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=latency_ms)
    outcome = outcome_of(status)
    for name in ("ok", "client_error", "server_error"):
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=1 if name == outcome else 0)
    metrics.flush_metrics()


def emit_business_metrics(values: Mapping[str, tuple[float, MetricUnit]], version: str) -> None:
    """One EMF document of business metrics, per service (what alarms read) and per version
    (what the canary compares)."""
    metrics = EphemeralMetrics(namespace=NAMESPACE, service=SERVICE)
    metrics.add_dimension(name="version", value=version)
    metrics.add_dimensions(service=SERVICE)
    for name, (value, unit) in values.items():
        metrics.add_metric(name=name, unit=unit, value=value)
    metrics.flush_metrics()


def access_log(fields: dict[str, Any]) -> None:
    """The one log line per request (method, route, status, latency); never headers or bodies."""
    if fields.get("status", 0) >= 500:
        logger.error("request", extra=fields)
    else:
        logger.info("request", extra=fields)
