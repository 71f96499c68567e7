"""checkov (CloudFormation framework) over the synthesized templates in build/synth.

Fails on any failed check, on a template checkov could not parse, on a suppression without a
justification, and when nothing was checked. Suppress a check inline in the template, on the
resource, with a reason: `"Metadata": {"checkov": {"skip": [{"id": "CKV_AWS_18",
"comment": "why this is acceptable"}]}}` (troposphere: `Metadata={...}` on the resource).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.catalog import SYNTH_DIR
from pipeline.gates.context import GateContext
from pipeline.gates.outcome import GateExit, GateInputError, GateResult, ToolFailed
from pipeline.gates.tool_runner import output_tail, require

SARIF_FILE = "checkov.sarif"
JSON_FILE = "checkov.json"
TEMPLATE_SUFFIXES = (".json", ".yaml", ".yml", ".template")
NO_COMMENT = "No comment provided"  # what checkov records for a skip without `comment`


@dataclass(frozen=True)
class CheckRecord:
    check_id: str
    name: str
    resource: str
    file: str
    lines: str
    comment: str = ""

    def where(self) -> str:
        return f"{self.resource} in {self.file}:{self.lines}"


@dataclass(frozen=True)
class IacReport:
    passed: int
    failed: tuple[CheckRecord, ...]
    skipped: tuple[CheckRecord, ...]
    parsing_errors: tuple[str, ...]
    resources: int

    @property
    def unjustified(self) -> tuple[CheckRecord, ...]:
        return tuple(s for s in self.skipped if s.comment.strip() in ("", NO_COMMENT))


def interpret(doc: object) -> IacReport:
    """checkov's JSON: one report dict, a list of them, or a bare summary when nothing matched."""
    reports = doc if isinstance(doc, list) else [doc]
    passed = resources = 0
    failed: list[CheckRecord] = []
    skipped: list[CheckRecord] = []
    errors: list[str] = []
    for report in reports:
        if not isinstance(report, dict):
            raise ToolFailed(f"checkov JSON has an unexpected entry: {report!r:.80}")
        summary = report.get("summary", report)
        results = report.get("results", {})
        passed += int(summary.get("passed", 0))
        resources += int(summary.get("resource_count", 0))
        failed.extend(_record(c) for c in results.get("failed_checks", []))
        skipped.extend(_record(c) for c in results.get("skipped_checks", []))
        errors.extend(str(e) for e in results.get("parsing_errors", []))
    return IacReport(passed, tuple(failed), tuple(skipped), tuple(errors), resources)


def _record(check: Mapping[str, Any]) -> CheckRecord:
    lines = check.get("file_line_range") or []
    file = str(check.get("file_abs_path") or f"{SYNTH_DIR}{check.get('file_path', '')}")
    return CheckRecord(
        check_id=str(check.get("check_id", "?")),
        name=str(check.get("check_name", "")),
        resource=str(check.get("resource", "?")),
        file=file,
        lines="-".join(str(n) for n in lines) or "?",
        comment=str(check.get("check_result", {}).get("suppress_comment", "")),
    )


def template_name(file: str) -> str:
    """`build/synth/dev/template.json` -> `dev` (the environment); else the file name."""
    parts = file.strip("/").split("/")
    return parts[-2] if len(parts) >= 2 and parts[-1].startswith("template") else parts[-1]


def suppression_lines(skipped: tuple[CheckRecord, ...]) -> list[str]:
    """One line per (check, resource, reason), naming the templates it appears in."""
    grouped: dict[tuple[str, str, str], list[str]] = {}
    for c in skipped:
        grouped.setdefault((c.check_id, c.resource, c.comment), []).append(template_name(c.file))
    return [
        f"suppressed {check_id} on {resource} ({', '.join(sorted(set(where)))}): {comment}"
        for (check_id, resource, comment), where in grouped.items()
    ]


def verdict(report: IacReport, templates: int, shown: str) -> GateResult:
    unjustified = report.unjustified
    details = [
        *(f"FAILED {c.check_id} {c.name}: {c.where()}" for c in report.failed),
        *(f"UNPARSED {path}" for path in report.parsing_errors),
        *(
            f"UNJUSTIFIED SUPPRESSION {c.check_id} on {c.where()}: add a `comment` saying why"
            for c in unjustified
        ),
        *suppression_lines(tuple(c for c in report.skipped if c not in unjustified)),
    ]
    problems = []
    if report.failed:
        problems.append(f"{len(report.failed)} failed checks")
    if report.parsing_errors:
        problems.append(f"{len(report.parsing_errors)} templates could not be parsed")
    if unjustified:
        problems.append(f"{len(unjustified)} suppressions without a justification")
    if report.resources == 0 and not report.parsing_errors:
        problems.append("0 resources checked")
    counts = (
        f"{report.passed} passed, {len(report.skipped)} suppressed, "
        f"{report.resources} resources in {templates} templates"
    )
    if problems:
        summary = f"iac: {', '.join(problems)}; {counts} (SARIF: {shown})"
        return GateResult(GateExit.FINDINGS, summary, tuple(details))
    summary = f"iac: 0 failed checks, {counts} (SARIF: {shown})"
    return GateResult(GateExit.PASSED, summary, tuple(details))


def run(ctx: GateContext) -> GateResult:
    checkov = require(ctx.runner, "checkov")
    synth = ctx.repo / SYNTH_DIR
    if not synth.is_dir():
        raise GateInputError(f"{SYNTH_DIR} does not exist: run the synth stage first")
    templates = [p for p in synth.rglob("*") if p.is_file() and p.suffix in TEMPLATE_SUFFIXES]
    if not templates:
        raise GateInputError(f"{SYNTH_DIR} holds no templates: run the synth stage first")
    sarif_path, json_path = ctx.report_path(SARIF_FILE), ctx.report_path(JSON_FILE)
    for stale in (sarif_path, json_path):
        stale.unlink(missing_ok=True)
    argv = [
        checkov, "--framework", "cloudformation", "-d", SYNTH_DIR,
        "-o", "sarif", "-o", "json",
        "--output-file-path", f"{ctx.relative(sarif_path)},{ctx.relative(json_path)}",
        "--compact", "--skip-download",
    ]  # fmt: skip
    tool = ctx.runner.run(argv, ctx.repo)
    if tool.exit_code not in (0, 1) or not json_path.is_file():
        raise ToolFailed(f"checkov exited {tool.exit_code} without a report:\n{output_tail(tool)}")
    try:
        doc = json.loads(json_path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ToolFailed(f"checkov wrote unreadable JSON {json_path}: {exc}") from None
    return verdict(interpret(doc), len(templates), ctx.relative(sarif_path))
