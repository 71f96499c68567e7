"""Metric providers (adapters) behind one protocol: each reads some metrics of the canary over
one interval. Local: router stats; aws: Lambda metrics; both: EMF by version, alarm states and
a synthetic probe."""

from infra.rollout.providers.base import MetricsProvider, Window

__all__ = ["MetricsProvider", "Window"]
