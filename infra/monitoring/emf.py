"""Read what the app writes to stdout: EMF documents become metric samples (one per metric and
dimension set), and access-log records feed the log metric filters."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from infra.monitoring.log_filters import LogFilter
from infra.monitoring.samples import MetricKey, Sample

# Powertools Logger's default timestamp, e.g. "2026-12-04 13:59:02,123+0000".
_LOG_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S,%f%z", "%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z")


@dataclass(frozen=True)
class Parsed:
    samples: tuple[Sample, ...]
    rejected: int  # EMF-looking documents that break the EMF specification


def json_documents(lines: Iterable[str]) -> Iterator[Mapping[str, Any]]:
    """The JSON objects among text lines (anything else on stdout is skipped)."""
    for line in lines:
        text = line.strip()
        if not text.startswith("{"):
            continue
        try:
            doc = json.loads(text)
        except ValueError:
            continue
        if isinstance(doc, Mapping):
            yield doc


def is_emf(doc: Mapping[str, Any]) -> bool:
    aws = doc.get("_aws")
    return isinstance(aws, Mapping) and "CloudWatchMetrics" in aws


def emf_samples(doc: Mapping[str, Any]) -> tuple[Sample, ...]:
    """Samples of one EMF document; ValueError naming what breaks the specification."""
    aws = doc["_aws"]
    stamp = aws.get("Timestamp")
    if not isinstance(stamp, int | float) or isinstance(stamp, bool):
        raise ValueError("_aws.Timestamp must be epoch milliseconds")
    at = float(stamp) / 1000
    samples: list[Sample] = []
    directives = aws.get("CloudWatchMetrics")
    if not isinstance(directives, list):
        raise ValueError("_aws.CloudWatchMetrics must be a list")
    for directive in directives:
        namespace = directive.get("Namespace")
        if not isinstance(namespace, str) or not namespace:
            raise ValueError("a metric directive needs a Namespace")
        for dimension_set in directive.get("Dimensions", [[]]):
            dims = tuple(sorted((str(name), _dimension(doc, name)) for name in dimension_set))
            for definition in directive.get("Metrics", []):
                name = definition.get("Name")
                for value in _values(doc, name):
                    samples.append(Sample(MetricKey(namespace, name, dims), at, value))
    return tuple(samples)


def _dimension(doc: Mapping[str, Any], name: str) -> str:
    value = doc.get(name)
    if not isinstance(value, str):
        raise ValueError(f"dimension {name!r} has no string value in the document")
    return value


def _values(doc: Mapping[str, Any], name: Any) -> list[float]:
    if not isinstance(name, str):
        raise ValueError("a metric definition needs a Name")
    raw = doc.get(name)
    items: list[Any] = raw if isinstance(raw, list) else [raw]
    numbers = [float(v) for v in items if isinstance(v, int | float) and not isinstance(v, bool)]
    if not items or len(numbers) != len(items):
        raise ValueError(f"metric {name!r} needs a number or a list of numbers")
    return numbers


def log_time(record: Mapping[str, Any]) -> float | None:
    raw = record.get("timestamp")
    if not isinstance(raw, str):
        return None
    if len(raw) == 28 and raw[19] == "," and raw[23] in "+-":  # Powertools' format: fast path
        try:
            iso = f"{raw[:19]}.{raw[20:23]}{raw[23:26]}:{raw[26:]}"
            return datetime.fromisoformat(iso).timestamp()
        except ValueError:
            pass
    for pattern in _LOG_TIME_FORMATS:
        try:
            return datetime.strptime(raw.replace("Z", "+0000"), pattern).timestamp()
        except ValueError:
            continue
    return None


def filter_samples(
    record: Mapping[str, Any], filters: Iterable[LogFilter], namespace: str
) -> tuple[Sample, ...]:
    """What the log metric filters would publish for one JSON log record."""
    at = log_time(record)
    if at is None:
        return ()
    found = []
    for log_filter in filters:
        if log_filter.matches_record(record):
            dims = log_filter.dimension_values(record)
            if dims is not None:
                found.append(Sample(MetricKey(namespace, log_filter.metric, dims), at, 1.0))
    return tuple(found)


def parse_documents(
    docs: Iterable[Mapping[str, Any]], filters: Iterable[LogFilter] = (), log_namespace: str = ""
) -> Parsed:
    """Samples of every EMF document and of every log record the filters match."""
    filters = tuple(filters)
    samples: list[Sample] = []
    rejected = 0
    for doc in docs:
        if is_emf(doc):
            try:
                samples.extend(emf_samples(doc))
            except (ValueError, AttributeError, TypeError):
                rejected += 1
        elif filters:
            samples.extend(filter_samples(doc, filters, log_namespace))
    return Parsed(tuple(samples), rejected)
