"""A secret planted in the calling environment reaches no stage that did not declare it, and a
declared one appears in no log, report, result file, cache entry or (docker) container config.

`pipeline run` drives probe stages through the real CLI, scheduler and engines: a stage that dumps
its whole environment and prints its declared token (passing, so its result is cached), and one
that prints the token and fails (so it is in the failure's log tail and detail).
"""

from __future__ import annotations

import io
import json
import shutil
import sys
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
from rich.console import Console

from pipeline import cli
from pipeline.catalog import CATALOG, Catalog, Stage, Step, Toolchain
from pipeline.cli import stage_commands
from pipeline.engines.base import StageContext
from pipeline.engines.host import HostEngine

ROOT = Path(__file__).resolve().parents[3]
# Built at runtime so no secret scanner mistakes them for real ones.
PLANTED = "planted-" + "7e57" * 8
DECLARED = "declared-" + "c0de" * 8
DUMP = "import json, os; print('ENV', json.dumps(sorted(os.environ)))"
SHOW = (
    "import os, pathlib; t = os.environ['PROBE_TOKEN']; print('token is', t); "
    "pathlib.Path('build/reports/probe-pass/tool.xml').write_text('<t>' + t + '</t>')"
)
FAIL = "import os, sys; print('leaking', os.environ['PROBE_TOKEN']); sys.exit(1)"
PASS = Stage(
    "probe-pass",
    "dumps its environment, prints and writes its token",
    "python",
    (Step("dump", ("python", "-c", DUMP)), Step("show", ("python", "-c", SHOW))),
    ("probe/**",),
    secrets=("PROBE_TOKEN",),
)
FAIL_STAGE = Stage(
    "probe-fail",
    "prints its token and fails",
    "python",
    (Step("leak", ("python", "-c", FAIL)),),
    ("probe/**",),
    secrets=("PROBE_TOKEN",),
)
PROBES = Catalog(
    CATALOG.toolchains,
    CATALOG.caches,
    MappingProxyType({s.name: s for s in (PASS, FAIL_STAGE)}),
)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A tiny repository the CLI accepts: the lock files, dagger.json, the pipeline's source."""
    root = tmp_path / "repo"
    root.mkdir()
    for name in ("pyproject.toml", "uv.lock", "dagger.json"):
        shutil.copy2(ROOT / name, root / name)
    shutil.copytree(
        ROOT / "ci" / "src" / "pipeline",
        root / "ci" / "src" / "pipeline",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    (root / "probe").mkdir()
    (root / "probe" / "input.txt").write_text("x\n")
    return root


@pytest.fixture
def planted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", PLANTED)  # declared by no probe
    monkeypatch.setenv("PROBE_TOKEN", DECLARED)  # declared by both


class VenvHostEngine(HostEngine):
    """The host engine with this test run's venv as the toolchain (no `uv sync` of a copy)."""

    def prepare(self, toolchain: Toolchain, repo: Path) -> str:
        return sys.prefix


def pipeline_run(repo: Path, engine: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    if engine == "host":
        monkeypatch.setattr(stage_commands, "choose", lambda _name: VenvHostEngine())
    out = io.StringIO()
    argv = ["run", "probe-pass", "probe-fail", "--engine", engine, "--repo", str(repo), "-v"]
    argv += ["--report", str(repo / "build" / "run.json")]
    code = cli.main(argv, console=Console(file=out, width=200), catalog=PROBES)
    return code, out.getvalue()


def everything_written(repo: Path, console: str) -> dict[str, str]:
    """Every file the run left (reports, results, cache entries) plus the console output."""
    found = {"console": console}
    for top in (repo / "build", repo / ".pipeline"):
        for path in top.rglob("*"):
            if path.is_file() and not path.is_symlink():
                found[str(path.relative_to(repo))] = path.read_text(errors="replace")
    return found


def check_nothing_leaked(repo: Path, console: str) -> None:
    written = everything_written(repo, console)
    assert any(name.startswith(".pipeline/cache/") for name in written), "a result was cached"
    assert "build/reports/probe-pass/tool.xml" in written
    for name, text in written.items():
        assert PLANTED not in text, f"the undeclared secret is in {name}"
        assert DECLARED not in text, f"the declared secret is in {name}"
    passed_log = written["build/reports/probe-pass/log.txt"]
    assert "token is ***" in passed_log, "the declared secret reached the stage, masked"
    assert "leaking ***" in written["build/reports/probe-fail/log.txt"]
    assert written["build/reports/probe-pass/tool.xml"] == "<t>***</t>"
    env_line = next(line for line in passed_log.splitlines() if line.startswith("ENV ["))
    names = json.loads(env_line.split("ENV ", 1)[1])
    assert "AWS_SECRET_ACCESS_KEY" not in names, "an undeclared variable never reaches a stage"
    report = json.loads((repo / "build" / "run.json").read_text())
    assert {s["name"]: s["status"] for s in report["stages"]} == {
        "probe-pass": "passed",
        "probe-fail": "failed",
    }


def test_host_engine_passes_only_declared_secrets_and_masks_them(
    repo: Path, planted: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, console = pipeline_run(repo, "host", monkeypatch)
    assert code == 1, console  # probe-fail fails on purpose
    check_nothing_leaked(repo, console)


@pytest.mark.docker
@pytest.mark.slow
def test_docker_engine_passes_only_declared_secrets_and_masks_them(
    repo: Path, planted: None, monkeypatch: pytest.MonkeyPatch, docker_client: Any
) -> None:
    code, console = pipeline_run(repo, "docker", monkeypatch)
    assert code == 1, console
    check_nothing_leaked(repo, console)


@pytest.mark.docker
@pytest.mark.slow
def test_a_declared_secret_is_in_no_container_config(
    repo: Path, docker_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.engines.docker import DockerEngine, ensure_toolchain_image

    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", PLANTED)
    image = ensure_toolchain_image(docker_client, CATALOG.toolchains["python"], ROOT)
    inspected: list[dict[str, Any]] = []

    def on_output(stage: str, line: str) -> None:
        # The container is removed only after its output ended: it is there to inspect now.
        if line.startswith("token is"):
            for container in docker_client.containers.list(
                all=True, filters={"label": f"pipeline.stage={stage}"}
            ):
                inspected.append(docker_client.api.inspect_container(container.id))

    ctx = StageContext(
        repo=repo,
        catalog=PROBES,
        toolchain_ref=image,
        secrets={"PROBE_TOKEN": DECLARED, "AWS_SECRET_ACCESS_KEY": PLANTED},
        on_output=on_output,
    )
    result = DockerEngine(docker_client).run_stage(PASS, ctx)
    assert result.status.value == "passed", result.log_tail
    assert inspected, "the running container was inspected"
    config = json.dumps(inspected)
    assert DECLARED not in config and PLANTED not in config
    env = inspected[0]["Config"]["Env"]
    assert not [e for e in env if e.startswith(("PROBE_TOKEN=", "AWS_"))], env
    assert "PIPELINE_SECRETS_FROM=stdin" in env
    assert inspected[0]["Config"]["OpenStdin"] is True, "it came on stdin"
