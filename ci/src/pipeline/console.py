"""Terminal output: live progress while stages run, then the summary table and failing logs."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from rich.console import Console, Group
from rich.live import Live
from rich.markup import escape
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text

from pipeline.report_formats import where
from pipeline.results import RunReport, StageResult, Status
from pipeline.scheduler import Event, EventKind

STYLES = {
    Status.PASSED: "green",
    Status.DEGRADED: "yellow",
    Status.SKIPPED: "dim",
    Status.FAILED: "red",
    Status.ERROR: "bold red",
}
HEARTBEAT_S = 30.0


@dataclass
class _Running:
    started: float
    last_line: str = ""
    last_beat: float = 0.0


class Progress:
    """Consumes scheduler events. Live table on a terminal; plain timestamped lines elsewhere."""

    def __init__(self, console: Console, verbose: bool = False) -> None:
        self.console = console
        self.verbose = verbose
        self.running: dict[str, _Running] = {}
        self.finished: list[StageResult] = []
        self.lock = threading.Lock()
        self.live: Live | None = None
        if console.is_terminal and not verbose:
            self.live = Live(console=console, refresh_per_second=8, transient=True)
            self.live.update(self._render())

    def __enter__(self) -> Progress:
        if self.live is not None:
            self.live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.stop()

    def __call__(self, event: Event) -> None:
        with self.lock:
            if event.kind is EventKind.STARTED:
                self.running[event.stage] = _Running(time.monotonic())
                self._plain(f"[bold]{event.stage}[/] started")
            elif event.kind is EventKind.OUTPUT:
                self._output(event)
            elif event.result is not None:
                self.running.pop(event.stage, None)
                self.finished.append(event.result)
                r = event.result
                cached = " (cached)" if r.cached else ""
                self._plain(
                    f"[bold]{r.name}[/] [{STYLES[r.status]}]{r.status.value}[/] "
                    f"in {r.duration_s:.1f}s{cached}"
                )
            if self.live is not None:
                self.live.update(self._render())

    def _output(self, event: Event) -> None:
        state = self.running.get(event.stage)
        if state is None:
            return
        if event.line.strip():
            state.last_line = event.line
        if self.verbose:
            self.console.print(f"[dim]{event.stage} |[/] {escape(event.line)}", highlight=False)
            return
        now = time.monotonic()
        if self.live is None and now - max(state.started, state.last_beat) >= HEARTBEAT_S:
            state.last_beat = now
            self.console.print(
                f"{event.stage} still running ({now - state.started:.0f}s): "
                f"{escape(state.last_line[-120:])}",
                highlight=False,
            )

    def _plain(self, message: str) -> None:
        if self.live is None:
            self.console.print(message, highlight=False)

    def _render(self) -> Group:
        table = Table.grid(padding=(0, 1))
        for r in self.finished:
            table.add_row(Text("●", style=STYLES[r.status]), r.name, r.status.value)
        now = time.monotonic()
        for name, state in self.running.items():
            table.add_row(
                Spinner("dots"),
                name,
                Text(f"{now - state.started:.0f}s  {state.last_line[-90:]}", style="dim"),
            )
        return Group(table)


def summary_table(report: RunReport) -> Table:
    """One row per stage; notes are printed under it (a table column would wrap in CI logs)."""
    table = Table(title=f"pipeline: {report.engine} engine", title_justify="left")
    for column in ("stage", "status", "duration", "where", "cached"):
        table.add_column(column, justify="right" if column == "duration" else "left", no_wrap=True)
    for r in report.stages:
        table.add_row(
            r.name,
            Text(r.status.value, style=STYLES[r.status]),
            f"{r.duration_s:.1f}s",
            where(r),
            "yes" if r.cached else "",
        )
    return table


def print_report(console: Console, report: RunReport) -> None:
    for r in report.stages:
        if r.status in (Status.FAILED, Status.ERROR):
            console.rule(f"[red]{r.name}: {r.status.value}[/]")
            console.print(Text(r.log_tail or r.message))
    console.print(summary_table(report))
    for r in report.stages:
        if r.message and r.status is not Status.PASSED:
            style = STYLES[r.status]
            console.print(f"[{style}]{r.name}[/]: {escape(r.message)}", highlight=False)
    if not any(r.containerized for r in report.stages):
        console.print(
            "[bold yellow]No stage ran in a container:[/] the host engine ran them in local "
            "venvs. Install Docker (or Dagger) for isolated, reproducible runs."
        )
    for note in report.notes:
        console.print(f"[yellow]{escape(note)}[/]")
    style = STYLES[report.status]
    console.print(
        f"[{style}]pipeline {report.status.value}[/] in {report.duration_s:.1f}s", highlight=False
    )
