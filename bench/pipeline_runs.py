"""Benchmark: the CI pipeline on the docker engine vs the same tools one after another on the host.

Measured side by side in one run, on a fresh copy of the repository:
  1. host, sequential: `pipeline ci --engine host --jobs 1 --no-cache` (the baseline)
  2. docker, cold:     `pipeline ci --engine docker` with an empty result cache (toolchain
                       images already built; their build time is measured separately first)
  3. docker, warm:     one file changed (a comment appended to an app module), result cache on
  4. docker, no-op:    nothing changed
Per-stage container overhead = a stage's wall time minus the time its steps ran inside the
container (create, copy-in, start, log streaming, export, removal).

Usage: .venv/bin/python bench/pipeline_runs.py [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "ci" / "src"))

from pipeline.catalog import CATALOG  # noqa: E402
from pipeline.sourcefiles import source_files  # noqa: E402


def copy_repo(target: Path) -> None:
    for rel in source_files(ROOT):
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, target / rel)
    # The host engine runs in the copy's own toolchain venvs (never share one: `uv sync` would
    # repoint its editable install); sync them before anything is timed.
    uv = shutil.which("uv")
    if uv is None:
        raise SystemExit("uv is not on PATH: run ./pipeline once, or pip install uv")
    for project in {t.project for t in CATALOG.toolchains.values()}:
        subprocess.run(
            [uv, "sync", "--frozen", "--quiet", "--project", str(target / project)],
            cwd=target,
            check=True,
        )


def run(repo: Path, *args: str) -> tuple[float, dict[str, Any]]:
    report = repo / "bench-report.json"
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args, "--repo", str(repo), "--report", str(report)],
        capture_output=True,
        text=True,
        check=False,
    )
    took = time.monotonic() - started
    if not report.is_file():
        raise SystemExit(f"pipeline {' '.join(args)} wrote no report:\n{proc.stdout}{proc.stderr}")
    data: dict[str, Any] = json.loads(report.read_text())
    report.unlink()
    bad = [s["name"] for s in data["stages"] if s["status"] not in ("passed", "degraded")]
    if bad:
        raise SystemExit(f"stages {bad} did not pass:\n{proc.stdout[-3000:]}")
    return took, data


def overheads(report: dict[str, Any]) -> list[float]:
    return [
        s["duration_s"] - sum(step["duration_s"] for step in s["steps"])
        for s in report["stages"]
        if not s["cached"] and s["steps"]
    ]


def prepare_images() -> float:
    from pipeline.engines.select import docker_engine

    engine = docker_engine()
    started = time.monotonic()
    for toolchain in CATALOG.toolchains.values():
        engine.prepare(toolchain, ROOT)
    return time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    image_s = prepare_images()
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as tmp:
        repo = Path(tmp)
        copy_repo(repo)
        host_s, _ = run(repo, "ci", "--engine", "host", "--jobs", "1", "--no-cache")
        # Cold: no recorded results (but record this run's, so the warm run can reuse them).
        shutil.rmtree(repo / ".pipeline" / "cache" / "docker", ignore_errors=True)
        cold_s, cold = run(repo, "ci", "--engine", "docker")
        module = repo / "app" / "__init__.py"
        module.write_text(module.read_text() + "# benchmark: one changed file\n")
        warm_s, warm = run(repo, "ci", "--engine", "docker")
        noop_s, noop = run(repo, "ci", "--engine", "docker")
    per_stage = overheads(cold)
    results = {
        "toolchain_images_s": round(image_s, 2),
        "host_sequential_s": round(host_s, 2),
        "docker_cold_s": round(cold_s, 2),
        "docker_warm_one_file_s": round(warm_s, 2),
        "docker_warm_rerun_stages": [s["name"] for s in warm["stages"] if not s["cached"]],
        "docker_noop_s": round(noop_s, 2),
        "docker_noop_rerun_stages": [s["name"] for s in noop["stages"] if not s["cached"]],
        "warm_over_host": round(warm_s / host_s, 2),
        "cold_over_host": round(cold_s / host_s, 2),
        "stage_overhead_mean_s": round(statistics.mean(per_stage), 2),
        "stage_overhead_max_s": round(max(per_stage), 2),
    }
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
