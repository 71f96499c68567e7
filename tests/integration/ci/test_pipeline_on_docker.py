"""The CI pipeline on the Docker Engine, on a copy of this repository: every stage in a
container, a planted lint error and type error turn exactly those stages red, and a no-op rerun
is served from the result cache.

The test and integration stages are left out here: both run on the docker engine in `.ci/run`'s
own `./pipeline ci --engine docker` (minutes each), and the service wiring is tested in
test_docker_engine.py; running them twice more here would double CI's time for no new check.
Both toolchains, a `needs` edge with exports (synth -> scan) and the cache are exercised."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pipeline.sourcefiles import source_files

ROOT = Path(__file__).resolve().parents[3]
pytestmark = [pytest.mark.docker, pytest.mark.slow]
STAGES = ("lint", "typecheck", "synth", "scan")
RUN = ("run", *STAGES, "--engine", "docker")


def pipeline(repo: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    report = repo / "build" / "run.json"
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args, "--repo", str(repo), "--report", str(report)],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    data = json.loads(report.read_text()) if report.is_file() else {}
    report.unlink(missing_ok=True)
    return proc.returncode, data, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def repo_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("repo")
    for rel in source_files(ROOT):
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, target / rel)
    return target


def statuses(report: dict[str, Any]) -> dict[str, str]:
    return {s["name"]: s["status"] for s in report["stages"]}


def test_ci_then_planted_errors_then_noop_rerun(docker_client: object, repo_copy: Path) -> None:
    code, report, log = pipeline(repo_copy, *RUN)
    assert report, log
    assert report["engine"] == "docker"
    assert all(s["containerized"] for s in report["stages"]), log
    assert all(s["image"].startswith("pipeline-") for s in report["stages"]), log
    got = statuses(report)
    assert got["scan"] in ("passed", "degraded"), log
    assert {k: v for k, v in got.items() if k != "scan"} == dict.fromkeys(
        ("lint", "typecheck", "synth"), "passed"
    ), log
    assert code == 0, log
    assert (repo_copy / "build/reports/lint/junit.steps.xml").is_file()
    assert (repo_copy / "build/synth/prod/template.json").is_file()
    assert list((repo_copy / "build/reports/scan").glob("*.sarif"))

    code, report, log = pipeline(repo_copy, *RUN)
    cached = {s["name"]: s["cached"] for s in report["stages"]}
    assert all(cached.values()), log
    assert statuses(report) == got, "a cached result replays its own status (degraded stays so)"
    assert code == 0, log

    planted = repo_copy / "app" / "planted.py"
    planted.write_text('"""Planted errors."""\n\nimport os\n\n\ndef f() -> int:\n    return "x"\n')
    try:
        code, report, log = pipeline(repo_copy, *RUN)
    finally:
        planted.unlink()
    got = statuses(report)
    assert code == 1, log
    assert got["lint"] == "failed" and got["typecheck"] == "failed", log
    assert got["synth"] == "passed", log
    assert got["scan"] in ("passed", "degraded"), log
    assert "F401" in log and "planted.py" in log
    assert "Incompatible return value type" in log
