from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipeline.gates import secret_scan
from pipeline.gates.outcome import GateExit, GateInputError, ToolFailed, ToolNotInstalled
from pipeline.gates.secret_scan import SecretFinding
from tests.unit.ci.gates.conftest import FakeRunner, context

AWS = "AWS Access Key"


def entry(
    path: str, line: int, kind: str = AWS, digest: str = "h1", **extra: Any
) -> dict[str, Any]:
    return {"filename": path, "line_number": line, "type": kind, "hashed_secret": digest, **extra}


def results(*entries: dict[str, Any]) -> dict[str, Any]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for e in entries:
        grouped.setdefault(e["filename"], []).append(e)
    return {"version": "1.5.0", "results": grouped}


@pytest.mark.parametrize(
    ("baseline", "scanned", "new", "confirmed", "known"),
    [
        ([], [], [], [], 0),
        ([], [entry("a.py", 3)], [("a.py", 3)], [], 0),
        ([entry("a.py", 3)], [entry("a.py", 9)], [], [], 1),  # moved lines: still known
        ([entry("a.py", 3)], [entry("b.py", 3)], [("b.py", 3)], [], 0),  # same secret, new file
        ([entry("a.py", 3)], [entry("a.py", 3, digest="h2")], [("a.py", 3)], [], 0),
        ([entry("a.py", 3)], [entry("a.py", 3, kind="Secret Keyword")], [("a.py", 3)], [], 0),
        ([entry("a.py", 3, is_secret=False)], [entry("a.py", 3)], [], [], 1),
        ([entry("a.py", 3, is_secret=True)], [entry("a.py", 4)], [], [("a.py", 4)], 0),
        ([entry("a.py", 3)], [], [], [], 0),  # removed secret: nothing to report
    ],
)
def test_compare_keys_on_file_type_and_hash_not_line(
    baseline: list[dict[str, Any]],
    scanned: list[dict[str, Any]],
    new: list[tuple[str, int]],
    confirmed: list[tuple[str, int]],
    known: int,
) -> None:
    verdict = secret_scan.compare(results(*baseline), results(*scanned))

    assert [(f.path, f.line) for f in verdict.new] == new
    assert [(f.path, f.line) for f in verdict.confirmed] == confirmed
    assert verdict.known == known


def write_tree(repo: Path) -> None:
    (repo / "app").mkdir()
    (repo / "app/settings.py").write_text("REGION = 'eu-west-1'\n", encoding="utf-8")
    (repo / "build").mkdir()
    (repo / "build/leak.txt").write_text("excluded\n", encoding="utf-8")
    (repo / secret_scan.BASELINE).write_text(json.dumps(results()), encoding="utf-8")


def scanner_finding(*found: dict[str, Any]) -> FakeRunner:
    def script(argv: list[str], cwd: Path) -> tuple[int, str, str]:
        working = Path(argv[argv.index("--baseline") + 1])
        working.write_text(json.dumps(results(*found)), encoding="utf-8")
        return (0, "", "")

    return FakeRunner(script)


def test_new_secret_fails_naming_file_line_and_type_but_never_the_hash(repo: Path) -> None:
    write_tree(repo)
    runner = scanner_finding(entry("app/settings.py", 1, digest="digest-of-the-value"))

    result = secret_scan.run(context(repo, runner))

    assert result.exit is GateExit.FINDINGS
    assert "NEW SECRET app/settings.py:1: AWS Access Key" in result.details
    report = (repo / "build/reports/scan/secrets.json").read_text()
    assert json.loads(report)["new_secrets"] == [
        {"path": "app/settings.py", "line": 1, "type": AWS}
    ]
    assert "digest-of-the-value" not in report + "\n".join(result.details) + result.summary


def test_scan_lists_tree_without_git_minus_excludes_and_baseline(repo: Path) -> None:
    write_tree(repo)
    runner = scanner_finding()

    result = secret_scan.run(context(repo, runner))

    assert result.exit is GateExit.PASSED
    assert result.summary.startswith("secrets: 0 new secrets in 1 files, 0 known")
    argv = runner.calls[0]
    assert argv[:3] == ["detect-secrets", "scan", "--baseline"]
    assert argv[3] != secret_scan.BASELINE  # a scratch copy: the tree is never rewritten
    assert argv[4:] == ["app/settings.py"]
    assert "a walk of the tree" in result.details[0]


def test_missing_baseline_says_how_to_create_it(repo: Path) -> None:
    with pytest.raises(GateInputError, match=r"\.secrets\.baseline is missing: create it"):
        secret_scan.run(context(repo, FakeRunner()))


@pytest.mark.parametrize("text", ["{", "[]", '{"version": "1.5.0"}'])
def test_malformed_baseline_is_a_config_error(repo: Path, text: str) -> None:
    (repo / secret_scan.BASELINE).write_text(text, encoding="utf-8")

    with pytest.raises(GateInputError, match="detect-secrets scan"):
        secret_scan.run(context(repo, scanner_finding()))


def test_tool_crash_is_an_error(repo: Path) -> None:
    write_tree(repo)
    runner = FakeRunner(lambda argv, cwd: (1, "", "InvalidBaselineError"))

    with pytest.raises(ToolFailed, match="InvalidBaselineError"):
        secret_scan.run(context(repo, runner))


def test_missing_tool_says_what_to_install(repo: Path) -> None:
    with pytest.raises(ToolNotInstalled, match="detect-secrets is not installed"):
        secret_scan.run(context(repo, FakeRunner(installed=())))


def test_finding_describes_itself_without_a_value() -> None:
    assert SecretFinding("a.py", 2, AWS).describe() == "a.py:2: AWS Access Key"


def test_nested_virtualenvs_are_not_scanned(repo: Path) -> None:
    write_tree(repo)
    venv_file = repo / "ci/toolchains/security/.venv/lib/site.py"
    venv_file.parent.mkdir(parents=True)
    venv_file.write_text("TOKEN = 'x'\n", encoding="utf-8")
    runner = scanner_finding()

    secret_scan.run(context(repo, runner))

    assert runner.calls[0][4:] == ["app/settings.py"]


def test_empty_tree_passes_without_running_the_scanner(repo: Path) -> None:
    (repo / secret_scan.BASELINE).write_text(json.dumps(results()), encoding="utf-8")
    runner = FakeRunner()

    result = secret_scan.run(context(repo, runner))

    assert (result.exit, result.summary) == (GateExit.PASSED, "secrets: no files to scan")
    assert runner.calls == []
