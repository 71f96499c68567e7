"""A fake clock, and real EMF lines from the app's own `emit_request_metrics`."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from app.observability import emit_request_metrics

START = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


class FakeClock:
    """A clock that moves only when slept on (or told to)."""

    def __init__(self, current: datetime = START) -> None:
        self.current = current
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        return self.current

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.current += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def app_emf_lines(
    requests: int, server_error_share: float, at: datetime, version: str = "1.0.0"
) -> list[str]:
    """`requests` real EMF documents of the app's middleware (every 1/share-th one a 500),
    re-stamped to `at` plus one millisecond per request (the app stamps them with now)."""
    out = io.StringIO()
    every = round(1 / server_error_share) if server_error_share else 0
    with contextlib.redirect_stdout(out):
        for i in range(requests):
            status = 500 if every and i % every == 0 else 200
            emit_request_metrics("/sites/{site_id}", status, 40.0 + i % 7, version)
    lines = []
    for i, line in enumerate(out.getvalue().splitlines()):
        doc = json.loads(line)
        doc["_aws"]["Timestamp"] = int((at.timestamp() + i / 1000) * 1000)
        lines.append(json.dumps(doc))
    return lines


EmfLines = Callable[[int, float, datetime], list[str]]


@pytest.fixture
def emf_lines() -> EmfLines:
    return app_emf_lines
