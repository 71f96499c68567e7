"""The metrics of the local target, from what the local apps really emit.

There is no API Gateway locally: its metrics (Count, 4xx, 5xx, Latency) are bound to the
local router's per-server counters when there is a router, else to the app's own per-request
EMF (`ok` / `client_error` / `server_error` / `Latency`). Latency always comes from EMF
(the router only keeps an average). Everything else the catalog reads (Lambda, DynamoDB, S3,
Billing) has no local source: those alarms see no data and say so.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from infra.monitoring.catalog import APP_NAMESPACE, api_metric
from infra.monitoring.emf import is_emf, parse_documents
from infra.monitoring.log_filters import LOG_FILTERS, log_namespace
from infra.monitoring.samples import MetricKey, MetricStore, Sample

LOCAL_API_ID = "local"
# What the local target has a source for: the API (app EMF or router), the app's own EMF and
# the log metric filters (applied to the app's log records). Lambda is never invoked locally,
# and DynamoDB, S3 and Billing metrics exist only on AWS.
API_NAMESPACE = "AWS/ApiGateway"
PLACEHOLDERS = {"HttpApi": LOCAL_API_ID, "AWS::Region": "local", "AWS::AccountId": "local"}
_OUTCOMES = {"server_error": "5xx", "client_error": "4xx"}


@dataclass(frozen=True)
class RouterSample:
    """One reading of the local router's cumulative counters for one backend server (HAProxy
    `show stat`: `stot`, `hrsp_4xx`, `hrsp_5xx`); the rollout's router adapter produces them."""

    at: datetime
    server: str  # e.g. blue / green
    requests: int
    responses_4xx: int
    responses_5xx: int


@dataclass(frozen=True)
class LocalInputs:
    """What the local metrics were built from, for the alarms' reasons."""

    emf_documents: int
    rejected_documents: int
    router_samples: int

    @property
    def api_source(self) -> str:
        return "the local router's counters" if self.router_samples else "the app's EMF"


def has_local_source(namespace: str) -> bool:
    """Whether anything on the local target can publish metrics of `namespace`."""
    return namespace in (API_NAMESPACE, APP_NAMESPACE) or namespace.startswith(log_namespace(""))


@functools.cache
def api_key(name: str, stat: str = "Sum") -> MetricKey:
    return MetricKey.of(api_metric(name, stat).resolve(PLACEHOLDERS))


class LocalMetrics:
    """The local metrics of one environment, fed incrementally: each `ingest` adds only the
    documents and router readings that arrived since the previous one."""

    def __init__(self, env: str) -> None:
        self.env = env
        self.store = MetricStore()
        self._emf = self._rejected = self._router = 0
        self._last_reading: dict[str, RouterSample] = {}

    def ingest(self, docs: Iterable[Mapping[str, Any]], router: Sequence[RouterSample]) -> None:
        docs = list(docs)
        parsed = parse_documents(docs, LOG_FILTERS, log_namespace(self.env))
        self.store.add(parsed.samples)
        emf = [d for d in docs if is_emf(d)]
        self._router += len(router)
        # Once a router reports, it is the API stand-in: EMF then only gives latency.
        self.store.add(_api_from_emf(emf, include_counts=not self._router))
        self.store.add(_api_from_router(router, self._last_reading))
        self._emf += len(emf)
        self._rejected += parsed.rejected

    @property
    def inputs(self) -> LocalInputs:
        return LocalInputs(self._emf, self._rejected, self._router)


def build_store(
    docs: Iterable[Mapping[str, Any]], router: Sequence[RouterSample], env: str
) -> tuple[MetricStore, LocalInputs]:
    """Every sample the catalog can read locally, from app stdout documents and router stats."""
    metrics = LocalMetrics(env)
    metrics.ingest(docs, router)
    return metrics.store, metrics.inputs


def _api_from_emf(docs: Iterable[Mapping[str, Any]], include_counts: bool) -> Iterable[Sample]:
    for doc in docs:
        if not _from_app(doc):
            continue
        at = float(doc["_aws"]["Timestamp"]) / 1000
        for latency in _numbers(doc.get("Latency")):
            yield Sample(api_key("Latency"), at, latency)
        if not include_counts:
            continue
        outcomes = {
            name: _numbers(doc.get(name)) for name in ("ok", "client_error", "server_error")
        }
        if all(outcomes.values()):
            yield Sample(api_key("Count"), at, sum(sum(v) for v in outcomes.values()))
            for outcome, metric in _OUTCOMES.items():
                yield Sample(api_key(metric), at, sum(outcomes[outcome]))


def _numbers(raw: Any) -> list[float]:
    """EMF values are a number or a list of numbers (Powertools writes lists)."""
    items = raw if isinstance(raw, list) else [raw]
    return [float(v) for v in items if isinstance(v, int | float) and not isinstance(v, bool)]


def _from_app(doc: Mapping[str, Any]) -> bool:
    try:
        directives = doc["_aws"]["CloudWatchMetrics"]
        return any(d.get("Namespace") == APP_NAMESPACE for d in directives)
    except (KeyError, TypeError, AttributeError):
        return False


def _api_from_router(
    samples: Sequence[RouterSample], previous: dict[str, RouterSample]
) -> Iterable[Sample]:
    """Per-interval deltas of each server's cumulative counters (a restart resets them);
    `previous` holds each server's last reading and is updated."""
    for sample in sorted(samples, key=lambda s: s.at):
        before = previous.get(sample.server)
        previous[sample.server] = sample
        if before is None:
            continue
        at = sample.at.timestamp()
        for name, now, then in (
            ("Count", sample.requests, before.requests),
            ("4xx", sample.responses_4xx, before.responses_4xx),
            ("5xx", sample.responses_5xx, before.responses_5xx),
        ):
            delta = now - then if now >= then else now  # counter reset: count from zero
            yield Sample(api_key(name), at, float(delta))
