"""The docker engine on the real Docker Engine: a real stage, a failing stage, exports, needs,
secrets, services on a per-run network, the CA bundle, the toolchain image cache hit, and cleanup.

All tests share one toolchain image per session (built from this repository's lock files; on a
machine without a registry the first build also makes the mmdebstrap base, about a minute).
Stages run on a temporary copy of the repository, never on the real tree.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from pipeline.catalog import CATALOG, Catalog, Stage, Step
from pipeline.engines.base import StageContext
from pipeline.engines.docker import DockerEngine, ensure_toolchain_image
from pipeline.engines.docker.ca_bundle import find_ca_bundle
from pipeline.results import StageResult, Status
from pipeline.sourcefiles import source_files

ROOT = Path(__file__).resolve().parents[3]
pytestmark = [pytest.mark.docker, pytest.mark.slow]


def py(code: str) -> tuple[str, ...]:
    return ("python", "-c", code)


def custom_catalog(*stages: Stage) -> Catalog:
    return Catalog(
        CATALOG.toolchains, CATALOG.caches, MappingProxyType({s.name: s for s in stages})
    )


@pytest.fixture(scope="session")
def python_image(docker_client: Any) -> tuple[str, float]:
    """The python toolchain image (built if absent) and how long ensuring it took (for the
    log only: timings are measured in bench/, never asserted)."""
    started = time.monotonic()
    tag = ensure_toolchain_image(docker_client, CATALOG.toolchains["python"], ROOT)
    return tag, time.monotonic() - started


@pytest.fixture(scope="session")
def engine(docker_client: Any) -> DockerEngine:
    return DockerEngine(docker_client)


@pytest.fixture(scope="module")
def repo_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("repo")
    for rel in source_files(ROOT):
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, target / rel, follow_symlinks=False)
    return target


@pytest.fixture
def lines() -> list[str]:
    return []


def run(
    engine: DockerEngine,
    stage: Stage,
    repo: Path,
    image: str,
    lines: list[str],
    catalog: Catalog | None = None,
    secrets: dict[str, str] | None = None,
) -> StageResult:
    ctx = StageContext(
        repo=repo,
        catalog=catalog or custom_catalog(stage),
        toolchain_ref=image,
        secrets=secrets or {},
        on_output=lambda _stage, line: lines.append(line),
    )
    return engine.run_stage(stage, ctx)


def leftover_containers(client: Any, stage: str) -> list[Any]:
    return list(client.containers.list(all=True, filters={"label": f"pipeline.stage={stage}"}))


def test_lint_passes_in_a_real_container_on_the_repo(
    engine: DockerEngine,
    python_image: tuple[str, float],
    repo_copy: Path,
    lines: list[str],
    docker_client: Any,
) -> None:
    result = run(engine, CATALOG.stages["lint"], repo_copy, python_image[0], lines, CATALOG)
    assert result.status is Status.PASSED, result.log_tail
    assert (result.engine, result.containerized, result.image) == (
        "docker",
        True,
        python_image[0],
    )
    assert [s.name for s in result.steps] == ["ruff-check", "ruff-format"]
    assert any("ruff-check" in line for line in lines), "output is streamed line by line"
    report = repo_copy / "build/reports/lint"
    assert {p.name for p in report.iterdir()} >= {"result.json", "log.txt", "junit.steps.xml"}
    assert not leftover_containers(docker_client, "lint")
    assert docker_client.volumes.get("pipeline-cache-ruff"), "tool caches live in named volumes"


def test_a_failing_stage_is_failed_with_its_log_tail_and_its_container_is_removed(
    engine: DockerEngine,
    python_image: tuple[str, float],
    repo_copy: Path,
    lines: list[str],
    docker_client: Any,
) -> None:
    stage = Stage(
        "boom-it",
        "fails on purpose",
        "python",
        (Step("boom", py("import sys; print('boom'); sys.exit(3)")),),
        (),
    )
    result = run(engine, stage, repo_copy, python_image[0], lines)
    assert result.status is Status.FAILED
    assert [(s.name, s.exit_code, s.status) for s in result.steps] == [("boom", 3, Status.FAILED)]
    assert "boom" in result.log_tail.splitlines()
    assert "boom" in lines
    assert not leftover_containers(docker_client, "boom-it")


def test_exports_replace_the_host_copy_and_reach_the_stages_that_need_them(
    engine: DockerEngine, python_image: tuple[str, float], repo_copy: Path, lines: list[str]
) -> None:
    make = Stage(
        "make-it",
        "writes an output",
        "python",
        (
            Step(
                "write",
                py(
                    "import pathlib; p = pathlib.Path('build/made'); p.mkdir(parents=True); "
                    "(p / 'x.txt').write_text('from the container')"
                ),
            ),
        ),
        (),
        outputs=("build/made",),
    )
    use = Stage(
        "use-it",
        "reads what make-it wrote",
        "python",
        (Step("read", py("print(open('build/made/x.txt').read())")),),
        (),
        needs=("make-it",),
    )
    catalog = custom_catalog(make, use)
    stale = repo_copy / "build/made/stale.txt"
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_text("from an earlier run")

    made = run(engine, make, repo_copy, python_image[0], lines, catalog)
    assert made.status is Status.PASSED, made.log_tail
    assert (repo_copy / "build/made/x.txt").read_text() == "from the container"
    assert not stale.exists(), "an export replaces the host's previous copy"
    assert not (ROOT / "build/made").exists(), "the real tree is never touched"

    used = run(engine, use, repo_copy, python_image[0], lines, catalog)
    assert used.status is Status.PASSED, used.log_tail
    assert "from the container" in lines


def test_secrets_reach_the_stage_but_never_its_output_or_result(
    engine: DockerEngine, python_image: tuple[str, float], repo_copy: Path, lines: list[str]
) -> None:
    stage = Stage(
        "secret-it",
        "prints its token",
        "python",
        (Step("show", py("import os; print('token is', os.environ['API_TOKEN'])")),),
        (),
        secrets=("API_TOKEN",),
    )
    value = "tok-" + hashlib.sha256(b"integration").hexdigest()[:16]
    result = run(engine, stage, repo_copy, python_image[0], lines, secrets={"API_TOKEN": value})
    assert result.status is Status.PASSED, result.log_tail
    assert "token is ***" in lines
    assert value not in result.log_tail and value not in str(result.to_dict())
    assert value not in (repo_copy / "build/reports/secret-it/log.txt").read_text()


def test_the_host_ca_bundle_is_visible_inside(
    engine: DockerEngine, python_image: tuple[str, float], repo_copy: Path, lines: list[str]
) -> None:
    bundle = find_ca_bundle()
    assert bundle is not None, "this machine trusts a CA bundle (TLS proxy)"
    stage = Stage(
        "ca-it",
        "hashes the CA bundle it sees",
        "python",
        (
            Step(
                "hash",
                py(
                    "import hashlib, os; p = os.environ['SSL_CERT_FILE']; "
                    "print(p, os.environ['PIP_CERT'] == p, "
                    "hashlib.sha256(open(p, 'rb').read()).hexdigest())"
                ),
            ),
        ),
        (),
    )
    result = run(engine, stage, repo_copy, python_image[0], lines)
    assert result.status is Status.PASSED, result.log_tail
    assert f"/etc/pipeline/ca-bundle.crt True {bundle.digest}" in lines


def test_the_toolchain_image_is_built_once(
    docker_client: Any, python_image: tuple[str, float], monkeypatch: pytest.MonkeyPatch
) -> None:
    tag, _first_s = python_image
    before = docker_client.images.get(tag).id

    def no_build(**_kwargs: Any) -> None:
        raise AssertionError("a present toolchain image must not be built again")

    monkeypatch.setattr(docker_client.api, "build", no_build)
    monkeypatch.setattr(docker_client.api, "pull", no_build)
    again = ensure_toolchain_image(docker_client, CATALOG.toolchains["python"], ROOT)
    assert again == tag
    assert docker_client.images.get(tag).id == before


def test_a_stage_reaches_its_service_on_a_network_made_for_the_run(
    engine: DockerEngine,
    python_image: tuple[str, float],
    repo_copy: Path,
    lines: list[str],
    docker_client: Any,
) -> None:
    fetch = (
        "import os, urllib.request; url = os.environ['PIPELINE_EMULATOR_URL']; "
        "print('emulator', url, urllib.request.urlopen(url + '/moto-api/', timeout=10).status)"
    )
    # network none: the run's network is internal, yet the service answers on it
    stage = Stage("svc-it", "asks the emulator", "python", (Step("ask", py(fetch)),), (),
                  services=("emulator",))  # fmt: skip
    catalog = Catalog(
        CATALOG.toolchains, CATALOG.caches, MappingProxyType({stage.name: stage}), CATALOG.services
    )
    ctx = StageContext(
        repo=repo_copy,
        catalog=catalog,
        toolchain_ref=python_image[0],
        on_output=lambda _stage, line: lines.append(line),
        service_refs={"emulator": python_image[0]},
    )
    result = engine.run_stage(stage, ctx)
    assert result.status is Status.PASSED, (result.message, result.log_tail)
    assert "emulator http://emulator:5000 200" in lines
    assert not leftover_containers(docker_client, "svc-it"), "service containers are removed"
    networks = docker_client.networks.list(filters={"label": "pipeline.stage=svc-it"})
    assert networks == [], "the run's network is removed"


@pytest.fixture
def missing_image_repo(tmp_path: Path) -> Path:
    (tmp_path / "a.py").write_text("")
    return tmp_path


def test_a_container_that_cannot_start_is_an_error_with_the_reason(
    engine: DockerEngine, missing_image_repo: Path, lines: list[str]
) -> None:
    stage = Stage("noimage-it", "d", "python", (Step("x", ("true",)),), ())
    result = run(engine, stage, missing_image_repo, "pipeline-python:doesnotexist", lines)
    assert result.status is Status.ERROR
    assert "pipeline-python:doesnotexist" in result.message
