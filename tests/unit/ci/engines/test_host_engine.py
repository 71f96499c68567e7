from __future__ import annotations

import sys
from pathlib import Path
from types import MappingProxyType

import pytest

from pipeline.catalog import CATALOG, Catalog, Stage, Step, Toolchain
from pipeline.engines.base import EngineError, StageContext
from pipeline.engines.host import HostEngine
from pipeline.results import Status

ROOT = Path(__file__).resolve().parents[4]


def _catalog(stage: Stage) -> Catalog:
    return Catalog(CATALOG.toolchains, CATALOG.caches, MappingProxyType({stage.name: stage}))


def _prepare_repo(tmp_path: Path) -> Path:
    # The stage runner is imported from <repo>/ci/src inside the stage's process.
    (tmp_path / "ci").symlink_to(ROOT / "ci", target_is_directory=True)
    return tmp_path


def test_host_stage_runs_in_the_venv_and_is_marked_not_containerized(tmp_path: Path) -> None:
    repo = _prepare_repo(tmp_path)
    # The stage runner resolves stages from the real catalog, so use a real stage name whose
    # steps we can observe: `lint` runs ruff from the venv on this tiny repo.
    (repo / "ok.py").write_text('"""Fine."""\n\nX = 1\n')
    (repo / "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n")
    lines: list[str] = []
    ctx = StageContext(
        repo=repo,
        catalog=CATALOG,
        toolchain_ref=sys.prefix,
        on_output=lambda _stage, line: lines.append(line),
    )
    result = HostEngine().run_stage(CATALOG.stages["lint"], ctx)
    assert result.status is Status.PASSED, result.log_tail
    assert result.containerized is False
    assert result.engine == "host"
    assert [s.name for s in result.steps] == ["ruff-check", "ruff-format"]
    assert any("ruff" in line for line in lines)
    assert "build/reports/lint/result.json" in result.reports
    assert (repo / ".pipeline/cache/tools/ruff").is_dir(), "tool cache lives under .pipeline"


def test_host_stage_failure_carries_the_log_tail(tmp_path: Path) -> None:
    repo = _prepare_repo(tmp_path)
    (repo / "bad.py").write_text("import os\n")  # unused import: ruff F401
    (repo / "pyproject.toml").write_text("[tool.ruff]\n")
    ctx = StageContext(repo=repo, catalog=CATALOG, toolchain_ref=sys.prefix)
    result = HostEngine().run_stage(CATALOG.stages["lint"], ctx)
    assert result.status is Status.FAILED
    assert "F401" in result.log_tail


def test_toolchain_digest_needs_the_lock_files(tmp_path: Path) -> None:
    toolchain = Toolchain("t", "img", ".", ("uv.lock",))
    with pytest.raises(EngineError, match=r"lock file uv\.lock of toolchain 't' is missing"):
        HostEngine().toolchain_digest(toolchain, tmp_path)
    (tmp_path / "uv.lock").write_text("a")
    first = HostEngine().toolchain_digest(toolchain, tmp_path)
    (tmp_path / "uv.lock").write_text("b")
    assert HostEngine().toolchain_digest(toolchain, tmp_path) != first


def test_a_stage_outside_the_catalog_runs_too(tmp_path: Path) -> None:
    repo = _prepare_repo(tmp_path)
    ghost = Stage("ghost", "g", "python", (Step("s", (sys.executable, "-c", "print(42)")),), ())
    ctx = StageContext(repo=repo, catalog=_catalog(ghost), toolchain_ref=sys.prefix)
    result = HostEngine().run_stage(ghost, ctx)
    assert result.status is Status.PASSED
    assert "42" in result.log_tail
