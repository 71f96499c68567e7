"""Pure decisions of the Dagger module: install commands, env, results, verdicts, scheduling."""

from __future__ import annotations

import json

import pytest

from pipeline.catalog import CATALOG, Toolchain
from pipeline.engines.dagger import plan
from pipeline.results import StageResult, Status, run_status

LINT = CATALOG.stage("lint")


def toolchain(project: str = ".", groups: tuple[str, ...] = ()) -> Toolchain:
    return Toolchain("t", "python:3.11-slim-bookworm", project, ("uv.lock",), groups=groups)


@pytest.mark.parametrize(
    ("project", "workdir"),
    [
        (".", "/toolchain"),
        ("", "/toolchain"),
        ("./", "/toolchain"),
        ("ci/toolchains/security", "/toolchain/ci/toolchains/security"),
        ("ci/toolchains/security/", "/toolchain/ci/toolchains/security"),
    ],
)
def test_toolchain_workdir(project: str, workdir: str) -> None:
    assert plan.toolchain_workdir(toolchain(project)) == workdir


@pytest.mark.parametrize(
    ("groups", "tail"),
    [((), ()), (("dev",), ("--group", "dev")), (("a", "b"), ("--group", "a", "--group", "b"))],
)
def test_uv_sync_installs_only_the_locked_groups(
    groups: tuple[str, ...], tail: tuple[str, ...]
) -> None:
    argv = plan.uv_sync_argv(toolchain(groups=groups))
    assert argv == ("uv", "sync", "--frozen", "--no-install-project", "--no-default-groups", *tail)


def test_lock_files_keep_their_repository_paths() -> None:
    security = CATALOG.toolchains["security"]
    assert plan.lock_file_targets(security) == tuple(
        (lock, f"/toolchain/{lock}") for lock in security.lock_files
    )
    # the sync runs where the project's pyproject.toml landed
    assert (
        f"{plan.toolchain_workdir(security)}/uv.lock"
        in dict(plan.lock_file_targets(security)).values()
    )


def test_uv_is_pinned_and_the_toolchain_python_is_never_downloaded() -> None:
    assert plan.uv_install_argv()[-1] == f"uv=={plan.UV_VERSION}"
    env = {v.name: v.value for v in plan.toolchain_env()}
    assert env["UV_PROJECT_ENVIRONMENT"] == "/opt/venv"
    assert env["UV_PYTHON_DOWNLOADS"] == "never"


def test_apt_packages_are_quoted() -> None:
    argv = plan.apt_install_argv(
        Toolchain("t", "img", ".", ("uv.lock",), apt_packages=("git", "a b"))
    )
    assert argv is not None
    assert "'a b' git" in argv[2]
    assert plan.apt_install_argv(toolchain()) is None


def test_scan_needs_the_synth_output() -> None:
    assert plan.needed_outputs(CATALOG, CATALOG.stage("scan")) == (("synth", "build/synth"),)
    assert plan.needed_outputs(CATALOG, LINT) == ()


def result_json(status: str) -> str:
    step = {
        "name": "ruff",
        "argv": ["ruff"],
        "exit_code": 0,
        "status": status,
        "duration_s": 1.0,
        "detail": "offline: 4 not audited" if status == "degraded" else "",
    }
    return json.dumps({"stage": "lint", "status": status, "steps": [step]})


@pytest.mark.parametrize(
    ("exit_code", "text", "status", "message"),
    [
        (0, result_json("passed"), Status.PASSED, ""),
        (1, result_json("failed"), Status.FAILED, ""),
        (0, result_json("degraded"), Status.DEGRADED, "degraded: ruff: offline: 4 not audited"),
        (1, result_json("passed"), Status.ERROR, "says passed but the stage runner exited 1"),
        (1, result_json("degraded"), Status.ERROR, "says degraded but the stage runner exited 1"),
        (2, None, Status.ERROR, "exited 2 without a readable result.json"),
        (0, "{not json", Status.ERROR, "without a readable result.json"),
        (0, json.dumps({"status": "passed"}), Status.ERROR, "without a readable result.json"),
        (0, json.dumps({"status": "bogus", "steps": []}), Status.ERROR, "without a readable"),
    ],
)
def test_parse_result(exit_code: int, text: str | None, status: Status, message: str) -> None:
    result = plan.parse_result(LINT, exit_code, text, "a\nb\n", 1.23456, "img")
    assert result.status is status
    assert message in result.message
    assert (result.engine, result.image, result.containerized) == ("dagger", "img", True)
    assert result.duration_s == 1.235
    assert result.log_tail == "a\nb"
    assert bool(result.reports) == (text is not None)


def outcome(status: Status, name: str = "s") -> StageResult:
    return StageResult(name, status, 1.0, "dagger", "img", True)


@pytest.mark.parametrize(
    ("statuses", "strict", "verdict"),
    [
        ((), False, Status.PASSED),
        ((Status.PASSED, Status.PASSED), False, Status.PASSED),
        ((Status.PASSED, Status.DEGRADED), False, Status.DEGRADED),
        ((Status.PASSED, Status.DEGRADED), True, Status.FAILED),
        ((Status.PASSED,), True, Status.PASSED),
        ((Status.DEGRADED, Status.SKIPPED), False, Status.SKIPPED),
        ((Status.PASSED, Status.FAILED), False, Status.FAILED),
        ((Status.FAILED, Status.ERROR), False, Status.ERROR),
    ],
)
def test_run_verdict(statuses: tuple[Status, ...], strict: bool, verdict: Status) -> None:
    results = [outcome(s) for s in statuses]
    assert run_status(results, strict=strict) is verdict
    assert plan.run_fails(results, strict=strict) is not verdict.ok


def test_summary_shows_log_tails_of_failures_only() -> None:
    ok = outcome(Status.PASSED, "lint")
    bad = StageResult("test", Status.FAILED, 2.0, "dagger", "img", True, log_tail="E assert 1")
    text = plan.summary([ok, bad], strict=False)
    assert "| lint | passed | 1.0 s | img |" in text
    assert "| test | failed | 2.0 s | img |" in text
    assert "### test: last lines of the log" in text
    assert "### lint" not in text
    assert "pipeline: failed (engine: dagger, strict: false)" in text


def test_engine_errors_and_skips_explain_themselves() -> None:
    error = plan.engine_error(LINT, "img", 0.5, "pull failed", "dial tcp\nregistry unreachable")
    assert error.status is Status.ERROR
    assert error.message == "dagger could not run stage 'lint': pull failed"
    assert error.log_tail == "dial tcp\nregistry unreachable"
    skip = plan.skipped(LINT, "img", ("synth",))
    assert skip.status is Status.SKIPPED
    assert "needs synth" in skip.message


DAY = 24 * 3600


@pytest.mark.parametrize(
    ("now_s", "epoch"),
    [(0, "0"), (DAY - 1, "0"), (DAY, "1"), (DAY + 1, "1"), (10 * DAY - 0.5, "9")],
)
def test_a_stage_with_a_ttl_gets_its_ttl_window_so_daggers_cache_expires(
    now_s: float, epoch: str
) -> None:
    scan = CATALOG.stage("scan")
    env = {v.name: v.value for v in plan.stage_env(scan, now_s=now_s)}
    assert env["PIPELINE_RESULT_EPOCH"] == epoch


def test_stages_without_a_ttl_or_a_clock_get_no_window() -> None:
    lint = {v.name for v in plan.stage_env(CATALOG.stage("lint"), now_s=123.0)}
    unclocked = {v.name for v in plan.stage_env(CATALOG.stage("scan"))}
    assert "PIPELINE_RESULT_EPOCH" not in lint | unclocked
