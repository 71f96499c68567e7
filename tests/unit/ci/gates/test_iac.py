from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipeline.gates import iac
from pipeline.gates.outcome import GateExit, GateInputError, ToolFailed, ToolNotInstalled
from tests.unit.ci.gates.conftest import FakeRunner, context, fixture_text, option

SHOWN = "build/reports/scan/checkov.sarif"


def check(check_id: str, result: str, comment: str | None = None) -> dict[str, Any]:
    outcome: dict[str, Any] = {"result": result}
    if comment is not None:
        outcome["suppress_comment"] = comment
    return {
        "check_id": check_id,
        "check_name": f"name of {check_id}",
        "check_result": outcome,
        "file_path": "/dev/template.json",
        "file_abs_path": "build/synth/dev/template.json",
        "file_line_range": [4, 8],
        "resource": "AWS::S3::Bucket.Artifacts",
    }


def report(
    failed: int = 0, skipped: list[str | None] | None = None, errors: int = 0, resources: int = 3
) -> dict[str, Any]:
    skipped = skipped or []
    return {
        "check_type": "cloudformation",
        "results": {
            "passed_checks": [],
            "failed_checks": [check(f"CKV_AWS_{n}", "FAILED") for n in range(failed)],
            "skipped_checks": [check("CKV_AWS_18", "SKIPPED", c) for c in skipped],
            "parsing_errors": [f"build/synth/t{n}.json" for n in range(errors)],
        },
        "summary": {"passed": 7, "failed": failed, "skipped": len(skipped),
                    "parsing_errors": errors, "resource_count": resources},
    }  # fmt: skip


@pytest.mark.parametrize(
    ("doc", "exit_code", "start"),
    [
        (report(), GateExit.PASSED, "iac: 0 failed checks, 7 passed, 0 suppressed, 3 resources"),
        (report(failed=1), GateExit.FINDINGS, "iac: 1 failed checks; 7 passed"),
        (report(errors=1, resources=0), GateExit.FINDINGS, "iac: 1 templates could not be parsed;"),
        (report(resources=0), GateExit.FINDINGS, "iac: 0 resources checked;"),
        (report(skipped=["logs go to CloudTrail"]), GateExit.PASSED, "iac: 0 failed checks, 7 pa"),
        (report(skipped=[None]), GateExit.FINDINGS, "iac: 1 suppressions without a justification"),
        (report(skipped=[iac.NO_COMMENT]), GateExit.FINDINGS, "iac: 1 suppressions without"),
        (report(skipped=["  "]), GateExit.FINDINGS, "iac: 1 suppressions without"),
        ([report(), report(failed=2)], GateExit.FINDINGS, "iac: 2 failed checks; 14 passed"),
        ({"passed": 0, "failed": 0, "resource_count": 0}, GateExit.FINDINGS, "iac: 0 resources"),
    ],
    ids=["clean", "failed", "unparsed", "nothing-checked", "justified-skip", "skip-no-comment",
         "skip-default-comment", "skip-blank-comment", "two-frameworks", "bare-summary"],
)  # fmt: skip
def test_verdict(doc: object, exit_code: GateExit, start: str) -> None:
    result = iac.verdict(iac.interpret(doc), 3, SHOWN)

    assert result.exit is exit_code
    assert result.summary.startswith(start)
    assert result.summary.endswith(f"(SARIF: {SHOWN})")


def test_recorded_checkov_report_lists_failures_and_the_unjustified_skip() -> None:
    parsed = iac.interpret(json.loads(fixture_text("checkov.json")))

    result = iac.verdict(parsed, 1, SHOWN)

    assert result.exit is GateExit.FINDINGS
    assert (parsed.passed, len(parsed.failed), parsed.resources) == (4, 6, 2)
    assert (
        "FAILED CKV_AWS_28 Ensure DynamoDB point in time recovery (backup) is enabled: "
        "AWS::DynamoDB::Table.Table in synth/dev/template.json:9-16" in result.details
    )
    assert result.details[-1].startswith("UNJUSTIFIED SUPPRESSION CKV_AWS_18 on AWS::S3::Bucket")


