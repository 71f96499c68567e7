"""The app under uvicorn with AWS-call timing, for bench/app_latency.py (not for production).

Every response gets `Server-Timing: aws;dur=<ms>, cpu;dur=<ms>`: the wall time this request spent
inside botocore calls (serialization, the HTTP round trip to the emulator, parsing), and the CPU
time of the worker thread(s) that ran its sync endpoint and dependencies, and the time it waited
for a free worker thread (`queued`: under load, behind requests blocked on the emulator).
Subtracting `aws` from the client-side latency separates the app's time from the emulator's.

    python bench/app_server.py --port N   (settings from the EI_* / AWS_* environment)
"""

from __future__ import annotations

import argparse
import contextvars
import time
from collections.abc import Callable
from typing import Any

import fastapi.dependencies.utils
import fastapi.routing
import uvicorn
from botocore.client import BaseClient
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.main import create_app


class AwsTime:
    def __init__(self) -> None:
        self.seconds = 0.0
        self.worker_cpu = 0.0
        self.queued = 0.0


current: contextvars.ContextVar[AwsTime | None] = contextvars.ContextVar("aws_time", default=None)
_original = BaseClient._make_api_call


def timed_api_call(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
    started = time.perf_counter()
    try:
        return _original(self, operation, params)
    finally:
        meter = current.get()
        if meter is not None:  # the worker thread shares this object with the request's task
            meter.seconds += time.perf_counter() - started


async def timed_run_in_threadpool(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Sync endpoints and dependencies: add the worker thread's CPU time to the request."""
    meter = current.get()
    enqueued = time.perf_counter()

    def call() -> Any:
        if meter is not None:
            meter.queued += time.perf_counter() - enqueued
        started = time.thread_time()
        try:
            return func(*args, **kwargs)
        finally:
            if meter is not None:
                meter.worker_cpu += time.thread_time() - started

    return await run_in_threadpool(call)


class ServerTiming:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        meter = AwsTime()
        token = current.set(meter)

        async def send_timed(message: Message) -> None:
            if message["type"] == "http.response.start":
                value = (
                    f"aws;dur={meter.seconds * 1000:.3f}, cpu;dur={meter.worker_cpu * 1000:.3f}, "
                    f"queued;dur={meter.queued * 1000:.3f}"
                ).encode()
                message["headers"] = [*message.get("headers", []), (b"server-timing", value)]
            await send(message)

        try:
            await self.app(scope, receive, send_timed)
        finally:
            current.reset(token)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    BaseClient._make_api_call = timed_api_call  # type: ignore[method-assign]
    fastapi.routing.run_in_threadpool = timed_run_in_threadpool  # type: ignore[attr-defined]
    fastapi.dependencies.utils.run_in_threadpool = timed_run_in_threadpool  # type: ignore[attr-defined]
    uvicorn.run(
        ServerTiming(create_app()),
        host="127.0.0.1",
        port=args.port,
        access_log=False,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
