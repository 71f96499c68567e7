from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.gates import bandit, sarif
from pipeline.gates.outcome import GateExit, ToolFailed, ToolNotInstalled
from tests.unit.ci.gates.conftest import FakeRunner, context, fixture_text, option


@pytest.mark.parametrize(
    ("severity", "confidence", "blocking"),
    [
        ("LOW", "HIGH", False),
        ("MEDIUM", "LOW", False),
        ("MEDIUM", "MEDIUM", True),
        ("MEDIUM", "HIGH", True),
        ("HIGH", "MEDIUM", True),
        ("HIGH", "LOW", False),
        ("HIGH", "HIGH", True),
        ("UNDEFINED", "HIGH", False),
        ("high", "medium", True),
        ("", "", False),
    ],
)
def test_policy_blocks_medium_severity_with_medium_confidence_and_above(
    severity: str, confidence: str, blocking: bool
) -> None:
    assert bandit.blocks(severity, confidence) is blocking


def writes_sarif(text: str, code: int = 1) -> FakeRunner:
    def script(argv: list[str], cwd: Path) -> tuple[int, str, str]:
        (cwd / option(argv, "-o")).write_text(text, encoding="utf-8")
        return (code, "", "")

    return FakeRunner(script)


def make_sources(repo: Path) -> None:
    for folder in ("app", "infra", "ci/src"):
        (repo / folder).mkdir(parents=True)
    (repo / "pyproject.toml").write_text("[tool.bandit]\n", encoding="utf-8")


def test_recorded_sarif_blocks_on_medium_and_high_and_on_unparsed_files(repo: Path) -> None:
    make_sources(repo)
    runner = writes_sarif(fixture_text("bandit.sarif"))

    result = bandit.run(context(repo, runner))

    assert result.exit is GateExit.FINDINGS
    assert result.summary == (
        "bandit: 3 blocking findings (2 below the medium/medium bar), 1 files could not be "
        "scanned (SARIF: build/reports/scan/bandit.sarif)"
    )
    blocking = [d for d in result.details if d.startswith("BLOCKING")]
    assert [d.split()[2] for d in blocking] == ["B602", "B324", "B307"]
    assert "NOT SCANNED app/broken.py: syntax error while parsing AST from file" in result.details
    argv = runner.calls[0]
    assert argv[:4] == ["bandit", "-c", "pyproject.toml", "-q"]
    assert argv[argv.index("-r") + 1 : argv.index("-f")] == ["app", "infra", "ci/src"]
    assert option(argv, "-f") == "sarif"


def test_only_low_findings_pass_and_are_listed(repo: Path) -> None:
    make_sources(repo)
    doc = json.loads(fixture_text("bandit.sarif"))
    run = doc["runs"][0]
    run["results"] = [r for r in run["results"] if r["properties"]["issue_severity"] == "LOW"]
    run["invocations"][0].pop("toolConfigurationNotifications")

    result = bandit.run(context(repo, writes_sarif(json.dumps(doc))))

    assert result.exit is GateExit.PASSED
    assert result.summary.startswith("bandit: 0 blocking findings (2 below the medium/medium bar)")
    assert len(result.details) == 2


def test_clean_tree_says_zero_findings(repo: Path) -> None:
    make_sources(repo)
    clean = json.dumps({"runs": [{"results": [], "invocations": [{"executionSuccessful": True}]}]})

    result = bandit.run(context(repo, writes_sarif(clean, code=0)))

    assert result.exit is GateExit.PASSED
    assert result.summary == "bandit: 0 findings (SARIF: build/reports/scan/bandit.sarif)"


def test_hardcoded_password_values_are_redacted_from_the_log() -> None:
    value = "hun" + "ter2"  # built at runtime: the repository's own secret scan reads this file
    finding = sarif.SarifFinding(
        "B106", "warning", f"Possible hardcoded password: '{value}'", "app/x.py", 3,
        {"issue_severity": "LOW", "issue_confidence": "MEDIUM"},
    )  # fmt: skip

    line = bandit.describe(finding)

    assert value not in line
    assert line.endswith("Possible hardcoded password: '<redacted>'")


def test_missing_tool_says_what_to_install(repo: Path) -> None:
    make_sources(repo)

    with pytest.raises(ToolNotInstalled, match=r"bandit is not installed.*uv sync --frozen"):
        bandit.run(context(repo, FakeRunner(installed=())))


def test_tool_crash_without_report_is_an_error(repo: Path) -> None:
    make_sources(repo)
    runner = FakeRunner(lambda argv, cwd: (2, "", "bandit: error: unrecognized arguments"))

    with pytest.raises(ToolFailed, match="unrecognized arguments"):
        bandit.run(context(repo, runner))


def test_no_sources_passes_with_a_note_and_runs_nothing(repo: Path) -> None:
    runner = FakeRunner()

    result = bandit.run(context(repo, runner))

    assert result.exit is GateExit.PASSED
    assert "no sources" in result.summary
    assert runner.calls == []
