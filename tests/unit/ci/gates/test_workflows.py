from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.gates import workflows
from pipeline.gates.context import GateContext
from pipeline.gates.outcome import GateExit, ToolFailed
from tests.unit.ci.gates.conftest import FakeRunner, context, fixture_text

PLAIN = "error[unpinned-uses]: unpinned action reference\n --> .github/workflows/ci.yml:6:15\n"
EMPTY_SARIF = '{"version": "2.1.0", "runs": [{"results": []}]}'


def make_workflows(repo: Path, *names: str) -> None:
    folder = repo / workflows.WORKFLOW_DIR
    folder.mkdir(parents=True)
    for name in names:
        (folder / name).write_text("on: push\n", encoding="utf-8")


def zizmor(sarif_text: str, plain_exit: int) -> FakeRunner:
    def script(argv: list[str], cwd: Path) -> tuple[int, str, str]:
        if "sarif" in argv:
            return (0, sarif_text, "")
        return (plain_exit, PLAIN if plain_exit else "No findings to report.", " INFO zizmor")

    return FakeRunner(script)


def online(repo: Path, runner: FakeRunner) -> GateContext:
    """A context with a GitHub token, as CI gives the scan stage."""
    return GateContext(repo=repo, runner=runner, environ={"GH_TOKEN": "ghs_example"})


def test_findings_fail_and_the_plain_report_goes_to_the_log(repo: Path) -> None:
    make_workflows(repo, "ci.yml", "cd.yaml", "notes.md")
    runner = zizmor(fixture_text("zizmor.sarif"), plain_exit=14)

    result = workflows.run(context(repo, runner))  # offline, yet findings fail outright

    assert result.exit is GateExit.FINDINGS
    assert result.summary == (
        "workflows: 5 findings in 2 workflow files (SARIF: build/reports/scan/zizmor.sarif)"
    )
    assert result.details[0] == "error[unpinned-uses]: unpinned action reference"
    files = [".github/workflows/cd.yaml", ".github/workflows/ci.yml"]
    assert runner.calls[0] == ["zizmor", "--offline", "--format", "sarif", *files]
    assert runner.calls[1][-2:] == files
    saved = (repo / "build/reports/scan/zizmor.sarif").read_text()
    assert saved == fixture_text("zizmor.sarif")


def test_clean_workflows_pass_with_the_online_audits(repo: Path) -> None:
    make_workflows(repo, "ci.yml")
    runner = zizmor(EMPTY_SARIF, plain_exit=0)

    result = workflows.run(online(repo, runner))

    assert result.exit is GateExit.PASSED
    assert result.summary.startswith("workflows: 0 findings in 1 workflow files, online audits")
    assert result.details == ()
    assert all("--offline" not in call for call in runner.calls)
    assert all("ghs_example" not in " ".join(call) for call in runner.calls), "token never argv"


def test_without_a_token_only_offline_audits_run_and_the_gate_is_degraded(repo: Path) -> None:
    make_workflows(repo, "ci.yml")
    runner = zizmor(EMPTY_SARIF, plain_exit=0)

    result = workflows.run(GateContext(repo=repo, runner=runner, environ={"GH_TOKEN": ""}))

    assert result.exit is GateExit.DEGRADED, "never a pass: half the audits did not run"
    assert "known-vulnerable-actions, impostor-commit" in result.summary
    assert "GH_TOKEN" in result.summary
    assert all("--offline" in call for call in runner.calls)


@pytest.mark.parametrize("names", [(), ("README.md",)])
def test_no_workflow_files_pass_with_a_note(repo: Path, names: tuple[str, ...]) -> None:
    if names:
        make_workflows(repo, *names)
    runner = FakeRunner()

    result = workflows.run(context(repo, runner))

    assert result.exit is GateExit.PASSED
    assert "no workflow files" in result.summary
    assert runner.calls == []


@pytest.mark.parametrize(("sarif_exit", "plain_exit"), [(1, 0), (2, 0), (0, 1), (0, 3)])
def test_zizmor_errors_are_tool_failures(repo: Path, sarif_exit: int, plain_exit: int) -> None:
    make_workflows(repo, "ci.yml")

    def script(argv: list[str], cwd: Path) -> tuple[int, str, str]:
        if "sarif" in argv:
            return (sarif_exit, EMPTY_SARIF, "fatal: no audit was performed")
        return (plain_exit, "", "fatal: no audit was performed")

    with pytest.raises(ToolFailed, match="no audit was performed"):
        workflows.run(context(repo, FakeRunner(script)))
