"""Run a set of catalog stages as a DAG on one engine, independent stages concurrently (anyio)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Protocol

import anyio

from pipeline.catalog import Catalog, Stage
from pipeline.dag import run_in_dependency_order
from pipeline.engines.base import Engine, EngineError, OutputSink, StageContext
from pipeline.engines.outcome import not_run
from pipeline.result_cache import ResultCache, export_digest, input_digest
from pipeline.results import RunReport, StageResult, Status, run_status
from pipeline.sourcefiles import source_files


class EventKind(StrEnum):
    STARTED = "started"
    FINISHED = "finished"
    OUTPUT = "output"


@dataclass(frozen=True)
class Event:
    kind: EventKind
    stage: str
    result: StageResult | None = None
    line: str = ""


EventSink = Callable[[Event], None]


class StageHooks(Protocol):
    """What happens around each stage besides running it (a target's lifecycle: the local
    target serves an environment's app after its deploy). Called from a worker thread."""

    def before(self, stage: Stage) -> str | None:
        """Prepare; a returned text means the stage cannot run (it becomes its error)."""
        ...

    def after(self, stage: Stage, result: StageResult) -> StageResult:
        """Follow up; may turn the result into an error (then what needs it is skipped)."""
        ...


@dataclass(frozen=True)
class RunOptions:
    fail_fast: bool = False
    use_cache: bool = True
    strict: bool = False  # degraded stages fail the run
    jobs: int = 4
    secrets: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, str] = field(default_factory=dict)


