"""A green check means every test ran: the catalog's CI stages, ci.yml and .ci/run together run
the whole suite on every pull request, the coverage gate holds, and CD waits for all of it."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.catalog import (
    CATALOG,
    CI_STAGES,
    DOCKER_MARKER,
    DOCKER_TESTS_COMMAND,
    EMULATOR_URL_ENV,
    Network,
)

ROOT = Path(__file__).resolve().parents[3]
WORKFLOWS = ROOT / ".github" / "workflows"
COVERAGE_GATE = 85


def load(name: str) -> dict[Any, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def pytest_argv(stage: str) -> list[str]:
    """The pytest step of a catalog stage, as argv after `python -m pytest`."""
    (step,) = [s for s in CATALOG.stages[stage].steps if "pytest" in s.argv]
    argv = list(step.argv)
    return argv[argv.index("pytest") + 1 :]


def test_ci_runs_the_unit_tests_with_the_coverage_gate() -> None:
    assert "test" in CI_STAGES
    argv = pytest_argv("test")
    assert argv[0] == "tests/unit"
    gates = [int(a.split("=", 1)[1]) for a in argv if a.startswith("--cov-fail-under=")]
    assert gates == [COVERAGE_GATE], "exactly one coverage gate, at 85%"
    assert "--cov" in argv
    assert not any(a in ("-m", "-k", "--deselect", "--ignore") for a in argv), "nothing left out"


def test_ci_runs_every_integration_test_but_the_docker_ones_against_the_emulator() -> None:
    assert "integration" in CI_STAGES
    stage = CATALOG.stages["integration"]
    argv = pytest_argv("integration")
    assert argv[0] == "tests/integration"
    assert argv[argv.index("-m") + 1] == f"not {DOCKER_MARKER}", "only docker tests deselected"
    assert not any(a in ("-k", "--deselect", "--ignore") for a in argv)
    assert stage.services == ("emulator",)
    assert CATALOG.services["emulator"].url_env == EMULATOR_URL_ENV
    assert stage.env["CI"] == "true", "a missing emulator or scanner fails, never skips"
    assert stage.network is Network.DEFAULT
    assert any(DOCKER_TESTS_COMMAND in note for note in stage.notes), "its report says so"


def test_github_runs_the_pipeline_strictly_and_the_docker_tests_on_the_runner() -> None:
    ci = load("ci.yml")
    on = ci[True]  # yaml reads the bare key `on` as True
    assert "pull_request" in on and on["push"] == {"branches": ["main"]}
    jobs = ci["jobs"]
    calls = [
        s["with"]["call"] for s in jobs["ci"]["steps"] if "dagger-for-github" in s.get("uses", "")
    ]
    assert calls[0].split()[:2] == ["ci", "--strict"]
    runs = [s["run"] for s in jobs["docker-tests"]["steps"] if "run" in s]
    (command,) = runs
    assert command.startswith(DOCKER_TESTS_COMMAND + " ") or command == DOCKER_TESTS_COMMAND
    env = next(s["env"] for s in jobs["docker-tests"]["steps"] if "run" in s)
    assert env["CI"] == "true", "a missing Docker fails the job instead of skipping"
    for job in ("ci", "docker-tests"):
        assert "if" not in jobs[job], f"{job} runs on every pull request and push"


def test_every_test_file_is_run_by_some_gate() -> None:
    """tests/unit (test stage) + tests/integration (integration stage, docker tests on the
    runner) cover every test module; tests/smoke and tests/e2e run against a deployed
    environment (the smoke-E and e2e-E stages; tests/integration/e2e runs the E2E suite too)."""
    covered = ("tests/unit/", "tests/integration/")
    for path in ROOT.joinpath("tests").rglob("test_*.py"):
        rel = path.relative_to(ROOT).as_posix()
        assert rel.startswith((*covered, "tests/smoke/", "tests/e2e/")), (
            f"{rel} is run by no CI gate"
        )


def test_the_github_token_for_the_workflow_audit_is_passed_as_a_secret() -> None:
    ci = load("ci.yml")
    assert ci["jobs"]["ci"]["permissions"]["contents"] == "read", "a read-only token"
    for step in ci["jobs"]["ci"]["steps"]:
        if "dagger-for-github" not in step.get("uses", ""):
            continue
        call = step["with"]["call"]
        assert "--github-token env:GITHUB_TOKEN" in call, call
        assert step["env"] == {"GITHUB_TOKEN": "${{ github.token }}"}
        assert "${{" not in call, "no expression (secret) is ever expanded into argv"


def test_cd_runs_only_from_ci_after_every_ci_job_passed_on_main() -> None:
    ci, cd = load("ci.yml"), load("cd.yml")
    assert set(cd[True]) == {"workflow_call"}, "cd.yml has no trigger of its own"
    job = ci["jobs"]["cd"]
    assert job["uses"].split()[0] == "$/.github/workflows/cd.yml"
    assert set(job["needs"]) == {name for name in ci["jobs"] if name != "cd"}
    condition = re.sub(r"\s+", " ", job["if"])
    assert "github.event_name != 'pull_request'" in condition
    assert "github.ref == 'refs/heads/main'" in condition, "manual runs deploy only main"
    assert " || " not in condition
    assert "workflow_dispatch" in ci[True], "a manual run runs CI first, then CD"
    # pragma: allowlist nextline secret
    assert job["permissions"] == {"contents": "read", "id-token": "write"}


@pytest.fixture(scope="module")
def ci_run() -> list[list[str]]:
    """The commands `.ci/run` runs (lines starting with ./), as argv."""
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    return [
        shlex.split(line.strip()) for line in script.splitlines() if line.strip().startswith("./")
    ]


def test_the_ci_script_runs_the_pipeline_on_docker_and_the_docker_tests(
    ci_run: list[list[str]],
) -> None:
    assert ["./pipeline", "ci", "--engine", "docker"] in [argv[:4] for argv in ci_run]
    assert shlex.split(DOCKER_TESTS_COMMAND) in [argv[:3] for argv in ci_run]
