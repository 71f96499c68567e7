"""A scripted engine for scheduler and CLI tests: no containers, real timing and file effects."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.catalog import Stage, Toolchain
from pipeline.engines.base import StageContext
from pipeline.results import StageResult, Status


@dataclass
class FakeEngine:
    outcomes: dict[str, Status] = field(default_factory=dict)
    delay_s: float = 0.05
    name: str = "fake"
    containerized: bool = True
    calls: list[str] = field(default_factory=list)
    params: dict[str, dict[str, str]] = field(default_factory=dict)  # per stage, as given
    secrets: dict[str, dict[str, str]] = field(default_factory=dict)
    prepared: list[str] = field(default_factory=list)
    spans: dict[str, tuple[float, float]] = field(default_factory=dict)
    toolchain_version: str = "tc-1"
    lock: threading.Lock = field(default_factory=threading.Lock)

    def toolchain_digest(self, toolchain: Toolchain, repo: Path) -> str:
        return f"{toolchain.name}-{self.toolchain_version}"

    def prepare(self, toolchain: Toolchain, repo: Path) -> str:
        with self.lock:
            self.prepared.append(toolchain.name)
        return f"image-{toolchain.name}"

    def run_stage(self, stage: Stage, ctx: StageContext) -> StageResult:
        start = time.monotonic()
        with self.lock:
            self.calls.append(stage.name)
            self.params[stage.name] = dict(ctx.params)
            self.secrets[stage.name] = dict(ctx.secrets)
        if ctx.on_output is not None:
            ctx.on_output(stage.name, f"running {stage.name}")
        time.sleep(self.delay_s)
        report = ctx.repo / stage.report_dir / "result.json"
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(f'{{"stage": "{stage.name}"}}')
        (report.parent / "log.txt").write_text(f"log of {stage.name}\n")
        self.spans[stage.name] = (start, time.monotonic())
        return StageResult(
            name=stage.name,
            status=self.outcomes.get(stage.name, Status.PASSED),
            duration_s=round(time.monotonic() - start, 3),
            engine=self.name,
            image=ctx.toolchain_ref,
            containerized=True,
            log_tail=f"log of {stage.name}",
        )