class Scheduler:
    """Runs stages once their needs passed; a stage whose need did not pass is skipped."""

    def __init__(
        self,
        catalog: Catalog,
        engine: Engine,
        repo: Path,
        options: RunOptions,
        on_event: EventSink | None = None,
        cache: ResultCache | None = None,
        hooks: StageHooks | None = None,
    ) -> None:
        self.catalog = catalog
        self.engine = engine
        self.repo = repo
        self.options = options
        self.on_event = on_event or (lambda _event: None)
        self.hooks = hooks
        self.cache = cache or ResultCache(repo / ".pipeline" / "cache" / engine.name)
        self._toolchain_refs: dict[str, str] = {}
        self._toolchain_locks: dict[str, anyio.Lock] = {}
        self._files: list[str] = []
        self._stop = False

    async def run(self, names: Sequence[str]) -> RunReport:
        started_at = datetime.now(UTC).isoformat(timespec="seconds")
        started = time.monotonic()
        stages = [self.catalog.stages[name] for name in self.catalog.closure(names)]
        self._files = await anyio.to_thread.run_sync(source_files, self.repo)
        self._toolchain_locks = {t: anyio.Lock() for t in self.catalog.toolchains}
        limiter = anyio.CapacityLimiter(max(1, self.options.jobs))

        async def run_one(stage: Stage, _done: Mapping[str, StageResult]) -> StageResult:
            try:
                result = await self._decide(stage, limiter)
            except EngineError as exc:
                result = self._not_run(stage, Status.ERROR, str(exc))
            if not result.status.ok and self.options.fail_fast:
                self._stop = True
            return self._finished(result)

        def blocked(stage: Stage, needs: tuple[str, ...]) -> StageResult:
            message = f"not run: needs {', '.join(needs)} to pass"
            return self._finished(self._not_run(stage, Status.SKIPPED, message))

        done = await run_in_dependency_order(stages, run_one, lambda r: r.status.ok, blocked)
        results = tuple(done.values())
        return RunReport(
            engine=self.engine.name,
            status=run_status(results, strict=self.options.strict),
            duration_s=round(time.monotonic() - started, 3),
            stages=results,
            started_at=started_at,
        )

    def _not_run(self, stage: Stage, status: Status, message: str) -> StageResult:
        return not_run(
            stage,
            status,
            message,
            engine=self.engine.name,
            image="",
            containerized=self.engine.containerized,
        )

    def _finished(self, result: StageResult) -> StageResult:
        self.on_event(Event(EventKind.FINISHED, result.name, result=result))
        return result

    async def _decide(self, stage: Stage, limiter: anyio.CapacityLimiter) -> StageResult:
        async with limiter:
            if self._stop:
                message = "not run: --fail-fast after an earlier failure"
                return self._not_run(stage, Status.SKIPPED, message)
            self.on_event(Event(EventKind.STARTED, stage.name))
            toolchain = self.catalog.toolchain_of(stage)
            digest = await anyio.to_thread.run_sync(self._digest, stage)
            use_cache = self.options.use_cache and stage.cacheable
            if use_cache:
                started = time.monotonic()
                hit = await anyio.to_thread.run_sync(self.cache.lookup, self.repo, stage, digest)
                if hit is not None:
                    took = round(time.monotonic() - started, 3)
                    message = f"cached: inputs unchanged (recorded run took {hit.duration_s:.1f}s)"
                    if hit.message:  # e.g. why a recorded result is degraded
                        message += f"; {hit.message}"
                    return replace(hit, duration_s=took, message=message)
            ref = await self._prepare(toolchain.name)
            service_refs = {
                service.name: await self._prepare(service.toolchain)
                for service in self.catalog.services_of(stage)
            }
            ctx = StageContext(
                repo=self.repo,
                catalog=self.catalog,
                toolchain_ref=ref,
                secrets=self._secrets(stage),
                params=self._params(stage),
                on_output=self._sink(),
                service_refs=service_refs,
            )
            result = await self._run_with_hooks(stage, ctx)
            result = replace(result, input_digest=digest)
            if use_cache:
                await anyio.to_thread.run_sync(self.cache.store, self.repo, stage, digest, result)
            return result

    async def _run_with_hooks(self, stage: Stage, ctx: StageContext) -> StageResult:
        if self.hooks is not None:
            refused = await anyio.to_thread.run_sync(self.hooks.before, stage)
            if refused is not None:
                return self._not_run(stage, Status.ERROR, f"not run: {refused}")
        result = await anyio.to_thread.run_sync(self.engine.run_stage, stage, ctx)
        if self.hooks is not None:
            result = await anyio.to_thread.run_sync(self.hooks.after, stage, result)
        return result

    def _params(self, stage: Stage) -> dict[str, str]:
        return {k: v for k, v in self.options.params.items() if k in stage.params}

    def _secrets(self, stage: Stage) -> dict[str, str]:
        return {k: v for k, v in self.options.secrets.items() if k in stage.secrets and v}

    def _digest(self, stage: Stage) -> str:
        toolchain = self.catalog.toolchain_of(stage)
        upstream = {
            need: export_digest(self.repo, self.catalog.stages[need]) for need in stage.needs
        }
        return input_digest(
            self.repo,
            stage,
            self._files,
            self.engine.toolchain_digest(toolchain, self.repo),
            upstream,
            self._params(stage),
            provided_secrets=tuple(self._secrets(stage)),
        )

    async def _prepare(self, toolchain_name: str) -> str:
        async with self._toolchain_locks[toolchain_name]:
            if toolchain_name not in self._toolchain_refs:
                toolchain = self.catalog.toolchains[toolchain_name]
                self._toolchain_refs[toolchain_name] = await anyio.to_thread.run_sync(
                    partial(self.engine.prepare, toolchain, self.repo)
                )
            return self._toolchain_refs[toolchain_name]

    def _sink(self) -> OutputSink:
        def sink(stage: str, line: str) -> None:
            self.on_event(Event(EventKind.OUTPUT, stage, line=line))

        return sink


def run_stages(
    catalog: Catalog,
    engine: Engine,
    repo: Path,
    names: Sequence[str],
    options: RunOptions,
    on_event: EventSink | None = None,
    hooks: StageHooks | None = None,
) -> RunReport:
    """Blocking entry point: run `names` (plus what they need) and return the report."""
    scheduler = Scheduler(catalog, engine, repo, options, on_event, hooks=hooks)
    return anyio.run(scheduler.run, names)
