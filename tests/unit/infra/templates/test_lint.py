"""lint-templates: finds the templates, lints each for its region, and fails on broken ones."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from infra.config import load_environment
from infra.errors import UsageError
from infra.templates import synth
from infra.templates.lint import (
    DEFAULT_REGION,
    LintFinding,
    cfn_lint,
    find_templates,
    lint_templates,
    template_region,
)

BROKEN = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"NoSuchProperty": 1}}},
}


def write(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2))
    return path


def test_find_templates_is_sorted_and_ignores_other_files(tmp_path: Path) -> None:
    for env in ("prod", "dev"):
        write(tmp_path / env / "template.json", {})
    write(tmp_path / "dev" / "notes.json", {})
    assert find_templates(tmp_path) == (
        tmp_path / "dev" / "template.json",
        tmp_path / "prod" / "template.json",
    )


def test_missing_directory_says_to_synth_first(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a directory; run `python -m infra synth"):
        find_templates(tmp_path / "nope")


def test_directory_without_templates_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"no \*/template.json found"):
        find_templates(tmp_path)


@pytest.mark.parametrize(
    ("content", "region"),
    [
        ({"Metadata": {"EnergyInsights": {"region": "eu-central-1"}}}, "eu-central-1"),
        ({"Metadata": {"EnergyInsights": {"region": 5}}}, DEFAULT_REGION),
        ({"Metadata": {}}, DEFAULT_REGION),
        ([], DEFAULT_REGION),
    ],
)
def test_template_region_falls_back_to_the_default(
    tmp_path: Path, content: object, region: str
) -> None:
    assert template_region(write(tmp_path / "t.json", content)) == region


def test_unparseable_template_has_the_default_region(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text("{nope")
    assert template_region(path) == DEFAULT_REGION


def test_each_template_is_linted_for_its_own_region(tmp_path: Path) -> None:
    paths = [
        write(tmp_path / r / "template.json", {"Metadata": {"EnergyInsights": {"region": r}}})
        for r in ("eu-west-1", "us-west-2")
    ]
    paths.append(write(tmp_path / "x" / "template.json", {}))
    calls: list[tuple[list[Path], str]] = []

    def fake(templates: Sequence[Path], region: str) -> tuple[LintFinding, ...]:
        calls.append((list(templates), region))
        return tuple(LintFinding(str(t), 3, 1, "E0001", "error", "boom") for t in templates)

    findings = lint_templates(sorted(paths), fake)
    assert calls == [
        ([paths[0]], "eu-west-1"),
        ([paths[1]], "us-west-2"),
        ([paths[2]], DEFAULT_REGION),
    ]
    assert [str(f) for f in findings] == [f"{p}:3:1: E0001 [error] boom" for p in sorted(paths)]


def test_cfn_lint_reports_a_broken_template_with_rule_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "broken" / "template.json", BROKEN)
    findings = cfn_lint([path], "eu-west-1")
    assert [(f.rule, f.severity) for f in findings] == [("E3002", "error")]
    assert findings[0].file == str(path)
    assert findings[0].line == 7
    assert "NoSuchProperty" in findings[0].message


def test_cfn_lint_reports_invalid_json_as_a_finding(tmp_path: Path) -> None:
    path = tmp_path / "template.json"
    path.write_text("{not json")
    (finding,) = cfn_lint([path], "eu-west-1")
    assert finding.rule == "E0000"


def test_the_synthesized_stack_is_cfn_lint_clean(tmp_path: Path) -> None:
    paths = synth([load_environment("prod"), load_environment("dev")], tmp_path)
    assert cfn_lint(paths, "eu-west-1") == ()