def test_justified_suppressions_are_listed_once_per_reason_with_their_templates() -> None:
    skips = [check("CKV_AWS_18", "SKIPPED", "logs go to CloudTrail") for _ in range(3)]
    for env, skip in zip(("prod", "dev", "staging"), skips, strict=True):
        skip["file_abs_path"] = f"build/synth/{env}/template.json"
    doc = report(skipped=["logs go to CloudTrail"])
    doc["results"]["skipped_checks"] = skips

    result = iac.verdict(iac.interpret(doc), 3, SHOWN)

    assert result.details == (
        "suppressed CKV_AWS_18 on AWS::S3::Bucket.Artifacts (dev, prod, staging): "
        "logs go to CloudTrail",
    )


@pytest.mark.parametrize(
    ("file", "name"),
    [
        ("build/synth/dev/template.json", "dev"),
        ("/prod/template.yaml", "prod"),
        ("build/synth/extra.json", "extra.json"),
        ("template.json", "template.json"),
    ],
)
def test_template_name_is_the_environment_folder(file: str, name: str) -> None:
    assert iac.template_name(file) == name


def make_synth(repo: Path) -> None:
    folder = repo / "build/synth/dev"
    folder.mkdir(parents=True)
    (folder / "template.json").write_text('{"Resources": {}}', encoding="utf-8")


def checkov_writing(doc: object, code: int = 1) -> FakeRunner:
    def script(argv: list[str], cwd: Path) -> tuple[int, str, str]:
        sarif_path, json_path = option(argv, "--output-file-path").split(",")
        (cwd / sarif_path).write_text('{"runs": []}', encoding="utf-8")
        (cwd / json_path).write_text(json.dumps(doc), encoding="utf-8")
        return (code, "", "")

    return FakeRunner(script)


def test_run_scans_build_synth_with_sarif_and_json_reports(repo: Path) -> None:
    make_synth(repo)
    runner = checkov_writing(report(failed=1))

    result = iac.run(context(repo, runner))

    assert result.exit is GateExit.FINDINGS
    argv = runner.calls[0]
    assert option(argv, "--framework") == "cloudformation"
    assert option(argv, "-d") == "build/synth"
    assert option(argv, "--output-file-path") == (
        "build/reports/scan/checkov.sarif,build/reports/scan/checkov.json"
    )
    assert [argv[i + 1] for i, a in enumerate(argv) if a == "-o"] == ["sarif", "json"]
    assert "--skip-download" in argv
    assert "1 templates" in result.summary


@pytest.mark.parametrize("make", [False, True])
def test_missing_or_empty_synth_says_run_synth_first(repo: Path, make: bool) -> None:
    if make:
        (repo / "build/synth").mkdir(parents=True)

    with pytest.raises(GateInputError, match="run the synth stage first"):
        iac.run(context(repo, FakeRunner()))


def test_checkov_crash_is_an_error(repo: Path) -> None:
    make_synth(repo)
    runner = FakeRunner(lambda argv, cwd: (2, "", "Traceback: boom"))

    with pytest.raises(ToolFailed, match="boom"):
        iac.run(context(repo, runner))


def test_garbled_json_is_an_error(repo: Path) -> None:
    make_synth(repo)

    def script(argv: list[str], cwd: Path) -> tuple[int, str, str]:
        (cwd / "build/reports/scan/checkov.json").write_text("{", encoding="utf-8")
        return (0, "", "")

    with pytest.raises(ToolFailed, match="unreadable JSON"):
        iac.run(context(repo, FakeRunner(script)))


def test_unexpected_json_entry_is_an_error() -> None:
    with pytest.raises(ToolFailed, match="unexpected entry"):
        iac.interpret(["not a report"])


def test_missing_tool_says_what_to_install(repo: Path) -> None:
    with pytest.raises(ToolNotInstalled, match="checkov is not installed"):
        iac.run(context(repo, FakeRunner(installed=())))
