"""What the routes depend on, built once per process.

AWS clients are built on first use, or at server startup by `warm` (uvicorn runs it; on Lambda,
where Mangum runs no lifespan, the first request builds them).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import Request

from app.auth import TokenVerifier
from app.faults import FaultInjector
from app.observability import logger
from app.settings import Settings
from app.storage.clients import AwsClients, aws_clients
from app.storage.reports_bucket import ReportsBucket
from app.storage.table import EnergyTable


def utc_now() -> datetime:
    return datetime.now(UTC)


class Services:
    """Settings plus the adapters; tests pass their own clients, verifier or clock."""

    def __init__(
        self,
        settings: Settings,
        clients: Callable[[], AwsClients] = aws_clients,
        verifier: TokenVerifier | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.settings = settings
        self.verifier = verifier if verifier is not None else TokenVerifier(settings.auth)
        self.faults = FaultInjector(settings.faults)
        self.clock = clock
        self._clients = clients

    @functools.cached_property
    def table(self) -> EnergyTable:
        return EnergyTable(self._clients().dynamodb, self.settings.table_name)

    @functools.cached_property
    def bucket(self) -> ReportsBucket:
        return ReportsBucket(self._clients().s3, self.settings.reports_bucket)

    def warm(self) -> None:
        """Build the AWS clients now (no AWS call), so the first request, often a health check
        with a 2 s budget, does not pay for importing boto3 and loading its service models."""
        try:
            _ = (self.table, self.bucket)
        except Exception as exc:  # e.g. no region set: the first request reports it as a 503
            logger.warning("AWS clients not built at startup", extra={"reason": repr(exc)})


def services(request: Request) -> Services:
    """FastAPI dependency: the process's Services."""
    found: Services = request.app.state.services
    return found
