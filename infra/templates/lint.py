"""cfn-lint over synthesized templates: the one adapter that imports cfnlint."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from infra.errors import UsageError
from infra.templates.synth import TEMPLATE_FILE

DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True)
class LintFinding:
    """One cfn-lint match, located by file and line."""

    file: str
    line: int
    column: int
    rule: str
    severity: str
    message: str

    def __str__(self) -> str:
        return (
            f"{self.file}:{self.line}:{self.column}: {self.rule} [{self.severity}] {self.message}"
        )


# Lints several templates for one region in one run (cfn-lint loads its rules once per run).
Linter = Callable[[Sequence[Path], str], Sequence[LintFinding]]


def find_templates(directory: Path) -> tuple[Path, ...]:
    """Every `<directory>/*/template.json`, sorted; refuses a directory with none."""
    if not directory.is_dir():
        raise UsageError(
            f"{directory}: not a directory; run `python -m infra synth --all --out {directory}` "
            "first"
        )
    templates = tuple(sorted(directory.glob(f"*/{TEMPLATE_FILE}")))
    if not templates:
        raise UsageError(
            f"{directory}: no */{TEMPLATE_FILE} found; run `python -m infra synth --all "
            f"--out {directory}` first"
        )
    return templates


def lint_templates(
    templates: Sequence[Path], linter: Linter | None = None
) -> tuple[LintFinding, ...]:
    """All findings of every template, each template linted for the region it is meant for."""
    run = linter or cfn_lint
    by_region: dict[str, list[Path]] = {}
    for template in templates:
        by_region.setdefault(template_region(template), []).append(template)
    findings: list[LintFinding] = []
    for region, group in by_region.items():
        findings.extend(run(group, region))
    return tuple(sorted(findings, key=lambda f: (f.file, f.line, f.column, f.rule)))


def template_region(template: Path) -> str:
    """The region recorded in the template's Metadata by synth, else cfn-lint's default."""
    try:
        data = json.loads(template.read_text(encoding="utf-8"))
        region = data["Metadata"]["EnergyInsights"]["region"]
    except (OSError, ValueError, KeyError, TypeError):
        return DEFAULT_REGION
    return region if isinstance(region, str) else DEFAULT_REGION


def cfn_lint(templates: Sequence[Path], region: str) -> tuple[LintFinding, ...]:
    """Run cfn-lint's Python API on some files (parse errors come back as findings too)."""
    from cfnlint.api import lint_by_config  # imported here: ~1 s, and only lint needs it

    matches = lint_by_config({"templates": [str(t) for t in templates], "regions": [region]})
    return tuple(
        LintFinding(
            file=str(match.filename),
            line=int(match.linenumber),
            column=int(match.columnnumber),
            rule=str(match.rule.id),
            severity=str(match.rule.severity),
            message=str(match.message),
        )
        for match in matches
    )
