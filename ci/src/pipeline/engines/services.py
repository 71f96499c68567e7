"""What every engine does alike for a stage's services: where one answers, and waiting for it.

Engine-specific starting and stopping lives with each engine (docker: containers on a per-run
network; host: processes on free loopback ports). Clock and sleep are injected so the waiting is
tested without waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.catalog import Service
from pipeline.engines.base import EngineError

READY_TIMEOUT_S = 60.0
READY_POLL_S = 0.25

Clock = Callable[[], float]
Sleep = Callable[[float], None]


class ServiceFailed(EngineError):
    """A stage's service did not start or never answered; the stage cannot run."""


@dataclass(frozen=True)
class Waiting:
    """How long to wait for a service to answer, and how (injected in tests)."""

    timeout_s: float = READY_TIMEOUT_S
    poll_s: float = READY_POLL_S
    clock: Clock = time.monotonic
    sleep: Sleep = time.sleep


def service_url(host: str, port: int) -> str:
    return f"http://{host}:{port}"


def wait_ready(
    service: Service,
    answers: Callable[[], bool],
    gone: Callable[[], str | None],
    waiting: Waiting,
) -> None:
    """Poll `answers` until it says yes; raise ServiceFailed when `gone` reports that the service
    exited (its reason) or when `waiting.timeout_s` passed. The last poll is at the deadline."""
    deadline = waiting.clock() + waiting.timeout_s
    while True:
        if answers():
            return
        why = gone()
        if why is not None:
            raise ServiceFailed(f"service {service.name!r} ({service.description}) exited: {why}")
        now = waiting.clock()
        if now >= deadline:
            raise ServiceFailed(
                f"service {service.name!r} ({service.description}) did not answer within "
                f"{waiting.timeout_s:g} s: see its output in the stage's log tail, or raise the "
                "engine's service timeout on a slow machine"
            )
        waiting.sleep(min(waiting.poll_s, deadline - now))
