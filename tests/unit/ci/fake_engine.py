"""A scripted engine for scheduler and CLI tests: no containers, no sleeping, file effects.

Concurrency is shown by order, never by timing: `events` records each stage's start and end,
and stages named in `together` wait at a barrier until all of them are running, so a scheduler
that ran them one after another would break the barrier instead of passing by luck.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.catalog import Stage, Toolchain
from pipeline.engines.base import StageContext
from pipeline.results import StageResult, Status, StepResult

BARRIER_TIMEOUT_S = 10.0  # only reached when the stages do NOT run together (the failure)


@dataclass
class FakeEngine:
    outcomes: dict[str, Status] = field(default_factory=dict)
    exit_codes: dict[str, int] = field(default_factory=dict)  # a failed stage's step exit code
    name: str = "fake"
    containerized: bool = True
    calls: list[str] = field(default_factory=list)
    params: dict[str, dict[str, str]] = field(default_factory=dict)  # per stage, as given
    secrets: dict[str, dict[str, str]] = field(default_factory=dict)
    prepared: list[str] = field(default_factory=list)
    events: list[tuple[str, str]] = field(default_factory=list)
    together: frozenset[str] = frozenset()
    toolchain_version: str = "tc-1"
    lock: threading.Lock = field(default_factory=threading.Lock)
    _barrier: threading.Barrier | None = None

    def __post_init__(self) -> None:
        if self.together:
            self._barrier = threading.Barrier(len(self.together), timeout=BARRIER_TIMEOUT_S)

    def toolchain_digest(self, toolchain: Toolchain, repo: Path) -> str:
        return f"{toolchain.name}-{self.toolchain_version}"

    def prepare(self, toolchain: Toolchain, repo: Path) -> str:
        with self.lock:
            self.prepared.append(toolchain.name)
        return f"image-{toolchain.name}"

    def run_stage(self, stage: Stage, ctx: StageContext) -> StageResult:
        with self.lock:
            self.calls.append(stage.name)
            self.params[stage.name] = dict(ctx.params)
            self.secrets[stage.name] = dict(ctx.secrets)
            self.events.append(("start", stage.name))
        if ctx.on_output is not None:
            ctx.on_output(stage.name, f"running {stage.name}")
        if self._barrier is not None and stage.name in self.together:
            self._barrier.wait()  # BrokenBarrierError: they did not run at the same time
        report = ctx.repo / stage.report_dir / "result.json"
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(f'{{"stage": "{stage.name}"}}')
        (report.parent / "log.txt").write_text(f"log of {stage.name}\n")
        with self.lock:
            self.events.append(("end", stage.name))
        status = self.outcomes.get(stage.name, Status.PASSED)
        code = self.exit_codes.get(stage.name)
        steps = () if code is None else (StepResult("a", ("x",), code, status, 0.0),)
        return StageResult(
            name=stage.name,
            status=status,
            duration_s=0.0,
            engine=self.name,
            image=ctx.toolchain_ref,
            containerized=True,
            steps=steps,
            log_tail=f"log of {stage.name}",
        )
