"""What every gate receives: the repository, the process runner, and where reports go."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.catalog import CATALOG
from pipeline.gates.tool_runner import ToolRunner

SCAN_REPORT_DIR = CATALOG.stage("scan").report_dir


@dataclass(frozen=True)
class GateContext:
    repo: Path
    runner: ToolRunner
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ), repr=False)

    @property
    def report_dir(self) -> Path:
        """`build/reports/scan` under the repository, created on first use."""
        path = self.repo / SCAN_REPORT_DIR
        path.mkdir(parents=True, exist_ok=True)
        return path

    def report_path(self, name: str) -> Path:
        return self.report_dir / name

    def relative(self, path: Path) -> str:
        """A repo-relative, `/`-separated path for messages."""
        try:
            return path.relative_to(self.repo).as_posix()
        except ValueError:
            return str(path)
